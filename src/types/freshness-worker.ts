// Worker script: whether a tree's index is current (index-freshness.ts), asked
// off the main thread so that a scan analyses meanwhile with the index as it is.

import { TreeDirectory } from './facts-cache';
import { compareTreeWithIndex, ownManifest, tableIdOf } from './index-freshness';
import { recordStatFingerprint, statFingerprintHolds } from './stat-fingerprint';

export interface FreshnessTask {
  /** The tree, canonical. */
  root: string;
  /** The tree's directory in the cache (TreeDirectory.path). */
  treeDirectory: string;
}

export default function indexIsCurrent(task: FreshnessTask): boolean {
  const tree = new TreeDirectory(task.treeDirectory);
  // What is damaged is said by the refresh that follows a "no".
  const quiet = () => {};
  if (statFingerprintHolds(task.root, tree, tableIdOf(tree.tablePath, quiet))) return true;
  const comparison = compareTreeWithIndex(task.root, tree, ownManifest(tree, task.root, quiet), { notice: quiet });
  if (!comparison.current) return false;
  recordStatFingerprint(tree, comparison.listing, comparison.previous!, []);
  return true;
}
