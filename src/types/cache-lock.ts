// The write lock of a cache key's directory: whoever holds it is the only one
// appending to the facts pack, writing tables and manifests, or pruning there.
// Reading needs no lock (every file is replaced by a rename, or only appended to).
//
// The lock is a file created with link(2), which succeeds for one caller only,
// also over NFS, and appears with its content complete: the holder's pid,
// host, start time and a random token. It is stale when its holder is a
// process of this host that is gone, or when it is older than STALE_AFTER_MS
// (no writer holds it that long; this also frees a lock whose pid was reused
// or whose host is gone). A stale lock is moved aside under a unique name
// first, so two runs breaking it at once cannot both take it.

import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { CacheError, describeError, errorCode } from './cache-dir';

export const STALE_AFTER_MS = 30 * 60 * 1000;
const POLL_MS = { first: 20, most: 500 };
/** How long to wait before saying that the run is waiting. */
const QUIET_WAIT_MS = 2000;

export interface LockOwner {
  pid: number;
  host: string;
  /** Date.now() when taken. */
  since: number;
  token: string;
}

export class CacheLock {
  private constructor(
    readonly path: string,
    readonly owner: LockOwner,
  ) {}

  /** Takes the lock if it is free (or stale); null when someone else holds it. */
  static tryAcquire(lockPath: string): CacheLock | null {
    for (let attempt = 0; attempt < 3; attempt++) {
      const owner: LockOwner = { pid: process.pid, host: os.hostname(), since: Date.now(), token: crypto.randomBytes(8).toString('hex') };
      const staged = `${lockPath}.${owner.token}`;
      try {
        ensureDirectory(path.dirname(lockPath));
        fs.writeFileSync(staged, JSON.stringify(owner));
        fs.linkSync(staged, lockPath);
        return new CacheLock(lockPath, owner);
      } catch (error) {
        if (errorCode(error) !== 'EEXIST') throw new CacheError(`cache lock ${lockPath}: cannot be taken: ${describeError(error)}`);
      } finally {
        fs.rmSync(staged, { force: true });
      }
      const held = readOwner(lockPath);
      if (held && !isStale(held)) return null;
      breakStale(lockPath);
    }
    return null;
  }

  /** Waits for the lock; says once on `notice` that it waits, and for whom. */
  static async acquire(lockPath: string, notice: (message: string) => void): Promise<CacheLock> {
    const started = Date.now();
    let pause = POLL_MS.first;
    let told = false;
    for (;;) {
      const lock = CacheLock.tryAcquire(lockPath);
      if (lock) return lock;
      if (!told && Date.now() - started > QUIET_WAIT_MS) {
        const owner = readOwner(lockPath);
        notice(`waiting for the cache lock ${lockPath}${owner ? `, held by pid ${owner.pid} on ${owner.host} since ${new Date(owner.since).toISOString()}` : ''}`);
        told = true;
      }
      await new Promise((resolve) => setTimeout(resolve, pause));
      pause = Math.min(POLL_MS.most, pause * 2);
    }
  }

  /** Lets the lock go, unless it was broken as stale and someone else has it now. */
  release(): void {
    if (readOwner(this.path)?.token === this.owner.token) fs.rmSync(this.path, { force: true });
  }
}

/** Runs `work` holding the lock. */
export async function withCacheLock<T>(lockPath: string, notice: (message: string) => void, work: () => Promise<T> | T): Promise<T> {
  const lock = await CacheLock.acquire(lockPath, notice);
  try {
    return await work();
  } finally {
    lock.release();
  }
}

function readOwner(lockPath: string): LockOwner | null {
  try {
    const owner = JSON.parse(fs.readFileSync(lockPath, 'utf8')) as LockOwner;
    return typeof owner.pid === 'number' && typeof owner.host === 'string' && typeof owner.since === 'number' ? owner : null;
  } catch {
    return null;
  }
}

function isStale(owner: LockOwner): boolean {
  if (Date.now() - owner.since > STALE_AFTER_MS) return true;
  return owner.host === os.hostname() && !isAlive(owner.pid);
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return errorCode(error) === 'EPERM';
  }
}

/** The key's directory, made again if pruning removed it (its parent, the cache directory, was checked). */
function ensureDirectory(directory: string): void {
  try {
    fs.mkdirSync(directory);
  } catch (error) {
    if (errorCode(error) !== 'EEXIST') throw error;
  }
}

/**
 * Moves a stale lock aside and deletes it. If what was moved is a live lock
 * (another run broke the stale one and took the lock in between), it is put back.
 */
function breakStale(lockPath: string): void {
  const aside = `${lockPath}.stale-${crypto.randomBytes(8).toString('hex')}`;
  try {
    fs.renameSync(lockPath, aside);
  } catch {
    return; // gone already: someone released or broke it
  }
  const moved = readOwner(aside);
  if (moved && !isStale(moved)) {
    try {
      fs.linkSync(aside, lockPath);
    } catch {
      // its holder will find its lock gone on release; nothing better to do
    }
  }
  fs.rmSync(aside, { force: true });
}
