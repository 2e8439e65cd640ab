// How much of a file's code the type index can type: every member access
// (`a->b`, `a.b`) is typed, and the unresolved ones are counted by reason.

import type { ParsedFile, SyntaxNode } from '../frontend/parse';
import type { Typer } from './typer';

export interface ResolutionCounts {
  memberAccesses: number;
  resolved: number;
  /** Why the rest did not resolve (names replaced by X so reasons group), with one example each. */
  unresolved: Map<string, { count: number; example: string }>;
}

export function emptyCounts(): ResolutionCounts {
  return { memberAccesses: 0, resolved: 0, unresolved: new Map() };
}

export function countResolution(file: ParsedFile, typer: Typer, into: ResolutionCounts): void {
  const stack: SyntaxNode[] = [file.tree.rootNode];
  while (stack.length) {
    const node = stack.pop()!;
    if (node.type === 'field_expression') {
      into.memberAccesses++;
      const resolved = typer.resolve(typer.typeOf(node).type).type;
      if (resolved.k !== 'unknown') {
        into.resolved++;
      } else {
        const reason = groupReason(resolved.why);
        const entry = into.unresolved.get(reason);
        if (entry) entry.count++;
        else into.unresolved.set(reason, { count: 1, example: `${file.path}:${node.startPosition.row + 1}: ${resolved.why}` });
      }
    }
    for (let i = node.namedChildCount - 1; i >= 0; i--) stack.push(node.namedChild(i)!);
  }
}

function groupReason(why: string): string {
  return why
    .replace(/'[^']*'/g, "'X'")
    .replace(/\b(struct|union|enum) [A-Za-z_0-9]+/g, '$1 X')
    .replace(/[A-Za-z_0-9]+\(\)/g, 'X()')
    .replace(/\S+:\d+/g, 'FILE:LINE')
    .slice(0, 120);
}
