// The name table of a tree: every declaration of every indexed file, keyed by
// indexKey (facts.ts), for the type index to look names up in. On disk it is
// a base table file (table-file.ts) and, once files changed, a delta file laid
// over it that holds their new declarations and hides their old ones. So a
// refresh after an edit writes a small delta, not the whole table (930 MB for
// 6.1); the base is rebuilt when the delta grows too large. Tables are
// written by table-writer.ts; reading one loads none of the writing code.

import * as fs from 'node:fs';
import type { DeclSource } from './decl-source';
import type { IncludeDirective, Located } from './facts';
import { compareBytewise } from '../input/walk';
import { TableFile, TableOpenOptions } from './table-file';

/** Where the delta of the table at `tablePath` lives. */
export function deltaPathOf(tablePath: string): string {
  return `${tablePath}.delta`;
}

/** Reads a tree's name table: the base file, and its delta if it has one. */
export class NameTable implements DeclSource {
  private readonly replaced: ReadonlySet<string>;
  private readonly merged = new Map<string, readonly Located[]>();

  private constructor(
    private readonly base: TableFile,
    private readonly delta: TableFile | null,
  ) {
    this.replaced = new Set(delta?.header.base?.replaced);
    // A merged array holds a base key's declarations: let it go with them.
    const forget = (key: string) => this.merged.delete(key);
    base.onEvict = forget;
    if (delta) delta.onEvict = forget;
  }

  /** Opens a table; throws if it is missing, damaged or of another format. */
  static open(tablePath: string, options: TableOpenOptions = {}): NameTable {
    for (let attempt = 1; ; attempt++) {
      const base = TableFile.open(tablePath, options);
      let delta: TableFile | null = null;
      try {
        if (base.header.base) throw new Error(`${tablePath} is a delta table; open the table it is laid over`);
        delta = openIfPresent(deltaPathOf(tablePath), options);
        // A rebuild renames a new base into place, then deletes the delta. Had it
        // happened between the two opens, this delta would be the wrong one: retry.
        if (attempt < 3 && fs.statSync(tablePath).ino !== base.ino) {
          base.close();
          delta?.close();
          continue;
        }
      } catch (error) {
        base.close();
        throw error;
      }
      // A delta over another base is left over from before the base was rebuilt: the base has its declarations.
      if (delta && delta.header.base?.tableId !== base.header.tableId) {
        delta.close();
        delta = null;
      }
      return new NameTable(base, delta);
    }
  }

  /** Names the table's contents: the delta's id when there is one. */
  get tableId(): string {
    return (this.delta ?? this.base).header.tableId;
  }

  /** The id of the base file alone. */
  get baseTableId(): string {
    return this.base.header.tableId;
  }

  get fileCount(): number {
    return this.base.header.fileCount - this.replaced.size + (this.delta?.header.fileCount ?? 0);
  }

  /**
   * Every declaration filed under `key`, by file path, in each file's order:
   * the same order whether or not part of it comes from a delta. The same
   * array for the same key.
   */
  lookup(key: string): readonly Located[] {
    const fromBase = this.base.lookup(key);
    if (!this.delta) return fromBase;
    let merged = this.merged.get(key);
    if (!merged) {
      const fromDelta = this.delta.lookup(key);
      const kept = this.replaced.size ? fromBase.filter((decl) => !this.replaced.has(decl.file)) : fromBase;
      merged = fromDelta.length === 0 ? kept : mergeByFile(kept, fromDelta);
      this.merged.set(key, merged);
    }
    return merged;
  }

  includesOf(path: string): readonly IncludeDirective[] | undefined {
    if (this.delta?.has(path)) return this.delta.includesOf(path);
    return this.replaced.has(path) ? undefined : this.base.includesOf(path);
  }

  /** The tree-relative paths of the indexed files, sorted. */
  files(): string[] {
    const fromBase = this.base.files().filter((p) => !this.replaced.has(p));
    return this.delta ? [...fromBase, ...this.delta.files()].sort(compareBytewise) : fromBase;
  }

  /** Closes the files and lets the decoded declarations go; later lookups throw. */
  close(): void {
    this.base.close();
    this.delta?.close();
    this.merged.clear();
  }
}

/** The id of the table (with its delta) if it opens, else null; a table that is there but does not open is said so. */
export function tableIdOf(tablePath: string, notice: (message: string) => void): string | null {
  try {
    const table = NameTable.open(tablePath);
    const id = table.tableId;
    table.close();
    return id;
  } catch (error) {
    const reason = (error as NodeJS.ErrnoException).code === 'ENOENT' ? 'missing' : `damaged (${(error as Error).message})`;
    notice(`cache: the name table ${tablePath} is ${reason}; it is rebuilt`);
    return null;
  }
}

/** Merges two lists sorted by file (each table lists its files' declarations in path order). */
function mergeByFile(a: readonly Located[], b: readonly Located[]): Located[] {
  const merged: Located[] = [];
  let i = 0;
  let j = 0;
  while (i < a.length && j < b.length) merged.push(compareBytewise(a[i].file, b[j].file) <= 0 ? a[i++] : b[j++]);
  while (i < a.length) merged.push(a[i++]);
  while (j < b.length) merged.push(b[j++]);
  return merged;
}

function openIfPresent(tablePath: string, options: TableOpenOptions): TableFile | null {
  try {
    return TableFile.open(tablePath, options);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw error;
  }
}
