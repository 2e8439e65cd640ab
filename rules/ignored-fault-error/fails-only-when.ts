// Calls that cannot fail with what they are given, where the callee's own
// guards do not say so: its failure needs a count above a bound set elsewhere
// (a ring's max_dw), a register or mode the drivers never pass, or a pool
// that was just made. The knowledge table fails-only-when.txt says when each
// such callee can fail; here each condition is checked against the call.

import type { SyntaxNode } from '../../src/frontend/parse';
import { callArguments } from '../../src/frontend/syntax';
import type { KnowledgeTable } from '../../src/knowledge';
import { argumentValue } from './failure-at-call';
import { isConstant } from './bus-failure';
import type { CallCondition, FailsOnlyWhenRow } from './tables';

/** A "cannot happen here" step when every condition of the callee's row holds at this call, else null. */
export function cannotFailWithTheseArguments(callee: string, call: SyntaxNode, fn: SyntaxNode, table: KnowledgeTable<FailsOnlyWhenRow>): string | null {
  const row = table.get(callee);
  if (!row || row.fills !== undefined) return null;
  const args = callArguments(call);
  const held: string[] = [];
  for (const condition of row.cannotFailWhen) {
    const why = holds(condition, args, call, fn);
    if (!why) return null;
    held.push(why);
  }
  const origin = table.lookup(callee)!.origin;
  const here = held.length ? `; here ${held.join(' and ')}` : '';
  return `${callee}() cannot fail at this call: ${row.why} (${origin})${here} (cannot happen here)`;
}

/** The out-value (0-based argument) the callee writes whenever it can fail in practice, with the row's reason. */
export function filledInPractice(callee: string, table: KnowledgeTable<FailsOnlyWhenRow>): { param: number; why: string; origin: string } | null {
  const row = table.get(callee);
  if (row?.fills === undefined) return null;
  return { param: row.fills - 1, why: row.why, origin: table.lookup(callee)!.origin };
}

function holds(condition: CallCondition, args: SyntaxNode[], call: SyntaxNode, fn: SyntaxNode): string | null {
  if (condition.kind === 'after') return calledBefore(condition.call, args[0], call, fn);
  const arg = args[condition.arg - 1];
  if (!arg) return null;
  const text = stripParens(arg).text;
  switch (condition.kind) {
    case 'at-most': {
      const value = argumentValue(arg);
      return value.kind === 'number' && value.value <= condition.value ? `argument ${condition.arg} is ${text}, at most ${condition.value}` : null;
    }
    case 'one-of':
      return condition.names.includes(text) ? `argument ${condition.arg} is ${text}` : null;
    case 'constant':
      return isConstant(arg) ? `argument ${condition.arg} is the constant ${text}` : null;
  }
}

function stripParens(node: SyntaxNode): SyntaxNode {
  while (node.type === 'parenthesized_expression' && node.namedChild(0)) node = node.namedChild(0)!;
  return node;
}

/** `maker(<same first argument>)` earlier in the caller's body, its result checked: the pool the call draws from was just made. */
function calledBefore(maker: string, first: SyntaxNode | undefined, call: SyntaxNode, fn: SyntaxNode): string | null {
  if (!first) return null;
  const body = fn.childForFieldName('body');
  for (const other of body?.descendantsOfType('call_expression') ?? []) {
    if (other.startIndex >= call.startIndex) continue;
    if (other.childForFieldName('function')?.text !== maker) continue;
    if (other.parent?.type === 'expression_statement') continue;
    if (callArguments(other)[0]?.text === first.text) return `${maker}(${first.text}) made it at line ${other.startPosition.row + 1}`;
  }
  return null;
}
