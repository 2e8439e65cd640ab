// A worker script for the pool's tests that takes a while to load (as tree-sitter
// does) and then records that it has, in the file its environment names.

import * as fs from 'node:fs';
import { threadId } from 'node:worker_threads';

const until = Date.now() + 300;
while (Date.now() < until) {
  // loading
}
const record = process.env.PATCH_AUDIT_TEST_LOADED_FILE;
if (record) fs.appendFileSync(record, `${threadId}\n`);

export default function answer(task: { value: number }): number {
  return task.value * 2;
}
