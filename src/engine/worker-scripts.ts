// The engine's worker script (worker.ts) under the task types it takes, for
// the pool; type-only imports, so the main thread does not load the worker's modules.

import * as path from 'node:path';
import { workerScript } from '../workers/pool';
import type { ParseStatsFileResult, ParseStatsTask, ScanFileResult, ScanTask, TypeStatsFileResult, TypeStatsTask } from './worker';

const ENGINE_WORKER = path.join(__dirname, 'worker.js');

export const SCAN_WORKER = workerScript<ScanTask, ScanFileResult[]>(ENGINE_WORKER);
export const PARSE_STATS_WORKER = workerScript<ParseStatsTask, ParseStatsFileResult[]>(ENGINE_WORKER);
export const TYPE_STATS_WORKER = workerScript<TypeStatsTask, TypeStatsFileResult[]>(ENGINE_WORKER);

