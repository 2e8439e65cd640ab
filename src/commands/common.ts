// Pieces shared by the commands: file collection, options parsing, exit codes.

import * as fs from 'node:fs';
import * as path from 'node:path';
import { collectSourceFiles, CollectResult } from '../input/walk';

export const EXIT_OK = 0;
export const EXIT_FINDINGS = 1;
/** Usage errors, and runs where some input could not be analysed. */
export const EXIT_INPUT_ERROR = 2;

export const SOURCE_EXTENSIONS = ['.c', '.h'] as const;
export const DEFAULT_MAX_FILE_SIZE = 32 * 1024 * 1024;
export const DEFAULT_MAX_PATCH_SIZE = 64 * 1024 * 1024;

export class UsageError extends Error {}

export function toolVersion(): string {
  const pkg = JSON.parse(fs.readFileSync(path.resolve(__dirname, '../../../package.json'), 'utf8')) as { version: string };
  return pkg.version;
}

export function collect(paths: string[]): Promise<CollectResult> {
  return collectSourceFiles(paths, { cwd: process.cwd(), extensions: SOURCE_EXTENSIONS });
}

/** A test and benchmark aid: with PATCH_AUDIT_DEBUG_STATS set, one line of a command's internal counters on stderr. */
export function reportDebugStats(command: string, stats: Record<string, unknown>): void {
  if (process.env.PATCH_AUDIT_DEBUG_STATS) process.stderr.write(`patch-audit ${command} stats: ${JSON.stringify(stats)}\n`);
}

export function parsePositiveInt(value: string, what: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new UsageError(`${what} must be a positive integer, got '${value}'`);
  return n;
}

/** "32M", "512k", "1000000" -> bytes. */
export function parseSize(value: string, option = '--max-file-size'): number {
  const m = /^(\d+)([kKmMgG]?)[bB]?$/.exec(value.trim());
  if (!m) throw new UsageError(`${option}: expected a size such as 32M, got '${value}'`);
  const unit = { '': 1, k: 1024, m: 1024 ** 2, g: 1024 ** 3 }[m[2].toLowerCase() as '' | 'k' | 'm' | 'g'];
  return Number(m[1]) * unit;
}

export function collectList(value: string, previous: string[] = []): string[] {
  return [...previous, value];
}
