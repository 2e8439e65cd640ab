// What a pool's thread loads first (WorkerPool): the worker script named in
// workerData, whose default export takes the tasks. Once the script has loaded,
// the thread says so, since the main thread must not stop it before that.

import { parentPort, threadId, workerData } from 'node:worker_threads';
import { LOADED_NOTICE } from './loaded-notice';

type TaskHandler = (task: unknown) => unknown;

const handler = (require((workerData as { script: string }).script) as { default: TaskHandler }).default;
parentPort!.postMessage({ [LOADED_NOTICE]: threadId });

export default handler;
