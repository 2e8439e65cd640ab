// The two tables of the ignored-fault-error rule: functions known to report
// failure through their result (data/knowledge/error-returning.txt), and
// functions whose result is ignored by convention
// (data/knowledge/result-ignored.txt).

import { badRow, defineTable, noExtraColumns, KnowledgeRow } from '../../src/knowledge';

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
    noExtraColumns(extra);
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
    noExtraColumns(extra);
    return { why };
  },
});

/** bus-accessors.txt: functions that fail only through the bus behind their handle, or on malformed arguments. */
export interface BusAccessorRow {
  handle: string;
  /** 1-based arguments that must be constants; empty for none. */
  constants: number[];
  otherwise: string;
}

export const busAccessorsTable = defineTable({
  name: 'bus-accessors',
  columns: 'the handle (regmap), the 1-based arguments that must be constants (2, 2,4 or -), "how else it fails"',
  parse(row: KnowledgeRow): BusAccessorRow {
    const [handle, constants, otherwise, ...extra] = row.fields;
    if (!handle) badRow('the row does not name the handle');
    if (!constants || !/^(-|\d+(,\d+)*)$/.test(constants)) badRow(`'${constants ?? ''}' is not a list of argument numbers (2, 2,4) or -`);
    if (!otherwise) badRow('the row does not say how else the call fails');
    noExtraColumns(extra);
    return { handle, constants: constants === '-' ? [] : constants.split(',').map(Number), otherwise };
  },
});

/** The kinds of bus-inits.txt: whether a transfer on the map made by that function can fail. */
export const INIT_KINDS = ['cannot-fail', 'can-fail', 'callbacks', 'unknown'] as const;

export interface BusInitRow {
  kind: (typeof INIT_KINDS)[number];
  bus: string;
}

export const busInitsTable = defineTable({
  name: 'bus-inits',
  columns: `${INIT_KINDS.join(' | ')}, "the bus"`,
  parse(row: KnowledgeRow): BusInitRow {
    const [kind, bus, ...extra] = row.fields;
    if (!INIT_KINDS.includes(kind as BusInitRow['kind'])) badRow(`'${kind ?? ''}' is not one of ${INIT_KINDS.join(', ')}`);
    if (!bus) badRow('the row does not name the bus');
    noExtraColumns(extra);
    return { kind: kind as BusInitRow['kind'], bus };
  },
});

/** harmless-failure.txt: functions whose failure leaves a well-defined state the kernel handles as usual. */
export interface HarmlessFailureRow {
  leaves: string;
}

export const harmlessFailureTable = defineTable({
  name: 'harmless-failure',
  columns: '"what a failure leaves"',
  parse(row: KnowledgeRow): HarmlessFailureRow {
    const [leaves, ...extra] = row.fields;
    if (!leaves) badRow('the row does not say what a failure leaves');
    noExtraColumns(extra);
    return { leaves };
  },
});

/**
 * fails-only-when.txt: callees whose failure needs arguments or a state that
 * the call in hand does not give, where that cannot be read from the callee's
 * own guards (a bound set elsewhere, a mode chosen by another subsystem).
 */
export type CallCondition =
  | { kind: 'at-most'; arg: number; value: number }
  | { kind: 'one-of'; arg: number; names: string[] }
  | { kind: 'constant'; arg: number }
  | { kind: 'after'; call: string };

export interface FailsOnlyWhenRow {
  /** Every condition holds at the call: it cannot fail (empty: any call). */
  cannotFailWhen: CallCondition[];
  /** A 1-based out-value argument the callee writes whenever it can fail in practice (`fills:N`). */
  fills?: number;
  why: string;
}

const CONDITION_FORMS = "any | fills:N | one or more of argN<=V, argN=NAME|NAME, argN:const, after:FUNCTION (comma-separated)";

export const failsOnlyWhenTable = defineTable({
  name: 'fails-only-when',
  columns: `the conditions (${CONDITION_FORMS}), "why the call cannot fail then"`,
  parse(row: KnowledgeRow): FailsOnlyWhenRow {
    const [conditions, why, ...extra] = row.fields;
    if (!conditions) badRow('the row gives no conditions');
    if (!why) badRow('the row does not say why the call cannot fail');
    noExtraColumns(extra);
    const fills = /^fills:(\d+)$/.exec(conditions);
    if (fills) return { cannotFailWhen: [], fills: Number(fills[1]), why };
    if (conditions === 'any') return { cannotFailWhen: [], why };
    return { cannotFailWhen: conditions.split(',').map(readCondition), why };
  },
});

function readCondition(text: string): CallCondition {
  let m = /^arg(\d+)<=(\d+)$/.exec(text);
  if (m) return { kind: 'at-most', arg: Number(m[1]), value: Number(m[2]) };
  m = /^arg(\d+)=([A-Za-z_][A-Za-z0-9_]*(\|[A-Za-z_][A-Za-z0-9_]*)*)$/.exec(text);
  if (m) return { kind: 'one-of', arg: Number(m[1]), names: m[2].split('|') };
  m = /^arg(\d+):const$/.exec(text);
  if (m) return { kind: 'constant', arg: Number(m[1]) };
  m = /^after:([A-Za-z_][A-Za-z0-9_]*)$/.exec(text);
  if (m) return { kind: 'after', call: m[1] };
  return badRow(`'${text}' is not a condition (${CONDITION_FORMS})`);
}
