// Turns the paths given on the command line into the list of C files to analyse.
// Hand-written rather than a walker library because every entry that cannot be
// analysed must come back as an InputProblem instead of being silently skipped.

import * as nodeFs from 'node:fs';
import { Dirent, Stats } from 'node:fs';
import * as path from 'node:path';
import { promisify } from 'node:util';
import { InputProblem, InputProblemKind } from '../model';

export interface SourceFile {
  absolutePath: string;
  /** Relative to cwd when the file is inside cwd, otherwise absolute. */
  displayPath: string;
  size: number;
}

export interface CollectOptions {
  cwd: string;
  /** e.g. ['.c', '.h'] */
  extensions: readonly string[];
}

export interface CollectResult {
  files: SourceFile[];
  problems: InputProblem[];
}

// The callback API, promisified: fs.promises costs about twice as much per call.
const fs = {
  stat: promisify(nodeFs.stat),
  realpath: promisify(nodeFs.realpath),
  readlink: promisify(nodeFs.readlink),
  readdir: (directory: string): Promise<Dirent[]> =>
    new Promise((resolve, reject) =>
      nodeFs.readdir(directory, { withFileTypes: true }, (error, entries) => (error ? reject(error) : resolve(entries))),
    ),
};

/** Enough concurrent readdir calls to keep libuv's thread pool busy without exhausting file descriptors. */
const WALK_CONCURRENCY = 16;

export async function collectSourceFiles(paths: string[], options: CollectOptions): Promise<CollectResult> {
  const walk = new Walk(path.resolve(options.cwd), options.extensions);
  for (const given of paths) walk.addGivenPath(given);
  await walk.finished();
  return walk.result();
}

/** Maps a filesystem error to the problem kind and a reason naming the error code. */
export function describeFsError(error: unknown): { kind: InputProblemKind; reason: string } {
  const code = errorCode(error);
  switch (code) {
    case 'ENOENT':
      return { kind: 'missing', reason: 'no such file or directory (ENOENT)' };
    case 'ENOTDIR':
      return { kind: 'missing', reason: 'a component of the path is not a directory (ENOTDIR)' };
    case 'ELOOP':
      return { kind: 'symlink-loop', reason: 'symbolic link loop: too many levels of symbolic links (ELOOP)' };
    case 'EACCES':
    case 'EPERM':
      return { kind: 'unreadable', reason: `permission denied (${code})` };
    default:
      return { kind: 'unreadable', reason: code ? `${code}: ${errorMessage(error)}` : errorMessage(error) };
  }
}

/** Sorts by the UTF-8 bytes of `key`, using the native string comparison when it gives the same order. */
function sortByBytes<T>(items: T[], key: (item: T) => string): T[] {
  const keyed = items.map((item) => ({ item, key: key(item) }));
  // '<' compares UTF-16 code units, which agrees with byte order unless a surrogate pair is involved.
  const nativeOrderIsByteOrder = keyed.every(({ key }) => !/[\uD800-\uDFFF]/.test(key));
  const compare = nativeOrderIsByteOrder ? (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0) : compareBytewise;
  keyed.sort((a, b) => compare(a.key, b.key));
  return keyed.map(({ item }) => item);
}

/** Orders strings by their UTF-8 bytes (= code point order), unlike `<`, which compares UTF-16 units. */
export function compareBytewise(a: string, b: string): number {
  const length = Math.min(a.length, b.length);
  for (let i = 0; i < length; i++) {
    const x = a.charCodeAt(i);
    const y = b.charCodeAt(i);
    if (x === y) continue;
    if (x < 0xd800 && y < 0xd800) return x - y;
    // Past the equal prefix we are either at the start of a code point in both strings,
    // or inside a surrogate pair whose high halves were equal, so codePointAt is exact.
    return a.codePointAt(i)! - b.codePointAt(i)!;
  }
  return a.length - b.length;
}

interface WalkedPath {
  absolutePath: string;
  displayPath: string;
  /** The path with every symlink resolved; what duplicates are recognised by. */
  realPath: string;
}

interface FoundFile {
  file: SourceFile;
  reachedThroughSymlink: boolean;
}

class Walk {
  private readonly tasks = new BoundedTaskQueue(WALK_CONCURRENCY);
  private readonly filesByRealPath = new Map<string, FoundFile>();
  private readonly problemsByKey = new Map<string, InputProblem>();

  constructor(
    private readonly cwd: string,
    private readonly extensions: readonly string[],
  ) {}

  addGivenPath(given: string): void {
    if (given === '') {
      this.report('', 'missing', 'empty path given');
      return;
    }
    const absolutePath = path.resolve(this.cwd, given);
    this.run(this.displayPathOf(absolutePath), () => this.visitGivenPath(absolutePath));
  }

  finished(): Promise<void> {
    return this.tasks.whenIdle();
  }

  result(): CollectResult {
    const files = sortByBytes([...this.filesByRealPath.values()].map((found) => found.file), (file) => file.displayPath);
    const problems = sortByBytes([...this.problemsByKey.values()], (problem) => `${problem.path}\0${problem.kind}`);
    return { files, problems };
  }

  private async visitGivenPath(absolutePath: string): Promise<void> {
    const displayPath = this.displayPathOf(absolutePath);
    // Paths named explicitly are followed even when they are symlinks to directories.
    const stats = await this.statOrReport(absolutePath, displayPath);
    if (!stats) return;
    const given: WalkedPath = { absolutePath, displayPath, realPath: await fs.realpath(absolutePath) };
    if (stats.isDirectory()) {
      this.run(displayPath, () => this.walkDirectory(given));
    } else if (!stats.isFile()) {
      this.report(displayPath, 'not-c-source', `not a regular file (${fileTypeOf(stats)})`);
    } else if (!this.hasSourceExtension(absolutePath)) {
      this.report(displayPath, 'not-c-source', `not a C source file: only ${this.extensions.join(', ')} files are analysed`);
    } else {
      this.addFile(given, stats.size, false);
    }
  }

  private async walkDirectory(directory: WalkedPath): Promise<void> {
    let entries: Dirent[];
    try {
      entries = await fs.readdir(directory.absolutePath);
    } catch (error) {
      const { kind, reason } = describeFsError(error);
      this.report(directory.displayPath, kind, `cannot list directory: ${reason}`);
      return;
    }
    for (const entry of entries) {
      const name = entry.name;
      if (entry.isDirectory()) {
        if (name === '.git') continue;
        const child = childOf(directory, name);
        this.run(child.displayPath, () => this.walkDirectory(child));
      } else if (!this.hasSourceExtension(name)) {
        continue;
      } else if (entry.isFile()) {
        this.visitRegularFile(childOf(directory, name));
      } else if (entry.isSymbolicLink()) {
        const child = childOf(directory, name);
        this.run(child.displayPath, () => this.visitSymlink(child));
      } else {
        this.report(childOf(directory, name).displayPath, 'not-c-source', `not a regular file (${fileTypeOf(entry)})`);
      }
    }
  }

  /**
   * statSync on purpose: on the kernel tree (55,000 files) async stat() made the walk take 1.0 s instead of 0.6 s,
   * the cost being in queueing work to libuv's thread pool. The file was just listed, so its inode is
   * almost always cached; directory reads, the part that waits on the disk, stay asynchronous and concurrent.
   */
  private visitRegularFile(file: WalkedPath): void {
    let stats: Stats;
    try {
      stats = nodeFs.statSync(file.absolutePath);
    } catch (error) {
      this.run(file.displayPath, () => this.reportStatError(file.absolutePath, file.displayPath, error));
      return;
    }
    // Anything but a file here means the entry was replaced during the walk; skip it.
    if (stats.isFile()) this.addFile(file, stats.size, false);
  }

  /** Symlinked files are followed; symlinked directories are not (like git and find), which also rules out loops. */
  private async visitSymlink(link: WalkedPath): Promise<void> {
    const stats = await this.statOrReport(link.absolutePath, link.displayPath);
    if (!stats || stats.isDirectory()) return;
    if (!stats.isFile()) {
      this.report(link.displayPath, 'not-c-source', `symlink to something that is not a regular file (${fileTypeOf(stats)})`);
      return;
    }
    const realPath = await fs.realpath(link.absolutePath);
    this.addFile({ ...link, realPath }, stats.size, true);
  }

  /** stat() that follows symlinks; failures become problems. */
  private async statOrReport(absolutePath: string, displayPath: string): Promise<Stats | undefined> {
    try {
      return await fs.stat(absolutePath);
    } catch (error) {
      await this.reportStatError(absolutePath, displayPath, error);
      return undefined;
    }
  }

  /** Tells broken symlinks and symlink loops apart from plain missing or unreadable paths. */
  private async reportStatError(absolutePath: string, displayPath: string, error: unknown): Promise<void> {
    const { kind, reason } = describeFsError(error);
    const target = await readLinkTarget(absolutePath);
    if (target === undefined) {
      this.report(displayPath, kind, reason);
    } else if (kind === 'missing') {
      this.report(displayPath, 'missing', `broken symlink to ${target}`);
    } else {
      this.report(displayPath, kind, `${reason}; it is a symlink to ${target}`);
    }
  }

  private addFile(walked: WalkedPath, size: number, reachedThroughSymlink: boolean): void {
    const candidate: FoundFile = {
      file: { absolutePath: walked.absolutePath, displayPath: walked.displayPath, size },
      reachedThroughSymlink,
    };
    const existing = this.filesByRealPath.get(walked.realPath);
    if (!existing || isPreferredName(candidate, existing)) this.filesByRealPath.set(walked.realPath, candidate);
  }

  private hasSourceExtension(name: string): boolean {
    for (const extension of this.extensions) {
      if (name.length > extension.length && name.endsWith(extension)) return true;
    }
    return false;
  }

  private displayPathOf(absolutePath: string): string {
    const relative = path.relative(this.cwd, absolutePath);
    const outside = relative === '..' || relative.startsWith('..' + path.sep) || path.isAbsolute(relative);
    return outside ? absolutePath : relative;
  }

  private report(displayPath: string, kind: InputProblemKind, reason: string): void {
    const problemPath = displayPath === '' ? '.' : displayPath;
    const key = `${kind}\0${problemPath}`;
    if (!this.problemsByKey.has(key)) this.problemsByKey.set(key, { path: problemPath, kind, reason, analysed: false });
  }

  /** Queues a step of the walk; a bug in it is reported against the path instead of aborting the whole walk. */
  private run(displayPath: string, step: () => Promise<void>): void {
    this.tasks.add(async () => {
      try {
        await step();
      } catch (error) {
        this.report(displayPath, 'internal-error', `failed while walking: ${errorMessage(error)}`);
      }
    });
  }
}

/** Keeps the file's own location over a symlink to it, then the smallest name, so the choice is deterministic. */
function isPreferredName(candidate: FoundFile, existing: FoundFile): boolean {
  if (candidate.reachedThroughSymlink !== existing.reachedThroughSymlink) return !candidate.reachedThroughSymlink;
  return compareBytewise(candidate.file.displayPath, existing.file.displayPath) < 0;
}

function childOf(directory: WalkedPath, name: string): WalkedPath {
  return {
    absolutePath: joinPath(directory.absolutePath, name),
    displayPath: joinPath(directory.displayPath, name),
    // Only correct because symlinked directories are never entered during the walk.
    realPath: joinPath(directory.realPath, name),
  };
}

/** path.join without its normalisation cost; '' stands for cwd itself. */
function joinPath(parent: string, name: string): string {
  if (parent === '') return name;
  return parent.endsWith(path.sep) ? parent + name : parent + path.sep + name;
}

async function readLinkTarget(absolutePath: string): Promise<string | undefined> {
  try {
    return await fs.readlink(absolutePath);
  } catch {
    return undefined;
  }
}

function fileTypeOf(entry: Dirent | Stats): string {
  if (entry.isFIFO()) return 'FIFO';
  if (entry.isSocket()) return 'socket';
  if (entry.isCharacterDevice()) return 'character device';
  if (entry.isBlockDevice()) return 'block device';
  if (entry.isDirectory()) return 'directory';
  return 'unknown type';
}

function errorCode(error: unknown): string | undefined {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : undefined;
}

function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** Runs async tasks at most `limit` at a time; tasks may add more tasks. Tasks must not reject. */
class BoundedTaskQueue {
  private readonly pending: Array<() => Promise<void>> = [];
  private active = 0;
  private idleWaiters: Array<() => void> = [];

  constructor(private readonly limit: number) {}

  add(task: () => Promise<void>): void {
    this.pending.push(task);
    this.pump();
  }

  whenIdle(): Promise<void> {
    if (this.active === 0 && this.pending.length === 0) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  private pump(): void {
    while (this.active < this.limit && this.pending.length > 0) {
      // Last in, first out: depth-first, so the pending list stays small on deep trees.
      const task = this.pending.pop()!;
      this.active++;
      void task().finally(() => {
        this.active--;
        this.pump();
      });
    }
    if (this.active === 0 && this.pending.length === 0) {
      const waiters = this.idleWaiters;
      this.idleWaiters = [];
      for (const resolve of waiters) resolve();
    }
  }
}
