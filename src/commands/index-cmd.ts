// `patch-audit index [tree]`: builds or refreshes the type index of a kernel
// tree and says what it did.

import * as fs from 'node:fs';
import * as path from 'node:path';
import { buildIndex, IndexBuild, MACRO_MAX_BYTES } from '../types/build-index';
import { defaultCacheDir, prepareCacheDir } from '../types/cache-dir';
import { cacheLimits } from '../types/cache-prune';
import { DECL_KINDS } from '../types/table-file';
import { findKernelRoot } from '../types/tree-root';
import { EXIT_INPUT_ERROR, EXIT_OK, UsageError } from './common';

export interface IndexCommandOptions {
  /** The tree, or a folder in it; default: the kernel tree around the current directory. */
  tree?: string;
  cacheDir?: string;
  /** The size the cache is pruned to after a run that wrote to it. */
  cacheMaxSize?: number;
  hintFiles: string[];
  jobs: number;
  progress: boolean;
  rebuild: boolean;
  json: boolean;
}

export async function runIndexCommand(options: IndexCommandOptions): Promise<{ output: string; exitCode: number }> {
  const root = treeRoot(options.tree);
  const build = await buildIndex(root, {
    cacheDir: prepareCacheDir(options.cacheDir ?? defaultCacheDir()),
    limits: cacheLimits(options.cacheMaxSize),
    hintFiles: options.hintFiles,
    jobs: options.jobs,
    progress: options.progress,
    rebuild: options.rebuild,
  });
  const output = options.json ? JSON.stringify(build, null, 2) + '\n' : renderIndexBuild(build);
  return { output, exitCode: build.stats.skipped.length ? EXIT_INPUT_ERROR : EXIT_OK };
}

/** The kernel tree around the given folder (or the current directory); a given folder in no kernel tree is taken as it is. */
function treeRoot(given: string | undefined): string {
  if (given === undefined) {
    const found = findKernelRoot(process.cwd());
    if (!found) {
      throw new UsageError(
        `${process.cwd()} is not in a kernel tree (no ancestor has Makefile, Kconfig, include/linux/ and arch/); name the tree to index`,
      );
    }
    return found;
  }
  const resolved = path.resolve(given);
  if (!fs.statSync(resolved, { throwIfNoEntry: false })?.isDirectory()) throw new UsageError(`${given}: not a directory`);
  return findKernelRoot(resolved) ?? resolved;
}

export function renderIndexBuild(build: IndexBuild): string {
  const s = build.stats;
  const totalDecls = DECL_KINDS.reduce((n, kind) => n + (s.decls[kind] ?? 0), 0);
  const lines = [
    `tree: ${build.root}`,
    `table: ${build.tablePath}`,
    `files indexed: ${s.files}`,
    `extracted (read and parsed): ${s.extracted}`,
    `reused from the cache: ${s.reused}`,
    `taken from another tree (the same files, hard-linked): ${s.linked}`,
    `removed since last run: ${s.removed}`,
    `re-read to compare content: ${s.rehashed}`,
    `written: ${s.wrote}${s.adoptedBaseFrom ? ` (a delta over the base table of ${s.adoptedBaseFrom})` : ''}`,
    `bytes read: ${s.bytesRead} (${megabytes(s.bytesRead)})`,
    `files over ${MACRO_MAX_BYTES / 1024 / 1024} MiB without constant macros: ${s.macroSkipped}`,
    `declarations: ${totalDecls}`,
    ...DECL_KINDS.map((kind) => `  ${kind}: ${s.decls[kind] ?? 0}`),
    `seconds: ${s.seconds.toFixed(2)}`,
    `cache size: ${s.cacheBytes} (${megabytes(s.cacheBytes)})`,
    `skipped files: ${s.skipped.length}`,
    ...s.skipped.map((p) => `  ${p.path}: ${p.reason}`),
  ];
  if (s.warnings.length) lines.push(`indexed with warnings: ${s.warnings.length}`, ...s.warnings.map((p) => `  ${p.path}: ${p.reason}`));
  return lines.join('\n') + '\n';
}

function megabytes(bytes: number): string {
  return `${(bytes / 1e6).toFixed(1)} MB`;
}
