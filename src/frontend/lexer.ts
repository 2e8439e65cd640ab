// A small C tokenizer for the kernel-aware normaliser. It only needs to know
// where identifiers, brackets and preprocessor lines are; comments and
// whitespace are skipped, string and character literals are single tokens.

export const enum TokenKind {
  Identifier = 1,
  Number = 2,
  String = 3,
  Char = 4,
  Punct = 5,
  /** A whole preprocessor line, continuation lines included. */
  Directive = 6,
}

export interface TokenList {
  count: number;
  kind: Uint8Array;
  start: Int32Array;
  end: Int32Array;
  /** The indexes of the Directive tokens, in order (a pass over directives need not read every token). */
  directives: number[];
}

const CH_NEWLINE = 10;
const CH_SPACE = 32;
const CH_TAB = 9;
const CH_CR = 13;
const CH_FF = 12;
const CH_VT = 11;
const CH_HASH = 35;
const CH_SLASH = 47;
const CH_STAR = 42;
const CH_BACKSLASH = 92;
const CH_DQUOTE = 34;
const CH_SQUOTE = 39;
const CH_DOT = 46;

/**
 * Character classes of ASCII, one table read per character: the lexer's loops run in the
 * interpreter on a worker's first files, where a call per character test (isIdentChar calling
 * isIdentStart) cost more than the rest of the loop.
 */
const WORD_START = 1;
const WORD_CHAR = 2;
const DIGIT = 4;
const BLANK = 8;
const CHAR_CLASS = new Uint8Array(128);
for (let c = 0; c < 128; c++) {
  const letter = (c >= 97 && c <= 122) || (c >= 65 && c <= 90) || c === 95 || c === 36;
  const digit = c >= 48 && c <= 57;
  CHAR_CLASS[c] =
    (letter ? WORD_START | WORD_CHAR : 0) | (digit ? DIGIT | WORD_CHAR : 0) | (c === CH_SPACE || c === CH_TAB || c === CH_CR || c === CH_FF || c === CH_VT ? BLANK : 0);
}

/** A letter, '_' or '$'. */
export function isIdentStart(c: number): boolean {
  return c < 128 && (CHAR_CLASS[c] & WORD_START) !== 0;
}

/** A letter, a digit, '_' or '$'. */
export function isIdentChar(c: number): boolean {
  return c < 128 && (CHAR_CLASS[c] & WORD_CHAR) !== 0;
}

function isDigit(c: number): boolean {
  return c < 128 && (CHAR_CLASS[c] & DIGIT) !== 0;
}

/** e, E, p, P: the letters after which a sign belongs to a number (1e+5, 0x1p-3). */
function isExponentMark(c: number): boolean {
  return c === 101 || c === 69 || c === 112 || c === 80;
}

function isBlank(c: number): boolean {
  return c < 128 && (CHAR_CLASS[c] & BLANK) !== 0;
}

/**
 * A TokenList being filled, and the one tokenize returns. A class with a method rather than a
 * closure made per call (a new call target for every file threw tokenize's optimised code away),
 * and rather than an object literal: a literal's map is shared with any other literal of the
 * same first property names, whose field types, once generalised elsewhere, threw away every
 * optimised function that reads tokens.
 */
export class TokenColumns implements TokenList {
  count = 0;
  kind: Uint8Array;
  start: Int32Array;
  end: Int32Array;
  directives: number[] = [];

  constructor(capacity: number) {
    this.kind = new Uint8Array(capacity);
    this.start = new Int32Array(capacity);
    this.end = new Int32Array(capacity);
  }

  push(k: TokenKind, s: number, e: number): void {
    const at = this.count;
    if (at === this.kind.length) this.grow();
    this.kind[at] = k;
    this.start[at] = s;
    this.end[at] = e;
    this.count = at + 1;
    if (k === TokenKind.Directive) this.directives.push(at);
  }

  private grow(): void {
    const size = Math.max(16, this.kind.length * 2);
    const kind = new Uint8Array(size);
    kind.set(this.kind);
    this.kind = kind;
    const start = new Int32Array(size);
    start.set(this.start);
    this.start = start;
    const end = new Int32Array(size);
    end.set(this.end);
    this.end = end;
  }
}

export function tokenize(text: string): TokenList {
  const tokens = new TokenColumns(Math.max(16, (text.length >> 2) + 16));
  const n = text.length;
  let i = 0;
  let atLineStart = true;
  while (i < n) {
    const c = text.charCodeAt(i);
    if (c === CH_NEWLINE) { atLineStart = true; i++; continue; }
    if (c < 128 && (CHAR_CLASS[c] & BLANK) !== 0) { i++; continue; }
    if (c === CH_BACKSLASH && text.charCodeAt(i + 1) === CH_NEWLINE) { i += 2; continue; }
    if (c === CH_SLASH && text.charCodeAt(i + 1) === CH_STAR) { i = skipBlockComment(text, i); continue; }
    if (c === CH_SLASH && text.charCodeAt(i + 1) === CH_SLASH) { i = skipLineComment(text, i); continue; }
    // One push for every kind of token: each call site of push was compiled into the loop again.
    let kind: TokenKind;
    let end: number;
    if (c === CH_HASH && atLineStart) {
      kind = TokenKind.Directive;
      end = directiveEnd(text, i);
    } else {
      atLineStart = false;
      if (isIdentStart(c)) {
        end = wordEnd(text, i + 1);
        // String prefixes such as L"..." or u8"..." belong to the literal.
        const next = text.charCodeAt(end);
        if ((next === CH_DQUOTE || next === CH_SQUOTE) && end - i <= 2) {
          kind = next === CH_DQUOTE ? TokenKind.String : TokenKind.Char;
          end = skipQuoted(text, end, next);
        } else {
          kind = TokenKind.Identifier;
        }
      } else if (isDigit(c) || (c === CH_DOT && isDigit(text.charCodeAt(i + 1)))) {
        kind = TokenKind.Number;
        end = numberEnd(text, i + 1);
      } else if (c === CH_DQUOTE || c === CH_SQUOTE) {
        kind = c === CH_DQUOTE ? TokenKind.String : TokenKind.Char;
        end = skipQuoted(text, i, c);
      } else {
        kind = TokenKind.Punct;
        end = c === CH_DOT && text.charCodeAt(i + 1) === CH_DOT && text.charCodeAt(i + 2) === CH_DOT ? i + 3 : i + 1;
      }
    }
    tokens.push(kind, i, end);
    i = end;
  }
  return tokens;
}

/** The end of the word characters from `from` on. */
function wordEnd(text: string, from: number): number {
  let j = from;
  for (;;) {
    const c = text.charCodeAt(j);
    if (!(c < 128 && (CHAR_CLASS[c] & WORD_CHAR) !== 0)) return j;
    j++;
  }
}

/** The end of a number whose second character is at `from`: word characters, dots, and exponent signs (1e+5, 0x1p-3). */
function numberEnd(text: string, from: number): number {
  let j = from;
  while (j < text.length) {
    const d = text.charCodeAt(j);
    if (isIdentChar(d) || d === CH_DOT) { j++; continue; }
    if ((d === 43 || d === 45) && isExponentMark(text.charCodeAt(j - 1))) { j++; continue; }
    break;
  }
  return j;
}

function skipBlockComment(text: string, i: number): number {
  const close = text.indexOf('*/', i + 2);
  return close < 0 ? text.length : close + 2;
}

function skipLineComment(text: string, i: number): number {
  let j = i + 2;
  const n = text.length;
  while (j < n) {
    const c = text.charCodeAt(j);
    if (c === CH_NEWLINE) {
      if (text.charCodeAt(j - 1) === CH_BACKSLASH) { j++; continue; }
      return j;
    }
    j++;
  }
  return n;
}

function skipQuoted(text: string, i: number, quote: number): number {
  let j = i + 1;
  const n = text.length;
  while (j < n) {
    const c = text.charCodeAt(j);
    if (c === CH_BACKSLASH) { j += 2; continue; }
    if (c === quote) return j + 1;
    // An unterminated literal ends at the line end, as the compiler would complain there.
    if (c === CH_NEWLINE) return j;
    j++;
  }
  return n;
}

/** End of a preprocessor line: the newline that is not escaped and not inside a block comment. */
function directiveEnd(text: string, i: number): number {
  const n = text.length;
  let j = i + 1;
  while (j < n) {
    const c = text.charCodeAt(j);
    if (c === CH_NEWLINE) return j;
    if (c === CH_BACKSLASH && text.charCodeAt(j + 1) === CH_NEWLINE) { j += 2; continue; }
    if (c === CH_BACKSLASH && text.charCodeAt(j + 1) === CH_CR && text.charCodeAt(j + 2) === CH_NEWLINE) { j += 3; continue; }
    if (c === CH_SLASH && text.charCodeAt(j + 1) === CH_STAR) { j = skipBlockComment(text, j); continue; }
    if (c === CH_SLASH && text.charCodeAt(j + 1) === CH_SLASH) return skipLineComment(text, j);
    if (c === CH_DQUOTE || c === CH_SQUOTE) { j = skipQuoted(text, j, c); continue; }
    j++;
  }
  return n;
}

/** The directive's keyword: "if", "ifdef", "define", ... ("" for a null directive). */
export function directiveKeyword(text: string, start: number, end: number): string {
  let i = start + 1;
  while (i < end && isBlank(text.charCodeAt(i))) i++;
  let j = i;
  while (j < end && isIdentChar(text.charCodeAt(j))) j++;
  return text.slice(i, j);
}
