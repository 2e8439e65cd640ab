// A worker script for the pool's tests that fails while it loads. It fails
// only in a worker thread: the test runner, which runs every script under
// dist/test, loads it on a main thread and must not count it as a failure.

import { isMainThread } from 'node:worker_threads';

if (!isMainThread) throw new Error('this worker script cannot load');

export default function never(): void {}
