// The on-disk layout of the type index cache:
//
//   <cacheDir>/index-<key>/
//     facts.pack                 content hash -> facts, shared by every tree of this key (facts-pack.ts)
//     lock                       the write lock (cache-lock.ts)
//     trees/<sha1 of the root>/
//       manifest.v8              every path of the tree: stat, content hash, counts (manifest.ts)
//       names.table              the merged lookup table (name-table.ts), and names.table.delta when files changed since
//
// <key> covers everything facts depend on besides a file's content (tool
// version, FACTS_SCHEMA_VERSION, the cache layout, the macro hints), so facts
// from another version or other hints are never reused: they live in another
// directory. Within a key, facts are found by content alone, so a second tree
// sharing most files with a first one (a worktree, a hard-linked copy, the
// pre-image of a stable queue) extracts only the files that differ.

import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { builtinHintsPath } from '../frontend/hints';
import { toolVersion } from '../commands/common';
import { TreeDirectory } from './tree-directory';

/** Bump when what the extractor produces, or how facts are encoded, changes. */
export const FACTS_SCHEMA_VERSION = 7;
/** Bump when the layout above or the format of a file in it changes. */
const CACHE_LAYOUT = 2;

export const KEY_DIRECTORY_PATTERN = /^index-[0-9a-f]{40}$/;
export const TREE_DIRECTORY_PATTERN = /^[0-9a-f]{40}$/;

export function sha1(data: string | Uint8Array): string {
  return crypto.createHash('sha1').update(data).digest('hex');
}

/** The key of everything facts depend on besides the files: tool version, schema, layout, and the hints' text. */
export function cacheKey(hintFiles: readonly string[]): string {
  const hash = crypto.createHash('sha1');
  hash.update(`patch-audit ${toolVersion()}\0facts schema ${FACTS_SCHEMA_VERSION}\0cache layout ${CACHE_LAYOUT}\0`);
  for (const file of [builtinHintsPath(), ...hintFiles]) hash.update(fs.readFileSync(file)).update('\0');
  return hash.digest('hex');
}

/** The directory of one cache key: the shared pack, the lock, and the trees. */
export class KeyDirectory {
  readonly path: string;
  readonly packPath: string;
  readonly lockPath: string;
  readonly treesPath: string;

  constructor(cacheDir: string, key: string) {
    this.path = path.join(cacheDir, `index-${key}`);
    this.packPath = path.join(this.path, 'facts.pack');
    this.lockPath = path.join(this.path, 'lock');
    this.treesPath = path.join(this.path, 'trees');
  }

  /** `root` must be absolute and canonical (realpath), so one tree has one directory. */
  tree(root: string): TreeDirectory {
    return new TreeDirectory(path.join(this.treesPath, sha1(root)));
  }

  /** The directories of the trees indexed with this key. */
  trees(): TreeDirectory[] {
    let names: string[];
    try {
      names = fs.readdirSync(this.treesPath);
    } catch {
      return [];
    }
    return names.filter((name) => TREE_DIRECTORY_PATTERN.test(name)).map((name) => new TreeDirectory(path.join(this.treesPath, name)));
  }

  ensure(): void {
    for (const directory of [this.path, this.treesPath]) {
      try {
        fs.mkdirSync(directory);
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      }
    }
  }
}
