// Preloaded into a scan (`node --require dist/bench/record-lookups.js ...`;
// worker threads inherit the flag) to record what the scan asks the name
// table, one file per thread in $PATCH_AUDIT_RECORD_LOOKUPS:
//   L<TAB>key      a lookup
//   I<TAB>path     an includesOf
// store-bench.ts replays these sequences against each store.

import * as fs from 'node:fs';
import * as path from 'node:path';
import { threadId } from 'node:worker_threads';
import { NameTable } from '../src/types/name-table';

const directory = process.env.PATCH_AUDIT_RECORD_LOOKUPS;
if (directory) {
  let fd: number | null = null;
  // Written at once: a worker thread may be terminated without notice.
  const record = (line: string) => fs.writeSync((fd ??= fs.openSync(path.join(directory, `${process.pid}-${threadId}.lookups`), 'a')), line);
  const { lookup, includesOf } = NameTable.prototype;
  NameTable.prototype.lookup = function (this: NameTable, key: string) {
    record(`L\t${key}\n`);
    return lookup.call(this, key);
  };
  NameTable.prototype.includesOf = function (this: NameTable, file: string) {
    record(`I\t${file}\n`);
    return includesOf.call(this, file);
  };
}
