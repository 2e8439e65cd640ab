// nonrefcounted-page-ref: a reference is assumed on a page (or object) whose
// reference count may not have been taken. First part: the result of a
// conditional acquire (get_page_unless_zero() and its kin) is thrown away.

import { defineRule, lazyQuery } from '../src/rule';
import type { SyntaxNode } from '../src/frontend/parse';
import { enclosingFunction } from '../src/frontend/syntax';

/** Conditional acquires: each returns false/0 when no reference was taken. */
const CONDITIONAL_ACQUIRES: Record<string, { object: string; confidence: 'high' | 'medium' }> = {
  get_page_unless_zero: { object: 'page', confidence: 'high' },
  try_get_page: { object: 'page', confidence: 'high' },
  folio_try_get: { object: 'folio', confidence: 'high' },
  folio_try_get_rcu: { object: 'folio', confidence: 'high' },
  page_ref_add_unless: { object: 'page', confidence: 'high' },
  folio_ref_try_add_rcu: { object: 'folio', confidence: 'high' },
  kref_get_unless_zero: { object: 'object', confidence: 'high' },
  refcount_inc_not_zero: { object: 'object', confidence: 'high' },
  atomic_inc_not_zero: { object: 'object', confidence: 'medium' },
  atomic_long_inc_not_zero: { object: 'object', confidence: 'medium' },
};

const discardedCall = lazyQuery(`
  (expression_statement
    [(call_expression function: (identifier) @callee arguments: (argument_list) @args)
     (parenthesized_expression (call_expression function: (identifier) @callee arguments: (argument_list) @args))]) @statement
`);

export default defineRule({
  meta: {
    id: 'nonrefcounted-page-ref',
    description: 'A reference is assumed on a page or object whose reference count may not have been taken',
    category: 'refcount',
    severity: 'warning',
    confidence: 'high',
    messages: {
      ignoredConditionalAcquire:
        'result of {{callee}}() ignored: when the count was already zero no reference is taken, yet the code goes on as if it held one',
    },
    fix:
      'Test the result and take the failure path when no reference was taken, e.g. `if (!get_page_unless_zero(page)) return -EAGAIN;`; ' +
      'drop the reference later only on the path where it was taken.',
    references: [
      'https://lore.kernel.org/all/20230911021637.1941096-4-stevensd@google.com/ (KVM: mmu: Improve handling of non-refcounted pfns)',
      'https://lore.kernel.org/all/ZRZeaP7W5SuereMX@google.com/ (TTM tail pages without a usable refcount)',
    ],
  },
  requires: Object.keys(CONDITIONAL_ACQUIRES),
  check(context) {
    for (const match of discardedCall().matches(context.file.tree.rootNode)) {
      const callee = match.captures.find((c) => c.name === 'callee')!.node;
      const acquire = CONDITIONAL_ACQUIRES[callee.text];
      if (!acquire) continue;
      const statement = match.captures.find((c) => c.name === 'statement')!.node;
      const args = match.captures.find((c) => c.name === 'args')!.node;
      const target = args.namedChildren[0];
      const evidence = [
        {
          node: callee,
          message: `${callee.text}() returns false when the ${acquire.object}'s count was zero (it is being freed, or is not refcounted): no reference is taken then`,
        },
      ];
      const laterUse = target ? firstLaterUse(statement, target.text) : null;
      if (laterUse) {
        evidence.push({ node: laterUse, message: `the ${acquire.object} '${target!.text}' is used here as if a reference were held` });
      }
      context.report({
        node: callee,
        messageId: 'ignoredConditionalAcquire',
        data: { callee: callee.text },
        evidence,
        confidence: acquire.confidence,
        fix:
          `Test the result: \`if (!${callee.text}(${target?.text ?? '...'})) <bail out>\`, or record that no reference is held; ` +
          `release the ${acquire.object} later only on the path where the reference was taken.`,
      });
    }
  },
});

/** The first statement after `statement`, in the same function, that mentions `expression`. */
function firstLaterUse(statement: SyntaxNode, expression: string): SyntaxNode | null {
  const body = enclosingFunction(statement)?.childForFieldName('body');
  if (!body) return null;
  const bare = expression.replace(/^&/, '');
  const mentions = new RegExp(`(^|[^\\w>.])&?${bare.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}(?![\\w])`);
  let found: SyntaxNode | null = null;
  const visit = (node: SyntaxNode): void => {
    if (found || node.endIndex <= statement.endIndex) return;
    if (node.type === 'expression_statement' || node.type === 'return_statement' || node.type === 'declaration') {
      if (node.startIndex >= statement.endIndex && mentions.test(node.text)) found = node;
      return;
    }
    for (const child of node.namedChildren) visit(child);
  };
  visit(body);
  return found;
}
