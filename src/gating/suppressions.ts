// Matches findings with the suppression comments of their files: a finding on
// the line a valid comment covers, of the rule it names, is marked suppressed.
// Comments that name no rule, an unknown rule or no reason suppress nothing
// and are reported; so, when asked, are valid ones that matched nothing.

import type { Finding, SuppressionProblem } from '../model';
import { mayHoldSuppressions, SUPPRESSION_MARKER, suppressionDirectives, SuppressionDirective } from './suppression-comments';

export interface FileDirectives {
  /** The file as findings name it (their location.file). */
  file: string;
  directives: SuppressionDirective[];
}

export interface SuppressionOptions {
  /** Every rule id the tool has: any other name is a typo. */
  knownRules: ReadonlySet<string>;
  /** The rules this run ran: only their comments can be found unused. */
  rulesRun: ReadonlySet<string>;
  reportUnused: boolean;
}

export interface SuppressionOutcome {
  /** The findings in the same order, suppressed ones marked. */
  findings: Finding[];
  problems: SuppressionProblem[];
}

const FORM = `/* ${SUPPRESSION_MARKER}: <rule-id> <reason> */`;

export function applySuppressions(findings: readonly Finding[], files: readonly FileDirectives[], options: SuppressionOptions): SuppressionOutcome {
  const problems: SuppressionProblem[] = [];
  const valid = new Map<string, { directive: SuppressionDirective; file: string; used: boolean }[]>();
  for (const { file, directives } of files) {
    for (const directive of directives) {
      const problem = directiveProblem(file, directive, options.knownRules);
      if (problem) {
        problems.push(problem);
        continue;
      }
      const key = coverKey(file, directive.coveredLine, directive.ruleId);
      let list = valid.get(key);
      if (!list) valid.set(key, (list = []));
      list.push({ directive, file, used: false });
    }
  }

  const marked = findings.map((finding) => {
    const candidates = valid.get(coverKey(finding.location.file, finding.location.line, finding.ruleId));
    if (!candidates) return finding;
    for (const candidate of candidates) candidate.used = true;
    const { directive } = candidates[0];
    return { ...finding, suppression: { reason: directive.reason, line: directive.line } };
  });

  if (options.reportUnused) {
    for (const list of valid.values()) {
      for (const { directive, file, used } of list) {
        if (used || !options.rulesRun.has(directive.ruleId)) continue;
        const where = directive.coveredLine > 0 ? `line ${directive.coveredLine}` : 'any line (no code follows it)';
        problems.push({
          file,
          line: directive.line,
          column: directive.column,
          kind: 'unused',
          message: `unused suppression: no ${directive.ruleId} finding on ${where}; remove the comment`,
        });
      }
    }
  }
  problems.sort(compareProblems);
  return { findings: marked, problems };
}

/** One file's findings against the suppression comments of its text (the diff mode's images). */
export function suppressInText(file: string, text: string, findings: readonly Finding[], knownRules: ReadonlySet<string>): SuppressionOutcome {
  if (!mayHoldSuppressions(text)) return { findings: [...findings], problems: [] };
  return applySuppressions(findings, [{ file, directives: suppressionDirectives(text) }], { knownRules, rulesRun: new Set(), reportUnused: false });
}

function directiveProblem(file: string, directive: SuppressionDirective, knownRules: ReadonlySet<string>): SuppressionProblem | null {
  const at = { file, line: directive.line, column: directive.column };
  if (directive.ruleId === '') return { ...at, kind: 'no-rule', message: `suppression comment names no rule; write ${FORM}` };
  if (!knownRules.has(directive.ruleId)) {
    const known = [...knownRules].sort().join(', ');
    return { ...at, kind: 'unknown-rule', message: `suppression comment names unknown rule '${directive.ruleId}' (known: ${known})` };
  }
  if (directive.reason === '') {
    return { ...at, kind: 'no-reason', message: `suppression of ${directive.ruleId} gives no reason; say why the finding is accepted: ${FORM}` };
  }
  return null;
}

function coverKey(file: string, line: number, ruleId: string): string {
  return `${file}\0${line}\0${ruleId}`;
}

export function compareProblems(a: SuppressionProblem, b: SuppressionProblem): number {
  if (a.file !== b.file) return a.file < b.file ? -1 : 1;
  return a.line - b.line || a.column - b.column;
}

/** Findings that count for the exit code and are shown by default: neither suppressed nor in the baseline. */
export function isActive(finding: Finding): boolean {
  return finding.suppression === undefined && finding.baselineState !== 'unchanged';
}
