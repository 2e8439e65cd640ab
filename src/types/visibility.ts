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

/** Include resolution and header closures, shared by every file of a run. */
export class IncludeGraph {
  private readonly closures = new Map<string, Set<string>>();
  private readonly resolved = new Map<string, string | null>();
  /** By architecture, then by file. */
  private readonly targets = new Map<string, Map<string, string[]>>();

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
  closure(file: string, ownIncludes?: readonly IncludeDirective[]): Set<string> {
    let seen = ownIncludes ? undefined : this.closures.get(file);
    if (seen) return seen;
    seen = new Set<string>();
    const arch = this.archOf(file);
    const queue = [file];
    while (queue.length) {
      const current = queue.pop()!;
      const targets = current === file && ownIncludes ? this.resolveAll(current, ownIncludes, arch) : this.targetsOf(current, arch);
      for (const target of targets) {
        if (!seen.has(target) && target !== file) {
          seen.add(target);
          queue.push(target);
        }
      }
    }
    if (!ownIncludes) this.closures.set(file, seen);
    return seen;
  }

  /** The files `file`'s #include lines name (as the source has them), in order: each file's closure walks the same headers again. */
  private targetsOf(file: string, arch: string): string[] {
    let byFile = this.targets.get(arch);
    if (!byFile) this.targets.set(arch, (byFile = new Map()));
    let targets = byFile.get(file);
    if (!targets) {
      targets = this.resolveAll(file, this.source.includesOf(file) ?? [], arch);
      byFile.set(file, targets);
    }
    return targets;
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

/** Ranks a name's declarations for one analysed file. */
export class Visibility {
  private readonly dir: string;
  private readonly arch: string;
  private readonly area: string;
  private closure: Set<string> | null = null;

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
    if (decl.file === this.file) return 0;
    if ((this.closure ??= this.graph.closure(this.file, this.ownIncludes)).has(decl.file)) return 1;
    if (isPrivateToOtherFile(decl)) return -1;
    if (areaOf(decl.file) !== this.area) return -1;
    if (path.posix.dirname(decl.file) === this.dir) return 2;
    const arch = /^arch\/([^/]+)\//.exec(decl.file);
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
