// Runs typed tasks on worker threads (piscina) and hands the results back in
// task order, so what a command prints does not depend on which worker
// finished first. A leaf: it knows nothing of what the tasks are. A worker
// script is a module whose default export takes one task and returns (a
// promise of) its result.

import * as os from 'node:os';
import { Worker } from 'node:worker_threads';
import Piscina from 'piscina';

/** A worker script and the task and result types it works with. */
export interface WorkerScript<Task, Result> {
  readonly filename: string;
  /** Never set: carries the types, so a task cannot go to the wrong script. */
  readonly signature?: (task: Task) => Result;
}

export function workerScript<Task, Result>(filename: string): WorkerScript<Task, Result> {
  return { filename };
}

export function defaultJobs(): number {
  return Math.max(1, os.availableParallelism?.() ?? os.cpus().length);
}

export interface RunTasksOptions<Task, Result> {
  jobs: number;
  /** Called as each task finishes, in completion order (for progress); `index` is the task's place in `tasks`. */
  onDone?: (task: Task, result: Result, index: number) => void;
  /** Once aborted, no more tasks are started; the run rejects when those running have finished. */
  signal?: AbortSignal;
}

/** Runs every task on at most `jobs` threads, in the order given; results come back in that order too. */
export async function runTasks<Task, Result>(
  script: WorkerScript<Task, Result>,
  tasks: readonly Task[],
  options: RunTasksOptions<Task, Result>,
): Promise<Result[]> {
  if (tasks.length === 0) return [];
  // Each thread gets a task at once (one lane per thread), so none is stopped at the end while it still
  // loads its script: a thread stopped while it loads tree-sitter can abort the process.
  const pool = new Piscina({
    filename: script.filename,
    minThreads: Math.min(options.jobs, tasks.length),
    maxThreads: options.jobs,
    idleTimeout: 1000,
  });
  try {
    return await inLanes(tasks, Math.min(options.jobs, tasks.length), options.signal, async (task, index) => {
      const result = (await pool.run(task)) as Result;
      options.onDone?.(task, result, index);
      return result;
    });
  } finally {
    await pool.destroy();
  }
}

/**
 * Runs the tasks in order, `lanes` at a time, each lane starting the next task when its own is done. A
 * running task is never cut short (piscina would stop its thread, and a native addon stopped in the middle
 * of a call can abort the process): after an abort or a failure, no task starts, and the run rejects once
 * the running ones have finished.
 */
async function inLanes<Task, Result>(
  tasks: readonly Task[],
  lanes: number,
  signal: AbortSignal | undefined,
  run: (task: Task, index: number) => Promise<Result>,
): Promise<Result[]> {
  const results = new Array<Result>(tasks.length);
  let next = 0;
  let failed = false;
  const lane = async () => {
    while (next < tasks.length && !failed) {
      if (signal?.aborted) throw signal.reason ?? new Error('aborted');
      const index = next++;
      try {
        results[index] = await run(tasks[index], index);
      } catch (error) {
        failed = true;
        throw error;
      }
    }
  };
  const settled = await Promise.allSettled(Array.from({ length: lanes }, lane));
  const rejected = settled.find((outcome): outcome is PromiseRejectedResult => outcome.status === 'rejected');
  if (rejected) throw rejected.reason;
  return results;
}

/**
 * Runs one task on a thread of its own, without a pool: the result comes back as soon as the script
 * returns it, and the thread is let go without waiting for it to wind down (about 0.1 s).
 */
export function runOnce<Task, Result>(script: WorkerScript<Task, Result>, task: Task): Promise<Result> {
  return new Promise<Result>((resolve, reject) => {
    const worker = new Worker(RUN_ONCE, { eval: true, workerData: { filename: script.filename, task } });
    worker.once('message', (message: { result?: Result; error?: string }) => {
      if (message.error !== undefined) reject(new Error(message.error));
      else resolve(message.result as Result);
      worker.unref();
      void worker.terminate();
    });
    worker.once('error', reject);
    worker.once('exit', (code) => reject(new Error(`${script.filename} stopped (exit ${code}) before it answered`)));
  });
}

const RUN_ONCE = `
const { parentPort, workerData } = require('node:worker_threads');
Promise.resolve()
  .then(() => require(workerData.filename).default(workerData.task))
  .then((result) => parentPort.postMessage({ result }), (error) => parentPort.postMessage({ error: String(error && error.stack || error) }));
`;
