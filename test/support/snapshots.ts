// Snapshots of a fixture's full findings, kept beside it as <fixture>.snap and
// reviewed like code: message, line, column, confidence, every evidence step
// with its line, and the fix. Any drift fails the test with a line diff.
//
// Update them all with one command: PATCH_AUDIT_UPDATE_SNAPSHOTS=1 npm test
// (or npm run test:update-snapshots), then review `git diff fixtures/`.

import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import type { Finding } from '../../src/model';

export const SNAPSHOT_EXTENSION = '.snap';
const UPDATE = process.env.PATCH_AUDIT_UPDATE_SNAPSHOTS === '1';
const UPDATE_HINT = 'PATCH_AUDIT_UPDATE_SNAPSHOTS=1 npm test (or npm run test:update-snapshots)';

/** A finding as snapshot text; `state` is a diff audit's introduced/fixed, `patchLine` its line in the patch. */
export interface SnapshotEntry {
  finding: Finding;
  state?: string;
  patchLine?: number;
}

export function snapshotText(entries: readonly SnapshotEntry[]): string {
  if (entries.length === 0) return '(no findings)\n';
  return entries
    .map(({ finding, state, patchLine }) => {
      const { location: at } = finding;
      const head = [
        state ? `${state}${patchLine ? ` (patch line ${patchLine})` : ''}: ` : '',
        `${at.file}:${at.line}:${at.column}: ${finding.ruleId} ${finding.severity} ${finding.confidence}`,
      ].join('');
      return [
        head,
        `  message: ${finding.message}`,
        ...finding.evidence.map((step) => `  evidence ${step.location.line}:${step.location.column}: ${step.message}`),
        `  fix: ${finding.fix}`,
        '',
      ].join('\n');
    })
    .join('\n');
}

/**
 * Compares with the snapshot file (or writes it when updating). A missing or
 * different snapshot fails, showing the lines that differ.
 */
export function matchSnapshot(snapshotFile: string, actual: string): void {
  if (UPDATE) {
    if (!fs.existsSync(snapshotFile) || fs.readFileSync(snapshotFile, 'utf8') !== actual) fs.writeFileSync(snapshotFile, actual);
    return;
  }
  if (!fs.existsSync(snapshotFile)) assert.fail(`no snapshot ${snapshotFile}: write it with ${UPDATE_HINT}, then review it`);
  const expected = fs.readFileSync(snapshotFile, 'utf8');
  if (actual === expected) return;
  assert.fail(`findings differ from the snapshot ${snapshotFile} (- snapshot, + now); if the change is meant, run ${UPDATE_HINT} and review the diff\n${lineDiff(expected, actual)}`);
}

/** The lines that differ, with a line of context: `- ` in the snapshot only, `+ ` now only. */
export function lineDiff(before: string, after: string): string {
  const a = before.split('\n');
  const b = after.split('\n');
  // Longest common subsequence table; snapshots are small.
  const lcs = Array.from({ length: a.length + 1 }, () => new Array<number>(b.length + 1).fill(0));
  for (let i = a.length - 1; i >= 0; i--) for (let j = b.length - 1; j >= 0; j--) lcs[i][j] = a[i] === b[j] ? lcs[i + 1][j + 1] + 1 : Math.max(lcs[i + 1][j], lcs[i][j + 1]);
  const lines: { mark: ' ' | '-' | '+'; text: string }[] = [];
  let i = 0;
  let j = 0;
  while (i < a.length || j < b.length) {
    if (i < a.length && j < b.length && a[i] === b[j]) lines.push({ mark: ' ', text: a[i++] }), j++;
    else if (i < a.length && (j >= b.length || lcs[i + 1][j] >= lcs[i][j + 1])) lines.push({ mark: '-', text: a[i++] });
    else lines.push({ mark: '+', text: b[j++] });
  }
  const near = (k: number) => lines.slice(Math.max(0, k - 1), k + 2).some((l) => l.mark !== ' ');
  const shown: string[] = [];
  lines.forEach((line, k) => {
    if (near(k)) shown.push(`${line.mark} ${line.text}`);
    else if (shown[shown.length - 1] !== '  ...') shown.push('  ...');
  });
  return shown.join('\n');
}
