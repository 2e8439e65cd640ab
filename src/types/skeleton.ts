// A file reduced to what declares things, for fast indexing: function bodies
// and non-conditional directives become spaces. Offsets and newlines are kept,
// so lines and columns still point into the original file.

import { TokenKind, TokenList, tokenize } from '../frontend/lexer';

const BLANKED_DIRECTIVE = /^#\s*(define|undef|include|pragma|error|warning|line)\b/;

/** Blanks #define, #include and the like; #if groups stay for the normaliser to resolve. */
export function blankDirectives(text: string): string {
  const tokens = tokenize(text);
  const chars: string[] = [];
  let copied = 0;
  for (let t = 0; t < tokens.count; t++) {
    if (tokens.kind[t] !== TokenKind.Directive) continue;
    const start = tokens.start[t];
    const end = tokens.end[t];
    if (!BLANKED_DIRECTIVE.test(text.slice(start, Math.min(end, start + 16)))) continue;
    chars.push(text.slice(copied, start), spaces(text, start, end));
    copied = end;
  }
  if (copied === 0) return text;
  chars.push(text.slice(copied));
  return chars.join('');
}

/**
 * Blanks the inside of every function body: a top-level `{` right after a
 * `)`, up to its matching `}`. An unmatched body is left as it is.
 */
export function blankFunctionBodies(text: string, tokens: TokenList = tokenize(text)): string {
  const parts: string[] = [];
  let copied = 0;
  let depth = 0;
  let bodyOpen = -1;
  let previous = -1;
  for (let t = 0; t < tokens.count; t++) {
    const kind = tokens.kind[t];
    if (kind === TokenKind.Directive) continue;
    if (kind === TokenKind.Punct) {
      const c = text.charCodeAt(tokens.start[t]);
      if (c === 123) {
        if (depth === 0 && previous >= 0 && tokens.kind[previous] === TokenKind.Punct && text.charCodeAt(tokens.start[previous]) === 41) {
          bodyOpen = tokens.end[t];
        }
        depth++;
      } else if (c === 125 && depth > 0) {
        depth--;
        if (depth === 0 && bodyOpen >= 0) {
          const close = tokens.start[t];
          parts.push(text.slice(copied, bodyOpen), spaces(text, bodyOpen, close));
          copied = close;
          bodyOpen = -1;
        }
      }
    }
    previous = t;
  }
  if (copied === 0) return text;
  parts.push(text.slice(copied));
  return parts.join('');
}

/** Spaces for text[from, to), newlines kept. */
function spaces(text: string, from: number, to: number): string {
  return text.slice(from, to).replace(/[^\n]/g, ' ');
}
