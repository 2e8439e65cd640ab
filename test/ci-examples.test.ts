// The CI examples run as written: the pre-commit hook in a temporary git repository,
// and the GitHub Actions workflow's `run:` steps, read from its YAML, in order, with
// the expressions they use filled in as GitHub would fill them for a pull request.

import { describe, it, before, after } from 'node:test';
import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { parse as parseYaml } from 'yaml';
import { REPO } from './support/fixtures';
import { ISOLATED_GIT_ENV } from './support/isolated-git';
import { commitAll, git, initRepository, tempDir, writeFiles } from './support/patches';
import { parseValidSarif } from './support/sarif-check';
import { GUP_PROTOTYPE } from './support/gup-prototype';

const CLI = path.join(REPO, 'dist/src/cli.js');
const WORKFLOW = path.join(REPO, 'examples/ci/patch-audit.yml');
const HOOK = path.join(REPO, 'examples/ci/pre-commit');
const SHARDS_WORKFLOW = path.join(REPO, 'examples/ci/patch-audit-shards.yml');


/** A function that pins a page, checking the result or dropping it. */
function pinner(checked: boolean, comment = ''): string {
  const call = 'get_user_pages_remote(mm, addr, 1, 0, NULL, NULL, NULL);';
  const use = checked ? `\tpinned = ${call}\n\tif (pinned < 1)\n\t\treturn -14;\n` : `\t${call}\n`;
  return `${GUP_PROTOTYPE}${comment}
int demo_pin(struct mm_struct *mm, unsigned long addr)
{
	long pinned = 0;

${use}	return pinned > 0 ? 0 : 1;
}
`;
}

let scratch: string;
let shims: string;

before(() => {
  scratch = tempDir('ci-examples');
  // What the workflow's install step puts on PATH: the command, here the build under test.
  shims = path.join(scratch, 'bin');
  fs.mkdirSync(shims);
  fs.writeFileSync(path.join(shims, 'patch-audit'), `#!/bin/sh\nexec '${process.execPath}' '${CLI}' "$@"\n`, { mode: 0o755 });
});
after(() => fs.rmSync(scratch, { recursive: true, force: true }));

function environment(): NodeJS.ProcessEnv {
  return {
    ...process.env,
    PATH: `${shims}${path.delimiter}${process.env.PATH ?? ''}`,
    PATCH_AUDIT_CACHE_DIR: path.join(scratch, 'cache'),
    ...ISOLATED_GIT_ENV,
  };
}

function repository(name: string, files: Record<string, string>): string {
  const root = path.join(scratch, name);
  fs.mkdirSync(root);
  initRepository(root);
  writeFiles(root, files);
  commitAll(root, 'base');
  return root;
}

describe('the pre-commit hook', () => {
  it('refuses a commit that introduces a finding and lets a clean one through', () => {
    const root = repository('hook', { 'mm/pin.c': pinner(true) });
    fs.copyFileSync(HOOK, path.join(root, '.git/hooks/pre-commit'));
    fs.chmodSync(path.join(root, '.git/hooks/pre-commit'), 0o755);
    const commit = (message: string) => spawnSync('git', ['commit', '-q', '-m', message], { cwd: root, encoding: 'utf8', env: environment() });
    const head = () => git(root, ['rev-parse', 'HEAD']).trim();
    const base = head();

    writeFiles(root, { 'mm/pin.c': pinner(false) });
    git(root, ['add', '-A']);
    const refused = commit('mm: drop the pin check');
    assert.notEqual(refused.status, 0, 'the hook refuses the commit');
    // git sends a hook's standard output to standard error.
    assert.match(refused.stderr, /^WARNING:IGNORED_FAULT_ERROR: get_user_pages_remote\(\) can fail/m);
    assert.match(refused.stderr, /^1 introduced, 0 fixed$/m);
    assert.equal(head(), base, 'nothing was committed');

    writeFiles(root, { 'mm/pin.c': pinner(true, '\n/* Pins one page of the given mm. */') });
    git(root, ['add', '-A']);
    const accepted = commit('mm: say what demo_pin does');
    assert.equal(accepted.status, 0, accepted.stdout + accepted.stderr);
    assert.notEqual(head(), base);
    assert.equal(git(root, ['status', '--porcelain']), '', 'the hook leaves the working tree and index alone');
  });
});

interface WorkflowStep {
  name?: string;
  id?: string;
  uses?: string;
  run?: string;
  if?: string;
  env?: Record<string, string>;
  with?: Record<string, string | number>;
}

interface Workflow {
  jobs: Record<string, { if?: string; needs?: string; strategy?: { matrix: Record<string, (string | number)[]> }; steps: WorkflowStep[] }>;
}

/** A matrix job's values, and the folder that stands for the workflow run's artifact store. */
interface JobContext {
  matrix?: Record<string, string>;
  artifacts?: string;
}

interface JobRun {
  /** The first step that failed, as GitHub stops a job there; undefined when every step passed. */
  failed?: string;
  log: string;
  /** SARIF files the upload steps would send, with the category they give. */
  uploads: { file: string; category: string }[];
}

/**
 * Runs a job's steps in `cwd` as GitHub's runner does: each `run:` in bash -eo pipefail,
 * with its env, step outputs through $GITHUB_OUTPUT. Actions (`uses:`) are not run:
 * checkout is the repository the test made, setup-node is this Node, the cache is the
 * test's cache folder, and the SARIF uploads are checked instead of sent. The install
 * step is the one step replaced: PATH holds the build under test as `patch-audit`.
 */
function runJob(job: Workflow['jobs'][string], cwd: string, github: Record<string, string>, context: JobContext = {}): JobRun {
  const outputs: Record<string, Record<string, string>> = {};
  const expression = (text: string) =>
    text.replace(/\$\{\{\s*([^}]*?)\s*\}\}/g, (_, name: string) => {
      const step = /^steps\.([\w-]+)\.outputs\.([\w-]+)$/.exec(name);
      const matrix = /^matrix\.([\w-]+)$/.exec(name);
      const value = step ? outputs[step[1]!]?.[step[2]!] : matrix ? context.matrix?.[matrix[1]!] : github[name];
      assert.ok(value !== undefined, `the workflow uses \${{ ${name} }}, which the test does not know`);
      return value;
    });
  const run: JobRun = { log: '', uploads: [] };
  for (const step of job.steps) {
    if (step.uses !== undefined) {
      const action = step.uses.replace(/@.*$/, '');
      assert.ok(
        ['actions/checkout', 'actions/setup-node', 'actions/cache', 'github/codeql-action/upload-sarif', 'actions/upload-artifact', 'actions/download-artifact'].includes(action),
        step.uses,
      );
      if (action === 'actions/upload-artifact' || action === 'actions/download-artifact') {
        if (run.failed === undefined) moveArtifacts(action, step.with!, expression, cwd, context.artifacts!);
        continue;
      }
      if (action === 'github/codeql-action/upload-sarif') {
        assert.equal(step.if, 'always()', 'findings are uploaded even when a step failed');
        run.uploads.push({ file: String(step.with!['sarif_file']), category: String(step.with!['category']) });
      }
      continue;
    }
    assert.ok(step.run, `step ${step.name} runs something`);
    if (step.name === 'Install patch-audit') {
      assert.match(step.run, /^npm install --global patch-audit@\d+\.\d+\.\d+$/);
      continue;
    }
    if (run.failed !== undefined) continue;
    const outputFile = path.join(scratch, `output-${process.hrtime.bigint()}`);
    fs.writeFileSync(outputFile, '');
    const env: NodeJS.ProcessEnv = { ...environment(), GITHUB_OUTPUT: outputFile };
    for (const [key, value] of Object.entries(step.env ?? {})) env[key] = expression(value);
    const r = spawnSync('bash', ['--noprofile', '--norc', '-eo', 'pipefail', '-c', expression(step.run)], { cwd, encoding: 'utf8', env });
    run.log += r.stdout + r.stderr;
    if (step.id) outputs[step.id] = Object.fromEntries(fs.readFileSync(outputFile, 'utf8').split('\n').filter(Boolean).map((line) => line.split(/=(.*)/s).slice(0, 2)));
    if (r.status !== 0) run.failed = step.name ?? step.run;
  }
  return run;
}

/** upload-artifact copies `path` into the store under `name`; download-artifact copies every artifact `pattern` matches into `path`. */
function moveArtifacts(action: string, options: Record<string, string | number>, expression: (text: string) => string, cwd: string, store: string): void {
  if (action === 'actions/upload-artifact') {
    const name = expression(String(options['name']));
    const file = expression(String(options['path']));
    fs.mkdirSync(path.join(store, name), { recursive: true });
    fs.copyFileSync(path.join(cwd, file), path.join(store, name, path.basename(file)));
    return;
  }
  assert.equal(options['merge-multiple'], true, 'the shards land in one folder');
  const pattern = new RegExp(`^${String(options['pattern']).replace(/[.]/g, '\\.').replace(/\*/g, '.*')}$`);
  const target = path.join(cwd, String(options['path']));
  fs.mkdirSync(target, { recursive: true });
  for (const name of fs.readdirSync(store).filter((n) => pattern.test(n))) {
    for (const file of fs.readdirSync(path.join(store, name))) fs.copyFileSync(path.join(store, name, file), path.join(target, file));
  }
}

describe('the GitHub Actions workflow', () => {
  const workflow = parseYaml(fs.readFileSync(WORKFLOW, 'utf8')) as Workflow;

  function pullRequest(name: string, commits: Record<string, string>[]): { root: string; github: Record<string, string> } {
    const root = repository(name, { 'mm/pin.c': pinner(true), 'mm/other.c': pinner(true).replace('demo_pin', 'other_pin') });
    const base = git(root, ['rev-parse', 'HEAD']).trim();
    commits.forEach((files, i) => {
      writeFiles(root, files);
      commitAll(root, `change ${i + 1}`);
    });
    const head = git(root, ['rev-parse', 'HEAD']).trim();
    const github = {
      'github.event.pull_request.base.sha': base,
      'github.event.pull_request.head.sha': head,
      'github.sha': head,
      'runner.os': 'Linux',
    };
    return { root, github };
  }

  it('scan job: passes while the baseline holds every finding, fails and uploads when a new one appears', () => {
    const { root, github } = pullRequest('scan', []);
    writeFiles(root, { 'mm/old.c': pinner(false).replace('demo_pin', 'old_pin') });
    const written = spawnSync('patch-audit', ['scan', '.', '--write-baseline', '.patch-audit-baseline.json'], { cwd: root, encoding: 'utf8', env: environment() });
    assert.equal(written.status, 0, written.stderr);
    commitAll(root, 'the known finding, recorded in the baseline');

    const green = runJob(workflow.jobs['scan']!, root, github);
    assert.equal(green.failed, undefined, green.log);
    assert.match(green.log, /nothing new since the baseline/);
    const known = parseValidSarif(fs.readFileSync(path.join(root, 'patch-audit-scan.sarif'), 'utf8')).runs[0]!;
    assert.deepEqual(known.results!.map((result) => result.baselineState), ['unchanged']);

    writeFiles(root, { 'mm/pin.c': pinner(false) });
    commitAll(root, 'a new finding');
    const red = runJob(workflow.jobs['scan']!, root, { ...github, 'github.sha': git(root, ['rev-parse', 'HEAD']).trim() });
    assert.equal(red.failed, 'Fail on findings the baseline does not hold', red.log);
    assert.deepEqual(red.uploads, [{ file: 'patch-audit-scan.sarif', category: 'patch-audit/scan' }]);
    const run = parseValidSarif(fs.readFileSync(path.join(root, 'patch-audit-scan.sarif'), 'utf8')).runs[0]!;
    assert.deepEqual(run.automationDetails, { id: 'patch-audit/scan/' });
    assert.deepEqual(
      run.results!.map((result) => [result.locations![0]!.physicalLocation!.artifactLocation!.uri, result.baselineState]),
      [
        ['mm/old.c', 'unchanged'],
        ['mm/pin.c', 'new'],
      ],
    );
  });

  it('runs the diff job on pull requests only', () => {
    assert.equal(workflow.jobs['diff']!.if, "github.event_name == 'pull_request'");
  });

  it('diff job: fails a pull request one of whose commits drops a check, and uploads it as a new alert', () => {
    const { root, github } = pullRequest('pr-bad', [{ 'mm/other.c': pinner(true, '\n/* unrelated */').replace('demo_pin', 'other_pin') }, { 'mm/pin.c': pinner(false) }]);
    const job = runJob(workflow.jobs['diff']!, root, github);
    assert.equal(job.failed, 'Fail when a commit introduces a finding', job.log);
    assert.match(job.log, /^mm\/pin\.c:\d+: WARNING:IGNORED_FAULT_ERROR: /m, 'the terse form in the log');
    assert.deepEqual(job.uploads, [{ file: 'patch-audit-diff.sarif', category: 'patch-audit/diff' }]);
    const run = parseValidSarif(fs.readFileSync(path.join(root, 'patch-audit-diff.sarif'), 'utf8')).runs[0]!;
    assert.deepEqual(run.automationDetails, { id: 'patch-audit/diff/' });
    assert.deepEqual(
      run.results!.map((result) => [result.ruleId, result.baselineState, result.locations![0]!.physicalLocation!.artifactLocation!.uri]),
      [['ignored-fault-error', 'new', 'mm/pin.c']],
    );
    assert.equal((run.properties!['patches'] as unknown[]).length, 2, 'each commit of the pull request was audited');
  });

  it('diff job: passes a pull request that introduces nothing', () => {
    const { root, github } = pullRequest('pr-good', [{ 'mm/pin.c': pinner(true, '\n/* Pins one page. */') }]);
    const job = runJob(workflow.jobs['diff']!, root, github);
    assert.equal(job.failed, undefined, job.log);
    assert.match(job.log, /no commit introduces a finding/);
    assert.deepEqual(parseValidSarif(fs.readFileSync(path.join(root, 'patch-audit-diff.sarif'), 'utf8')).runs[0]!.results, []);
  });
});

describe('the sharded GitHub Actions workflow', () => {
  const workflow = parseYaml(fs.readFileSync(SHARDS_WORKFLOW, 'utf8')) as Workflow;

  it('splits the scan over a matrix and merges the shards into the log of one scan', () => {
    const files: Record<string, string> = { 'mm/pin.c': pinner(true) };
    for (let i = 0; i < 7; i++) files[`mm/old${i}.c`] = pinner(false).replace('demo_pin', `old_pin${i}`);
    const root = repository('shards', files);
    const baseline = spawnSync('patch-audit', ['scan', '.', '--write-baseline', '.patch-audit-baseline.json'], { cwd: root, encoding: 'utf8', env: environment() });
    assert.equal(baseline.status, 0, baseline.stderr);
    writeFiles(root, { 'mm/pin.c': pinner(false) });
    commitAll(root, 'the baseline, and a new finding');
    const head = git(root, ['rev-parse', 'HEAD']).trim();
    const github = { 'github.sha': head, 'runner.os': 'Linux' };

    const scan = workflow.jobs['scan']!;
    const shards = scan.strategy!.matrix['shard']!.map(String);
    assert.deepEqual(shards, ['1', '2', '3']);
    const artifacts = path.join(scratch, 'shard-artifacts');
    for (const shard of shards) {
      const job = runJob(scan, root, github, { matrix: { shard }, artifacts });
      assert.equal(job.failed, undefined, job.log);
    }
    assert.equal(workflow.jobs['merge']!.needs, 'scan');
    const mergeDir = path.join(scratch, 'shard-merge');
    fs.mkdirSync(mergeDir);
    const merged = runJob(workflow.jobs['merge']!, mergeDir, github, { artifacts });
    assert.equal(merged.failed, 'Fail on findings the baseline does not hold', merged.log);
    assert.deepEqual(merged.uploads, [{ file: 'patch-audit-scan.sarif', category: 'patch-audit/scan' }]);

    const single = spawnSync('patch-audit', ['scan', '.', '--baseline', '.patch-audit-baseline.json', '--no-progress', '-f', 'sarif', '--sarif-category', 'patch-audit/scan', '--sarif-max-results', '25000'], {
      cwd: root,
      encoding: 'utf8',
      env: environment(),
    });
    assert.equal(single.status, 1, single.stderr);
    const log = fs.readFileSync(path.join(mergeDir, 'patch-audit-scan.sarif'), 'utf8');
    assert.equal(log, single.stdout, 'the merged log is that of one scan');
    const states = parseValidSarif(log).runs[0]!.results!.map((result) => result.baselineState);
    assert.deepEqual(states.sort(), ['new', ...Array(7).fill('unchanged')]);
  });
});
