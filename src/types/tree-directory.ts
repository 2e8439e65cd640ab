// The directory of one tree in the type index cache (the layout is described
// in facts-cache.ts): its own module, so that the freshness thread, which needs
// only these paths, does not load what the cache's key is made of.

import * as fs from 'node:fs';
import { deltaPathOf } from './name-table';

/** The directory of one tree's manifest and name table. */
export class TreeDirectory {
  readonly manifestPath: string;
  readonly tablePath: string;
  /** stat-fingerprint.ts */
  readonly fingerprintPath: string;

  constructor(readonly path: string) {
    this.manifestPath = `${path}/manifest.v8`;
    this.tablePath = `${path}/names.table`;
    this.fingerprintPath = `${path}/stat-fingerprint`;
  }

  get deltaPath(): string {
    return deltaPathOf(this.tablePath);
  }

  ensure(): void {
    try {
      fs.mkdirSync(this.path);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
  }

  /** When the tree was last indexed or used: its manifest's mtime, which every run sets (0: no manifest). */
  lastUsedMs(): number {
    return fs.statSync(this.manifestPath, { throwIfNoEntry: false })?.mtimeMs ?? 0;
  }

  /** Marks the tree as used now, for pruning by age. */
  touch(): void {
    const now = new Date();
    try {
      fs.utimesSync(this.manifestPath, now, now);
    } catch {
      // a manifest replaced or pruned meanwhile: its writer dated it
    }
  }
}
