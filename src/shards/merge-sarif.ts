// Shard SARIF logs merged into the log of one run over all their files: the
// same tool and rules, the results of every shard in the single run's order
// (by file, and within a file as the shard gave them), the notifications of
// every shard in path order. A capped shard cannot be merged exactly (its
// omitted results are gone), so capping is done once, here.

import type * as Sarif from 'sarif';
import type { Confidence, Severity } from '../model';
import { capByImportance } from '../report/sarif-limits';
import { cappedNotification } from '../report/sarif';
import { SARIF_LEVEL } from '../report/sarif-rules';
import { MergeError, sameOrRefuse, type ShardInput } from './shard-input';
import { checkShardSet, SHARD_PROPERTY } from './shard-set';

export function mergeSarifLogs(inputs: readonly ShardInput<Sarif.Log>[], options: { maxResults?: number } = {}): Sarif.Log {
  for (const input of inputs) {
    const capped = notificationsOf(input.report).some((n) => n.properties?.kind === 'results-capped');
    if (capped) throw new MergeError(input.file, 'was capped with --sarif-max-results, so some of its results are missing: run the shards without it and give it to merge');
  }
  checkShardSet(inputs.map((input) => ({ file: input.file, shard: input.report.runs[0]!.properties?.[SHARD_PROPERTY] })));
  sameOrRefuse(inputs, 'the tool and its rules', (log) => JSON.stringify(log.runs[0]!.tool));
  sameOrRefuse(inputs, 'the category', (log) => JSON.stringify(log.runs[0]!.automationDetails ?? null));
  sameOrRefuse(inputs, 'the source root (run every shard from the same directory)', (log) => JSON.stringify(log.runs[0]!.originalUriBaseIds ?? null));
  const runs = inputs.map((input) => input.report.runs[0]!);
  const results = sortByFile(runs.flatMap((run) => run.results ?? []), resultPath);
  const { kept, omitted } = capResults(results, options.maxResults);
  const notifications = sortByFile(runs.flatMap((run) => notificationsOf({ runs: [run] } as Sarif.Log)), notificationPath);
  if (omitted > 0) notifications.push(cappedNotification(kept.length, omitted));
  const first = runs[0]!;
  const { properties, ...firstRun } = first;
  const rest = withoutShard(properties);
  return {
    ...inputs[0]!.report,
    runs: [
      {
        ...firstRun,
        invocations: [{ executionSuccessful: runs.every((run) => run.invocations?.[0]?.executionSuccessful !== false), toolExecutionNotifications: notifications }],
        results: kept,
        ...(rest ? { properties: rest } : {}),
      },
    ],
  };
}

function notificationsOf(log: Sarif.Log): Sarif.Notification[] {
  return log.runs[0]?.invocations?.[0]?.toolExecutionNotifications ?? [];
}

function withoutShard(properties: Sarif.PropertyBag | undefined): Sarif.PropertyBag | undefined {
  if (!properties) return undefined;
  const { [SHARD_PROPERTY]: _shard, ...rest } = properties;
  return Object.keys(rest).length > 0 ? rest : undefined;
}

/** The path a SARIF artifact location was made from (see artifactLocation in report/sarif.ts). */
export function pathOfArtifact(location: Sarif.ArtifactLocation | undefined): string {
  const uri = location?.uri ?? '';
  const decode = (text: string) => text.split('/').map(decodeURIComponent).join('/');
  return uri.startsWith('file://') ? decode(uri.slice('file://'.length)) : decode(uri);
}

function resultPath(result: Sarif.Result): string {
  return pathOfArtifact(result.locations?.[0]?.physicalLocation?.artifactLocation);
}

function notificationPath(notification: Sarif.Notification): string {
  return pathOfArtifact(notification.locations?.[0]?.physicalLocation?.artifactLocation);
}

/** Stable: items of one file keep the order their shard gave them. */
function sortByFile<T>(items: T[], pathOf: (item: T) => string): T[] {
  const keyed = items.map((item) => ({ item, path: pathOf(item) }));
  keyed.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  return keyed.map((entry) => entry.item);
}

const SEVERITY_OF_LEVEL = new Map<string, Severity>(Object.entries(SARIF_LEVEL).map(([severity, level]) => [level, severity as Severity]));

/** The same choice as a single run's cap, read back from each result's level and confidence. */
function capResults(results: Sarif.Result[], max: number | undefined): { kept: Sarif.Result[]; omitted: number } {
  return capByImportance(results, max, (result) => ({
    severity: SEVERITY_OF_LEVEL.get(result.level ?? 'warning') ?? 'warning',
    confidence: (result.properties?.confidence ?? 'medium') as Confidence,
  }));
}
