// Integer intervals over bigint: the values an expression can take, as
// [lo, hi], closed. Arithmetic here is exact (no wrapping): callers
// compare the result with the range of the type a value lands in.

import type { IntInfo } from '../../../src/types/ctype';

export interface Interval {
  lo: bigint;
  hi: bigint;
}

export function interval(lo: bigint, hi: bigint): Interval {
  return lo <= hi ? { lo, hi } : { lo: hi, hi: lo };
}

export function exactly(value: bigint): Interval {
  return { lo: value, hi: value };
}

/** Every value an integer type holds. */
export function rangeOfType(type: Pick<IntInfo, 'bits' | 'signed'>): Interval {
  const bits = BigInt(type.bits);
  return type.signed ? { lo: -(1n << (bits - 1n)), hi: (1n << (bits - 1n)) - 1n } : { lo: 0n, hi: (1n << bits) - 1n };
}

/** Does every value of `inner` lie in `outer`? */
export function within(inner: Interval, outer: Interval): boolean {
  return inner.lo >= outer.lo && inner.hi <= outer.hi;
}

export function union(a: Interval, b: Interval): Interval {
  return { lo: a.lo < b.lo ? a.lo : b.lo, hi: a.hi > b.hi ? a.hi : b.hi };
}

export function isNonNegative(a: Interval): boolean {
  return a.lo >= 0n;
}

const min = (...values: bigint[]): bigint => values.reduce((m, v) => (v < m ? v : m));
const max = (...values: bigint[]): bigint => values.reduce((m, v) => (v > m ? v : m));

export function add(a: Interval, b: Interval): Interval {
  return { lo: a.lo + b.lo, hi: a.hi + b.hi };
}

export function subtract(a: Interval, b: Interval): Interval {
  return { lo: a.lo - b.hi, hi: a.hi - b.lo };
}

export function multiply(a: Interval, b: Interval): Interval {
  const corners = [a.lo * b.lo, a.lo * b.hi, a.hi * b.lo, a.hi * b.hi];
  return { lo: min(...corners), hi: max(...corners) };
}

/** C division truncates toward zero; a divisor range containing 0 says nothing. */
export function divide(a: Interval, b: Interval): Interval | null {
  if (b.lo <= 0n && b.hi >= 0n) return null;
  const corners = [a.lo / b.lo, a.lo / b.hi, a.hi / b.lo, a.hi / b.hi];
  return { lo: min(...corners), hi: max(...corners) };
}

/** `a % b` for a positive divisor: below the divisor's largest value, with the dividend's sign. */
export function remainder(a: Interval, b: Interval): Interval | null {
  if (b.lo <= 0n) return null;
  const bound = b.hi - 1n;
  const lo = a.lo >= 0n ? 0n : max(a.lo, -bound);
  const hi = a.hi <= 0n ? 0n : min(a.hi, bound);
  return { lo, hi };
}

/** `a & b`: when one side is non-negative, the result lies between 0 and that side's largest value. */
export function and(a: Interval, b: Interval): Interval | null {
  const bounds = [a, b].filter(isNonNegative).map((x) => x.hi);
  return bounds.length ? { lo: 0n, hi: min(...bounds) } : null;
}

/** `a | b` and `a ^ b` for non-negative operands: below the next power of two above both. */
export function or(a: Interval, b: Interval): Interval | null {
  if (!isNonNegative(a) || !isNonNegative(b)) return null;
  const top = max(a.hi, b.hi);
  let ceiling = 1n;
  while (ceiling <= top) ceiling <<= 1n;
  return { lo: 0n, hi: ceiling - 1n };
}

export function shiftRight(a: Interval, b: Interval): Interval | null {
  if (!isNonNegative(a) || b.lo < 0n || b.hi > 127n) return null;
  return { lo: a.lo >> b.hi, hi: a.hi >> b.lo };
}

export function shiftLeft(a: Interval, b: Interval): Interval | null {
  if (!isNonNegative(a) || b.lo < 0n || b.hi > 127n) return null;
  return { lo: a.lo << b.lo, hi: a.hi << b.hi };
}

export function negate(a: Interval): Interval {
  return { lo: -a.hi, hi: -a.lo };
}

export function minimum(a: Interval, b: Interval): Interval {
  return { lo: min(a.lo, b.lo), hi: min(a.hi, b.hi) };
}

export function maximum(a: Interval, b: Interval): Interval {
  return { lo: max(a.lo, b.lo), hi: max(a.hi, b.hi) };
}

export function show(a: Interval): string {
  const one = (v: bigint) => (v > 4096n || v < -4096n ? `${v < 0n ? '-' : ''}0x${(v < 0n ? -v : v).toString(16)}` : String(v));
  return a.lo === a.hi ? one(a.lo) : `${one(a.lo)}..${one(a.hi)}`;
}
