// What scan and diff share after the analysis: where the report goes, what goes
// to standard error beside it, and the SARIF settings given on the command line.

import * as fs from 'node:fs';
import * as path from 'node:path';
import { ruleDocsPath } from '../engine/registry';
import { directoryUri } from '../report/sarif';
import type { SarifSettings } from '../report/index';

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

/** The report to the -o file, else to standard output. */
export function writeReport(report: string, output: string | undefined): void {
  if (output) fs.writeFileSync(output, report);
  else process.stdout.write(report);
}

/** One line each on standard error, in gcc's "program: ..." form; `stderr` for tests. */
export function writeNotices(lines: readonly string[], stderr: (text: string) => void = (text) => process.stderr.write(text)): void {
  if (lines.length > 0) stderr(lines.map((line) => `patch-audit: ${line}\n`).join(''));
}
