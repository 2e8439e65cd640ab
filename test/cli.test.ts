// End to end through the command line: formats, exit codes, bad input,
// deterministic output whatever the parallelism.

import { describe, it, before, after } from 'node:test';
import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { REPO } from './support/fixtures';
import { parseValidSarif } from './support/sarif-check';

const CLI = path.join(REPO, 'dist/src/cli.js');
const RULE = 'nonrefcounted-page-ref';
const BAD_FIXTURE = `fixtures/${RULE}/bad-pfnmap-ignored-get-page-unless-zero.c`;
const GOOD_FIXTURE = `fixtures/${RULE}/good-checked-conditional-acquire.c`;

/** The scans' result caches go here, not into the user's cache. */
const CACHE_DIR = fs.mkdtempSync(path.join(os.tmpdir(), 'pa-cli-cache-'));
after(() => fs.rmSync(CACHE_DIR, { recursive: true, force: true }));

function run(args: string[], cwd = REPO, env: NodeJS.ProcessEnv = {}): { status: number; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [CLI, ...args], { cwd, encoding: 'utf8', env: { ...process.env, PATCH_AUDIT_CACHE_DIR: CACHE_DIR, ...env } });
  return { status: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

describe('scan', () => {
  it('reports a finding in gcc style with evidence and fix, and exits 1', () => {
    const r = run(['scan', BAD_FIXTURE]);
    assert.equal(r.status, 1, r.stderr);
    const lines = r.stdout.split('\n');
    assert.match(lines[0], new RegExp(`^${BAD_FIXTURE}:37:2: warning: result of get_page_unless_zero\\(\\) ignored: .* \\[${RULE}\\]$`));
    assert.match(r.stdout, /note: get_page_unless_zero\(\) returns false when the page's count was zero/);
    assert.match(r.stdout, /^ {4}fix: /m);
  });

  it('exits 0 on code with nothing to report', () => {
    const r = run(['scan', GOOD_FIXTURE]);
    assert.equal(r.status, 0, r.stderr + r.stdout);
  });

  it('--fail-on error turns warnings into exit 0, still reported', () => {
    const r = run(['scan', BAD_FIXTURE, '--fail-on', 'error']);
    assert.equal(r.status, 0);
    assert.match(r.stdout, /warning: result of get_page_unless_zero/);
  });

  it('writes checkpatch layout', () => {
    const r = run(['scan', BAD_FIXTURE, '--format', 'checkpatch']);
    assert.match(r.stdout, /^WARNING:NONREFCOUNTED_PAGE_REF: result of get_page_unless_zero\(\) ignored/m);
    assert.match(r.stdout, new RegExp(`^#37: FILE: ${BAD_FIXTURE}:37:$`, 'm'));
    assert.match(r.stdout, /^\+\tget_page_unless_zero\(page\);/m);
    assert.match(r.stdout, /^total: 0 errors, 1 warnings/m);
  });

  it('writes JSON and SARIF 2.1.0 with rule metadata and help', () => {
    const json = JSON.parse(run(['scan', BAD_FIXTURE, '--format', 'json']).stdout);
    assert.equal(json.findings.length, 1);
    assert.equal(json.findings[0].location.line, 37);
    assert.equal(json.findings[0].functionName, 'remapped_pfn_lookup');
    const sarif = parseValidSarif(run(['scan', BAD_FIXTURE, '--format', 'sarif']).stdout);
    assert.equal(sarif.version, '2.1.0');
    const sarifRun = sarif.runs[0]!;
    const rule = sarifRun.tool.driver.rules!.find((r) => r.id === RULE);
    assert.ok(rule, `${RULE} is among the SARIF rules`);
    assert.equal(sarifRun.results![0]!.ruleId, RULE);
    assert.match(rule.help!.markdown!, /## Why this is a bug/);
    assert.equal(sarifRun.results![0]!.locations![0]!.physicalLocation!.region!.startLine, 37);
  });

  it('refuses an unknown rule with exit 2', () => {
    const r = run(['scan', BAD_FIXTURE, '--rules', 'no-such-rule']);
    assert.equal(r.status, 2);
    assert.match(r.stderr, /unknown rule\(s\): no-such-rule/);
  });

  it('refuses an unknown format with exit 2', () => {
    const r = run(['scan', BAD_FIXTURE, '--format', 'xml']);
    assert.equal(r.status, 2);
    assert.match(r.stderr, /xml/);
  });
});

describe('scan on bad input', () => {
  let dir: string;
  before(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pa-cli-'));
    const bad = fs.readFileSync(path.join(REPO, BAD_FIXTURE));
    fs.writeFileSync(path.join(dir, 'a-good.c'), bad);
    fs.writeFileSync(path.join(dir, 'binary.c'), Buffer.from([0x7f, 0x45, 0x4c, 0x46, 0, 0, 1, 2]));
    fs.writeFileSync(path.join(dir, 'empty.c'), '');
    // Latin-1 text (an author's name) in a file that also holds a finding.
    fs.writeFileSync(path.join(dir, 'latin1.c'), Buffer.concat([Buffer.from('/* Fran\xe7ois */\n', 'latin1'), bad]));
    fs.symlinkSync('loop-b.c', path.join(dir, 'loop-a.c'));
    fs.symlinkSync('loop-a.c', path.join(dir, 'loop-b.c'));
    fs.writeFileSync(path.join(dir, 'huge.h'), 'int x;\n'.repeat(200_000));
  });
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('names each file it could not analyse, goes on with the rest, and exits 2', () => {
    const r = run(['scan', dir, path.join(dir, 'missing-dir'), '--max-file-size', '1M'], dir);
    assert.equal(r.status, 2);
    assert.match(r.stdout, /^a-good\.c:37:2: warning: result of get_page_unless_zero/m);
    assert.match(r.stdout, /^latin1\.c:38:2: warning: result of get_page_unless_zero/m, 'non-UTF-8 file still analysed');
    assert.match(r.stdout, /binary\.c: error: .*binary/);
    assert.match(r.stdout, /latin1\.c: note: .*UTF-8/);
    assert.match(r.stdout, /huge\.h: error: .*--max-file-size/);
    assert.match(r.stdout, /loop-a\.c: error: /);
    assert.match(r.stdout, /missing-dir: error: /);
    assert.doesNotMatch(r.stdout + r.stderr, /empty\.c/);
  });

  it('gives the same output with one worker as with several, one file per work item', () => {
    const one = run(['scan', dir, '-j', '1', '--format', 'json', '--max-file-size', '1M', '--no-result-cache'], dir);
    const two = run(['scan', dir, '-j', '2', '--format', 'json', '--max-file-size', '1M', '--no-result-cache'], dir, { PATCH_AUDIT_WORK_ITEM_BYTES: '1', PATCH_AUDIT_DEBUG_STATS: '1' });
    assert.match(two.stderr, /"workItems":[4-9]/);
    assert.equal(one.stdout, two.stdout);
  });
});

describe('rules information', () => {
  it('lists the rules', () => {
    const r = run(['list-rules']);
    assert.equal(r.status, 0);
    assert.match(r.stdout, new RegExp(`^${RULE} +warning +high +`, 'm'));
  });

  it('explains a rule from its documentation', () => {
    const r = run(['explain', RULE]);
    assert.equal(r.status, 0);
    assert.match(r.stdout, /^## How to fix$/m);
  });

  it('refuses to explain an unknown rule', () => {
    const r = run(['explain', 'nope']);
    assert.equal(r.status, 2);
    assert.match(r.stderr, /unknown rule 'nope'/);
  });
});

describe('parse-stats', () => {
  it('counts clean function definitions, kernel-aware and raw', () => {
    const aware = JSON.parse(run(['parse-stats', 'fixtures', '--json']).stdout);
    const raw = JSON.parse(run(['parse-stats', 'fixtures', '--json', '--raw']).stdout);
    assert.ok(aware.functions >= 8, `functions: ${aware.functions}`);
    assert.equal(aware.functions, raw.functions);
    assert.equal(aware.clean, aware.functions);
    assert.ok(raw.clean < raw.functions, 'the fixtures use kernel macros raw tree-sitter-c cannot parse');
  });
});
