// Small questions rules and the engine ask of a syntax tree.

import type { SyntaxNode } from './parse';

export function enclosingFunction(node: SyntaxNode): SyntaxNode | null {
  for (let n: SyntaxNode | null = node; n; n = n.parent) if (n.type === 'function_definition') return n;
  return null;
}

/** The name a function definition declares (through pointer and parenthesised declarators). */
export function functionName(definition: SyntaxNode): string | undefined {
  let declarator = definition.childForFieldName('declarator');
  while (declarator && declarator.type !== 'function_declarator') declarator = declarator.childForFieldName('declarator');
  return declarator?.childForFieldName('declarator')?.text;
}

/** The arguments of a call, comments left out. */
export function callArguments(call: SyntaxNode): SyntaxNode[] {
  return call.childForFieldName('arguments')?.namedChildren.filter((c) => c.type !== 'comment') ?? [];
}

/** The function definitions of a file, including those inside #if blocks and parse errors. */
export function functionDefinitions(root: SyntaxNode): SyntaxNode[] {
  const out: SyntaxNode[] = [];
  const visit = (node: SyntaxNode): void => {
    for (const child of node.namedChildren) {
      if (child.type === 'function_definition') out.push(child);
      else if (child.type.startsWith('preproc_') || child.type === 'ERROR' || child.type === 'declaration_list') visit(child);
    }
  };
  visit(root);
  return out;
}
