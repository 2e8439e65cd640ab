// The baseline file: findings accepted for now, so that a scan stays green
// while they are worked off and only new findings fail it. Entries are keyed
// by rule, file and fingerprint (rule, function, normalised code; never a
// line number, and without the occurrence number, which shifts when an
// earlier copy goes); sorted, so the file diffs well under version control.

import * as fs from 'node:fs';
import * as path from 'node:path';
import type { BaselineEntry, Finding } from '../model';
import { GatingError } from './errors';
import { JsonSyntaxError, LocatedJson, parseJsonWithLines } from './json-lines';
import { schemaErrors } from './schema-check';

export const BASELINE_VERSION = 1;

export interface Baseline {
  /** As given on the command line. */
  file: string;
  entries: BaselineEntry[];
}

export interface BaselineFile {
  version: number;
  tool: 'patch-audit';
  entries: BaselineEntry[];
}

/** Where findings' files are, for keys relative to the baseline's directory. */
export type AbsolutePathOf = (finding: Finding) => string;

export function readBaseline(file: string): Baseline {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (error) {
    throw new GatingError(`baseline ${file}: cannot read it: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`);
  }
  let document: LocatedJson;
  try {
    document = parseJsonWithLines(text);
  } catch (error) {
    if (error instanceof JsonSyntaxError) throw new GatingError(`baseline ${file}:${error.line}: not valid JSON: ${error.message}`);
    throw error;
  }
  const errors = schemaErrors('baseline', document, file);
  if (errors.length > 0) throw new GatingError(`baseline ${errors[0]}${errors.length > 1 ? ` (and ${errors.length - 1} more errors)` : ''}`);
  return { file, entries: (document.value as BaselineFile).entries };
}

/** The baseline entries of findings: one per rule, file and fingerprint, counted, sorted. */
export function baselineEntries(findings: readonly Finding[], baselineFile: string, absolutePathOf: AbsolutePathOf): BaselineEntry[] {
  const byKey = new Map<string, BaselineEntry>();
  for (const finding of findings) {
    const entry: BaselineEntry = {
      rule: finding.ruleId,
      file: baselineRelative(baselineFile, absolutePathOf(finding)),
      fingerprint: baseFingerprint(finding.fingerprint),
      message: finding.message,
    };
    const key = entryKey(entry);
    const known = byKey.get(key);
    if (known) known.count = (known.count ?? 1) + 1;
    else byKey.set(key, entry);
  }
  return [...byKey.values()].sort(compareEntries);
}

export function renderBaseline(entries: readonly BaselineEntry[]): string {
  const document: BaselineFile = {
    version: BASELINE_VERSION,
    tool: 'patch-audit',
    entries: entries.map((e) => ({ rule: e.rule, file: e.file, fingerprint: e.fingerprint, ...(e.count ? { count: e.count } : {}), message: e.message })),
  };
  return JSON.stringify(document, null, 2) + '\n';
}

export interface BaselineMatch {
  /** The findings in the same order, each with its baselineState. */
  findings: Finding[];
  unchanged: number;
  /** Entries that matched no finding, among those this run could have found (its rules, its files). */
  stale: BaselineEntry[];
}

export interface BaselineScope {
  rulesRun: ReadonlySet<string>;
  /** Absolute paths of the files the run analysed. */
  filesAnalysed: readonly string[];
}

/**
 * Marks findings 'unchanged' when the baseline has them and 'new' otherwise.
 * An entry counted n times accepts n findings; more copies of the same code are new.
 */
export function matchBaseline(findings: readonly Finding[], baseline: Baseline, absolutePathOf: AbsolutePathOf, scope: BaselineScope): BaselineMatch {
  const remaining = new Map<string, number>();
  for (const entry of baseline.entries) remaining.set(entryKey(entry), (remaining.get(entryKey(entry)) ?? 0) + (entry.count ?? 1));
  const matchedKeys = new Set<string>();
  let unchanged = 0;
  const marked = findings.map((finding): Finding => {
    const key = entryKey({
      rule: finding.ruleId,
      file: baselineRelative(baseline.file, absolutePathOf(finding)),
      fingerprint: baseFingerprint(finding.fingerprint),
    });
    const left = remaining.get(key) ?? 0;
    if (left === 0) return { ...finding, baselineState: 'new' };
    remaining.set(key, left - 1);
    matchedKeys.add(key);
    unchanged++;
    return { ...finding, baselineState: 'unchanged' };
  });
  const analysed = new Set(scope.filesAnalysed.map((file) => baselineRelative(baseline.file, file)));
  const stale = baseline.entries.filter((entry) => !matchedKeys.has(entryKey(entry)) && scope.rulesRun.has(entry.rule) && analysed.has(entry.file));
  return { findings: marked, unchanged, stale: [...stale].sort(compareEntries) };
}

/** "a1b2c3:2" -> "a1b2c3". */
export function baseFingerprint(fingerprint: string): string {
  return fingerprint.replace(/:\d+$/, '');
}

/** A file's path relative to the baseline's directory, '/' separators (absolute when on another drive). */
function baselineRelative(baselineFile: string, absolutePath: string): string {
  const relative = path.relative(path.dirname(path.resolve(baselineFile)), absolutePath);
  return relative.split(path.sep).join('/');
}

function entryKey(entry: Pick<BaselineEntry, 'rule' | 'file' | 'fingerprint'>): string {
  return `${entry.rule}\0${entry.file}\0${entry.fingerprint}`;
}

export function compareEntries(a: BaselineEntry, b: BaselineEntry): number {
  return cmp(a.file, b.file) || cmp(a.rule, b.rule) || cmp(a.fingerprint, b.fingerprint);
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
