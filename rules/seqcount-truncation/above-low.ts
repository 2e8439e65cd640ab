// What text can hold a seqcount-truncation finding above low. rank() gives
// high in two cases only, and low in every other: a round trip of a value
// whose own name is a sequence count (isSequenceName of identityOf: a
// variable, member, getter or read object named in the code), and a negative
// constant, at least as wide as long, widened back. So a text with neither a
// sequence-named token nor such a constant gives low findings only; at the
// default --min-confidence the rule need not parse that file, nor look at
// that function.

import type { Abi } from '../../src/types/ctype';
import { SEQUENCE_WORDS } from './values/quantities';

/** A sequence word between identifier boundaries or underscores (isSequenceName splits a name at '_'), in any case. */
const SEQUENCE_WORD = new RegExp(`(?<![A-Za-z0-9])(?:${[...SEQUENCE_WORDS].join('|')})(?![A-Za-z0-9])`, 'i');
/** The jiffies counter, whose name is its own (isSequenceName). */
const JIFFIES = /(?<![A-Za-z0-9_])(?:get_jiffies_64|jiffies_64|jiffies)(?![A-Za-z0-9_])/;
/** A minus sign, then (spaces, comments, line continuations and) an integer literal: `-1L`, `- 0x100000000`. */
const NEGATIVE_LITERAL = /-(?:\s|\\\r?\n|\/\*[\s\S]*?\*\/)*([0-9][0-9A-Za-z_.]*)/g;
/** The shortest literal whose type is wider than 32 bits without a suffix: 2147483648. */
const SHORTEST_WIDE_LITERAL = 10;

/** A necessary condition of a finding above low in `text` (a file, or a function's text). */
export function mayRankAboveLow(text: string, abi: Abi): boolean {
  return SEQUENCE_WORD.test(text) || JIFFIES.test(text) || hasWideNegativeLiteral(text, abi);
}

/** Whether `text` may hold a negative integer constant of `long`'s width or more (conservatively: it may say yes for a narrower one). */
function hasWideNegativeLiteral(text: string, abi: Abi): boolean {
  NEGATIVE_LITERAL.lastIndex = 0;
  for (let m = NEGATIVE_LITERAL.exec(text); m; m = NEGATIVE_LITERAL.exec(text)) {
    // int is 32 bits: with a 32-bit long, every integer constant is as wide as long.
    if (abi.longBits <= 32) return true;
    const literal = m[1];
    // No digit is an l: an l or L is a suffix (long, long long).
    if (literal.length >= SHORTEST_WIDE_LITERAL || /[lL]/.test(literal)) return true;
  }
  return false;
}
