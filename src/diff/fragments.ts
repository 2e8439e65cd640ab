// Without a tree, the hunks are all there is. Each side of a file's change
// becomes a sparse image: the hunk lines at their own line numbers, blank
// lines in between, so every finding keeps the line the patch gives it.
// A hunk that starts inside a function (git's "@@ ... @@ int foo(...)"
// context) is wrapped in that function's header on the blank line above it
// and closed on the blank line below, so the rules see a function, not loose
// statements.

import type { ChangedLines } from './apply';
import { tokenize, TokenKind } from '../frontend/lexer';
import type { FilePatch, Hunk } from './model';

export interface FragmentImages {
  before: string | null;
  after: string | null;
  changed: ChangedLines;
}

export function fragmentImages(patch: FilePatch): FragmentImages {
  const changed: ChangedLines = { added: new Map(), removed: new Map() };
  const before = patch.oldPath === null ? null : sparseImage(patch.hunks, 'old', changed.removed);
  const after = patch.newPath === null ? null : sparseImage(patch.hunks, 'new', changed.added);
  return { before, after, changed };
}

function sparseImage(hunks: readonly Hunk[], side: 'old' | 'new', changedLines: Map<number, number>): string {
  const lines: string[] = [];
  const skipped = side === 'old' ? '+' : '-';
  const changedKind = side === 'old' ? '-' : '+';
  const startOf = (hunk: Hunk) => Math.max(1, side === 'old' ? hunk.oldStart : hunk.newStart);
  hunks.forEach((hunk, i) => {
    const start = startOf(hunk);
    const count = side === 'old' ? hunk.oldLines : hunk.newLines;
    let line = start;
    const body: string[] = [];
    for (const hunkLine of hunk.lines) {
      if (hunkLine.kind === skipped) continue;
      if (hunkLine.kind === changedKind) changedLines.set(line, hunkLine.patchLine);
      body.push(hunkLine.text);
      line++;
    }
    if (count === 0) return;
    const first = start;
    while (lines.length < first - 1) lines.push('');
    const opener = functionOpener(hunk.header);
    // Line `first - 1` (index first - 2) is blank only when no earlier hunk reached it.
    if (opener && first >= 2 && lines.length === first - 1 && lines[first - 2] === '') lines[first - 2] = opener;
    lines.push(...body);
    const next = hunks[i + 1];
    const lineAfterIsFree = !next || startOf(next) > lines.length + 1;
    const open = braceBalance(body);
    if (opener && open >= 0 && lineAfterIsFree) lines.push('}'.repeat(open + 1));
  });
  return lines.join('\n') + '\n';
}

/** "@@ -1,2 +1,3 @@ static int foo(struct bar *b)" -> "static int foo(struct bar *b) {"; null when the context is not a function header. */
function functionOpener(header: string): string | null {
  const context = /^@@[^@]*@@\s?(.*)$/.exec(header)?.[1]?.trim() ?? '';
  if (!/^[A-Za-z_][\w\s\*,()\[\]]*\(.*\)\s*$/.test(context)) return null;
  if (/^(if|for|while|switch|return|else)\b/.test(context) || /;\s*$/.test(context)) return null;
  return `${context} {`;
}

/** Opening minus closing braces of the body; the lexer skips those in strings, characters, comments and directives. */
function braceBalance(body: readonly string[]): number {
  const code = body.join('\n');
  const tokens = tokenize(code);
  let balance = 0;
  for (let i = 0; i < tokens.count; i++) {
    if (tokens.kind[i] !== TokenKind.Punct || tokens.end[i] - tokens.start[i] !== 1) continue;
    const ch = code[tokens.start[i]];
    if (ch === '{') balance++;
    else if (ch === '}') balance--;
  }
  return balance;
}
