// A worker script for the pool's tests that fails while it loads on a worker
// thread. (The test runner also runs it, as a file of dist/test, on a main thread.)

import { isMainThread } from 'node:worker_threads';

if (!isMainThread) throw new Error('this worker script cannot load');

export default function never(): void {}
