// The on-disk cache behind the type index of one tree:
//
//   <cacheDir>/index-<key>/<sha1 of the tree root>/
//     manifest.json  every indexed path: size, mtime, content hash (or why it was skipped), and the table's id
//     facts.pack     content hash -> encoded facts, so an unchanged or reverted file is never parsed again
//     names.table    the merged lookup table (name-table.ts)
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
import type { EncodedFacts } from './name-table';

/** Bump when what the extractor produces, or how facts are encoded, changes. */
export const FACTS_SCHEMA_VERSION = 1;

const MANIFEST_FORMAT = 1;
const PACK_MAGIC = Buffer.from('PAFACTS\n', 'latin1');
const HASH_BYTES = 20;

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

/** Why a stored entry could not be indexed, or what went wrong while indexing it (analysed: true). */
export interface ManifestEntry {
  size: number;
  mtimeMs: number;
  /** sha1 of the content; null when the file could not be indexed. */
  hash: string | null;
  problem?: InputProblem;
}

export interface Manifest {
  /** The table built from exactly these entries. */
  tableId: string;
  files: Map<string, ManifestEntry>;
}

type StoredEntry = [path: string, size: number, mtimeMs: number, hash: string | null, problem?: InputProblem];

interface StoredManifest {
  format: number;
  root: string;
  tableId: string;
  files: StoredEntry[];
}

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
    this.manifestPath = path.join(this.directory, 'manifest.json');
    this.packPath = path.join(this.directory, 'facts.pack');
    this.tablePath = path.join(this.directory, 'names.table');
  }

  /** The manifest, or null when there is none or it is unusable (then everything is rebuilt). */
  readManifest(): Manifest | null {
    let stored: StoredManifest;
    try {
      stored = JSON.parse(fs.readFileSync(this.manifestPath, 'utf8')) as StoredManifest;
    } catch {
      return null;
    }
    if (stored.format !== MANIFEST_FORMAT || stored.root !== this.root || !Array.isArray(stored.files)) return null;
    const files = new Map<string, ManifestEntry>();
    for (const [file, size, mtimeMs, hash, problem] of stored.files) {
      files.set(file, problem ? { size, mtimeMs, hash, problem } : { size, mtimeMs, hash });
    }
    return { tableId: stored.tableId, files };
  }

  writeManifest(manifest: Manifest): void {
    this.ensureDirectory();
    const files: StoredEntry[] = [];
    for (const [file, e] of manifest.files) {
      files.push(e.problem ? [file, e.size, e.mtimeMs, e.hash, e.problem] : [file, e.size, e.mtimeMs, e.hash]);
    }
    const stored: StoredManifest = { format: MANIFEST_FORMAT, root: this.root, tableId: manifest.tableId, files };
    writeFileAtomic(this.manifestPath, JSON.stringify(stored));
  }

  /**
   * The facts pack: records of a 20-byte content hash, a Uint32 length and the
   * v8-serialised EncodedFacts. A missing or damaged pack reads as empty (or up
   * to the damage): what is missing is extracted again.
   */
  readPack(): Map<string, EncodedFacts> {
    const pack = new Map<string, EncodedFacts>();
    let fd: number;
    try {
      fd = fs.openSync(this.packPath, 'r');
    } catch {
      return pack;
    }
    try {
      const size = fs.fstatSync(fd).size;
      if (size < PACK_MAGIC.length || !readAt(fd, 0, PACK_MAGIC.length).equals(PACK_MAGIC)) return pack;
      let position = PACK_MAGIC.length;
      const recordHeader = HASH_BYTES + 4;
      while (position + recordHeader <= size) {
        const head = readAt(fd, position, recordHeader);
        const length = head.readUInt32LE(HASH_BYTES);
        if (position + recordHeader + length > size) break;
        pack.set(head.toString('hex', 0, HASH_BYTES), v8.deserialize(readAt(fd, position + recordHeader, length)) as EncodedFacts);
        position += recordHeader + length;
      }
    } catch {
      // A damaged record: keep what came before it.
    } finally {
      fs.closeSync(fd);
    }
    return pack;
  }

  writePack(pack: ReadonlyMap<string, EncodedFacts>): void {
    this.ensureDirectory();
    const out = new AtomicFileWriter(this.packPath);
    try {
      out.write(PACK_MAGIC);
      const head = Buffer.alloc(HASH_BYTES + 4);
      for (const [hash, facts] of pack) {
        const record = v8.serialize(facts);
        head.write(hash, 0, HASH_BYTES, 'hex');
        head.writeUInt32LE(record.length, HASH_BYTES);
        out.write(head);
        out.write(record);
      }
      out.commit();
    } catch (error) {
      out.abandon();
      throw error;
    }
  }

  /** Bytes this tree's cache takes on disk. */
  bytesOnDisk(): number {
    let total = 0;
    for (const file of [this.manifestPath, this.packPath, this.tablePath]) {
      total += fs.statSync(file, { throwIfNoEntry: false })?.size ?? 0;
    }
    return total;
  }

  private ensureDirectory(): void {
    fs.mkdirSync(this.directory, { recursive: true });
  }
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
