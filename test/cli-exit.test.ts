// The command line never exits before its output is all written, however
// slowly the reader takes it.

import { describe, it } from 'node:test';
import * as assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import * as path from 'node:path';
import { REPO } from './support/fixtures';

const CLI = path.join(REPO, 'dist/src/cli.js');
const ARGS = [CLI, 'scan', path.join(REPO, 'fixtures'), '--min-confidence', 'low', '-f', 'sarif', '--no-index', '--no-result-cache', '-j', '2'];

describe('exit', () => {
  it('gives a reader that is slow to start every byte of a report larger than a pipe holds', async () => {
    const expected = spawnSync(process.execPath, ARGS, { encoding: 'utf8', maxBuffer: 1 << 28 }).stdout;
    assert.ok(expected.length > 1 << 20, `a report of ${expected.length} bytes`);
    const child = spawn(process.execPath, ARGS);
    child.stdout.pause();
    // The scan is over and waits on the pipe before anything is read.
    await new Promise((resolve) => setTimeout(resolve, 3000));
    const chunks: Buffer[] = [];
    child.stdout.on('data', (chunk: Buffer) => chunks.push(chunk));
    child.stdout.resume();
    const status = await new Promise<number | null>((resolve) => child.on('close', resolve));
    assert.equal(status, 1, 'findings');
    assert.equal(Buffer.concat(chunks).toString('utf8'), expected);
  });
});
