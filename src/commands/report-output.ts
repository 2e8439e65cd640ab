// What scan and diff share after the analysis: where the report goes, what goes
// to standard error beside it, and the SARIF settings given on the command line.

import * as fs from 'node:fs';
import * as path from 'node:path';
import { ruleDocsPath } from '../engine/registry';
import { directoryUri } from '../report/sarif';
import type { SarifSettings } from '../report/index';
import { writeAll } from '../types/atomic-file';

export interface SarifCommandSettings {
  category?: string;
  maxResults?: number;
  /** Folder URL of the rule docs; default: the installed rules/ folder. */
  helpUri?: string;
  /** diff only: keep fixed findings, as "pass" results. */
  includeFixed?: boolean;
}

export function sarifReportSettings(settings: SarifCommandSettings | undefined): SarifSettings & { includeFixed?: boolean } {
  const given = settings?.helpUri;
  const helpUriBase = given === undefined ? directoryUri(path.dirname(ruleDocsPath('rule'))) : given.endsWith('/') ? given : `${given}/`;
  return {
    helpUriBase,
    ...(settings?.category === undefined ? {} : { category: settings.category }),
    ...(settings?.maxResults === undefined ? {} : { maxResults: settings.maxResults }),
    ...(settings?.includeFixed ? { includeFixed: true } : {}),
  };
}

/** Pieces of a report are joined up to about this many characters before a write. */
const WRITE_CHARS = 1 << 20;

/** The report (whole, or in pieces: src/report/json-chunks.ts) to the -o file, else to standard output. */
export function writeReport(report: string | Iterable<string>, output: string | undefined): void {
  if (typeof report === 'string') {
    if (output) fs.writeFileSync(output, report);
    else process.stdout.write(report);
    return;
  }
  const fd = output ? fs.openSync(output, 'w') : null;
  const write = (text: string) => (fd === null ? process.stdout.write(text) : writeAll(fd, Buffer.from(text)));
  try {
    let pending = '';
    for (const piece of report) {
      pending += piece;
      if (pending.length >= WRITE_CHARS) {
        write(pending);
        pending = '';
      }
    }
    if (pending) write(pending);
  } finally {
    if (fd !== null) fs.closeSync(fd);
  }
}

/** One line each on standard error, in gcc's "program: ..." form; `stderr` for tests. */
export function writeNotices(lines: readonly string[], stderr: (text: string) => void = (text) => process.stderr.write(text)): void {
  if (lines.length > 0) stderr(lines.map((line) => `patch-audit: ${line}\n`).join(''));
}
