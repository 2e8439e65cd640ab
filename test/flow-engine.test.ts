// The forward flow engine (src/analysis/flow) on tiny functions, with a toy
// domain: the names assigned on some path (may), on every path (must), and
// the conditions known true or false (facts, from `assume`).

import { describe, it } from 'node:test';
import * as assert from 'node:assert/strict';
import { parseC } from '../src/frontend/parse';
import type { SyntaxNode } from '../src/frontend/syntax-table';
import { runFlow } from '../src/analysis/flow/engine';
import type { FlowOptions } from '../src/analysis/flow/engine';
import type { FlowDomain } from '../src/analysis/flow/domain';

interface Assigned {
  may: Set<string>;
  must: Set<string>;
  /** `cond=true` / `cond=false`, on every path. */
  facts: Set<string>;
}

interface Log {
  calls: string[];
  expressions: string[];
  assumed: string[];
}

function assignedDomain(log: Log = { calls: [], expressions: [], assumed: [] }): FlowDomain<Assigned> {
  const assign = (name: string, state: Assigned) => {
    state.may.add(name);
    state.must.add(name);
  };
  return {
    initial: () => ({ may: new Set(), must: new Set(), facts: new Set() }),
    clone: (s) => ({ may: new Set(s.may), must: new Set(s.must), facts: new Set(s.facts) }),
    join: (states) => ({
      may: new Set(states.flatMap((s) => [...s.may])),
      must: new Set([...states[0].must].filter((n) => states.every((s) => s.must.has(n)))),
      facts: new Set([...states[0].facts].filter((f) => states.every((s) => s.facts.has(f)))),
    }),
    equals: (a, b) => sameSet(a.may, b.may) && sameSet(a.must, b.must) && sameSet(a.facts, b.facts),
    expression(node, state) {
      log.expressions.push(node.text);
      if (node.type === 'assignment_expression') assign(node.childForFieldName('left')!.text, state);
      if (node.type === 'init_declarator') assign(node.childForFieldName('declarator')!.text, state);
    },
    call(node) {
      log.calls.push(node.childForFieldName('function')!.text);
    },
    assume(condition, outcome, state) {
      log.assumed.push(`${condition.text}=${outcome}`);
      if (condition.text === 'never' && outcome) return null;
      state.facts.add(`${condition.text}=${outcome}`);
      return state;
    },
  };
}

function sameSet(a: Set<string>, b: Set<string>): boolean {
  return a.size === b.size && [...a].every((x) => b.has(x));
}

function body(source: string): SyntaxNode {
  const tree = parseC(source);
  return tree.rootNode.descendantsOfType('function_definition')[0].childForFieldName('body')!;
}

/** The first node of `type` whose text is `text`. */
function find(root: SyntaxNode, type: string, text: string): SyntaxNode {
  const node = root.descendantsOfType(type).find((n) => n.text === text);
  assert.ok(node, `no ${type} '${text}'`);
  return node;
}

function run(source: string, options: FlowOptions = { recordBefore: true }, log?: Log) {
  const root = body(source);
  const result = runFlow(root, assignedDomain(log), options);
  const before = (type: string, text: string) => {
    const state = result.stateBefore(find(root, type, text));
    assert.ok(state, `no state recorded before '${text}'`);
    return state;
  };
  return { root, result, before };
}

const sorted = (set: Set<string> | undefined) => [...(set ?? [])].sort();

describe('flow engine: control flow', () => {
  it('walks a sequence', () => {
    const { result } = run('void f(void) { a = 1; b = 2; }');
    assert.deepEqual(sorted(result.exit!.must), ['a', 'b']);
  });

  it('joins if and else: may is the union, must the intersection', () => {
    const { result } = run('void f(void) { if (c) { a = 1; x = 1; } else { b = 1; x = 2; } d = 1; }');
    assert.deepEqual(sorted(result.exit!.may), ['a', 'b', 'd', 'x']);
    assert.deepEqual(sorted(result.exit!.must), ['d', 'x']);
  });

  it('an if without else: the skipping path joins', () => {
    const { result } = run('void f(void) { if (c) a = 1; }');
    assert.deepEqual(sorted(result.exit!.may), ['a']);
    assert.deepEqual(sorted(result.exit!.must), []);
  });

  it('switch: cases fall through, break leaves, a missing default skips the body', () => {
    const source = 'void f(int v) { switch (v) { case 1: a = 1; case 2: b = 1; break; case 3: c = 1; break; } e = 1; }';
    const { result, before } = run(source);
    assert.deepEqual(sorted(before('expression_statement', 'b = 1;').may), ['a']);
    assert.deepEqual(sorted(before('expression_statement', 'c = 1;').may), []);
    assert.deepEqual(sorted(result.exit!.may), ['a', 'b', 'c', 'e']);
    assert.deepEqual(sorted(result.exit!.must), ['e']);
  });

  it('switch with default: every value enters a case', () => {
    const { result } = run('void f(int v) { switch (v) { case 1: x = 1; break; default: x = 2; } }');
    assert.deepEqual(sorted(result.exit!.must), ['x']);
  });

  it('while: the body may not run; the condition is assumed both ways', () => {
    const log: Log = { calls: [], expressions: [], assumed: [] };
    const { result, before } = run('void f(void) { while (c) { a = 1; } }', { recordBefore: true }, log);
    assert.deepEqual(sorted(result.exit!.may), ['a']);
    assert.deepEqual(sorted(result.exit!.must), []);
    assert.deepEqual(sorted(before('expression_statement', 'a = 1;').facts), ['c=true']);
    assert.deepEqual(sorted(result.exit!.facts), ['c=false']);
  });

  it('do ... while: the body runs at least once', () => {
    const { result } = run('void f(void) { do { a = 1; } while (c); }');
    assert.deepEqual(sorted(result.exit!.must), ['a']);
    assert.deepEqual(sorted(result.exit!.facts), ['c=false']);
  });

  it('for: continue goes to the update, and round to the condition; not past the loop', () => {
    const source = 'void f(int n) { for (i = 0; i < n; i++) { if (c) { x = 1; continue; } y = 1; } z = 1; }';
    const { before } = run(source);
    // Both the continue path (x) and the end of the body (y) reach the update.
    assert.deepEqual(sorted(before('update_expression', 'i++').may), ['i', 'x', 'y']);
    assert.deepEqual(sorted(before('update_expression', 'i++').must), ['i']);
    // And from there the next iteration: the head of pass 2 holds x.
    assert.ok(before('expression_statement', 'y = 1;').may.has('x'));
    // The loop is left only by the condition failing.
    assert.deepEqual(sorted(before('expression_statement', 'z = 1;').facts), ['i < n=false']);
  });

  it('break leaves the loop; while (1) has no other exit', () => {
    const { result } = run('void f(void) { while (1) { if (c) { a = 1; break; } b = 1; } }');
    assert.deepEqual(sorted(result.exit!.must), ['a']);
    assert.deepEqual(sorted(result.exit!.may), ['a', 'b']);
  });

  it('break inside a switch inside a loop leaves the switch; continue there belongs to the loop', () => {
    const source = 'void f(void) { while (c) { switch (v) { case 1: a = 1; break; case 2: b = 1; continue; } d = 1; } }';
    const { before } = run(source);
    const atD = before('expression_statement', 'd = 1;');
    assert.ok(atD.may.has('a'));
    assert.ok(!atD.must.has('b'));
    // continue took b round the loop to the condition, not to d of the same pass: b reaches d only via the next pass.
    assert.ok(atD.may.has('b'));
  });

  it('a forward goto meets the label', () => {
    const { before, result } = run('void f(void) { if (c) goto out; a = 1; out: b = 1; }');
    const atOut = before('labeled_statement', 'out: b = 1;');
    assert.deepEqual(sorted(atOut.may), ['a']);
    assert.deepEqual(sorted(atOut.must), []);
    assert.deepEqual(sorted(result.exit!.must), ['b']);
  });

  it('a backward goto (the retry loop) carries its state round to the label', () => {
    const { before } = run('void f(void) { retry: a = 1; if (c) { b = 1; goto retry; } d = 1; }');
    const atRetry = before('expression_statement', 'a = 1;');
    assert.ok(atRetry.may.has('b'), 'the state of the goto reaches the label');
    assert.ok(!atRetry.must.has('b'), 'the first arrival did not set b');
  });

  it('a label after a return is reached only by its goto', () => {
    const { before } = run('void f(void) { if (c) goto err; a = 1; return; err: b = 1; }');
    assert.deepEqual(sorted(before('expression_statement', 'b = 1;').facts), ['c=true']);
  });

  it('early returns: their states, the end, and the exit', () => {
    const { result } = run('int f(void) { if (c) { a = 1; return r; } b = 1; }');
    assert.equal(result.returns.length, 1);
    assert.deepEqual(sorted(result.returns[0].state.must), ['a']);
    assert.deepEqual(sorted(result.end!.must), ['b']);
    assert.deepEqual(sorted(result.exit!.may), ['a', 'b']);
    assert.deepEqual(sorted(result.exit!.must), []);
  });

  it('when every path returns, nothing falls off the end', () => {
    const { result } = run('int f(void) { if (c) return 1; else return 2; a = 1; }');
    assert.equal(result.end, null);
    assert.equal(result.returns.length, 2);
  });

  it('the conditional operator: each arm on its path, then joined', () => {
    const { result } = run('void f(void) { x = c ? (a = 1) : (b = 1); }');
    assert.deepEqual(sorted(result.exit!.may), ['a', 'b', 'x']);
    assert.deepEqual(sorted(result.exit!.must), ['x']);
  });

  it('&& true means both operands true; || false means both false', () => {
    const { before } = run('void f(void) { if (a && b) { t = 1; } if (p || q) { } else { e = 1; } }');
    assert.deepEqual(sorted(before('expression_statement', 't = 1;').facts), ['a=true', 'b=true']);
    assert.deepEqual(sorted(before('expression_statement', 'e = 1;').facts), ['p=false', 'q=false']);
  });

  it('the right operand of && runs only when the left one was true', () => {
    const log: Log = { calls: [], expressions: [], assumed: [] };
    const { result } = run('void f(void) { if (a && g()) x = 1; }', { recordBefore: false }, log);
    assert.deepEqual(log.assumed, ['a=true', 'a=false', 'g()=true', 'g()=false']);
    assert.deepEqual(sorted(result.exit!.facts), []);
  });

  it('! swaps the outcomes; assume can rule a branch out', () => {
    const { before, result } = run('void f(void) { if (!p) { a = 1; } if (never) { b = 1; } }');
    assert.deepEqual(sorted(before('expression_statement', 'a = 1;').facts), ['p=false']);
    assert.ok(!result.exit!.may.has('b'));
  });

  it('#ifdef / #else in a body: either group may be the one built', () => {
    const source = 'void f(void) {\n#ifdef CONFIG_X\n a = 1;\n#else\n b = 1;\n#endif\n c = 1;\n}\n';
    const { result } = run(source);
    assert.deepEqual(sorted(result.exit!.may), ['a', 'b', 'c']);
    assert.deepEqual(sorted(result.exit!.must), ['c']);
  });

  it('#if without #else: the group may be left out', () => {
    const { result } = run('void f(void) {\n#if X\n a = 1;\n#endif\n}\n');
    assert.deepEqual(sorted(result.exit!.may), ['a']);
    assert.deepEqual(sorted(result.exit!.must), []);
  });

  it('a statement expression is walked in place', () => {
    const { result } = run('void f(void) { x = ({ a = 1; a; }); }');
    assert.deepEqual(sorted(result.exit!.must), ['a', 'x']);
  });

  it('do { } while (0) runs once; break in it goes past it', () => {
    const log: Log = { calls: [], expressions: [], assumed: [] };
    const { result } = run('void f(void) { do { a = 1; if (c) break; g(); b = 1; } while (0); }', { recordBefore: false }, log);
    assert.deepEqual(log.calls, ['g']);
    assert.deepEqual(sorted(result.exit!.must), ['a']);
    assert.deepEqual(sorted(result.exit!.may), ['a', 'b']);
  });

  it('walks ERROR nodes as plain sequences', () => {
    const tree = parseC('void f(void) { a = 1; #x b = 2; c = 3; }');
    const error = tree.rootNode.descendantsOfType('ERROR')[0];
    assert.ok(error, 'the snippet is broken');
    const result = runFlow(error, assignedDomain());
    assert.ok(result.exit!.must.has('a'));
    const broken = body('void f(void) { a = 1; if (x) } ) { b = 2; c(; } d = 3; }');
    assert.ok(runFlow(broken, assignedDomain()).exit!.may.has('d'));
  });
});

describe('flow engine: loops reach a fix point', () => {
  it('a state that keeps growing stops at the pass bound, widened once', () => {
    let widened = 0;
    let bodyVisits = 0;
    const growing: FlowDomain<number> = {
      initial: () => 0,
      clone: (n) => n,
      join: (states) => Math.max(...states),
      equals: (a, b) => a === b,
      widen: () => {
        widened++;
        return 1000;
      },
      call: (_node, n) => {
        bodyVisits++;
        return n + 1;
      },
    };
    const result = runFlow(body('void f(void) { while (c) g(); }'), growing);
    assert.equal(bodyVisits, 3);
    assert.equal(widened, 1);
    // The loop is left from the head of the final, widened pass.
    assert.equal(result.exit, 1000);
  });

  it('stops as soon as the head is stable', () => {
    const log: Log = { calls: [], expressions: [], assumed: [] };
    run('void f(void) { while (c) { g(); a = 1; } }', { recordBefore: false }, log);
    // Pass 1 from the entry; pass 2 with a; the head is then stable.
    assert.deepEqual(log.calls, ['g', 'g']);
  });

  it('loopBack sees what goes round the back edge', () => {
    const seen: string[] = [];
    const domain = { ...assignedDomain(), loopBack: (s: Assigned, loop: SyntaxNode) => void seen.push(`${loop.type}:${sorted(s.may).join(',')}`) };
    runFlow(body('void f(void) { for (;;) { a = 1; } }'), domain);
    assert.equal(seen[0], 'for_statement:a');
  });
});

describe('flow engine: expressions', () => {
  it('evaluates arguments before the call, left to right', () => {
    const log: Log = { calls: [], expressions: [], assumed: [] };
    run('void f(void) { f1(g(x), h(y)); z = k(); }', { recordBefore: false }, log);
    assert.deepEqual(log.calls, ['g', 'h', 'f1', 'k']);
  });

  it('passes what an assignment target reads, not the target itself', () => {
    const log: Log = { calls: [], expressions: [], assumed: [] };
    run('void f(void) { p->a[i] = v; *q = w; n = m; s.t = 1; }', { recordBefore: false }, log);
    const ids = log.expressions.filter((e) => /^\w+$/.test(e) && !/^\d/.test(e));
    assert.deepEqual(ids, ['v', 'p', 'i', 'w', 'q', 'm']);
  });

  it('does not evaluate sizeof operands', () => {
    const log: Log = { calls: [], expressions: [], assumed: [] };
    run('void f(void) { n = sizeof(g(x)); }', { recordBefore: false }, log);
    assert.deepEqual(log.calls, []);
  });

  it('the state before a node is recorded only when asked', () => {
    const root = body('void f(void) { a = 1; b = 2; }');
    const node = find(root, 'expression_statement', 'b = 2;');
    assert.equal(runFlow(root, assignedDomain()).stateBefore(node), undefined);
    const recorded = runFlow(root, assignedDomain(), { recordBefore: (n) => n.type === 'expression_statement' });
    assert.deepEqual(sorted(recorded.stateBefore(node)!.must), ['a']);
    assert.equal(recorded.stateBefore(find(root, 'assignment_expression', 'b = 2')), undefined);
  });

  it('declarations: initialisers in order, the declaration after them', () => {
    const log: Log = { calls: [], expressions: [], assumed: [] };
    const { result } = run('void f(void) { int a = g(), b, c = h(a); }', { recordBefore: false }, log);
    assert.deepEqual(log.calls, ['g', 'h']);
    assert.deepEqual(sorted(result.exit!.must), ['a', 'c']);
    assert.equal(log.expressions.at(-1), 'int a = g(), b, c = h(a);');
  });
});
