// Which of several declarations of a name a file sees. A kernel name can be
// declared many times (per architecture, per #ifdef branch, per subsystem);
// candidates are ranked by how close they are to the file being analysed:
//
//   0 the file itself
//   1 a header the file includes, directly or not
//   2 a file in the same directory
//   3 elsewhere in the tree, outside other architectures' folders
//   4 another architecture's folder
//   5 patch-audit's built-in kernel types (data/kernel-types.h)
//
// Statics of other .c files are never visible, and the userspace code in the
// tree (tools/, samples/, scripts/, usr/) neither sees nor is seen by the kernel. The best tier that has any
// candidate wins; the caller decides what to do when that tier disagrees.

import * as path from 'node:path';
import type { DeclSource } from './decl-source';
import type { IncludeDirective, Located } from './facts';

export const TIER_NAMES = ['this file', 'an included header', 'the same directory', 'the tree', "another architecture's headers", 'built-in kernel types'];
export const BUILTIN_TIER = 5;

export interface Ranked {
  tier: number;
  decls: Located[];
}

/** The files a file reaches through its #include lines. */
export interface FileSet {
  has(file: string): boolean;
}

/**
 * Include resolution and header closures, shared by every file of a run.
 * Files reached are numbered as they are met, and a closure is walked over
 * those numbers: a .c file of kvm reaches about 670 headers over some 2,200
 * #include edges, and walking them as strings in Sets cost more than all its
 * other visibility questions together.
 */
export class IncludeGraph {
  private readonly closures = new Map<string, FileSet>();
  private readonly resolved = new Map<string, string | null>();
  /** Each file met so far, by number, and the numbers by file. */
  private readonly files: string[] = [];
  private readonly numbers = new Map<string, number>();
  /** By architecture, then by file number: the numbers of the files its #include lines name. */
  private readonly targets = new Map<string, (readonly number[] | undefined)[]>();
  /** The walk that last reached each file, by number: a walk marks what it reached without a Set of its own. */
  private walkOf = new Int32Array(1024);
  private walks = 0;

  constructor(private readonly source: DeclSource, private readonly defaultArch: string) {}

  archOf(file: string): string {
    const m = /^arch\/([^/]+)\//.exec(file);
    return m ? m[1] : this.defaultArch;
  }

  /**
   * Every file `file` includes, directly or through other headers, as the
   * kernel's include path resolves them. `ownIncludes` replace the source's
   * #include lines for `file` itself (a fresh parse of it).
   */
  closure(file: string, ownIncludes?: readonly IncludeDirective[]): FileSet {
    const known = ownIncludes ? undefined : this.closures.get(file);
    if (known) return known;
    const arch = this.archOf(file);
    const self = this.numberOf(file);
    const walk = ++this.walks;
    const reached: number[] = [];
    const reach = (targets: readonly number[]) => {
      for (const target of targets) {
        if (target !== self && this.walkOf[target] !== walk) {
          this.walkOf[target] = walk;
          reached.push(target);
        }
      }
    };
    reach(ownIncludes ? this.numbersOf(this.resolveAll(file, ownIncludes, arch)) : this.targetsOf(self, arch));
    for (let i = 0; i < reached.length; i++) reach(this.targetsOf(reached[i], arch));
    const closure = new NumberedFileSet(this.numbers, this.files.length, reached);
    if (!ownIncludes) this.closures.set(file, closure);
    return closure;
  }

  /** The numbers of the files `file`'s #include lines name (as the source has them), in order: each file's closure walks the same headers again. */
  private targetsOf(file: number, arch: string): readonly number[] {
    let byFile = this.targets.get(arch);
    if (!byFile) this.targets.set(arch, (byFile = []));
    let targets = byFile[file];
    if (!targets) {
      const path = this.files[file];
      targets = byFile[file] = this.numbersOf(this.resolveAll(path, this.source.includesOf(path) ?? [], arch));
    }
    return targets;
  }

  private numbersOf(files: readonly string[]): number[] {
    return files.map((file) => this.numberOf(file));
  }

  private numberOf(file: string): number {
    let number = this.numbers.get(file);
    if (number === undefined) {
      number = this.files.push(file) - 1;
      this.numbers.set(file, number);
      if (number >= this.walkOf.length) {
        const longer = new Int32Array(2 * this.walkOf.length);
        longer.set(this.walkOf);
        this.walkOf = longer;
      }
    }
    return number;
  }

  private resolveAll(from: string, includes: readonly IncludeDirective[], arch: string): string[] {
    const targets: string[] = [];
    for (const include of includes) {
      const target = this.resolve(from, include, arch);
      if (target) targets.push(target);
    }
    return targets;
  }

  /** The file an #include of `from` names, as the kernel's include path finds it for `arch`. */
  resolve(from: string, include: IncludeDirective, arch: string): string | null {
    const dir = include.system ? '' : path.posix.dirname(from);
    const key = `${arch}\0${dir}\0${include.spec}`;
    let target = this.resolved.get(key);
    if (target === undefined) {
      target = this.search(dir, include, arch);
      this.resolved.set(key, target);
    }
    return target;
  }

  private search(dir: string, include: IncludeDirective, arch: string): string | null {
    const candidates: string[] = [];
    if (!include.system) candidates.push(path.posix.normalize(path.posix.join(dir, include.spec)));
    for (const dir of [`arch/${arch}/include`, `arch/${arch}/include/uapi`, 'include', 'include/uapi', `arch/${arch}/include/generated`]) {
      candidates.push(`${dir}/${include.spec}`);
    }
    // Kbuild's generic-y: an <asm/...> header the architecture does not provide comes from asm-generic.
    if (include.spec.startsWith('asm/')) {
      const rest = include.spec.slice(4);
      candidates.push(`include/asm-generic/${rest}`, `include/uapi/asm-generic/${rest}`);
    }
    return candidates.find((c) => this.source.includesOf(c) !== undefined) ?? null;
  }
}

/** A closure: marks by file number, for the files numbered when it was made (a file numbered later was not reached). */
class NumberedFileSet implements FileSet {
  private readonly marks: Uint8Array;

  constructor(private readonly numbers: ReadonlyMap<string, number>, fileCount: number, reached: readonly number[]) {
    this.marks = new Uint8Array(fileCount);
    for (const number of reached) this.marks[number] = 1;
  }

  has(file: string): boolean {
    const number = this.numbers.get(file);
    return number !== undefined && this.marks[number] === 1;
  }
}

/** Ranks a name's declarations for one analysed file. */
export class Visibility {
  private readonly dir: string;
  private readonly arch: string;
  private readonly area: string;
  private closure: FileSet | null = null;
  private readonly fileTiers = new Map<string, number>();

  constructor(
    private readonly file: string,
    private readonly graph: IncludeGraph,
    private readonly ownIncludes?: readonly IncludeDirective[],
  ) {
    this.dir = path.posix.dirname(file);
    this.arch = graph.archOf(file);
    this.area = areaOf(file);
  }

  tierOf(decl: Located): number {
    const tier = this.tierOfFile(decl.file);
    return tier >= 2 && isPrivateToOtherFile(decl) ? -1 : tier;
  }

  /** The tier of a declaration in `file` that is not private to another file; the same for each of a file's declarations, so kept. */
  private tierOfFile(file: string): number {
    let tier = this.fileTiers.get(file);
    if (tier === undefined) {
      tier = this.rankFile(file);
      this.fileTiers.set(file, tier);
    }
    return tier;
  }

  private rankFile(file: string): number {
    if (file === this.file) return 0;
    if ((this.closure ??= this.graph.closure(this.file, this.ownIncludes)).has(file)) return 1;
    if (areaOf(file) !== this.area) return -1;
    if (path.posix.dirname(file) === this.dir) return 2;
    const arch = /^arch\/([^/]+)\//.exec(file);
    return arch && arch[1] !== this.arch ? 4 : 3;
  }

  /** Is the declaration built into the same program as this file (the kernel, or one userspace area)? */
  sameArea(decl: Located): boolean {
    return areaOf(decl.file) === this.area;
  }

  /** The best tier's declarations among `decls` (in the order given), or null if none is visible. */
  best(decls: readonly Located[]): Ranked | null {
    let tier = Infinity;
    let chosen: Located[] = [];
    for (const decl of decls) {
      const t = this.tierOf(decl);
      if (t < 0 || t > tier) continue;
      if (t < tier) {
        tier = t;
        chosen = [];
      }
      chosen.push(decl);
    }
    return chosen.length ? { tier, decls: chosen } : null;
  }
}

/**
 * Userspace code shipped in the tree (tools/, samples/, scripts/, usr/) is
 * built apart from the kernel, with its own u64 and friends: each is its own
 * world, and the kernel proper is another.
 */
const USERSPACE_AREAS = new Set(['tools', 'samples', 'scripts', 'usr', 'Documentation']);

/** First letters of the userspace areas: any other path is the kernel's without slicing it (a call tally asks this of every record). */
const USERSPACE_INITIALS = new Set([...USERSPACE_AREAS].map((area) => area.charCodeAt(0)));

export function areaOf(file: string): string {
  if (!USERSPACE_INITIALS.has(file.charCodeAt(0))) return 'kernel';
  const top = file.slice(0, file.indexOf('/'));
  return USERSPACE_AREAS.has(top) ? top : 'kernel';
}

export function isPrivateToOtherFile(decl: Located): boolean {
  if (!decl.file.endsWith('.c')) return false;
  if (decl.kind === 'function' || decl.kind === 'variable') return decl.static;
  // Types, enumerators and macros defined in a .c file are visible only to that file (or one that #includes it).
  return true;
}
