// Where the pre-image of a patch's files comes from: a kernel tree on disk, a
// git revision, or nothing (hunks-only audit). Every path is checked before
// anything is read: a patch is data, and may not reach outside its tree.

import * as fs from 'node:fs';
import * as path from 'node:path';
import { isUtf8 } from 'node:buffer';
import type { GitRepository } from './git-repository';
import type { ObjectLookup } from './git-objects';

/** A file's bytes; `missing` when the tree has no such file. */
export type TreeRead = { kind: 'file'; bytes: Buffer } | { kind: 'missing' } | { kind: 'refused'; reason: string } | { kind: 'unreadable'; reason: string };

export interface TreeSource {
  /** What to call the tree in messages. */
  readonly description: string;
  /** The tree's root on disk, when it has one (the type index is built from it). */
  readonly root: string | null;
  read(relativePath: string): Promise<TreeRead>;
  /**
   * The C files whose text here differs from the tree the type index was
   * built from, as they are here (null: absent here): what the index is
   * overlaid with so that types are this tree's.
   */
  typeOverlay(): Promise<ReadonlyMap<string, string | null>>;
  /** Where this tree's types come from, said in the report when it is not simply the tree on disk. */
  readonly typesFrom?: string;
  /** Forgets what reads kept, once the patch applied to this tree is audited. */
  release?(): void;
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
    this.realRoot = fs.realpathSync.native(this.root);
    this.description = this.root;
  }

  async read(relativePath: string): Promise<TreeRead> {
    return this.readNow(relativePath);
  }

  /** The index is this tree's own: nothing to overlay. */
  async typeOverlay(): Promise<ReadonlyMap<string, string | null>> {
    return new Map();
  }

  private readNow(relativePath: string): TreeRead {
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

  /**
   * The deepest existing ancestor (or the file) must resolve inside the tree:
   * a symlink may not lead out. The C library's realpath: a dependent search
   * asks it of thousands of files.
   */
  private symlinkEscape(full: string, relativePath: string): string | null {
    let probe = full;
    for (;;) {
      let real: string;
      try {
        real = fs.realpathSync.native(probe);
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

/**
 * Files as they are in one git revision. The type index is the working
 * tree's; `differing` names the files whose text in the working tree may
 * differ from this revision (a superset is harmless). Those are read through
 * the repository's one `git cat-file --batch` process, and the index is
 * overlaid with them; every other file git tracks as a regular file is the
 * same in the working tree, and is read from there.
 */
export class GitRevisionTree implements TreeSource {
  readonly root: string;
  readonly description: string;
  readonly typesFrom: string;
  private overlay: Promise<ReadonlyMap<string, string | null>> | null = null;
  private readonly differingSet: ReadonlySet<string>;

  constructor(
    private readonly repository: GitRepository,
    readonly revision: string,
    private readonly differing: readonly string[],
    /** Files the working tree has as git tracks them (regular files, checked out). */
    private readonly workingTree: { files: ReadonlySet<string>; tree: DiskTree },
  ) {
    this.root = repository.root;
    this.description = `${repository.root} at ${revision}`;
    this.differingSet = new Set(differing);
    const files = this.overlaidFiles().length;
    this.typesFrom = `${revision.slice(0, 12)}: the working tree's index with ${files} file${files === 1 ? '' : 's'} as at ${revision.slice(0, 12)}`;
  }

  async read(relativePath: string): Promise<TreeRead> {
    const lexical = lexicalPathProblem(relativePath);
    if (lexical) return { kind: 'refused', reason: lexical };
    if (relativePath.includes('\n')) return { kind: 'refused', reason: `unsafe path: ${quoted(JSON.stringify(relativePath))} has a line break` };
    if (this.workingTree.files.has(relativePath) && !this.differingSet.has(relativePath)) return this.workingTree.tree.read(relativePath);
    let read = this.fromGit.get(relativePath);
    if (!read) this.fromGit.set(relativePath, (read = this.readFromGit(relativePath)));
    return read;
  }

  /** Reads through cat-file, kept: the files that differ are read for the overlay, then again by the patch or the dependent search. */
  private readonly fromGit = new Map<string, Promise<TreeRead>>();

  private async readFromGit(relativePath: string): Promise<TreeRead> {
    let found: ObjectLookup;
    try {
      found = await this.repository.objects.read(`${this.revision}:${relativePath}`);
    } catch (error) {
      return { kind: 'unreadable', reason: `cannot read '${relativePath}' at ${this.revision}: ${(error as Error).message}` };
    }
    if (found.kind === 'blob') return { kind: 'file', bytes: found.bytes };
    if (found.kind === 'missing') return { kind: 'missing' };
    return { kind: 'refused', reason: `'${relativePath}' is a ${found.type} in ${this.revision}, not a file` };
  }

  typeOverlay(): Promise<ReadonlyMap<string, string | null>> {
    this.overlay ??= this.readOverlay();
    return this.overlay;
  }

  /** A long range has a tree per commit: each lets go of its files once its commit is audited. */
  release(): void {
    this.fromGit.clear();
    this.overlay = null;
  }

  private overlaidFiles(): string[] {
    return this.differing.filter((file) => file.endsWith('.c') || file.endsWith('.h'));
  }

  private async readOverlay(): Promise<ReadonlyMap<string, string | null>> {
    const files = this.overlaidFiles();
    const reads = await Promise.all(files.map((file) => this.read(file)));
    const overlay = new Map<string, string | null>();
    files.forEach((file, i) => {
      const read = reads[i];
      if (read.kind === 'missing') overlay.set(file, null);
      else if (read.kind === 'file' && !read.bytes.includes(0)) overlay.set(file, decodeSource(read.bytes));
    });
    return overlay;
  }
}

/** A source file's text: UTF-8 as it should be, else Latin-1, which keeps every byte so hunks still match. */
export function decodeSource(bytes: Buffer): string {
  return bytes.toString(isUtf8(bytes) ? 'utf8' : 'latin1');
}

/** No tree at all: every file is unknown, and the audit falls back to the hunks. */
export class NoTree implements TreeSource {
  readonly description = 'no tree';
  readonly root = null;

  async read(): Promise<TreeRead> {
    return { kind: 'missing' };
  }

  async typeOverlay(): Promise<ReadonlyMap<string, string | null>> {
    return new Map();
  }
}
