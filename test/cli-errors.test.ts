// Clean errors: each bad place a run would use is one line naming the path and the
// reason, exit 2, before any analysis; input problems on standard error in every
// format; standard input for scan; a bare command; colour; notes at column 0.

import { describe, it, before, after } from 'node:test';
import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { parseColorChoice, useColor } from '../src/commands/color';
import { REPO } from './support/fixtures';
import { parseValidSarif } from './support/sarif-check';

const CLI = path.join(REPO, 'dist/src/cli.js');
const RULE = 'nonrefcounted-page-ref';
const BAD_FIXTURE = `fixtures/${RULE}/bad-pfnmap-ignored-get-page-unless-zero.c`;

let scratch: string;
let cacheDir: string;

before(() => {
  scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'pa-cli-errors-'));
  cacheDir = path.join(scratch, 'cache');
});
after(() => fs.rmSync(scratch, { recursive: true, force: true }));

function run(args: string[], options: { env?: NodeJS.ProcessEnv; input?: string } = {}) {
  const env: NodeJS.ProcessEnv = { ...process.env, PATCH_AUDIT_CACHE_DIR: cacheDir };
  delete env.NO_COLOR;
  delete env.FORCE_COLOR;
  // The timeout keeps a hang from stalling the suite; the assertions say how the run ended.
  const r = spawnSync(process.execPath, [CLI, ...args], { cwd: REPO, encoding: 'utf8', timeout: 60_000, input: options.input, env: { ...env, ...options.env } });
  return { status: r.status, signal: r.signal, stdout: r.stdout, stderr: r.stderr };
}

/** Exit 2, nothing on stdout, and exactly one line on stderr that names `place`. */
function assertOneLineError(r: ReturnType<typeof run>, place: string, reason: RegExp): void {
  assert.equal(r.signal, null, 'the run was not stopped by the timeout');
  assert.equal(r.status, 2, r.stderr);
  assert.equal(r.stdout, '');
  const lines = r.stderr.split('\n').filter((line) => line !== '');
  assert.equal(lines.length, 1, r.stderr);
  assert.ok(lines[0]!.startsWith('patch-audit: '), lines[0]);
  assert.ok(lines[0]!.includes(place), `${lines[0]} names ${place}`);
  assert.match(lines[0]!, reason);
}

describe('errors before any analysis', () => {
  it('-o into a folder that does not exist', () => {
    const target = path.join(scratch, 'no-such-dir', 'o.txt');
    const r = run(['scan', '-o', target, 'examples/'], { env: { PATCH_AUDIT_DEBUG_STATS: '1' } });
    // With PATCH_AUDIT_DEBUG_STATS a scan that started would print its counters: there are none.
    assertOneLineError(r, path.join(scratch, 'no-such-dir'), /no such file or directory/);
    const diff = run(['diff', '-o', target, 'fixtures/ignored-fault-error/bad-page-ready-error-dropped.patch']);
    assertOneLineError(diff, path.join(scratch, 'no-such-dir'), /no such file or directory/);
  });

  it('-o naming a folder', () => {
    assertOneLineError(run(['scan', '-o', scratch, 'examples/']), scratch, /is a directory/);
  });

  it('--tree that does not exist, or is a file', () => {
    assertOneLineError(run(['scan', '--tree', '/nonexistent-pa-tree', 'examples/']), '/nonexistent-pa-tree', /no such file or directory/);
    assertOneLineError(run(['scan', '--tree', 'README.md', 'examples/']), 'README.md', /not a directory/);
  });

  it('--cache-dir below a regular file, and under /proc, without hanging', () => {
    const file = path.join(scratch, 'plain-file');
    fs.writeFileSync(file, '');
    assertOneLineError(run(['scan', '--cache-dir', path.join(file, 'cache'), 'examples/']), file, /not a directory/);
    assertOneLineError(run(['scan', '--cache-dir', '/proc/pa-forbidden', 'examples/']), '/proc/pa-forbidden', /cannot create/);
    assertOneLineError(
      run(['diff', '--cache-dir', '/proc/pa-forbidden', 'fixtures/ignored-fault-error/bad-page-ready-error-dropped.patch']),
      '/proc/pa-forbidden',
      /cannot create/,
    );
  });

  it('a folder with no C files', () => {
    const empty = path.join(scratch, 'no-c-here');
    fs.mkdirSync(empty, { recursive: true });
    fs.writeFileSync(path.join(empty, 'notes.txt'), 'not C\n');
    assertOneLineError(run(['scan', empty]), empty, /no C files/);
  });

  it('a bare command prints the help and exits 2', () => {
    const r = run([]);
    assert.equal(r.status, 2);
    assert.equal(r.stdout, '');
    assert.match(r.stderr, /^Usage: patch-audit /);
    assert.match(r.stderr, /scan \[options\] <paths\.\.\.>/);
  });
});

describe('scan -', () => {
  it('reads standard input as one C file named <stdin>', () => {
    const text = fs.readFileSync(path.join(REPO, BAD_FIXTURE), 'utf8');
    const r = run(['scan', '-', '-r', RULE, '-f', 'json'], { input: text });
    assert.equal(r.status, 1, r.stderr);
    const report = JSON.parse(r.stdout);
    assert.equal(report.findings.length, 1);
    assert.equal(report.findings[0].location.file, '<stdin>');
    assert.equal(report.findings[0].location.line, 37);
  });

  it('reads standard input beside files', () => {
    const r = run(['scan', BAD_FIXTURE, '-', '-r', RULE, '-f', 'json'], { input: 'int quiet(void) { return 0; }\n' });
    assert.equal(r.status, 1, r.stderr);
    assert.equal(JSON.parse(r.stdout).stats.filesConsidered, 2);
  });
});

describe('input problems', () => {
  it('go to standard error in every format', () => {
    for (const format of ['text', 'checkpatch', 'json', 'sarif']) {
      const r = run(['scan', BAD_FIXTURE, 'no-such-file.c', '-r', RULE, '-f', format]);
      assert.equal(r.status, 2, `${format}: ${r.stderr}`);
      assert.match(r.stderr, /^patch-audit: error: no-such-file\.c: no such file or directory \(ENOENT\)$/m, format);
      if (format === 'sarif') parseValidSarif(r.stdout);
    }
  });
});

describe('text report layout', () => {
  it('prints notes at column 0, gcc style', () => {
    const r = run(['scan', BAD_FIXTURE, '-r', RULE]);
    const notes = r.stdout.split('\n').filter((line) => / note: /.test(line));
    assert.ok(notes.length > 0, r.stdout);
    for (const note of notes) assert.match(note, /^[^\s:][^:]*:\d+:\d+: note: /, note);
  });
});

describe('colour', () => {
  it('is off when the report is not a terminal, on when forced, and follows NO_COLOR and FORCE_COLOR', () => {
    assert.doesNotMatch(run(['scan', BAD_FIXTURE, '-r', RULE]).stdout, /\x1b\[/);
    assert.match(run(['scan', BAD_FIXTURE, '-r', RULE, '--color']).stdout, /\x1b\[01;35mwarning:/);
    assert.match(run(['scan', BAD_FIXTURE, '-r', RULE, '--color=always']).stdout, /\x1b\[/);
    assert.match(run(['scan', BAD_FIXTURE, '-r', RULE], { env: { FORCE_COLOR: '1' } }).stdout, /\x1b\[/);
    assert.doesNotMatch(run(['scan', BAD_FIXTURE, '-r', RULE, '--no-color'], { env: { FORCE_COLOR: '1' } }).stdout, /\x1b\[/);
    assert.match(run(['diff', 'fixtures/ignored-fault-error/bad-page-ready-error-dropped.patch', '--tree', 'fixtures/ignored-fault-error', '--color'], {}).stdout, /\x1b\[/);
  });

  it('decides by flag, then FORCE_COLOR, then NO_COLOR, then the terminal', () => {
    const tty = { env: {}, toTerminal: true };
    assert.equal(useColor('auto', tty), true);
    assert.equal(useColor('auto', { env: {}, toTerminal: false }), false);
    assert.equal(useColor('auto', { env: { NO_COLOR: '1' }, toTerminal: true }), false);
    assert.equal(useColor('auto', { env: { NO_COLOR: '' }, toTerminal: true }), true, 'an empty NO_COLOR is not set');
    assert.equal(useColor('auto', { env: { FORCE_COLOR: '1', NO_COLOR: '1' }, toTerminal: false }), true);
    assert.equal(useColor('auto', { env: { FORCE_COLOR: '0' }, toTerminal: true }), false);
    assert.equal(useColor('never', { env: { FORCE_COLOR: '1' }, toTerminal: true }), false);
    assert.equal(useColor('always', { env: { NO_COLOR: '1' }, toTerminal: false }), true);
    assert.equal(parseColorChoice(true), 'always');
    assert.equal(parseColorChoice(false), 'never');
    assert.throws(() => parseColorChoice('sometimes'), /--color/);
  });
});

describe('SARIF columns end to end', () => {
  it('are UTF-16 code units for the result and its evidence on lines with non-ASCII text', () => {
    const original = fs.readFileSync(path.join(REPO, 'fixtures/access-after-arch-free/bad-arch-free-before-poison.c'), 'utf8');
    const text = original
      .replace('\tarch_free_page(page, order);', '\t/* übergabe € */ arch_free_page(page, order);')
      .replace('\tkernel_poison_pages(page', '\t/* é */ kernel_poison_pages(page');
    const args = ['scan', '-', '-r', 'access-after-arch-free', '--no-index', '--no-result-cache'];
    const sarif = run([...args, '-f', 'sarif'], { input: text });
    assert.equal(sarif.status, 1, sarif.stderr);
    const result = parseValidSarif(sarif.stdout).runs[0]!.results![0]!;
    const lines = text.split('\n');
    const utf16Start = (line: number, code: string) => lines[line - 1]!.indexOf(code) + 1;
    const where = result.locations![0]!.physicalLocation!.region!;
    assert.equal(where.startColumn, utf16Start(where.startLine!, 'kernel_poison_pages'));
    const freed = result.relatedLocations!.map((location) => location.physicalLocation!.region!).find((region) => region.startLine !== where.startLine)!;
    assert.equal(freed.startColumn, utf16Start(freed.startLine!, 'arch_free_page'));
    assert.equal(freed.snippet!.text, 'arch_free_page(page, order)');
    // The text and JSON reports keep gcc's byte columns: "ü" and "€" take 2 and 3 bytes.
    const json = JSON.parse(run([...args, '-f', 'json'], { input: text }).stdout);
    const step = json.findings[0].evidence.find((e: { location: { line: number } }) => e.location.line === freed.startLine);
    assert.equal(step.location.column, freed.startColumn! + 3);
  });
});
