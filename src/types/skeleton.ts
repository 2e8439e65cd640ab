// A file reduced to what declares things, for fast indexing: function bodies
// and non-conditional directives become spaces. Offsets and newlines are kept,
// so lines and columns still point into the original file.

import { TokenColumns, TokenKind, TokenList, tokenize } from '../frontend/lexer';

const BLANKED_DIRECTIVE = /^#\s*(define|undef|include|pragma|error|warning|line)\b/;

/** A text with some directives blanked, and its tokens (the same as tokenizing it again). */
export interface BlankedText {
  text: string;
  tokens: TokenList;
}

/** Blanks #define, #include and the like; #if groups stay for the normaliser to resolve. */
export function blankDirectives(text: string): BlankedText {
  const tokens = tokenize(text);
  const ranges: number[] = [];
  const kept = new Uint8Array(tokens.count).fill(1);
  for (let t = 0; t < tokens.count; t++) {
    if (tokens.kind[t] !== TokenKind.Directive) continue;
    const start = tokens.start[t];
    const end = tokens.end[t];
    if (!BLANKED_DIRECTIVE.test(text.slice(start, Math.min(end, start + 16)))) continue;
    ranges.push(start, end);
    kept[t] = 0;
  }
  if (ranges.length === 0) return { text, tokens };
  return { text: withRangesBlanked(text, ranges), tokens: keptTokens(tokens, kept) };
}

/** The tokens whose `kept` flag is set, in order. */
function keptTokens(tokens: TokenList, kept: Uint8Array): TokenList {
  let count = 0;
  for (let t = 0; t < tokens.count; t++) count += kept[t];
  const result = new TokenColumns(count);
  for (let t = 0; t < tokens.count; t++) if (kept[t]) result.push(tokens.kind[t], tokens.start[t], tokens.end[t]);
  return result;
}

/**
 * Blanks the inside of every function body (a top-level `{` right after a
 * `)`) and of every top-level initializer (right after a `=`), up to its
 * matching `}`: the index reads neither, and tables of initializers are a good
 * part of a driver's text. An unmatched body is left as it is.
 */
export function blankFunctionBodies(text: string, tokens: TokenList = tokenize(text)): string {
  const ranges: number[] = [];
  let depth = 0;
  let bodyOpen = -1;
  let previous = -1;
  for (let t = 0; t < tokens.count; t++) {
    const kind = tokens.kind[t];
    if (kind === TokenKind.Directive) continue;
    if (kind === TokenKind.Punct) {
      const c = text.charCodeAt(tokens.start[t]);
      if (c === 123) {
        if (depth === 0 && previous >= 0 && opensBlankedBraces(text, tokens, previous)) {
          bodyOpen = tokens.end[t];
        }
        depth++;
      } else if (c === 125 && depth > 0) {
        depth--;
        if (depth === 0 && bodyOpen >= 0) {
          ranges.push(bodyOpen, tokens.start[t]);
          bodyOpen = -1;
        }
      }
    }
    previous = t;
  }
  return withRangesBlanked(text, ranges);
}

/** Whether the token before a top-level `{` is the `)` of a function header or the `=` of an initializer. */
function opensBlankedBraces(text: string, tokens: TokenList, before: number): boolean {
  if (tokens.kind[before] !== TokenKind.Punct || tokens.end[before] - tokens.start[before] !== 1) return false;
  const c = text.charCodeAt(tokens.start[before]);
  return c === 41 || c === 61;
}

const SPACES = ' '.repeat(4096);

/** `text` with each range of `ranges` (start, end pairs, in order, apart) made spaces, newlines kept. */
function withRangesBlanked(text: string, ranges: readonly number[]): string {
  if (ranges.length === 0) return text;
  const parts: string[] = [];
  let copied = 0;
  for (let r = 0; r < ranges.length; r += 2) {
    parts.push(text.slice(copied, ranges[r]));
    pushSpaces(parts, text, ranges[r], ranges[r + 1]);
    copied = ranges[r + 1];
  }
  parts.push(text.slice(copied));
  return parts.join('');
}

/** Spaces for text[from, to), newlines kept, onto `parts`. */
function pushSpaces(parts: string[], text: string, from: number, to: number): void {
  for (let at = from; at < to; ) {
    let newline = text.indexOf('\n', at);
    if (newline < 0 || newline > to) newline = to;
    for (let run = newline - at; run > 0; run -= SPACES.length) parts.push(run >= SPACES.length ? SPACES : SPACES.slice(0, run));
    if (newline < to) parts.push('\n');
    at = newline + 1;
  }
}
