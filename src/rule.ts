// What a rule is. A rule lives in rules/<id>.ts, default-exports
// defineRule({...}), and never does I/O: it gets a parsed file and reports.

import type { Confidence, Severity, SiblingKey } from './model';
import type { ParsedFile, SyntaxNode } from './frontend/parse';
import type { Typer } from './types/typer';
import type { KnowledgeTable } from './knowledge';
import type { KbuildView } from './kernel/kbuild';

export interface RuleMeta<MessageId extends string> {
  /** kebab-case, names the bug, equals the file name. */
  id: string;
  /** One line. */
  description: string;
  category: 'memory' | 'refcount' | 'error-handling' | 'integer' | 'concurrency';
  severity: Severity;
  confidence: Confidence;
  /** Message templates; `{{name}}` is replaced from the report's data. */
  messages: Record<MessageId, string>;
  /** Default advice, unless a report gives its own. */
  fix: string;
  /** Fixing commits, lore threads. */
  references: string[];
}

export interface EvidenceInput {
  node: SyntaxNode;
  message: string;
}

export interface ReportInput<MessageId extends string> {
  node: SyntaxNode;
  messageId: MessageId;
  data?: Record<string, string>;
  evidence?: EvidenceInput[];
  fix?: string;
  confidence?: Confidence;
  /** The same bug elsewhere has an equal key (see SiblingKey); rules whose findings have one give it. */
  key?: SiblingKey;
}

export interface RuleContext<MessageId extends string> {
  file: ParsedFile;
  /**
   * Expression types, from the tree's type index when there is one (built
   * on first use; rules that use it set `needsTypes`).
   */
  readonly types: Typer;
  /** How the file is built (its Makefile line, the Kconfig entries behind it); null outside a kernel tree. */
  readonly kbuild: KbuildView | null;
  /** A knowledge table (data/knowledge/<name>.txt plus the user's extensions); the rule lists it in `knowledge`. */
  knowledge(table: string): KnowledgeTable;
  report(input: ReportInput<MessageId>): void;
}

export interface Rule<MessageId extends string = string> {
  meta: RuleMeta<MessageId>;
  /**
   * Identifiers the rule needs to see in a file before it is worth parsing
   * (the pre-filter). A file mentioning none of them is not parsed for this rule.
   */
  requires: readonly string[];
  /**
   * What the tree's type index must show about a file, after `requires`,
   * before it is parsed for this rule (src/engine/index-prefilter.ts). It must
   * let through every file the rule could report in, at any tier; a file the
   * index does not know is always parsed.
   */
  requiresInIndex?: IndexRequirement;
  /** The rule types expressions: scan opens the tree's type index for it. */
  needsTypes?: boolean;
  /** The knowledge tables the rule reads (data/knowledge/<name>.txt); the meta test checks they exist. */
  knowledge?: readonly string[];
  check(context: RuleContext<MessageId>): void;
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
    exceptKnowledge?: readonly string[];
    /** A callee that every declaration in the tree says returns void is never reported (a row of `failing.knowledge` still is). */
    exceptVoid?: boolean;
    /** May fail: a row of this knowledge table, or a definition in the tree that returns an error code or another call's result. */
    failing: { knowledge: string };
    /** Or: at least this many call sites across the tree use the callee's result. */
    orUsedAtLeast?: number;
  };
}

export function defineRule<MessageId extends string>(rule: Rule<MessageId>): Rule<MessageId> {
  return rule;
}

/** Code quoted in a message: whitespace runs made one space, cut to `max` characters. */
export function clip(text: string, max = 50): string {
  const flat = text.replace(/\s+/g, ' ');
  return flat.length > max ? `${flat.slice(0, max - 3)}...` : flat;
}
