// One entry point for every output format of the diff mode, as index.ts is for scans.

import type { DiffResult } from '../diff/model';
import { renderDiffCheckpatch, type DiffCheckpatchOptions } from './diff-checkpatch';
import { renderDiffJson } from './diff-json';
import { renderDiffSarif } from './diff-sarif';
import type { SarifSettings } from './index';
import { renderDiffText } from './diff-text';

export type DiffReportFormat = 'text' | 'checkpatch' | 'json' | 'sarif';

export const DIFF_REPORT_FORMATS: readonly DiffReportFormat[] = ['text', 'checkpatch', 'json', 'sarif'];

export interface DiffReportOptions {
  toolVersion: string;
  /** Directory relative paths are resolved against (the tree, when the result names one, is taken relative to it). */
  cwd: string;
  /** Text format: ANSI colours. */
  color?: boolean;
  /** Checkpatch format: --terse (one line per finding) and --no-summary. */
  checkpatch?: DiffCheckpatchOptions;
  /** SARIF tool.driver.informationUri; left out when not given. */
  informationUri?: string;
  /** SARIF: helpUri base, category, cap, and whether fixed findings are kept (as "pass" results). */
  sarif?: SarifSettings & { includeFixed?: boolean };
}

export function isDiffReportFormat(name: string): name is DiffReportFormat {
  return (DIFF_REPORT_FORMATS as readonly string[]).includes(name);
}

/** Renders the patches in the order given; every format ends with a newline (checkpatch's may be empty). */
export function renderDiffReport(format: DiffReportFormat, result: DiffResult, options: DiffReportOptions): string {
  switch (format) {
    case 'text':
      return renderDiffText(result, { color: options.color });
    case 'checkpatch':
      return renderDiffCheckpatch(result, options.checkpatch);
    case 'json':
      return renderDiffJson(result, { toolVersion: options.toolVersion });
    case 'sarif':
      return renderDiffSarif(result, {
        toolVersion: options.toolVersion,
        cwd: options.cwd,
        informationUri: options.informationUri,
        ...options.sarif,
      });
    default: {
      const unknown: never = format;
      throw new Error(`unknown diff report format: ${String(unknown)}`);
    }
  }
}
