// A tree's manifest: every path of the tree with its size, mtime, inode,
// content hash (or why it is not indexed), declaration counts, and whether
// the tree's base name table holds its facts.

import * as fs from 'node:fs';
import * as v8 from 'node:v8';
import type { InputProblem } from '../model';
import { writeFileAtomic } from './atomic-file';
import { DECL_KINDS, DeclCounts } from './table-file';

const MANIFEST_FORMAT = 2;
const HASH_BYTES = 20;

export interface ManifestEntry {
  size: number;
  mtimeMs: number;
  dev: number;
  ino: number;
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
  /** The tree, canonical. */
  root: string;
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
  devs: Float64Array;
  inos: Float64Array;
  /** 20 bytes per path, meaningful where `indexed` is 1. */
  hashes: Uint8Array;
  indexed: Uint8Array;
  inBase: Uint8Array;
  /** DECL_KINDS.length counts per path. */
  decls: Uint32Array;
  problems: [index: number, problem: InputProblem][];
}

export type ManifestRead = { manifest: Manifest } | { manifest: null; damage?: string };

/** The manifest at `file`; none when it is missing; none and why when it is there but unusable. */
export function readManifest(file: string): ManifestRead {
  let bytes: Buffer;
  try {
    bytes = fs.readFileSync(file);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    return code === 'ENOENT' ? { manifest: null } : { manifest: null, damage: `unreadable (${code})` };
  }
  let stored: StoredManifest;
  try {
    stored = v8.deserialize(bytes) as StoredManifest;
  } catch {
    return { manifest: null, damage: 'not readable as a manifest (truncated or damaged)' };
  }
  if (stored?.format !== MANIFEST_FORMAT) return { manifest: null, damage: `format ${String(stored?.format)}, this version reads ${MANIFEST_FORMAT}` };
  const count = stored.paths?.length;
  const columns = [stored.sizes, stored.mtimes, stored.devs, stored.inos, stored.indexed, stored.inBase];
  if (
    !Array.isArray(stored.paths) ||
    typeof stored.root !== 'string' ||
    columns.some((column) => column?.length !== count) ||
    stored.hashes?.length !== count * HASH_BYTES ||
    stored.decls?.length !== count * DECL_KINDS.length ||
    !Array.isArray(stored.problems)
  ) {
    return { manifest: null, damage: 'inconsistent columns' };
  }
  return { manifest: fromStored(stored) };
}

function fromStored(stored: StoredManifest): Manifest {
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
      dev: stored.devs[i],
      ino: stored.inos[i],
      hash: indexed ? hashes.toString('hex', i * HASH_BYTES, (i + 1) * HASH_BYTES) : null,
      decls,
      inBase: stored.inBase[i] === 1,
    };
    const problem = problems.get(i);
    if (problem) entry.problem = problem;
    files.set(file, entry);
  });
  return { root: stored.root, tableId: stored.tableId, baseTableId: stored.baseTableId, files };
}

export function writeManifest(file: string, manifest: Manifest): void {
  const count = manifest.files.size;
  const stored: StoredManifest = {
    format: MANIFEST_FORMAT,
    root: manifest.root,
    tableId: manifest.tableId,
    baseTableId: manifest.baseTableId,
    paths: [...manifest.files.keys()],
    sizes: new Float64Array(count),
    mtimes: new Float64Array(count),
    devs: new Float64Array(count),
    inos: new Float64Array(count),
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
    stored.devs[i] = entry.dev;
    stored.inos[i] = entry.ino;
    if (entry.hash) {
      (stored.hashes as Buffer).write(entry.hash, i * HASH_BYTES, HASH_BYTES, 'hex');
      stored.indexed[i] = 1;
      DECL_KINDS.forEach((kind, k) => (stored.decls[i * DECL_KINDS.length + k] = entry.decls[kind] ?? 0));
    }
    stored.inBase[i] = entry.inBase ? 1 : 0;
    if (entry.problem) stored.problems.push([i, entry.problem]);
    i++;
  }
  writeFileAtomic(file, v8.serialize(stored));
}

/** The content hashes a manifest's files have: what its tree needs from the facts pack. */
export function hashesOf(manifest: Manifest): Set<string> {
  const hashes = new Set<string>();
  for (const entry of manifest.files.values()) if (entry.hash) hashes.add(entry.hash);
  return hashes;
}
