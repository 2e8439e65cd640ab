// The scheduler: work items largest first, results back in input order, and
// scan output the same for any -j across many work items.

import { describe, it, before, after } from 'node:test';
import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { planWorkItems, runPerFile } from '../src/workers/work-items';
import { runTasks, WorkerPool, workerScript } from '../src/workers/pool';
import type { OrderTask } from './support/order-worker';
import { REPO } from './support/fixtures';

const CLI = path.join(REPO, 'dist/src/cli.js');
const files = (...sizes: number[]) => sizes.map((size, i) => ({ name: `f${i}`, size }));

describe('work items', () => {
  it('hands out the largest files first, a large file alone, small ones grouped', () => {
    const items = planWorkItems(files(10, 500, 20, 30, 400, 10), 100);
    assert.deepEqual(
      items.map((item) => item.files.map((f) => f.name)),
      [['f1'], ['f4'], ['f3', 'f2', 'f0', 'f5']],
    );
    assert.deepEqual(items[2].positions, [3, 2, 0, 5]);
  });

  it('keeps input order among files of one size, and every file exactly once', () => {
    const input = files(...Array.from({ length: 300 }, (_, i) => (i * 7919) % 97));
    const items = planWorkItems(input, 64);
    const positions = items.flatMap((item) => item.positions);
    assert.deepEqual([...positions].sort((a, b) => a - b), input.map((_, i) => i));
    for (let i = 1; i < positions.length; i++) {
      const [a, b] = [input[positions[i - 1]], input[positions[i]]];
      assert.ok(a.size > b.size || (a.size === b.size && positions[i - 1] < positions[i]), `order at ${i}`);
    }
    assert.ok(items.every((item) => item.files.length <= 128));
  });

  it('sizes items from the input, not from the number of workers', () => {
    const input = files(...Array.from({ length: 2000 }, () => 20_000));
    const items = planWorkItems(input);
    assert.ok(items.length >= 32 && items.length <= 40, `${items.length} items`);
  });

  it('puts results back in input order when items finish out of order', async () => {
    const input = files(...Array.from({ length: 24 }, (_, i) => (((i * 37) % 11) + 1) * 5000));
    const script = workerScript<OrderTask, string[]>(path.join(__dirname, 'support/order-worker.js'));
    const run = await runPerFile(script, input, (batch) => ({ files: batch }), { jobs: 2, itemBytes: 1 });
    assert.equal(run.items, input.length);
    assert.deepEqual(run.results, input.map((f) => f.name));
  });

  it('starts no task once aborted, and rejects only when the tasks running then have finished (none is cut short)', async () => {
    const input = files(...Array.from({ length: 6 }, () => 20_000));
    const script = workerScript<OrderTask, string[]>(path.join(__dirname, 'support/order-worker.js'));
    const stop = new AbortController();
    const finished: string[] = [];
    const run = runTasks(
      script,
      input.map((file) => ({ files: [file] })),
      {
        jobs: 2,
        signal: stop.signal,
        onDone: (task) => {
          finished.push(task.files[0].name);
          stop.abort();
        },
      },
    );
    await assert.rejects(run);
    assert.equal(finished.length, 2, `the two tasks running at the abort finished, and no other started: ${finished.join(', ')}`);
  });
});

describe('a pool started before its tasks are known', () => {
  let tmp: string;
  before(() => (tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'pa-pool-'))));
  after(() => fs.rmSync(tmp, { recursive: true, force: true }));
  const slow = workerScript<{ value: number }, number>(path.join(__dirname, 'support/slow-loading-worker.js'));

  it('is closed only once each thread has loaded its script, even a thread that never had a task', async () => {
    const loaded = path.join(tmp, 'loaded');
    process.env.PATCH_AUDIT_TEST_LOADED_FILE = loaded;
    try {
      await WorkerPool.start(slow, 2).close();
    } finally {
      delete process.env.PATCH_AUDIT_TEST_LOADED_FILE;
    }
    assert.equal(fs.readFileSync(loaded, 'utf8').trim().split('\n').length, 2);
  });

  it('runs tasks given later, results in task order, and can be closed twice', async () => {
    const pool = WorkerPool.start(slow, 2);
    const done: number[] = [];
    const results = await pool.run([1, 2, 3, 4, 5].map((value) => ({ value })), { onDone: (_task, _result, index) => done.push(index) });
    assert.deepEqual(results, [2, 4, 6, 8, 10]);
    assert.deepEqual([...done].sort(), [0, 1, 2, 3, 4]);
    await Promise.all([pool.close(), pool.close()]);
  });

  it('is closed without waiting forever when a script cannot load', { timeout: 20_000 }, async () => {
    const failing = workerScript<unknown, unknown>(path.join(__dirname, 'support/failing-worker.js'));
    const pool = WorkerPool.start(failing, 2);
    await assert.rejects(pool.run([{}], {}), /cannot load/);
    await pool.close();
  });
});

describe('scan with many work items', () => {
  let tmp: string;
  let tree: string;
  before(() => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'pa-sched-'));
    tree = path.join(tmp, 'tree');
    fs.cpSync(path.join(REPO, 'fixtures/types/tree'), tree, { recursive: true });
    for (const entry of fs.readdirSync(path.join(REPO, 'fixtures'))) {
      if (entry !== 'types') fs.cpSync(path.join(REPO, 'fixtures', entry), path.join(tree, 'drivers', entry), { recursive: true });
    }
  });
  after(() => fs.rmSync(tmp, { recursive: true, force: true }));

  const scan = (jobs: string, itemBytes?: string) => {
    const env = { ...process.env, PATCH_AUDIT_DEBUG_STATS: '1', PATCH_AUDIT_WORK_ITEM_BYTES: itemBytes ?? '' };
    const args = [CLI, 'scan', '.', '-j', jobs, '-f', 'json', '--min-confidence', 'low', '--cache-dir', path.join(tmp, 'cache'), '--no-progress', '--no-result-cache'];
    const r = spawnSync(process.execPath, args, { cwd: tree, encoding: 'utf8', env });
    const items = Number(/"workItems":(\d+)/.exec(r.stderr)?.[1]);
    return { status: r.status, stdout: r.stdout, stderr: r.stderr, items };
  };

  it('gives byte-identical output with -j 1 and -j 2, one file per item or the default items', () => {
    const reference = scan('1');
    assert.equal(reference.status, 1, reference.stderr);
    const findings = JSON.parse(reference.stdout).findings as unknown[];
    assert.ok(findings.length >= 10, `${findings.length} findings`);
    const considered = JSON.parse(reference.stdout).stats.filesConsidered as number;
    for (const [jobs, itemBytes] of [['2', '1'], ['1', '1'], ['2', undefined]] as const) {
      const other = scan(jobs, itemBytes);
      if (itemBytes) assert.equal(other.items, considered, `one work item per file: ${other.stderr}`);
      assert.equal(other.stdout, reference.stdout, `-j ${jobs}, item bytes ${itemBytes ?? 'default'}`);
    }
  });
});
