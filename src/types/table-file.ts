// One name table file: declarations keyed by indexKey, hashed into buckets,
// so that a reader reads and parses only the bucket of the key it looks up.
// A tree's table is one such file, or two (base and delta: name-table.ts).
//
// Layout (integers little-endian; the header holds the offsets):
//   buckets      per bucket, UTF-8 JSON { "<key>": [[fileIndex, decl], ...], ... }; empty buckets take no bytes
//   bucket dir   Uint32 x (bucketCount + 1): start of each bucket, from offset 0, then the end of the last
//   path dir     Uint32 x (fileCount + 1): start of each file's path, relative to the paths section
//   paths        the tree-relative paths (UTF-8), sorted; a fileIndex indexes them
//   include dir  Uint32 x (fileCount + 1): start of each file's includes, relative to the includes section
//   includes     per file, the JSON of its IncludeDirective[]
//   header       JSON (TableHeader)
//   trailer      Uint32 length of the header, then MAGIC
// The header comes last so that the file is written in one pass (table-writer.ts).

import * as fs from 'node:fs';
import * as crypto from 'node:crypto';
import * as os from 'node:os';
import { Decl, DeclKind, FileFacts, IncludeDirective, indexKey, Located, nameSpaceOf } from './facts';
import { compareBytewise } from '../input/walk';

export const MAGIC = Buffer.from('PANAMES\n', 'latin1');
export const TRAILER_BYTES = 4 + MAGIC.length;
/** Bump when the layout, the bucket hash or the entry encoding changes. */
export const TABLE_FORMAT = 2;

export type DeclCounts = Partial<Record<DeclKind, number>>;
export const DECL_KINDS: readonly DeclKind[] = ['struct', 'union', 'enum', 'enumerator', 'typedef', 'function', 'variable', 'macro', 'calls'];

/**
 * One file's facts, encoded once (in the worker that extracted them) into what
 * tables are made of: each declaration's index key and JSON, as bytes. Bytes
 * and typed arrays, not strings: the facts of a whole tree are 3.4 million
 * declarations, which as strings kept the garbage collector busy for seconds.
 */
export interface EncodedFacts {
  includes: IncludeDirective[];
  /** The declarations' index keys (UTF-8), one after the other. */
  keys: Uint8Array;
  /** Where each key ends in `keys`; it starts where the previous one ends. */
  keyEnds: Uint32Array;
  /** The declarations' JSON (UTF-8), one after the other, in the order of the keys. */
  decls: Uint8Array;
  declEnds: Uint32Array;
  counts: DeclCounts;
}

/** What a delta table is laid over. */
export interface BaseReference {
  tableId: string;
  /** Paths of the base whose declarations the delta hides: changed (the delta has them now) or gone. */
  replaced: string[];
}

export interface TableHeader {
  format: number;
  tableId: string;
  /** Set on a delta table. */
  base?: BaseReference;
  fileCount: number;
  keyCount: number;
  bucketCount: number;
  decls: DeclCounts;
  bucketDir: number;
  pathDir: number;
  paths: number;
  includeDir: number;
  includes: number;
  /** Size of the whole file, to recognise a truncated one. */
  size: number;
}

export function encodeFacts(facts: FileFacts): EncodedFacts {
  const counts: DeclCounts = {};
  for (const decl of facts.decls) counts[decl.kind] = (counts[decl.kind] ?? 0) + 1;
  const keys = packStrings(facts.decls.map((decl) => indexKey(nameSpaceOf(decl.kind), decl.name)));
  const decls = packStrings(facts.decls.map((decl) => JSON.stringify(decl)));
  return { includes: facts.includes, keys: keys.bytes, keyEnds: keys.ends, decls: decls.bytes, declEnds: decls.ends, counts };
}

function packStrings(strings: string[]): { bytes: Uint8Array; ends: Uint32Array } {
  const ends = new Uint32Array(strings.length);
  let end = 0;
  strings.forEach((text, i) => (ends[i] = end += Buffer.byteLength(text)));
  // Not from Buffer's shared pool: a view of a pooled buffer would carry the whole pool through postMessage.
  const bytes = Buffer.allocUnsafeSlow(end);
  bytes.write(strings.join(''));
  return { bytes, ends };
}

export function decodeFacts(encoded: EncodedFacts): FileFacts {
  const text = asBuffer(encoded.decls);
  const decls = Array.from(encoded.declEnds, (end, i) => JSON.parse(text.toString('utf8', i ? encoded.declEnds[i - 1] : 0, end)) as Decl);
  return { decls, includes: encoded.includes };
}

const FNV_OFFSET = 0x811c9dc5;
const FNV_PRIME = 0x01000193;

/** FNV-1a over the key's UTF-8 bytes, modulo the bucket count; part of the format. */
export function bucketOf(key: string, bucketCount: number): number {
  let hash = FNV_OFFSET;
  for (let i = 0; i < key.length; i++) {
    const c = key.charCodeAt(i);
    if (c >= 0x80) return fnv1a(Buffer.from(key, 'utf8'), 0, Buffer.byteLength(key)) % bucketCount;
    hash = Math.imul(hash ^ c, FNV_PRIME);
  }
  return (hash >>> 0) % bucketCount;
}

export function fnv1a(bytes: Uint8Array, start: number, end: number): number {
  let hash = FNV_OFFSET;
  for (let i = start; i < end; i++) hash = Math.imul(hash ^ bytes[i], FNV_PRIME);
  return hash >>> 0;
}

export function newTableId(): string {
  return crypto.randomBytes(8).toString('hex');
}

/**
 * JSON bytes of parsed buckets a reader keeps, least recently used first out.
 * A whole-tree scan touches most buckets; kept forever, they took gigabytes
 * per worker. Parsed, a bucket is a few times its JSON.
 */
export const BUCKET_CACHE_BYTES = 64 * 1024 * 1024;

/** Reads one table file; buckets, paths and includes are read when first needed; buckets are kept up to a budget. */
export class TableFile {
  private readonly bucketDir: Uint32Array;
  /** Parsed buckets in least-recently-used order (a Map iterates in insertion order). */
  private readonly buckets = new Map<number, Map<string, Located[]>>();
  private bucketBytes = 0;
  private bucketCacheBytes = BUCKET_CACHE_BYTES;
  /** Called with the keys of a bucket when it is let go, so that caches built on its arrays let go too. */
  onEvict?: (keys: Iterable<string>) => void;
  private pathDir?: Uint32Array;
  private pathBytes?: Buffer;
  private readonly decodedPaths: string[] = [];
  private includeDir?: Uint32Array;
  private readonly includes = new Map<number, IncludeDirective[]>();
  private fd: number | null;

  private constructor(
    fd: number,
    readonly header: TableHeader,
    readonly path: string,
  ) {
    this.fd = fd;
    this.bucketDir = readUint32s(fd, header.bucketDir, header.bucketCount + 1);
  }

  /** Throws if the file is missing, not a table of this format, or truncated. */
  static open(tablePath: string, options: { bucketCacheBytes?: number } = {}): TableFile {
    const fd = fs.openSync(tablePath, 'r');
    try {
      const table = new TableFile(fd, readHeader(fd, tablePath), tablePath);
      table.bucketCacheBytes = options.bucketCacheBytes ?? BUCKET_CACHE_BYTES;
      return table;
    } catch (error) {
      fs.closeSync(fd);
      throw error;
    }
  }

  /** The inode of the open file, to tell whether the path still names it. */
  get ino(): number {
    return fs.fstatSync(this.openFd()).ino;
  }

  /** Every declaration filed under `key`, in file (path) order; the same array for the same key while its bucket is kept. */
  lookup(key: string): readonly Located[] {
    const b = bucketOf(key, this.header.bucketCount);
    let bucket = this.buckets.get(b);
    if (bucket) {
      this.buckets.delete(b);
    } else {
      bucket = this.readBucket(b);
      this.bucketBytes += this.bucketDir[b + 1] - this.bucketDir[b];
      this.evictOver(this.bucketCacheBytes);
    }
    this.buckets.set(b, bucket);
    return bucket.get(key) ?? [];
  }

  private evictOver(budget: number): void {
    for (const [b, bucket] of this.buckets) {
      if (this.bucketBytes <= budget) return;
      this.buckets.delete(b);
      this.bucketBytes -= this.bucketDir[b + 1] - this.bucketDir[b];
      this.onEvict?.(bucket.keys());
    }
  }

  has(path: string): boolean {
    return this.indexOf(path) !== undefined;
  }

  includesOf(path: string): readonly IncludeDirective[] | undefined {
    const index = this.indexOf(path);
    if (index === undefined) return undefined;
    let includes = this.includes.get(index);
    if (!includes) {
      this.includeDir ??= readUint32s(this.openFd(), this.header.includeDir, this.header.fileCount + 1);
      const start = this.includeDir[index];
      const json = readBytes(this.openFd(), this.header.includes + start, this.includeDir[index + 1] - start);
      this.includes.set(index, (includes = JSON.parse(json.toString('utf8')) as IncludeDirective[]));
    }
    return includes;
  }

  /** The tree-relative paths of the files, sorted. */
  files(): string[] {
    return Array.from({ length: this.header.fileCount }, (_, i) => this.pathAt(i));
  }

  /** Closes the file and lets what was read go; later lookups throw. */
  close(): void {
    if (this.fd !== null) fs.closeSync(this.fd);
    this.fd = null;
    this.buckets.clear();
    this.includes.clear();
    this.pathBytes = undefined;
  }

  /** Decodes one path, not all 55,000: a lookup needs the paths of a few files. */
  private pathAt(index: number): string {
    let decoded = this.decodedPaths[index];
    if (decoded === undefined) {
      const fd = this.openFd();
      this.pathDir ??= readUint32s(fd, this.header.pathDir, this.header.fileCount + 1);
      this.pathBytes ??= readBytes(fd, this.header.paths, this.pathDir[this.header.fileCount]);
      decoded = this.decodedPaths[index] = this.pathBytes.toString('utf8', this.pathDir[index], this.pathDir[index + 1]);
    }
    return decoded;
  }

  /** Binary search: the paths are sorted. */
  private indexOf(path: string): number | undefined {
    let low = 0;
    let high = this.header.fileCount - 1;
    while (low <= high) {
      const middle = (low + high) >>> 1;
      const order = compareBytewise(this.pathAt(middle), path);
      if (order === 0) return middle;
      if (order < 0) low = middle + 1;
      else high = middle - 1;
    }
    return undefined;
  }

  private readBucket(b: number): Map<string, Located[]> {
    const start = this.bucketDir[b];
    const length = this.bucketDir[b + 1] - start;
    const bucket = new Map<string, Located[]>();
    if (length === 0) return bucket;
    const parsed = JSON.parse(readBytes(this.openFd(), start, length).toString('utf8')) as Record<string, [number, Decl][]>;
    for (const key of Object.keys(parsed)) {
      bucket.set(
        key,
        parsed[key].map(([fileIndex, decl]) => {
          // Freshly parsed, so the object can become the Located itself.
          (decl as Located).file = this.pathAt(fileIndex);
          return decl as Located;
        }),
      );
    }
    return bucket;
  }

  private openFd(): number {
    if (this.fd === null) throw new Error(`name table ${this.path} is closed`);
    return this.fd;
  }
}

function readHeader(fd: number, tablePath: string): TableHeader {
  const size = fs.fstatSync(fd).size;
  const notATable = (why: string) => new Error(`${tablePath} is not a usable patch-audit name table: ${why}`);
  if (size < TRAILER_BYTES) throw notATable('too short');
  const trailer = readBytes(fd, size - TRAILER_BYTES, TRAILER_BYTES);
  if (!trailer.subarray(4).equals(MAGIC)) throw notATable('no name table trailer (truncated or another kind of file)');
  const headerLength = trailer.readUInt32LE(0);
  if (headerLength > size - TRAILER_BYTES) throw notATable('header length out of range');
  let header: TableHeader;
  try {
    header = JSON.parse(readBytes(fd, size - TRAILER_BYTES - headerLength, headerLength).toString('utf8')) as TableHeader;
  } catch {
    throw notATable('unreadable header');
  }
  if (header.format !== TABLE_FORMAT) throw notATable(`format ${header.format}, this version reads ${TABLE_FORMAT}`);
  if (header.size !== size) throw notATable(`${size} bytes, the header says ${header.size}`);
  return header;
}

function readBytes(fd: number, position: number, length: number, buffer = Buffer.allocUnsafe(length)): Buffer {
  let done = 0;
  while (done < length) {
    const count = fs.readSync(fd, buffer, done, length - done, position + done);
    if (count === 0) throw new Error(`unexpected end of name table at byte ${position + done}`);
    done += count;
  }
  return buffer;
}

function readUint32s(fd: number, position: number, count: number): Uint32Array {
  // Its own ArrayBuffer at offset 0, so that on a little-endian machine the bytes are the array.
  const bytes = readBytes(fd, position, count * 4, Buffer.allocUnsafeSlow(count * 4));
  if (LITTLE_ENDIAN) return new Uint32Array(bytes.buffer, 0, count);
  return Uint32Array.from({ length: count }, (_, i) => bytes.readUInt32LE(i * 4));
}

const LITTLE_ENDIAN = os.endianness() === 'LE';

export function asBuffer(bytes: Uint8Array): Buffer {
  return Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}
