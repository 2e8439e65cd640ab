// A typer's own-file facts come in two steps (stagedFacts): declarations at
// once, what the bodies say when a rule asks. Both steps must agree with
// extractFacts, which the index uses, on every fixture and example.

import { describe, it } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { extractFacts, stagedFacts } from '../src/types/extract';
import { TypeIndex } from '../src/types/type-index';
import { parseFixture, REPO } from './support/fixtures';
import { sourceFilesUnder } from './support/source-files';


describe('staged facts', () => {
  it('complete() gives what extractFacts gives, member order included, on every fixture and example', () => {
    const files = sourceFilesUnder([path.join(REPO, 'fixtures'), path.join(REPO, 'examples')]);
    assert.ok(files.length > 50, `${files.length} files`);
    let withFailures = 0;
    let withCalls = 0;
    for (const file of files) {
      const parsed = parseFixture(path.relative(REPO, file), fs.readFileSync(file, 'utf8'));
      const expected = extractFacts(parsed);
      const staged = stagedFacts(parsed);
      assert.equal(JSON.stringify(staged.complete()), JSON.stringify(expected), file);
      // The declarations are the same facts without the failure summaries and the call records.
      const withoutBodies = expected.decls.filter((d) => d.kind !== 'calls').map((d) => (d.kind === 'function' ? { ...d, failure: undefined } : d));
      assert.equal(JSON.stringify(staged.declarations.decls), JSON.stringify(withoutBodies), file);
      assert.equal(staged.complete(), staged.complete(), 'computed once');
      if (expected.decls.some((d) => d.kind === 'function' && d.failure)) withFailures++;
      if (expected.decls.some((d) => d.kind === 'calls')) withCalls++;
    }
    assert.ok(withFailures > 10 && withCalls > 50, `${withFailures} files with failure summaries, ${withCalls} with call records`);
  });

  it('a scope reads the bodies only for questions about them, and then answers as with the whole facts', () => {
    const parsed = parseFixture(
      'drivers/widget.c',
      `struct widget { unsigned long seq; };
int widget_reset(struct widget *w)
{
	if (!w)
		return -EINVAL;
	return 0;
}
void widget_use(struct widget *w)
{
	widget_reset(w);
	if (widget_reset(w))
		return;
}
`,
    );
    const index = new TypeIndex(null);
    const staged = stagedFacts(parsed);
    let completed = 0;
    const counted = { declarations: staged.declarations, complete: () => (completed++, staged.complete()) };
    const scope = index.scopeFor('drivers/widget.c', counted);
    const whole = index.scopeFor('drivers/widget.c', extractFacts(parsed));

    assert.equal(scope.lookup('tag', 'widget')?.tier, 0);
    assert.equal(scope.lookup('ordinary', 'widget_reset')?.decls.length, 1);
    assert.equal(completed, 0, 'declarations answer lookups');

    assert.deepEqual(scope.definitions('widget_reset'), whole.definitions('widget_reset'));
    assert.deepEqual(scope.definitions('widget_reset')[0].failure?.errors?.map((e) => e.code), ['-EINVAL']);
    assert.deepEqual(scope.callUses('widget_reset'), whole.callUses('widget_reset'));
    assert.deepEqual(scope.callUses('widget_reset'), { used: 1, discarded: 1, voided: 0, files: 1 });
    assert.deepEqual(scope.filesCalling('widget_reset'), whole.filesCalling('widget_reset'));
    assert.deepEqual(scope.everyFunction('widget_reset'), whole.everyFunction('widget_reset'));
    assert.deepEqual(scope.lookup('calls', 'widget_reset'), whole.lookup('calls', 'widget_reset'));
    assert.equal(completed, 1, 'the bodies are read once');
  });
});
