// The type index as rules see it: declarations from a source (a tree's name
// table, or memory), ranked by visibility from the file being analysed, with
// patch-audit's built-in kernel types as the last resort.

import * as fs from 'node:fs';
import * as path from 'node:path';
import { loadHints } from '../frontend/hints';
import { Abi, ABIS, AbiName } from './ctype';
import { DeclSource, MemoryDeclSource, OverlayDeclSource } from './decl-source';
import { factsOfSource, StagedFacts } from './extract';
import { CallsDecl, DeclKind, FileFacts, FunctionDecl, IncludeDirective, indexKey, Located, NameSpace } from './facts';
import { BUILTIN_TIER, IncludeGraph, Ranked, Visibility } from './visibility';
import { ANY_TIER, LookupRecorder, tallyKey } from './lookup-keys';

export const BUILTIN_TYPES_FILE = path.resolve(__dirname, '../../../data/kernel-types.h');
const BUILTIN_PATH = '<built-in>/kernel-types.h';

let builtins: MemoryDeclSource | null = null;

function builtinSource(): MemoryDeclSource {
  if (!builtins) {
    const text = fs.readFileSync(BUILTIN_TYPES_FILE, 'utf8');
    const facts = factsOfSource(BUILTIN_PATH, text, { hints: loadHints([]), encoding: 'utf8', macros: true });
    builtins = new MemoryDeclSource([[BUILTIN_PATH, facts]]);
  }
  return builtins;
}

export interface TypeIndexOptions {
  abi: AbiName;
  /** The architecture whose headers files outside arch/ see (default x86). */
  arch: string;
}

export const DEFAULT_TYPE_OPTIONS: TypeIndexOptions = { abi: 'lp64', arch: 'x86' };

export class TypeIndex {
  readonly abi: Abi;
  private readonly graph: IncludeGraph;

  /** `source` is null when there is no tree: only the analysed file and the built-in types are known. */
  constructor(private readonly source: DeclSource | null, readonly options: TypeIndexOptions = DEFAULT_TYPE_OPTIONS) {
    this.abi = ABIS[options.abi];
    this.graph = new IncludeGraph(source ?? new MemoryDeclSource(), options.arch);
  }

  get hasTree(): boolean {
    return this.source !== null;
  }

  /**
   * The view from one file. `file` is its tree-relative path; `ownFacts`, when
   * given, replace what the index holds for it (a fresh parse, a patch's post-image).
   * `recorder`, when given, is told every key the scope looks up (the result cache's dependencies).
   */
  scopeFor(file: string, ownFacts?: FileFacts | StagedFacts, recorder?: LookupRecorder): FileScope {
    const base = this.source ?? new MemoryDeclSource();
    const overlaid = (facts: FileFacts) => new OverlayDeclSource(base, new Map([[file, facts]]));
    if (ownFacts && 'complete' in ownFacts) {
      // Declarations now; what the file's bodies say when a rule first asks for it.
      const staged = ownFacts;
      const visibility = new Visibility(file, this.graph, staged.declarations.includes);
      const source = overlaid(staged.declarations);
      return new FileScope(file, source, visibility, this.abi, recorder, () => overlaid(staged.complete()), source.overlay);
    }
    const source = ownFacts ? overlaid(ownFacts) : null;
    return new FileScope(file, source ?? base, new Visibility(file, this.graph, ownFacts?.includes), this.abi, recorder, undefined, source?.overlay);
  }

  /** Every declaration filed under an index key, from every file (none without a tree). */
  declarations(key: string): readonly Located[] {
    return this.source?.lookup(key) ?? [];
  }

  /** Does the index hold facts of this file (a tree-relative path)? */
  knows(file: string): boolean {
    return this.source?.includesOf(file) !== undefined;
  }

  /** The .c files whose #include lines reach one of `headers`, directly or through other headers. */
  includersOf(headers: ReadonlySet<string>): string[] {
    return [...this.filesReaching(headers)].filter((file) => file.endsWith('.c')).sort();
  }

  /** Every file (headers too) whose #include lines reach one of `files`, directly or through other files; `files` left out. */
  filesReaching(files: ReadonlySet<string>): Set<string> {
    const reverse = (this.reverseIncludes ??= this.buildReverseIncludes());
    const seen = new Set<string>(files);
    const queue = [...files];
    const out = new Set<string>();
    while (queue.length) {
      for (const includer of reverse.get(queue.pop()!) ?? []) {
        if (seen.has(includer)) continue;
        seen.add(includer);
        out.add(includer);
        queue.push(includer);
      }
    }
    return out;
  }

  /** The #include lines the index holds for a file; undefined when it does not know the file. */
  includesOf(file: string): readonly IncludeDirective[] | undefined {
    return this.source?.includesOf(file);
  }

  /** The files that call `name`, from the call-use records of the index. */
  filesCalling(name: string): string[] {
    return [...new Set((this.source?.lookup(indexKey('calls', name)) ?? []).map((record) => record.file))].sort();
  }

  /** Each file's record of how it uses the results of its calls to `name`. */
  callRecordsOf(name: string): readonly Located<CallsDecl>[] {
    return (this.source?.lookup(indexKey('calls', name)) ?? []).filter((record): record is Located<CallsDecl> => record.kind === 'calls');
  }

  /** The files with an #include line that could have named one of `paths` (its spec ends the path): who included a file that is gone. */
  filesNaming(paths: readonly string[]): Set<string> {
    const out = new Set<string>();
    if (!this.source) return out;
    for (const file of this.source.files()) {
      for (const include of this.source.includesOf(file) ?? []) {
        if (paths.some((p) => p === include.spec || p.endsWith(`/${include.spec}`))) out.add(file);
      }
    }
    return out;
  }

  private reverseIncludes: Map<string, string[]> | null = null;

  private buildReverseIncludes(): Map<string, string[]> {
    const reverse = new Map<string, string[]>();
    if (!this.source) return reverse;
    for (const file of this.source.files()) {
      const arch = this.graph.archOf(file);
      for (const include of this.source.includesOf(file) ?? []) {
        const target = this.graph.resolve(file, include, arch);
        if (!target) continue;
        let list = reverse.get(target);
        if (!list) reverse.set(target, (list = []));
        list.push(file);
      }
    }
    return reverse;
  }

  /**
   * The same index with some files replaced (a patch series' changed files,
   * an empty FileFacts for a deleted one): an overlay, the tree's cache untouched.
   */
  withOverlay(replacements: Map<string, FileFacts>): TypeIndex {
    if (replacements.size === 0) return this;
    return new TypeIndex(new OverlayDeclSource(this.source ?? new MemoryDeclSource(), replacements), this.options);
  }
}

const KINDS_BY_SPACE: Record<NameSpace, readonly DeclKind[]> = {
  tag: ['struct', 'union', 'enum'],
  ordinary: ['typedef', 'function', 'variable', 'enumerator'],
  macro: ['macro'],
  calls: ['calls'],
};

export interface CallTally {
  used: number;
  discarded: number;
  voided: number;
  /** How many files call it. */
  files: number;
}

/** Declarations visible from one file, best tier first. */
export class FileScope {
  /** What a file's analysis asks, it asks again and again (`u64`, `struct kvm`): answers are kept per scope. */
  private readonly declarations = new Map<string, readonly Located[]>();
  private readonly best = new Map<string, Ranked | null>();
  /** Call tallies by key: a popular callee has thousands of records, and a file drops its result at many sites. */
  private readonly tallies = new Map<string, CallTally>();
  private withBodies: { source: DeclSource; declarations: Map<string, readonly Located[]> } | null = null;

  /**
   * `sourceWithBodies`, when given, is the source with the file's own failure summaries and call records,
   * which `source` leaves out: made on the first question about function bodies or calls
   * (definitions, everyFunction, callUses, filesCalling, a lookup of call records). Other lookups answer from `source`.
   */
  constructor(
    readonly file: string,
    private readonly source: DeclSource,
    private readonly visibility: Visibility,
    readonly abi: Abi,
    private readonly recorder?: LookupRecorder,
    private readonly sourceWithBodies?: () => DeclSource,
    /** The file's own declarations, when `source` overlays them on the index: they rank first (tier 0). */
    private readonly own?: MemoryDeclSource,
  ) {}

  /** The best-ranked declarations of `name` in a name space, optionally of some kinds only. */
  lookup(space: NameSpace, name: string, kinds: readonly DeclKind[] = KINDS_BY_SPACE[space]): Ranked | null {
    const key = indexKey(space, name);
    const memoKey = kinds === KINDS_BY_SPACE[space] ? key : `${key}\0${kinds.join(',')}`;
    const known = this.best.get(memoKey);
    if (known !== undefined) return known;
    const wanted = (d: Located) => kinds.includes(d.kind);
    // A name the file declares itself is answered by its own declarations, the first tier: the index's need not be read.
    const ownDecls = space === 'calls' ? undefined : this.own?.lookup(key).filter(wanted);
    let found = ownDecls?.length ? { tier: 0, decls: ownDecls } : this.visibility.best((space === 'calls' ? this.declarationsWithBodies(key) : this.declarationsOf(key)).filter(wanted));
    if (!found) {
      const builtin = builtinSource().lookup(key).filter(wanted);
      found = builtin.length ? { tier: BUILTIN_TIER, decls: builtin } : null;
    }
    this.recorder?.add(key, found?.tier ?? ANY_TIER);
    this.best.set(memoKey, found);
    return found;
  }

  /**
   * lookup() narrowed to the file's own declarations (tier 0): all a caller
   * needs when a declaration at tier 1 wins otherwise. The index is not read
   * when the scope holds the file's facts.
   */
  lookupInFile(space: Exclude<NameSpace, 'calls'>, name: string, kinds: readonly DeclKind[] = KINDS_BY_SPACE[space]): Ranked | null {
    if (!this.own) {
      const found = this.lookup(space, name, kinds);
      return found?.tier === 0 ? found : null;
    }
    const key = indexKey(space, name);
    const decls = this.own.lookup(key).filter((d) => kinds.includes(d.kind));
    if (!decls.length) return null;
    this.recorder?.add(key, 0);
    return { tier: 0, decls };
  }

  /** The function's visible definitions (with bodies), best tier first; prototypes left out. */
  definitions(name: string): Located<FunctionDecl>[] {
    const key = indexKey('ordinary', name);
    const definitions = this.declarationsWithBodies(key).filter((d): d is Located<FunctionDecl> => d.kind === 'function' && d.definition);
    const best = this.visibility.best(definitions);
    this.recorder?.add(key, best?.tier ?? ANY_TIER);
    return (best?.decls ?? []) as Located<FunctionDecl>[];
  }

  /** How close a declaration is to this file (0: the file itself; see Visibility); -1 when it is not visible. */
  tierOf(decl: Located): number {
    return this.visibility.tierOf(decl);
  }

  /** Every function declaration of `name` (prototypes and definitions) the file could be linked with, closest tier first: a config stub's real counterpart is often in another file. */
  everyFunction(name: string): Located<FunctionDecl>[] {
    const key = indexKey('ordinary', name);
    this.recorder?.add(key, ANY_TIER);
    return this.declarationsWithBodies(key)
      .filter((d): d is Located<FunctionDecl> => d.kind === 'function' && this.visibility.tierOf(d) >= 0)
      .sort((a, b) => this.visibility.tierOf(a) - this.visibility.tierOf(b));
  }

  /** How the results of calls to `name` are used, summed over every file of this file's program (the kernel, or its userspace area). */
  callUses(name: string): CallTally {
    const key = indexKey('calls', name);
    this.recorder?.add(tallyKey(key), ANY_TIER);
    let tally = this.tallies.get(key);
    if (!tally) this.tallies.set(key, (tally = this.sumCallUses(key)));
    return { ...tally };
  }

  private sumCallUses(key: string): CallTally {
    const tally: CallTally = { used: 0, discarded: 0, voided: 0, files: 0 };
    for (const record of this.declarationsWithBodies(key)) {
      if (record.kind !== 'calls' || !this.visibility.sameArea(record)) continue;
      tally.used += record.used;
      tally.discarded += record.discarded;
      tally.voided += record.voided;
      tally.files++;
    }
    return tally;
  }

  /** The files of this file's program (the kernel, or its userspace area) that call `name`, with the line of their first call. */
  filesCalling(name: string): { file: string; line: number }[] {
    const key = indexKey('calls', name);
    this.recorder?.add(key, ANY_TIER);
    return this.declarationsWithBodies(key)
      .filter((record) => record.kind === 'calls' && this.visibility.sameArea(record))
      .map((record) => ({ file: record.file, line: record.line }));
  }

  /** Declarations with what the file's own bodies say (its definitions' failure summaries, its call records). */
  private declarationsWithBodies(key: string): readonly Located[] {
    if (!this.sourceWithBodies) return this.declarationsOf(key);
    this.withBodies ??= { source: this.sourceWithBodies(), declarations: new Map() };
    let found = this.withBodies.declarations.get(key);
    if (!found) this.withBodies.declarations.set(key, (found = this.withBodies.source.lookup(key)));
    return found;
  }

  private declarationsOf(key: string): readonly Located[] {
    let found = this.declarations.get(key);
    if (!found) this.declarations.set(key, (found = this.source.lookup(key)));
    return found;
  }
}
