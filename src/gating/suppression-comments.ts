// Reads `/* patch-audit-ignore: <rule-id> <reason> */` comments out of C text.
// A comment after code (or before code on its line) covers its own line; a
// comment alone on its line covers the next line that holds code.

export const SUPPRESSION_MARKER = 'patch-audit-ignore';

export interface SuppressionDirective {
  /** 1-based line and column (in UTF-8 bytes, as gcc counts) of the comment. */
  line: number;
  column: number;
  /** The line whose findings it suppresses; 0 when no code line follows. */
  coveredLine: number;
  /** '' when the comment names no rule. */
  ruleId: string;
  /** '' when the comment gives no reason. */
  reason: string;
}

interface Comment {
  start: number;
  end: number;
  body: string;
}

const DIRECTIVE = new RegExp(`^\\s*\\**\\s*${SUPPRESSION_MARKER}(?:\\s*:|\\s|$)\\s*([A-Za-z0-9_-]*)([\\s\\S]*)$`);

/** Cheap test before the scan: most files hold no directive at all. */
export function mayHoldSuppressions(text: string | Buffer): boolean {
  return text.includes(SUPPRESSION_MARKER);
}

export function suppressionDirectives(text: string): SuppressionDirective[] {
  if (!mayHoldSuppressions(text)) return [];
  const { comments, codeLines } = scanComments(text);
  const lineStarts = lineStartOffsets(text);
  const lineOf = (offset: number) => lineAt(lineStarts, offset);
  const out: SuppressionDirective[] = [];
  for (const comment of comments) {
    // The leading '*' of each continuation line of a block comment is layout, not text.
    const m = DIRECTIVE.exec(comment.body.replace(/\n[ \t]*\*+/g, '\n'));
    if (!m) continue;
    const line = lineOf(comment.start);
    const endLine = lineOf(Math.max(comment.start, comment.end - 1));
    const sharesLineWithCode = hasCodeBefore(text, lineStarts[line - 1], comment.start) || hasCodeAfter(text, comment.end);
    out.push({
      line,
      column: Buffer.byteLength(text.slice(lineStarts[line - 1], comment.start), 'utf8') + 1,
      coveredLine: sharesLineWithCode ? line : nextCodeLine(codeLines, endLine, lineStarts.length),
      ruleId: m[1],
      // "rule: reason" and "rule -- reason" read as "rule reason".
      reason: m[2].replace(/\*+\s*$/, '').replace(/^\s*(?::|-+)\s*/, '').replace(/\s+/g, ' ').trim(),
    });
  }
  return out;
}

/** Every comment (body without its delimiters), and the lines that hold code outside comments. */
function scanComments(text: string): { comments: Comment[]; codeLines: Set<number> } {
  const comments: Comment[] = [];
  const codeLines = new Set<number>();
  let line = 1;
  let i = 0;
  const n = text.length;
  while (i < n) {
    const c = text[i];
    if (c === '\n') {
      line++;
      i++;
    } else if (c === '/' && text[i + 1] === '*') {
      const close = text.indexOf('*/', i + 2);
      const end = close < 0 ? n : close + 2;
      comments.push({ start: i, end, body: text.slice(i + 2, close < 0 ? n : close) });
      line += countNewlines(text, i, end);
      i = end;
    } else if (c === '/' && text[i + 1] === '/') {
      const newline = text.indexOf('\n', i);
      const end = newline < 0 ? n : newline;
      comments.push({ start: i, end, body: text.slice(i + 2, end) });
      i = end;
    } else if (c === '"' || c === "'") {
      codeLines.add(line);
      const end = literalEnd(text, i);
      line += countNewlines(text, i, end);
      i = end;
    } else {
      if (c !== ' ' && c !== '\t' && c !== '\r' && c !== '\f' && c !== '\v') codeLines.add(line);
      i++;
    }
  }
  return { comments, codeLines };
}

/** The offset after a string or character literal starting at `start` (an unterminated one ends at its line). */
function literalEnd(text: string, start: number): number {
  const quote = text[start];
  for (let i = start + 1; i < text.length; i++) {
    const c = text[i];
    if (c === '\\') i++;
    else if (c === quote) return i + 1;
    else if (c === '\n') return i;
  }
  return text.length;
}

function countNewlines(text: string, from: number, to: number): number {
  let count = 0;
  for (let i = from; i < to; i++) if (text.charCodeAt(i) === 10) count++;
  return count;
}

function lineStartOffsets(text: string): number[] {
  const starts = [0];
  for (let i = 0; i < text.length; i++) if (text.charCodeAt(i) === 10) starts.push(i + 1);
  return starts;
}

/** 1-based line of an offset. */
function lineAt(starts: readonly number[], offset: number): number {
  let low = 0;
  let high = starts.length - 1;
  while (low < high) {
    const mid = (low + high + 1) >> 1;
    if (starts[mid] <= offset) low = mid;
    else high = mid - 1;
  }
  return low + 1;
}

function hasCodeBefore(text: string, lineStart: number, commentStart: number): boolean {
  return text.slice(lineStart, commentStart).trim() !== '';
}

/** Code after the comment on the line it ends on (another comment there is not code). */
function hasCodeAfter(text: string, commentEnd: number): boolean {
  const newline = text.indexOf('\n', commentEnd);
  const rest = text.slice(commentEnd, newline < 0 ? text.length : newline).trim();
  return rest !== '' && !rest.startsWith('/*') && !rest.startsWith('//');
}

function nextCodeLine(codeLines: ReadonlySet<number>, after: number, lastLine: number): number {
  for (let line = after + 1; line <= lastLine; line++) if (codeLines.has(line)) return line;
  return 0;
}
