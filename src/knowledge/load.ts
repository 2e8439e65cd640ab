// Knowledge tables: what rules know about kernel functions, kept as data
// (data/knowledge/<table>.txt) so that users can extend it without touching
// a rule. A user file named <table>.txt (`--knowledge FILE`) extends the
// built-in table of that name; its rows come first, so they override.

import * as fs from 'node:fs';
import * as path from 'node:path';
import type { TableDefinition } from './define-table';
import { KnowledgeError, KnowledgeRow, parseKnowledge } from './rows';
import { KnowledgeTable } from './table';

export const BUILTIN_KNOWLEDGE_DIR = path.resolve(__dirname, '../../../data/knowledge');
const EXTENSION = '.txt';

export class Knowledge {
  private readonly tables = new Map<TableDefinition<unknown>, KnowledgeTable<unknown>>();

  constructor(private readonly rowsByTable: ReadonlyMap<string, KnowledgeRow[]>) {}

  /** The table, every row read through its definition (a KnowledgeError on the first bad row). */
  table<Row>(definition: TableDefinition<Row>): KnowledgeTable<Row> {
    let table = this.tables.get(definition as TableDefinition<unknown>) as KnowledgeTable<Row> | undefined;
    if (!table) {
      const rows = this.rowsByTable.get(definition.name);
      if (!rows) throw new KnowledgeError(`no knowledge table '${definition.name}' (expected ${path.join(BUILTIN_KNOWLEDGE_DIR, definition.name + EXTENSION)})`);
      table = new KnowledgeTable(definition, rows);
      this.tables.set(definition as TableDefinition<unknown>, table as KnowledgeTable<unknown>);
    }
    return table;
  }

  /** Reads every row of these tables now: the first bad one is a KnowledgeError naming its file and line. */
  validate(definitions: readonly TableDefinition<unknown>[]): this {
    for (const definition of definitions) this.table(definition);
    return this;
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
 * named after a built-in table; a file that cannot be read or a line that is
 * not a row is a KnowledgeError naming the file and line. Rows are read
 * through their tables' definitions by Knowledge.table() or validate().
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

function readText(file: string): string {
  try {
    return fs.readFileSync(file, 'utf8');
  } catch (error) {
    throw new KnowledgeError(`${file}: cannot read the knowledge file (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`);
  }
}
