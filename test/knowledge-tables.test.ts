// Each knowledge table's definition: what a row means once read, and the
// one-line refusal of a row that does not fit, with its file:line.

import { describe, it } from 'node:test';
import * as assert from 'node:assert/strict';
import { KnowledgeError, KnowledgeTable, parseKnowledge, TableDefinition } from '../src/knowledge';
import { accessOrderingTable } from '../rules/access-after-arch-free/access-ordering-table';
import { conditionalRefsTable } from '../rules/nonrefcounted-page-ref/conditional-refs';
import { pfnmapLookupsTable } from '../rules/nonrefcounted-page-ref/pfnmap-table';
import { pageLookupsTable, pfnRefcountOpsTable } from '../rules/zero-page-refcount/tables';
import { errorReturningTable, resultIgnoredTable } from '../rules/ignored-fault-error/tables';

/** The row of `line` (file t.txt, line 1) for `name`, as the table reads it. */
function read<Row>(table: TableDefinition<Row>, line: string, name = line.split(/\s+/)[0]): Row | undefined {
  return new KnowledgeTable(table, parseKnowledge(line, 't.txt')).get(name);
}

function refused(table: TableDefinition<unknown>, line: string, why: RegExp): void {
  assert.throws(
    () => new KnowledgeTable(table, parseKnowledge(line, 't.txt')),
    (e: Error) => e instanceof KnowledgeError && /^t\.txt:1: /.test(e.message) && why.test(e.message) && e.message.includes('; expected: name, ') && !e.message.includes('\n'),
  );
}

describe('access-ordering rows', () => {
  it('reads roles, page arguments, conditions and confidence', () => {
    const row = read(accessOrderingTable, 'kmp revoke 0 "unmaps" arg2=0 else=grant confidence=high')!;
    assert.deepEqual(
      { role: row.role, otherwise: row.otherwise, conditions: row.conditions, pages: row.pageArguments, confidence: row.confidence, what: row.what },
      { role: 'revoke', otherwise: 'grant', conditions: [{ index: 2, literal: '0' }], pages: [{ kind: 'page', index: 0 }], confidence: 'high', what: 'unmaps' },
    );
    assert.deepEqual(read(accessOrderingTable, 'fp revoke addr:1 "frees"')!.pageArguments, [{ kind: 'address', index: 1 }]);
    assert.deepEqual(read(accessOrderingTable, 'cp access 0,1 "copies"')!.pageArguments, [{ kind: 'page', index: 0 }, { kind: 'page', index: 1 }]);
    assert.deepEqual(read(accessOrderingTable, 'ms access * "sets"')!.pageArguments, [{ kind: 'any-address' }]);
    assert.equal(read(accessOrderingTable, 'pa address 0 "gives the address"')!.confidence, 'medium', 'the default confidence');
  });

  it('refuses an unknown role, argument or option, and a row without its description', () => {
    refused(accessOrderingTable, 'f unmap 0 "x"', /role 'unmap' is not one of revoke, access, grant, address/);
    refused(accessOrderingTable, 'f revoke page "x"', /argument 'page' is not N, N,M, addr:N or \*/);
    refused(accessOrderingTable, 'f revoke 0 "x" confidence=certain', /option 'confidence=certain'/);
    refused(accessOrderingTable, 'f revoke 0', /says nothing about what the call does/);
  });
});

describe('conditional-refs rows', () => {
  it('reads the object, releases (names and globs), the argument and the counter-name pattern; a glob row gets the name it matched', () => {
    const row = read(conditionalRefsTable, 'atomic_inc_not_zero atomic low atomic_dec,*_put "was zero" arg=1 "names=ref|users?"')!;
    assert.equal(row.object, 'atomic');
    assert.equal(row.argument, 1);
    assert.deepEqual(row.releases.map((r) => [r.pattern, r.glob]), [['atomic_dec', false], ['*_put', true]]);
    assert.ok(row.releases[1].regex.test('kobj_put') && !row.releases[1].regex.test('put'));
    assert.ok(row.names!.test('Users') && !row.names!.test('count'));
    assert.equal(read(conditionalRefsTable, 'try_* page high put_page "x"', 'try_this')!.name, 'try_this');
  });

  it('refuses an unknown object, confidence or option, and a pattern that is not a regular expression', () => {
    refused(conditionalRefsTable, 'f pages high put_page "x"', /object 'pages' is not one of page, folio, kref, refcount, atomic/);
    refused(conditionalRefsTable, 'f page sure put_page "x"', /confidence 'sure' is not one of high, medium, low/);
    refused(conditionalRefsTable, 'f page high put_page "x" nope=1', /unknown option 'nope=1'/);
    refused(conditionalRefsTable, 'f atomic low put "x" names=(ref', /names=\(ref is not a regular expression/);
  });
});

describe('pfnmap-lookups rows', () => {
  it('reads the role, argument and field', () => {
    const row = read(pfnmapLookupsTable, 'follow_pfnmap_start lookup-args 0 "walks" field=pfn')!;
    assert.deepEqual([row.name, row.role, row.argument, row.field, row.what], ['follow_pfnmap_start', 'lookup-args', 0, 'pfn', 'walks']);
  });

  it('refuses an unknown role, a non-numeric argument, and lookup-args without its field', () => {
    refused(pfnmapLookupsTable, 'f lookup 0 "x"', /role 'lookup' is not one of lookup-pte/);
    refused(pfnmapLookupsTable, 'f same first "x"', /argument 'first' is not an argument number/);
    refused(pfnmapLookupsTable, 'f lookup-args 0 "x"', /a lookup-args row needs field=NAME/);
  });
});

describe('pfn-refcount-ops and page-lookups rows', () => {
  it('reads roles and arguments; - means no argument matters', () => {
    assert.deepEqual(read(pfnRefcountOpsTable, 'kvm_release_pfn_clean put pfn:0,checked "drops"'), {
      role: 'put', argKind: 'pfn', argIndex: 0, checked: true, what: 'drops', origin: 't.txt:1',
    });
    assert.deepEqual(read(pfnRefcountOpsTable, 'is_zero_pfn zero - "tests"')!.argKind, null);
    assert.deepEqual(read(pageLookupsTable, 'gup page out:3 "pins"'), { returns: 'page', where: 3, what: 'pins', origin: 't.txt:1' });
    assert.equal(read(pageLookupsTable, 'hva_to_pfn pfn-ref ret "faults in"')!.where, -1);
    assert.equal(read(pageLookupsTable, 'gup* page - "pins"', 'gup_x')!.where, null);
  });

  it('refuses what was dropped silently before: an unknown role, argument or place, a description split into words', () => {
    refused(pfnRefcountOpsTable, 'f take page:0 "x"', /role 'take' is not one of get, put, reserved, zero, guard/);
    refused(pfnRefcountOpsTable, 'f get folio:0 "x"', /argument 'folio:0' is not page:N/);
    refused(pfnRefcountOpsTable, 'f get page:0 takes a ref', /'a' is one column too many/);
    refused(pageLookupsTable, 'f pages ret "x"', /returns 'pages' is not one of page, pfn-ref, pfn-noref, pte-noref/);
    refused(pageLookupsTable, 'f page arg:1 "x"', /where 'arg:1' is not ret, out:N or -/);
  });
});

describe('error-returning and result-ignored rows', () => {
  it('reads the path class and what failure looks like, and why a result is ignored', () => {
    assert.deepEqual(read(errorReturningTable, 'copy_to_user copy "bytes not copied"'), { pathClass: 'copy', looksLike: 'bytes not copied' });
    assert.deepEqual(read(resultIgnoredTable, 'pr_* "logging"', 'pr_info'), { why: 'logging' });
  });

  it('refuses a row that fits neither', () => {
    refused(errorReturningTable, 'this row is not valid for any table', /path class 'row' is not one of fault, gup, copy, alloc, io/);
    refused(errorReturningTable, 'f fault', /does not say what failure looks like/);
    refused(resultIgnoredTable, 'this row is not valid for any table', /'is' is one column too many/);
    refused(resultIgnoredTable, 'f', /does not say why/);
  });
});
