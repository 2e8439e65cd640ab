// The three name table stores store-bench.ts compares, behind one interface:
//   json  the JSON-bucket table of format 2, from a build of the commit before format 3 (--json-dist)
//   flat  this build's table: an on-disk hash table of per-key records (table-file.ts)
//   lmdb  the same records in an LMDB environment (lmdb-store.ts)
// json and flat refresh by writing a delta table laid over the base; lmdb rewrites records in place.

import * as fs from 'node:fs';
import * as path from 'node:path';
import type { IncludeDirective, Located } from '../src/types/facts';
import type { EncodedFacts } from '../src/types/table-file';
import { compareBytewise } from '../src/input/walk';
import { LmdbTable, refreshLmdbTable, writeLmdbTable } from './lmdb-store';

export type Files = ReadonlyArray<readonly [path: string, facts: EncodedFacts]>;
export type Changed = ReadonlyArray<readonly [path: string, before: EncodedFacts, after: EncodedFacts]>;
export const VARIANT_NAMES = ['json', 'flat', 'lmdb'] as const;
export type VariantName = (typeof VARIANT_NAMES)[number];

export interface StoreReader {
  lookup(key: string): readonly Located[];
  includesOf(path: string): readonly IncludeDirective[] | undefined;
  close(): void;
}

export interface StoreVariant {
  name: VariantName;
  /** Writes the whole table at `location` (LMDB adds a lock file beside it). */
  writeBase(location: string, files: Files): void;
  /** Brings the table at `location` up to date after these files changed. */
  refresh(location: string, changed: Changed): void;
  open(location: string): StoreReader;
  /** The files the store consists of. */
  filesAt(location: string): string[];
}

/** The modules of a build that has name-table.ts and table-writer.ts with today's signatures. */
interface LayeredModules {
  NameTable: { open(file: string): StoreReader & { baseTableId: string } };
  deltaPathOf(file: string): string;
  writeTableFile(file: string, files: Files, tableId: string, base?: { tableId: string; replaced: string[] }): unknown;
  newTableId(): string;
}

/** A store of base and delta table files, as written and read by the build in `distDir`. */
function layeredTable(name: VariantName, distDir: string): StoreVariant {
  const load = (module: string) => require(path.join(distDir, 'src', 'types', module)) as Partial<LayeredModules>;
  const modules = { ...load('name-table.js'), ...load('table-writer.js'), ...load('table-file.js') } as LayeredModules;
  return {
    name,
    writeBase(location, files) {
      modules.writeTableFile(location, files, modules.newTableId());
      fs.rmSync(modules.deltaPathOf(location), { force: true });
    },
    refresh(location, changed) {
      const table = modules.NameTable.open(location);
      const baseTableId = table.baseTableId;
      table.close();
      const sorted = [...changed].sort((a, b) => compareBytewise(a[0], b[0]));
      modules.writeTableFile(modules.deltaPathOf(location), sorted.map(([file, , after]) => [file, after] as const), modules.newTableId(), {
        tableId: baseTableId,
        replaced: sorted.map(([file]) => file),
      });
    },
    open: (location) => modules.NameTable.open(location),
    filesAt: (location) => [location, modules.deltaPathOf(location)].filter((file) => fs.existsSync(file)),
  };
}

const lmdb: StoreVariant = {
  name: 'lmdb',
  writeBase: writeLmdbTable,
  refresh: refreshLmdbTable,
  open: (location) => new LmdbTable(location),
  filesAt: (location) => [location, `${location}-lock`].filter((file) => fs.existsSync(file)),
};

/** The variant of that name; `jsonDist` is needed for json only. */
export function storeVariant(name: VariantName, jsonDist: string | undefined): StoreVariant {
  if (name === 'flat') return layeredTable('flat', path.resolve(__dirname, '..'));
  if (name === 'lmdb') return lmdb;
  if (!jsonDist) throw new Error('the json variant needs --json-dist DIR: the dist folder of a build of the commit before name table format 3');
  return layeredTable('json', path.resolve(jsonDist));
}

/** Bytes the store's files take on disk (allocated blocks, so that a sparse LMDB map is not counted whole). */
export function bytesOnDisk(variant: StoreVariant, location: string): { apparent: number; allocated: number } {
  let apparent = 0;
  let allocated = 0;
  for (const file of variant.filesAt(location)) {
    const stat = fs.statSync(file);
    apparent += stat.size;
    allocated += stat.blocks * 512;
  }
  return { apparent, allocated };
}
