// gcc-style diagnostics: one header line per finding, the source line with a caret
// under the column, the evidence chain as notes, then the fix.

import type { Finding, InputProblem, RuleInfo, ScanResult, Severity, SourceLocation, SuppressionProblem } from '../model';
import { firstDocsParagraph, printable } from './common';

export interface TextReportOptions {
  explain?: boolean;
  color?: boolean;
}

type Style = 'locus' | Severity | 'note' | 'caret';

// The same SGR codes as gcc's default GCC_COLORS.
const SGR: Record<Style, string> = {
  locus: '01',
  error: '01;31',
  warning: '01;35',
  info: '01;36',
  note: '01;36',
  caret: '01;32',
};

type Paint = (style: Style, text: string) => string;

const plain: Paint = (_style, text) => text;
const ansi: Paint = (style, text) => `\x1b[${SGR[style]}m${text}\x1b[0m`;

const EXPLAIN_WIDTH = 100;

export function renderText(result: ScanResult, options: TextReportOptions = {}): string {
  const paint = options.color ? ansi : plain;
  const rulesById = new Map(result.rules.map((rule) => [rule.id, rule]));
  const explained = new Set<string>();
  const lines: string[] = [];
  for (const finding of result.findings) {
    lines.push(...findingLines(finding, paint));
    const rule = rulesById.get(finding.ruleId);
    if (options.explain && rule && !explained.has(rule.id)) {
      explained.add(rule.id);
      lines.push(...explanationLines(rule));
    }
  }
  for (const problem of result.gating?.suppressionProblems ?? []) lines.push(suppressionProblemLine(problem, paint));
  for (const problem of result.problems) lines.push(problemLine(problem, paint));
  lines.push(summaryLine(result));
  return lines.join('\n') + '\n';
}

function findingLines(finding: Finding, paint: Paint): string[] {
  const severity = finding.severity;
  const header =
    `${paint('locus', locus(finding.location) + ':')} ${paint(severity, severity + ':')} ` +
    `${printable(finding.message)} [${paint(severity, printable(finding.ruleId))}]${acceptedMark(finding)}`;
  const lines = [header, ...sourceExcerpt(finding, paint)];
  for (const step of finding.evidence) {
    // At column 0, as gcc prints them: editors read "file:line:col:" from the start of the line.
    lines.push(`${paint('locus', locus(step.location) + ':')} ${paint('note', 'note:')} ${printable(step.message)}`);
  }
  if (finding.fix !== '') lines.push(`    fix: ${printable(finding.fix)}`);
  return lines;
}

/** Shown only with --show-suppressed or --show-baselined: why the finding does not count. */
function acceptedMark(finding: Finding): string {
  if (finding.suppression) return ` [suppressed at line ${finding.suppression.line}: ${printable(finding.suppression.reason)}]`;
  return finding.baselineState === 'unchanged' ? ' [in baseline]' : '';
}

function suppressionProblemLine(problem: SuppressionProblem, paint: Paint): string {
  return `${paint('locus', `${printable(problem.file)}:${problem.line}:${problem.column}:`)} ${paint('warning', 'warning:')} ${printable(problem.message)} [suppression]`;
}

function locus(location: SourceLocation): string {
  return `${printable(location.file)}:${location.line}:${location.column}`;
}

/** The source line behind a line-number gutter and the caret line under it, as gcc 9+ prints them. */
function sourceExcerpt(finding: Finding, paint: Paint): string[] {
  const { sourceLine, location } = finding;
  if (sourceLine === '') return [];
  const lineNumber = String(location.line);
  const gutterWidth = Math.max(4, lineNumber.length);
  const endColumn = location.endLine === location.line ? location.endColumn : undefined;
  return [
    ` ${lineNumber.padStart(gutterWidth)} | ${printable(sourceLine)}`,
    ` ${' '.repeat(gutterWidth)} | ${caretLine(sourceLine, location.column, endColumn, paint)}`,
  ];
}

/**
 * Keeps the tabs of the source line so the caret lines up whatever the tab width;
 * every other character before the column becomes one space.
 */
function caretLine(sourceLine: string, column: number, endColumn: number | undefined, paint: Paint): string {
  const characters = Array.from(sourceLine);
  const start = characterIndex(sourceLine, column);
  const end = endColumn === undefined ? characters.length : characterIndex(sourceLine, endColumn);
  const padding = characters
    .slice(0, start)
    .map((character) => (character === '\t' ? '\t' : ' '))
    .join('');
  const underline = '^' + '~'.repeat(Math.max(0, end - start - 1));
  return padding + paint('caret', underline);
}

/** 0-based index, in code points, of a 1-based UTF-8 byte column. */
function characterIndex(line: string, byteColumn: number): number {
  const prefix = Buffer.from(line, 'utf8').subarray(0, Math.max(0, byteColumn - 1));
  return Array.from(prefix.toString('utf8')).length;
}

function explanationLines(rule: RuleInfo): string[] {
  const text = firstDocsParagraph(rule.docs) || rule.description;
  return wrapWords(`explain [${rule.id}]: ${printable(text)}`, '    ', '      ', EXPLAIN_WIDTH);
}

function wrapWords(text: string, firstIndent: string, nextIndent: string, width: number): string[] {
  const lines: string[] = [];
  let current = firstIndent;
  let currentHasWord = false;
  for (const word of text.split(/\s+/).filter((w) => w !== '')) {
    if (currentHasWord && current.length + 1 + word.length > width) {
      lines.push(current);
      current = nextIndent;
      currentHasWord = false;
    }
    current += (currentHasWord ? ' ' : '') + word;
    currentHasWord = true;
  }
  lines.push(current);
  return lines;
}

function problemLine(problem: InputProblem, paint: Paint): string {
  const [style, word] = problem.analysed ? (['note', 'note'] as const) : (['error', 'error'] as const);
  return `${paint('locus', printable(problem.path) + ':')} ${paint(style, word + ':')} ${printable(problem.reason)} [input]`;
}

function summaryLine(result: ScanResult): string {
  const counted = result.findings.filter((f) => !f.suppression && f.baselineState !== 'unchanged');
  const count = (severity: Severity) => counted.filter((f) => f.severity === severity).length;
  const bySeverity = [
    plural(count('error'), 'error'),
    plural(count('warning'), 'warning'),
    `${count('info')} info`,
  ].filter((part) => !part.startsWith('0 '));
  const breakdown = bySeverity.length > 0 ? ` (${bySeverity.join(', ')})` : '';
  let summary = `${plural(counted.length, 'finding')}${breakdown} in ${plural(result.stats.filesConsidered, 'file')}`;
  summary += gatingSummary(result);
  const notAnalysed = result.problems.filter((problem) => !problem.analysed).length;
  if (notAnalysed > 0) summary += `; ${plural(notAnalysed, 'file')} could not be analysed`;
  return summary;
}

/** "; 2 suppressed; 40 in baseline (3 stale entries); 1 suppression problem". */
function gatingSummary(result: ScanResult): string {
  const gating = result.gating;
  if (!gating) return '';
  let text = gating.suppressed > 0 ? `; ${gating.suppressed} suppressed` : '';
  if (gating.baseline) {
    text += `; ${gating.baseline.unchanged} in baseline`;
    if (gating.baseline.stale.length > 0) text += ` (${plural(gating.baseline.stale.length, 'stale entry', 'stale entries')})`;
  }
  if (gating.suppressionProblems.length > 0) text += `; ${plural(gating.suppressionProblems.length, 'suppression problem')}`;
  return text;
}

function plural(count: number, noun: string, nouns = `${noun}s`): string {
  return `${count} ${count === 1 ? noun : nouns}`;
}
