// The two tables of the ignored-fault-error rule: functions known to report
// failure through their result (data/knowledge/error-returning.txt), and
// functions whose result is ignored by convention
// (data/knowledge/result-ignored.txt).

import { badRow, defineTable, KnowledgeRow } from '../../src/knowledge';

/** The path classes of error-returning.txt; fault, gup and copy rank highest. */
export const PATH_CLASSES = ['fault', 'gup', 'copy', 'alloc', 'io'] as const;

export interface ErrorReturningRow {
  pathClass: (typeof PATH_CLASSES)[number];
  /** What failure looks like, in words. */
  looksLike: string;
}

export const errorReturningTable = defineTable({
  name: 'error-returning',
  columns: `path class (${PATH_CLASSES.join(', ')}), "what failure looks like"`,
  parse(row: KnowledgeRow): ErrorReturningRow {
    const [pathClass, looksLike, ...extra] = row.fields;
    if (!PATH_CLASSES.includes(pathClass as ErrorReturningRow['pathClass'])) badRow(`path class '${pathClass ?? ''}' is not one of ${PATH_CLASSES.join(', ')}`);
    if (!looksLike) badRow('the row does not say what failure looks like');
    if (extra.length) badRow(`'${extra[0]}' is one column too many (quote a description that has spaces)`);
    return { pathClass: pathClass as ErrorReturningRow['pathClass'], looksLike };
  },
});

export interface ResultIgnoredRow {
  why: string;
}

export const resultIgnoredTable = defineTable({
  name: 'result-ignored',
  columns: '"why the result is ignored"',
  parse(row: KnowledgeRow): ResultIgnoredRow {
    const [why, ...extra] = row.fields;
    if (!why) badRow('the row does not say why the result is ignored');
    if (extra.length) badRow(`'${extra[0]}' is one column too many (quote a description that has spaces)`);
    return { why };
  },
});
