// Callers that have nothing to report a dropped error to: a void teardown
// function (stop, remove, release...: its own caller cannot act on failure),
// and a call on a path that already returns another error (the error
// unwinding after `err_free:`, or an `if (ret) { ...; return ret; }` block).
// And when a caller runs: at probe or init time.

import type { SyntaxNode } from '../../src/frontend/parse';

/** Names of teardown work: a void one has nobody to tell about a failure. */
const TEARDOWN = /(^|_)(stop|teardown|cleanup|clean_up|remove|exit|release|suspend|shutdown|destroy|fini|deinit|uninit|unregister|unload|detach|disconnect|unbind|free|close|poweroff|power_off)(_|$)/;
/** Callers that run when a device or subsystem comes up. */
const PROBE_TIME = /(^|_)(probe|init\d*|bind|attach|setup)(_|$)/;
/** Labels of error unwinding. */
const ERROR_LABEL = /err|fail|bad|abort|unwind|undo/i;
/** Variables that hold an error code by name. */
const ERROR_VARIABLE = /^(ret|rc|err|error|retval|ret_val|status|result|r|res|rv|e)$/;
const ERRNO = /^E[A-Z0-9]+$/;
const VM_FAULT_FAILURE = /^VM_FAULT_(OOM|SIGBUS|SIGSEGV|HWPOISON\w*)$/;

/** "ranked low: ..." when `fn` is a void teardown function, else null. */
export function voidTeardownCaller(fn: SyntaxNode, name: string): string | null {
  const type = fn.childForFieldName('type');
  const declarator = fn.childForFieldName('declarator');
  if (type?.text !== 'void' || declarator?.type !== 'function_declarator') return null;
  const match = TEARDOWN.exec(name);
  if (!match) return null;
  return `ranked low: ${name}() is a void ${match[2].replace(/_/g, ' ')} function, so it has no caller to report the failure to`;
}

/** The statement that returns another error after the dropped call, with the step saying so, or null. */
export function alreadyFailing(call: SyntaxNode): { node: SyntaxNode; step: string } | null {
  let statement = call;
  let afterErrorLabel = false;
  while (statement.parent && statement.parent.type !== 'compound_statement') {
    statement = statement.parent;
    if (statement.type !== 'labeled_statement' && statement.type !== 'expression_statement') return null;
    if (isErrorLabel(statement)) afterErrorLabel = true;
  }
  const block = statement.parent;
  if (!block) return null;
  const siblings = block.namedChildren;
  const at = siblings.findIndex((s) => s.id === statement.id);
  for (let i = 0; i < at; i++) if (isErrorLabel(siblings[i])) afterErrorLabel = true;
  for (let i = at + 1; i < siblings.length; i++) {
    const next = unlabelled(siblings[i]);
    if (next.type !== 'return_statement' && next.type !== 'goto_statement') continue;
    const line = next.startPosition.row + 1;
    if (next.type === 'goto_statement') {
      const label = next.childForFieldName('label')?.text ?? '';
      if (ERROR_LABEL.test(label) || testsAnError(block)) return { node: next, step: `ranked low: the call is on an error path that jumps to '${label}' at line ${line}: the caller already reports another error` };
      return null;
    }
    const value = next.namedChildren.find((c) => c.type !== 'comment');
    if (!value) return null;
    if (isErrorValue(value) || (value.type === 'identifier' && ERROR_VARIABLE.test(value.text) && (afterErrorLabel || testsVariable(block, value.text)))) {
      return { node: next, step: `ranked low: the call is on an error path that returns '${value.text}' at line ${line}: the caller already reports another error` };
    }
    return null;
  }
  return null;
}

function unlabelled(node: SyntaxNode): SyntaxNode {
  let at = node;
  while (at.type === 'labeled_statement') {
    const inner = at.namedChildren.filter((c) => c.type !== 'statement_identifier' && c.type !== 'comment');
    if (!inner.length) break;
    at = inner[inner.length - 1];
  }
  return at;
}

function isErrorLabel(node: SyntaxNode): boolean {
  return node.type === 'labeled_statement' && ERROR_LABEL.test(node.childForFieldName('label')?.text ?? '');
}

function isErrorValue(value: SyntaxNode): boolean {
  let node = value;
  while (node.type === 'parenthesized_expression' && node.namedChild(0)) node = node.namedChild(0)!;
  if (node.type === 'unary_expression' && node.child(0)?.type === '-') return ERRNO.test(node.namedChild(0)?.text ?? '');
  if (node.type === 'identifier') return VM_FAULT_FAILURE.test(node.text);
  if (node.type === 'call_expression') return /^(PTR_ERR|ERR_PTR|ERR_CAST)$/.test(node.childForFieldName('function')?.text ?? '');
  return false;
}

/** The block is the branch of an `if` whose condition tests an error (`if (ret)`, `if (err < 0)`, `if (IS_ERR(p))`). */
function testsAnError(block: SyntaxNode): boolean {
  const condition = enclosingIfCondition(block);
  return !!condition && (/\bIS_ERR(_OR_NULL)?\s*\(|<\s*0\b/.test(condition.text) || identifiers(condition).some((n) => ERROR_VARIABLE.test(n)));
}

function testsVariable(block: SyntaxNode, name: string): boolean {
  const condition = enclosingIfCondition(block);
  return !!condition && identifiers(condition).includes(name);
}

function enclosingIfCondition(block: SyntaxNode): SyntaxNode | null {
  const parent = block.parent;
  if (parent?.type === 'if_statement' && parent.childForFieldName('consequence')?.id === block.id) return parent.childForFieldName('condition');
  return null;
}

function identifiers(node: SyntaxNode): string[] {
  if (node.type === 'identifier') return [node.text];
  return node.namedChildren.flatMap(identifiers);
}

/** A probe, init, bind, attach or setup function by its name, or one marked `__init`. */
export function runsAtProbeTime(caller: { name: string; fn: SyntaxNode; text: string }): boolean {
  if (PROBE_TIME.test(caller.name)) return true;
  const declarator = caller.fn.childForFieldName('declarator');
  const header = caller.text.slice(caller.fn.startIndex, declarator ? declarator.startIndex : caller.fn.startIndex);
  return /\b__(dev)?init\b/.test(header);
}
