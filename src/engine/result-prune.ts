// Keeps the result caches under a cacheDir within a size: whole caches of
// other keys (older rule or tool versions, other options) go first, least
// recently used first; then the oldest shards of the current one. Each cache
// keeps only its newest few index states.

import * as fs from 'node:fs';
import * as path from 'node:path';

/** Default bound on all result caches of a cacheDir together. */
export const DEFAULT_RESULT_CACHE_BYTES = 1024 ** 3;
const TABLE_STATES_KEPT = 4;

interface SizedFile {
  file: string;
  bytes: number;
  mtimeMs: number;
}

export function pruneResultCaches(cacheDir: string, current: string, maxBytes: number): void {
  try {
    keepNewest(filesUnder(path.join(current, 'tables')), TABLE_STATES_KEPT);
    const others = fs
      .readdirSync(cacheDir, { withFileTypes: true })
      .filter((entry) => entry.isDirectory() && entry.name.startsWith('results-') && path.join(cacheDir, entry.name) !== current)
      .map((entry) => {
        const directory = path.join(cacheDir, entry.name);
        return { directory, bytes: sum(filesUnder(directory)), used: fs.statSync(path.join(directory, 'used'), { throwIfNoEntry: false })?.mtimeMs ?? 0 };
      })
      .sort((a, b) => a.used - b.used);
    const shards = filesUnder(path.join(current, 'shards')).sort((a, b) => a.mtimeMs - b.mtimeMs);
    let total = sum(shards) + sum(filesUnder(path.join(current, 'tables'))) + others.reduce((n, o) => n + o.bytes, 0);
    for (const other of others) {
      if (total <= maxBytes) return;
      fs.rmSync(other.directory, { recursive: true, force: true });
      total -= other.bytes;
    }
    for (const shard of shards) {
      if (total <= maxBytes) return;
      fs.rmSync(shard.file, { force: true });
      total -= shard.bytes;
    }
  } catch {
    // Pruning is housekeeping: another run may be pruning too, or the directory may be gone.
  }
}

function keepNewest(files: SizedFile[], count: number): void {
  for (const old of files.sort((a, b) => b.mtimeMs - a.mtimeMs).slice(count)) fs.rmSync(old.file, { force: true });
}

function filesUnder(directory: string): SizedFile[] {
  const out: SizedFile[] = [];
  let entries: fs.Dirent[];
  try {
    entries = fs.readdirSync(directory, { withFileTypes: true });
  } catch {
    return out;
  }
  for (const entry of entries) {
    const file = path.join(directory, entry.name);
    if (entry.isDirectory()) out.push(...filesUnder(file));
    else {
      const stat = fs.statSync(file, { throwIfNoEntry: false });
      if (stat) out.push({ file, bytes: stat.size, mtimeMs: stat.mtimeMs });
    }
  }
  return out;
}

function sum(files: readonly SizedFile[]): number {
  return files.reduce((n, f) => n + f.bytes, 0);
}
