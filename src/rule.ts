// What a rule is. A rule lives in rules/<id>.ts, default-exports
// defineRule({...}), and never does I/O: it gets a parsed file and reports.
// Its fix advice and references are not here: they are read from
// rules/<id>.md (see src/engine/rule-docs.ts), the one place they are written.

import type { Confidence, Severity, SiblingKey } from './model';
import type { ParsedFile, SyntaxNode } from './frontend/parse';
import type { Typer } from './types/typer';
import type { KnowledgeTable, TableDefinition, TableNames } from './knowledge';
import type { KbuildView } from './kernel/kbuild';
import type { Abi } from './types/ctype';

/** Message templates by id; `{{name}}` is replaced from the report's data. */
export type MessageTemplates = Readonly<Record<string, string>>;

/** The placeholder names of a template: `'{{callee}}() at {{line}}'` gives `'callee' | 'line'`. */
export type Placeholders<Template extends string> = Template extends `${string}{{${infer Name}}}${infer Rest}`
  ? Name | Placeholders<Rest>
  : never;

/** The data a message needs: one string per placeholder, no more and no fewer (none: no data). */
export type MessageData<Template extends string> = [Placeholders<Template>] extends [never]
  ? { data?: Record<string, never> }
  : { data: { [Name in Placeholders<Template>]: string } };

export interface RuleMeta<Messages extends MessageTemplates> {
  /** kebab-case, names the bug, equals the file name. */
  id: string;
  /** One line. */
  description: string;
  /** What kind of bug, one kebab-case word or two: memory, refcount, error-handling, integer, concurrency, or a new one. */
  category: string;
  severity: Severity;
  confidence: Confidence;
  messages: Messages;
}

export interface EvidenceInput {
  node: SyntaxNode;
  message: string;
}

interface ReportCommon {
  node: SyntaxNode;
  evidence?: EvidenceInput[];
  /** This finding's own advice; the default is the first paragraph of "How to fix" in rules/<id>.md. */
  fix?: string;
  confidence?: Confidence;
  /** The same bug elsewhere has an equal key (see SiblingKey); rules whose findings have one give it. */
  key?: SiblingKey;
}

/** A report: a message id and exactly the data its template asks for (checked by the compiler). */
export type ReportInput<Messages extends MessageTemplates = MessageTemplates> = {
  [Id in keyof Messages & string]: ReportCommon & { messageId: Id } & MessageData<Messages[Id]>;
}[keyof Messages & string];

export interface RuleContext<Messages extends MessageTemplates> {
  file: ParsedFile;
  /**
   * Expression types, from the tree's type index when there is one (built on
   * first use). Only for rules that set `needsTypes`: for the others it throws.
   */
  readonly types: Typer;
  /** How the file is built (its Makefile line, the Kconfig entries behind it); null outside a kernel tree. */
  readonly kbuild: KbuildView | null;
  /** A knowledge table the rule lists in `knowledge`, every row read through the table's definition. */
  knowledge<Row>(table: TableDefinition<Row>): KnowledgeTable<Row>;
  /**
   * Whether the run wants findings of the low tier. It does not at
   * --min-confidence medium or high when nothing reads hidden findings (no
   * baseline, no --report-unused-suppressions): the rule may then skip work
   * that can only give low findings. When true, every tier must be complete.
   */
  readonly lowTierWanted: boolean;
  report(input: ReportInput<Messages>): void;
  /**
   * Instead of report(), when the run does not want the low tier and the
   * finding at `node` would rank low: nothing is reported, but later findings
   * of the same code in the same function keep their fingerprints (they are
   * numbered in file order).
   */
  skipLow(node: SyntaxNode): void;
}

export interface RuleDefinition<Messages extends MessageTemplates = MessageTemplates> {
  meta: RuleMeta<Messages>;
  /**
   * What a file must mention before it is worth parsing (the pre-filter):
   * identifiers, and names of knowledge table rows (`namesOf(table, row =>
   * ...)`), so that rows a user adds with --knowledge count too. Glob rows
   * name no identifier and are left out. A file mentioning none is not parsed
   * for this rule.
   */
  requires: readonly (string | TableNames<any>)[];
  /**
   * What the tree's type index must show about a file, after `requires`,
   * before it is parsed for this rule (src/engine/index-prefilter.ts). It must
   * let through every file the rule could report in, at any tier; a file the
   * index does not know is always parsed.
   */
  requiresInIndex?: IndexRequirement;
  /**
   * When the run does not want the low tier (RuleContext.lowTierWanted):
   * whether the file's normalised text, as the parse reads it, may hold a
   * finding above low. A file it rejects is not parsed for the rule, so it
   * must be a necessary condition of every medium and high finding.
   */
  mayRankAboveLow?: (text: string, abi: Abi) => boolean;
  /** The rule types expressions: scan opens the tree's type index for it, and `context.types` works only then. */
  needsTypes?: boolean;
  /** The knowledge tables the rule reads; their rows are checked when the tables are loaded. */
  knowledge?: readonly TableDefinition<any>[];
  check(context: RuleContext<Messages>): void;
}

/** See Rule.requiresInIndex. */
export interface IndexRequirement {
  /**
   * The file drops the result of a call (`callee(...);`, a statement of its
   * own) to a callee that could be reported: one not excepted below, that may
   * fail or whose result enough call sites use.
   */
  droppedCall: {
    /** Names without a lowercase letter are never reported. */
    exceptWithoutLowercase?: boolean;
    /** Rows of these knowledge tables are never reported. */
    exceptKnowledge?: readonly TableDefinition<any>[];
    /** A callee that every declaration in the tree says returns void is never reported (a row of `failing.knowledge` still is). */
    exceptVoid?: boolean;
    /** May fail: a row of this knowledge table, or a definition in the tree that returns an error code or another call's result. */
    failing: { knowledge: TableDefinition<any> };
    /** Or: at least this many call sites across the tree use the callee's result. */
    orUsedAtLeast?: number;
    /**
     * When the run wants no low findings (RuleContext.lowTierWanted false):
     * a callee known to fail only by its own error returns (no knowledge
     * table row, no other call's result passed on) counts only with this
     * many call sites across the tree that use its result, and the sites
     * alone (`orUsedAtLeast`) do not count.
     */
    aboveLow?: { usedAtLeast: number };
  };
}

/** What the rule's documentation (rules/<id>.md) gives it. */
export interface RuleDocs {
  /** The whole file, for `explain` and SARIF help. */
  markdown: string;
  /** The first paragraph of "How to fix": the advice of findings that give none of their own. */
  fix: string;
  /** The items of the "References" list. */
  references: string[];
}

/** A rule as the engine runs it: its definition and its documentation (see src/engine/registry.ts). */
export interface Rule<Messages extends MessageTemplates = MessageTemplates> extends RuleDefinition<Messages> {
  docs: RuleDocs;
}

export function defineRule<const Messages extends MessageTemplates>(rule: RuleDefinition<Messages>): RuleDefinition<Messages> {
  return rule;
}

/** Code quoted in a message: whitespace runs made one space, cut to `max` characters. */
export function clip(text: string, max = 50): string {
  const flat = text.replace(/\s+/g, ' ');
  return flat.length > max ? `${flat.slice(0, max - 3)}...` : flat;
}
