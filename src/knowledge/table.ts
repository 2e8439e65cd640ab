// One knowledge table as a rule sees it: rows looked up by function name
// (an exact row first, then the first glob that matches), read through the
// table's definition. Every row is read once when the table is made, so a
// bad row fails there, with its file and line.

import { RowError, TableDefinition } from './define-table';
import { globRegex, isGlob, KnowledgeError, KnowledgeRow } from './rows';

export class KnowledgeTable<Row = unknown> {
  private readonly exact = new Map<string, { raw: KnowledgeRow; row: Row }>();
  private readonly globs: { regex: RegExp; raw: KnowledgeRow }[] = [];
  private readonly byName = new Map<string, Row | undefined>();
  /** Every row as read, in file order (user rows first). */
  readonly rows: readonly { raw: KnowledgeRow; row: Row }[];

  constructor(readonly definition: TableDefinition<Row>, rows: readonly KnowledgeRow[]) {
    this.rows = rows.map((raw) => ({ raw, row: readRow(definition, raw, raw.pattern) }));
    for (const entry of this.rows) {
      if (isGlob(entry.raw.pattern)) this.globs.push({ regex: globRegex(entry.raw.pattern), raw: entry.raw });
      else if (!this.exact.has(entry.raw.pattern)) this.exact.set(entry.raw.pattern, entry);
    }
  }

  get name(): string {
    return this.definition.name;
  }

  /** The row for a function name as written: an exact row first, else the first glob that matches. */
  lookup(identifier: string): KnowledgeRow | undefined {
    return this.exact.get(identifier)?.raw ?? this.globs.find((g) => g.regex.test(identifier))?.raw;
  }

  /** The row for a function name as the table reads it (a glob row read for the name it matched); remembered per name. */
  get(identifier: string): Row | undefined {
    if (this.byName.has(identifier)) return this.byName.get(identifier);
    const exact = this.exact.get(identifier);
    const glob = exact ? undefined : this.globs.find((g) => g.regex.test(identifier))?.raw;
    const row = exact ? exact.row : glob ? readRow(this.definition, glob, identifier) : undefined;
    this.byName.set(identifier, row);
    return row;
  }

  get size(): number {
    return this.exact.size + this.globs.length;
  }
}

function readRow<Row>(definition: TableDefinition<Row>, raw: KnowledgeRow, name: string): Row {
  try {
    return definition.parse(raw, name);
  } catch (error) {
    if (!(error instanceof RowError)) throw error;
    throw new KnowledgeError(`${raw.origin}: ${error.message}; expected: name, ${definition.columns}`);
  }
}
