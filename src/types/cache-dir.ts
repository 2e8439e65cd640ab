// Where patch-audit keeps what it can rebuild: the per-tree type indexes.

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
