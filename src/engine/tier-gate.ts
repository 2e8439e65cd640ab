// Which of a file's findings leave the worker thread: those the run can show,
// and the hidden ones that still change what it reports. At the default
// --min-confidence most findings are of the low tier, which the report never
// lists; sending them to the main thread only to drop them there held a
// gigabyte on a whole-tree run.
//
// A finding below the threshold still matters to the gating in two cases, and
// is kept for them:
// - a suppression comment covers it: the comment is then used, which
//   --report-unused-suppressions reads (src/gating/suppressions.ts);
// - a baseline is compared with: a hidden finding takes its entry, which is
//   then not stale (src/gating/baseline.ts). The worker does not read the
//   baseline, so with one every tier is kept.
// Findings the configuration's ignorePaths drops are left to the main thread.

import { CONFIDENCE_RANK, type Confidence, type Finding } from '../model';
import type { SuppressionDirective } from '../gating/suppression-comments';

export interface TierGate {
  minConfidence: Confidence;
  /** Keep every tier (a baseline is compared with: hidden findings can match its entries). */
  keepAllTiers: boolean;
  /** Suppression comments are checked for use (--report-unused-suppressions): the hidden findings they cover are read. */
  suppressionsChecked?: boolean;
}

/**
 * Whether the run reads findings of the low tier: shown, or read by the
 * gating. When not, rules may skip what can only give low findings
 * (RuleContext.lowTierWanted), and what they give is complete only for the
 * shown tiers: the result cache keeps such results apart (result-key.ts).
 */
export function lowTierWanted(gate: TierGate): boolean {
  return gate.minConfidence === 'low' || gate.keepAllTiers || Boolean(gate.suppressionsChecked);
}

/** `findings` (one file's, in order) without those the run can neither show nor needs to judge others. */
export function findingsThroughGate(findings: readonly Finding[], gate: TierGate, suppressions: readonly SuppressionDirective[] | undefined): Finding[] {
  const threshold = CONFIDENCE_RANK[gate.minConfidence];
  if (gate.keepAllTiers || threshold === 0) return [...findings];
  const covered = coveredLines(suppressions);
  return findings.filter((f) => CONFIDENCE_RANK[f.confidence] >= threshold || covered.has(coverKey(f.location.line, f.ruleId)));
}

function coveredLines(suppressions: readonly SuppressionDirective[] | undefined): Set<string> {
  const covered = new Set<string>();
  for (const directive of suppressions ?? []) covered.add(coverKey(directive.coveredLine, directive.ruleId));
  return covered;
}

function coverKey(line: number, ruleId: string): string {
  return `${line}\0${ruleId}`;
}
