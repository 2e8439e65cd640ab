// The C files of a tree, with what the index compares against its manifest
// (size and mtime; the inode for copies made of hard links). The same choices
// as src/input/walk.ts: .git is skipped, symlinked directories are not
// entered, symlinked files are followed, a file reached twice is listed once
// (under its own path rather than a link's), and whatever cannot be listed or stat'ed is reported. But synchronous: on the
// 6.1 tree, whose inodes are cached on every run but the first, this walk and
// its stats take 0.3 s where walk.ts's asynchronous walk plus a stat of each
// file took 0.85 s, and the walk is most of what a run with nothing to do costs.

import * as fs from 'node:fs';
import type { InputProblem } from '../model';
import { compareBytewise, describeFsError } from '../input/walk';

export interface TreeFile {
  /** Tree-relative, '/'-separated. */
  path: string;
  absolutePath: string;
  size: number;
  mtimeMs: number;
  /** Device and inode: a file with the same ones, size and mtime as a file another tree indexed is that file (a hard-linked copy). */
  dev: number;
  ino: number;
}

export interface TreeDirectoryStat {
  /** Tree-relative ('' for the root). */
  path: string;
  /** Taken before the directory was listed: a later change to its entries changes it. */
  mtimeMs: number;
}

export interface TreeListing {
  /** When the walk began (Date.now()). */
  startedAtMs: number;
  /** Sorted by path. */
  files: TreeFile[];
  /** The directories listed, in the order they were. */
  directories: TreeDirectoryStat[];
  problems: InputProblem[];
}

/** `root` must be canonical (realpath): real paths of files are derived from it. */
export function listTreeFiles(root: string, extensions: readonly string[]): TreeListing {
  const startedAtMs = Date.now();
  const listing = new Listing(root.endsWith('/') ? root : `${root}/`, extensions);
  listing.directory(root, '');
  return { startedAtMs, ...listing.result() };
}

interface Found {
  file: TreeFile;
  throughSymlink: boolean;
}

class Listing {
  private readonly byRealPath = new Map<string, Found>();
  private readonly directories: TreeDirectoryStat[] = [];
  private readonly problems: InputProblem[] = [];

  constructor(
    /** The root, ending in '/'. */
    private readonly base: string,
    private readonly extensions: readonly string[],
  ) {}

  directory(absolutePath: string, treePath: string): void {
    let entries: fs.Dirent[];
    try {
      this.directories.push({ path: treePath, mtimeMs: fs.statSync(absolutePath).mtimeMs });
      entries = fs.readdirSync(absolutePath, { withFileTypes: true });
    } catch (error) {
      this.problem(treePath || '.', `cannot list directory: ${describeFsError(error).reason}`, describeFsError(error).kind);
      return;
    }
    for (const entry of entries) {
      const childPath = treePath ? `${treePath}/${entry.name}` : entry.name;
      const childAbsolute = treePath ? `${absolutePath}/${entry.name}` : this.base + entry.name;
      if (entry.isDirectory()) {
        if (entry.name !== '.git') this.directory(childAbsolute, childPath);
      } else if (!this.hasSourceExtension(entry.name)) {
        continue;
      } else if (entry.isFile()) {
        this.file(childAbsolute, childPath, false);
      } else if (entry.isSymbolicLink()) {
        this.file(childAbsolute, childPath, true);
      } else {
        this.problem(childPath, 'not a regular file', 'not-c-source');
      }
    }
  }

  result(): Omit<TreeListing, 'startedAtMs'> {
    const files = [...this.byRealPath.values()].map((found) => found.file).sort((a, b) => compareBytewise(a.path, b.path));
    return { files, directories: this.directories, problems: this.problems.sort((a, b) => compareBytewise(a.path, b.path)) };
  }

  private file(absolutePath: string, treePath: string, throughSymlink: boolean): void {
    let stats: fs.Stats;
    let realPath = this.base + treePath;
    try {
      stats = fs.statSync(absolutePath);
      if (throughSymlink) realPath = fs.realpathSync(absolutePath);
    } catch (error) {
      const { kind, reason } = describeFsError(error);
      if (!throughSymlink) this.problem(treePath, reason, kind);
      else if (kind === 'missing') this.problem(treePath, `broken symlink to ${readLink(absolutePath)}`, 'missing');
      else this.problem(treePath, `${reason}; it is a symlink to ${readLink(absolutePath)}`, kind);
      return;
    }
    if (stats.isDirectory()) return; // a symlinked directory: not entered
    if (!stats.isFile()) {
      this.problem(treePath, throughSymlink ? 'symlink to something that is not a regular file' : 'not a regular file', 'not-c-source');
      return;
    }
    const file = { path: treePath, absolutePath, size: stats.size, mtimeMs: stats.mtimeMs, dev: stats.dev, ino: stats.ino };
    const found: Found = { file, throughSymlink };
    const existing = this.byRealPath.get(realPath);
    if (!existing || preferred(found, existing)) this.byRealPath.set(realPath, found);
  }

  private hasSourceExtension(name: string): boolean {
    return this.extensions.some((extension) => name.length > extension.length && name.endsWith(extension));
  }

  private problem(treePath: string, reason: string, kind: InputProblem['kind']): void {
    this.problems.push({ path: treePath, kind, reason, analysed: false });
  }
}

function preferred(candidate: Found, existing: Found): boolean {
  if (candidate.throughSymlink !== existing.throughSymlink) return !candidate.throughSymlink;
  return compareBytewise(candidate.file.path, existing.file.path) < 0;
}

function readLink(absolutePath: string): string {
  try {
    return fs.readlinkSync(absolutePath);
  } catch {
    return '?';
  }
}
