// Tests on a function's parameters that guard its error returns, read from
// tokens: `if (!buf) return -EINVAL;`, `if (len > 64 || !p) return -E2BIG;`.
// A call whose constant arguments trip none of them cannot get that error.

import type { TokenScan } from './body-facts';

/** One comparison of a parameter with a constant; the error return is reached when it holds. */
export interface ParamGuard {
  /** 0-based parameter index. */
  param: number;
  test: GuardTest;
  /** The constant compared with (NULL is 0). */
  value?: number;
}

export type GuardTest = 'zero' | 'nonzero' | '==' | '!=' | '<' | '<=' | '>' | '>=';

/** Wrappers whose value is their (only) argument's. */
const TRANSPARENT = new Set(['likely', 'unlikely', 'WARN_ON', 'WARN_ON_ONCE', 'IS_ERR_OR_NULL']);

/** The parameter names of the function whose body opens at token `open`, in order ('' where none is read). */
export function parameterNames(scan: TokenScan, open: number): string[] {
  const close = scan.previous(open);
  const start = scan.partner[close];
  if (scan.punct(close) !== ')' || start < 0) return [];
  const names: string[] = [];
  let last = '';
  let depth = 0;
  for (let t = start + 1; t < close; t++) {
    const c = scan.punct(t);
    if (c === '(' || c === '[') depth++;
    else if (c === ')' || c === ']') depth--;
    else if (c === ',' && depth === 0) {
      names.push(last);
      last = '';
    } else if (depth === 0 && scan.word(t)) last = scan.word(t);
    // A function-pointer parameter `int (*fn)(void)` names itself inside the first parentheses.
    else if (depth === 1 && scan.word(t) && scan.punct(scan.previous(t)) === '*') last = scan.word(t);
  }
  names.push(last);
  return names.length === 1 && names[0] === 'void' ? [] : names;
}

/**
 * The guards of a condition (tokens open+1 .. close-1 of an `if (...)`):
 * one per `||` alternative, or undefined when any alternative is not a plain
 * comparison of a parameter with a constant.
 */
export function guardsOf(scan: TokenScan, open: number, close: number, params: readonly string[]): ParamGuard[] | undefined {
  let first = open + 1;
  let last = close - 1;
  // Peel `unlikely(...)`, `WARN_ON(...)` and plain parentheses around the whole condition.
  for (;;) {
    if (scan.punct(first) === '(' && scan.partner[first] === last) {
      first++;
      last--;
    } else if (TRANSPARENT.has(scan.word(first)) && scan.word(first) !== 'IS_ERR_OR_NULL' && scan.punct(first + 1) === '(' && scan.partner[first + 1] === last) {
      first += 2;
      last--;
    } else break;
  }
  const guards: ParamGuard[] = [];
  let from = first;
  for (let t = first; t <= last + 1; t++) {
    const atEnd = t === last + 1;
    if (!atEnd && scan.punct(t) === '(') {
      t = Math.max(t, scan.partner[t]);
      continue;
    }
    if (atEnd || (scan.punct(t) === '|' && scan.punct(t + 1) === '|')) {
      const guard = comparison(scan, from, t - 1, params);
      if (!guard) return undefined;
      guards.push(guard);
      from = t + 2;
      t++;
    }
  }
  return guards.length ? guards : undefined;
}

/** A single `!p`, `p`, `p == NULL`, `p > 8`, `IS_ERR_OR_NULL(p)` over tokens first..last. */
function comparison(scan: TokenScan, first: number, last: number, params: readonly string[]): ParamGuard | null {
  const param = (t: number) => (scan.word(t) ? params.indexOf(scan.word(t)) : -1);
  const count = last - first + 1;
  if (count === 1 && param(first) >= 0) return { param: param(first), test: 'nonzero' };
  if (count === 2 && scan.punct(first) === '!' && param(last) >= 0) return { param: param(last), test: 'zero' };
  if (count === 4 && scan.word(first) === 'IS_ERR_OR_NULL' && scan.punct(first + 1) === '(' && param(first + 2) >= 0 && scan.punct(last) === ')') {
    return { param: param(first + 2), test: 'zero' };
  }
  if (count < 3 || param(first) < 0) return null;
  const index = param(first);
  const op1 = scan.punct(first + 1);
  const op2 = scan.punct(first + 2);
  const twoChar = op2 === '=' && (op1 === '=' || op1 === '!' || op1 === '<' || op1 === '>');
  const op = twoChar ? `${op1}=` : op1;
  const valueAt = first + (twoChar ? 3 : 2);
  if (valueAt !== last || !['==', '!=', '<', '<=', '>', '>='].includes(op)) return null;
  const value = constantValue(scan, valueAt);
  if (value === null) return null;
  return { param: index, test: op as GuardTest, value };
}

function constantValue(scan: TokenScan, t: number): number | null {
  if (scan.word(t) === 'NULL') return 0;
  const text = scan.text.slice(scan.tokens.start[t], scan.tokens.end[t]);
  if (!/^(0[xX][0-9a-fA-F]+|\d+)[uUlL]*$/.test(text)) return null;
  return Number(text.replace(/[uUlL]+$/, ''));
}

/** What a call passes for one argument, as far as guards care. */
export type ArgumentValue = { kind: 'number'; value: number } | { kind: 'address' } | { kind: 'unknown' };

/** Can a guard hold for this argument? (false only when it certainly cannot). */
export function mayTrip(guard: ParamGuard, argument: ArgumentValue): boolean {
  if (argument.kind === 'unknown') return true;
  if (argument.kind === 'address') {
    // A non-NULL address: never zero, and its magnitude is unknown.
    if (guard.test === 'zero') return false;
    if (guard.test === '==' && guard.value === 0) return false;
    return true;
  }
  const v = argument.value;
  const c = guard.value ?? 0;
  switch (guard.test) {
    case 'zero': return v === 0;
    case 'nonzero': return v !== 0;
    case '==': return v === c;
    case '!=': return v !== c;
    case '<': return v < c;
    case '<=': return v <= c;
    case '>': return v > c;
    case '>=': return v >= c;
  }
}
