// One name table file: declarations keyed by indexKey in a hash table on
// disk, so that a reader reads and decodes the declarations of the key it
// looks up and nothing else. Readers use positioned reads, so the file's pages
// are held once, in the OS page cache, shared by every worker and every run;
// a worker's heap holds only the keys it decoded. A tree's table is one such
// file, or two (base and delta: name-table.ts).
//
// Layout (integers little-endian; the header holds the offsets):
//   records      per key: Uint32 CRC-32 of the rest of the record, Uint16 key length, the key (UTF-8),
//                then the JSON of [[fileIndex, decl], ...] in file order
//   slots        slotCount (a power of two) x three Uint32: the key's hash (keyHash), the record's offset
//                and length (0: an empty slot). A key's slot is the first, from hash % slotCount on, that
//                is empty or holds its record (linear probing).
//   slot CRCs    Uint32 CRC-32 of each page of slotsPerPage slots (the header says how many)
//   path dir     Uint32 x (fileCount + 1): start of each file's path, relative to the paths section
//   paths        the tree-relative paths (UTF-8), sorted; a fileIndex indexes them
//   include dir  Uint32 x (fileCount + 1): start of each file's includes, relative to the includes section
//   includes     per file: Uint32 CRC-32 of the rest, then the JSON of its IncludeDirective[]
//   header       JSON (TableHeader), with the CRC-32s of the slot CRCs, the path dir and paths, and the include dir
//   trailer      Uint32 length of the header, Uint32 CRC-32 of the header, MAGIC
// The header comes last so that the file is written in one pass (table-writer.ts).
// Every byte a reader uses is checked against a CRC before it is used: a
// damaged table is an error, never wrong declarations.

import * as fs from 'node:fs';
import * as os from 'node:os';
import * as zlib from 'node:zlib';
import { Decl, DeclKind, FileFacts, IncludeDirective, indexKey, Located, nameSpaceOf } from './facts';
import { compareBytewise } from '../input/walk';
import { DecodedCache } from './decoded-cache';

export const MAGIC = Buffer.from('PANAMES\n', 'latin1');
export const TRAILER_BYTES = 8 + MAGIC.length;
/** Bump when the layout, the key hash or the entry encoding changes. */
export const TABLE_FORMAT = 3;
export const SLOT_WORDS = 3;
export const SLOT_BYTES = 4 * SLOT_WORDS;
/**
 * Slots the writer covers with one CRC; a reader reads a page at a time. A
 * probe run rarely leaves its page, and a small page is a small read: with
 * 256 slots a page, reading and checking it took more than the lookup.
 */
export const SLOTS_PER_PAGE = 32;
/** CRC-32, then the key length. */
export const RECORD_HEAD_BYTES = 6;

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
  decls: DeclCounts;
  slotCount: number;
  slotsPerPage: number;
  slots: number;
  slotCrcs: number;
  slotCrcsCrc: number;
  pathDir: number;
  paths: number;
  /** CRC-32 of the path dir and the paths, which lie back to back. */
  pathsCrc: number;
  includeDir: number;
  includeDirCrc: number;
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

/** Whether `bytes[start, end)` are the UTF-8 of `key`, compared without decoding them. */
function keyIs(key: string, bytes: Buffer, start: number, end: number): boolean {
  if (end - start < key.length) return false;
  for (let i = 0; i < key.length; i++) {
    const c = key.charCodeAt(i);
    if (c >= 0x80) return bytes.toString('utf8', start, end) === key;
    if (bytes[start + i] !== c) return false;
  }
  return end - start === key.length;
}

/** FNV-1a over the key's UTF-8 bytes; part of the format. */
export function keyHash(key: string): number {
  let hash = FNV_OFFSET;
  for (let i = 0; i < key.length; i++) {
    const c = key.charCodeAt(i);
    if (c >= 0x80) return fnv1a(Buffer.from(key, 'utf8'), 0, Buffer.byteLength(key));
    hash = Math.imul(hash ^ c, FNV_PRIME);
  }
  return hash >>> 0;
}

export function fnv1a(bytes: Uint8Array, start: number, end: number): number {
  let hash = FNV_OFFSET;
  for (let i = start; i < end; i++) hash = Math.imul(hash ^ bytes[i], FNV_PRIME);
  return hash >>> 0;
}

/** Record bytes whose decoded declarations a reader keeps (decoded, a record is a few times its JSON). */
export const DECODED_CACHE_BYTES = 16 * 1024 * 1024;

/** What a key that is not in the table counts for against the budget: its entry in the cache. */
const MISS_BYTES = 64;

export interface TableOpenOptions {
  /** Record bytes of decoded keys to keep (default DECODED_CACHE_BYTES). */
  cacheBytes?: number;
}

/** Reads one table file; records, paths and includes are read when first needed; decoded keys are kept up to a budget. */
export class TableFile {
  private readonly slotCrcs: Uint32Array;
  private readonly slotMask: number;
  /** Decoded keys, a budget of record bytes' worth. */
  private readonly decoded: DecodedCache;
  private pathDir?: Uint32Array;
  private pathBytes?: Buffer;
  /**
   * A Map, not a sparse array: the first write far past an empty array's end turned it into a
   * dictionary, and that transition made V8 throw away every optimised function that had
   * assumed arrays of its kind never change map (the syntax table's copy among them, in every worker).
   */
  private readonly decodedPaths = new Map<number, string>();
  private includeDir?: Uint32Array;
  /** By path: a scan asks for the same few hundred files' includes over and over. */
  private readonly includes = new Map<string, readonly IncludeDirective[] | undefined>();
  /** Reused for the reads of records, and of slot pages (aligned: its own ArrayBuffer). */
  private scratch = Buffer.allocUnsafe(1 << 16);
  /** One slot page's bytes, and the same bytes as words: every probe reads into them. */
  private readonly slotScratch: Buffer;
  private readonly slotWords: Uint32Array;
  private fd: number | null;

  private constructor(
    fd: number,
    readonly header: TableHeader,
    readonly path: string,
    options: TableOpenOptions,
  ) {
    this.fd = fd;
    this.decoded = new DecodedCache(options.cacheBytes ?? DECODED_CACHE_BYTES);
    this.slotMask = header.slotCount - 1;
    this.slotScratch = Buffer.allocUnsafeSlow(header.slotsPerPage * SLOT_BYTES);
    this.slotWords = uint32sOf(this.slotScratch, header.slotsPerPage * SLOT_WORDS);
    const pages = Math.ceil(header.slotCount / header.slotsPerPage);
    this.slotCrcs = this.checkedUint32s(header.slotCrcs, pages, header.slotCrcsCrc, 'slot CRCs');
  }

  /** Throws if the file is missing, not a table of this format, truncated or damaged. */
  static open(tablePath: string, options: TableOpenOptions = {}): TableFile {
    const fd = fs.openSync(tablePath, 'r');
    try {
      return new TableFile(fd, readHeader(fd, tablePath), tablePath, options);
    } catch (error) {
      fs.closeSync(fd);
      throw error;
    }
  }

  /** The inode of the open file, to tell whether the path still names it. */
  get ino(): number {
    return fs.fstatSync(this.openFd()).ino;
  }

  /** Every declaration filed under `key`, in file (path) order; the same array for the same key while it is kept. */
  lookup(key: string): readonly Located[] {
    const kept = this.decoded.get(key);
    if (kept) return kept;
    const found = this.readKey(key);
    this.decoded.set(key, found.decls, found.bytes);
    return found.decls;
  }

  /** Called with a key when its decoded declarations are let go, so that caches built on them let go too. */
  set onEvict(forget: (key: string) => void) {
    this.decoded.onEvict = forget;
  }

  has(path: string): boolean {
    return this.indexOf(path) !== undefined;
  }

  includesOf(path: string): readonly IncludeDirective[] | undefined {
    if (this.includes.has(path)) return this.includes.get(path);
    const index = this.indexOf(path);
    let includes: IncludeDirective[] | undefined;
    if (index !== undefined) {
      this.includeDir ??= this.checkedUint32s(this.header.includeDir, this.header.fileCount + 1, this.header.includeDirCrc, 'include directory');
      const start = this.header.includes + this.includeDir[index];
      const record = this.read(start, this.includeDir[index + 1] - this.includeDir[index]);
      includes = JSON.parse(this.checkedRecord(record, start, `includes of ${path}`).toString('utf8')) as IncludeDirective[];
    }
    this.includes.set(path, includes);
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
    this.decoded.clear();
    this.includes.clear();
    this.pathBytes = undefined;
  }

  /**
   * Finds the key's record by probing from its home slot; an empty slot ends the search.
   * A worker looks up thousands of keys, a third of them absent: each probe is
   * one read of a slot page and, for a key that is there, one of its record.
   */
  private readKey(key: string): { decls: Located[]; bytes: number } {
    const hash = keyHash(key);
    const { slotCount, slotsPerPage } = this.header;
    for (let slot = hash & this.slotMask, probed = 0; probed < slotCount; ) {
      const page = Math.floor(slot / slotsPerPage);
      const slotsRead = this.readSlotPage(page);
      const words = this.slotWords;
      for (let s = slot - page * slotsPerPage; s < slotsRead && probed < slotCount; s++, slot++, probed++) {
        const length = words[s * SLOT_WORDS + 2];
        if (length === 0) return { decls: [], bytes: MISS_BYTES };
        if (words[s * SLOT_WORDS] !== hash) continue;
        const offset = words[s * SLOT_WORDS + 1];
        const body = this.checkedRecord(this.read(offset, length), offset, `the record of a key`);
        const keyLength = body.readUInt16LE(0);
        if (!keyIs(key, body, 2, 2 + keyLength)) continue;
        return { decls: this.decodeRecord(body.toString('utf8', 2 + keyLength)), bytes: length };
      }
      slot &= this.slotMask;
    }
    return { decls: [], bytes: MISS_BYTES };
  }

  /** Reads one page of slots into slotWords, after checking its CRC; returns how many slots it has. */
  private readSlotPage(page: number): number {
    const first = page * this.header.slotsPerPage;
    const count = Math.min(this.header.slotsPerPage, this.header.slotCount - first);
    const bytes = this.read(this.header.slots + first * SLOT_BYTES, count * SLOT_BYTES, this.slotScratch);
    if (zlib.crc32(bytes) !== this.slotCrcs[page]) throw this.damaged(`slot page ${page} fails its CRC`);
    return count;
  }

  private decodeRecord(json: string): Located[] {
    const entries = JSON.parse(json) as [number, Decl][];
    const decls: Located[] = new Array(entries.length);
    for (let i = 0; i < entries.length; i++) {
      // Freshly parsed, so the object can become the Located itself.
      const decl = entries[i][1] as Located;
      decl.file = this.pathAt(entries[i][0]);
      decls[i] = decl;
    }
    return decls;
  }

  /** A record's bytes after its CRC, once the CRC matches. */
  private checkedRecord(record: Buffer, offset: number, what: string): Buffer {
    if (record.length < 4 || zlib.crc32(record.subarray(4)) !== record.readUInt32LE(0)) {
      throw this.damaged(`${what} at byte ${offset} fails its CRC`);
    }
    return record.subarray(4);
  }

  /** Decodes one path, not all 55,000: a lookup needs the paths of a few files. */
  private pathAt(index: number): string {
    let decoded = this.decodedPaths.get(index);
    if (decoded === undefined) {
      if (index >= this.header.fileCount) throw this.damaged(`file index ${index} out of range`);
      if (!this.pathBytes) {
        // The path dir and the paths lie back to back; one CRC covers both.
        const count = this.header.fileCount + 1;
        const both = readBytes(this.openFd(), this.header.pathDir, this.header.paths - this.header.pathDir, this.path);
        this.pathDir = uint32sOf(both, count);
        const pathsEnd = this.pathDir[this.header.fileCount];
        const paths = readBytes(this.openFd(), this.header.paths, pathsEnd, this.path);
        if (zlib.crc32(paths, zlib.crc32(both)) !== this.header.pathsCrc) throw this.damaged('the paths fail their CRC');
        this.pathBytes = paths;
      }
      decoded = this.pathBytes.toString('utf8', this.pathDir![index], this.pathDir![index + 1]);
      this.decodedPaths.set(index, decoded);
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

  /** Bytes at a position, in a scratch buffer that the next read into it reuses. */
  private read(position: number, length: number, into?: Buffer): Buffer {
    if (position + length > this.header.size) throw this.damaged(`a read past the end (${length} bytes at ${position})`);
    if (!into && length > this.scratch.length) this.scratch = Buffer.allocUnsafe(Math.max(length, 2 * this.scratch.length));
    return readBytes(this.openFd(), position, length, this.path, (into ?? this.scratch).subarray(0, length));
  }

  private checkedUint32s(position: number, count: number, crc: number, what: string): Uint32Array {
    // Its own ArrayBuffer at offset 0, so that on a little-endian machine the bytes are the array.
    const bytes = readBytes(this.openFd(), position, count * 4, this.path, Buffer.allocUnsafeSlow(count * 4));
    if (zlib.crc32(bytes) !== crc) throw this.damaged(`the ${what} fail their CRC`);
    return uint32sOf(bytes, count);
  }

  private damaged(why: string): Error {
    return new Error(`name table ${this.path} is damaged: ${why}`);
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
  const trailer = readBytes(fd, size - TRAILER_BYTES, TRAILER_BYTES, tablePath);
  if (!trailer.subarray(8).equals(MAGIC)) throw notATable('no name table trailer (truncated or another kind of file)');
  const headerLength = trailer.readUInt32LE(0);
  if (headerLength > size - TRAILER_BYTES) throw notATable('header length out of range');
  const headerBytes = readBytes(fd, size - TRAILER_BYTES - headerLength, headerLength, tablePath);
  if (zlib.crc32(headerBytes) !== trailer.readUInt32LE(4)) throw notATable('the header fails its CRC (damaged, or an older format)');
  let header: TableHeader;
  try {
    header = JSON.parse(headerBytes.toString('utf8')) as TableHeader;
  } catch {
    throw notATable('unreadable header');
  }
  if (header.format !== TABLE_FORMAT) throw notATable(`format ${header.format}, this version reads ${TABLE_FORMAT}`);
  if (header.size !== size) throw notATable(`${size} bytes, the header says ${header.size}`);
  if (!(header.slotCount > 0) || (header.slotCount & (header.slotCount - 1)) !== 0) throw notATable(`slot count ${header.slotCount} is not a power of two`);
  if (!Number.isInteger(header.slotsPerPage) || header.slotsPerPage < 1) throw notATable(`${header.slotsPerPage} slots per page`);
  return header;
}

function readBytes(fd: number, position: number, length: number, tablePath: string, buffer: Buffer = Buffer.allocUnsafe(length)): Buffer {
  let done = 0;
  while (done < length) {
    const count = fs.readSync(fd, buffer, done, length - done, position + done);
    if (count === 0) throw new Error(`name table ${tablePath} ends early, at byte ${position + done}`);
    done += count;
  }
  return buffer;
}

const LITTLE_ENDIAN = os.endianness() === 'LE';

/** Uint32 words of little-endian bytes: a view when the machine and the alignment allow, else a copy. */
function uint32sOf(bytes: Buffer, count: number): Uint32Array {
  if (LITTLE_ENDIAN && bytes.byteOffset % 4 === 0) return new Uint32Array(bytes.buffer, bytes.byteOffset, count);
  return Uint32Array.from({ length: count }, (_, i) => bytes.readUInt32LE(i * 4));
}

export function asBuffer(bytes: Uint8Array): Buffer {
  return Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}
