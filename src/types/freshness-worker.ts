// Worker script: whether a tree's index is current (index-freshness.ts), asked
// off the main thread so that a scan analyses meanwhile with the index as it is.
// Its CPU is taken from the analysis: the usual answer, that the stat
// fingerprint holds, loads only what that check needs; the full comparison
// (the tree's listing, the manifest) is loaded when the fingerprint fails.

import { tableIdOf } from './name-table';
import { statFingerprintHolds } from './stat-fingerprint';
import { TreeDirectory } from './tree-directory';

export interface FreshnessTask {
  /** The tree, canonical. */
  root: string;
  /** The tree's directory in the cache (TreeDirectory.path). */
  treeDirectory: string;
}

export default async function indexIsCurrent(task: FreshnessTask): Promise<boolean> {
  const tree = new TreeDirectory(task.treeDirectory);
  // What is damaged is said by the refresh that follows a "no".
  const quiet = () => {};
  if (statFingerprintHolds(task.root, tree, tableIdOf(tree.tablePath, quiet))) return true;
  const { compareTreeWithIndex, ownManifest } = await import('./index-freshness');
  const { recordStatFingerprint } = await import('./stat-fingerprint-record');
  const comparison = compareTreeWithIndex(task.root, tree, ownManifest(tree, task.root, quiet), { notice: quiet });
  if (!comparison.current) return false;
  recordStatFingerprint(tree, comparison.listing, comparison.previous!, []);
  return true;
}
