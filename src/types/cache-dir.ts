// Where patch-audit keeps what it can rebuild (the type indexes), and the
// check that the place is usable before any work starts.

import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

/** $PATCH_AUDIT_CACHE_DIR, else $XDG_CACHE_HOME/patch-audit, else ~/.cache/patch-audit. */
export function defaultCacheDir(env: NodeJS.ProcessEnv = process.env): string {
  if (env.PATCH_AUDIT_CACHE_DIR) return path.resolve(env.PATCH_AUDIT_CACHE_DIR);
  // The XDG spec says a relative value is invalid and must be ignored.
  const xdg = env.XDG_CACHE_HOME;
  if (xdg && path.isAbsolute(xdg)) return path.join(xdg, 'patch-audit');
  return path.join(os.homedir(), '.cache', 'patch-audit');
}

/** A cache directory that cannot be used, or a cache that cannot be written: one line, naming the path and the reason. */
export class CacheError extends Error {}

/**
 * Creates the cache directory if needed and checks that files can be
 * created in it; returns its absolute path. Throws CacheError otherwise.
 *
 * The missing directories are created one by one, not with mkdir's
 * `recursive` option: on a path such as /proc/x, where mkdir fails with
 * ENOENT although the parent exists, Node's recursive mkdir never returns.
 */
export function prepareCacheDir(dir: string): string {
  const absolute = path.resolve(dir);
  const fail = (reason: string) => new CacheError(`cache directory ${absolute}: ${reason}`);
  const missing: string[] = [];
  for (let at = absolute; ; at = path.dirname(at)) {
    let stats: fs.Stats | undefined;
    try {
      stats = fs.statSync(at, { throwIfNoEntry: false });
    } catch (error) {
      const code = errorCode(error);
      // ENOTDIR: a component above is a file; the walk up finds it and says so.
      if (code !== 'ENOTDIR') throw fail(`cannot look at ${at}: ${describeError(error)}`);
    }
    if (stats) {
      if (!stats.isDirectory()) throw fail(at === absolute ? 'not a directory' : `${at} is not a directory`);
      break;
    }
    if (path.dirname(at) === at) throw fail(`the root ${at} does not exist`);
    missing.unshift(at);
  }
  for (const directory of missing) {
    try {
      fs.mkdirSync(directory);
    } catch (error) {
      const code = errorCode(error);
      if (code === 'EEXIST' && fs.statSync(directory, { throwIfNoEntry: false })?.isDirectory()) continue; // made by another run
      // ENOENT with the parent in place: a file system such as /proc that takes no new directories.
      const reason = code === 'ENOENT' ? 'the file system does not take new directories there (ENOENT)' : describeError(error);
      throw fail(`cannot create ${directory}: ${reason}`);
    }
  }
  const probe = path.join(absolute, `.probe-${process.pid}-${crypto.randomBytes(4).toString('hex')}`);
  try {
    fs.writeFileSync(probe, '');
  } catch (error) {
    throw fail(`cannot create files in it: ${describeError(error)}`);
  }
  fs.rmSync(probe, { force: true });
  return absolute;
}

export function errorCode(error: unknown): string | undefined {
  return (error as NodeJS.ErrnoException | null)?.code;
}

/** "permission denied (EACCES)": the reason without Node's repetition of the path. */
export function describeError(error: unknown): string {
  const code = errorCode(error);
  const reasons: Record<string, string> = {
    EACCES: 'permission denied',
    EPERM: 'operation not permitted',
    EROFS: 'read-only file system',
    ENOSPC: 'no space left on the device',
    EDQUOT: 'disk quota exceeded',
    ENOENT: 'no such file or directory',
    ENOTDIR: 'a component of the path is not a directory',
    ELOOP: 'too many levels of symbolic links',
    ENAMETOOLONG: 'name too long',
    EIO: 'input/output error',
  };
  if (code && reasons[code]) return `${reasons[code]} (${code})`;
  return code ? `${code}: ${(error as Error).message}` : (error as Error)?.message ?? String(error);
}
