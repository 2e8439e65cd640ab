// Knowledge tables: what rules know about kernel functions, kept as data
// (data/knowledge/<table>.txt) so that users can extend it without touching
// a rule. A user file named <table>.txt (`--knowledge FILE`) extends the
// built-in table of that name; its rows come first, so they override.
//
// Format: one row per line, `#` starts a comment. The first word is a
// function name or a glob (`*_unlock`, `pr_*`); the other words are the
// row's fields; the table's rule says what they mean. A field written as
// `"..."` (the last one, typically) may hold spaces.

import * as fs from 'node:fs';
import * as path from 'node:path';

export const BUILTIN_KNOWLEDGE_DIR = path.resolve(__dirname, '../../data/knowledge');
const EXTENSION = '.txt';

export class KnowledgeError extends Error {}

/** Turns a row's fields into what a rule works with; may throw on a malformed row. */
export type RowReader<T> = (row: KnowledgeRow, identifier: string) => T;

export interface KnowledgeRow {
  /** The name or glob as written. */
  pattern: string;
  fields: string[];
  /** file:line, for messages. */
  origin: string;
}

export class KnowledgeTable {
  private readonly exact = new Map<string, KnowledgeRow>();
  private readonly globs: { regex: RegExp; row: KnowledgeRow }[] = [];
  private readonly parsedByReader = new Map<RowReader<unknown>, Map<string, unknown>>();

  constructor(readonly name: string, rows: readonly KnowledgeRow[]) {
    for (const row of rows) {
      if (/[*?]/.test(row.pattern)) this.globs.push({ regex: globRegex(row.pattern), row });
      else if (!this.exact.has(row.pattern)) this.exact.set(row.pattern, row);
    }
  }

  /** The row for a function name: an exact row first, else the first glob that matches. */
  lookup(identifier: string): KnowledgeRow | undefined {
    return this.exact.get(identifier) ?? this.globs.find((g) => g.regex.test(identifier))?.row;
  }

  /**
   * The row for a function name as a rule reads its fields, read once per
   * name (a name the table does not know is remembered too). The reader gets
   * the name, since a glob row stands for many.
   */
  parsed<T>(identifier: string, read: RowReader<T>): T | undefined {
    let byName = this.parsedByReader.get(read) as Map<string, T | undefined> | undefined;
    if (!byName) this.parsedByReader.set(read, (byName = new Map()));
    if (byName.has(identifier)) return byName.get(identifier);
    const row = this.lookup(identifier);
    const parsed = row ? read(row, identifier) : undefined;
    byName.set(identifier, parsed);
    return parsed;
  }

  /** Every row lookup() can return: exact rows (the first of a name), then globs. */
  rows(): KnowledgeRow[] {
    return [...this.exact.values(), ...this.globs.map((g) => g.row)];
  }

  get size(): number {
    return this.exact.size + this.globs.length;
  }
}

export class Knowledge {
  private readonly tables = new Map<string, KnowledgeTable>();

  constructor(private readonly rowsByTable: ReadonlyMap<string, KnowledgeRow[]>) {}

  table(name: string): KnowledgeTable {
    let table = this.tables.get(name);
    if (!table) {
      const rows = this.rowsByTable.get(name);
      if (!rows) throw new KnowledgeError(`no knowledge table '${name}' (expected ${path.join(BUILTIN_KNOWLEDGE_DIR, name + EXTENSION)})`);
      table = new KnowledgeTable(name, rows);
      this.tables.set(name, table);
    }
    return table;
  }
}

export function builtinTableNames(): string[] {
  return fs
    .readdirSync(BUILTIN_KNOWLEDGE_DIR)
    .filter((f) => f.endsWith(EXTENSION))
    .map((f) => f.slice(0, -EXTENSION.length))
    .sort();
}

/**
 * The built-in tables, extended by the user's files. A user file must be
 * named after a built-in table; a file that cannot be read or a malformed
 * row is a KnowledgeError naming the file and line.
 */
export function loadKnowledge(extraFiles: readonly string[] = []): Knowledge {
  const names = builtinTableNames();
  const rows = new Map<string, KnowledgeRow[]>(names.map((n) => [n, []]));
  for (const file of extraFiles) {
    const name = path.basename(file, EXTENSION);
    if (!file.endsWith(EXTENSION) || !rows.has(name)) {
      throw new KnowledgeError(`${file}: a knowledge file must be named after the table it extends, one of: ${names.map((n) => n + EXTENSION).join(', ')}`);
    }
    rows.get(name)!.push(...parseKnowledge(readText(file), file));
  }
  for (const name of names) {
    const file = path.join(BUILTIN_KNOWLEDGE_DIR, name + EXTENSION);
    rows.get(name)!.push(...parseKnowledge(readText(file), path.relative(path.resolve(BUILTIN_KNOWLEDGE_DIR, '../..'), file)));
  }
  return new Knowledge(rows);
}

const cache = new Map<string, Knowledge>();

/** loadKnowledge, once per thread for a given list of extra files. */
export function knowledgeFor(extraFiles: readonly string[]): Knowledge {
  const key = extraFiles.join('\0');
  let knowledge = cache.get(key);
  if (!knowledge) cache.set(key, (knowledge = loadKnowledge(extraFiles)));
  return knowledge;
}

export function parseKnowledge(text: string, origin: string): KnowledgeRow[] {
  const rows: KnowledgeRow[] = [];
  text.split('\n').forEach((raw, i) => {
    const line = stripComment(raw).trim();
    if (!line) return;
    const words = splitFields(line);
    if (words === null) throw new KnowledgeError(`${origin}:${i + 1}: unterminated quoted field`);
    const [pattern, ...fields] = words;
    if (!/^[A-Za-z_*?][\w*?]*$/.test(pattern)) {
      throw new KnowledgeError(`${origin}:${i + 1}: '${pattern}' is not a function name or a glob of one`);
    }
    rows.push({ pattern, fields, origin: `${origin}:${i + 1}` });
  });
  return rows;
}

function readText(file: string): string {
  try {
    return fs.readFileSync(file, 'utf8');
  } catch (error) {
    throw new KnowledgeError(`${file}: cannot read the knowledge file (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`);
  }
}

/** The line without a `#` comment (a `#` inside quotes is kept). */
function stripComment(line: string): string {
  let quoted = false;
  for (let i = 0; i < line.length; i++) {
    if (line[i] === '"') quoted = !quoted;
    else if (line[i] === '#' && !quoted) return line.slice(0, i);
  }
  return line;
}

/** Whitespace-separated words, a `"..."` word kept whole; null on an unterminated quote. */
function splitFields(line: string): string[] | null {
  const words: string[] = [];
  const pattern = /"([^"]*)("?)|(\S+)/g;
  for (let m = pattern.exec(line); m; m = pattern.exec(line)) {
    if (m[3] !== undefined) words.push(m[3]);
    else if (m[2] !== '"') return null;
    else words.push(m[1]);
  }
  return words;
}

function globRegex(glob: string): RegExp {
  return new RegExp(`^${glob.replace(/\*/g, '.*').replace(/\?/g, '.')}$`);
}
