// Where declarations come from, behind one interface: the on-disk name table
// of a whole tree, or facts held in memory (a single file, a patch's
// post-image, tests). The type index ranks what a source returns.

import { Decl, FileFacts, IncludeDirective, indexKey, Located, nameSpaceOf } from './facts';

export interface DeclSource {
  /** Every declaration filed under an index key (see indexKey), from every file. */
  lookup(key: string): readonly Located[];
  /** The #include lines of a file (tree-relative path), or undefined if the source does not know the file. */
  includesOf(path: string): readonly IncludeDirective[] | undefined;
  /** Every file the source knows. */
  files(): Iterable<string>;
}

/** Declarations held in memory, keyed like the on-disk table. */
export class MemoryDeclSource implements DeclSource {
  private readonly byKey = new Map<string, Located[]>();
  private readonly includes = new Map<string, readonly IncludeDirective[]>();

  constructor(files: Iterable<[path: string, facts: FileFacts]> = []) {
    for (const [path, facts] of files) this.addFile(path, facts);
  }

  addFile(path: string, facts: FileFacts): void {
    this.includes.set(path, facts.includes);
    for (const decl of facts.decls) {
      const key = indexKey(nameSpaceOf(decl.kind), decl.name);
      let list = this.byKey.get(key);
      if (!list) this.byKey.set(key, (list = []));
      list.push({ ...decl, file: path } as Located<Decl>);
    }
  }

  lookup(key: string): readonly Located[] {
    return this.byKey.get(key) ?? [];
  }

  includesOf(path: string): readonly IncludeDirective[] | undefined {
    return this.includes.get(path);
  }

  keys(): IterableIterator<string> {
    return this.byKey.keys();
  }

  files(): IterableIterator<string> {
    return this.includes.keys();
  }
}

/**
 * A source seen through replacements: declarations of the replaced files come
 * from the given facts instead (a patch's post-image over the indexed tree).
 */
export class OverlayDeclSource implements DeclSource {
  /** The replacements' declarations alone. */
  readonly overlay: MemoryDeclSource;
  private readonly replaced: Set<string>;

  constructor(private readonly base: DeclSource, replacements: Map<string, FileFacts>) {
    this.overlay = new MemoryDeclSource(replacements);
    this.replaced = new Set(replacements.keys());
  }

  lookup(key: string): readonly Located[] {
    const fromBase = this.base.lookup(key).filter((d) => !this.replaced.has(d.file));
    const fromOverlay = this.overlay.lookup(key);
    return fromOverlay.length ? [...fromOverlay, ...fromBase] : fromBase;
  }

  includesOf(path: string): readonly IncludeDirective[] | undefined {
    return this.replaced.has(path) ? this.overlay.includesOf(path) : this.base.includesOf(path);
  }

  *files(): Iterable<string> {
    for (const path of this.base.files()) if (!this.replaced.has(path)) yield path;
    yield* this.overlay.files();
  }
}
