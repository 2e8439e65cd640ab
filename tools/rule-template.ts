// The files `npm run new-rule <id>` writes: a working rule that reports a
// discarded result of the functions it lists, its documentation, a bad and a
// good fixture, and a patch that introduces the bug and one that fixes it.
// Each is a starting point to rewrite for the new bug class; the tests pass
// on them as written, so the author starts from green.

export const RULE_ID = /^[a-z][a-z0-9]*(-[a-z0-9]+)+$/;

/** Paths relative to the repository root, and their contents. */
export type Scaffold = Record<string, string>;

export function scaffoldFor(id: string): Scaffold {
  const bad = badFixture(id);
  const good = goodFixture();
  return {
    [`rules/${id}.ts`]: ruleSource(id),
    [`rules/${id}.md`]: ruleDocs(id),
    [`fixtures/${id}/bad-discarded-result.c`]: bad,
    [`fixtures/${id}/good-checked-result.c`]: good,
    [`fixtures/${id}/bad-check-dropped.patch`]: patch('widget: drop the check of widget_commit()', 'good-checked-result.c', good, bad),
    [`fixtures/${id}/good-check-restored.patch`]: patch('widget: check the result of widget_commit()', 'bad-discarded-result.c', bad, good),
  };
}

const PROLOGUE = ['struct widget;', '', 'int widget_commit(struct widget *w);', ''];
const BAD_LINE = (id: string) => `\twidget_commit(w); /* expect: ${id} */`;
const GOOD_LINES = ['\tif (widget_commit(w))', '\t\treturn -5;'];

function badFixture(id: string): string {
  return [...PROLOGUE, 'int widget_save(struct widget *w)', '{', BAD_LINE(id), '\treturn 0;', '}', ''].join('\n');
}

function goodFixture(): string {
  return [...PROLOGUE, 'int widget_save(struct widget *w)', '{', ...GOOD_LINES, '\treturn 0;', '}', ''].join('\n');
}

/** A one-hunk git patch taking `before` to `after` (they differ in one run of lines). */
function patch(subject: string, file: string, before: string, after: string): string {
  const a = before.split('\n');
  const b = after.split('\n');
  let start = 0;
  while (a[start] === b[start]) start++;
  let endA = a.length;
  let endB = b.length;
  while (endA > start && endB > start && a[endA - 1] === b[endB - 1]) endA--, endB--;
  const from = Math.max(0, start - 3);
  const toA = Math.min(a.length - 1, endA + 3);
  const toB = Math.min(b.length - 1, endB + 3);
  const hunk = [
    `@@ -${from + 1},${toA - from} +${from + 1},${toB - from} @@`,
    ...a.slice(from, start).map((l) => ` ${l}`),
    ...a.slice(start, endA).map((l) => `-${l}`),
    ...b.slice(start, endB).map((l) => `+${l}`),
    ...a.slice(endA, toA).map((l) => ` ${l}`),
  ];
  return [
    'From 0000000000000000000000000000000000000000 Mon Sep 17 00:00:00 2001',
    'From: A Developer <dev@example.org>',
    'Date: Thu, 1 Jan 2026 00:00:00 +0000',
    `Subject: [PATCH] ${subject}`,
    '',
    'Describe what the patch does and why.',
    '',
    'Signed-off-by: A Developer <dev@example.org>',
    '---',
    `diff --git a/${file} b/${file}`,
    `--- a/${file}`,
    `+++ b/${file}`,
    ...hunk,
    '',
  ].join('\n');
}

function ruleSource(id: string): string {
  return `// ${id}: the result of a function that reports failure is discarded.
// Rewrite this header, the metadata and check() for the bug class the rule
// finds; keep one job per module, and put helpers this rule alone uses in
// rules/${id}/.

import { defineRule } from '../src/rule';
import type { SyntaxNode } from '../src/frontend/parse';
import { calleeName, functionDefinitions } from '../src/frontend/syntax';

/** The functions whose result must be checked. */
const MUST_CHECK = ['widget_commit'];

export default defineRule({
  meta: {
    id: '${id}',
    description: 'The result of a function that reports failure is discarded',
    category: 'error-handling',
    severity: 'warning',
    confidence: 'medium',
    messages: {
      discarded: '{{callee}}() reports failure through its result, which is discarded here',
    },
  },
  // A file that names none of these is not parsed for the rule.
  requires: MUST_CHECK,
  check(context) {
    for (const fn of functionDefinitions(context.file.tree.rootNode)) {
      for (const call of discardedCalls(fn)) {
        const callee = calleeName(call);
        if (!callee || !MUST_CHECK.includes(callee)) continue;
        context.report({
          node: call,
          messageId: 'discarded',
          data: { callee },
          evidence: [{ node: call, message: \`\${callee}() is called as a statement of its own: nothing reads its result\` }],
        });
      }
    }
  },
});

/** Calls that are a whole expression statement: their result goes nowhere. */
function discardedCalls(fn: SyntaxNode): SyntaxNode[] {
  return fn
    .descendantsOfType('expression_statement')
    .map((statement) => statement.namedChild(0))
    .filter((expression): expression is SyntaxNode => expression?.type === 'call_expression');
}
`;
}

function ruleDocs(id: string): string {
  return `# ${id}

## Summary

The result of a function that reports failure is discarded, so the caller carries on as if it had succeeded.

## Why this is a bug

Say which kernel mechanism makes the pattern wrong, and what happens at run time when it is.

## Examples

\`\`\`c bad
int widget_commit(struct widget *w);

int widget_save(struct widget *w)
{
	widget_commit(w); /* expect: ${id} */
	return 0;
}
\`\`\`

\`\`\`c good
int widget_commit(struct widget *w);

int widget_save(struct widget *w)
{
	if (widget_commit(w))
		return -5;
	return 0;
}
\`\`\`

## How to fix

Check the result and act on failure: return the error, or record it where the caller will see it.

Further advice, examples of fixes, and when the pattern is deliberate.

## Known limitations

Say what the rule cannot see and where it may be wrong.

## References

- The fixing commit or the lore thread that shows the bug (replace this line).
`;
}
