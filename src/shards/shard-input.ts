// Reading the reports `patch-audit merge` is given, and refusing mixtures:
// each problem names the file and says what is wrong with it.

import * as fs from 'node:fs';
import type { Log as SarifLog } from 'sarif';
import type { JsonReport } from '../report/json';

export class MergeError extends Error {
  constructor(readonly file: string, reason: string) {
    super(`${file}: ${reason}`);
  }
}

export interface ShardInput<T> {
  file: string;
  report: T;
}

export type ShardReports = { format: 'json'; inputs: ShardInput<JsonReport>[] } | { format: 'sarif'; inputs: ShardInput<SarifLog>[] };

/** Every input, parsed; all JSON reports of patch-audit scan, or all SARIF logs. */
export function readShardReports(files: readonly string[], read: (file: string) => Buffer = (file) => fs.readFileSync(file)): ShardReports {
  const parsed = files.map((file) => ({ file, document: parseDocument(file, read) }));
  const formats = parsed.map(({ file, document }) => ({ file, document, format: formatOf(file, document) }));
  const first = formats[0]!;
  const odd = formats.find((input) => input.format !== first.format);
  if (odd) throw new MergeError(odd.file, `is a ${odd.format.toUpperCase()} report, ${first.file} is ${first.format.toUpperCase()}: merge reports of one format`);
  if (first.format === 'json') return { format: 'json', inputs: formats.map(({ file, document }) => ({ file, report: document as JsonReport })) };
  return { format: 'sarif', inputs: formats.map(({ file, document }) => ({ file, report: document as SarifLog })) };
}

function parseDocument(file: string, read: (file: string) => Buffer): unknown {
  let bytes: Buffer;
  try {
    bytes = read(file);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new MergeError(file, code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'is a directory, not a report' : `cannot be read (${code ?? String(error)})`);
  }
  try {
    return JSON.parse(bytes.toString('utf8'));
  } catch (error) {
    throw new MergeError(file, `is not JSON (${(error as Error).message}); give the JSON or SARIF reports of patch-audit scan`);
  }
}

function formatOf(file: string, document: unknown): 'json' | 'sarif' {
  const object = document as Record<string, unknown> | null;
  if (object && typeof object === 'object') {
    const tool = object.tool as { name?: unknown } | undefined;
    if (tool?.name === 'patch-audit' && Array.isArray(object.findings) && typeof object.stats === 'object') return 'json';
    const runs = object.runs as { tool?: { driver?: { name?: unknown } } }[] | undefined;
    if (object.version === '2.1.0' && Array.isArray(runs)) {
      if (runs.length === 1 && runs[0]?.tool?.driver?.name === 'patch-audit') return 'sarif';
      throw new MergeError(file, 'is a SARIF log, but not of one patch-audit scan run');
    }
    if (Array.isArray(object.patches) || Array.isArray(object.series)) throw new MergeError(file, 'is a diff report; merge takes the reports of patch-audit scan --shard');
  }
  throw new MergeError(file, 'is neither a JSON report nor a SARIF log of patch-audit scan');
}

/** All inputs agree on `what`, or the first that differs is named. */
export function sameOrRefuse<T>(inputs: readonly ShardInput<T>[], what: string, key: (report: T) => unknown): void {
  const expected = key(inputs[0]!.report);
  const odd = inputs.find((input) => key(input.report) !== expected);
  if (odd) throw new MergeError(odd.file, `differs from ${inputs[0]!.file} in ${what}: merge the shards of one run`);
}
