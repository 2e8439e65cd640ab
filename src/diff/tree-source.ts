// Where the pre-image of a patch's files comes from: a kernel tree on disk, a
// git revision, or nothing (hunks-only audit). Every path is checked before
// anything is read: a patch is data, and may not reach outside its tree.

import * as fs from 'node:fs';
import * as path from 'node:path';
import { execFileSync } from 'node:child_process';

/** A file's bytes; `missing` when the tree has no such file. */
export type TreeRead = { kind: 'file'; bytes: Buffer } | { kind: 'missing' } | { kind: 'refused'; reason: string };

export interface TreeSource {
  /** What to call the tree in messages. */
  readonly description: string;
  /** The tree's root on disk, when it has one (the type index is built from it). */
  readonly root: string | null;
  read(relativePath: string): TreeRead;
}

/**
 * Why a tree-relative path is not acceptable, lexically; null when it is.
 * The one check for patch names (patch-parse.ts) and tree reads alike.
 */
export function lexicalPathProblem(relativePath: string): string | null {
  if (relativePath.includes('\0')) return 'unsafe path: the name contains a NUL byte';
  if (relativePath.startsWith('/')) return `path leaves the tree: ${quoted(relativePath)} is absolute`;
  if (relativePath.split('/').includes('..')) return `path leaves the tree: ${quoted(relativePath)} has a '..' component`;
  if (relativePath === '') return 'unsafe path: the name is empty';
  return null;
}

function quoted(path: string, length = 200): string {
  return path.length > length ? `'${path.slice(0, length)}...'` : `'${path}'`;
}

/** A tree on disk. Read-only: nothing in it is ever written. */
export class DiskTree implements TreeSource {
  readonly root: string;
  readonly description: string;
  private readonly realRoot: string;

  constructor(root: string) {
    this.root = path.resolve(root);
    this.realRoot = fs.realpathSync(this.root);
    this.description = this.root;
  }

  read(relativePath: string): TreeRead {
    const lexical = lexicalPathProblem(relativePath);
    if (lexical) return { kind: 'refused', reason: lexical };
    const full = path.join(this.root, relativePath);
    const escape = this.symlinkEscape(full, relativePath);
    if (escape) return { kind: 'refused', reason: escape };
    try {
      const stat = fs.statSync(full);
      if (!stat.isFile()) return { kind: 'refused', reason: `'${relativePath}' is not a regular file in the tree` };
      return { kind: 'file', bytes: fs.readFileSync(full) };
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code === 'ENOENT' || code === 'ENOTDIR') return { kind: 'missing' };
      return { kind: 'refused', reason: `cannot read '${relativePath}': ${(error as Error).message}` };
    }
  }

  /** The deepest existing ancestor (or the file) must resolve inside the tree: a symlink may not lead out. */
  private symlinkEscape(full: string, relativePath: string): string | null {
    let probe = full;
    for (;;) {
      let real: string;
      try {
        real = fs.realpathSync(probe);
      } catch {
        const parent = path.dirname(probe);
        if (parent === probe) return null;
        probe = parent;
        continue;
      }
      const inside = real === this.realRoot || real.startsWith(this.realRoot + path.sep);
      return inside ? null : `'${relativePath}' resolves through a symlink to ${real}, outside the tree`;
    }
  }
}

/** Files as they are in one git revision (`git cat-file`, argument arrays, never a shell). */
export class GitRevisionTree implements TreeSource {
  readonly description: string;

  constructor(readonly root: string, private readonly revision: string) {
    this.description = `${root} at ${revision}`;
  }

  read(relativePath: string): TreeRead {
    const lexical = lexicalPathProblem(relativePath);
    if (lexical) return { kind: 'refused', reason: lexical };
    const spec = `${this.revision}:${relativePath}`;
    try {
      const type = git(this.root, ['cat-file', '-t', spec]).toString('utf8').trim();
      if (type !== 'blob') return { kind: 'refused', reason: `'${relativePath}' is a ${type} in ${this.revision}, not a file` };
    } catch {
      return { kind: 'missing' };
    }
    return { kind: 'file', bytes: git(this.root, ['cat-file', 'blob', spec]) };
  }
}

/** No tree at all: every file is unknown, and the audit falls back to the hunks. */
export class NoTree implements TreeSource {
  readonly description = 'no tree';
  readonly root = null;

  read(): TreeRead {
    return { kind: 'missing' };
  }
}

export function git(cwd: string, args: string[]): Buffer {
  return execFileSync('git', args, { cwd, maxBuffer: 1024 * 1024 * 1024, stdio: ['ignore', 'pipe', 'pipe'] });
}
