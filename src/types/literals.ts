// The type of an integer or floating constant as written (C11 6.4.4.1):
// the first type in the suffix's list that can represent the value.

import { Abi, CType, intInfo, IntName, unknown } from './ctype';

const DECIMAL: Record<string, IntName[]> = {
  '': ['int', 'long', 'long long'],
  u: ['unsigned int', 'unsigned long', 'unsigned long long'],
  l: ['long', 'long long'],
  ul: ['unsigned long', 'unsigned long long'],
  ll: ['long long'],
  ull: ['unsigned long long'],
};

const OTHER_BASE: Record<string, IntName[]> = {
  '': ['int', 'unsigned int', 'long', 'unsigned long', 'long long', 'unsigned long long'],
  u: ['unsigned int', 'unsigned long', 'unsigned long long'],
  l: ['long', 'unsigned long', 'long long', 'unsigned long long'],
  ul: ['unsigned long', 'unsigned long long'],
  ll: ['long long', 'unsigned long long'],
  ull: ['unsigned long long'],
};

const INTEGER = /^(0[xX][0-9a-fA-F]+|0[bB][01]+|0[0-7]*|[1-9][0-9]*)([uUlL]*)$/;

export function literalType(text: string, abi: Abi): CType {
  const written = text.trim();
  // tree-sitter reads `-1` as one literal; C reads unary minus on 1, which promotes but keeps the type.
  if (written.startsWith('-')) return literalType(written.slice(1), abi);
  const m = INTEGER.exec(written);
  if (!m) {
    if (/^[0-9.]/.test(written) && /[.eEpP]/.test(written)) return { k: 'float', name: /[fF]$/.test(written) ? 'float' : 'double' };
    return unknown(`literal '${written}'`);
  }
  const suffix = normaliseSuffix(m[2]);
  if (suffix === null) return unknown(`literal suffix '${m[2]}'`);
  const digits = m[1];
  const value = valueOfDigits(digits);
  const list = (/^[1-9]/.test(digits) || digits === '0' ? DECIMAL : OTHER_BASE)[suffix];
  for (const name of list) {
    const info = intInfo(name, abi);
    const max = (1n << BigInt(info.signed ? info.bits - 1 : info.bits)) - 1n;
    if (value <= max) return { k: 'int', name };
  }
  return unknown(`literal ${written} is too large for any integer type`);
}

/** The value of an integer literal as written, with its sign (`-1`, `+1`), base and suffix; null if the text is not one. */
export function integerLiteralValue(text: string): bigint | null {
  const written = text.trim();
  const sign = written.startsWith('-') ? -1n : 1n;
  const m = INTEGER.exec(written.replace(/^[-+]/, ''));
  return m ? sign * valueOfDigits(m[1]) : null;
}

function valueOfDigits(digits: string): bigint {
  // BigInt reads 0x and 0b prefixes itself; C's octal is a bare leading 0.
  return /^0[0-7]+$/.test(digits) ? BigInt(`0o${digits.slice(1)}`) : BigInt(digits);
}

function normaliseSuffix(raw: string): string | null {
  const s = raw.toLowerCase();
  const unsigned = s.includes('u');
  const longs = s.replace('u', '');
  if (!['', 'l', 'll'].includes(longs) || (s.match(/u/g)?.length ?? 0) > 1) return null;
  return `${unsigned ? 'u' : ''}${longs}`;
}
