// Runs a piece of JavaScript in a child process that is killed after a
// deadline. A test's `timeout` cannot stop synchronous code (a regular
// expression backtracking for minutes blocks the runner's timer too); a child
// process can be killed. The script runs from the repository root, reads its
// input on stdin and writes its result as JSON on stdout.

import { spawnSync } from 'node:child_process';
import { REPO } from './fixtures';

export function runWithin<T>(milliseconds: number, script: string, input = ''): T {
  const started = Date.now();
  const r = spawnSync(process.execPath, ['-e', script], { cwd: REPO, input, encoding: 'utf8', timeout: milliseconds, maxBuffer: 64 << 20 });
  if (r.error && (r.error as NodeJS.ErrnoException).code === 'ETIMEDOUT') {
    throw new Error(`still running after ${Date.now() - started} ms (deadline ${milliseconds} ms): a regular expression that backtracks?`);
  }
  if (r.status !== 0) throw new Error(`the script failed (${r.status ?? r.signal}): ${r.stderr}`);
  return JSON.parse(r.stdout) as T;
}
