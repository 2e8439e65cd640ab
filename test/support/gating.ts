// Shared by the gating tests: the command line run in a folder of our own C
// files, each function dropping the result of a conditional page reference
// (one nonrefcounted-page-ref finding per function, on its first body line).

import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { REPO } from './fixtures';

export const CLI = path.join(REPO, 'dist/src/cli.js');
export const RULE = 'nonrefcounted-page-ref';

export interface CliRun {
  status: number;
  stdout: string;
  stderr: string;
}

/** Runs patch-audit in `cwd` with a result cache of its own (never the user's). */
export function runCli(args: string[], cwd: string, cacheDir: string): CliRun {
  const r = spawnSync(process.execPath, [CLI, ...args], { cwd, encoding: 'utf8', env: { ...process.env, PATCH_AUDIT_CACHE_DIR: cacheDir } });
  return { status: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

export function tempFolder(prefix: string): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), `pa-gating-${prefix}-`));
}

export const PAGE_PROTOTYPES = `struct page;
extern bool get_page_unless_zero(struct page *page);
extern void put_page(struct page *page);
`;

/** A function whose reference may not have been taken; `lead` goes on the line before the call (a comment, say). */
export function droppedReference(name: string, options: { lead?: string; trailing?: string } = {}): string {
  const lead = options.lead === undefined ? '' : `\t${options.lead}\n`;
  const trailing = options.trailing === undefined ? '' : ` ${options.trailing}`;
  return `\nstatic void ${name}(struct page *page)\n{\n${lead}\tget_page_unless_zero(page);${trailing}\n\tput_page(page);\n}\n`;
}

/** The 1-based line of the first line holding `needle`. */
export function lineOf(text: string, needle: string, from = 0): number {
  const index = text.indexOf(needle, from);
  if (index < 0) throw new Error(`'${needle}' not in the text`);
  return text.slice(0, index).split('\n').length;
}

export function writeTree(root: string, files: Record<string, string>): void {
  for (const [name, text] of Object.entries(files)) {
    const file = path.join(root, name);
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, text);
  }
}
