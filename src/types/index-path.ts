// The plain handle of a type index that the main thread passes to analysing
// threads, and the path the index knows a file by. Light on purpose: the
// main thread needs these without loading the index's reader (index-handle.ts).

import * as fs from 'node:fs';
import { treeRelative } from './tree-root';
import type { TypeIndexOptions } from './type-index';

/** What a worker thread needs to open the same index: plain data. */
export interface TypeIndexHandle {
  root: string | null;
  tablePath: string | null;
  options: TypeIndexOptions;
}

/** The path the index knows a file by: tree-relative inside the tree, else as shown. */
export function indexPathOf(handle: TypeIndexHandle, absolutePath: string, displayPath: string): string {
  if (!handle.root) return displayPath;
  let real = absolutePath;
  try {
    real = fs.realpathSync(absolutePath);
  } catch {
    // A file that is not on disk (a patch's post-image) keeps its own path.
  }
  return treeRelative(handle.root, real) ?? displayPath;
}
