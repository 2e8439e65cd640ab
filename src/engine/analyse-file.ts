// One file through the pipeline: read, pre-filter, normalise and parse, run
// the rules that apply. Runs inside a worker thread; never throws.

import type { Finding, InputProblem } from '../model';
import type { SourceFile } from '../input/walk';
import { decodeSourceBytes, readSourceBytes } from '../input/read';
import { createIdentifierMatcher, IdentifierMatcher } from '../input/prefilter';
import type { HintTable } from '../frontend/hints';
import { parseFile, ParsedFile } from '../frontend/parse';
import type { Rule } from '../rule';
import { FindingCollector } from './findings';

export interface AnalyseOptions {
  hints: HintTable;
  maxBytes: number;
}

export interface FileAnalysis {
  findings: Finding[];
  problems: InputProblem[];
  bytes: number;
  parsed: boolean;
  empty: boolean;
}

const matchers = new WeakMap<Rule, IdentifierMatcher>();

function matcherFor(rule: Rule): IdentifierMatcher {
  let matcher = matchers.get(rule);
  if (!matcher) {
    matcher = createIdentifierMatcher(rule.requires);
    matchers.set(rule, matcher);
  }
  return matcher;
}

export function analyseFile(file: SourceFile, rules: readonly Rule[], options: AnalyseOptions): FileAnalysis {
  const result: FileAnalysis = { findings: [], problems: [], bytes: 0, parsed: false, empty: false };
  const read = readSourceBytes(file, { maxBytes: options.maxBytes });
  if (!read.ok) {
    result.problems.push(read.problem);
    return result;
  }
  result.bytes = read.bytes.length;
  result.empty = read.bytes.length === 0;
  const applicable = rules.filter((rule) => matcherFor(rule)(read.bytes));
  if (applicable.length === 0) return result;

  const decoded = decodeSourceBytes(file, read.bytes);
  if (decoded.problem) result.problems.push(decoded.problem);
  const encoding = decoded.problem?.kind === 'not-utf8' ? 'latin1' : 'utf8';
  const parsed = parseFile(file.displayPath, decoded.text, { hints: options.hints, encoding });
  result.parsed = true;
  const checked = runRules(parsed, applicable);
  result.findings = checked.findings;
  result.problems.push(...checked.problems);
  return result;
}

/** Runs rules on a parsed file; a rule that throws is reported as a problem, the others still run. */
export function runRules(parsed: ParsedFile, rules: readonly Rule[]): { findings: Finding[]; problems: InputProblem[] } {
  const collector = new FindingCollector(parsed);
  const problems: InputProblem[] = [];
  for (const rule of rules) {
    try {
      rule.check({ file: parsed, report: (input) => collector.add(rule, input) });
    } catch (error) {
      problems.push({
        path: parsed.path,
        kind: 'internal-error',
        reason: `rule ${rule.meta.id} failed on this file: ${(error as Error).stack ?? String(error)}`,
        analysed: false,
      });
    }
  }
  return { findings: collector.findings, problems };
}
