// One entry point for every output format, so commands never pick a reporter themselves.

import type { ScanResult } from '../model';
import { renderCheckpatch } from './checkpatch';
import { jsonReportChunks, renderJson } from './json';
import { renderSarif, sarifLogChunks, type SarifReportOptions } from './sarif';
import { renderText } from './text';

export type ReportFormat = 'text' | 'checkpatch' | 'json' | 'sarif';

export const REPORT_FORMATS: readonly ReportFormat[] = ['text', 'checkpatch', 'json', 'sarif'];

export interface ReportOptions {
  toolVersion: string;
  /** Directory the finding paths are relative to (SARIF's %SRCROOT%). */
  cwd: string;
  /** Text format: print the first paragraph of each rule's docs once. */
  explain?: boolean;
  /** Text format: ANSI colours like gcc. */
  color?: boolean;
  /** SARIF tool.driver.informationUri; left out when not given. */
  informationUri?: string;
  /** SARIF: the folder of the rule docs, for each rule's helpUri; the category; the cap on results. */
  sarif?: SarifSettings;
}

export type SarifSettings = Pick<SarifReportOptions, 'helpUriBase' | 'category' | 'maxResults'>;

export function isReportFormat(name: string): name is ReportFormat {
  return (REPORT_FORMATS as readonly string[]).includes(name);
}

/** Renders the findings in the order given; every format ends with a newline. */
export function renderReport(format: ReportFormat, result: ScanResult, options: ReportOptions): string {
  switch (format) {
    case 'text':
      return renderText(result, { explain: options.explain, color: options.color });
    case 'checkpatch':
      return renderCheckpatch(result);
    case 'json':
      return renderJson(result, { toolVersion: options.toolVersion });
    case 'sarif':
      return renderSarif(result, sarifOptions(options));
    default: {
      const unknown: never = format;
      throw new Error(`unknown report format: ${String(unknown)}`);
    }
  }
}

function sarifOptions(options: ReportOptions): SarifReportOptions {
  return { toolVersion: options.toolVersion, cwd: options.cwd, informationUri: options.informationUri, ...options.sarif };
}

/**
 * renderReport()'s text in pieces, for writing: JSON and SARIF finding by
 * finding (text and checkpatch are one piece).
 */
export function reportChunks(format: ReportFormat, result: ScanResult, options: ReportOptions): Iterable<string> {
  if (format === 'json') return jsonReportChunks(result, { toolVersion: options.toolVersion });
  if (format === 'sarif') return sarifLogChunks(result, sarifOptions(options));
  return [renderReport(format, result, options)];
}
