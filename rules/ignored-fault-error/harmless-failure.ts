// Failures that leave the caller nothing it must handle, even where the
// callee is an allocation by name: the knowledge table's functions whose
// failure leaves a state the kernel handles as usual (fb_alloc_cmap()'s
// empty colour map, a prefault not done), and a callee that fails only when
// memory runs out, dropped by a probe or init function, where small
// allocations do not fail in practice (the page allocator retries them
// rather than fail) and the device would not come up anyway. And a probe of
// memory that may not be mapped (a `*_nofault` copy) into locals preset to a
// fallback value: a failed copy leaves the fallback, as the caller meant.

import type { SyntaxNode } from '../../src/frontend/parse';
import { callArguments } from '../../src/frontend/syntax';
import type { KnowledgeTable } from '../../src/knowledge';
import type { Failure, FailureInference } from './failure';
import { runsAtProbeTime } from './nothing-to-report';

/** Why a failure of `callee` leaves nothing to handle here, as a "ranked low" step, or null. */
export function harmlessFailure(
  callee: string,
  failure: Failure,
  caller: { name: string; fn: SyntaxNode; text: string },
  call: SyntaxNode,
  table: KnowledgeTable,
  inference: FailureInference,
): string | null {
  const preset = failure.pathClass === 'copy' && /_nofault$/.test(callee) ? presetDestination(caller.fn, call) : null;
  if (preset) {
    return `ranked low: ${callee}() probes memory that may not be mapped, and its destination '${preset.name}' is preset at line ${preset.line}: a failed copy leaves that fallback value`;
  }
  const row = table.lookup(callee);
  if (row) {
    return `ranked low: a failed ${callee}() leaves ${row.fields[0] ?? 'a state the kernel handles as usual'} (${row.origin}): nothing is left half done for the caller to undo or report`;
  }
  if (!failsOnlyOutOfMemory(failure, inference) || !runsAtProbeTime(caller)) return null;
  const where = failure.definition ? ` (${failure.errors!.map((e) => `${failure.definition!.file}:${e.line}`).join(', ')})` : '';
  return `ranked low: ${callee}() fails only when memory runs out (-ENOMEM is its only error${where}), and ${caller.name}() runs at probe or init time, where small allocations do not fail in practice`;
}

/** Every error the callee's own body returns is -ENOMEM, and nothing it passes on fails. */
function failsOnlyOutOfMemory(failure: Failure, inference: FailureInference): boolean {
  if (failure.pathClass || failure.stub || !failure.errors?.length) return false;
  if (!failure.errors.every((e) => e.code === '-ENOMEM')) return false;
  return (failure.passesOn ?? []).every((name) => inference.definitions(name).length > 0 && !inference.failureOf(name));
}

/** The local a copy writes into (`&x`, or an array `x`), when it is declared with an initialiser in the caller; else null. */
function presetDestination(fn: SyntaxNode, call: SyntaxNode): { name: string; line: number } | null {
  const destination = callArguments(call)[0];
  if (!destination) return null;
  const target = destination.type === 'pointer_expression' && destination.child(0)?.type === '&' ? destination.childForFieldName('argument') : destination;
  if (target?.type !== 'identifier') return null;
  const body = fn.childForFieldName('body');
  let found: { name: string; line: number } | null = null;
  for (const declaration of body?.descendantsOfType('declaration') ?? []) {
    if (declaration.startIndex > call.startIndex) break;
    for (const declarator of declaration.childrenForFieldName('declarator')) {
      let name = declarator;
      while (name.type !== 'identifier' && name.childForFieldName('declarator')) name = name.childForFieldName('declarator')!;
      if (name.text !== target.text) continue;
      found = declarator.type === 'init_declarator' ? { name: target.text, line: declaration.startPosition.row + 1 } : null;
    }
  }
  return found;
}
