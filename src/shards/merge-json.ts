// Shard reports in the JSON format, merged into the result one run over all
// the shards' files would have given: the same findings in the same order,
// the same problems, summed counts. Each file is in exactly one shard, so
// sorting the concatenation with the single run's own comparators (which are
// stable) gives back the single run's order.

import type { GatingSummary, InputProblem, RuleInfo, ScanResult, ScanStats } from '../model';
import type { JsonReport } from '../report/json';
import { compareFindings } from '../engine/findings';
import { compareProblems } from '../gating/suppressions';
import { compareEntries } from '../gating/baseline';
import { MergeError, sameOrRefuse, type ShardInput } from './shard-input';
import { checkShardSet } from './shard-set';

export interface MergedScan {
  result: ScanResult;
  toolVersion: string;
}

/** `ruleInfo(id)`: the full description of a rule the reports name (JSON keeps only part of it). */
export function mergeJsonReports(inputs: readonly ShardInput<JsonReport>[], ruleInfo: (id: string) => RuleInfo | undefined): MergedScan {
  const first = inputs[0]!;
  checkShardSet(inputs.map((input) => ({ file: input.file, shard: input.report.shard })));
  sameOrRefuse(inputs, 'the report version', (report) => report.version);
  sameOrRefuse(inputs, 'the patch-audit version', (report) => report.tool.version);
  sameOrRefuse(inputs, 'the rules run', (report) => JSON.stringify(report.rules));
  const rules = first.report.rules.map((record) => {
    const info = ruleInfo(record.id);
    if (!info) throw new MergeError(first.file, `rule ${record.id} is not known to this patch-audit`);
    return info;
  });
  const reports = inputs.map((input) => input.report);
  const result: ScanResult = {
    findings: reports.flatMap((report) => report.findings).sort(compareFindings),
    problems: reports.flatMap((report) => report.problems).sort(compareProblemPaths),
    stats: sumStats(reports.map((report) => report.stats)),
    rules,
    ...mergedGating(inputs),
  };
  return { result, toolVersion: first.report.tool.version };
}

function compareProblemPaths(a: InputProblem, b: InputProblem): number {
  return a.path < b.path ? -1 : a.path > b.path ? 1 : 0;
}

function sumStats(all: readonly ScanStats[]): ScanStats {
  const sum = (key: keyof ScanStats) => all.reduce((total, stats) => total + stats[key], 0);
  return {
    filesConsidered: sum('filesConsidered'),
    filesParsed: sum('filesParsed'),
    filesSkippedByPrefilter: sum('filesSkippedByPrefilter'),
    bytesRead: sum('bytesRead'),
    emptyFiles: sum('emptyFiles'),
  };
}

function mergedGating(inputs: readonly ShardInput<JsonReport>[]): { gating?: GatingSummary } {
  const withGating = inputs.filter((input) => input.report.gating);
  if (withGating.length === 0) return {};
  if (withGating.length !== inputs.length) throw new MergeError(inputs.find((input) => !input.report.gating)!.file, 'has no gating summary where the other shards have one (were they run with the same options?)');
  const all = withGating.map((input) => input.report.gating!);
  const gating: GatingSummary = {
    suppressed: all.reduce((total, g) => total + g.suppressed, 0),
    suppressionProblems: all.flatMap((g) => g.suppressionProblems).sort(compareProblems),
  };
  const baselines = withGating.filter((input) => input.report.gating!.baseline);
  if (baselines.length > 0) {
    if (baselines.length !== inputs.length) throw new MergeError(inputs.find((input) => !input.report.gating?.baseline)!.file, 'was run without the baseline the other shards used');
    sameOrRefuse(baselines, 'the baseline file', (report) => report.gating!.baseline!.file);
    gating.baseline = {
      file: all[0]!.baseline!.file,
      unchanged: all.reduce((total, g) => total + g.baseline!.unchanged, 0),
      stale: all.flatMap((g) => g.baseline!.stale).sort(compareEntries),
    };
  }
  return { gating };
}
