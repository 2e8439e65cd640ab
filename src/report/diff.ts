// One entry point for every output format of the diff mode, as index.ts is for scans.

import type { DiffResult } from '../diff/model';
import { renderDiffJson } from './diff-json';
import { renderDiffSarif } from './diff-sarif';
import { renderDiffText } from './diff-text';

export type DiffReportFormat = 'text' | 'json' | 'sarif';

export const DIFF_REPORT_FORMATS: readonly DiffReportFormat[] = ['text', 'json', 'sarif'];

export interface DiffReportOptions {
  toolVersion: string;
  /** Directory relative paths are resolved against (the tree, when the result names one, is taken relative to it). */
  cwd: string;
  /** Text format: ANSI colours. */
  color?: boolean;
  /** SARIF tool.driver.informationUri; left out when not given. */
  informationUri?: string;
}

export function isDiffReportFormat(name: string): name is DiffReportFormat {
  return (DIFF_REPORT_FORMATS as readonly string[]).includes(name);
}

/** Renders the patches in the order given; every format ends with a newline. */
export function renderDiffReport(format: DiffReportFormat, result: DiffResult, options: DiffReportOptions): string {
  switch (format) {
    case 'text':
      return renderDiffText(result, { color: options.color });
    case 'json':
      return renderDiffJson(result, { toolVersion: options.toolVersion });
    case 'sarif':
      return renderDiffSarif(result, {
        toolVersion: options.toolVersion,
        cwd: options.cwd,
        informationUri: options.informationUri,
      });
    default: {
      const unknown: never = format;
      throw new Error(`unknown diff report format: ${String(unknown)}`);
    }
  }
}
