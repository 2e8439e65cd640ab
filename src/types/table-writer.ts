// Writes a name table file (the layout is described in table-file.ts).

import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as zlib from 'node:zlib';
import type { DeclKind, FileFacts } from './facts';
import { AtomicFileWriter } from './atomic-file';
import { compareBytewise } from '../input/walk';
import {
  BaseReference,
  DeclCounts,
  encodeFacts,
  EncodedFacts,
  fnv1a,
  MAGIC,
  RECORD_HEAD_BYTES,
  SLOT_BYTES,
  SLOT_WORDS,
  SLOTS_PER_PAGE,
  TABLE_FORMAT,
  TableHeader,
  TRAILER_BYTES,
} from './table-file';
import { deltaPathOf } from './name-table';

/** Staged bytes per bin (keys binned by hash, to be grouped): a bin is a few dozen keys, told apart by a linear search. */
const TARGET_BIN_BYTES = 4096;
/** Entries staged in memory at a time while writing; more means more passes over the facts. */
const STAGING_BYTES = 256 * 1024 * 1024;
/** Bins are emitted a partition at a time; a partition this size stays in the CPU's caches and TLB. */
const PARTITION_BYTES = 4 * 1024 * 1024;

/** A new table's id: random, so that a reader can tell a rebuilt table from the one it opened. */
export function newTableId(): string {
  return crypto.randomBytes(8).toString('hex');
}

/** Writes a table of these files (tree-relative path -> facts) with no delta, atomically. */
export function writeNameTable(tablePath: string, files: Map<string, FileFacts>, tableId = newTableId()): TableHeader {
  const paths = [...files.keys()].sort(compareBytewise);
  const header = writeTableFile(tablePath, paths.map((p) => [p, encodeFacts(files.get(p)!)] as const), tableId);
  fs.rmSync(deltaPathOf(tablePath), { force: true });
  return header;
}

/**
 * Writes a table file of these files' facts, atomically. `files` must be
 * sorted by path (compareBytewise); a file's index is its position.
 *
 * Entries reach their bins (keys of the same hash modulo the bin count) through staging
 * partitions filled in file order; each partition is then small enough to
 * group by key in the CPU's caches. Visiting entries in key order straight
 * from the facts jumps across all of them: on the 6.1 tree (3.4 million
 * entries, 700 MB) that took 13 s of cache and TLB misses, against about 1 s
 * in file order. The slots are laid out last, once the keys are counted.
 */
export function writeTableFile(
  tablePath: string,
  files: ReadonlyArray<readonly [path: string, facts: EncodedFacts]>,
  tableId: string,
  base?: BaseReference,
): TableHeader {
  for (let i = 1; i < files.length; i++) {
    if (compareBytewise(files[i - 1][0], files[i][0]) >= 0) throw new Error(`table files out of order: ${files[i - 1][0]}, ${files[i][0]}`);
  }
  const decls: DeclCounts = {};
  for (const [, facts] of files) {
    for (const [kind, count] of Object.entries(facts.counts) as [DeclKind, number][]) decls[kind] = (decls[kind] ?? 0) + count;
  }
  const out = new AtomicFileWriter(tablePath);
  try {
    const slots = new SlotList();
    // A bin's records are written together once it is done: until then, out.position is where the bin starts.
    forEachKeyRecord(
      files,
      (hash, _bin, start, end) => slots.add(hash, checkedUint32(out.position + start), end - start),
      (bin) => out.write(bin),
    );
    const slotCount = slotCountFor(slots.length);
    const slotsOffset = out.position;
    const slotBytes = uint32Bytes(slots.layOut(slotCount));
    out.write(slotBytes);
    const pageCrcs = new Uint32Array(Math.ceil(slotCount / SLOTS_PER_PAGE));
    for (let page = 0; page < pageCrcs.length; page++) {
      pageCrcs[page] = zlib.crc32(slotBytes.subarray(page * SLOTS_PER_PAGE * SLOT_BYTES, (page + 1) * SLOTS_PER_PAGE * SLOT_BYTES));
    }
    const slotCrcsOffset = out.position;
    const pageCrcBytes = uint32Bytes(pageCrcs);
    out.write(pageCrcBytes);

    const pathDirOffset = out.position;
    const paths = writeSection(out, files.map(([p]) => Buffer.from(p)));
    const includeDirOffset = out.position;
    const includes = writeSection(out, files.map(([, facts]) => withCrc(Buffer.from(JSON.stringify(facts.includes)))));

    const header: TableHeader = {
      format: TABLE_FORMAT,
      tableId,
      ...(base ? { base } : {}),
      fileCount: files.length,
      keyCount: slots.length,
      decls,
      slotCount,
      slotsPerPage: SLOTS_PER_PAGE,
      slots: slotsOffset,
      slotCrcs: slotCrcsOffset,
      slotCrcsCrc: zlib.crc32(pageCrcBytes),
      pathDir: pathDirOffset,
      paths: paths.itemsAt,
      pathsCrc: paths.crc,
      includeDir: includeDirOffset,
      includeDirCrc: includes.dirCrc,
      includes: includes.itemsAt,
      size: 0,
    };
    // The size is in the header it measures: the JSON's length changes only if the digit count does.
    let headerJson = '';
    for (let size = out.position; header.size !== size; ) {
      header.size = size;
      headerJson = JSON.stringify(header);
      size = out.position + Buffer.byteLength(headerJson) + TRAILER_BYTES;
    }
    const headerBytes = Buffer.from(headerJson);
    out.write(headerBytes);
    const trailer = Buffer.alloc(TRAILER_BYTES);
    trailer.writeUInt32LE(headerBytes.length, 0);
    trailer.writeUInt32LE(zlib.crc32(headerBytes), 4);
    MAGIC.copy(trailer, 8);
    out.write(trailer);
    out.commit();
    return header;
  } catch (error) {
    out.abandon();
    throw error;
  }
}

/**
 * Calls `visit` once per distinct key of the files' declarations with the
 * key's full hash and where its record (layout in table-file.ts) is in
 * `bin`, the records of a few dozen keys; then `binDone` with the bin's
 * records, back to back. Bins come in no particular order; `bin` is only
 * valid during the call.
 */
export function forEachKeyRecord(
  files: ReadonlyArray<readonly [string, EncodedFacts]>,
  visit: (hash: number, bin: Buffer, start: number, end: number) => void,
  binDone: (bin: Buffer) => void = () => {},
): void {
  let entryCount = 0;
  let stagedBytes = 0;
  for (const [, facts] of files) {
    entryCount += facts.keyEnds.length;
    stagedBytes += facts.decls.length + facts.keys.length + (STAGED_HEAD_BYTES + 3) * facts.keyEnds.length;
  }
  const binCount = Math.max(1, Math.ceil(stagedBytes / TARGET_BIN_BYTES));
  const partitionCount = Math.max(1, Math.min(binCount, Math.ceil(stagedBytes / PARTITION_BYTES)));
  const binsPerPartition = Math.ceil(binCount / partitionCount);
  const partitionsPerRound = Math.max(1, Math.floor(STAGING_BYTES / PARTITION_BYTES));
  const hashes = hashesOfKeys(files, entryCount);
  const emitter = new RecordEmitter();
  for (let first = 0; first < partitionCount; first += partitionsPerRound) {
    const end = Math.min(partitionCount, first + partitionsPerRound);
    const stages = stage(files, hashes, binCount, binsPerPartition, first, end, Math.ceil((1.25 * stagedBytes) / partitionCount));
    for (let p = first; p < end; p++) {
      const firstBin = p * binsPerPartition;
      emitter.partition(stages[p - first], firstBin, Math.min(binCount, firstBin + binsPerPartition), visit, binDone);
      stages[p - first] = EMPTY_STAGE; // let it go before the next one is read
    }
  }
}

/** Slots at most this full: a probe for a missing key then reads about six slots. */
const MAX_LOAD = 0.7;

function slotCountFor(keys: number): number {
  let count = 1;
  while (count * MAX_LOAD < keys) count *= 2;
  return count;
}

/** The slots of the records written, in writing order, until they are laid out in a table. */
class SlotList {
  private words = new Uint32Array(SLOT_WORDS * 1024);
  length = 0;

  add(hash: number, offset: number, length: number): void {
    if (SLOT_WORDS * (this.length + 1) > this.words.length) {
      const bigger = new Uint32Array(2 * this.words.length);
      bigger.set(this.words);
      this.words = bigger;
    }
    const at = SLOT_WORDS * this.length++;
    this.words[at] = hash;
    this.words[at + 1] = offset;
    this.words[at + 2] = length;
  }

  /** Each record in the first free slot from its hash on (linear probing). */
  layOut(slotCount: number): Uint32Array {
    const table = new Uint32Array(SLOT_WORDS * slotCount);
    const mask = slotCount - 1;
    for (let i = 0; i < this.length; i++) {
      const hash = this.words[SLOT_WORDS * i];
      let slot = hash & mask;
      while (table[SLOT_WORDS * slot + 2] !== 0) slot = (slot + 1) & mask;
      for (let w = 0; w < SLOT_WORDS; w++) table[SLOT_WORDS * slot + w] = this.words[SLOT_WORDS * i + w];
    }
    return table;
  }
}

/** Writes a directory of the items' offsets, then the items; returns where the items start, the directory's CRC and the CRC of both. */
function writeSection(out: AtomicFileWriter, items: Buffer[]): { itemsAt: number; dirCrc: number; crc: number } {
  const dir = new Uint32Array(items.length + 1);
  items.forEach((item, i) => (dir[i + 1] = checkedUint32(dir[i] + item.length)));
  const dirBytes = uint32Bytes(dir);
  out.write(dirBytes);
  const itemsAt = out.position;
  const dirCrc = zlib.crc32(dirBytes);
  let crc = dirCrc;
  for (const item of items) {
    out.write(item);
    crc = zlib.crc32(item, crc);
  }
  return { itemsAt, dirCrc, crc };
}

/** The bytes with their CRC-32 in front. */
function withCrc(bytes: Buffer): Buffer {
  const record = Buffer.allocUnsafe(4 + bytes.length);
  record.writeUInt32LE(zlib.crc32(bytes), 0);
  bytes.copy(record, 4);
  return record;
}

/*
 * A staged entry, 4-byte aligned: five Uint32 (bin, the key's full hash,
 * key length, file index, declaration length), the key, the declaration JSON,
 * padding.
 */
const STAGED_HEAD_BYTES = 20;

interface Stage {
  bytes: Buffer;
  words: Uint32Array;
  length: number;
}

const EMPTY_STAGE: Stage = newStage(0);

function newStage(bytes: number): Stage {
  // allocUnsafeSlow: its own ArrayBuffer at offset 0, so the Uint32 view is aligned.
  const buffer = Buffer.allocUnsafeSlow((bytes + 3) & ~3);
  return { bytes: buffer, words: new Uint32Array(buffer.buffer, 0, buffer.length >> 2), length: 0 };
}

function stagedLength(at: Stage, offset: number): number {
  const words = at.words;
  return (STAGED_HEAD_BYTES + words[(offset >> 2) + 2] + words[(offset >> 2) + 4] + 3) & ~3;
}

/** The full FNV-1a hash of every entry's key, in file order. */
function hashesOfKeys(files: ReadonlyArray<readonly [string, EncodedFacts]>, entryCount: number): Uint32Array {
  const hashes = new Uint32Array(entryCount);
  let entry = 0;
  for (const [, facts] of files) {
    for (let k = 0; k < facts.keyEnds.length; k++) hashes[entry++] = fnv1a(facts.keys, k ? facts.keyEnds[k - 1] : 0, facts.keyEnds[k]);
  }
  return hashes;
}

/** Copies the entries of partitions [first, end) into one staging buffer each, in file order. */
function stage(
  files: ReadonlyArray<readonly [string, EncodedFacts]>,
  hashes: Uint32Array,
  binCount: number,
  binsPerPartition: number,
  first: number,
  end: number,
  expectedBytes: number,
): Stage[] {
  const stages = Array.from({ length: end - first }, () => newStage(expectedBytes));
  let entry = 0;
  files.forEach(([, facts], fileIndex) => {
    for (let d = 0; d < facts.keyEnds.length; d++, entry++) {
      const bin = hashes[entry] % binCount;
      const partition = Math.floor(bin / binsPerPartition);
      if (partition < first || partition >= end) continue;
      const keyStart = d ? facts.keyEnds[d - 1] : 0;
      const keyLength = facts.keyEnds[d] - keyStart;
      const declStart = d ? facts.declEnds[d - 1] : 0;
      const declLength = facts.declEnds[d] - declStart;
      const size = (STAGED_HEAD_BYTES + keyLength + declLength + 3) & ~3;
      let target = stages[partition - first];
      if (target.length + size > target.bytes.length) target = stages[partition - first] = grown(target, size);
      const at = target.length;
      const word = at >> 2;
      target.words[word] = bin;
      target.words[word + 1] = hashes[entry];
      target.words[word + 2] = keyLength;
      target.words[word + 3] = fileIndex;
      target.words[word + 4] = declLength;
      copyBytes(facts.keys, keyStart, keyLength, target.bytes, at + STAGED_HEAD_BYTES);
      copyBytes(facts.decls, declStart, declLength, target.bytes, at + STAGED_HEAD_BYTES + keyLength);
      target.length = at + size;
    }
  });
  return stages;
}

function grown(stage: Stage, bytes: number): Stage {
  const bigger = newStage(Math.max(2 * stage.bytes.length, stage.length + bytes));
  stage.bytes.copy(bigger.bytes, 0, 0, stage.length);
  bigger.length = stage.length;
  return bigger;
}

/** Byte loop for short runs: Buffer#copy allocates a view per call, which costs more than ~100 bytes of copying. */
function copyBytes(source: Uint8Array, start: number, length: number, target: Buffer, at: number): void {
  if (length > 256) {
    target.set(source.subarray(start, start + length), at);
    return;
  }
  for (let i = 0; i < length; i++) target[at + i] = source[start + i];
}

/** Turns the staged entries of a partition into key records, grouping by key without making strings. */
class RecordEmitter {
  private out = Buffer.allocUnsafe(1 << 16);
  private length = 0;

  /** Calls `visit` for each distinct key of the bins [firstBin, lastBin), and `binDone` after each bin. */
  partition(
    stage: Stage,
    firstBin: number,
    lastBin: number,
    visit: (hash: number, bin: Buffer, start: number, end: number) => void,
    binDone: (bin: Buffer) => void,
  ): void {
    // Entries by bin, a counting sort that keeps file order.
    const binStart = new Uint32Array(lastBin - firstBin + 1);
    let entries = 0;
    for (let at = 0; at < stage.length; at += stagedLength(stage, at), entries++) binStart[stage.words[at >> 2] - firstBin + 1]++;
    for (let b = 0; b < lastBin - firstBin; b++) binStart[b + 1] += binStart[b];
    const next = binStart.slice(0, lastBin - firstBin);
    const byBin = new Uint32Array(entries);
    for (let at = 0; at < stage.length; at += stagedLength(stage, at)) byBin[next[stage.words[at >> 2] - firstBin]++] = at;

    for (let b = 0; b < lastBin - firstBin; b++) {
      const groups = this.group(stage, byBin, binStart[b], binStart[b + 1]);
      for (let g = 0; g < groups; g++) {
        const first = this.groupFirst[g];
        const keyLength = stage.words[(first >> 2) + 2];
        if (keyLength > 0xffff) throw new Error(`index key of ${keyLength} bytes: the name table format holds keys up to 65535 bytes`);
        const start = this.length;
        this.reserve(RECORD_HEAD_BYTES);
        this.out.writeUInt16LE(keyLength, start + 4);
        this.length += RECORD_HEAD_BYTES;
        this.copy(stage.bytes, first + STAGED_HEAD_BYTES, keyLength);
        this.byte(0x5b); // [
        for (let i = this.groupStart[g]; i < this.groupStart[g + 1]; i++) {
          const at = this.ordered[i];
          const word = at >> 2;
          if (i > this.groupStart[g]) this.byte(0x2c); // ,
          this.byte(0x5b);
          this.decimal(stage.words[word + 3]);
          this.byte(0x2c);
          this.copy(stage.bytes, at + STAGED_HEAD_BYTES + stage.words[word + 2], stage.words[word + 4]);
          this.byte(0x5d); // ]
        }
        this.byte(0x5d);
        this.out.writeUInt32LE(zlib.crc32(this.out.subarray(start + 4, this.length)), start);
        visit(stage.words[(first >> 2) + 1], this.out, start, this.length);
      }
      if (groups) binDone(this.out.subarray(0, this.length));
      this.length = 0;
    }
  }

  // Scratch space for one bin, reused: groups are its distinct keys, in order of first appearance.
  private groupHash = new Uint32Array(64);
  private groupFirst = new Uint32Array(64);
  private groupStart = new Uint32Array(65);
  private entryGroup = new Uint32Array(64);
  private ordered = new Uint32Array(64);

  /**
   * Groups the bin's entries (byBin[from, to)) by key; fills groupFirst,
   * groupStart and ordered (the entries group by group, file order within
   * each), and returns the number of groups. A bin holds a few dozen keys,
   * so a linear search by hash, then bytes, beats building key strings.
   */
  private group(stage: Stage, byBin: Uint32Array, from: number, to: number): number {
    const count = to - from;
    if (count + 1 > this.ordered.length) {
      const size = 2 * (count + 1);
      [this.groupHash, this.groupFirst, this.groupStart, this.entryGroup, this.ordered] = [0, 0, 0, 0, 0].map(() => new Uint32Array(size));
    }
    let groups = 0;
    for (let e = 0; e < count; e++) {
      const at = byBin[from + e];
      const hash = stage.words[(at >> 2) + 1];
      let g = 0;
      while (g < groups && !(this.groupHash[g] === hash && sameKey(stage, this.groupFirst[g], at))) g++;
      if (g === groups) {
        this.groupHash[g] = hash;
        this.groupFirst[g] = at;
        this.groupStart[g + 1] = 0;
        groups++;
      }
      this.entryGroup[e] = g;
      this.groupStart[g + 1]++;
    }
    this.groupStart[0] = 0;
    for (let g = 0; g < groups; g++) this.groupStart[g + 1] += this.groupStart[g];
    // groupHash is done with: reuse it as the fill pointers of the counting sort.
    this.groupHash.set(this.groupStart.subarray(0, groups));
    for (let e = 0; e < count; e++) this.ordered[this.groupHash[this.entryGroup[e]]++] = byBin[from + e];
    return groups;
  }

  private byte(value: number): void {
    if (this.length === this.out.length) this.reserve(1);
    this.out[this.length++] = value;
  }

  private decimal(value: number): void {
    this.reserve(10);
    if (value === 0) {
      this.out[this.length++] = 0x30;
      return;
    }
    const start = this.length;
    for (; value > 0; value = Math.floor(value / 10)) this.out[this.length++] = 0x30 + (value % 10);
    for (let i = start, j = this.length - 1; i < j; i++, j--) {
      const digit = this.out[i];
      this.out[i] = this.out[j];
      this.out[j] = digit;
    }
  }

  private copy(source: Uint8Array, start: number, length: number): void {
    this.reserve(length);
    copyBytes(source, start, length, this.out, this.length);
    this.length += length;
  }

  private reserve(bytes: number): void {
    if (this.length + bytes <= this.out.length) return;
    const bigger = Buffer.allocUnsafe(Math.max(2 * this.out.length, this.length + bytes));
    this.out.copy(bigger, 0, 0, this.length);
    this.out = bigger;
  }
}

function sameKey(stage: Stage, a: number, b: number): boolean {
  const length = stage.words[(a >> 2) + 2];
  if (stage.words[(b >> 2) + 2] !== length) return false;
  for (let i = STAGED_HEAD_BYTES; i < STAGED_HEAD_BYTES + length; i++) if (stage.bytes[a + i] !== stage.bytes[b + i]) return false;
  return true;
}

/** Little-endian bytes of the values: the array's own bytes on a little-endian machine. */
function uint32Bytes(values: Uint32Array): Buffer {
  if (LITTLE_ENDIAN) return Buffer.from(values.buffer, values.byteOffset, values.byteLength);
  const bytes = Buffer.allocUnsafe(values.length * 4);
  for (let i = 0; i < values.length; i++) bytes.writeUInt32LE(values[i], i * 4);
  return bytes;
}

const LITTLE_ENDIAN = os.endianness() === 'LE';

function checkedUint32(value: number): number {
  if (value > 0xffffffff) throw new Error('name table section over 4 GiB: the format cannot address it');
  return value;
}
