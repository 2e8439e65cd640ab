// One file through the pipeline: read, pre-filter, normalise and parse, run
// the rules that apply. Runs inside a worker thread; never throws.

import { createHash } from 'node:crypto';
import type { Finding, InputProblem } from '../model';
import type { SourceFile } from '../input/walk';
import { decodeSource, readSourceBytes } from '../input/read';
import { createIdentifierMatcher, IdentifierMatcher } from '../input/prefilter';
import type { HintTable } from '../frontend/hints';
import { parseFile, ParsedFile, ParseOptions } from '../frontend/parse';
import { normalise } from '../frontend/normalise';
import { fileCalls, FileCalls, meetsIndexRequirement } from './index-prefilter';
import type { Rule } from '../rule';
import { FindingCollector } from './findings';
import { typeIndexOf, typerFor } from '../types/index-handle';
import { indexPathOf, type TypeIndexHandle } from '../types/index-path';
import type { Typer } from '../types/typer';
import { LookupRecorder, RecordedLookups } from '../types/lookup-keys';
import type { Knowledge } from '../knowledge';
import { requiredIdentifiers } from './required-identifiers';
import { mayHoldSuppressions, suppressionDirectives, SuppressionDirective } from '../gating/suppression-comments';
import { KbuildView, kbuildViewOf } from '../kernel/kbuild';
import { ABIS } from '../types/ctype';

export interface AnalyseOptions {
  hints: HintTable;
  maxBytes: number;
  types: TypeIndexHandle;
  knowledge: Knowledge;
  /** Hash the content and record the index keys looked up, for the result cache. */
  forResultCache?: boolean;
  /** Whether the run wants the low tier (RuleContext.lowTierWanted); default true. */
  lowTierWanted?: boolean;
}

export interface FileAnalysis {
  findings: Finding[];
  problems: InputProblem[];
  bytes: number;
  parsed: boolean;
  empty: boolean;
  /** The file's `patch-audit-ignore` comments, when it has any. */
  suppressions?: SuppressionDirective[];
  /** With forResultCache, once the file was read: the sha1 of the bytes analysed. */
  hash?: string;
  /** With forResultCache: the index keys the rules looked up, and the tiers found. */
  lookups?: RecordedLookups;
}

const matchers = new WeakMap<Knowledge, WeakMap<Rule, IdentifierMatcher>>();

/** The rule's identifier pre-filter (its `requires`, table names resolved in this knowledge), compiled once per rule. */
export function matcherFor(rule: Rule, knowledge: Knowledge): IdentifierMatcher {
  let byRule = matchers.get(knowledge);
  if (!byRule) matchers.set(knowledge, (byRule = new WeakMap()));
  let matcher = byRule.get(rule);
  if (!matcher) {
    matcher = createIdentifierMatcher(requiredIdentifiers(rule, knowledge));
    byRule.set(rule, matcher);
  }
  return matcher;
}

export function analyseFile(file: SourceFile, rules: readonly Rule[], options: AnalyseOptions): FileAnalysis {
  const result: FileAnalysis = { findings: [], problems: [], bytes: 0, parsed: false, empty: false };
  const read = readSourceBytes(file, { maxBytes: options.maxBytes });
  if (!read.ok) {
    result.problems.push(read.problem);
    return result;
  }
  result.bytes = read.bytes.length;
  result.empty = read.bytes.length === 0;
  const recorder = options.forResultCache ? new LookupRecorder() : undefined;
  if (options.forResultCache) result.hash = createHash('sha1').update(read.bytes).digest('hex');
  if (mayHoldSuppressions(read.bytes)) result.suppressions = suppressionDirectives(decodeSource(file, read.bytes).text);
  const mentioned = rules.filter((rule) => matcherFor(rule, options.knowledge)(read.bytes));
  if (mentioned.length === 0) {
    if (recorder) result.lookups = recorder.recorded();
    return result;
  }

  const { text, encoding, problem } = decodeSource(file, read.bytes);
  if (problem) result.problems.push(problem);
  const normalised = normalise(text, options.hints);
  const lowTierWanted = options.lowTierWanted ?? true;
  const rankable = lowTierWanted ? mentioned : mentioned.filter((rule) => rule.mayRankAboveLow?.(normalised.text, ABIS[options.types.options.abi]) ?? true);
  const indexPath = indexPathOf(options.types, file.absolutePath, file.displayPath);
  const applicable = rulesTheIndexLetThrough(rankable, normalised.text, indexPath, { ...options, lowTierWanted }, recorder);
  if (applicable.length === 0) {
    if (recorder) result.lookups = recorder.recorded();
    return result;
  }
  const parsed = parseFile(file.displayPath, text, { hints: options.hints, encoding, normalised });
  result.parsed = true;
  const checked = runRules(parsed, applicable, {
    makeTyper: () => typerFor(parsed, typeIndexOf(options.types), indexPath, recorder),
    knowledge: options.knowledge,
    kbuild: () => (options.types.root ? kbuildViewOf(options.types.root, indexPath) : null),
    lowTierWanted,
  });
  result.findings = checked.findings;
  result.problems.push(...checked.problems);
  if (recorder) result.lookups = recorder.recorded();
  return result;
}

/**
 * The rules whose index requirement the file meets (src/engine/index-prefilter.ts),
 * read from `parsedText` (the normalised text the parse will read). Without a
 * tree, or for a file the index does not know, every rule.
 */
function rulesTheIndexLetThrough(rules: Rule[], parsedText: string, indexPath: string, options: AnalyseOptions, recorder?: LookupRecorder): Rule[] {
  if (!rules.some((rule) => rule.requiresInIndex) || !options.types.tablePath) return rules;
  const index = typeIndexOf(options.types);
  if (!index.knows(indexPath)) return rules;
  let calls: FileCalls | undefined;
  return rules.filter((rule) => {
    if (!rule.requiresInIndex) return true;
    calls ??= fileCalls(parsedText);
    return meetsIndexRequirement(rule.requiresInIndex, calls, index, options.knowledge, recorder, options.lowTierWanted ?? true);
  });
}

/** Decodes a file's bytes (UTF-8, or Latin-1 with a problem) and parses it, columns counting the file's bytes. */
export function decodeAndParse(
  file: SourceFile,
  bytes: Buffer,
  options: Omit<ParseOptions, 'encoding'>,
): { parsed: ParsedFile; problem?: InputProblem } {
  const { text, encoding, problem } = decodeSource(file, bytes);
  return { parsed: parseFile(file.displayPath, text, { ...options, encoding }), problem };
}

/**
 * Runs rules on a parsed file; a rule that throws is reported as a problem, the others still run.
 * `makeTyper` is called at most once, when a rule first asks for types.
 * A rule reads only the knowledge tables it declares.
 */
export function runRules(
  parsed: ParsedFile,
  rules: readonly Rule[],
  services: { makeTyper: () => Typer; knowledge: Knowledge; kbuild?: () => KbuildView | null; lowTierWanted?: boolean },
): { findings: Finding[]; problems: InputProblem[] } {
  const collector = new FindingCollector(parsed);
  const problems: InputProblem[] = [];
  let typer: Typer | null = null;
  for (const rule of rules) {
    try {
      rule.check({
        file: parsed,
        get types() {
          if (!rule.needsTypes) throw new Error(`rule ${rule.meta.id} asks for types without setting \`needsTypes\`, so scan would not open the type index for it`);
          return (typer ??= services.makeTyper());
        },
        get kbuild() {
          return services.kbuild?.() ?? null;
        },
        knowledge: (table) => {
          if (!rule.knowledge?.includes(table)) throw new Error(`rule ${rule.meta.id} reads knowledge table '${table.name}' without listing it in \`knowledge\``);
          return services.knowledge.table(table);
        },
        lowTierWanted: services.lowTierWanted ?? true,
        report: (input) => collector.add(rule, input),
        skipLow: (node) => collector.skip(rule.meta.id, node),
      });
    } catch (error) {
      problems.push({
        path: parsed.path,
        kind: 'internal-error',
        reason: `rule ${rule.meta.id} failed on this file: ${(error as Error).stack ?? String(error)}`,
        analysed: false,
      });
    }
  }
  return { findings: collector.findings, problems };
}
