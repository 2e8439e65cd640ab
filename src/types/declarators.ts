// From C declaration syntax to CType: the specifiers give a base type, and
// each declarator wraps it inside out (`int *a[3]` is an array of pointers).
// Shared by the index extractor (file-level declarations) and the typer
// (locals, parameters, casts).

import type { SyntaxNode } from '../frontend/parse';
import { builtinFromWords, CType, Member, Param, pointerTo, RecordTag, unknown } from './ctype';

const WORD = /[A-Za-z_][A-Za-z0-9_]*/g;
const QUALIFIERS = new Set(['const', 'volatile', 'restrict', '__restrict', '__restrict__', '_Atomic', '__volatile__', '__const']);

/**
 * Built-in types by the text that spells them (`int`, `unsigned long`): the
 * same few spellings recur in every declaration. Each use gets its own copy.
 */
const BUILTIN_BY_TEXT = new Map<string, CType>();

/** Storage class and function specifiers written before a declaration. */
export interface Specifiers {
  static: boolean;
  extern: boolean;
  inline: boolean;
  typedef: boolean;
}

export function specifiersOf(declaration: SyntaxNode): Specifiers {
  const out: Specifiers = { static: false, extern: false, inline: false, typedef: declaration.type === 'type_definition' };
  for (const child of declaration.namedChildren) {
    if (child.type !== 'storage_class_specifier') continue;
    const word = child.text.trim();
    if (word === 'static') out.static = true;
    else if (word === 'extern') out.extern = true;
    else if (word === 'inline' || word === '__inline' || word === '__inline__') out.inline = true;
  }
  return out;
}

/** Called for struct/union/enum bodies met inside a type, so the extractor can record them. */
export interface BodyVisitor {
  record?(tag: RecordTag, name: string, nameNode: SyntaxNode, members: Member[]): void;
  enumeration?(name: string, nameNode: SyntaxNode | null, body: SyntaxNode): void;
}

/** The base type named by a declaration's `type` field. */
export function baseType(typeNode: SyntaxNode | null, visitor: BodyVisitor = {}): CType {
  if (!typeNode) return unknown('no type specifier');
  switch (typeNode.type) {
    case 'primitive_type':
    case 'sized_type_specifier': {
      const text = typeNode.text;
      const known = BUILTIN_BY_TEXT.get(text);
      if (known) return { ...known };
      const words = (text.match(WORD) ?? []).filter((w) => !QUALIFIERS.has(w));
      const builtin = builtinFromWords(words);
      if (builtin) {
        BUILTIN_BY_TEXT.set(text, builtin);
        return { ...builtin };
      }
      if (words.length === 1) return { k: 'named', name: words[0] };
      // `unsigned u32` and the like: a sized specifier around a typedef name.
      const named = typeNode.childForFieldName('type');
      return named ? baseType(named, visitor) : unknown(`type '${typeNode.text}'`);
    }
    case 'type_identifier':
      return { k: 'named', name: typeNode.text };
    case 'struct_specifier':
    case 'union_specifier':
      return recordType(typeNode, typeNode.type === 'struct_specifier' ? 'struct' : 'union', visitor);
    case 'enum_specifier': {
      const nameNode = typeNode.childForFieldName('name');
      const body = typeNode.childForFieldName('body');
      if (body) visitor.enumeration?.(nameNode?.text ?? '', nameNode, body);
      return { k: 'tag', tag: 'enum', name: nameNode?.text ?? '' };
    }
    case 'macro_type_specifier':
      return unknown(`macro type '${typeNode.text.slice(0, 60)}'`);
    default:
      return unknown(`type '${typeNode.text.slice(0, 60)}'`);
  }
}

function recordType(node: SyntaxNode, tag: RecordTag, visitor: BodyVisitor): CType {
  const nameNode = node.childForFieldName('name');
  const body = node.childForFieldName('body');
  if (!body) return { k: 'tag', tag, name: nameNode?.text ?? '' };
  const members = membersOf(body, visitor);
  if (nameNode) {
    visitor.record?.(tag, nameNode.text, nameNode, members);
    return { k: 'tag', tag, name: nameNode.text };
  }
  return { k: 'record', tag, members };
}

/** Members of a field_declaration_list, through #if/#ifdef groups (every branch). */
export function membersOf(body: SyntaxNode, visitor: BodyVisitor = {}): Member[] {
  const members: Member[] = [];
  const visit = (list: SyntaxNode): void => {
    for (const child of list.namedChildren) {
      if (child.type === 'field_declaration') members.push(...fieldMembers(child, visitor));
      else if (child.type.startsWith('preproc_')) visit(child);
    }
  };
  visit(body);
  return members;
}

function fieldMembers(field: SyntaxNode, visitor: BodyVisitor): Member[] {
  const base = baseType(field.childForFieldName('type'), visitor);
  const declarators = field.childrenForFieldName('declarator');
  const bitfield = field.namedChildren.find((c) => c.type === 'bitfield_clause');
  const bits = bitfield ? Number(bitfield.namedChildren[0]?.text) : undefined;
  const width = bits !== undefined && Number.isFinite(bits) ? { bits } : {};
  if (declarators.length === 0) {
    // An anonymous struct or union member, or an unnamed bitfield.
    return [{ name: '', type: base, line: field.startPosition.row + 1, ...width }];
  }
  return declarators.map((d) => {
    const declared = applyDeclarator(base, d);
    return { name: declared.name ?? '', type: declared.type, line: (declared.nameNode ?? d).startPosition.row + 1, ...width };
  });
}

export interface Declared {
  name?: string;
  nameNode?: SyntaxNode;
  type: CType;
  /** The declarator directly around the name is a function declarator: a function, not a pointer to one. */
  isFunction: boolean;
}

/** Wraps `base` in what the declarator says, inside out, and finds the declared name. */
export function applyDeclarator(base: CType, declarator: SyntaxNode | null): Declared {
  let type = base;
  let node = declarator;
  let isFunction = false;
  while (node) {
    switch (node.type) {
      case 'identifier':
      case 'field_identifier':
      case 'type_identifier':
      case 'primitive_type':
        return { name: node.text, nameNode: node, type, isFunction };
      case 'pointer_declarator':
      case 'abstract_pointer_declarator':
        type = pointerTo(type);
        isFunction = false;
        node = node.childForFieldName('declarator');
        break;
      case 'array_declarator':
      case 'abstract_array_declarator': {
        const size = node.childForFieldName('size');
        type = { k: 'array', of: type, ...(size ? { length: size.text } : {}) };
        isFunction = false;
        node = node.childForFieldName('declarator');
        break;
      }
      case 'function_declarator':
      case 'abstract_function_declarator': {
        const { params, variadic } = parametersOf(node.childForFieldName('parameters'));
        type = { k: 'fn', ret: type, params, variadic };
        isFunction = true;
        node = node.childForFieldName('declarator');
        break;
      }
      case 'init_declarator':
        node = node.childForFieldName('declarator');
        break;
      case 'parenthesized_declarator':
      case 'abstract_parenthesized_declarator':
      case 'attributed_declarator':
        node = node.namedChildren.find((c) => c.type.endsWith('declarator') || c.type.endsWith('identifier')) ?? null;
        break;
      default:
        return { type, isFunction };
    }
  }
  return { type, isFunction };
}

/** The parameters of a list; `nameNodes[i]` is where `params[i]` is named (not part of the facts). */
export function parametersOf(list: SyntaxNode | null): { params: Param[]; variadic: boolean; nameNodes: (SyntaxNode | undefined)[] } {
  const params: Param[] = [];
  const nameNodes: (SyntaxNode | undefined)[] = [];
  let variadic = false;
  if (!list) return { params, variadic, nameNodes };
  for (const child of list.namedChildren) {
    if (child.type === 'variadic_parameter') {
      variadic = true;
      continue;
    }
    if (child.type !== 'parameter_declaration') continue;
    const base = baseType(child.childForFieldName('type'));
    const declared = applyDeclarator(base, child.childForFieldName('declarator'));
    params.push({ ...(declared.name ? { name: declared.name } : {}), type: adjustParameter(declared.type) });
    nameNodes.push(declared.nameNode);
  }
  // `(void)` declares no parameters.
  if (params.length === 1 && params[0].type.k === 'void' && !params[0].name) params.length = nameNodes.length = 0;
  return { params, variadic, nameNodes };
}

/** C11 6.7.6.3p7-8: array and function parameters are pointers. */
function adjustParameter(type: CType): CType {
  if (type.k === 'array') return pointerTo(type.of);
  if (type.k === 'fn') return pointerTo(type);
  return type;
}

/** The type a type_descriptor names (casts, sizeof, _Generic, compound literals). */
export function typeOfDescriptor(descriptor: SyntaxNode): CType {
  const base = baseType(descriptor.childForFieldName('type'));
  return applyDeclarator(base, descriptor.childForFieldName('declarator')).type;
}
