// C types as plain, serialisable data, and the integer model (widths,
// signedness, promotions, the usual arithmetic conversions) for an ABI.
//
// A CType is what a declaration says, before typedefs and tags are looked
// up: `u64` stays `{ k: 'named', name: 'u64' }` so the index can be built
// file by file. Resolution happens later, against a visibility-ranked index.

export type IntName =
  | '_Bool'
  | 'char'
  | 'signed char'
  | 'unsigned char'
  | 'short'
  | 'unsigned short'
  | 'int'
  | 'unsigned int'
  | 'long'
  | 'unsigned long'
  | 'long long'
  | 'unsigned long long'
  | '__int128'
  | 'unsigned __int128';

export type RecordTag = 'struct' | 'union';
export type TagKind = RecordTag | 'enum';

export interface Member {
  /** '' for an anonymous struct or union member. */
  name: string;
  type: CType;
  /** Bitfield width, when the member is one. */
  bits?: number;
  line: number;
}

export interface Param {
  name?: string;
  type: CType;
}

export type CType =
  | { k: 'int'; name: IntName }
  | { k: 'float'; name: string }
  | { k: 'void' }
  /** A typedef name, looked up later. */
  | { k: 'named'; name: string }
  /** `struct foo`, `union foo`, `enum foo`: the definition is looked up later. */
  | { k: 'tag'; tag: TagKind; name: string }
  /** A struct or union defined in place without a name (anonymous members, `typedef struct { } foo_t`). */
  | { k: 'record'; tag: RecordTag; members: Member[] }
  | { k: 'ptr'; to: CType }
  | { k: 'array'; of: CType; length?: string }
  | { k: 'fn'; ret: CType; params: Param[]; variadic: boolean }
  | { k: 'unknown'; why: string };

export const UNKNOWN_TYPEOF: CType = { k: 'unknown', why: 'typeof() in a declaration' };

export function unknown(why: string): CType {
  return { k: 'unknown', why };
}

export function intType(name: IntName): CType {
  return { k: 'int', name };
}

export function pointerTo(to: CType): CType {
  return { k: 'ptr', to };
}

// ---------------------------------------------------------------------------
// The ABI: how wide each integer type is.

export type AbiName = 'lp64' | 'ilp32';

export interface Abi {
  name: AbiName;
  longBits: number;
  pointerBits: number;
}

export const ABIS: Record<AbiName, Abi> = {
  lp64: { name: 'lp64', longBits: 64, pointerBits: 64 },
  ilp32: { name: 'ilp32', longBits: 32, pointerBits: 32 },
};

export interface IntInfo {
  bits: number;
  signed: boolean;
  /** Conversion rank, C11 6.3.1.1: _Bool < char < short < int < long < long long < __int128. */
  rank: number;
}

const RANK: Record<IntName, number> = {
  _Bool: 0,
  char: 1,
  'signed char': 1,
  'unsigned char': 1,
  short: 2,
  'unsigned short': 2,
  int: 3,
  'unsigned int': 3,
  long: 4,
  'unsigned long': 4,
  'long long': 5,
  'unsigned long long': 5,
  __int128: 6,
  'unsigned __int128': 6,
};

/** Plain `char` is signed on x86, the default architecture (6.1 does not build with -funsigned-char). */
export function intInfo(name: IntName, abi: Abi): IntInfo {
  const rank = RANK[name];
  const signed = !(name.startsWith('unsigned') || name === '_Bool');
  const bits = [1, 8, 16, 32, abi.longBits, 64, 128][rank];
  return { bits, signed, rank };
}

const BY_RANK_SIGNED: IntName[] = ['_Bool', 'signed char', 'short', 'int', 'long', 'long long', '__int128'];
const BY_RANK_UNSIGNED: IntName[] = [
  '_Bool',
  'unsigned char',
  'unsigned short',
  'unsigned int',
  'unsigned long',
  'unsigned long long',
  'unsigned __int128',
];

export function withSignedness(name: IntName, signed: boolean): IntName {
  const rank = RANK[name];
  if (rank === 0) return name;
  return signed ? BY_RANK_SIGNED[rank] : BY_RANK_UNSIGNED[rank];
}

/** Integer promotion (C11 6.3.1.1p2): anything narrower than int becomes int. */
export function promote(name: IntName): IntName {
  return RANK[name] < RANK.int ? 'int' : name;
}

/** The usual arithmetic conversions (C11 6.3.1.8) on two integer types. */
export function usualArithmetic(a: IntName, b: IntName, abi: Abi): IntName {
  const pa = promote(a);
  const pb = promote(b);
  if (pa === pb) return pa;
  const ia = intInfo(pa, abi);
  const ib = intInfo(pb, abi);
  if (ia.signed === ib.signed) return ia.rank >= ib.rank ? pa : pb;
  const [u, s, iu, is] = ia.signed ? [pb, pa, ib, ia] : [pa, pb, ia, ib];
  if (iu.rank >= is.rank) return u;
  if (is.bits > iu.bits) return s;
  return withSignedness(s, false);
}

// ---------------------------------------------------------------------------
// Names of built-in types, as declaration specifiers spell them.

const INT_SPELLINGS: Record<string, IntName> = {};
(() => {
  const add = (name: IntName, ...spellings: string[]) => {
    for (const s of spellings) INT_SPELLINGS[s] = name;
  };
  add('_Bool', '_Bool', 'bool');
  add('char', 'char');
  add('signed char', 'signed char');
  add('unsigned char', 'unsigned char');
  add('short', 'short', 'short int', 'signed short', 'signed short int');
  add('unsigned short', 'unsigned short', 'unsigned short int');
  add('int', 'int', 'signed', 'signed int');
  add('unsigned int', 'unsigned', 'unsigned int');
  add('long', 'long', 'long int', 'signed long', 'signed long int');
  add('unsigned long', 'unsigned long', 'unsigned long int');
  add('long long', 'long long', 'long long int', 'signed long long', 'signed long long int');
  add('unsigned long long', 'unsigned long long', 'unsigned long long int');
  add('__int128', '__int128', 'signed __int128', '__int128_t');
  add('unsigned __int128', 'unsigned __int128', '__uint128_t');
})();

const FLOAT_WORDS = new Set(['float', 'double', 'long double', '_Float16', '__float128']);

/**
 * A built-in type from its specifier words in any order (`long unsigned int`),
 * or null when the words name no built-in type.
 */
export function builtinFromWords(words: string[]): CType | null {
  if (words.length === 0) return null;
  if (words.length === 1 && words[0] === 'void') return { k: 'void' };
  let unsigned = false;
  let signed = false;
  let longs = 0;
  let base = '';
  for (const w of words) {
    if (w === 'unsigned') unsigned = true;
    else if (w === 'signed' || w === '__signed__' || w === '__signed') signed = true;
    else if (w === 'long') longs++;
    else if (w === 'short') base = base || 'short';
    else if (w === 'int') base = base || 'int';
    else if (base === '' || base === 'int') base = w;
    else return null;
  }
  if (base === 'double' || base === 'float') return { k: 'float', name: longs ? `long ${base}` : base };
  if (FLOAT_WORDS.has(base)) return { k: 'float', name: base };
  let spelled: string;
  if (base === 'char' || base === '_Bool' || base === 'bool' || base === '__int128') {
    spelled = base === 'char' ? (unsigned ? 'unsigned char' : signed ? 'signed char' : 'char') : (unsigned ? `unsigned ${base}` : base);
  } else if (base === 'short') {
    spelled = unsigned ? 'unsigned short' : 'short';
  } else if (base === '' || base === 'int') {
    const width = longs >= 2 ? 'long long' : longs === 1 ? 'long' : 'int';
    spelled = unsigned ? `unsigned ${width}` : width;
  } else {
    return null;
  }
  const name = INT_SPELLINGS[spelled];
  return name ? { k: 'int', name } : null;
}

// ---------------------------------------------------------------------------
// Printing, in C's own spelling.

export function typeToString(type: CType, inner = ''): string {
  switch (type.k) {
    case 'int':
    case 'float':
    case 'named':
      return join(type.name, inner);
    case 'void':
      return join('void', inner);
    case 'tag':
      return join(`${type.tag} ${type.name || '<anonymous>'}`, inner);
    case 'record':
      return join(`${type.tag} { ${type.members.map((m) => (m.name ? `${m.name};` : '...;')).join(' ')} }`, inner);
    case 'unknown':
      return join('<unknown>', inner);
    case 'ptr': {
      const wrapped = type.to.k === 'array' || type.to.k === 'fn' ? `(*${inner})` : `*${inner}`;
      return typeToString(type.to, wrapped);
    }
    case 'array':
      return typeToString(type.of, `${inner}[${type.length ?? ''}]`);
    case 'fn': {
      const params = type.params.map((p) => typeToString(p.type)).concat(type.variadic ? ['...'] : []);
      return typeToString(type.ret, `${inner}(${params.length ? params.join(', ') : 'void'})`);
    }
  }
}

function join(base: string, inner: string): string {
  if (!inner) return base;
  return inner.startsWith('[') || inner.startsWith('(') && !inner.startsWith('(*') ? `${base}${inner}` : `${base} ${inner}`;
}

export function sameType(a: CType, b: CType): boolean {
  return typeKey(a) === typeKey(b);
}

/** A string that is equal for structurally equal types (line numbers of inline members ignored). */
export function typeKey(type: CType): string {
  return JSON.stringify(type, (key, value) => (key === 'line' ? undefined : value));
}
