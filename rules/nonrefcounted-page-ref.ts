// nonrefcounted-page-ref: a reference is assumed on a page (or object) whose
// reference count may not have been taken, or is taken on a page whose count
// may not be in use at all.
//
//  1. A conditional acquire (get_page_unless_zero() and its kin, table
//     data/knowledge/conditional-refs.txt) whose result is thrown away, or
//     whose failure path still drops the reference it did not take
//     (`if (!try_get_page(p)) goto out; ... out: put_page(p);`).
//  2. A pfn from a VM_PFNMAP/VM_IO lookup (follow_pte(), follow_pfn(), table
//     data/knowledge/pfnmap-lookups.txt) reaching an unconditional get or put
//     with no check that its page is refcounted: the shape of
//     hva_to_pfn_remapped() before it used kvm_try_get_pfn().
// The tables and both walks (the failure path, the pfn's flow) are in ./nonrefcounted-page-ref/.

import { clip, defineRule } from '../src/rule';
import type { SyntaxNode } from '../src/frontend/parse';
import { callArguments, calleeName, enclosingFunction, functionDefinitions, functionName } from '../src/frontend/syntax';
import type { Confidence, SiblingKey } from '../src/model';
import { namesOf } from '../src/knowledge';
import { conditionalRefsTable, ConditionalRefs, objectWord } from './nonrefcounted-page-ref/conditional-refs';
import type { AcquireRow } from './nonrefcounted-page-ref/conditional-refs';
import { failurePath, unwrapPage } from './nonrefcounted-page-ref/failure-path';
import type { FailurePath } from './nonrefcounted-page-ref/failure-path';
import { pfnmapLookupsTable, PfnmapTable } from './nonrefcounted-page-ref/pfnmap-table';
import { PfnmapWalk } from './nonrefcounted-page-ref/pfnmap-walk';
import type { PfnmapFinding } from './nonrefcounted-page-ref/pfnmap-walk';

/** `f(args);` or `(f(args));` with `f` named: a call whose result is discarded. */
function discardedCalls(root: SyntaxNode): { statement: SyntaxNode; callee: SyntaxNode }[] {
  const found: { statement: SyntaxNode; callee: SyntaxNode }[] = [];
  for (const statement of root.descendantsOfType('expression_statement')) {
    let expression = statement.namedChild(0);
    if (expression?.type === 'parenthesized_expression' && expression.namedChildCount === 1) expression = expression.namedChild(0);
    if (expression?.type !== 'call_expression') continue;
    const callee = expression.childForFieldName('function');
    if (callee?.type === 'identifier' && expression.childForFieldName('arguments')?.type === 'argument_list') found.push({ statement, callee });
  }
  return found;
}

export default defineRule({
  meta: {
    id: 'nonrefcounted-page-ref',
    description: 'A reference is assumed on a page or object whose reference count may not have been taken, or is taken on a page that may not be refcounted',
    category: 'refcount',
    severity: 'warning',
    confidence: 'high',
    messages: {
      ignoredConditionalAcquire:
        'result of {{callee}}() ignored: when the count was already zero no reference is taken, yet the code goes on as if it held one',
      failurePathRelease:
        '{{callee}}() took no reference when it returned false, yet that path still drops one: {{release}}() at line {{line}}',
      failurePathReturn:
        "{{callee}}() took no reference when it returned false, yet that path returns '{{subject}}' at line {{line}} as if it held one",
      pfnmapReference:
        "{{sink}}() {{verb}} a reference on '{{argument}}', a {{kind}} from {{lookup}}() at line {{line}} (VM_PFNMAP/VM_IO), without checking that its page is refcounted",
    },
  },
  // Every conditional acquire and every lookup (built-in and the user's); a file that mentions none of them is not parsed.
  requires: [namesOf(conditionalRefsTable), namesOf(pfnmapLookupsTable, (row) => row.role.startsWith('lookup-'))],
  knowledge: [conditionalRefsTable, pfnmapLookupsTable],
  check(context) {
    const refs = new ConditionalRefs(context.knowledge(conditionalRefsTable));

    // 1a. Discarded results.
    const discarded = new Set<number>();
    for (const { statement, callee } of discardedCalls(context.file.tree.rootNode)) {
      const call = callee.parent!;
      const acquire = refs.rowFor(call);
      if (!acquire) continue;
      discarded.add(call.startIndex);
      const target = callArguments(call)[acquire.argument];
      const evidence = [
        {
          node: callee,
          message: `${callee.text}() returns false when the ${objectWord(acquire)}'s count was zero (it is being freed, or is not refcounted): no reference is taken then`,
        },
      ];
      const laterUse = target ? firstLaterUse(statement, target.text) : null;
      if (laterUse) {
        evidence.push({ node: laterUse, message: `the ${objectWord(acquire)} '${target!.text}' is used here as if a reference were held` });
      }
      context.report({
        node: callee,
        messageId: 'ignoredConditionalAcquire',
        data: { callee: callee.text },
        evidence,
        confidence: acquire.confidence,
        fix:
          `Test the result: \`if (!${callee.text}(${target?.text ?? '...'})) <bail out>\`, or record that no reference is held; ` +
          `release the ${objectWord(acquire)} later only on the path where the reference was taken.`,
        key: { id: `dropped ${callee.text}()`, reason: `drop the result of the conditional acquire ${callee.text}()`, calls: [callee.text], dropsResult: true },
      });
    }

    const pfnmap = new PfnmapTable(context.knowledge(pfnmapLookupsTable), (name) => refs.pageAcquireArgument(name));
    const definitions = functionDefinitions(context.file.tree.rootNode);
    let byName: Map<string, SyntaxNode> | null = null;
    const definitionOf = (name: string): SyntaxNode | undefined => {
      byName ??= new Map(definitions.map((d) => [functionName(d) ?? '', d.childForFieldName('body')!] as const).filter(([n, b]) => n && b));
      return byName.get(name);
    };
    for (const fn of definitions) {
      const body = fn.childForFieldName('body');
      if (!body) continue;

      // 1b. Tested results whose failure path still drops the reference.
      for (const call of body.descendantsOfType('call_expression')) {
        if (discarded.has(call.startIndex)) continue;
        const acquire = refs.rowFor(call);
        if (!acquire) continue;
        const failure = failurePath(call, acquire, body, refs, definitionOf);
        if (failure) context.report(failureReport(call, acquire, failure));
      }

      // 2. PFNMAP/IO lookups reaching an unconditional get or put.
      if (pfnmap.hasLookup(body)) new PfnmapWalk(pfnmap, (finding) => context.report(pfnmapReport(finding))).run(body);
    }
  },
});

function failureReport(call: SyntaxNode, acquire: AcquireRow, failure: FailurePath) {
  const callee = calleeName(call)!;
  const { hit, test } = failure;
  const line = String(hit.node.startPosition.row + 1);
  const testLine = test.startPosition.row + 1;
  const testText =
    test.type === 'if_statement'
      ? `the result is tested at line ${testLine}${failure.via ? ` through '${failure.via.text}'` : ''}, and when it is false the code goes on`
      : `${clip(test.text)} at line ${testLine} only warns when it is false, then the code goes on`;
  const evidence = [
    { node: call, message: `${callee}() returns false when ${acquire.meaning} (${acquire.origin}): no reference is taken then` },
    { node: test, message: testText },
    ...failure.gotos.map((g) => ({ node: g, message: `on that path '${clip(g.text)}' at line ${g.startPosition.row + 1}` })),
    hit.kind === 'release'
      ? { node: hit.node, message: `${hit.callee}() here drops a reference on '${clip(unwrapPage(callArguments(call)[acquire.argument]))}' that this path never took${hit.glob ? ' (a wrapper matched by a glob row)' : ''}` }
      : { node: hit.node, message: `the caller gets '${clip(hit.node.namedChildren[0]?.text ?? '')}' back and will treat it as referenced` },
  ];
  const confidence: Confidence = acquire.object === 'atomic' || hit.glob ? 'low' : 'medium';
  const subject = clip(hit.kind === 'return' ? hit.node.namedChildren[0]?.text ?? '' : callArguments(call)[acquire.argument]?.text ?? '');
  const base = { node: call, evidence, confidence, fix: `Send the failure path of ${callee}() where nothing is released (for example a label after the put), or record that no reference is held and release only when one is.` };
  const key: SiblingKey =
    hit.kind === 'release'
      ? { id: `${callee}() failure, ${hit.callee}()`, reason: `drop with ${hit.callee}() a reference that ${callee}() did not take`, calls: [callee, hit.callee!] }
      : { id: `${callee}() failure, returned`, reason: `return as referenced what ${callee}() did not take a reference on`, calls: [callee] };
  return hit.kind === 'release'
    ? { ...base, messageId: 'failurePathRelease' as const, data: { callee, release: hit.callee!, line }, key }
    : { ...base, messageId: 'failurePathReturn' as const, data: { callee, subject, line }, key };
}

// ---------------------------------------------------------------------------
// 2. The PFNMAP/IO finding

function pfnmapReport(finding: PfnmapFinding) {
  const { sink, sinkRow, argument, kind, lookup, steps, weak } = finding;
  const verb = sinkRow.role.startsWith('get') ? 'takes' : 'drops';
  const lookupLine = lookup.call.startPosition.row + 1;
  const evidence = [
    ...steps,
    { node: sink, message: `${sinkRow.name}() ${sinkRow.what} (${sinkRow.origin}); nothing before it tried a conditional acquire (get_page_unless_zero(), kvm_try_get_pfn()) on it` },
    ...(weak
      ? [{ node: weak.call, message: `${weak.row.name}() ${weak.row.what} (${weak.row.origin}): that rules out pfns without a struct page or reserved pages, not a tail page of a non-compound allocation, which is neither and has no count of its own` }]
      : []),
  ];
  return {
    node: sink,
    messageId: 'pfnmapReference' as const,
    data: { sink: sinkRow.name, verb, argument: clip(argument.text), kind: kind === 'pfn' ? 'pfn' : 'page', lookup: lookup.row.name, line: String(lookupLine) },
    evidence,
    confidence: (weak ? 'low' : 'high') as Confidence,
    key: pfnmapKey(calleeName(lookup.call) ?? lookup.row.name, calleeName(sink) ?? sinkRow.name),
    fix:
      'Take the reference with a conditional acquire on a page that may be refcounted, and treat the pfn as not refcounted when it fails: ' +
      '`page = kvm_pfn_to_refcounted_page(pfn); if (page && !get_page_unless_zero(page)) return -EFAULT;` (as kvm_try_get_pfn() does), ' +
      'and release only what was taken.',
  };
}

/** Siblings pass what the same lookup found to the same get or put. */
function pfnmapKey(lookup: string, sink: string): SiblingKey {
  return { id: `${lookup}(), ${sink}()`, reason: `pass what ${lookup}() found in a VM_PFNMAP/VM_IO mapping to ${sink}() unchecked`, calls: [lookup, sink] };
}

// ---------------------------------------------------------------------------
// Helpers

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

