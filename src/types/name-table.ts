// The merged declarations of a whole tree, on disk, keyed by indexKey. Every
// process (and worker thread) that types expressions opens it, and each looks
// up only a handful of names, so opening reads a few hundred kilobytes and a
// lookup reads and parses only the bucket its key hashes to.
//
// Layout (integers little-endian; the header holds the offsets):
//   buckets      per bucket, UTF-8 JSON { "<key>": [[fileIndex, decl], ...], ... }; empty buckets take no bytes
//   bucket dir   Uint32 x (bucketCount + 1): start of each bucket, from offset 0, then the end of the last
//   files        JSON array of the tree-relative paths; a fileIndex indexes it
//   include dir  Uint32 x (fileCount + 1): start of each file's includes, relative to the includes section
//   includes     per file, the JSON of its IncludeDirective[]
//   header       JSON (TableHeader)
//   trailer      Uint32 length of the header, then MAGIC
// The header comes last so that the table is written in one pass.

import * as fs from 'node:fs';
import * as crypto from 'node:crypto';
import type { DeclSource } from './decl-source';
import { Decl, DeclKind, FileFacts, IncludeDirective, indexKey, Located, nameSpaceOf } from './facts';
import { compareBytewise } from '../input/walk';
import { AtomicFileWriter } from './atomic-file';

const MAGIC = Buffer.from('PANAMES\n', 'latin1');
const TRAILER_BYTES = 4 + MAGIC.length;
/** Bump when the layout, the bucket hash or the entry encoding changes. */
export const NAME_TABLE_FORMAT = 1;
/** Bucket size the bucket count aims at: reading and parsing a few KB costs tens of microseconds. */
const TARGET_BUCKET_BYTES = 4096;

/** One file's facts, encoded for the table: each declaration's index key and JSON, computed once. */
export interface EncodedFacts {
  includes: IncludeDirective[];
  keys: string[];
  /** JSON of each declaration, parallel to `keys`. */
  decls: string[];
  counts: Partial<Record<DeclKind, number>>;
}

export type DeclCounts = Partial<Record<DeclKind, number>>;

interface TableHeader {
  format: number;
  /** Names this table's contents; the facts cache checks it against its manifest. */
  tableId: string;
  fileCount: number;
  keyCount: number;
  bucketCount: number;
  decls: DeclCounts;
  bucketDir: number;
  files: [offset: number, length: number];
  includeDir: number;
  includes: number;
  /** Size of the whole table, to recognise a truncated file. */
  size: number;
}

export interface TableSummary {
  tableId: string;
  fileCount: number;
  keyCount: number;
  bucketCount: number;
  decls: DeclCounts;
  bytes: number;
}

export function encodeFacts(facts: FileFacts): EncodedFacts {
  const keys: string[] = [];
  const decls: string[] = [];
  const counts: DeclCounts = {};
  for (const decl of facts.decls) {
    keys.push(indexKey(nameSpaceOf(decl.kind), decl.name));
    decls.push(JSON.stringify(decl));
    counts[decl.kind] = (counts[decl.kind] ?? 0) + 1;
  }
  return { includes: facts.includes, keys, decls, counts };
}

export function decodeFacts(encoded: EncodedFacts): FileFacts {
  return { decls: encoded.decls.map((json) => JSON.parse(json) as Decl), includes: encoded.includes };
}

/** FNV-1a over the key's UTF-16 code units; part of the format. */
export function bucketOf(key: string, bucketCount: number): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < key.length; i++) {
    hash ^= key.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  return (hash >>> 0) % bucketCount;
}

export function newTableId(): string {
  return crypto.randomBytes(8).toString('hex');
}

/** Writes the table of these files (tree-relative path -> facts), atomically. */
export function writeNameTable(tablePath: string, files: Map<string, FileFacts>, tableId = newTableId()): TableSummary {
  const paths = [...files.keys()].sort(compareBytewise);
  return writeEncodedNameTable(tablePath, paths.map((p) => [p, encodeFacts(files.get(p)!)] as const), tableId);
}

/** Writes the table of already encoded facts, atomically; a file's index is its position in `files`. */
export function writeEncodedNameTable(
  tablePath: string,
  files: ReadonlyArray<readonly [path: string, facts: EncodedFacts]>,
  tableId: string,
): TableSummary {
  const byKey = new Map<string, string[]>();
  const decls: DeclCounts = {};
  let entryBytes = 0;
  files.forEach(([, facts], fileIndex) => {
    for (let i = 0; i < facts.keys.length; i++) {
      const key = facts.keys[i];
      let list = byKey.get(key);
      if (!list) {
        byKey.set(key, (list = []));
        entryBytes += key.length + 5;
      }
      const entry = `[${fileIndex},${facts.decls[i]}]`;
      list.push(entry);
      entryBytes += entry.length + 1;
    }
    for (const [kind, count] of Object.entries(facts.counts) as [DeclKind, number][]) decls[kind] = (decls[kind] ?? 0) + count;
  });
  const bucketCount = Math.max(1, Math.ceil(entryBytes / TARGET_BUCKET_BYTES));
  const keysByBucket: string[][] = Array.from({ length: bucketCount }, () => []);
  for (const key of byKey.keys()) keysByBucket[bucketOf(key, bucketCount)].push(key);
  const keyCount = byKey.size;

  const out = new AtomicFileWriter(tablePath);
  try {
    const bucketDir = new Uint32Array(bucketCount + 1);
    for (let b = 0; b < bucketCount; b++) {
      bucketDir[b] = checkedUint32(out.position);
      const keys = keysByBucket[b];
      if (keys.length === 0) continue;
      const members = keys.map((key) => `${JSON.stringify(key)}:[${byKey.get(key)!.join(',')}]`);
      out.write(`{${members.join(',')}}`);
      for (const key of keys) byKey.delete(key); // the strings are written: let them go
    }
    bucketDir[bucketCount] = checkedUint32(out.position);
    const bucketDirOffset = out.position;
    out.write(uint32Bytes(bucketDir));

    const filesOffset = out.position;
    out.write(JSON.stringify(files.map(([p]) => p)));
    const filesLength = out.position - filesOffset;

    const includeJson = files.map(([, facts]) => Buffer.from(JSON.stringify(facts.includes)));
    const includeDir = new Uint32Array(files.length + 1);
    let includeOffset = 0;
    includeJson.forEach((json, i) => {
      includeDir[i] = includeOffset;
      includeOffset = checkedUint32(includeOffset + json.length);
    });
    includeDir[files.length] = includeOffset;
    const includeDirOffset = out.position;
    out.write(uint32Bytes(includeDir));
    const includesOffset = out.position;
    for (const json of includeJson) out.write(json);

    const header: TableHeader = {
      format: NAME_TABLE_FORMAT,
      tableId,
      fileCount: files.length,
      keyCount,
      bucketCount,
      decls,
      bucketDir: bucketDirOffset,
      files: [filesOffset, filesLength],
      includeDir: includeDirOffset,
      includes: includesOffset,
      size: 0,
    };
    // The size is in the header it measures: the JSON's length changes only if the digit count does.
    let headerJson = '';
    for (let size = out.position; header.size !== size; ) {
      header.size = size;
      headerJson = JSON.stringify(header);
      size = out.position + Buffer.byteLength(headerJson) + TRAILER_BYTES;
    }
    out.write(headerJson);
    const trailer = Buffer.alloc(TRAILER_BYTES);
    trailer.writeUInt32LE(Buffer.byteLength(headerJson), 0);
    MAGIC.copy(trailer, 4);
    out.write(trailer);
    out.commit();
    return { tableId, fileCount: files.length, keyCount, bucketCount, decls, bytes: header.size };
  } catch (error) {
    out.abandon();
    throw error;
  }
}

/** Reads a name table; buckets are read on demand and kept once parsed. */
export class NameTable implements DeclSource {
  private readonly bucketDir: Uint32Array;
  private readonly buckets = new Map<number, Map<string, Located[]>>();
  private filePaths?: string[];
  private fileIndexes?: Map<string, number>;
  private includeDir?: Uint32Array;
  private readonly includes = new Map<number, IncludeDirective[]>();
  private fd: number | null;

  private constructor(
    fd: number,
    private readonly header: TableHeader,
    readonly path: string,
  ) {
    this.fd = fd;
    this.bucketDir = readUint32s(fd, header.bucketDir, header.bucketCount + 1);
  }

  /** Opens a table; throws if the file is not a name table of this format, or is truncated. */
  static open(tablePath: string): NameTable {
    const fd = fs.openSync(tablePath, 'r');
    try {
      return new NameTable(fd, readHeader(fd, tablePath), tablePath);
    } catch (error) {
      fs.closeSync(fd);
      throw error;
    }
  }

  get tableId(): string {
    return this.header.tableId;
  }

  get fileCount(): number {
    return this.header.fileCount;
  }

  get keyCount(): number {
    return this.header.keyCount;
  }

  /** How many declarations of each kind the table holds. */
  get declCounts(): DeclCounts {
    return { ...this.header.decls };
  }

  /** Every declaration filed under `key`, in file order; the same array for the same key. */
  lookup(key: string): readonly Located[] {
    const b = bucketOf(key, this.header.bucketCount);
    let bucket = this.buckets.get(b);
    if (!bucket) this.buckets.set(b, (bucket = this.readBucket(b)));
    return bucket.get(key) ?? [];
  }

  includesOf(path: string): readonly IncludeDirective[] | undefined {
    this.fileIndexes ??= new Map(this.files().map((p, i) => [p, i]));
    const index = this.fileIndexes.get(path);
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

  /** The tree-relative paths of the indexed files, sorted. */
  files(): readonly string[] {
    if (!this.filePaths) {
      const [offset, length] = this.header.files;
      this.filePaths = JSON.parse(readBytes(this.openFd(), offset, length).toString('utf8')) as string[];
    }
    return this.filePaths;
  }

  /** Closes the file and lets the parsed buckets go; later lookups throw. */
  close(): void {
    if (this.fd !== null) fs.closeSync(this.fd);
    this.fd = null;
    this.buckets.clear();
    this.includes.clear();
  }

  private readBucket(b: number): Map<string, Located[]> {
    const start = this.bucketDir[b];
    const length = this.bucketDir[b + 1] - start;
    const bucket = new Map<string, Located[]>();
    if (length === 0) return bucket;
    const files = this.files();
    const parsed = JSON.parse(readBytes(this.openFd(), start, length).toString('utf8')) as Record<string, [number, Decl][]>;
    for (const key of Object.keys(parsed)) {
      bucket.set(
        key,
        parsed[key].map(([fileIndex, decl]) => {
          // Freshly parsed, so the object can become the Located itself.
          (decl as Located).file = files[fileIndex];
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
  if (header.format !== NAME_TABLE_FORMAT) throw notATable(`format ${header.format}, this version reads ${NAME_TABLE_FORMAT}`);
  if (header.size !== size) throw notATable(`${size} bytes, the header says ${header.size}`);
  return header;
}

function readBytes(fd: number, position: number, length: number): Buffer {
  const buffer = Buffer.allocUnsafe(length);
  let done = 0;
  while (done < length) {
    const count = fs.readSync(fd, buffer, done, length - done, position + done);
    if (count === 0) throw new Error(`unexpected end of name table at byte ${position + done}`);
    done += count;
  }
  return buffer;
}

function readUint32s(fd: number, position: number, count: number): Uint32Array {
  const bytes = readBytes(fd, position, count * 4);
  const values = new Uint32Array(count);
  for (let i = 0; i < count; i++) values[i] = bytes.readUInt32LE(i * 4);
  return values;
}

function uint32Bytes(values: Uint32Array): Buffer {
  const bytes = Buffer.allocUnsafe(values.length * 4);
  for (let i = 0; i < values.length; i++) bytes.writeUInt32LE(values[i], i * 4);
  return bytes;
}

function checkedUint32(value: number): number {
  if (value > 0xffffffff) throw new Error('name table section over 4 GiB: the format cannot address it');
  return value;
}
