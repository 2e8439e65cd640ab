// scan --shard i/N and merge: the parts of a split, merged, give back the
// single run's report byte for byte; a bad split or a mixture is refused.

import { describe, it } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { assignShards, filesOfShard, parseShardSpec } from '../src/shards/shard-spec';
import type { SourceFile } from '../src/input/walk';
import { REPO } from './support/fixtures';
import { droppedReference, PAGE_PROTOTYPES, runCli, tempFolder, writeTree } from './support/gating';

const FIXTURES = path.join(REPO, 'fixtures');

function source(displayPath: string, size: number): SourceFile {
  return { absolutePath: `/t/${displayPath}`, displayPath, size };
}

describe('shard split', () => {
  it('reads i/N and refuses what is not a part of a split', () => {
    assert.deepEqual(parseShardSpec('2/3'), { index: 2, count: 3 });
    assert.deepEqual(parseShardSpec(' 1 / 1 '), { index: 1, count: 1 });
    for (const bad of ['0/2', '3/2', '1/0', 'a/b', '1', '1/2/3', '-1/2']) assert.throws(() => parseShardSpec(bad), /--shard/, bad);
  });

  it('deals files out largest first to the lightest part, each file exactly once', () => {
    const files = [source('a.c', 10), source('b.c', 9), source('c.c', 8), source('d.c', 3), source('e.c', 2), source('f.c', 1)];
    assert.deepEqual(assignShards(files, 2), [1, 2, 2, 1, 1, 1]);
    const loads = [1, 2].map((index) => filesOfShard(files, { index, count: 2 }).reduce((n, f) => n + f.size, 0));
    assert.deepEqual(loads, [16, 17]);
    const all = [1, 2, 3].flatMap((index) => filesOfShard(files, { index, count: 3 }).map((f) => f.displayPath));
    assert.deepEqual(all.sort(), files.map((f) => f.displayPath));
  });

  it('gives every machine the same split whatever order the files were listed in', () => {
    const files = Array.from({ length: 40 }, (_, i) => source(`dir/f${i}.c`, (i * 37) % 11));
    const shuffled = [...files].reverse();
    const split = (list: SourceFile[]) => new Map(list.map((f, i) => [f.displayPath, assignShards(list, 3)[i]]));
    assert.deepEqual(split(shuffled), split(files));
  });

  it('leaves a part empty when there are fewer files than parts', () => {
    const files = [source('only.c', 5)];
    assert.deepEqual(filesOfShard(files, { index: 2, count: 3 }), []);
    assert.deepEqual(filesOfShard(files, { index: 1, count: 3 }), files);
  });
});

/** Runs scan over `paths` as one run and as N shards, and merges the shards. */
function scanWhole(cwd: string, cache: string, args: string[], format: string, n: number): { whole: string; merged: string; shardOut: string[] } {
  const out = tempFolder('shards');
  const whole = path.join(out, `whole.${format}`);
  runCli(['scan', ...args, '-f', format, '-o', whole], cwd, cache);
  const shardOut = Array.from({ length: n }, (_, i) => {
    const file = path.join(out, `shard-${i + 1}.${format}`);
    const run = runCli(['scan', ...args, '-f', format, '--shard', `${i + 1}/${n}`, '-o', file], cwd, cache);
    assert.ok(run.status === 0 || run.status === 1, run.stderr);
    return file;
  });
  const merged = path.join(out, `merged.${format}`);
  // Given in reverse: the order of the reports does not matter.
  const run = runCli(['merge', ...[...shardOut].reverse(), '-o', merged], cwd, cache);
  assert.ok(run.status === 0 || run.status === 1, run.stderr);
  return { whole: fs.readFileSync(whole, 'utf8'), merged: fs.readFileSync(merged, 'utf8'), shardOut };
}

describe('merged shards equal one run', () => {
  const cache = tempFolder('shard-cache');
  for (const format of ['json', 'sarif']) {
    for (const n of [2, 3]) {
      it(`fixtures/, ${format}, N = ${n}`, () => {
        const { whole, merged, shardOut } = scanWhole(REPO, cache, [FIXTURES, '--min-confidence', 'low', '--no-result-cache'], format, n);
        assert.ok(JSON.parse(whole).runs?.[0]?.results?.length ?? JSON.parse(whole).findings.length > 0, 'the fixtures have findings');
        // Each shard holds part of them: the split is real.
        const sizes = shardOut.map((file) => fs.readFileSync(file, 'utf8').length);
        assert.ok(sizes.every((size) => size < whole.length), `${sizes} < ${whole.length}`);
        assert.equal(merged, whole);
      });
    }
  }

  it('text and checkpatch from the JSON shards', () => {
    const out = tempFolder('shards-text');
    const shards = [1, 2].map((i) => {
      const file = path.join(out, `s${i}.json`);
      runCli(['scan', FIXTURES, '-f', 'json', '--shard', `${i}/2`, '--no-result-cache', '--color', 'never', '-o', file], REPO, cache);
      return file;
    });
    for (const format of ['text', 'checkpatch']) {
      const whole = runCli(['scan', FIXTURES, '-f', format, '--no-result-cache', '--color', 'never'], REPO, cache);
      const merged = runCli(['merge', ...shards, '-f', format, '--color', 'never'], REPO, cache);
      assert.equal(merged.stdout, whole.stdout, format);
      assert.equal(merged.status, whole.status, format);
    }
  });

  it('suppressions, their problems and a baseline are summed as one run counts them', () => {
    const root = tempFolder('shards-gated');
    const files: Record<string, string> = {};
    for (let i = 0; i < 6; i++) {
      const lead = i % 2 === 0 ? '/* patch-audit-ignore: nonrefcounted-page-ref the caller holds a pin */' : i === 3 ? '/* patch-audit-ignore: no-such-rule because */' : undefined;
      files[`mm/f${i}.c`] = PAGE_PROTOTYPES + droppedReference(`take_${i}`, lead ? { lead } : {}) + droppedReference(`again_${i}`);
    }
    writeTree(root, files);
    const baseline = path.join(root, 'baseline.json');
    runCli(['scan', 'mm', '--write-baseline', baseline, '--no-index'], root, cache);
    fs.appendFileSync(path.join(root, 'mm/f1.c'), droppedReference('added_later'));
    fs.writeFileSync(path.join(root, 'mm/f4.c'), PAGE_PROTOTYPES);
    for (const format of ['json', 'sarif']) {
      const { whole, merged } = scanWhole(root, cache, ['mm', '--baseline', baseline, '--no-index', '--report-unused-suppressions'], format, 3);
      const report = JSON.parse(whole);
      if (format === 'json') {
        assert.ok(report.gating.suppressed > 0 && report.gating.suppressionProblems.length > 0 && report.gating.baseline.stale.length > 0, whole);
      }
      assert.equal(merged, whole, format);
    }
  });
});

describe('merge refuses what is not one split', () => {
  const cache = tempFolder('shard-refuse');
  const out = tempFolder('shard-refuse-out');
  const shard = (i: number, n: number, format = 'json') => {
    const file = path.join(out, `s${i}-${n}.${format}`);
    if (!fs.existsSync(file)) runCli(['scan', path.join(FIXTURES, 'zero-page-refcount'), '-f', format, '--shard', `${i}/${n}`, '--no-index', '-o', file], REPO, cache);
    return file;
  };
  const refused = (args: string[], pattern: RegExp, file?: string) => {
    const run = runCli(['merge', ...args], REPO, cache);
    assert.equal(run.status, 2, run.stderr);
    assert.match(run.stderr, pattern);
    if (file) assert.ok(run.stderr.includes(file), `${run.stderr} names ${file}`);
  };

  it('a missing shard, a shard given twice, a split into another N', () => {
    refused([shard(1, 3), shard(3, 3)], /2\/3 .*missing/);
    refused([shard(1, 2), shard(2, 2), shard(2, 2)], /shard 2\/2 again/);
    refused([shard(1, 2), shard(2, 3)], /split into 2/, shard(2, 3));
  });

  it('a report that is not a shard, not JSON, of another format or of diff', () => {
    const whole = path.join(out, 'whole.json');
    runCli(['scan', path.join(FIXTURES, 'zero-page-refcount'), '-f', 'json', '--no-index', '-o', whole], REPO, cache);
    refused([whole, shard(1, 2)], /not the report of a sharded scan/, whole);
    const garbage = path.join(out, 'garbage.json');
    fs.writeFileSync(garbage, '\u0000\u0001 not json');
    refused([shard(1, 2), garbage], /is not JSON/, garbage);
    refused([shard(1, 2), shard(2, 2, 'sarif')], /of one format/, shard(2, 2, 'sarif'));
    refused([shard(1, 2), path.join(out, 'absent.json')], /no such file/);
    const diffReport = path.join(out, 'diff.json');
    runCli(['diff', path.join(FIXTURES, 'ignored-fault-error/bad-page-ready-error-dropped.patch'), '--tree', path.join(FIXTURES, 'ignored-fault-error'), '-f', 'json', '--no-index', '-o', diffReport], REPO, cache);
    refused([diffReport], /diff report/, diffReport);
  });

  it('a capped SARIF shard, and SARIF asked of JSON shards', () => {
    const capped = path.join(out, 'capped.sarif');
    runCli(['scan', path.join(FIXTURES, 'zero-page-refcount'), '-f', 'sarif', '--shard', '1/2', '--no-index', '--sarif-max-results', '1', '-o', capped], REPO, cache);
    refused([capped, shard(2, 2, 'sarif')], /capped/, capped);
    refused([shard(1, 2), shard(2, 2), '-f', 'sarif'], /SARIF needs the SARIF shards/);
  });

  it('scan --shard refuses standard input and --write-baseline', () => {
    const stdin = runCli(['scan', '-', '--shard', '1/2'], REPO, cache);
    assert.equal(stdin.status, 2);
    assert.match(stdin.stderr, /standard input/);
    const baseline = runCli(['scan', FIXTURES, '--shard', '1/2', '--write-baseline', path.join(out, 'b.json')], REPO, cache);
    assert.equal(baseline.status, 2);
    assert.match(baseline.stderr, /--write-baseline/);
    const bad = runCli(['scan', FIXTURES, '--shard', '4/3'], REPO, cache);
    assert.equal(bad.status, 2);
    assert.match(bad.stderr, /between 1 and 3/);
  });
});
