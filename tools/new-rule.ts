// npm run new-rule <id>: writes a new rule's files (see rule-template.ts),
// builds, writes the snapshots of its fixtures, and runs the meta test and
// the rule's fixture tests. Refuses an id that is not kebab-case or that
// exists, with exit 2, before writing anything.

import * as fs from 'node:fs';
import * as path from 'node:path';
import { spawnSync } from 'node:child_process';
import { RULE_ID, scaffoldFor } from './rule-template';

const EXIT_USAGE = 2;

function main(argv: string[]): number {
  const [id, ...rest] = argv;
  const root = path.resolve(__dirname, '../..');
  if (!id || rest.length > 0) return refuse('usage: npm run new-rule <rule-id>   (kebab-case, naming the bug: use-after-unlock)');
  if (!RULE_ID.test(id)) return refuse(`'${id}' is not a rule id: kebab-case words naming the bug, such as use-after-unlock`);
  const files = scaffoldFor(id);
  const existing = Object.keys(files).filter((file) => fs.existsSync(path.join(root, file)));
  if (existing.length) return refuse(`rule '${id}' exists already: ${existing.join(', ')}`);
  for (const [file, text] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(root, file)), { recursive: true });
    fs.writeFileSync(path.join(root, file), text);
    process.stdout.write(`wrote ${file}\n`);
  }
  const steps: [string, string[], NodeJS.ProcessEnv][] = [
    ['build', ['run', 'build'], {}],
    ['write the snapshots of its fixtures', ['exec', '--', 'node', '--test', `--test-name-pattern=${id}`, 'dist/test/rules.test.js', 'dist/test/diff-fixtures.test.js'], { PATCH_AUDIT_UPDATE_SNAPSHOTS: '1' }],
    ['run the meta test and its fixture tests', ['exec', '--', 'node', '--test', 'dist/test/meta.test.js', 'dist/test/rules.test.js', 'dist/test/diff-fixtures.test.js'], {}],
  ];
  for (const [what, args, env] of steps) {
    process.stdout.write(`\n== ${what}\n`);
    // Run as a test run of its own, even when new-rule is itself run by a test.
    const { NODE_TEST_CONTEXT: _inherited, ...environment } = process.env;
    const run = spawnSync('npm', args, { cwd: root, stdio: 'inherit', env: { ...environment, ...env } });
    if (run.status !== 0) {
      process.stderr.write(`new-rule: '${what}' failed (exit ${run.status ?? run.signal})\n`);
      return 1;
    }
  }
  process.stdout.write(`\nrules/${id}.ts is in place and its tests pass. Next: rewrite the rule, its documentation and fixtures for the bug it finds (CONTRIBUTING.md).\n`);
  return 0;
}

function refuse(message: string): number {
  process.stderr.write(`new-rule: ${message}\n`);
  return EXIT_USAGE;
}

process.exitCode = main(process.argv.slice(2));
