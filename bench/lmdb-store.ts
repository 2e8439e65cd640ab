// The name table as an LMDB environment, for store-bench.ts: the same keys and
// the same per-key JSON records as the flat table (table-file.ts), in LMDB's
// memory-mapped B+tree instead of our own hash table. Sub-databases:
//   decls     index key -> JSON [[fileIndex, decl], ...]
//   paths     fileIndex -> tree-relative path
//   includes  path -> JSON of its IncludeDirective[]
// A refresh rewrites the records of the changed files' keys in place, in one
// write transaction.

import * as fs from 'node:fs';
import { open, RootDatabase, Database } from 'lmdb';
import { DecodedCache } from '../src/types/decoded-cache';
import type { Decl, IncludeDirective, Located } from '../src/types/facts';
import { asBuffer, DECODED_CACHE_BYTES, EncodedFacts, RECORD_HEAD_BYTES } from '../src/types/table-file';
import { forEachKeyRecord } from '../src/types/table-writer';

type Files = ReadonlyArray<readonly [path: string, facts: EncodedFacts]>;

interface Env {
  root: RootDatabase;
  decls: Database<Buffer, string>;
  paths: Database<string, number>;
  includes: Database<Buffer, string>;
}

function openEnv(location: string, readOnly: boolean): Env {
  // No fsync, like the flat table's writer: both compare writing, not the disk's flush.
  const root = open({ path: location, maxDbs: 4, noSync: true, readOnly, compression: false });
  return {
    root,
    decls: root.openDB<Buffer, string>({ name: 'decls', encoding: 'binary' }),
    paths: root.openDB<string, number>({ name: 'paths', encoding: 'string' }),
    includes: root.openDB<Buffer, string>({ name: 'includes', encoding: 'binary' }),
  };
}

/** Writes a new environment of these files (sorted by path), replacing any at `location`. */
export function writeLmdbTable(location: string, files: Files): void {
  for (const old of [location, `${location}-lock`]) fs.rmSync(old, { force: true });
  const env = openEnv(location, false);
  try {
    env.root.transactionSync(() => {
      forEachKeyRecord(files, (_hash, bin, start, end) => {
        const keyEnd = start + RECORD_HEAD_BYTES + bin.readUInt16LE(start + 4);
        env.decls.putSync(bin.toString('utf8', start + RECORD_HEAD_BYTES, keyEnd), bin.subarray(keyEnd, end));
      });
      files.forEach(([file, facts], index) => {
        env.paths.putSync(index, file);
        env.includes.putSync(file, Buffer.from(JSON.stringify(facts.includes)));
      });
    });
  } finally {
    env.root.close();
  }
}

/**
 * Replaces the facts of files already in the environment: each key they had
 * or have now loses their old entries and gets their new ones, in place.
 */
export function refreshLmdbTable(location: string, changed: ReadonlyArray<readonly [path: string, before: EncodedFacts, after: EncodedFacts]>): void {
  const env = openEnv(location, false);
  try {
    const indexOf = new Map<string, number>();
    for (const { key, value } of env.paths.getRange()) indexOf.set(value, key);
    env.root.transactionSync(() => {
      for (const [file, before, after] of changed) {
        const fileIndex = indexOf.get(file);
        if (fileIndex === undefined) throw new Error(`${file} is not in the LMDB table`);
        const added = declsByKey(after);
        for (const key of new Set([...declsByKey(before).keys(), ...added.keys()])) {
          const stored = env.decls.getBinary(key);
          const entries = stored ? (JSON.parse(stored.toString('utf8')) as [number, Decl][]).filter(([i]) => i !== fileIndex) : [];
          for (const decl of added.get(key) ?? []) entries.push([fileIndex, JSON.parse(decl) as Decl]);
          entries.sort((a, b) => a[0] - b[0]); // stable: a file's own declarations keep their order
          if (entries.length) env.decls.putSync(key, Buffer.from(JSON.stringify(entries)));
          else env.decls.removeSync(key);
        }
        env.includes.putSync(file, Buffer.from(JSON.stringify(after.includes)));
      }
    });
  } finally {
    env.root.close();
  }
}

function declsByKey(facts: EncodedFacts): Map<string, string[]> {
  const keys = asBuffer(facts.keys);
  const decls = asBuffer(facts.decls);
  const byKey = new Map<string, string[]>();
  for (let i = 0; i < facts.keyEnds.length; i++) {
    const key = keys.toString('utf8', i ? facts.keyEnds[i - 1] : 0, facts.keyEnds[i]);
    let list = byKey.get(key);
    if (!list) byKey.set(key, (list = []));
    list.push(decls.toString('utf8', i ? facts.declEnds[i - 1] : 0, facts.declEnds[i]));
  }
  return byKey;
}

/** Reads the environment like NameTable reads a table: decoded keys kept up to the same budget. */
export class LmdbTable {
  private readonly env: Env;
  private readonly decoded = new DecodedCache(DECODED_CACHE_BYTES);
  private readonly pathOf: string[] = [];
  private readonly includes = new Map<string, IncludeDirective[] | undefined>();

  constructor(location: string) {
    this.env = openEnv(location, true);
  }

  lookup(key: string): readonly Located[] {
    const kept = this.decoded.get(key);
    if (kept) return kept;
    // A view of the mapped page (valid until the next read): decoded at once.
    const bytes = this.env.decls.getBinaryFast(key);
    const entries = bytes ? (JSON.parse(bytes.toString('utf8')) as [number, Decl][]) : [];
    const decls = entries.map(([i, decl]) => {
      (decl as Located).file = this.path(i);
      return decl as Located;
    });
    this.decoded.set(key, decls, Math.max(64, bytes?.length ?? 0));
    return decls;
  }

  includesOf(file: string): readonly IncludeDirective[] | undefined {
    if (!this.includes.has(file)) {
      const bytes = this.env.includes.getBinaryFast(file);
      this.includes.set(file, bytes ? (JSON.parse(bytes.toString('utf8')) as IncludeDirective[]) : undefined);
    }
    return this.includes.get(file);
  }

  close(): void {
    this.env.root.close();
  }

  private path(index: number): string {
    return (this.pathOf[index] ??= this.env.paths.get(index)!);
  }
}
