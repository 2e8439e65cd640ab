// Reads a findings report: the JSON of `scan -f json` (an object with
// `findings`) or a bare array of findings, from text or a file.

import * as fs from 'node:fs';
import { TIERS, type Tier } from './record';

/** What the triage tools need of a finding; the report carries more. */
export interface ReportedFinding {
  ruleId: string;
  confidence: Tier;
  message: string;
  location: { file: string; line: number; column: number };
  sourceLine?: string;
  functionName?: string;
  evidence: { location: { file: string; line: number; column: number }; message: string }[];
  fingerprint: string;
}

export class FindingsFormatError extends Error {}

export function parseFindings(text: string, origin: string): ReportedFinding[] {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (error) {
    throw new FindingsFormatError(`${origin}: not JSON (${(error as Error).message})`);
  }
  const list = Array.isArray(data) ? data : (data as { findings?: unknown } | null)?.findings;
  if (!Array.isArray(list)) throw new FindingsFormatError(`${origin}: neither a findings array nor a report with "findings"`);
  list.forEach((item, index) => {
    const f = item as Partial<ReportedFinding>;
    const ok =
      typeof f?.ruleId === 'string' &&
      typeof f.fingerprint === 'string' &&
      (TIERS as readonly string[]).includes(f.confidence as string) &&
      typeof f.location?.file === 'string' &&
      typeof f.location.line === 'number';
    if (!ok) throw new FindingsFormatError(`${origin}: finding #${index + 1} lacks ruleId, confidence, location or fingerprint`);
    if (!Array.isArray(f.evidence)) (item as ReportedFinding).evidence = [];
  });
  return list as ReportedFinding[];
}

export function readFindings(file: string): ReportedFinding[] {
  const origin = file === '-' ? 'standard input' : file;
  let text: string;
  try {
    text = fs.readFileSync(file === '-' ? 0 : file, 'utf8');
  } catch (error) {
    throw new FindingsFormatError(`${origin}: cannot be read (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`);
  }
  return parseFindings(text, origin);
}

/** Shown at the default --min-confidence medium. */
export function isShown(finding: ReportedFinding): boolean {
  return finding.confidence !== 'low';
}
