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

/** The name of the function a call calls, when it is called by name (not through a pointer or member). */
export function calleeName(call: SyntaxNode): string | undefined {
  const fn = call.childForFieldName('function');
  return fn?.type === 'identifier' ? fn.text : undefined;
}

/** The expression under any parentheses and casts: `((void *)p)` is `p`. */
export function stripCastsAndParens(node: SyntaxNode): SyntaxNode {
  let at = node;
  for (;;) {
    if (at.type === 'parenthesized_expression' && at.namedChildCount === 1) at = at.namedChild(0)!;
    else if (at.type === 'cast_expression' && at.childForFieldName('value')) at = at.childForFieldName('value')!;
    else return at;
  }
}

/** For `&x` itself, `x`; undefined for anything else (a cast or parentheses around it included). */
export function addressOperand(node: SyntaxNode): SyntaxNode | undefined {
  if (node.type === 'pointer_expression' && node.childForFieldName('operator')?.text === '&') return node.childForFieldName('argument') ?? undefined;
  return undefined;
}

/** For `&x` (under parentheses and casts), `x`. */
export function addressTaken(arg: SyntaxNode): SyntaxNode | undefined {
  return addressOperand(stripCastsAndParens(arg));
}

/** Whitespace-insensitive text of an expression: `1 << order` and `1<<order`, `p -> x` and `p->x` are the same key. */
export function normaliseKey(text: string): string {
  return text
    .replace(/\s+/g, ' ')
    .replace(/ ?([^\w ]) ?/g, '$1')
    .trim();
}

/** Matches a normalised key standing on its own inside a longer normalised expression. */
export function mentionPattern(key: string): RegExp {
  return new RegExp(`(^|[^\\w])${key.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}($|[^\\w])`);
}

/** The identifier a declarator declares: p in `*p`, `p[4]`, `(*p)`, `*p = init`. */
export function declaredIdentifier(declarator: SyntaxNode | null): SyntaxNode | null {
  let at = declarator;
  while (at && at.type !== 'identifier') at = at.childForFieldName('declarator') ?? (at.type === 'parenthesized_declarator' ? at.namedChild(0) : null);
  return at;
}

/** The name a declarator declares: p in `*p`, `p[4]`, `(*p)`. */
export function declaredName(declarator: SyntaxNode | null): string | undefined {
  return declaredIdentifier(declarator)?.text;
}
