// Pairs recorded rows with the findings of a report, one to one: by
// fingerprint in the same file first (the code may have moved), then by the
// fingerprint without its occurrence number, then by file:line.

import type { ReportedFinding } from './findings';
import type { TriageRow } from './record';

export type MatchedBy = 'fingerprint' | 'line';

export interface Match {
  row: TriageRow;
  finding?: ReportedFinding;
  by?: MatchedBy;
}

function baseFingerprint(fingerprint: string): string {
  return fingerprint.replace(/:\d+$/, '');
}

function groupBy<T>(items: T[], key: (item: T) => string): Map<string, T[]> {
  const groups = new Map<string, T[]>();
  for (const item of items) {
    const k = key(item);
    const group = groups.get(k);
    if (group) group.push(item);
    else groups.set(k, [item]);
  }
  return groups;
}

export function matchRows(rows: TriageRow[], findings: ReportedFinding[]): Match[] {
  const exact = groupBy(findings, (f) => `${f.ruleId}\0${f.location.file}\0${f.fingerprint}`);
  const base = groupBy(findings, (f) => `${f.ruleId}\0${f.location.file}\0${baseFingerprint(f.fingerprint)}`);
  const byLine = groupBy(findings, (f) => `${f.ruleId}\0${f.location.file}\0${f.location.line}`);
  const taken = new Set<ReportedFinding>();
  const matches: Match[] = rows.map((row) => ({ row }));

  const closest = (row: TriageRow, candidates: ReportedFinding[] | undefined): ReportedFinding | undefined => {
    let best: ReportedFinding | undefined;
    let bestDistance = Infinity;
    for (const f of candidates ?? []) {
      if (taken.has(f)) continue;
      const distance = Math.abs(f.location.line - row.line) * 10_000 + Math.abs(f.location.column - row.column);
      if (distance < bestDistance) {
        best = f;
        bestDistance = distance;
      }
    }
    return best;
  };
  const pass = (by: MatchedBy, candidatesOf: (row: TriageRow) => ReportedFinding[] | undefined): void => {
    for (const match of matches) {
      if (match.finding) continue;
      const finding = closest(match.row, candidatesOf(match.row));
      if (finding) {
        taken.add(finding);
        match.finding = finding;
        match.by = by;
      }
    }
  };

  const prefix = (row: TriageRow): string => `${row.ruleId}\0${row.file}\0`;
  pass('fingerprint', (row) => (row.fingerprint === '-' ? undefined : exact.get(prefix(row) + row.fingerprint)));
  pass('fingerprint', (row) => (row.fingerprint === '-' ? undefined : base.get(prefix(row) + baseFingerprint(row.fingerprint))));
  pass('line', (row) => byLine.get(prefix(row) + row.line));
  return matches;
}
