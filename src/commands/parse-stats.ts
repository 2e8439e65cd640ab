// `patch-audit parse-stats <paths...>`: how many function definitions the
// front end parses with no ERROR/MISSING node, and what breaks the rest.

import { loadHints } from '../frontend/hints';
import { runPerFile } from '../workers/work-items';
import { advanceBy, createProgress } from '../workers/progress';
import { PARSE_STATS_WORKER } from '../engine/worker-scripts';
import type { InputProblem } from '../model';
import { collect } from './common';

export interface ParseStatsOptions {
  raw: boolean;
  top: number;
  jobs: number;
  macros: string[];
  maxFileSize: number;
  progress: boolean;
}

export interface CauseSummary {
  cause: string;
  count: number;
  examples: string[];
}

export interface ParseStatsReport {
  mode: 'kernel-aware' | 'raw';
  files: number;
  bytes: number;
  functions: number;
  clean: number;
  cleanPercent: number;
  seconds: number;
  causes: CauseSummary[];
  problems: InputProblem[];
}

export async function parseStats(paths: string[], options: ParseStatsOptions): Promise<ParseStatsReport> {
  const started = process.hrtime.bigint();
  loadHints(options.macros);
  const collected = await collect(paths);
  const progress = createProgress('parse', collected.files.length, options.progress);
  const { results } = await runPerFile(
    PARSE_STATS_WORKER,
    collected.files,
    (files) => ({ kind: 'parse-stats' as const, files, hintFiles: options.macros, maxBytes: options.maxFileSize, raw: options.raw }),
    { jobs: options.jobs, onItemDone: (files) => advanceBy(progress, files) },
  );
  progress.stop();
  const causes = new Map<string, CauseSummary>();
  for (const r of results) {
    for (const b of r.broken) {
      let summary = causes.get(b.cause);
      if (!summary) causes.set(b.cause, (summary = { cause: b.cause, count: 0, examples: [] }));
      summary.count++;
      if (summary.examples.length < 3) summary.examples.push(`${b.path}:${b.line}`);
    }
  }
  const functions = results.reduce((n, r) => n + r.functions, 0);
  const clean = results.reduce((n, r) => n + r.clean, 0);
  return {
    mode: options.raw ? 'raw' : 'kernel-aware',
    files: collected.files.length,
    bytes: results.reduce((n, r) => n + r.bytes, 0),
    functions,
    clean,
    cleanPercent: functions ? (100 * clean) / functions : 100,
    seconds: Number(process.hrtime.bigint() - started) / 1e9,
    causes: [...causes.values()].sort((a, b) => b.count - a.count || (a.cause < b.cause ? -1 : 1)).slice(0, options.top),
    problems: [...collected.problems, ...results.flatMap((r) => r.problems)],
  };
}

export function renderParseStats(report: ParseStatsReport): string {
  const lines = [
    `parse-stats (${report.mode}): ${report.files} files, ${(report.bytes / 1e6).toFixed(1)} MB in ${report.seconds.toFixed(1)} s`,
    `function definitions: ${report.functions}, clean (no ERROR/MISSING node): ${report.clean} (${report.cleanPercent.toFixed(2)}%), broken: ${report.functions - report.clean}`,
  ];
  if (report.causes.length) {
    lines.push('', 'what breaks the rest (construct at the first error, count, examples):');
    for (const c of report.causes) lines.push(`  ${String(c.count).padStart(6)}  ${c.cause}  ${c.examples.join(' ')}`);
  }
  if (report.problems.length) {
    lines.push('', `${report.problems.length} input problem(s):`);
    for (const p of report.problems) lines.push(`  ${p.path}: ${p.reason}`);
  }
  return lines.join('\n') + '\n';
}
