// What one file declares, as plain data: the unit the type index is built
// from and cached by content hash. Nothing here refers to a syntax tree.

import type { CType, Member, Param } from './ctype';
import type { CallUses, FailureSummary } from './body-facts';

interface DeclBase {
  name: string;
  /** 1-based line of the name. */
  line: number;
}

/** A complete struct or union definition (`struct foo { ... }`), not a forward declaration. */
export interface RecordDecl extends DeclBase {
  kind: 'struct' | 'union';
  members: Member[];
}

export interface EnumDecl extends DeclBase {
  kind: 'enum';
  constants: string[];
}

export interface EnumeratorDecl extends DeclBase {
  kind: 'enumerator';
  /** The enum's tag, if it has one. */
  enumName?: string;
  /** The value as written, if written. */
  value?: string;
}

export interface TypedefDecl extends DeclBase {
  kind: 'typedef';
  type: CType;
}

export interface FunctionDecl extends DeclBase {
  kind: 'function';
  ret: CType;
  params: Param[];
  variadic: boolean;
  static: boolean;
  inline: boolean;
  /** A definition (with a body), not only a prototype. */
  definition: boolean;
  /** For a definition: how its body reports failure, if it visibly does. */
  failure?: FailureSummary;
}

export interface VariableDecl extends DeclBase {
  kind: 'variable';
  type: CType;
  static: boolean;
  extern: boolean;
}

/** An object-like macro whose body is a constant expression (`#define FOO (1UL << 3)`). */
export interface MacroDecl extends DeclBase {
  kind: 'macro';
  body: string;
}

/** How one file uses the results of its calls to a function (`name`); not a declaration, but filed like one. */
export interface CallsDecl extends DeclBase, Omit<CallUses, 'name' | 'line'> {
  kind: 'calls';
}

export type Decl = RecordDecl | EnumDecl | EnumeratorDecl | TypedefDecl | FunctionDecl | VariableDecl | MacroDecl | CallsDecl;
export type DeclKind = Decl['kind'];

export interface IncludeDirective {
  /** The path as written between <> or "". */
  spec: string;
  /** `<...>` rather than `"..."`. */
  system: boolean;
}

export interface FileFacts {
  decls: Decl[];
  includes: IncludeDirective[];
}

/**
 * C's name spaces: struct/union/enum tags; ordinary identifiers (typedefs,
 * functions, variables, enumerators); and macros, which the preprocessor owns.
 * Plus our own: the call-site records of each callee.
 */
export type NameSpace = 'tag' | 'ordinary' | 'macro' | 'calls';

export function nameSpaceOf(kind: DeclKind): NameSpace {
  if (kind === 'struct' || kind === 'union' || kind === 'enum') return 'tag';
  if (kind === 'macro') return 'macro';
  if (kind === 'calls') return 'calls';
  return 'ordinary';
}

const NAME_SPACE_PREFIX: Record<NameSpace, string> = { tag: 't', ordinary: 'o', macro: 'm', calls: 'c' };

/** The key a declaration is filed under in the index. */
export function indexKey(space: NameSpace, name: string): string {
  return `${NAME_SPACE_PREFIX[space]}:${name}`;
}

/** A declaration together with the file it is in, as the index hands it out. */
export type Located<D extends Decl = Decl> = D & { file: string };
