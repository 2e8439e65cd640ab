// Where a kernel tree starts, and paths within it as the index names them.

import * as fs from 'node:fs';
import * as path from 'node:path';

/**
 * Walks up from a file or folder to the first directory that looks like the
 * top of a kernel tree, or null when no ancestor does.
 */
export function findKernelRoot(start: string): string | null {
  let directory = path.resolve(start);
  if (!isDirectory(directory)) directory = path.dirname(directory);
  for (;;) {
    if (looksLikeKernelRoot(directory)) return directory;
    const parent = path.dirname(directory);
    if (parent === directory) return null;
    directory = parent;
  }
}

/** Makefile, Kconfig, include/linux/ and arch/: every kernel tree has them, subsystem folders do not. */
function looksLikeKernelRoot(directory: string): boolean {
  return (
    isFile(path.join(directory, 'Makefile')) &&
    isFile(path.join(directory, 'Kconfig')) &&
    isDirectory(path.join(directory, 'include', 'linux')) &&
    isDirectory(path.join(directory, 'arch'))
  );
}

/** The path below `root` with '/' separators ('' for the root itself), or null when it is outside. */
export function treeRelative(root: string, absolutePath: string): string | null {
  const relative = path.relative(path.resolve(root), path.resolve(absolutePath));
  if (relative === '..' || relative.startsWith('..' + path.sep) || path.isAbsolute(relative)) return null;
  return path.sep === '/' ? relative : relative.split(path.sep).join('/');
}

function isFile(p: string): boolean {
  return statOrNull(p)?.isFile() ?? false;
}

function isDirectory(p: string): boolean {
  return statOrNull(p)?.isDirectory() ?? false;
}

/** Missing, unreadable and ENOTDIR alike mean "not there" here. */
function statOrNull(p: string): fs.Stats | null {
  try {
    return fs.statSync(p);
  } catch {
    return null;
  }
}
