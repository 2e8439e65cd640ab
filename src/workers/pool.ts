// Runs typed tasks on worker threads (piscina) and hands the results back in
// task order, so what a command prints does not depend on which worker
// finished first. A leaf: it knows nothing of what the tasks are. A worker
// script is a module whose default export takes one task and returns (a
// promise of) its result.

import * as os from 'node:os';
import * as path from 'node:path';
import { Worker } from 'node:worker_threads';
import Piscina from 'piscina';
import { isLoadedNotice } from './loaded-notice';

const THREAD_ENTRY = path.join(__dirname, 'thread-entry.js');

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
  const pool = WorkerPool.start(script, Math.min(options.jobs, tasks.length));
  try {
    return await pool.run(tasks, options);
  } finally {
    await pool.close();
  }
}

/**
 * Threads of one worker script, started before their tasks are known: each loads its script (tree-sitter,
 * the rules, the typer: about 0.1 s) while the main thread is still getting the run ready.
 */
export class WorkerPool<Task, Result> {
  private readonly piscina: Piscina;
  /** Settles once every thread has loaded its script, or has stopped. */
  private readonly loaded: Promise<void>;
  private closed?: Promise<void>;
  private loadFailure?: unknown;

  private constructor(
    script: WorkerScript<Task, Result>,
    private readonly jobs: number,
  ) {
    this.piscina = new Piscina({
      filename: THREAD_ENTRY,
      workerData: { script: script.filename },
      minThreads: jobs,
      maxThreads: jobs,
      idleTimeout: 1000,
    });
    // A thread whose script cannot load fails the tasks given to it; without a listener, piscina's
    // report of it would end the process instead.
    this.piscina.on('error', (error: unknown) => {
      this.loadFailure ??= error;
    });
    // Messages arrive on a later turn of the event loop: listening now misses none.
    this.loaded = Promise.all(this.piscina.threads.map(scriptLoaded)).then(() => {});
  }

  /** Starts `jobs` threads of `script` now. */
  static start<Task, Result>(script: WorkerScript<Task, Result>, jobs: number): WorkerPool<Task, Result> {
    return new WorkerPool(script, Math.max(1, jobs));
  }

  /** Runs every task, in the order given, on the pool's threads; results come back in that order. */
  run(tasks: readonly Task[], options: Omit<RunTasksOptions<Task, Result>, 'jobs'>): Promise<Result[]> {
    return inLanes(tasks, Math.min(this.jobs, tasks.length), options.signal, async (task, index) => {
      if (this.loadFailure !== undefined) throw this.loadFailure;
      const result = (await this.piscina.run(task)) as Result;
      options.onDone?.(task, result, index);
      return result;
    });
  }

  /**
   * Stops the threads once each has loaded its script: a thread stopped while it loads tree-sitter can
   * abort the process, and a run may end before some thread had a task (no C files, every result cached).
   */
  close(): Promise<void> {
    this.closed ??= this.loaded.then(() => this.piscina.destroy());
    return this.closed;
  }
}

/** Settles when the thread says its script has loaded, or stops. */
function scriptLoaded(thread: Worker): Promise<void> {
  return new Promise<void>((resolve) => {
    const settle = () => {
      thread.off('message', onMessage);
      thread.off('exit', settle);
      resolve();
    };
    const onMessage = (message: unknown) => {
      if (isLoadedNotice(message)) settle();
    };
    thread.on('message', onMessage);
    thread.once('exit', settle);
  });
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
