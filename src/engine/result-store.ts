// The result cache on disk, next to the type index:
//
//   <cacheDir>/results-<key>/
//     used                  touched by every run that reads or writes here (for pruning)
//     shards/<dir hash>.v8  the entries of the files of one directory
//     tables/<table id>.v8  which content each indexed file had in that table (index-changes.ts)
//
// Every file is written under a temporary name and renamed into place, and
// carries a checksum of its body: a reader sees a whole file or none, and a
// damaged one reads as missing. Two runs may write the same shard: the last
// rename wins, and what the other one added is analysed again next time.
// Writing is best effort: a cache that cannot be written never fails a scan.

import { createHash, randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as v8 from 'node:v8';
import type { FileAnalysis } from './analyse-file';
import type { RecordedLookups } from '../types/lookup-keys';

export interface FileStat {
  size: number;
  mtimeMs: number;
  ctimeMs: number;
  ino: number;
}

export interface CachedFile {
  absolutePath: string;
  displayPath: string;
  /** The file's stat when it was analysed (or last found unchanged). */
  stat: FileStat;
  /** sha1 of the content analysed. */
  hash: string;
  /** The index table whose facts the analysis looked up ('' without an index). */
  tableId: string;
  /** The keys it looked up, and the tiers found (lookup-keys.ts). */
  lookups: RecordedLookups;
  analysis: StoredAnalysis;
}

/** A file's analysis as a run uses it: the findings through the run's gate (tier-gate.ts). */
export type CachedAnalysis = Omit<FileAnalysis, 'hash' | 'lookups'>;

/**
 * A file's analysis as stored: the findings of every tier, whatever the
 * threshold of the run that stored them, v8-serialised; a run at another
 * --min-confidence reads them back and gates them itself.
 */
export interface StoredAnalysis extends Omit<CachedAnalysis, 'findings'> {
  findings: Uint8Array;
}

const MAGIC = Buffer.from('PARESLT1', 'latin1');
const CHECKSUM_BYTES = 20;

export class ResultStore {
  private readonly shardsDir: string;
  private readonly tablesDir: string;
  private readonly shards = new Map<string, Map<string, CachedFile>>();

  constructor(readonly directory: string) {
    this.shardsDir = path.join(directory, 'shards');
    this.tablesDir = path.join(directory, 'tables');
  }

  /** The cached entry of a file, if any. */
  get(absolutePath: string, displayPath: string): CachedFile | undefined {
    return this.shard(shardOf(absolutePath)).get(entryKey(absolutePath, displayPath));
  }

  /**
   * Writes entries: each shard touched is read again just before, so that
   * entries another run added meanwhile are kept; entries of files that are
   * gone are left out.
   */
  put(entries: readonly CachedFile[]): void {
    const byShard = new Map<string, CachedFile[]>();
    for (const entry of entries) {
      const shard = shardOf(entry.absolutePath);
      let list = byShard.get(shard);
      if (!list) byShard.set(shard, (list = []));
      list.push(entry);
    }
    for (const [shard, list] of byShard) {
      const merged = readShardFile(this.shardFile(shard));
      for (const [key, entry] of merged) if (!fs.existsSync(entry.absolutePath)) merged.delete(key);
      for (const entry of list) merged.set(entryKey(entry.absolutePath, entry.displayPath), entry);
      this.shards.set(shard, merged);
      writeChecked(this.shardFile(shard), v8.serialize([...merged.values()]));
    }
  }

  readTable(tableId: string): Buffer | null {
    return readChecked(path.join(this.tablesDir, `${safeName(tableId)}.v8`));
  }

  writeTable(tableId: string, body: Buffer): void {
    writeChecked(path.join(this.tablesDir, `${safeName(tableId)}.v8`), body);
  }

  hasTable(tableId: string): boolean {
    return fs.existsSync(path.join(this.tablesDir, `${safeName(tableId)}.v8`));
  }

  /** Marks the directory as used now. */
  touch(): void {
    try {
      makeDirectories(this.directory);
      const now = new Date();
      fs.writeFileSync(path.join(this.directory, 'used'), '');
      fs.utimesSync(path.join(this.directory, 'used'), now, now);
    } catch {
      // best effort
    }
  }

  private shard(shard: string): Map<string, CachedFile> {
    let entries = this.shards.get(shard);
    if (!entries) this.shards.set(shard, (entries = readShardFile(this.shardFile(shard))));
    return entries;
  }

  private shardFile(shard: string): string {
    return path.join(this.shardsDir, `${shard}.v8`);
  }
}

/** Files of one directory share a shard: a scan of a folder reads the shards of that folder only. */
function shardOf(absolutePath: string): string {
  return createHash('sha1').update(path.dirname(absolutePath)).digest('hex');
}

function entryKey(absolutePath: string, displayPath: string): string {
  return `${absolutePath}\0${displayPath}`;
}

function safeName(id: string): string {
  return id.replace(/[^A-Za-z0-9_-]/g, '_') || '_';
}

function readShardFile(file: string): Map<string, CachedFile> {
  const entries = new Map<string, CachedFile>();
  const body = readChecked(file);
  if (!body) return entries;
  let stored: unknown;
  try {
    stored = v8.deserialize(body);
  } catch {
    return entries;
  }
  if (!Array.isArray(stored)) return entries;
  for (const entry of stored) if (isCachedFile(entry)) entries.set(entryKey(entry.absolutePath, entry.displayPath), entry);
  return entries;
}

function isCachedFile(value: unknown): value is CachedFile {
  const entry = value as CachedFile | null;
  const analysis = entry?.analysis;
  return (
    typeof entry?.absolutePath === 'string' &&
    typeof entry.displayPath === 'string' &&
    typeof entry.hash === 'string' &&
    typeof entry.tableId === 'string' &&
    entry.lookups?.keys instanceof Uint32Array &&
    entry.lookups.tiers instanceof Uint8Array &&
    entry.lookups.keys.length === entry.lookups.tiers.length &&
    typeof entry.stat?.size === 'number' &&
    typeof entry.stat.mtimeMs === 'number' &&
    typeof entry.stat.ctimeMs === 'number' &&
    typeof entry.stat.ino === 'number' &&
    analysis?.findings instanceof Uint8Array &&
    Array.isArray(analysis.problems) &&
    typeof analysis.bytes === 'number' &&
    typeof analysis.parsed === 'boolean' &&
    typeof analysis.empty === 'boolean'
  );
}

/**
 * mkdir -p, one level at a time: fs.mkdirSync(..., { recursive: true }) spins
 * forever below /proc (and other places where mkdir fails with ENOENT on an
 * existing parent). Throws when a level cannot be made.
 */
function makeDirectories(directory: string): void {
  try {
    fs.mkdirSync(directory);
    return;
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'EEXIST') return;
    const parent = path.dirname(directory);
    if (code !== 'ENOENT' || parent === directory) throw error;
    makeDirectories(parent);
  }
  try {
    fs.mkdirSync(directory);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
  }
}

/** The body of a file written by writeChecked, or null if it is missing or damaged. */
export function readChecked(file: string): Buffer | null {
  let bytes: Buffer;
  try {
    bytes = fs.readFileSync(file);
  } catch {
    return null;
  }
  const head = MAGIC.length + CHECKSUM_BYTES;
  if (bytes.length < head || !bytes.subarray(0, MAGIC.length).equals(MAGIC)) return null;
  const body = bytes.subarray(head);
  const sum = createHash('sha1').update(body).digest();
  return sum.equals(bytes.subarray(MAGIC.length, head)) ? body : null;
}

/** Writes magic, checksum and body under a temporary name, then renames it into place; failures are ignored. */
export function writeChecked(file: string, body: Uint8Array): void {
  const temporary = `${file}.tmp-${process.pid}-${randomBytes(4).toString('hex')}`;
  try {
    makeDirectories(path.dirname(file));
    fs.writeFileSync(temporary, Buffer.concat([MAGIC, createHash('sha1').update(body).digest(), body]));
    fs.renameSync(temporary, file);
  } catch {
    try {
      fs.rmSync(temporary, { force: true });
    } catch {
      // nothing more to do
    }
  }
}
