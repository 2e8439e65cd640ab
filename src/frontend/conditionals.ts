// Conditional compilation that tree-sitter-c cannot follow. tree-sitter-c
// understands `#if` groups that wrap whole statements, declarations or
// fields. A group that splits a construct (half an `if`, a function header,
// part of an initializer or of an expression) is reduced to its first branch,
// as if that configuration were built; `#if 0` blocks are dropped. What is
// dropped is blanked in place, so offsets do not move.

import { TokenKind, TokenList, directiveKeyword } from './lexer';

interface Group {
  /** Token indexes of #if, #elif..., #else, #endif. */
  directives: number[];
}

/** Token ranges [first, last] to blank. */
export function blankConditionals(text: string, tokens: TokenList): [number, number][] {
  const groups = findGroups(text, tokens);
  if (groups.length === 0) return [];
  const context = scanFirstBranchContext(text, tokens, groups);
  const hidden = new Uint8Array(tokens.count);
  const ranges: [number, number][] = [];
  // Groups are listed innermost first (in #endif order), so an outer group
  // sees its nested groups' alternatives as hidden.
  for (const group of groups) {
    const keep = branchToKeep(text, tokens, group, hidden, context);
    const d = group.directives;
    for (let b = 0; b + 1 < d.length; b++) {
      if (b > 0) for (let t = d[b] + 1; t < d[b + 1]; t++) hidden[t] = 1;
    }
    if (keep === 'all') continue;
    for (let b = 0; b + 1 < d.length; b++) {
      ranges.push([d[b], d[b]]);
      if (b !== keep && d[b] + 1 <= d[b + 1] - 1) ranges.push([d[b] + 1, d[b + 1] - 1]);
    }
    ranges.push([d[d.length - 1], d[d.length - 1]]);
  }
  return ranges;
}

function findGroups(text: string, tokens: TokenList): Group[] {
  const groups: Group[] = [];
  const open: Group[] = [];
  const directives = tokens.directives;
  for (let d = 0; d < directives.length; d++) {
    const t = directives[d];
    const kw = directiveKeyword(text, tokens.start[t], tokens.end[t]);
    if (kw === 'if' || kw === 'ifdef' || kw === 'ifndef') open.push({ directives: [t] });
    else if (kw === 'elif' || kw === 'else' || kw === 'elifdef' || kw === 'elifndef') open[open.length - 1]?.directives.push(t);
    else if (kw === 'endif') {
      const group = open.pop();
      if (!group) continue;
      group.directives.push(t);
      groups.push(group);
    }
  }
  return groups;
}

interface FirstBranchContext {
  /** Bracket depth (parentheses and square brackets) at each #if, reading first branches only. */
  bracketDepth: Map<number, number>;
  /** The last code token before each #if, reading first branches only (-1 at file start). */
  previousToken: Map<number, number>;
}

const OPEN = 1;
const ALTERNATIVE = 2;
const CLOSE = 3;

function scanFirstBranchContext(text: string, tokens: TokenList, groups: Group[]): FirstBranchContext {
  // Each directive's role, by token: a typed array rather than a Map read at every directive of the loop below.
  const role = new Uint8Array(tokens.count);
  for (const g of groups) {
    role[g.directives[0]] = OPEN;
    for (let i = 1; i + 1 < g.directives.length; i++) role[g.directives[i]] = ALTERNATIVE;
    role[g.directives[g.directives.length - 1]] = CLOSE;
  }
  const bracketDepth = new Map<number, number>();
  const previousToken = new Map<number, number>();
  // Each frame is true while reading the group's first branch.
  const frames: boolean[] = [];
  let skipping = 0;
  let depth = 0;
  let previous = -1;
  const { count, kind, start } = tokens;
  for (let t = 0; t < count; t++) {
    if (kind[t] === TokenKind.Directive) {
      const r = role[t];
      if (r === OPEN) {
        bracketDepth.set(t, depth);
        previousToken.set(t, previous);
        frames.push(true);
      } else if (r === ALTERNATIVE && frames.length) {
        if (frames[frames.length - 1]) skipping++;
        frames[frames.length - 1] = false;
      } else if (r === CLOSE && frames.length) {
        if (!frames.pop()) skipping--;
      }
      continue;
    }
    if (skipping > 0) continue;
    previous = t;
    if (kind[t] !== TokenKind.Punct) continue;
    const c = text.charCodeAt(start[t]);
    if (c === 40 || c === 91) depth++;
    else if ((c === 41 || c === 93) && depth > 0) depth--;
  }
  return { bracketDepth, previousToken };
}

const SAFE_BEFORE = new Set([';', '{', '}', ':']);
const SAFE_LAST = new Set([';', '}']);

function branchToKeep(
  text: string,
  tokens: TokenList,
  group: Group,
  hidden: Uint8Array,
  context: FirstBranchContext,
): number | 'all' {
  const d = group.directives;
  const opening = d[0];
  const condition = text
    .slice(tokens.start[opening], tokens.end[opening])
    .replace(/\/\*.*?\*\//gs, ' ')
    .replace(/^#\s*if\s+/, '')
    .trim();
  if (directiveKeyword(text, tokens.start[opening], tokens.end[opening]) === 'if' && condition === '0') {
    return d.length > 2 ? 1 : -1;
  }
  if ((context.bracketDepth.get(opening) ?? 0) > 0) return 0;
  const before = context.previousToken.get(opening) ?? -1;
  if (before >= 0 && !SAFE_BEFORE.has(text.slice(tokens.start[before], tokens.end[before]))) return 0;
  for (let b = 0; b + 1 < d.length; b++) {
    if (!branchIsSelfContained(text, tokens, d[b] + 1, d[b + 1] - 1, hidden)) return 0;
  }
  return 'all';
}

function branchIsSelfContained(text: string, tokens: TokenList, first: number, last: number, hidden: Uint8Array): boolean {
  let braces = 0;
  let brackets = 0;
  let dipsBelowStart = false;
  let firstWord: string | null = null;
  let lastWord: string | null = null;
  for (let t = first; t <= last; t++) {
    if (hidden[t] || tokens.kind[t] === TokenKind.Directive) continue;
    const word = text.slice(tokens.start[t], tokens.end[t]);
    if (firstWord === null) firstWord = word;
    lastWord = word;
    if (tokens.kind[t] !== TokenKind.Punct) continue;
    if (word === '{') braces++;
    else if (word === '}') dipsBelowStart ||= --braces < 0;
    else if (word === '(' || word === '[') brackets++;
    else if (word === ')' || word === ']') brackets--;
  }
  if (firstWord === null) return true;
  // `} else {` balances, but closes a block opened outside the branch.
  return braces === 0 && !dipsBelowStart && brackets === 0 && firstWord !== 'else' && SAFE_LAST.has(lastWord ?? '');
}
