// zero-page-refcount: reference counting on pages from user lookups is gated
// on PageReserved(), but the shared zero page is PG_reserved *and*
// refcounted: get_user_pages() takes a real reference on it. KVM's
// kvm_is_reserved_pfn() returned PageReserved(pfn_to_page(pfn)), so
// kvm_release_pfn_clean() skipped put_page() for the zero page and every
// guest fault on a KSM-merged zero page leaked a reference, until the count
// overflowed and every VM paused (fixed by 7df003c85218, which added
// `!is_zero_pfn(pfn)` to the predicate).
//
// Part A: a PageReserved() test whose truth value decides a get/put (in an
// `if`, through a variable, or out through `return` to callers in the same
// file) with no zero-page test on the way.
// Part B: put_page(pfn_to_page(pfn)) (or a get) on a pfn from a KVM or
// page-table lookup, with no refcountability check before it.
//
// The analysis lives in ./zero-page-refcount/refcount-guards.ts; the knowledge is
// data/knowledge/pfn-refcount-ops.txt and data/knowledge/page-lookups.txt (./zero-page-refcount/tables.ts).

import { clip, defineRule } from '../src/rule';
import type { EvidenceInput, ReportInput } from '../src/rule';
import type { SyntaxNode } from '../src/frontend/parse';
import { addressTaken, callArguments, calleeName, declaredIdentifier, functionDefinitions, functionName, stripCastsAndParens } from '../src/frontend/syntax';
import type { Confidence, SiblingKey } from '../src/model';
import { namesOf } from '../src/knowledge';
import { Decision, consumerOf, DecisionFinder, lastAssignment, line, RefcountFacts, RefOp, valueIdentifiers } from './zero-page-refcount/refcount-guards';
import { LookupRow, PageLookups, pageLookupsTable, pfnRefcountOpsTable, RefcountOps } from './zero-page-refcount/tables';

const MESSAGES = {
  reservedGate:
    '{{test}} decides whether {{op}}() at line {{line}} drops a reference, but does not except the zero page, which is PG_reserved yet refcounted: {{effect}}',
  uncheckedPfnRef:
    "{{op}}() {{action}} the page of pfn '{{pfn}}' from {{lookup}}() (line {{line}}) without checking that the page is refcounted",
} as const;
type Report = ReportInput<typeof MESSAGES>;

const FIX_A =
  'Treat the zero page as refcounted: except it from the reserved test (`PageReserved(page) && !is_zero_pfn(pfn)`, or `is_zero_page(page)`), as commit 7df003c85218 did in kvm_is_reserved_pfn(); in KVM, decide with kvm_pfn_to_refcounted_page(), which does.';
const FIX_B =
  'Check that the page is refcounted before touching its count: in KVM take the page from kvm_pfn_to_refcounted_page(pfn) and get/put only when it is non-NULL (or use kvm_release_pfn_clean()); elsewhere test pfn_valid() and PageReserved() with the zero page excepted (is_zero_pfn()).';

export default defineRule({
  meta: {
    id: 'zero-page-refcount',
    description: 'Reference counting gated on PageReserved() without excepting the zero page, which is reserved but refcounted, or get/put on a pfn with no refcountability check',
    category: 'refcount',
    severity: 'error',
    confidence: 'high',
    messages: MESSAGES,
  },
  // A reserved test (built-in and the user's), or a pfn turned into its page.
  requires: [namesOf(pfnRefcountOpsTable, (row) => row.role === 'reserved'), 'pfn_to_page'],
  knowledge: [pfnRefcountOpsTable, pageLookupsTable],
  check(context) {
    const ops = new RefcountOps(context.knowledge(pfnRefcountOpsTable));
    const lookups = new PageLookups(context.knowledge(pageLookupsTable));
    const facts = new RefcountFacts(context.file.tree.rootNode, ops, lookups);
    const finder = new DecisionFinder(facts);
    for (const fn of functionDefinitions(context.file.tree.rootNode)) {
      const body = fn.childForFieldName('body');
      if (!body) continue;
      for (const call of body.descendantsOfType('call_expression')) {
        const name = calleeName(call);
        if (name && ops.role(name) === 'reserved') {
          const report = reservedGate(call, name, fn, facts, finder);
          if (report) context.report(report);
        }
      }
    }
    for (const report of uncheckedPfnRefs(facts)) context.report(report);
  },
});

// ---------------------------------------------------------------------------
// Part A: PageReserved() deciding a put

function reservedGate(test: SyntaxNode, testName: string, fn: SyntaxNode, facts: RefcountFacts, finder: DecisionFinder): Report | null {
  const body = fn.childForFieldName('body')!;
  if (facts.zeroTestIn(body)) return null;
  const subjects = new Set<string>();
  for (const arg of callArguments(test)) for (const id of valueIdentifiers(arg)) subjects.add(id);
  const decisions = finder.decisions(test, fn, subjects).filter((d) => d.functions.every((f) => !facts.zeroTestIn(f.childForFieldName('body') ?? f)));
  // A skipped get alone unbalances nothing (the matching put is skipped too): only a skipped put leaks gup's reference.
  const decision = decisions.find((d) => d.op.role === 'put');
  if (!decision) return null;
  const op = decision.op;
  const chainNames = unique(decision.functions.map((f) => functionName(f) ?? '?'));
  const lookup = facts.firstLookup();
  const elsewhere = zeroRefHandling(facts);

  const evidence: EvidenceInput[] = [
    { node: test, message: `${clip(test.text)} is true for the shared zero page: ZERO_PAGE is marked PG_reserved` },
    ...decision.steps.map((s) => ({ node: s.node, message: s.message })),
    { node: op.call, message: `${op.name}(): ${op.via}` },
    {
      node: fn,
      message: `nothing in ${chainNames.map((n) => `${n}()`).join(', ')} excepts the zero page (is_zero_pfn(), is_zero_page(), ZERO_PAGE())`,
    },
    lookup?.referenced
      ? { node: lookup.call, message: lookupStory(lookup.name, lookup.row, line(lookup.call)) }
      : lookup
      ? { node: lookup.call, message: `the file reads pfns from the page tables with ${lookup.name}() at line ${line(lookup.call)}, which takes no reference; no gup, pin or hva_to_pfn-style lookup here hands out referenced pages` }
      : { node: fn, message: 'no gup, pin or hva_to_pfn-style lookup in this file: whether the zero page reaches this test depends on where the pages come from' },
    ...(elsewhere
      ? [{ node: elsewhere.node, message: `${elsewhere.name}() at line ${line(elsewhere.node)} decides a get/put for the zero page elsewhere in this file: check that it covers this path` }]
      : []),
  ];
  const others = new Map<number, Decision>();
  for (const d of decisions) if (d.op.call.id !== op.call.id && !others.has(d.op.call.id) && others.size < 2) others.set(d.op.call.id, d);
  for (const other of others.values()) {
    evidence.push({ node: other.op.call, message: `the same test also decides ${other.op.name}() at line ${line(other.op.call)}` });
  }

  let confidence: Confidence = lookup?.referenced ? 'high' : 'medium';
  if (elsewhere) confidence = 'low';
  return {
    node: test,
    messageId: 'reservedGate',
    data: {
      test: `${testName}()`,
      op: op.name,
      line: String(line(op.call)),
      effect: 'the reference the lookup took on it is never dropped, and its count grows until it overflows',
    },
    evidence,
    confidence,
    fix: FIX_A,
    key: gateKey(testName, calleeName(op.call) ?? op.name),
  };
}

function lookupStory(name: string, row: LookupRow, at: number): string {
  const zero =
    'a read fault on untouched anonymous memory, or on memory KSM merged with use_zero_pages, maps the zero page, and gup takes a real reference on it like on any page (follow_page_pte() does not skip it)';
  return `the pages come from lookups like ${name}() at line ${at}: ${row.what} (${row.origin}); ${zero}`;
}

/** Siblings let the same reserved test decide the same put. */
function gateKey(test: string, op: string): SiblingKey {
  return { id: `${test}(), ${op}()`, reason: `let ${test}() decide ${op}() without excepting the zero page`, calls: [test, op] };
}

// ---------------------------------------------------------------------------
// Part B: get/put on a pfn's page with no refcountability check

interface PfnSource {
  node: SyntaxNode;
  lookup: string;
  row: LookupRow;
}

function uncheckedPfnRefs(facts: RefcountFacts): Report[] {
  const out: Report[] = [];
  const helperCache = new Map<string, HelperOp | null>();
  const helper = (name: string): HelperOp | null => {
    if (!helperCache.has(name)) helperCache.set(name, helperPfnOp(name, facts));
    return helperCache.get(name)!;
  };
  for (const fn of functionDefinitions(facts.root)) {
    const body = fn.childForFieldName('body');
    if (!body) continue;
    for (const call of body.descendantsOfType('call_expression')) {
      const name = calleeName(call);
      if (!name) continue;
      const target = pfnTarget(call, name, fn, facts, helper);
      if (!target) continue;
      const pfn = stripCastsAndParens(target.pfn);
      if (pfn.type !== 'identifier') continue;
      const source = pfnSource(pfn.text, fn, call, facts);
      if (!source) continue;
      if (facts.checkBefore(fn, call)) continue;
      const validBefore = facts.callsTo('pfn_valid').some((c) => c.startIndex > body.startIndex && c.startIndex < call.startIndex);
      const noref = source.row.returns !== 'pfn-ref';
      let confidence: Confidence = target.role === 'put' ? (noref ? 'high' : 'medium') : noref ? 'medium' : 'low';
      if (validBefore && confidence !== 'low') confidence = confidence === 'high' ? 'medium' : 'low';
      const evidence: EvidenceInput[] = [
        {
          node: source.node,
          message: `'${pfn.text}' comes from ${source.lookup}() at line ${line(source.node)}: ${source.row.what} (${source.row.origin})`,
        },
        ...target.steps,
        {
          node: call,
          message: `${target.opName}() ${target.role === 'put' ? 'drops' : 'takes'} a reference on pfn_to_page(${pfn.text}), and nothing before it in ${functionName(fn) ?? 'the function'}() checks that the page is refcounted (kvm_pfn_to_refcounted_page(), or PageReserved() with the zero page excepted)`,
        },
        {
          node: call,
          message: noref
            ? 'a pfn read from the page tables carries no reference: it may be a VM_PFNMAP/VM_IO page whose struct page is not refcounted, or no page at all'
            : `${source.lookup}() takes a reference only when the page is refcounted: for a reserved (non-zero-page) pfn there is none to ${target.role === 'put' ? 'drop' : 'balance'}`,
        },
        ...(validBefore ? [{ node: call, message: 'pfn_valid() is tested before: the struct page exists, but that does not make it refcounted' }] : []),
      ];
      out.push({
        node: call,
        messageId: 'uncheckedPfnRef',
        data: {
          op: name,
          action: target.role === 'put' ? 'drops a reference on' : 'takes a reference on',
          pfn: pfn.text,
          lookup: source.lookup,
          line: String(line(source.node)),
        },
        evidence,
        confidence,
        fix: FIX_B,
        key: { id: `${source.lookup}(), ${name}()`, reason: `pass a pfn from ${source.lookup}() to ${name}() with no refcountability check`, calls: [source.lookup, name] },
      });
    }
  }
  return out;
}

interface PfnTarget {
  pfn: SyntaxNode;
  role: 'get' | 'put';
  opName: string;
  steps: EvidenceInput[];
}

interface HelperOp {
  paramIndex: number;
  inner: RefOp;
}

/** The pfn whose page a call gets or puts: put_page(pfn_to_page(pfn)), put_page(page) after page = pfn_to_page(pfn), or a same-file helper that does so on its parameter. */
function pfnTarget(call: SyntaxNode, name: string, fn: SyntaxNode, facts: RefcountFacts, helper: (name: string) => HelperOp | null): PfnTarget | null {
  const row = facts.ops.row(name);
  const args = callArguments(call);
  if (row && (row.role === 'get' || row.role === 'put') && row.argKind === 'page' && !(row.checked && facts.body(name))) {
    const arg = args[row.argIndex];
    const viaPage = arg ? pfnOfPage(arg, fn, call) : null;
    return viaPage ? { pfn: viaPage.pfn, role: row.role, opName: name, steps: viaPage.steps } : null;
  }
  if (!facts.body(name)) return null;
  const op = helper(name);
  if (!op || !args[op.paramIndex]) return null;
  return {
    pfn: args[op.paramIndex],
    role: op.inner.role,
    opName: name,
    steps: [{ node: op.inner.call, message: `${name}() ${op.inner.role === 'put' ? 'drops' : 'takes'} the reference with ${clip(op.inner.call.text)} at line ${line(op.inner.call)} and checks nothing first` }],
  };
}

/** A same-file function that gets/puts pfn_to_page(<its parameter>) with no check before. */
function helperPfnOp(name: string, facts: RefcountFacts): HelperOp | null {
  const fn = facts.functions.get(name);
  const body = fn?.childForFieldName('body');
  if (!fn || !body) return null;
  const params = parameterNames(fn);
  for (const call of body.descendantsOfType('call_expression')) {
    const callee = calleeName(call);
    const row = callee ? facts.ops.row(callee) : null;
    if (!callee || !row || (row.role !== 'get' && row.role !== 'put') || row.argKind !== 'page' || row.checked) continue;
    const arg = callArguments(call)[row.argIndex];
    const viaPage = arg ? pfnOfPage(arg, fn, call) : null;
    const pfn = viaPage ? stripCastsAndParens(viaPage.pfn) : null;
    const index = pfn?.type === 'identifier' ? params.indexOf(pfn.text) : -1;
    if (index < 0 || facts.checkBefore(fn, call)) continue;
    return { paramIndex: index, inner: { call, name: callee, role: row.role, subjects: [arg], via: row.what, checked: false } };
  }
  return null;
}

function parameterNames(fn: SyntaxNode): string[] {
  let declarator = fn.childForFieldName('declarator');
  while (declarator && declarator.type !== 'function_declarator') declarator = declarator.childForFieldName('declarator');
  const list = declarator?.childForFieldName('parameters');
  if (!list) return [];
  return list.namedChildren
    .filter((p) => p.type === 'parameter_declaration')
    .map((p) => {
      let d = p.childForFieldName('declarator');
      while (d && d.type !== 'identifier') d = d.childForFieldName('declarator');
      return d?.text ?? '';
    });
}

/** pfn_to_page(X) itself, or a variable last set to pfn_to_page(X) before `before`. */
function pfnOfPage(arg: SyntaxNode, fn: SyntaxNode, before: SyntaxNode): { pfn: SyntaxNode; steps: EvidenceInput[] } | null {
  const expression = stripCastsAndParens(arg);
  const direct = pfnToPageArgument(expression);
  if (direct) return { pfn: direct, steps: [] };
  if (expression.type !== 'identifier') return null;
  const assignment = lastAssignment(expression.text, fn, before);
  if (!assignment) return null;
  const pfn = pfnToPageArgument(stripCastsAndParens(assignment.value));
  return pfn ? { pfn, steps: [{ node: assignment.node, message: `'${expression.text}' is pfn_to_page(${clip(pfn.text, 30)}) from line ${line(assignment.node)}` }] } : null;
}

function pfnToPageArgument(expression: SyntaxNode): SyntaxNode | null {
  return expression.type === 'call_expression' && calleeName(expression) === 'pfn_to_page' ? callArguments(expression)[0] ?? null : null;
}

/** Where a pfn variable got its value in `fn`, when that is a pfn lookup. */
function pfnSource(name: string, fn: SyntaxNode, before: SyntaxNode, facts: RefcountFacts): PfnSource | null {
  const body = fn.childForFieldName('body');
  if (!body) return null;
  let found: PfnSource | null = null;
  const pteLookup = body
    .descendantsOfType('call_expression')
    .map((c) => ({ c, row: facts.lookups.row(calleeName(c) ?? '') }))
    .find((x) => x.row?.returns === 'pte-noref');
  for (const call of body.descendantsOfType('call_expression')) {
    if (call.startIndex >= before.startIndex) break;
    const callee = calleeName(call);
    if (!callee) continue;
    const row = facts.lookups.row(callee);
    if (row && (row.returns === 'pfn-ref' || row.returns === 'pfn-noref')) {
      if (row.where === -1 && assignedTo(call) === name) found = { node: call, lookup: callee, row };
      else if (row.where !== null && row.where >= 0) {
        const arg = callArguments(call)[row.where];
        if (arg && addressTaken(arg)?.text === name) {
          found = { node: call, lookup: callee, row };
        }
      }
    } else if (callee === 'pte_pfn' && pteLookup && assignedTo(call) === name) {
      found = { node: call, lookup: calleeName(pteLookup.c)!, row: { ...pteLookup.row!, returns: 'pfn-noref' } };
    }
  }
  return found;
}

/** The variable a call's value is assigned to (`pfn = f(...)`, `kvm_pfn_t pfn = f(...)`), through casts. */
function assignedTo(call: SyntaxNode): string | null {
  let node = call;
  while (node.parent && (node.parent.type === 'parenthesized_expression' || node.parent.type === 'cast_expression')) node = node.parent;
  const parent = node.parent;
  if (parent?.type === 'assignment_expression' && parent.childForFieldName('right')?.id === node.id) {
    const left = parent.childForFieldName('left');
    return left?.type === 'identifier' ? left.text : null;
  }
  if (parent?.type === 'init_declarator') return declaredIdentifier(parent.childForFieldName('declarator'))?.text ?? null;
  return null;
}

/**
 * A zero-page test elsewhere in the file that itself decides a get/put
 * (`if (is_zero_pfn(page_to_pfn(p))) unpin_user_page(p);`): the file handles
 * the zero page's reference another way. Prototypes and ZERO_PAGE() used as a
 * source of zeroes do not count.
 */
function zeroRefHandling(facts: RefcountFacts): { node: SyntaxNode; name: string } | null {
  for (const fn of functionDefinitions(facts.root)) {
    const body = fn.childForFieldName('body');
    if (!body) continue;
    for (const call of body.descendantsOfType('call_expression')) {
      const name = calleeName(call);
      if (!name || facts.ops.role(name) !== 'zero') continue;
      const consumer = consumerOf(call);
      if (consumer?.kind !== 'if' && consumer?.kind !== 'cond') continue;
      const branches = [consumer.statement.childForFieldName('consequence'), consumer.statement.childForFieldName('alternative')];
      if (branches.some((b) => b && facts.opsIn(b).length > 0)) return { node: call, name };
    }
  }
  return null;
}

function unique<T>(items: T[]): T[] {
  return [...new Set(items)];
}
