// Counts what a findings report does to the precision record: recorded true
// and plausible findings kept at their tier, recorded false ones gone from the
// default tiers, shown findings not triaged yet, and precision per rule+tier.

import { isShown, type ReportedFinding } from './findings';
import type { Match } from './match';
import { PENDING, tierRank, type Tier, type TriageRow } from './record';

/** A recorded finding that is no longer where its verdict wants it. */
export interface Change {
  row: TriageRow;
  /** 'gone' (not reported) or the tier it is reported at now. */
  now: 'gone' | Tier;
}

/** Recorded rows of one rule and recorded tier. */
export interface RecordedCounts {
  ruleId: string;
  tier: Tier;
  positives: number;
  positivesKept: number;
  /** Recorded true/plausible rows shown below their recorded tier, or not reported. */
  positivesLost: Change[];
  falses: number;
  falsesGone: number;
  /** Recorded false rows still shown at medium or above. */
  falsesShown: Change[];
  pending: number;
}

/** Shown findings of one rule and current tier. */
export interface ShownCounts {
  ruleId: string;
  tier: Tier;
  shown: number;
  triaged: number;
  true: number;
  plausible: number;
  false: number;
  /** (true + plausible) / triaged; null when nothing shown is triaged. */
  precision: number | null;
  untriaged: number;
}

export interface PrecisionReport {
  findings: number;
  rows: number;
  /** False when the report has no low findings: demoted and gone cannot be told apart. */
  hasLowTier: boolean;
  recorded: RecordedCounts[];
  shown: ShownCounts[];
}

const byRuleThenTier = <T extends { ruleId: string; tier: Tier }>(a: T, b: T): number =>
  a.ruleId < b.ruleId ? -1 : a.ruleId > b.ruleId ? 1 : tierRank(b.tier) - tierRank(a.tier);

export function buildReport(matches: Match[], findings: ReportedFinding[]): PrecisionReport {
  const recorded = new Map<string, RecordedCounts>();
  const verdictOf = new Map<ReportedFinding, TriageRow>();
  for (const { row, finding } of matches) {
    const key = `${row.ruleId}\0${row.tier}`;
    let counts = recorded.get(key);
    if (!counts) {
      counts = { ruleId: row.ruleId, tier: row.tier, positives: 0, positivesKept: 0, positivesLost: [], falses: 0, falsesGone: 0, falsesShown: [], pending: 0 };
      recorded.set(key, counts);
    }
    if (finding) verdictOf.set(finding, row);
    const now: 'gone' | Tier = finding ? finding.confidence : 'gone';
    if (row.verdict === PENDING) {
      counts.pending++;
    } else if (row.verdict === 'false') {
      counts.falses++;
      if (!finding || !isShown(finding)) counts.falsesGone++;
      else counts.falsesShown.push({ row, now });
    } else {
      counts.positives++;
      if (finding && tierRank(finding.confidence) >= tierRank(row.tier)) counts.positivesKept++;
      else counts.positivesLost.push({ row, now });
    }
  }

  const shown = new Map<string, ShownCounts>();
  for (const finding of findings) {
    if (!isShown(finding)) continue;
    const key = `${finding.ruleId}\0${finding.confidence}`;
    let counts = shown.get(key);
    if (!counts) {
      counts = { ruleId: finding.ruleId, tier: finding.confidence, shown: 0, triaged: 0, true: 0, plausible: 0, false: 0, precision: null, untriaged: 0 };
      shown.set(key, counts);
    }
    counts.shown++;
    const row = verdictOf.get(finding);
    if (!row || row.verdict === PENDING) {
      counts.untriaged++;
      continue;
    }
    counts.triaged++;
    counts[row.verdict]++;
  }
  for (const counts of shown.values()) {
    counts.precision = counts.triaged === 0 ? null : (counts.true + counts.plausible) / counts.triaged;
  }

  return {
    findings: findings.length,
    rows: matches.length,
    hasLowTier: findings.some((f) => f.confidence === 'low'),
    recorded: [...recorded.values()].sort(byRuleThenTier),
    shown: [...shown.values()].sort(byRuleThenTier),
  };
}

function percent(value: number | null): string {
  return value === null ? '-' : `${Math.round(value * 100)}%`;
}

function describeChange({ row, now }: Change): string {
  const where = `${row.file}:${row.line}:${row.column}`;
  const state = now === 'gone' ? 'no longer reported' : `now ${now}`;
  return `    ${where} (${row.verdict}, recorded ${row.tier}): ${state}; ${row.reason}`;
}

export function renderReport(report: PrecisionReport, options: { listFalseShown?: boolean } = {}): string {
  const out: string[] = [];
  out.push(`${report.rows} recorded rows against ${report.findings} findings.`);
  if (!report.hasLowTier) {
    out.push('The report has no low findings (scan with --min-confidence low): a finding demoted to low counts as no longer reported.');
  }
  out.push('', 'Shown findings (medium and high), by the tier they are shown at now:');
  out.push('| rule | tier | shown | triaged | true | plausible | false | precision | not triaged |');
  out.push('|---|---|---:|---:|---:|---:|---:|---:|---:|');
  for (const s of report.shown) {
    out.push(`| ${s.ruleId} | ${s.tier} | ${s.shown} | ${s.triaged} | ${s.true} | ${s.plausible} | ${s.false} | ${percent(s.precision)} | ${s.untriaged} |`);
  }
  out.push('', 'Recorded verdicts, by the tier they were triaged at:');
  out.push('| rule | recorded tier | true+plausible | kept at that tier or above | false | gone from the default tiers | not triaged yet (?) |');
  out.push('|---|---|---:|---:|---:|---:|---:|');
  for (const r of report.recorded) {
    out.push(`| ${r.ruleId} | ${r.tier} | ${r.positives} | ${r.positivesKept} | ${r.falses} | ${r.falsesGone} | ${r.pending} |`);
  }
  const lost = report.recorded.flatMap((r) => r.positivesLost);
  if (lost.length > 0) out.push('', `True or plausible, lost or demoted (${lost.length}):`, ...lost.map(describeChange));
  const stillShown = report.recorded.flatMap((r) => r.falsesShown);
  if (stillShown.length > 0 && options.listFalseShown) out.push('', `False, still shown (${stillShown.length}):`, ...stillShown.map(describeChange));
  else if (stillShown.length > 0) out.push('', `${stillShown.length} recorded false findings are still shown (--show-false lists them).`);
  return `${out.join('\n')}\n`;
}
