// The preprocessor conditions a piece of code sits under, as a list of
// literals that must all hold for it to be compiled: `CONFIG_FOO` (set),
// `!CONFIG_FOO` (not set), or `?` for a condition we do not read. Only what
// a config stub needs: `#ifdef CONFIG_FOO ... #else <stub> #endif`,
// `#ifndef CONFIG_FOO`, `#if !IS_ENABLED(CONFIG_FOO)`, and `||`/`&&` of such.

import { TokenKind, TokenList, directiveKeyword } from '../frontend/lexer';

/** Set when the condition is true: `CONFIG_FOO`, `IS_ENABLED(CONFIG_FOO)`, `defined(CONFIG_FOO)`... */
const SYMBOL_TEST = /^(?:defined\s*\(\s*(\w+)\s*\)|defined\s+(\w+)|IS_(?:ENABLED|BUILTIN|REACHABLE|MODULE)\s*\(\s*(\w+)\s*\)|(CONFIG_\w+))$/;
const UNKNOWN = '?';

interface Frame {
  /** Literals of the branch being read. */
  literals: string[];
  /** The conditions of the group's branches so far (#if and each #elif), each negated by a later branch. */
  conditions: string[];
}

/**
 * For each token index in `wanted`, the conditions it sits under (outermost
 * first); tokens outside any #if group get an empty list.
 */
export function conditionsAt(text: string, tokens: TokenList, wanted: Iterable<number>): Map<number, string[]> {
  const targets = [...wanted].sort((a, b) => a - b);
  const out = new Map<number, string[]>();
  const stack: Frame[] = [];
  let next = 0;
  for (let t = 0; t < tokens.count && next < targets.length; t++) {
    while (next < targets.length && targets[next] === t) out.set(targets[next++], stack.flatMap((f) => f.literals));
    if (tokens.kind[t] !== TokenKind.Directive) continue;
    const start = tokens.start[t];
    const end = tokens.end[t];
    const written = directiveExpression(text.slice(start, end), directiveKeyword(text, start, end));
    const keyword = directiveKeyword(text, start, end);
    if (keyword === 'if' || keyword === 'ifdef' || keyword === 'ifndef') {
      const condition = keyword === 'if' ? written : keyword === 'ifdef' ? `defined(${written})` : `!defined(${written})`;
      stack.push({ literals: literalsOf(condition, false), conditions: [condition] });
    } else if (keyword === 'elif' || keyword === 'elifdef' || keyword === 'elifndef' || keyword === 'else') {
      const frame = stack[stack.length - 1];
      if (!frame) continue;
      const earlier = frame.conditions.flatMap((c) => literalsOf(c, true));
      if (keyword === 'else') {
        frame.literals = earlier;
        continue;
      }
      const condition = keyword === 'elif' ? written : keyword === 'elifdef' ? `defined(${written})` : `!defined(${written})`;
      frame.literals = [...earlier, ...literalsOf(condition, false)];
      frame.conditions.push(condition);
    } else if (keyword === 'endif') {
      stack.pop();
    }
  }
  return out;
}

/** The literals of `#if expression` (negated: of its #else). Anything we cannot read becomes `?`. */
export function literalsOf(expression: string, negated: boolean): string[] {
  const e = stripParens(expression);
  const or = splitTopLevel(e, '||');
  if (or.length > 1) {
    // !(a || b) is !a && !b; (a || b) itself is no list of musts.
    return negated ? or.flatMap((part) => literalsOf(part, true)) : [UNKNOWN];
  }
  const and = splitTopLevel(e, '&&');
  if (and.length > 1) return negated ? [UNKNOWN] : and.flatMap((part) => literalsOf(part, false));
  if (e.startsWith('!')) return literalsOf(e.slice(1), !negated);
  const m = SYMBOL_TEST.exec(e);
  const symbol = m ? m[1] ?? m[2] ?? m[3] ?? m[4] : null;
  if (!symbol) return [UNKNOWN];
  return [negated ? `!${symbol}` : symbol];
}

function directiveExpression(directive: string, keyword: string): string {
  return directive
    .replace(/\\\n/g, ' ')
    .replace(/\/\*[\s\S]*?\*\//g, ' ')
    .replace(/\/\/.*$/gm, ' ')
    .replace(new RegExp(`^#\\s*${keyword}\\b`), '')
    .replace(/\s+/g, ' ')
    .trim();
}

function stripParens(expression: string): string {
  let e = expression.trim();
  while (e.startsWith('(') && e.endsWith(')') && closingOf(e, 0) === e.length - 1) e = e.slice(1, -1).trim();
  return e;
}

function closingOf(text: string, open: number): number {
  let depth = 0;
  for (let i = open; i < text.length; i++) {
    if (text[i] === '(') depth++;
    else if (text[i] === ')' && --depth === 0) return i;
  }
  return -1;
}

function splitTopLevel(text: string, operator: string): string[] {
  const parts: string[] = [];
  let depth = 0;
  let from = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === '(') depth++;
    else if (c === ')') depth--;
    else if (depth === 0 && text.startsWith(operator, i)) {
      parts.push(text.slice(from, i).trim());
      i += operator.length - 1;
      from = i + 1;
    }
  }
  parts.push(text.slice(from).trim());
  return parts;
}

/** The config symbols whose absence the conditions require (`!CONFIG_FOO`): what makes a definition a stub. */
export function absentSymbols(conditions: readonly string[] | undefined): string[] {
  return (conditions ?? []).filter((c) => c.startsWith('!CONFIG_')).map((c) => c.slice(1));
}
