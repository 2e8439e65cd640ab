// What changed in a tree's type index between two of its tables, in the terms
// the result cache checks a file's recorded look-ups against: the keys whose
// declarations differ, and the files whose view of the #include graph may
// differ. Worked out from the files whose content changed (the manifest's
// hashes) and their facts before and after (the facts pack, by content hash),
// so no other file's look-ups are done again.

import * as v8 from 'node:v8';
import { cacheKey, KeyDirectory } from './facts-cache';
import { PackReader } from './facts-pack';
import { readManifest } from './manifest';
import { decodeFacts } from './table-file';
import { indexKey, nameSpaceOf, type Decl, type FileFacts, type Located } from './facts';
import { lookupKeyHash, RecordedLookups, tallyKey } from './lookup-keys';
import { areaOf, isPrivateToOtherFile } from './visibility';
import * as path from 'node:path';
import type { TypeIndex } from './type-index';

/** A table and the content of each file it was built from. */
export interface IndexState {
  tableId: string;
  /** Indexed files: tree-relative path -> sha1 of the content. */
  files: Map<string, string>;
}

/** A file whose declarations of one key changed, and what bounds how close they can be to another file. */
export interface ChangedSite {
  file: string;
  /** The file may be in another file's #include closure: a header, or a .c file something includes. */
  mayBeIncluded: boolean;
  /** Every version of these declarations is private to their .c file (statics, types, macros). */
  private: boolean;
  /** A call tally, which sums every record whatever its tier: any change counts. */
  tally: boolean;
}

export interface IndexChanges {
  /** By key hash (lookupKeyHash): where declarations of that key differ. */
  keys: Map<number, ChangedSite[]>;
  /** Files whose #include closure may differ: a file that includes one of them, even indirectly, may see other declarations. */
  reach: Set<string>;
}

/** Reads the facts of some contents (by sha1); those it cannot find are left out. */
export type FactsReader = (hashes: readonly string[]) => Map<string, FileFacts>;

/** The index of the tree at `root` as its manifest describes it, and a reader of its facts pack; null when there is no usable manifest. */
export function openIndexState(cacheDir: string, hintFiles: readonly string[], root: string): { state: IndexState; facts: FactsReader } | null {
  const key = new KeyDirectory(cacheDir, cacheKey(hintFiles));
  const { manifest } = readManifest(key.tree(root).manifestPath);
  if (!manifest) return null;
  const files = new Map<string, string>();
  for (const [file, entry] of manifest.files) if (entry.hash) files.set(file, entry.hash);
  const facts: FactsReader = (hashes) => {
    const reader = new PackReader(key.packPath);
    try {
      const decoded = new Map<string, FileFacts>();
      for (const [hash, encoded] of reader.read(hashes).facts) decoded.set(hash, decodeFacts(encoded));
      return decoded;
    } finally {
      reader.close();
    }
  };
  return { state: { tableId: manifest.tableId, files }, facts };
}

/**
 * What differs between two states of one tree's index, or null when it cannot
 * be told (facts of a changed file are no longer in the pack): then anything may have changed.
 */
export function changesBetween(before: IndexState, after: IndexState, facts: FactsReader, index: TypeIndex): IndexChanges | null {
  const changed: [path: string, before: string | undefined, after: string | undefined][] = [];
  for (const [file, hash] of after.files) if (before.files.get(file) !== hash) changed.push([file, before.files.get(file), hash]);
  for (const [file, hash] of before.files) if (!after.files.has(file)) changed.push([file, hash, undefined]);
  const changes: IndexChanges = { keys: new Map(), reach: new Set() };
  if (changed.length === 0) return changes;

  const wanted = changed.flatMap(([, a, b]) => [a, b]).filter((h): h is string => h !== undefined);
  const known = facts(wanted);
  if (wanted.some((hash) => !known.has(hash))) return null;

  const includesChanged = new Set<string>();
  const removed: string[] = [];
  for (const [file, a, b] of changed) {
    const old = a === undefined ? undefined : known.get(a)!;
    const now = b === undefined ? undefined : known.get(b)!;
    const mayBeIncluded = !file.endsWith('.c') || index.filesReaching(new Set([file])).size > 0;
    for (const [key, differ] of keysThatDiffer(file, old, now)) {
      const hash = lookupKeyHash(key);
      let sites = changes.keys.get(hash);
      if (!sites) changes.keys.set(hash, (sites = []));
      sites.push({ file, mayBeIncluded, private: differ.private, tally: differ.tally });
    }
    // A file that appears or goes changes how #include lines resolve, like one whose own lines changed.
    if (!old || !now || JSON.stringify(old.includes) !== JSON.stringify(now.includes)) includesChanged.add(file);
    if (!now) removed.push(file);
  }
  if (includesChanged.size === 0) return changes;
  // Files that included a file now gone do not reach it in the new graph: find them by what their #include lines name.
  const includedRemoved = removed.length ? index.filesNaming(removed) : new Set<string>();
  const starts = new Set([...includesChanged, ...includedRemoved]);
  changes.reach = new Set([...starts, ...index.filesReaching(starts)]);
  return changes;
}

interface KeyDecls {
  text: string;
  /** Every declaration of the key is private to its .c file. */
  private: boolean;
  tally: boolean;
}

/**
 * The keys whose declarations (all their fields, lines included) are not the
 * same in both versions of a file; and for call records, the tally key
 * (tallyKey) when the counts differ.
 */
function keysThatDiffer(file: string, before: FileFacts | undefined, after: FileFacts | undefined): Map<string, { private: boolean; tally: boolean }> {
  const a = declsByKey(file, before);
  const b = declsByKey(file, after);
  const differ = new Map<string, { private: boolean; tally: boolean }>();
  for (const key of new Set([...a.keys(), ...b.keys()])) {
    const [x, y] = [a.get(key), b.get(key)];
    if (x?.text === y?.text) continue;
    differ.set(key, { private: (x?.private ?? true) && (y?.private ?? true), tally: (x ?? y)!.tally });
  }
  return differ;
}

/** Each key's declarations as text, and each call record's counts under its tally key. */
function declsByKey(file: string, facts: FileFacts | undefined): Map<string, KeyDecls> {
  const byKey = new Map<string, KeyDecls>();
  const add = (key: string, text: string, isPrivate: boolean, tally: boolean) => {
    const known = byKey.get(key);
    if (known) {
      known.text += text + '\n';
      known.private &&= isPrivate;
    } else byKey.set(key, { text: text + '\n', private: isPrivate, tally });
  };
  for (const decl of facts?.decls ?? []) {
    const key = indexKey(nameSpaceOf(decl.kind), decl.name);
    add(key, JSON.stringify(decl), isPrivateToOtherFile({ ...decl, file } as Located<Decl>), false);
    if (decl.kind === 'calls') add(tallyKey(key), `${decl.used} ${decl.discarded} ${decl.voided}`, false, true);
  }
  return byKey;
}

/**
 * Whether a file's analysis may see a result of its look-ups change: some
 * key it looked up has a changed declaration that is, or was, at least as
 * close to it as the best one it found (a lower bound of the declaration's
 * tier, as visibility.ts ranks them, without working out include closures),
 * or its own #include closure may have changed.
 */
export function mayHaveChanged(lookups: RecordedLookups, file: string, changes: IndexChanges): boolean {
  if (changes.reach.has(file)) return true;
  for (let i = 0; i < lookups.keys.length; i++) {
    const sites = changes.keys.get(lookups.keys[i]);
    if (!sites) continue;
    const best = lookups.tiers[i];
    for (const site of sites) if (site.tally || closestTier(site, file) <= best) return true;
  }
  return false;
}

/** The closest tier a changed declaration can have for `file` (Infinity: never visible to it). */
function closestTier(site: ChangedSite, file: string): number {
  if (site.file === file) return 0;
  if (site.mayBeIncluded) return 1;
  if (site.private || areaOf(site.file) !== areaOf(file)) return Infinity;
  // 3 for the rest of the tree, 4 for another architecture's folder: 3 bounds both.
  return path.posix.dirname(site.file) === path.posix.dirname(file) ? 2 : 3;
}

const STATE_FORMAT = 1;

export function encodeIndexState(state: IndexState): Buffer {
  const paths = [...state.files.keys()];
  const hashes = Buffer.alloc(paths.length * 20);
  paths.forEach((file, i) => hashes.write(state.files.get(file)!, i * 20, 20, 'hex'));
  return v8.serialize({ format: STATE_FORMAT, tableId: state.tableId, paths, hashes });
}

/** The state, or null when the bytes are not one. */
export function decodeIndexState(bytes: Buffer): IndexState | null {
  try {
    const stored = v8.deserialize(bytes) as { format: number; tableId: string; paths: string[]; hashes: Uint8Array };
    if (stored?.format !== STATE_FORMAT || typeof stored.tableId !== 'string' || !Array.isArray(stored.paths)) return null;
    if (!(stored.hashes instanceof Uint8Array) || stored.hashes.length !== stored.paths.length * 20) return null;
    const hashes = Buffer.from(stored.hashes.buffer, stored.hashes.byteOffset, stored.hashes.byteLength);
    return { tableId: stored.tableId, files: new Map(stored.paths.map((file, i) => [file, hashes.toString('hex', i * 20, (i + 1) * 20)])) };
  } catch {
    return null;
  }
}
