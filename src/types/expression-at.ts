// Finding the expression a user or a test points at.

import type { ParsedFile, SyntaxNode } from '../frontend/parse';

const NOT_EXPRESSIONS = new Set([
  'comment',
  'compound_statement',
  'expression_statement',
  'declaration',
  'init_declarator',
  'argument_list',
  'type_descriptor',
  'primitive_type',
  'type_identifier',
  'sized_type_specifier',
  'translation_unit',
  'function_definition',
  'parameter_list',
  'parameter_declaration',
  'return_statement',
  'if_statement',
  'for_statement',
  'while_statement',
  'do_statement',
  'switch_statement',
  'case_statement',
  'ERROR',
]);

export function isExpression(node: SyntaxNode): boolean {
  return node.isNamed && !NOT_EXPRESSIONS.has(node.type) && !node.type.endsWith('declarator') && !node.type.endsWith('_specifier');
}

/**
 * The innermost expression at an offset: a member name stands for the whole
 * member access (`mmu_seq` in `fault->mmu_seq`), a function name for the call.
 */
export function expressionAt(file: ParsedFile, offset: number): SyntaxNode | null {
  let node: SyntaxNode | null = file.tree.rootNode.descendantForIndex(offset, offset);
  while (node && !isExpression(node)) node = node.parent;
  if (!node) return null;
  if (node.type === 'field_identifier' && node.parent?.type === 'field_expression') return node.parent;
  return node;
}

/** The expressions around `node`, innermost first, up to the whole expression. */
export function enclosingExpressions(node: SyntaxNode): SyntaxNode[] {
  const chain: SyntaxNode[] = [];
  for (let n: SyntaxNode | null = node.parent; n && (isExpression(n) || n.type === 'argument_list'); n = n.parent) {
    // An argument's enclosing expression is the call.
    if (n.type !== 'parenthesized_expression' && n.type !== 'argument_list') chain.push(n);
  }
  return chain;
}

/** The first expression on a 1-based line whose source text is exactly `text` (outermost if several). */
export function expressionOnLine(file: ParsedFile, line: number, text: string): SyntaxNode | null {
  const row = line - 1;
  let found: SyntaxNode | null = null;
  const visit = (node: SyntaxNode): void => {
    if (found || node.startPosition.row > row || node.endPosition.row < row) return;
    if (node.startPosition.row === row && isExpression(node) && file.text.slice(node.startIndex, node.endIndex) === text) {
      found = node;
      return;
    }
    for (const child of node.namedChildren) visit(child);
  };
  visit(file.tree.rootNode);
  return found;
}
