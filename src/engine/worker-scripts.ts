// The engine's worker script (worker.ts) under the task types it takes, for
// the pool; type-only imports, so the main thread does not load the worker's modules.

import * as path from 'node:path';
import { workerScript } from '../workers/pool';
import type { ParseStatsBatchResult, ParseStatsTask, ScanBatchResult, ScanTask, TypeStatsBatchResult, TypeStatsTask } from './worker';

const ENGINE_WORKER = path.join(__dirname, 'worker.js');

export const SCAN_WORKER = workerScript<ScanTask, ScanBatchResult>(ENGINE_WORKER);
export const PARSE_STATS_WORKER = workerScript<ParseStatsTask, ParseStatsBatchResult>(ENGINE_WORKER);
export const TYPE_STATS_WORKER = workerScript<TypeStatsTask, TypeStatsBatchResult>(ENGINE_WORKER);
