// The result cache: a re-scan reuses what it can, and only what it may.

import { describe, it, before, after } from 'node:test';
import * as assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { REPO } from './support/fixtures';
import { hashProgram } from '../src/engine/result-key';
import { ResultStore } from '../src/engine/result-store';

const CLI = path.join(REPO, 'dist/src/cli.js');

interface CacheCounts {
  reused: number;
  analysed: number;
  invalidated: number;
  rehashed: number;
}

interface Scan {
  status: number | null;
  stdout: string;
  stderr: string;
  cache?: CacheCounts;
}

/** A small kernel tree: two headers, and a .c file using each. */
function writeTree(root: string): void {
  const files: Record<string, string> = {
    Makefile: '# test tree\n',
    Kconfig: '# test tree\n',
    'arch/x86/Kconfig': '# test tree\n',
    'include/linux/counter.h': 'struct counter {\n\tunsigned long seq;\n};\n',
    'include/linux/widget.h': 'struct widget {\n\tunsigned long size;\n};\n',
    'drivers/a.c': [
      '#include <linux/counter.h>',
      '',
      'unsigned long counter_snapshot(struct counter *c)',
      '{',
      '\tint seq = c->seq;',
      '\treturn seq;',
      '}',
      '',
    ].join('\n'),
    'drivers/b.c': [
      '#include <linux/widget.h>',
      '',
      'int widget_width(struct widget *w)',
      '{',
      '\tint size = w->size;',
      '\tunsigned long wide = size;',
      '\treturn wide == w->size;',
      '}',
      '',
    ].join('\n'),
    'drivers/plain.c': 'int plain(int x)\n{\n\treturn x + 1;\n}\n',
  };
  for (const [file, text] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(root, file)), { recursive: true });
    fs.writeFileSync(path.join(root, file), text);
  }
}

describe('result cache', () => {
  let tmp: string;
  let tree: string;
  let cacheDir: string;
  before(() => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'pa-results-'));
    tree = path.join(tmp, 'tree');
    cacheDir = path.join(tmp, 'cache');
    writeTree(tree);
  });
  after(() => fs.rmSync(tmp, { recursive: true, force: true }));

  const args = (extra: string[]) => [CLI, 'scan', '.', '-r', 'seqcount-truncation', '-f', 'json', '--min-confidence', 'low', '--cache-dir', cacheDir, '--no-progress', ...extra];
  const env = (extra: NodeJS.ProcessEnv = {}) => ({ ...process.env, PATCH_AUDIT_DEBUG_STATS: '1', ...extra });
  const parse = (r: { status: number | null; stdout: string; stderr: string }): Scan => {
    const stats = /^patch-audit scan stats: (.*)$/m.exec(r.stderr);
    return { ...r, cache: stats ? (JSON.parse(stats[1]) as { resultCache?: CacheCounts }).resultCache : undefined };
  };
  const scan = (...extra: string[]): Scan => parse(spawnSync(process.execPath, args(extra), { cwd: tree, encoding: 'utf8', env: env() }));
  const scanAsync = (...extra: string[]): Promise<Scan> =>
    new Promise((resolve) => {
      const child = spawn(process.execPath, args(extra), { cwd: tree, env: env() });
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', (d) => (stdout += d));
      child.stderr.on('data', (d) => (stderr += d));
      child.on('close', (status) => resolve(parse({ status, stdout, stderr })));
    });
  /** The same scan with no cache at all: what every cached run must print. */
  const truth = () => {
    const run = spawnSync(process.execPath, args(['--no-result-cache']), { cwd: tree, encoding: 'utf8' });
    assert.ok(run.status === 0 || run.status === 1, `the uncached scan ran to its end (exit ${run.status}, signal ${run.signal}): ${run.stderr}`);
    return run.stdout;
  };
  const store = () => {
    const dirs = fs.readdirSync(cacheDir).filter((name) => name.startsWith('results-'));
    assert.equal(dirs.length, 1, `one result cache: ${dirs.join(', ')}`);
    return new ResultStore(path.join(cacheDir, dirs[0]));
  };
  const edit = (file: string, text: string) => fs.writeFileSync(path.join(tree, file), text);

  it('analyses every file on the first scan and reuses every one on the next', () => {
    const first = scan();
    assert.equal(first.status, 1, first.stderr);
    assert.ok(JSON.parse(first.stdout).findings.length >= 1, 'a.c narrows the counter');
    assert.deepEqual(first.cache, { reused: 0, analysed: 5, invalidated: 0, rehashed: 0 });
    const second = scan();
    assert.deepEqual(second.cache, { reused: 5, analysed: 0, invalidated: 0, rehashed: 0 });
    assert.equal(second.stdout, first.stdout);
    assert.equal(second.stdout, truth());
    assert.ok(JSON.parse(second.stdout).findings.some((f: { siblingKey?: unknown }) => f.siblingKey), 'the sibling key survives the result cache');
  });

  it('records what the typed files looked up in the index', () => {
    const lookups = (file: string) => store().get(path.join(tree, file), file)?.lookups.keys.length ?? -1;
    assert.ok(lookups('drivers/a.c') > 0 && lookups('drivers/b.c') > 0, `a.c ${lookups('drivers/a.c')}, b.c ${lookups('drivers/b.c')}`);
  });

  it('a header whose declaration changed invalidates the files that use it, not the others', () => {
    edit('include/linux/counter.h', 'struct counter {\n\tunsigned long seq;\n\tunsigned long spare;\n};\n');
    const after = scan();
    // counter.h itself changed; a.c looked up struct counter; b.c and plain.c did not.
    assert.deepEqual(after.cache, { reused: 3, analysed: 2, invalidated: 1, rehashed: 1 });
    assert.equal(after.stdout, truth());
    assert.deepEqual(scan().cache, { reused: 5, analysed: 0, invalidated: 0, rehashed: 0 });
  });

  it('a header whose #include lines changed invalidates the files that include it', () => {
    // Same declarations on the same lines, one more #include: b.c now sees counter.h's declarations too.
    edit('include/linux/widget.h', 'struct widget {\n\tunsigned long size;\n};\n#include <linux/counter.h>\n');
    const after = scan();
    assert.deepEqual(after.cache, { reused: 3, analysed: 2, invalidated: 1, rehashed: 1 });
    assert.equal(after.stdout, truth());
  });

  it('a file touched but not changed is read again and reused', () => {
    const file = path.join(tree, 'drivers/plain.c');
    const later = new Date(Date.now() + 5000);
    fs.utimesSync(file, later, later);
    assert.deepEqual(scan().cache, { reused: 5, analysed: 0, invalidated: 0, rehashed: 1 });
    assert.deepEqual(scan().cache, { reused: 5, analysed: 0, invalidated: 0, rehashed: 0 });
  });

  it('another knowledge table or other rules use another cache: everything is analysed', () => {
    const table = path.join(tmp, 'result-ignored.txt');
    fs.writeFileSync(table, 'plain "returns a value nobody needs"\n');
    assert.deepEqual(scan('--knowledge', table).cache, { reused: 0, analysed: 5, invalidated: 0, rehashed: 0 });
    assert.deepEqual(scan('--knowledge', table).cache?.reused, 5);
    fs.writeFileSync(table, 'plain "returns a value nobody needs, really"\n');
    assert.deepEqual(scan('--knowledge', table).cache?.analysed, 5);
    assert.deepEqual(scan('-r', 'seqcount-truncation,ignored-fault-error').cache?.analysed, 5);
    for (const name of fs.readdirSync(cacheDir)) if (name.startsWith('results-')) fs.rmSync(path.join(cacheDir, name), { recursive: true });
  });

  it('a damaged shard is ignored and written again', () => {
    scan();
    const shards = path.join(store().directory, 'shards');
    for (const name of fs.readdirSync(shards)) {
      const file = path.join(shards, name);
      const bytes = fs.readFileSync(file);
      bytes[bytes.length - 3] ^= 0xff;
      fs.writeFileSync(file, bytes);
    }
    const damaged = scan();
    assert.deepEqual(damaged.cache, { reused: 0, analysed: 5, invalidated: 0, rehashed: 0 });
    assert.equal(damaged.stdout, truth());
    fs.writeFileSync(path.join(shards, fs.readdirSync(shards)[0]), 'not a shard');
    assert.equal(scan().stdout, truth());
    assert.equal(scan().cache?.reused, 5);
  });

  it('two scans at once both print the right findings and leave a usable cache', async () => {
    edit('drivers/plain.c', 'int plain(int x)\n{\n\treturn x + 2;\n}\n');
    const expected = truth();
    const [one, two] = await Promise.all([scanAsync(), scanAsync()]);
    assert.equal(one.stdout, expected, one.stderr);
    assert.equal(two.stdout, expected, two.stderr);
    const next = scan();
    assert.equal(next.stdout, expected);
    assert.equal(next.cache?.reused, 5);
  });

  it('--no-result-cache neither reads nor writes the cache', () => {
    fs.rmSync(store().directory, { recursive: true });
    const r = scan('--no-result-cache');
    assert.equal(r.cache, undefined);
    assert.deepEqual(fs.readdirSync(cacheDir).filter((name) => name.startsWith('results-')), []);
  });

  it('keeps the result caches within their size bound, least recently used first', () => {
    const old = path.join(cacheDir, 'results-0000old');
    fs.mkdirSync(path.join(old, 'shards'), { recursive: true });
    fs.writeFileSync(path.join(old, 'shards', 'x.v8'), Buffer.alloc(64 * 1024));
    fs.writeFileSync(path.join(old, 'used'), '');
    const r = parse(spawnSync(process.execPath, args([]), { cwd: tree, encoding: 'utf8', env: env({ PATCH_AUDIT_RESULT_CACHE_MAX_BYTES: String(32 * 1024) }) }));
    assert.equal(r.status, 1, r.stderr);
    assert.ok(!fs.existsSync(old), 'the other cache is pruned');
    assert.equal(scan().cache?.reused, 5, 'the current one stays');
  });
});

describe('result cache that cannot be written', () => {
  it('stops the scan before any analysis with one line and exit 2, and does not hang: below /proc, below a regular file', () => {
    const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'pa-results-ro-'));
    try {
      fs.writeFileSync(path.join(tmp, 'file'), '');
      const fixture = path.join(REPO, 'fixtures/nonrefcounted-page-ref/bad-pfnmap-ignored-get-page-unless-zero.c');
      for (const cacheDir of ['/proc/pa-no-such-dir/cache', path.join(tmp, 'file', 'cache')]) {
        const args = [CLI, 'scan', fixture, '--no-index', '-f', 'json', '--cache-dir', cacheDir];
        // The timeout only stops a hang from stalling the suite; the assertion is on how the scan ended.
        const r = spawnSync(process.execPath, args, { encoding: 'utf8', timeout: 60_000 });
        assert.equal(r.signal, null, `${cacheDir}: the scan was stopped`);
        assert.equal(r.status, 2, `${cacheDir}: ${r.stderr}`);
        assert.equal(r.stdout, '');
        assert.ok(r.stderr.startsWith(`patch-audit: cache directory ${cacheDir}: `), r.stderr);
        assert.equal(r.stderr.split('\n').length, 2, 'one line');
        // Without the result cache and the index, the folder is not used, so not checked.
        const unused = spawnSync(process.execPath, [...args, '--no-result-cache'], { encoding: 'utf8', timeout: 60_000 });
        assert.equal(unused.status, 1, `${cacheDir}: ${unused.stderr}`);
        assert.equal(JSON.parse(unused.stdout).findings.length, 1);
      }
    } finally {
      fs.rmSync(tmp, { recursive: true, force: true });
    }
  });
});

describe('result cache key', () => {
  it('changes with any compiled rule or data file', () => {
    const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'pa-result-key-'));
    try {
      const compiled = path.join(tmp, 'dist');
      const data = path.join(tmp, 'data');
      fs.mkdirSync(path.join(compiled, 'rules'), { recursive: true });
      fs.mkdirSync(path.join(compiled, 'src/engine'), { recursive: true });
      fs.mkdirSync(path.join(data, 'knowledge'), { recursive: true });
      fs.writeFileSync(path.join(compiled, 'rules/some-rule.js'), 'exports.a = 1;\n');
      fs.writeFileSync(path.join(compiled, 'src/engine/x.js'), 'exports.b = 1;\n');
      fs.writeFileSync(path.join(compiled, 'rules/some-rule.js.map'), '{}');
      fs.writeFileSync(path.join(data, 'knowledge/error-returning.txt'), 'f fault "x"\n');
      const base = hashProgram(compiled, data);
      assert.equal(hashProgram(compiled, data), base);
      fs.writeFileSync(path.join(compiled, 'rules/some-rule.js.map'), '{"changed":1}');
      assert.equal(hashProgram(compiled, data), base, 'source maps do not count');
      fs.writeFileSync(path.join(compiled, 'rules/some-rule.js'), 'exports.a = 2;\n');
      const ruleChanged = hashProgram(compiled, data);
      assert.notEqual(ruleChanged, base);
      fs.writeFileSync(path.join(data, 'knowledge/error-returning.txt'), 'f fault "y"\n');
      assert.notEqual(hashProgram(compiled, data), ruleChanged);
    } finally {
      fs.rmSync(tmp, { recursive: true, force: true });
    }
  });
});
