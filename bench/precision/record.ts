// The precision record: bench/triage/<rule-id>.tsv, one row per finding a
// person read against the code, with the verdict and why. This module reads
// and writes those rows; it knows nothing of findings reports.

import * as fs from 'node:fs';
import * as path from 'node:path';

export const TIERS = ['low', 'medium', 'high'] as const;
export type Tier = (typeof TIERS)[number];
export const VERDICTS = ['true', 'plausible', 'false'] as const;
export type Verdict = (typeof VERDICTS)[number];
/** A row appended for triage whose verdict is not filled in yet. */
export const PENDING = '?';

export const COLUMNS = ['location', 'fingerprint', 'tier', 'verdict', 'reason', 'date'] as const;
export const HEADER = COLUMNS.join('\t');

export interface TriageRow {
  ruleId: string;
  file: string;
  line: number;
  column: number;
  /** The finding's fingerprint when triaged; '-' when it was not known. */
  fingerprint: string;
  tier: Tier;
  verdict: Verdict | typeof PENDING;
  reason: string;
  date: string;
  /** Where the row is, for messages: "bench/triage/x.tsv:12". */
  source: string;
}

export class RecordFormatError extends Error {}

export function tierRank(tier: Tier): number {
  return TIERS.indexOf(tier);
}

function isValidDate(text: string): boolean {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(text)) return false;
  const date = new Date(`${text}T00:00:00Z`);
  return !Number.isNaN(date.getTime()) && date.toISOString().startsWith(text);
}

/** Parses one rule's TSV text; every malformed line is an error naming file:line and the reason. */
export function parseRecord(text: string, ruleId: string, fileName: string): TriageRow[] {
  const lines = text.split('\n');
  if (lines.length > 0 && lines[lines.length - 1] === '') lines.pop();
  const rows: TriageRow[] = [];
  let sawHeader = false;
  lines.forEach((raw, index) => {
    const where = `${fileName}:${index + 1}`;
    const fail = (reason: string): never => {
      throw new RecordFormatError(`${where}: ${reason}`);
    };
    const line = raw.replace(/\r$/, '');
    if (line.trim() === '' || line.startsWith('#')) return;
    if (!sawHeader) {
      if (line !== HEADER) fail(`the first line must be the header "${COLUMNS.join('<TAB>')}"`);
      sawHeader = true;
      return;
    }
    const cells = line.split('\t');
    if (cells.length !== COLUMNS.length) fail(`${cells.length} tab-separated columns, expected ${COLUMNS.length} (${COLUMNS.join(', ')})`);
    const [location, fingerprint, tier, verdict, reason, date] = cells;
    const at = /^(.+):(\d+):(\d+)$/.exec(location);
    if (!at) fail(`location '${location}' is not file:line:col`);
    if (!/^([0-9a-f]{16}(:\d+)?|-)$/.test(fingerprint)) fail(`fingerprint '${fingerprint}' is not 16 hex digits (with an optional :N), nor '-'`);
    if (!(TIERS as readonly string[]).includes(tier)) fail(`tier '${tier}' is not one of ${TIERS.join(', ')}`);
    if (!(VERDICTS as readonly string[]).includes(verdict) && verdict !== PENDING) {
      fail(`verdict '${verdict}' is not one of ${VERDICTS.join(', ')} (or '${PENDING}' for a row not triaged yet)`);
    }
    if (reason.trim() === '' || (reason.trim() === PENDING && verdict !== PENDING)) fail('the reason is empty');
    if (!isValidDate(date)) fail(`date '${date}' is not a valid YYYY-MM-DD date`);
    rows.push({
      ruleId,
      file: at![1],
      line: Number(at![2]),
      column: Number(at![3]),
      fingerprint,
      tier: tier as Tier,
      verdict: verdict as Verdict | typeof PENDING,
      reason: reason.trim(),
      date,
      source: where,
    });
  });
  return rows;
}

/**
 * The rows in effect: a finding triaged again (same location and fingerprint)
 * keeps only its latest verdict, by date and then by order in the file.
 */
export function latestRows(rows: TriageRow[]): TriageRow[] {
  const byKey = new Map<string, TriageRow>();
  for (const row of rows) {
    const key = `${row.ruleId}\0${row.file}:${row.line}:${row.column}\0${row.fingerprint}`;
    const before = byKey.get(key);
    if (!before || row.date >= before.date) {
      byKey.delete(key);
      byKey.set(key, row);
    }
  }
  return [...byKey.values()];
}

export function formatRow(row: Omit<TriageRow, 'ruleId' | 'source'>): string {
  const clean = (cell: string): string => cell.replace(/[\t\r\n]+/g, ' ');
  return [`${row.file}:${row.line}:${row.column}`, row.fingerprint, row.tier, row.verdict, clean(row.reason), row.date].join('\t');
}

/** Every bench/triage/<rule-id>.tsv in dir, parsed. */
export function readRecordDir(dir: string): TriageRow[] {
  if (!fs.existsSync(dir)) return [];
  const rows: TriageRow[] = [];
  for (const name of fs.readdirSync(dir).sort()) {
    if (!name.endsWith('.tsv')) continue;
    const ruleId = name.slice(0, -'.tsv'.length);
    const file = path.join(dir, name);
    rows.push(...parseRecord(fs.readFileSync(file, 'utf8'), ruleId, file));
  }
  return rows;
}

/** Appends rows to dir/<rule-id>.tsv, writing the header first when the file is new. */
export function appendRows(dir: string, ruleId: string, rows: Omit<TriageRow, 'ruleId' | 'source'>[]): string {
  const file = path.join(dir, `${ruleId}.tsv`);
  fs.mkdirSync(dir, { recursive: true });
  const exists = fs.existsSync(file) && fs.statSync(file).size > 0;
  let text = exists ? '' : `${HEADER}\n`;
  if (exists && !fs.readFileSync(file, 'utf8').endsWith('\n')) text += '\n';
  text += rows.map((row) => `${formatRow(row)}\n`).join('');
  fs.appendFileSync(file, text);
  return file;
}
