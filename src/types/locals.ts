// Locals and parameters: which declaration an identifier inside a function
// refers to, following C's block scoping (innermost block, declared before
// the use).

import type { SyntaxNode } from '../frontend/parse';
import { CType } from './ctype';
import { applyDeclarator, baseType, parametersOf } from './declarators';
import { enclosingFunction } from '../frontend/syntax';

export interface LocalDecl {
  name: string;
  /** The name in the declaration (or parameter list). */
  nameNode?: SyntaxNode;
  type: CType;
  line: number;
  parameter: boolean;
  /** Where the declaration starts; uses before it see an outer declaration. */
  declaredAt: number;
  /** The block (or for statement) it is scoped to. */
  scopeStart: number;
  scopeEnd: number;
  /** `typeof(x) v` and `__auto_type v = e`: the type is that of this expression or type specifier. */
  inferFrom?: SyntaxNode;
}

const SCOPING = new Set(['compound_statement', 'for_statement']);

export class LocalScopes {
  private readonly byFunction = new Map<number, Map<string, LocalDecl[]>>();

  find(identifier: SyntaxNode): LocalDecl | null {
    const fn = enclosingFunction(identifier);
    if (!fn) return null;
    const candidates = this.declarationsOf(fn).get(identifier.text);
    if (!candidates) return null;
    const at = identifier.startIndex;
    let best: LocalDecl | null = null;
    for (const d of candidates) {
      if (d.declaredAt > at || at < d.scopeStart || at >= d.scopeEnd) continue;
      if (!best || d.scopeEnd - d.scopeStart < best.scopeEnd - best.scopeStart || (d.scopeStart === best.scopeStart && d.declaredAt > best.declaredAt)) best = d;
    }
    return best;
  }

  private declarationsOf(fn: SyntaxNode): Map<string, LocalDecl[]> {
    let table = this.byFunction.get(fn.id);
    if (table) return table;
    table = new Map();
    const add = (d: LocalDecl) => {
      const list = table!.get(d.name);
      if (list) list.push(d);
      else table!.set(d.name, [d]);
    };
    this.parameters(fn, add);
    const body = fn.childForFieldName('body');
    if (body) this.collect(body, add);
    this.byFunction.set(fn.id, table);
    return table;
  }

  private parameters(fn: SyntaxNode, add: (d: LocalDecl) => void): void {
    let declarator = fn.childForFieldName('declarator');
    while (declarator && declarator.type !== 'function_declarator') declarator = declarator.childForFieldName('declarator');
    const list = declarator?.childForFieldName('parameters') ?? null;
    if (!list) return;
    const { params, nameNodes } = parametersOf(list);
    const named = list.namedChildren.filter((c) => c.type === 'parameter_declaration');
    params.forEach((p, i) => {
      if (!p.name) return;
      const nameNode = nameNodes[i];
      add({
        name: p.name,
        ...(nameNode ? { nameNode } : {}),
        type: p.type,
        line: (named[i] ?? list).startPosition.row + 1,
        parameter: true,
        declaredAt: fn.startIndex,
        scopeStart: fn.startIndex,
        scopeEnd: fn.endIndex,
      });
    });
  }

  private collect(root: SyntaxNode, add: (d: LocalDecl) => void): void {
    for (const node of root.descendantsOfType('declaration')) this.declaration(node, add);
  }

  private declaration(node: SyntaxNode, add: (d: LocalDecl) => void): void {
    let scope = node.parent;
    while (scope && !SCOPING.has(scope.type) && scope.type !== 'function_definition') scope = scope.parent;
    if (!scope) return;
    const typeNode = node.childForFieldName('type');
    const base = baseType(typeNode);
    const isTypeof = typeNode?.type === 'macro_type_specifier' && /^__?typeof(__)?$/.test(typeNode.childForFieldName('name')?.text ?? '');
    const isAuto = typeNode?.text === '__auto_type';
    for (const declarator of node.childrenForFieldName('declarator')) {
      const declared = applyDeclarator(base, declarator);
      if (!declared.name || !declared.nameNode) continue;
      const value = declarator.type === 'init_declarator' ? declarator.childForFieldName('value') : null;
      const inferFrom = isTypeof && declarator.type !== 'pointer_declarator' ? typeNode! : isAuto && value ? value : undefined;
      add({
        ...(inferFrom ? { inferFrom } : {}),
        nameNode: declared.nameNode,
        name: declared.name,
        type: declared.type,
        line: declared.nameNode.startPosition.row + 1,
        parameter: false,
        declaredAt: declared.nameNode.startIndex,
        scopeStart: scope.startIndex,
        scopeEnd: scope.endIndex,
      });
    }
  }
}
