// Runs batches of files on worker threads (piscina) and hands the results
// back in input order, so the output does not depend on scheduling.

import * as os from 'node:os';
import * as path from 'node:path';
import Piscina from 'piscina';
import type { SourceFile } from '../input/walk';
import type { WorkerTask } from './worker';

/** Batches of about this many bytes keep messages few and the cores evenly busy. */
const BATCH_BYTES = 2 * 1024 * 1024;
const BATCH_FILES = 256;

export function defaultJobs(): number {
  return Math.max(1, os.availableParallelism?.() ?? os.cpus().length);
}

export function batchFiles(files: SourceFile[]): SourceFile[][] {
  const batches: SourceFile[][] = [];
  let current: SourceFile[] = [];
  let bytes = 0;
  for (const file of files) {
    current.push(file);
    bytes += file.size;
    if (bytes >= BATCH_BYTES || current.length >= BATCH_FILES) {
      batches.push(current);
      current = [];
      bytes = 0;
    }
  }
  if (current.length) batches.push(current);
  return batches;
}

export interface PoolRun<R> {
  results: R[];
}

/**
 * Runs one task per batch. `onBatchDone` gets the number of files just finished (for progress).
 */
export async function runBatches<R>(
  batches: SourceFile[][],
  makeTask: (files: SourceFile[]) => WorkerTask,
  jobs: number,
  onBatchDone: (files: number, bytes: number) => void,
): Promise<R[]> {
  const pool = new Piscina({
    filename: path.join(__dirname, 'worker.js'),
    minThreads: Math.min(jobs, batches.length || 1),
    maxThreads: jobs,
    idleTimeout: 1000,
  });
  try {
    return await Promise.all(
      batches.map(async (batch) => {
        const result = (await pool.run(makeTask(batch))) as R;
        onBatchDone(batch.length, batch.reduce((sum, f) => sum + f.size, 0));
        return result;
      }),
    );
  } finally {
    await pool.destroy();
  }
}
