// Test inputs for the diff mode, made by git itself so the hunks are exact:
// trees in temporary folders, diffs between two states, mboxes around them.

import { ISOLATED_GIT_ENV } from './isolated-git';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

/** Files by tree-relative path; null: the file does not exist. */
export type FileSet = Record<string, string | Buffer | null>;

export function tempDir(prefix: string): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), `patch-audit-${prefix}-`));
}

export function writeFiles(root: string, files: FileSet): void {
  for (const [name, content] of Object.entries(files)) {
    const full = path.join(root, name);
    if (content === null) {
      fs.rmSync(full, { force: true });
      continue;
    }
    fs.mkdirSync(path.dirname(full), { recursive: true });
    fs.writeFileSync(full, content);
  }
}

export function git(cwd: string, args: string[]): string {
  return execFileSync('git', args, {
    cwd,
    encoding: 'utf8',
    env: { ...process.env, ...ISOLATED_GIT_ENV },
  });
}

export function initRepository(root: string): void {
  git(root, ['init', '-q', '-b', 'main']);
  git(root, ['config', 'commit.gpgsign', 'false']);
}

export function commitAll(root: string, message: string): string {
  git(root, ['add', '-A']);
  git(root, ['commit', '-q', '--allow-empty', '-m', message]);
  return git(root, ['rev-parse', 'HEAD']).trim();
}

/** The `git diff` (binary included) that takes `before` to `after`. */
export function diffBetween(before: FileSet, after: FileSet): string {
  const scratch = tempDir('diff');
  try {
    initRepository(scratch);
    writeFiles(scratch, before);
    commitAll(scratch, 'before');
    writeFiles(scratch, after);
    git(scratch, ['add', '-A']);
    return git(scratch, ['-c', 'diff.noprefix=false', 'diff', '--cached', '--binary', '-M']);
  } finally {
    fs.rmSync(scratch, { recursive: true, force: true });
  }
}

/** One message of a git format-patch mbox around a diff. */
export function email(subject: string, diff: string, body = 'A change for the tests.'): string {
  return [
    'From 0000000000000000000000000000000000000000 Mon Sep 17 00:00:00 2001',
    'From: Test <t@example.org>',
    'Date: Thu, 1 Jan 2026 00:00:00 +0000',
    `Subject: ${subject}`,
    '',
    body,
    '',
    'Signed-off-by: Test <t@example.org>',
    '---',
    diff.endsWith('\n') ? diff + '-- ' : diff + '\n-- ',
    '2.39.2',
    '',
    '',
  ].join('\n');
}
