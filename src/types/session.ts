// Opening the type index for a run, in the main thread: find the tree, and
// build or refresh its index (or start with the cached one while a worker
// checks it). What the analysing threads do with it is in index-handle.ts.

import * as fs from 'node:fs';
import * as path from 'node:path';
import type { IndexBuild } from './build-index';
import { cacheKey, KeyDirectory } from './facts-cache';
import type { FreshnessTask } from './freshness-worker';
import { runOnce, workerScript } from '../workers/pool';
import { defaultCacheDir, prepareCacheDir } from './cache-dir';
import { cacheLimits } from './cache-prune';
import { AbiName } from './ctype';
import { findKernelRoot } from './tree-root';
import type { TypeIndexOptions } from './type-index';
import type { TypeIndexHandle } from './index-path';

export interface TypeSessionOptions {
  /** The kernel tree; default: the one around `near`. */
  tree?: string;
  /** A path the tree is looked for around when none is given. */
  near?: string;
  cacheDir?: string;
  /** The size the cache is pruned to after a run that wrote to it (default: DEFAULT_PRUNE_LIMITS). */
  cacheMaxSize?: number;
  hintFiles: string[];
  jobs: number;
  progress: boolean;
  abi: AbiName;
  arch: string;
}

export interface TypeSession {
  handle: TypeIndexHandle;
  build?: IndexBuild;
}

export async function openTypeSession(options: TypeSessionOptions): Promise<TypeSession> {
  const typeOptions: TypeIndexOptions = { abi: options.abi, arch: options.arch };
  const root = treeOf(options);
  if (!root) return { handle: { root: null, tablePath: null, options: typeOptions } };
  // Loaded here, not with the module: a scan whose cached index is current never needs the builder.
  const { buildIndex } = await import('./build-index');
  const build = await buildIndex(root, {
    cacheDir: prepareCacheDir(options.cacheDir ?? defaultCacheDir()),
    limits: cacheLimits(options.cacheMaxSize),
    hintFiles: options.hintFiles,
    jobs: options.jobs,
    progress: options.progress,
  });
  return { handle: { root: build.root, tablePath: build.tablePath, options: typeOptions }, build };
}

/**
 * A session to start analysing with before the tree was compared with its
 * index: the index as the cache holds it. Comparing lists and stats the whole
 * tree (0.2 to 0.4 s of CPU for 6.1), so a worker thread does it meanwhile.
 */
export interface EarlyTypeSession {
  provisional: TypeSession;
  /** Whether the provisional index is the tree's as it is now; if not, open a session with openTypeSession. */
  current: Promise<boolean>;
}

/** An early session, when the tree has an index in the cache already; else null (open one with openTypeSession). */
export function openTypeSessionEarly(options: TypeSessionOptions): EarlyTypeSession | null {
  const root = treeOf(options);
  if (!root) return null;
  const treeRoot = fs.realpathSync(root);
  const cacheDir = prepareCacheDir(options.cacheDir ?? defaultCacheDir());
  const tree = new KeyDirectory(cacheDir, cacheKey(options.hintFiles)).tree(treeRoot);
  if (!fs.existsSync(tree.tablePath) || !fs.existsSync(tree.manifestPath)) return null;
  const handle: TypeIndexHandle = { root: treeRoot, tablePath: tree.tablePath, options: { abi: options.abi, arch: options.arch } };
  const current = runOnce(FRESHNESS_WORKER, { root: treeRoot, treeDirectory: tree.path }).then(
    (isCurrent) => {
      if (isCurrent) tree.touch();
      return isCurrent;
    },
    // A check that could not finish proves nothing: the refresh that follows says what went wrong.
    () => false,
  );
  return { provisional: { handle }, current };
}

/** The tree `--tree` names, or the kernel tree around `near`; null when there is none. */
function treeOf(options: TypeSessionOptions): string | null {
  return options.tree ? path.resolve(options.tree) : options.near ? findKernelRoot(options.near) : null;
}

const FRESHNESS_WORKER = workerScript<FreshnessTask, boolean>(path.join(__dirname, 'freshness-worker.js'));
