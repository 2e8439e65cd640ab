// Unfixed siblings: for each finding a patch fixes, the findings of the same
// rule and the same sibling key (the dropped callee, the narrowed member, the
// page lookup and its put...) that are still in the tree once the patch is
// applied. Candidate files come from the index (sibling-candidates.ts); only
// the fixed finding's rule runs on them, within a time bound shared by the run.

import { performance } from 'node:perf_hooks';
import type { Finding } from '../model';
import { compareFindings } from '../engine/findings';
import { createIdentifierMatcher } from '../input/prefilter';
import type { ImageAnalyser } from './image-analysis';
import type { AuditedFinding, PatchAudit, SiblingSearchSummary, UnfixedSiblings } from './model';
import { mentionedNames, siblingCandidates } from './sibling-candidates';
import type { WorkingTree } from './working-tree';

/** Time spent searching, over every patch of a run, against a limit. */
export class SiblingBudget {
  private spentMs = 0;

  constructor(readonly limitMs: number, private readonly now: () => number = () => performance.now()) {}

  /** Runs `work` with a test that says when the limit is reached; what it spends is added. */
  async spend<T>(work: (over: () => boolean) => Promise<T>): Promise<T> {
    const started = this.now();
    try {
      return await work(() => this.spentMs + (this.now() - started) >= this.limitMs);
    } finally {
      this.spentMs += this.now() - started;
    }
  }
}

export interface SiblingSearchOptions {
  /** Whether a finding would be shown (confidence, configuration); suppressed findings never count. */
  keep(finding: Finding): boolean;
  budget: SiblingBudget;
}

interface Group {
  ruleId: string;
  fixed: AuditedFinding[];
}

/**
 * The audit with each fixed finding that has a sibling key given its unfixed
 * siblings, as the tree is now (the patch applied). `tree` is the working tree
 * the audit left the patch applied in.
 */
export async function withUnfixedSiblings(audit: PatchAudit, tree: WorkingTree, analyser: ImageAnalyser, options: SiblingSearchOptions): Promise<PatchAudit> {
  const groups = groupsOf(audit.findings, options.keep);
  if (groups.size === 0) return audit;
  const changed = { texts: tree.changedFiles(), factsOf: (path: string, text: string) => analyser.factsOf(path, text) };
  // The types of the tree as the patch left it (for a git commit: its parent's, with the commit applied).
  const overlay = await tree.typeOverlay();
  const analysers = new Map<string, ImageAnalyser>();
  const analysed = new Map<string, Finding[] | null>();
  const candidates = new Set<string>();
  const searched = new Set<string>();
  const found = new Map<Group, UnfixedSiblings>();

  /** The rule's findings in a file as it is now (null: unreadable, or not worth parsing). */
  const findingsIn = async (ruleId: string, file: string, mentions: (text: string) => boolean): Promise<Finding[] | null> => {
    const memo = `${ruleId}\0${file}`;
    if (analysed.has(memo)) return analysed.get(memo)!;
    const read = await tree.read(file);
    let findings: Finding[] | null = null;
    if (read.ok && read.text !== null && mentions(read.text)) {
      let only = analysers.get(ruleId);
      if (!only) analysers.set(ruleId, (only = analyser.restrictedTo(new Set([ruleId]))));
      findings = only.analyse(file, read.text, overlay).findings;
    }
    analysed.set(memo, findings);
    return findings;
  };

  await options.budget.spend(async (over) => {
    for (const group of groups.values()) {
      const key = group.fixed[0].finding.siblingKey!;
      const files = siblingCandidates(analyser.index, key, changed);
      files.forEach((file) => candidates.add(file));
      const mentions = createIdentifierMatcher(mentionedNames(key));
      const siblings: Finding[] = [];
      let complete = true;
      for (const file of files) {
        if (over()) {
          complete = false;
          break;
        }
        searched.add(file);
        for (const finding of (await findingsIn(group.ruleId, file, mentions)) ?? []) {
          if (finding.ruleId === group.ruleId && finding.siblingKey?.id === key.id && !finding.suppression && options.keep(finding)) siblings.push(finding);
        }
      }
      found.set(group, { key, findings: siblings.sort(compareFindings), complete });
    }
  });

  const siblingsOf = new Map<AuditedFinding, UnfixedSiblings>();
  for (const [group, siblings] of found) for (const fixed of group.fixed) siblingsOf.set(fixed, siblings);
  const summary: SiblingSearchSummary = { candidates: candidates.size, searched: searched.size, complete: [...found.values()].every((s) => s.complete) };
  return {
    ...audit,
    findings: audit.findings.map((audited) => (siblingsOf.has(audited) ? { ...audited, siblings: siblingsOf.get(audited)! } : audited)),
    siblingSearch: summary,
  };
}

/** Fixed findings the report shows, with a sibling key, grouped by rule and key: each group is searched once. */
function groupsOf(findings: readonly AuditedFinding[], shown: (finding: Finding) => boolean): Map<string, Group> {
  const groups = new Map<string, Group>();
  for (const audited of findings) {
    const key = audited.finding.siblingKey;
    if (audited.state !== 'fixed' || !key || !shown(audited.finding)) continue;
    const id = `${audited.finding.ruleId}\0${key.id}`;
    let group = groups.get(id);
    if (!group) groups.set(id, (group = { ruleId: audited.finding.ruleId, fixed: [] }));
    group.fixed.push(audited);
  }
  return groups;
}
