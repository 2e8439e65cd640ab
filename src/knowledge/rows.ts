// The text format of a knowledge table: one row per line, `#` starts a
// comment. The first word is a function name or a glob (`*_unlock`, `pr_*`);
// the other words are the row's fields, which the table's definition reads.
// A field written as `"..."` may hold spaces.

export class KnowledgeError extends Error {}

export interface KnowledgeRow {
  /** The name or glob as written. */
  pattern: string;
  fields: string[];
  /** file:line, for messages. */
  origin: string;
}

export function isGlob(pattern: string): boolean {
  return /[*?]/.test(pattern);
}

export function globRegex(glob: string): RegExp {
  return new RegExp(`^${glob.replace(/\*/g, '.*').replace(/\?/g, '.')}$`);
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
