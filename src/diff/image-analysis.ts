// Runs the rules on one image (the pre- or post-image of a touched file),
// with the tree's types seen through the series' changes: the files the
// patches changed so far are overlaid on the index, never re-indexed.

import { kbuildViewOf } from '../kernel/kbuild';
import { createHash } from 'node:crypto';
import type { Finding, InputProblem, SuppressionProblem } from '../model';
import type { HintTable } from '../frontend/hints';
import { parseFile, ParsedFile } from '../frontend/parse';
import { functionDefinitions, functionName } from '../frontend/syntax';
import { matcherFor, runRules } from '../engine/analyse-file';
import { fileCalls, meetsIndexRequirement } from '../engine/index-prefilter';
import type { Rule } from '../rule';
import type { Knowledge } from '../knowledge';
import { extractFacts, factsOfSource } from '../types/extract';
import type { FileFacts } from '../types/facts';
import { MACRO_MAX_BYTES } from '../types/build-index';
import { Typer } from '../types/typer';
import type { TypeIndex } from '../types/type-index';
import { ruleIdsOnDisk } from '../engine/registry';
import { suppressInText } from '../gating/suppressions';

export interface ImageAnalysis {
  findings: Finding[];
  problems: InputProblem[];
  /** Line ranges of the image's function definitions, by name. */
  functions: FunctionSpan[];
  /** Suppression comments of the image that name no rule, an unknown rule or no reason. */
  suppressionProblems?: SuppressionProblem[];
}

export interface FunctionSpan {
  name: string;
  startLine: number;
  endLine: number;
}

export function isCSource(path: string): boolean {
  return path.endsWith('.c') || path.endsWith('.h');
}

export class ImageAnalyser {
  private readonly factsCache = new Map<string, FileFacts>();
  private readonly knownRules = new Set(ruleIdsOnDisk());

  constructor(
    private readonly rules: readonly Rule[],
    private readonly services: {
      hints: HintTable;
      knowledge: Knowledge;
      index: TypeIndex;
      maxBytes: number;
      /** The tree on disk, for how a file is built (its Makefile and Kconfig, as they are before the series). */
      treeRoot?: string | null;
    },
  ) {}

  /**
   * `overlay`: the series' changed files as they are on this side (null:
   * deleted). The analysed file's own declarations come from its parse.
   */
  analyse(path: string, text: string, overlay: ReadonlyMap<string, string | null>): ImageAnalysis {
    const bytes = Buffer.byteLength(text, 'utf8');
    if (bytes > this.services.maxBytes) {
      const reason = `${bytes} bytes, over the limit of ${this.services.maxBytes} bytes; raise it with --max-file-size to audit this file`;
      return { findings: [], functions: [], problems: [{ path, kind: 'too-large', reason, analysed: false }] };
    }
    const parsed = this.parse(path, text);
    const functions = spansOf(parsed);
    const mentioned = this.rules.filter((rule) => matcherFor(rule, this.services.knowledge)(text));
    if (mentioned.length === 0) return { problems: [], functions, ...this.suppressed(path, text, []) };
    const index = this.overlaidIndex(path, overlay);
    const ownFacts = () => this.memoFacts(path, text, () => extractFacts(parsed));
    const applicable = this.letThroughByIndex(mentioned, parsed, () => index.withOverlay(new Map([[path, ownFacts()]])));
    if (applicable.length === 0) return { problems: [], functions, ...this.suppressed(path, text, []) };
    const { findings, problems } = runRules(parsed, applicable, {
      makeTyper: () => new Typer(parsed, index.scopeFor(path, ownFacts())),
      knowledge: this.services.knowledge,
      kbuild: () => (this.services.treeRoot ? kbuildViewOf(this.services.treeRoot, path) : null),
    });
    return { problems, functions, ...this.suppressed(path, text, findings) };
  }

  /**
   * The parse of a file; the last one is kept, because a file that a patch
   * reaches without touching is analysed twice in a row with the same text
   * (with each side's types). What rules derive from a parse is syntax only.
   */
  private parse(path: string, text: string): ParsedFile {
    if (this.lastParse?.path !== path || this.lastParse.text !== text) this.lastParse = { path, text, parsed: parseFile(path, text, { hints: this.services.hints }) };
    return this.lastParse.parsed;
  }

  private lastParse: { path: string; text: string; parsed: ParsedFile } | null = null;

  /** The rules whose index requirement the image meets, read as the rules will see the tree (`asSeen`: the series' changes so far and this image's own facts). */
  private letThroughByIndex(rules: Rule[], parsed: ParsedFile, asSeen: () => TypeIndex): Rule[] {
    if (!rules.some((rule) => rule.requiresInIndex)) return rules;
    const calls = fileCalls(parsed.parsedText);
    const index = asSeen();
    return rules.filter((rule) => !rule.requiresInIndex || meetsIndexRequirement(rule.requiresInIndex, calls, index, this.services.knowledge));
  }

  /** A suppression comment in this image accepts its finding here: in the post-image, an introduced one. */
  private suppressed(path: string, text: string, findings: Finding[]): Pick<ImageAnalysis, 'findings' | 'suppressionProblems'> {
    const outcome = suppressInText(path, text, findings, this.knownRules);
    return { findings: outcome.findings, ...(outcome.problems.length > 0 ? { suppressionProblems: outcome.problems } : {}) };
  }

  /**
   * The index seen through one side's overlay. Kept per overlay (one side of
   * one patch), so the include closures it works out serve every file
   * analysed on that side instead of being worked out again for each.
   */
  private overlaidIndex(analysed: string, overlay: ReadonlyMap<string, string | null>): TypeIndex {
    let bySkipped = this.overlaid.get(overlay);
    if (!bySkipped) this.overlaid.set(overlay, (bySkipped = new Map()));
    // The analysed file's declarations come from its own parse, so it is left out of the overlay.
    const skipped = overlay.has(analysed) ? analysed : '';
    let index = bySkipped.get(skipped);
    if (!index) bySkipped.set(skipped, (index = this.services.index.withOverlay(this.overlayFacts(analysed, overlay))));
    return index;
  }

  private readonly overlaid = new WeakMap<ReadonlyMap<string, string | null>, Map<string, TypeIndex>>();

  private overlayFacts(analysed: string, overlay: ReadonlyMap<string, string | null>): Map<string, FileFacts> {
    const facts = new Map<string, FileFacts>();
    for (const [path, text] of overlay) {
      if (path === analysed || !isCSource(path)) continue;
      facts.set(path, text === null ? { decls: [], includes: [] } : this.factsOf(path, text));
    }
    return facts;
  }

  /** The same analyser running only the rules named (the others' work is not done). */
  restrictedTo(ruleIds: ReadonlySet<string>): ImageAnalyser {
    return new ImageAnalyser(this.rules.filter((rule) => ruleIds.has(rule.meta.id)), this.services);
  }

  /** The tree's index as it is on disk, before any overlay. */
  get index(): TypeIndex {
    return this.services.index;
  }

  /** A file's declarations, as the index would record them; memoised by content. */
  factsOf(path: string, text: string): FileFacts {
    const macros = Buffer.byteLength(text, 'utf8') <= MACRO_MAX_BYTES;
    return this.memoFacts(path, text, () => factsOfSource(path, text, { hints: this.services.hints, encoding: 'utf8', macros }));
  }

  /** An analysed file's facts come from its full parse, which is already there; the same text is never read twice. */
  private memoFacts(path: string, text: string, extract: () => FileFacts): FileFacts {
    const key = `${path}\0${createHash('sha1').update(text).digest('hex')}`;
    let facts = this.factsCache.get(key);
    if (!facts) this.factsCache.set(key, (facts = extract()));
    return facts;
  }
}

function spansOf(parsed: ParsedFile): FunctionSpan[] {
  return functionDefinitions(parsed.tree.rootNode).flatMap((definition) => {
    const name = functionName(definition);
    if (!name) return [];
    return [{ name, startLine: definition.startPosition.row + 1, endLine: definition.endPosition.row + 1 }];
  });
}
