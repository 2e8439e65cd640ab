// The engine's worker script (worker.ts) under the task types it takes, for
// the pool; type-only imports, so the main thread does not load the worker's modules.

import * as path from 'node:path';
import * as fs from 'node:fs';
import { WarmPool, workerScript } from '../workers/pool';
import type { ParseStatsFileResult, ParseStatsTask, ScanFileResult, ScanTask, TypeStatsFileResult, TypeStatsTask } from './worker';

const ENGINE_WORKER = path.join(__dirname, 'worker.js');

export const SCAN_WORKER = workerScript<ScanTask, ScanFileResult[]>(ENGINE_WORKER);
export const PARSE_STATS_WORKER = workerScript<ParseStatsTask, ParseStatsFileResult[]>(ENGINE_WORKER);
export const TYPE_STATS_WORKER = workerScript<TypeStatsTask, TypeStatsFileResult[]>(ENGINE_WORKER);

/**
 * Scan's worker threads, started as soon as the command line is read, so that they load their modules
 * while the main thread loads its own: as many as the jobs, or as the files when only files are given.
 */
export function startScanWorkers(paths: readonly string[], jobs: number): WarmPool<ScanTask, ScanFileResult[]> {
  const onlyFiles = paths.every((given) => fs.statSync(given, { throwIfNoEntry: false })?.isFile());
  return new WarmPool(SCAN_WORKER, Math.max(1, onlyFiles ? Math.min(jobs, paths.length) : jobs));
}
