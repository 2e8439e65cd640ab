// The facts pack: every file's extracted facts, keyed by the sha1 of its
// content, shared by all the trees indexed with one cache key.
//
// After a magic string, records of: the 20-byte content hash, a Uint32 body
// length, the body's CRC-32, and the body (v8-serialised EncodedFacts).
// Records are only ever appended, or the whole pack rewritten under a new
// inode, and both only by a run that holds the cache lock. A reader keeps the
// file it indexed open, so that its offsets stay true whatever a writer does
// after. When a content hash appears twice, the later record counts.

import * as fs from 'node:fs';
import * as v8 from 'node:v8';
import * as zlib from 'node:zlib';
import { AtomicFileWriter } from './atomic-file';
import type { EncodedFacts } from './table-file';

const MAGIC = Buffer.from('PAFACT2\n', 'latin1');
const HASH_BYTES = 20;
const HEAD_BYTES = HASH_BYTES + 4 + 4;
/** Bytes read at a time while reading heads: a few small records' worth. */
const HEAD_CHUNK = 64 * 1024;

interface RecordPlace {
  /** Where the record's head starts. */
  offset: number;
  /** Head and body. */
  length: number;
}

/** A pack opened for reading: where each record is, read from the record heads alone. */
export class PackReader {
  readonly records = new Map<string, RecordPlace>();
  /** Where the last whole record ends (0: no pack, or no usable one). */
  end = 0;
  /** The file's size when indexed: bytes past `end` are a partial or damaged record. */
  size = 0;
  /** Why the pack could not be read at all (not a pack, unreadable), when it could not. */
  unusable?: string;
  private fd: number | null = null;

  constructor(readonly path: string) {
    try {
      this.fd = fs.openSync(path, 'r');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') this.unusable = `cannot be opened (${(error as NodeJS.ErrnoException).code})`;
      return;
    }
    try {
      this.size = fs.fstatSync(this.fd).size;
      if (this.size === 0) return;
      if (this.size < MAGIC.length || !readAt(this.fd, 0, MAGIC.length).equals(MAGIC)) {
        this.unusable = 'not a facts pack of this version';
        return;
      }
      this.end = MAGIC.length;
      // A read brings in the heads of the next few small records too.
      const chunk = Buffer.allocUnsafe(HEAD_CHUNK);
      let chunkStart = 0;
      let chunkLength = 0;
      for (let at = MAGIC.length; at + HEAD_BYTES <= this.size; ) {
        if (at < chunkStart || at + HEAD_BYTES > chunkStart + chunkLength) {
          chunkStart = at;
          chunkLength = fs.readSync(this.fd, chunk, 0, Math.min(chunk.length, this.size - at), at);
          if (chunkLength < HEAD_BYTES) break;
        }
        const head = at - chunkStart;
        const length = HEAD_BYTES + chunk.readUInt32LE(head + HASH_BYTES);
        if (at + length > this.size) break;
        this.records.set(chunk.toString('hex', head, head + HASH_BYTES), { offset: at, length });
        at += length;
        this.end = at;
      }
    } catch (error) {
      this.unusable = `unreadable (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`;
    }
  }

  has(hash: string): boolean {
    return this.records.has(hash);
  }

  /**
   * The facts of these hashes. A record whose head, checksum or body does not
   * hold up is left out and named in `damaged`; hashes the pack does not have
   * are left out silently.
   */
  read(hashes: Iterable<string>): { facts: Map<string, EncodedFacts>; damaged: string[] } {
    const facts = new Map<string, EncodedFacts>();
    const damaged: string[] = [];
    for (const hash of hashes) {
      const place = this.records.get(hash);
      if (!place || facts.has(hash)) continue;
      const decoded = this.decode(hash, place);
      if (decoded) facts.set(hash, decoded);
      else damaged.push(hash);
    }
    return { facts, damaged };
  }

  close(): void {
    if (this.fd !== null) fs.closeSync(this.fd);
    this.fd = null;
  }

  /** The raw records whose hashes `keep` accepts, in pack order, for a rewrite. */
  *rawRecords(keep: (hash: string) => boolean): Generator<Buffer> {
    if (this.fd === null) return;
    const places = [...this.records].filter(([hash]) => keep(hash)).map(([, place]) => place).sort((a, b) => a.offset - b.offset);
    for (const place of places) yield readAt(this.fd, place.offset, place.length);
  }

  private decode(hash: string, place: RecordPlace): EncodedFacts | null {
    if (this.fd === null) return null;
    try {
      const record = readAt(this.fd, place.offset, place.length);
      return checkedBody(record, hash);
    } catch {
      return null;
    }
  }
}

/** The record's facts if its head names this hash and its body matches its checksum and reads as facts. */
function checkedBody(record: Buffer, hash: string): EncodedFacts | null {
  if (record.toString('hex', 0, HASH_BYTES) !== hash) return null;
  const body = record.subarray(HEAD_BYTES);
  if (record.readUInt32LE(HASH_BYTES) !== body.length || record.readUInt32LE(HASH_BYTES + 4) !== zlib.crc32(body)) return null;
  try {
    const facts = v8.deserialize(body) as unknown;
    return looksLikeFacts(facts) ? facts : null;
  } catch {
    return null;
  }
}

export function packRecord(hash: string, facts: EncodedFacts): Buffer {
  const body = v8.serialize(facts);
  const record = Buffer.allocUnsafe(HEAD_BYTES + body.length);
  record.write(hash, 0, HASH_BYTES, 'hex');
  record.writeUInt32LE(body.length, HASH_BYTES);
  record.writeUInt32LE(zlib.crc32(body), HASH_BYTES + 4);
  body.copy(record, HEAD_BYTES);
  return record;
}

/**
 * Appends records after the last whole one of `reader` (a partial record
 * left by a crash is cut off). Only while holding the cache lock, with a
 * reader opened under it: then nobody else writes the pack.
 */
export function appendToPack(reader: PackReader, added: ReadonlyMap<string, EncodedFacts>): void {
  if (reader.end === 0) {
    rewritePack(reader, () => false, added);
    return;
  }
  if (added.size === 0 && reader.size === reader.end) return;
  const fd = fs.openSync(reader.path, 'r+');
  try {
    fs.ftruncateSync(fd, reader.end);
    let position = reader.end;
    for (const [hash, facts] of added) {
      const record = packRecord(hash, facts);
      for (let done = 0; done < record.length; ) done += fs.writeSync(fd, record, done, record.length - done, position + done);
      position += record.length;
    }
  } finally {
    fs.closeSync(fd);
  }
}

/** Writes a new pack of the reader's records that `keep` accepts, then `added`; under the cache lock. */
export function rewritePack(reader: PackReader, keep: (hash: string) => boolean, added: ReadonlyMap<string, EncodedFacts>): void {
  const out = new AtomicFileWriter(reader.path);
  try {
    out.write(MAGIC);
    for (const record of reader.rawRecords((hash) => keep(hash) && !added.has(hash))) out.write(record);
    for (const [hash, facts] of added) out.write(packRecord(hash, facts));
    out.commit();
  } catch (error) {
    out.abandon();
    throw error;
  }
}

function looksLikeFacts(value: unknown): value is EncodedFacts {
  const facts = value as EncodedFacts | null;
  return (
    Array.isArray(facts?.includes) &&
    facts.keys instanceof Uint8Array &&
    facts.keyEnds instanceof Uint32Array &&
    facts.decls instanceof Uint8Array &&
    facts.declEnds instanceof Uint32Array &&
    facts.declEnds.length === facts.keyEnds.length
  );
}

function readAt(fd: number, position: number, length: number): Buffer {
  const buffer = Buffer.allocUnsafe(length);
  for (let done = 0; done < length; ) {
    const count = fs.readSync(fd, buffer, done, length - done, position + done);
    if (count === 0) throw new Error('unexpected end of file');
    done += count;
  }
  return buffer;
}
