// The on-disk cache behind the type index of one tree:
//
//   <cacheDir>/index-<key>/<sha1 of the tree root>/
//     manifest.v8    every path: size, mtime, content hash (or why it was skipped), and the table's id
//     facts.pack     content hash -> encoded facts, so content parsed once is not parsed again
//     names.table    the merged lookup table (name-table.ts), and names.table.delta when files changed since
//
// <key> covers everything facts depend on besides the file itself (tool
// version, FACTS_SCHEMA_VERSION, the macro hints), so facts from another
// version or other hints are never reused: they live in another directory.

import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as v8 from 'node:v8';
import type { InputProblem } from '../model';
import { builtinHintsPath } from '../frontend/hints';
import { toolVersion } from '../commands/common';
import { AtomicFileWriter, writeFileAtomic } from './atomic-file';
import { deltaPathOf } from './name-table';
import { DECL_KINDS, DeclCounts, EncodedFacts } from './table-file';

/** Bump when what the extractor produces, or how facts are encoded, changes. */
export const FACTS_SCHEMA_VERSION = 2;

const MANIFEST_FORMAT = 1;
const PACK_MAGIC = Buffer.from('PAFACTS\n', 'latin1');
const HASH_BYTES = 20;
const RECORD_HEAD_BYTES = HASH_BYTES + 4;

export function sha1(data: string | Uint8Array): string {
  return crypto.createHash('sha1').update(data).digest('hex');
}

/** The key of everything facts depend on besides the files: tool version, schema, and the hints' text. */
export function cacheKey(hintFiles: readonly string[]): string {
  const hash = crypto.createHash('sha1');
  hash.update(`patch-audit ${toolVersion()}\0facts schema ${FACTS_SCHEMA_VERSION}\0`);
  for (const file of [builtinHintsPath(), ...hintFiles]) hash.update(fs.readFileSync(file)).update('\0');
  return hash.digest('hex');
}

export interface ManifestEntry {
  size: number;
  mtimeMs: number;
  /** sha1 of the content; null when the file could not be indexed. */
  hash: string | null;
  /** Why the file is not indexed, or what went wrong while indexing it (analysed: true). */
  problem?: InputProblem;
  /** The file's declarations by kind (none when it is not indexed). */
  decls: DeclCounts;
  /** Whether the base table holds these facts of the file (otherwise the delta has them, or it is not indexed). */
  inBase: boolean;
}

export interface Manifest {
  /** The table built from exactly these entries (the delta's id when there is a delta). */
  tableId: string;
  /** The id of the base table file the entries' `inBase` refer to. */
  baseTableId: string;
  files: Map<string, ManifestEntry>;
}

/** Columns, v8-serialised: 55,000 entries load in about 30 ms, against 170 ms as JSON objects. */
interface StoredManifest {
  format: number;
  root: string;
  tableId: string;
  baseTableId: string;
  paths: string[];
  sizes: Float64Array;
  mtimes: Float64Array;
  /** 20 bytes per path, meaningful where `indexed` is 1. */
  hashes: Uint8Array;
  indexed: Uint8Array;
  inBase: Uint8Array;
  /** DECL_KINDS.length counts per path. */
  decls: Uint32Array;
  problems: [index: number, problem: InputProblem][];
}

/** Where each record of the facts pack is, by content hash, and where the last whole record ends. */
export interface PackIndex {
  records: Map<string, { offset: number; length: number }>;
  end: number;
}

export const EMPTY_PACK_INDEX: PackIndex = { records: new Map(), end: 0 };

export class FactsCache {
  readonly directory: string;
  readonly manifestPath: string;
  readonly packPath: string;
  readonly tablePath: string;

  /** `root` must be absolute and canonical (realpath), so one tree has one cache. */
  constructor(
    cacheDir: string,
    key: string,
    readonly root: string,
  ) {
    this.directory = path.join(cacheDir, `index-${key}`, sha1(root));
    this.manifestPath = path.join(this.directory, 'manifest.v8');
    this.packPath = path.join(this.directory, 'facts.pack');
    this.tablePath = path.join(this.directory, 'names.table');
  }

  get deltaPath(): string {
    return deltaPathOf(this.tablePath);
  }

  /** The manifest, or null when there is none or it is unusable (then everything is rebuilt). */
  readManifest(): Manifest | null {
    let stored: StoredManifest;
    try {
      stored = v8.deserialize(fs.readFileSync(this.manifestPath)) as StoredManifest;
    } catch {
      return null;
    }
    if (stored?.format !== MANIFEST_FORMAT || stored.root !== this.root) return null;
    const problems = new Map(stored.problems);
    const hashes = Buffer.from(stored.hashes.buffer, stored.hashes.byteOffset, stored.hashes.byteLength);
    const files = new Map<string, ManifestEntry>();
    const kinds = DECL_KINDS.length;
    stored.paths.forEach((file, i) => {
      const indexed = stored.indexed[i] === 1;
      const decls: DeclCounts = {};
      if (indexed) DECL_KINDS.forEach((kind, k) => stored.decls[i * kinds + k] && (decls[kind] = stored.decls[i * kinds + k]));
      const entry: ManifestEntry = {
        size: stored.sizes[i],
        mtimeMs: stored.mtimes[i],
        hash: indexed ? hashes.toString('hex', i * HASH_BYTES, (i + 1) * HASH_BYTES) : null,
        decls,
        inBase: stored.inBase[i] === 1,
      };
      const problem = problems.get(i);
      if (problem) entry.problem = problem;
      files.set(file, entry);
    });
    return { tableId: stored.tableId, baseTableId: stored.baseTableId, files };
  }

  writeManifest(manifest: Manifest): void {
    this.ensureDirectory();
    const count = manifest.files.size;
    const stored: StoredManifest = {
      format: MANIFEST_FORMAT,
      root: this.root,
      tableId: manifest.tableId,
      baseTableId: manifest.baseTableId,
      paths: [...manifest.files.keys()],
      sizes: new Float64Array(count),
      mtimes: new Float64Array(count),
      hashes: Buffer.alloc(count * HASH_BYTES),
      indexed: new Uint8Array(count),
      inBase: new Uint8Array(count),
      decls: new Uint32Array(count * DECL_KINDS.length),
      problems: [],
    };
    let i = 0;
    for (const entry of manifest.files.values()) {
      stored.sizes[i] = entry.size;
      stored.mtimes[i] = entry.mtimeMs;
      if (entry.hash) {
        (stored.hashes as Buffer).write(entry.hash, i * HASH_BYTES, HASH_BYTES, 'hex');
        stored.indexed[i] = 1;
        DECL_KINDS.forEach((kind, k) => (stored.decls[i * DECL_KINDS.length + k] = entry.decls[kind] ?? 0));
      }
      stored.inBase[i] = entry.inBase ? 1 : 0;
      if (entry.problem) stored.problems.push([i, entry.problem]);
      i++;
    }
    writeFileAtomic(this.manifestPath, v8.serialize(stored));
  }

  /*
   * The facts pack: after a magic string, records of a 20-byte content hash,
   * a Uint32 length and the v8-serialised EncodedFacts. Records are appended;
   * a missing pack reads as empty, a damaged one up to the damage: whatever is
   * missing is extracted again.
   */

  /** Where the pack's records are, from their heads alone (55,000 small reads: about 0.1 s). */
  packIndex(): PackIndex {
    const index: PackIndex = { records: new Map(), end: 0 };
    this.scanPack((hash, offset, length) => {
      index.records.set(hash, { offset, length });
      index.end = offset + length;
      return true;
    });
    return index;
  }

  /** The facts of these hashes, read from the pack (hashes not in `index` are left out). */
  readPackRecords(index: PackIndex, hashes: Iterable<string>): Map<string, EncodedFacts> {
    const found = new Map<string, EncodedFacts>();
    let fd: number | null = null;
    try {
      for (const hash of hashes) {
        const record = index.records.get(hash);
        if (!record || found.has(hash)) continue;
        fd ??= fs.openSync(this.packPath, 'r');
        const facts = decodeRecord(readAt(fd, record.offset, record.length));
        if (facts) found.set(hash, facts);
      }
    } finally {
      if (fd !== null) fs.closeSync(fd);
    }
    return found;
  }

  /** Every record of the pack. */
  readPack(): Map<string, EncodedFacts> {
    const facts = new Map<string, EncodedFacts>();
    this.scanPack((hash, offset, length, fd) => {
      const decoded = decodeRecord(readAt(fd, offset, length));
      if (decoded) facts.set(hash, decoded);
      return decoded !== null;
    });
    return facts;
  }

  /** Appends records after the last whole one (a partial record left by a crash is cut off). */
  appendToPack(index: PackIndex, added: ReadonlyMap<string, EncodedFacts>): void {
    if (index.end === 0) {
      this.rewritePack(added);
      return;
    }
    if (added.size === 0) return;
    const fd = fs.openSync(this.packPath, 'r+');
    try {
      fs.ftruncateSync(fd, index.end);
      let position = index.end;
      for (const [hash, facts] of added) {
        const record = packRecord(hash, facts);
        writeAllAt(fd, record, position);
        position += record.length;
      }
    } finally {
      fs.closeSync(fd);
    }
  }

  /** Writes a new pack holding exactly these facts. */
  rewritePack(facts: ReadonlyMap<string, EncodedFacts>): void {
    this.ensureDirectory();
    const out = new AtomicFileWriter(this.packPath);
    try {
      out.write(PACK_MAGIC);
      for (const [hash, encoded] of facts) out.write(packRecord(hash, encoded));
      out.commit();
    } catch (error) {
      out.abandon();
      throw error;
    }
  }

  /** Calls `visit` with each whole record's hash and body position, until it returns false. */
  private scanPack(visit: (hash: string, offset: number, length: number, fd: number) => boolean): void {
    let fd: number;
    try {
      fd = fs.openSync(this.packPath, 'r');
    } catch {
      return;
    }
    try {
      const size = fs.fstatSync(fd).size;
      if (size < PACK_MAGIC.length || !readAt(fd, 0, PACK_MAGIC.length).equals(PACK_MAGIC)) return;
      for (let position = PACK_MAGIC.length; position + RECORD_HEAD_BYTES <= size; ) {
        const head = readAt(fd, position, RECORD_HEAD_BYTES);
        const length = head.readUInt32LE(HASH_BYTES);
        const body = position + RECORD_HEAD_BYTES;
        if (body + length > size || !visit(head.toString('hex', 0, HASH_BYTES), body, length, fd)) return;
        position = body + length;
      }
    } catch {
      // A damaged pack: what was visited before the damage stands.
    } finally {
      fs.closeSync(fd);
    }
  }

  /** Bytes this tree's cache takes on disk. */
  bytesOnDisk(): number {
    let total = 0;
    for (const file of [this.manifestPath, this.packPath, this.tablePath, this.deltaPath]) {
      total += fs.statSync(file, { throwIfNoEntry: false })?.size ?? 0;
    }
    return total;
  }

  private ensureDirectory(): void {
    fs.mkdirSync(this.directory, { recursive: true });
  }
}

function decodeRecord(body: Buffer): EncodedFacts | null {
  try {
    const facts = v8.deserialize(body) as unknown;
    return looksLikeFacts(facts) ? facts : null;
  } catch {
    return null;
  }
}

function packRecord(hash: string, facts: EncodedFacts): Buffer {
  const body = v8.serialize(facts);
  const record = Buffer.allocUnsafe(RECORD_HEAD_BYTES + body.length);
  record.write(hash, 0, HASH_BYTES, 'hex');
  record.writeUInt32LE(body.length, HASH_BYTES);
  body.copy(record, RECORD_HEAD_BYTES);
  return record;
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

function writeAllAt(fd: number, bytes: Uint8Array, position: number): void {
  for (let done = 0; done < bytes.length; ) done += fs.writeSync(fd, bytes, done, bytes.length - done, position + done);
}
