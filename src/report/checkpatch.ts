// The layout of scripts/checkpatch.pl --show-types, so kernel reviewers and their
// editor integrations can read the output as they read checkpatch's.

import type { Finding, InputProblem, ScanResult, Severity, SuppressionProblem } from '../model';
import { printable } from './common';

export type CheckpatchLevel = 'ERROR' | 'WARNING' | 'CHECK';

// checkpatch has no "info": its lowest level, CHECK, is the closest match.
export const CHECKPATCH_LEVEL: Record<Severity, CheckpatchLevel> = { error: 'ERROR', warning: 'WARNING', info: 'CHECK' };

interface Block {
  level: CheckpatchLevel;
  lines: string[];
}

export function renderCheckpatch(result: ScanResult): string {
  const blocks = [
    ...result.findings.map(findingBlock),
    ...(result.gating?.suppressionProblems ?? []).map(suppressionProblemBlock),
    ...result.problems.map(problemBlock),
  ];
  const paragraphs = blocks.map((block) => block.lines.join('\n'));
  paragraphs.push(totalLine(blocks, result.stats.filesConsidered));
  return paragraphs.join('\n\n') + '\n';
}

/** "use-after-free" -> "USE_AFTER_FREE", "lockLeak" -> "LOCK_LEAK". */
export function checkpatchType(ruleId: string): string {
  return ruleId
    .replace(/([a-z0-9])([A-Z])/g, '$1_$2')
    .replace(/[^A-Za-z0-9]+/g, '_')
    .replace(/^_+|_+$/g, '')
    .toUpperCase();
}

function findingBlock(finding: Finding): Block {
  const level = CHECKPATCH_LEVEL[finding.severity];
  const { file, line } = finding.location;
  const lines = [
    `${level}:${checkpatchType(finding.ruleId)}: ${printable(finding.message)}`,
    `#${line}: FILE: ${printable(file)}:${line}:`,
  ];
  if (finding.sourceLine !== '') lines.push(`+${printable(finding.sourceLine)}`);
  lines.push(...evidenceLines(finding));
  return { level, lines };
}

/** The evidence chain as notes at column 0 (as gcc prints them, so editors find the file), then the indented fix. */
export function evidenceLines(finding: Finding): string[] {
  const lines: string[] = [];
  for (const step of finding.evidence) {
    const at = step.location;
    lines.push(`${printable(at.file)}:${at.line}:${at.column}: note: ${printable(step.message)}`);
  }
  if (finding.fix !== '') lines.push(`    fix: ${printable(finding.fix)}`);
  return lines;
}

/** A wrong or unused suppression comment fails the run like a warning. */
function suppressionProblemBlock(problem: SuppressionProblem): Block {
  return {
    level: 'WARNING',
    lines: [`WARNING:SUPPRESSION_${checkpatchType(problem.kind)}: ${printable(problem.message)}`, `#${problem.line}: FILE: ${printable(problem.file)}:${problem.line}:`],
  };
}

/** A file that was not analysed is an ERROR; one analysed with caveats is a CHECK. */
function problemBlock(problem: InputProblem): Block {
  const level: CheckpatchLevel = problem.analysed ? 'CHECK' : 'ERROR';
  return {
    level,
    lines: [`${level}:INPUT_${checkpatchType(problem.kind)}: ${printable(problem.reason)}`, `FILE: ${printable(problem.path)}`],
  };
}

/** checkpatch says "1 errors" too; it only mentions checks when --strict can produce them. */
function totalLine(blocks: Block[], filesChecked: number): string {
  const count = (level: CheckpatchLevel) => blocks.filter((block) => block.level === level).length;
  const checks = count('CHECK') > 0 ? `${count('CHECK')} checks, ` : '';
  return `total: ${count('ERROR')} errors, ${count('WARNING')} warnings, ${checks}${filesChecked} files checked`;
}
