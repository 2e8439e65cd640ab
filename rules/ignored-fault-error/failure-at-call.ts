// Can the failure a callee reports happen at this call? Three ways it
// cannot: every error return is guarded by a parameter test that the call's
// constant arguments never trip; the error comes only from a config stub
// that is not built with the caller's file; it is -ENOKEY of a hash that
// takes no key.

import type { SyntaxNode } from '../../src/frontend/parse';
import { callArguments } from '../../src/frontend/syntax';
import type { KbuildView } from '../../src/kernel/kbuild';
import { ArgumentValue, mayTrip, ParamGuard } from '../../src/types/param-guards';
import type { Failure, FailureInference } from './failure';

export interface FailureAtCall {
  /** counts: it can happen (as far as we see); cannot: it cannot; undecided: it may not, and we cannot tell simply. */
  verdict: 'counts' | 'cannot' | 'undecided';
  /** Why, one step each (empty when nothing was in question). */
  steps: string[];
}

/** Keyed hash algorithms: a tfm of one of these reports -ENOKEY until a key is set. */
const KEYED_HASH = /"(hmac|cmac|xcbc|vmac\d*|cbcmac)\(|"(ghash|poly1305|nhpoly1305|michael_mic|blake2[bs]-\d+)"|crypto_(shash|ahash)_setkey/;
const HASH_CALL = /^crypto_(shash|ahash)_/;

export function failureAtCall(
  callee: string,
  failure: Failure,
  call: SyntaxNode,
  inference: FailureInference,
  kbuild: KbuildView | null,
  fileText: string,
): FailureAtCall {
  const guarded = guardedAway(failure, call, inference);
  if (guarded) return { verdict: 'cannot', steps: guarded };
  const unkeyed = unkeyedHash(callee, failure, inference, fileText);
  if (unkeyed) return { verdict: 'cannot', steps: [unkeyed] };
  if (failure.stub) return stubAtCall(callee, failure.stub, kbuild);
  return { verdict: 'counts', steps: [] };
}

/** Steps showing that no error return of the callee is reachable with these arguments, or null. */
function guardedAway(failure: Failure, call: SyntaxNode, inference: FailureInference): string[] | null {
  const errors = failure.errors;
  if (!errors?.length || !failure.definition) return null;
  if (!errors.every((e) => e.guard)) return null;
  if (!passesOnNothingFailing(failure, inference)) return null;
  const args = callArguments(call);
  const steps: string[] = [];
  for (const error of errors) {
    const tripped = error.guard!.find((guard) => mayTrip(guard, argumentValue(args[guard.param])));
    if (tripped) return null;
    steps.push(
      `${error.code} at ${failure.definition.file}:${error.line} only when ${error.guard!.map((g) => guardText(g, failure)).join(' or ')}: ` +
        `not with ${describeArguments(error.guard!, args)} (cannot happen here)`,
    );
  }
  return steps;
}

/** Every function whose result the callee passes on is defined in sight and shows no failure. */
function passesOnNothingFailing(failure: Failure, inference: FailureInference): boolean {
  return (failure.passesOn ?? []).every((name) => inference.definitions(name).length > 0 && !inference.failureOf(name));
}

/** `-ENOKEY` of a crypto hash whose tfm this file never keys (no keyed algorithm named, no setkey call). */
function unkeyedHash(callee: string, failure: Failure, inference: FailureInference, fileText: string): string | null {
  if (!HASH_CALL.test(callee) || !failure.errors?.length || failure.errors.some((e) => e.code !== '-ENOKEY')) return null;
  if (!passesOnNothingFailing(failure, inference)) return null;
  if (KEYED_HASH.test(fileText)) return null;
  return `${callee}() fails only with -ENOKEY, for a keyed hash whose key is not set; this file names no keyed algorithm and sets no key (cannot happen here)`;
}

function stubAtCall(callee: string, stub: NonNullable<Failure['stub']>, kbuild: KbuildView | null): FailureAtCall {
  const symbols = stub.symbols.map((s) => `!${s}`).join(' && ');
  const where = `${callee}() fails only in the ${symbols} stub at ${stub.file}:${stub.line}`;
  if (!kbuild) return { verdict: 'undecided', steps: [`${where}; whether this file is built without ${stub.symbols.join(' or ')} is not known outside a kernel tree`] };
  const requirement = kbuild.requires(stub.symbols);
  if (requirement.answer === 'yes') {
    return { verdict: 'cannot', steps: [...requirement.steps, `${where}, and this file is built only with ${stub.symbols.join(' or ')} (cannot happen here)`] };
  }
  if (requirement.answer === 'unknown') {
    return { verdict: 'undecided', steps: [...requirement.steps, `${where}; whether this file can be built without ${stub.symbols.join(' or ')} is not simple to decide`] };
  }
  return { verdict: 'counts', steps: [...requirement.steps, `${where}, and this file can be built without ${stub.symbols.join(' or ')}`] };
}

/** What the call passes for one argument: a number, a non-NULL address, or something not known. */
export function argumentValue(arg: SyntaxNode | undefined): ArgumentValue {
  if (!arg) return { kind: 'unknown' };
  let node = arg;
  while (node.type === 'parenthesized_expression' && node.namedChild(0)) node = node.namedChild(0)!;
  if (node.type === 'number_literal') {
    const text = node.text.replace(/[uUlL]+$/, '');
    const value = /^(0[xX][0-9a-fA-F]+|\d+)$/.test(text) ? Number(text) : NaN;
    return Number.isFinite(value) ? { kind: 'number', value } : { kind: 'unknown' };
  }
  if (node.type === 'null' || node.text === 'NULL') return { kind: 'number', value: 0 };
  if (node.type === 'true') return { kind: 'number', value: 1 };
  if (node.type === 'false') return { kind: 'number', value: 0 };
  if (node.type === 'string_literal' || node.type === 'concatenated_string') return { kind: 'address' };
  if (node.type === 'pointer_expression' && node.child(0)?.type === '&') return { kind: 'address' };
  return { kind: 'unknown' };
}

function guardText(guard: ParamGuard, failure: Failure): string {
  const name = failure.definition?.params[guard.param]?.name ?? `parameter ${guard.param + 1}`;
  switch (guard.test) {
    case 'zero': return `!${name}`;
    case 'nonzero': return name;
    default: return `${name} ${guard.test} ${guard.value}`;
  }
}

function describeArguments(guards: ParamGuard[], args: SyntaxNode[]): string {
  const params = [...new Set(guards.map((g) => g.param))];
  return params.map((p) => `'${args[p]?.text ?? '?'}'`).join(' and ');
}
