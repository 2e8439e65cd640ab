// What a knowledge table is: its name (data/knowledge/<name>.txt), its
// columns in words, and how one row's fields are read. Every row, built-in or
// the user's, is read through `parse` when the tables are loaded, so a bad
// row is refused before any analysis, naming its file and line.

import type { KnowledgeRow } from './rows';

/** Thrown by a table's `parse`: what is wrong with the row, in words. */
export class RowError extends Error {}

/** For `parse`: refuse the row, saying why. */
export function badRow(why: string): never {
  throw new RowError(why);
}

/** For `parse`: refuse the row when it has fields past the last column (`extra`: the fields left over). */
export function noExtraColumns(extra: readonly string[]): void {
  if (extra.length) badRow(`'${extra[0]}' is one column too many (quote a description that has spaces)`);
}

export interface TableDefinition<Row = unknown> {
  /** data/knowledge/<name>.txt, and the name a user's file must have. */
  readonly name: string;
  /** The columns after the name, in words, for messages: `role, argument, "what it does", options`. */
  readonly columns: string;
  /**
   * Reads a row's fields; calls badRow() on a row that does not fit. `name` is
   * the function the row stands for (the pattern itself, or the name a glob
   * row matched).
   */
  parse(row: KnowledgeRow, name: string): Row;
}

export function defineTable<Row>(definition: TableDefinition<Row>): TableDefinition<Row> {
  return definition;
}

/** The row types of a table, for helpers that take one: `RowOf<typeof accessOrdering>`. */
export type RowOf<T> = T extends TableDefinition<infer Row> ? Row : never;

/** For a rule's pre-filter: the names of the table's rows that `which` selects (see Rule.requires). */
export interface TableNames<Row = unknown> {
  readonly table: TableDefinition<Row>;
  readonly which: (row: Row) => boolean;
}

export function namesOf<Row>(table: TableDefinition<Row>, which: (row: Row) => boolean = () => true): TableNames<Row> {
  return { table, which };
}
