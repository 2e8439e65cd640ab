// Cuts a list of files into work items for the worker threads, largest files
// first, and puts the per-file results back in input order.
//
// Largest first, so that the last items to finish are small ones and no core
// waits long for another at the end of a run; a large file goes alone, small
// ones are grouped so the per-message cost stays small beside the work. The
// plan depends on the files alone (not on the number of workers), and results
// come back per file in input order, so output is the same for any -j.

import { runTasks, WorkerPool, WorkerScript } from './pool';

/** Each core gets several items to balance with: the target item is about 1/ITEMS_PER_RUN of the input... */
const ITEMS_PER_RUN = 32;
/** ...within these bounds. */
const MIN_ITEM_BYTES = 32 * 1024;
const MAX_ITEM_BYTES = 1024 * 1024;
const MAX_ITEM_FILES = 128;

/** Test-only: a fixed item size in bytes (1 puts every file in its own item). */
const ITEM_BYTES_ENV = 'PATCH_AUDIT_WORK_ITEM_BYTES';

export interface WorkItem<F> {
  files: F[];
  /** Where each file is in the input. */
  positions: number[];
}

export function planWorkItems<F extends { size: number }>(files: readonly F[], itemBytes = itemBytesFor(files)): WorkItem<F>[] {
  const order = files.map((_, i) => i).sort((a, b) => files[b].size - files[a].size || a - b);
  const items: WorkItem<F>[] = [];
  let current: WorkItem<F> = { files: [], positions: [] };
  let bytes = 0;
  for (const position of order) {
    current.files.push(files[position]);
    current.positions.push(position);
    bytes += files[position].size;
    if (bytes >= itemBytes || current.files.length >= MAX_ITEM_FILES) {
      items.push(current);
      current = { files: [], positions: [] };
      bytes = 0;
    }
  }
  if (current.files.length) items.push(current);
  return items;
}

function itemBytesFor(files: readonly { size: number }[]): number {
  const forced = Number(process.env[ITEM_BYTES_ENV]);
  if (Number.isInteger(forced) && forced > 0) return forced;
  const total = files.reduce((sum, f) => sum + f.size, 0);
  return Math.min(MAX_ITEM_BYTES, Math.max(MIN_ITEM_BYTES, Math.ceil(total / ITEMS_PER_RUN)));
}

export interface PerFileRun<R> {
  /** One result per input file, in input order. */
  results: R[];
  items: number;
}

/**
 * Runs `files` through a worker script whose tasks carry a work item's files
 * (`makeTask`) and whose result holds one entry per file, in the task's order.
 */
export async function runPerFile<F extends { size: number }, Task, R>(
  script: WorkerScript<Task, R[]>,
  files: readonly F[],
  makeTask: (files: F[]) => Task,
  options: {
    jobs: number;
    onItemDone?: (files: readonly F[]) => void;
    itemBytes?: number;
    signal?: AbortSignal;
    /** Threads of `script` started already (the caller closes them); without it, threads are started for the run. */
    pool?: WorkerPool<Task, R[]>;
  },
): Promise<PerFileRun<R>> {
  const items = planWorkItems(files, options.itemBytes);
  const tasks = items.map((item) => makeTask(item.files));
  const onDone = (_task: Task, _result: R[], i: number) => options.onItemDone?.(items[i].files);
  const byItem = options.pool
    ? await options.pool.run(tasks, { onDone, signal: options.signal })
    : await runTasks(script, tasks, { jobs: options.jobs, onDone, signal: options.signal });
  const results = new Array<R>(files.length);
  items.forEach((item, i) => {
    if (byItem[i].length !== item.files.length) throw new Error(`a work item of ${item.files.length} files came back with ${byItem[i].length} results`);
    item.positions.forEach((position, k) => (results[position] = byItem[i][k]));
  });
  return { results, items: items.length };
}
