// Tests run git without the user's or the machine's configuration.

import { describe, it, after } from 'node:test';
import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { git, initRepository, tempDir } from './support/patches';

describe('git in tests', () => {
  const home = tempDir('git-home');
  after(() => fs.rmSync(home, { recursive: true, force: true }));

  it('reads no global or system configuration, only the repository’s own', () => {
    fs.writeFileSync(path.join(home, '.gitconfig'), '[user]\n\tname = Leaked From Home\n[diff]\n\tnoprefix = true\n');
    const repo = path.join(home, 'repo');
    fs.mkdirSync(repo);
    process.env.HOME = home;
    initRepository(repo);
    const name = spawnSync('git', ['config', 'user.name'], { cwd: repo, encoding: 'utf8' });
    assert.notEqual(name.stdout.trim(), 'Leaked From Home', 'the global ~/.gitconfig is not read');
    const origins = git(repo, ['config', '--list', '--show-origin'])
      .split('\n')
      .filter(Boolean)
      .map((line) => line.split('\t')[0]);
    assert.ok(origins.length > 0);
    for (const origin of origins) assert.match(origin, /^(file:\.git\/config|command line:)$/, `configuration read from ${origin}`);
  });
});
