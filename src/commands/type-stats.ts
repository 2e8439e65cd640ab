// `patch-audit type-stats <paths...>`: the share of member accesses whose
// type the index resolves, and why the rest do not.

import { loadHints } from '../frontend/hints';
import { runPerFile } from '../workers/work-items';
import { advanceBy, createProgress } from '../workers/progress';
import { TYPE_STATS_WORKER } from '../engine/worker-scripts';
import type { InputProblem } from '../model';
import { openTypeSession, TypeSessionOptions } from '../types/session';
import { collect } from './common';
import { ConversionCounts, emptyConversionCounts } from '../analysis/conversion-census';

export interface TypeStatsOptions extends Omit<TypeSessionOptions, 'near'> {
  maxFileSize: number;
  top: number;
}

export interface TypeStatsReport {
  tree: string | null;
  files: number;
  memberAccesses: number;
  resolved: number;
  /** Implicit integer conversions: the baseline -Wconversion would warn about. */
  conversions: ConversionCounts;
  resolvedPercent: number;
  seconds: number;
  reasons: { reason: string; count: number; example: string }[];
  problems: InputProblem[];
}

export async function typeStats(paths: string[], options: TypeStatsOptions): Promise<TypeStatsReport> {
  const started = process.hrtime.bigint();
  loadHints(options.hintFiles);
  const session = await openTypeSession({ ...options, near: paths[0] });
  const collected = await collect(paths);
  const progress = createProgress('type', collected.files.length, options.progress);
  const { results } = await runPerFile(
    TYPE_STATS_WORKER,
    collected.files,
    (files) => ({ kind: 'type-stats' as const, files, hintFiles: options.hintFiles, maxBytes: options.maxFileSize, types: session.handle }),
    { jobs: options.jobs, onItemDone: (files) => advanceBy(progress, files) },
  );
  progress.stop();
  const reasons = new Map<string, { reason: string; count: number; example: string }>();
  for (const r of results) {
    for (const [reason, count, example] of r.unresolved) {
      const entry = reasons.get(reason);
      if (entry) entry.count += count;
      else reasons.set(reason, { reason, count, example });
    }
  }
  const memberAccesses = results.reduce((n, r) => n + r.memberAccesses, 0);
  const resolved = results.reduce((n, r) => n + r.resolved, 0);
  const conversions = emptyConversionCounts();
  for (const r of results) for (const key of Object.keys(conversions) as (keyof ConversionCounts)[]) conversions[key] += r.conversions[key];
  return {
    tree: session.handle.root,
    files: collected.files.length,
    memberAccesses,
    resolved,
    conversions,
    resolvedPercent: memberAccesses ? (100 * resolved) / memberAccesses : 100,
    seconds: Number(process.hrtime.bigint() - started) / 1e9,
    reasons: [...reasons.values()].sort((a, b) => b.count - a.count || (a.reason < b.reason ? -1 : 1)).slice(0, options.top),
    problems: [...collected.problems, ...results.flatMap((r) => r.problems)],
  };
}

export function renderTypeStats(report: TypeStatsReport): string {
  const lines = [
    `type-stats: ${report.files} files in ${report.seconds.toFixed(1)} s (${report.tree ? `tree ${report.tree}` : 'no tree: built-in kernel types only'})`,
    `member accesses: ${report.memberAccesses}, resolved: ${report.resolved} (${report.resolvedPercent.toFixed(2)}%), unresolved: ${report.memberAccesses - report.resolved}`,
    `implicit integer conversions: ${report.conversions.conversions}, narrowing or sign-changing (what -Wconversion warns about): ${report.conversions.narrowing}, of which from a type as wide as long: ${report.conversions.narrowingFromWide}`,
  ];
  if (report.reasons.length) {
    lines.push('', 'why the rest did not resolve (count, reason, example):');
    for (const r of report.reasons) lines.push(`  ${String(r.count).padStart(6)}  ${r.reason}`, `          e.g. ${r.example}`);
  }
  if (report.problems.length) {
    lines.push('', `${report.problems.length} input problem(s):`);
    for (const p of report.problems) lines.push(`  ${p.path}: ${p.reason}`);
  }
  return lines.join('\n') + '\n';
}
