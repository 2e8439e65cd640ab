// `patch-audit merge <reports...>`: the reports of `scan --shard i/N`, one
// per shard, merged into the report a single scan of all of them would have
// written, byte for byte. JSON shards can also be rendered as text or
// checkpatch; SARIF shards give SARIF.

import type { Log as SarifLog } from 'sarif';
import type { ScanResult, Severity } from '../model';
import { SEVERITY_RANK } from '../model';
import { reportChunks, type ReportFormat } from '../report';
import { loadRule, ruleIdsOnDisk, ruleInfo } from '../engine/registry';
import { reportedFindings, type ShowOptions } from '../gating/scan-gate';
import { mergeJsonReports } from '../shards/merge-json';
import { mergeSarifLogs } from '../shards/merge-sarif';
import { MergeError, readShardReports } from '../shards/shard-input';
import { checkOutputFile } from './preflight';
import { sarifReportSettings, writeReport, type SarifCommandSettings } from './report-output';
import { EXIT_FINDINGS, EXIT_INPUT_ERROR, EXIT_OK, UsageError } from './common';
import { exitCodeFor } from './scan';
import { SARIF_LEVEL } from '../report/sarif-rules';

export interface MergeOptions {
  /** Default: the format of the inputs. */
  format?: ReportFormat;
  output?: string;
  failOn: Severity;
  color: boolean;
  explain: boolean;
  show: ShowOptions;
  sarif?: SarifCommandSettings;
}

export function merge(files: string[], options: MergeOptions): { exitCode: number } {
  if (files.length === 0) throw new UsageError('merge: give the report of every shard');
  checkOutputFile(options.output);
  let shards;
  try {
    shards = readShardReports(files);
    if (shards.format === 'sarif') {
      if (options.format !== undefined && options.format !== 'sarif') {
        throw new UsageError(`merge: SARIF shards merge into SARIF only (-f ${options.format} needs the shards' JSON reports)`);
      }
      const log = mergeSarifLogs(shards.inputs, { maxResults: options.sarif?.maxResults });
      writeReport(JSON.stringify(log, null, 2) + '\n', options.output);
      return { exitCode: sarifExitCode(log, options.failOn) };
    }
    const { result, toolVersion } = mergeJsonReports(shards.inputs, knownRuleInfo);
    const format = options.format ?? 'json';
    if (format === 'sarif') throw new UsageError('merge: SARIF needs the SARIF shards (a JSON report leaves out suppressed findings, which SARIF carries)');
    const shown: ScanResult = { ...result, findings: reportedFindings(result.findings, format, options.show) };
    const report = reportChunks(format, shown, {
      toolVersion,
      cwd: process.cwd(),
      explain: options.explain,
      color: options.color,
      sarif: sarifReportSettings(options.sarif),
    });
    writeReport(report, options.output);
    return { exitCode: exitCodeFor(shown, options.failOn) };
  } catch (error) {
    if (error instanceof MergeError) throw new UsageError(`merge: ${error.message}`);
    throw error;
  }
}

function knownRuleInfo(id: string) {
  return ruleIdsOnDisk().includes(id) ? ruleInfo(loadRule(id)) : undefined;
}

/** As scan's: 2 when a shard could not analyse some input, 1 for an active result at or above --fail-on. */
function sarifExitCode(log: SarifLog, failOn: Severity): number {
  const run = log.runs[0]!;
  const notes = run.invocations?.[0]?.toolExecutionNotifications ?? [];
  if (notes.some((n) => n.properties?.kind !== 'results-capped')) return EXIT_INPUT_ERROR;
  const failing = new Set(Object.entries(SARIF_LEVEL).filter(([severity]) => SEVERITY_RANK[severity as Severity] >= SEVERITY_RANK[failOn]).map(([, level]) => level));
  const active = (run.results ?? []).filter((r) => !r.suppressions?.length && r.baselineState !== 'unchanged' && r.kind !== 'pass');
  return active.some((r) => failing.has(r.level ?? 'warning')) ? EXIT_FINDINGS : EXIT_OK;
}
