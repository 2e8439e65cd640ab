// Worker script: whether a tree's index is current (index-freshness.ts), asked
// off the main thread so that a scan analyses meanwhile with the index as it is.

import { TreeDirectory } from './facts-cache';
import { compareTreeWithIndex } from './index-freshness';

export interface FreshnessTask {
  /** The tree, canonical. */
  root: string;
  /** The tree's directory in the cache (TreeDirectory.path). */
  treeDirectory: string;
}

export default function indexIsCurrent(task: FreshnessTask): boolean {
  // What is damaged is said by the refresh that follows a "no".
  return compareTreeWithIndex(task.root, new TreeDirectory(task.treeDirectory), { notice: () => {} }).current;
}
