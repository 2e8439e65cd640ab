// The true-bug shape of a dropped error: the call was to fill a local
// (`foo(dev, &val)`, `foo(dev, buf, 4)`) that was declared without an
// initialiser and not written on some path before the call; its result is
// dropped, and the local is read afterwards. When the call fails it may not
// have written the local, and the read sees stack garbage.
//
// A "definitely initialised" domain on the flow engine: the locals written on
// every path (intersection at joins), plus the locals the dropped call was
// to fill while they may still be unwritten (union at joins), until written.

import type { SyntaxNode } from '../../src/frontend/parse';
import { callArguments } from '../../src/frontend/syntax';
import { runFlow } from '../../src/analysis/flow/engine';
import type { FlowDomain } from '../../src/analysis/flow/domain';

export interface UninitialisedRead {
  name: string;
  /** The declaration without an initialiser. */
  declaration: SyntaxNode;
  /** The first read after the dropped call that may see the local unwritten. */
  read: SyntaxNode;
}

interface InitState {
  /** Locals written on every path so far. */
  written: Set<string>;
  /** Locals the dropped call was to fill, unwritten on some path. */
  pending: Set<string>;
}

/**
 * Locals declared without an initialiser (not static) in scope at `call`, by
 * name: of several declarations of a name, the innermost block around the
 * call wins, and an initialised one takes the name out.
 */
function uninitialisedLocals(body: SyntaxNode, call: SyntaxNode): Map<string, { node: SyntaxNode; array: boolean }> {
  const innermost = new Map<string, { depth: number; local: { node: SyntaxNode; array: boolean } | null }>();
  for (const declaration of body.descendantsOfType('declaration')) {
    if (declaration.namedChildren.some((c) => c.type === 'storage_class_specifier' && /static|extern/.test(c.text))) continue;
    const block = declaration.parent;
    if (!block || call.startIndex < block.startIndex || call.endIndex > block.endIndex || declaration.startIndex > call.startIndex) continue;
    const depth = block.startIndex;
    for (const declarator of declaration.childrenForFieldName('declarator')) {
      let name: SyntaxNode | null = null;
      let local: { node: SyntaxNode; array: boolean } | null = null;
      if (declarator.type === 'identifier') {
        name = declarator;
        local = { node: declaration, array: false };
      } else if (declarator.type === 'array_declarator') {
        name = declarator.childForFieldName('declarator');
        local = { node: declaration, array: true };
      } else if (declarator.type === 'init_declarator') {
        name = declarator.childForFieldName('declarator');
      }
      if (name?.type !== 'identifier') continue;
      const seen = innermost.get(name.text);
      if (!seen || seen.depth <= depth) innermost.set(name.text, { depth, local });
    }
  }
  const locals = new Map<string, { node: SyntaxNode; array: boolean }>();
  for (const [name, { local }] of innermost) if (local) locals.set(name, local);
  return locals;
}

/** The local a call argument hands over to be filled: `&val` or an array `buf`. */
function filledLocal(arg: SyntaxNode, locals: Map<string, { array: boolean }>): string | null {
  if (arg.type === 'pointer_expression' && arg.child(0)?.type === '&') {
    const target = arg.childForFieldName('argument');
    return target?.type === 'identifier' && locals.has(target.text) ? target.text : null;
  }
  if (arg.type === 'identifier' && locals.get(arg.text)?.array) return arg.text;
  return null;
}

/** The local an assignment's left side writes (`x = `, `x[i] = `, `x.f = `), if it is one of ours. */
function writtenBase(left: SyntaxNode): string | null {
  let node: SyntaxNode | null = left;
  while (node && (node.type === 'subscript_expression' || node.type === 'field_expression' || node.type === 'parenthesized_expression')) {
    if (node.type === 'field_expression' && node.child(1)?.type === '->') return null;
    node = node.type === 'subscript_expression' ? node.childForFieldName('argument') : node.type === 'field_expression' ? node.childForFieldName('argument') : node.namedChild(0);
  }
  return node?.type === 'identifier' ? node.text : null;
}

/** Is this identifier the base of an assignment's left side (written, not read)? */
function isWriteTarget(identifier: SyntaxNode): boolean {
  let child = identifier;
  for (let parent = identifier.parent; parent; child = parent, parent = parent.parent) {
    if (parent.type === 'assignment_expression') return parent.childForFieldName('left')?.id === child.id && writtenBase(child) === identifier.text;
    if (parent.type === 'subscript_expression' && parent.childForFieldName('argument')?.id !== child.id) return false;
    if (parent.type !== 'subscript_expression' && parent.type !== 'field_expression' && parent.type !== 'parenthesized_expression') return false;
  }
  return false;
}

/** An array local passed by name to a call: handed over, not read here. */
function handedOver(identifier: SyntaxNode, locals: Map<string, { array: boolean }>): boolean {
  return identifier.parent?.type === 'argument_list' && !!locals.get(identifier.text)?.array;
}

function inSizeof(node: SyntaxNode): boolean {
  for (let at = node.parent; at; at = at.parent) {
    if (at.type === 'sizeof_expression' || at.type === 'alignof_expression' || at.type === 'offsetof_expression') return true;
    if (at.type.endsWith('statement')) return false;
  }
  return false;
}

/**
 * For the dropped `call` in the function `fn`: a local it was to fill that
 * may be unwritten before it and is read after it, or null. A local passed
 * at an argument in `writtenAnyway` (the callee writes it before it can
 * fail) is written by the call, failed or not.
 */
export function uninitialisedReadAfter(fn: SyntaxNode, call: SyntaxNode, writtenAnyway: ReadonlySet<number> = new Set()): UninitialisedRead | null {
  const body = fn.childForFieldName('body');
  if (!body) return null;
  const locals = uninitialisedLocals(body, call);
  if (locals.size === 0) return null;
  const handed = callArguments(call).map((arg, index) => ({ name: filledLocal(arg, locals), index })).filter((a): a is { name: string; index: number } => !!a.name);
  const filled = handed.filter((a) => !writtenAnyway.has(a.index)).map((a) => a.name);
  const alwaysWritten = handed.filter((a) => writtenAnyway.has(a.index)).map((a) => a.name);
  if (filled.length === 0) return null;
  let hit: UninitialisedRead | null = null;
  const write = (name: string, state: InitState) => {
    if (!locals.has(name)) return;
    state.written.add(name);
    state.pending.delete(name);
  };
  const domain: FlowDomain<InitState> = {
    initial: () => ({ written: new Set(), pending: new Set() }),
    clone: (s) => ({ written: new Set(s.written), pending: new Set(s.pending) }),
    join: (states) => ({
      written: new Set([...states[0].written].filter((n) => states.every((s) => s.written.has(n)))),
      pending: new Set(states.flatMap((s) => [...s.pending])),
    }),
    equals: (a, b) => sameSet(a.written, b.written) && sameSet(a.pending, b.pending),
    expression(node, state) {
      if (node.type === 'assignment_expression') {
        const base = writtenBase(node.childForFieldName('left')!);
        if (base) write(base, state);
      } else if (node.type === 'identifier' && state.pending.has(node.text) && !hit && !isWriteTarget(node) && !inSizeof(node) && !handedOver(node, locals)) {
        hit = { name: node.text, declaration: locals.get(node.text)!.node, read: node };
      }
    },
    call(node, state) {
      const args = callArguments(node);
      if (node.id === call.id) {
        for (const name of alwaysWritten) write(name, state);
        for (const name of filled) if (!state.written.has(name)) state.pending.add(name);
        return;
      }
      // Any other call handed the local's address or the array may fill it (or read it: we do not know which, so it is neither).
      for (const arg of args) {
        const name = filledLocal(arg, locals);
        if (name) write(name, state);
      }
    },
  };
  runFlow(body, domain);
  return hit;
}

function sameSet(a: Set<string>, b: Set<string>): boolean {
  return a.size === b.size && [...a].every((x) => b.has(x));
}
