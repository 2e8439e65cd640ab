// tree-sitter trees live in native memory that V8 does not see, and the
// binding frees them only from finalizers that run after a garbage collection
// and a turn of the event loop. A worker parsing thousands of files in a row
// would otherwise grow by gigabytes. So after every few megabytes of source
// parsed, the worker collects and yields.

import * as v8 from 'node:v8';
import * as vm from 'node:vm';

v8.setFlagsFromString('--expose-gc');
const collectGarbage = vm.runInNewContext('gc') as () => void;

/** Source bytes parsed between two collections; trees take about 25 times their source. */
const RECLAIM_EVERY_BYTES = 8 * 1024 * 1024;

export class TreeMemory {
  private sinceLastReclaim = 0;

  /** Call after each parse; collects and yields when enough trees may be waiting to be freed. */
  async parsed(bytes: number): Promise<void> {
    this.sinceLastReclaim += bytes;
    if (this.sinceLastReclaim >= RECLAIM_EVERY_BYTES) await this.reclaim();
  }

  async reclaim(): Promise<void> {
    this.sinceLastReclaim = 0;
    collectGarbage();
    await new Promise<void>((resolve) => setImmediate(resolve));
  }
}
