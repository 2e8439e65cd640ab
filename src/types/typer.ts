// Expression typing: the C type of an expression node, and the declaration
// it came from. Locals and parameters come from the function around the
// node; everything else from the file's scope in the type index. What cannot
// be resolved is `unknown`, with the reason, never a silent `int`.

import { parseC, ParsedFile, SyntaxNode } from '../frontend/parse';
import { callArguments } from '../frontend/syntax';
import {
  Abi,
  CType,
  intInfo,
  IntInfo,
  IntName,
  Member,
  pointerTo,
  promote,
  typeKey,
  typeToString,
  unknown,
  usualArithmetic,
} from './ctype';
import { applyDeclarator, baseType, typeOfDescriptor } from './declarators';
import type { FunctionDecl, Located, RecordDecl, TypedefDecl } from './facts';
import { literalType } from './literals';
import { MACRO_TYPES, MacroTyping } from './macro-types';
import { parsedMacroBody } from './macro-bodies';
import { LocalDecl, LocalScopes } from './locals';
import type { FileScope } from './type-index';
import type { Ranked } from './visibility';
import { TIER_NAMES } from './visibility';

export type OriginKind =
  | 'local'
  | 'parameter'
  | 'global'
  | 'function'
  | 'enumerator'
  | 'macro'
  | 'member'
  | 'return'
  | 'cast'
  | 'literal'
  | 'conversion'
  | 'builtin-macro';

/** Where a type came from: the declaration a reader would open. */
export interface Origin {
  kind: OriginKind;
  /** What is declared: a variable, a member (`struct kvm::mmu_invalidate_seq`), a function. */
  name: string;
  file: string;
  line: number;
  /** How the declaration was chosen among several (visibility tier), when it came from the index. */
  via?: string;
}

export interface Typed {
  /** The type as declared: typedef names kept (use Typer.resolve to see through them). */
  type: CType;
  origin?: Origin;
  /** For a bit-field member: its width in bits. */
  bitWidth?: number;
}

export interface TypedefStep {
  name: string;
  /** Where the typedef chosen is, when one was found. */
  file?: string;
  line?: number;
}

export interface Resolved {
  /** The type with the outer typedefs looked through; `unknown` if one of them could not be. */
  type: CType;
  /** The typedefs looked through, outermost first. */
  via: TypedefStep[];
}

const MAX_DEPTH = 24;

/** What a name used as a value can be declared as. */
const VALUE_KINDS = ['variable', 'function', 'enumerator'] as const;

/** What a name means at file scope. The three kinds have the same fields, so that the code reading them sees one shape. */
type FileScopeMeaning =
  | { kind: 'macro'; decl: Located & { body: string }; ranked: Ranked }
  | { kind: 'declaration'; decl: Located; ranked: Ranked }
  | { kind: 'undeclared'; decl: null; ranked: null };

type FunctionLookup = { decl: Located<FunctionDecl>; tier: number } | { conflict: string } | null;

export class Typer {
  private readonly cache = new Map<number, Typed>();
  private readonly locals: LocalScopes;
  private readonly macroCache: Map<string, Typed>;
  readonly abi: Abi;

  constructor(
    readonly file: ParsedFile,
    readonly scope: FileScope,
    private readonly depth = 0,
    macroCache?: Map<string, Typed>,
  ) {
    this.abi = scope.abi;
    this.locals = new LocalScopes();
    this.macroCache = macroCache ?? new Map();
  }

  typeOf(node: SyntaxNode): Typed {
    let typed = this.cache.get(node.id);
    if (!typed) {
      try {
        typed = this.compute(node);
      } catch (error) {
        if (!(error instanceof TypeError)) throw error;
        typed = { type: unknown(`malformed expression: ${error.message}`) };
      }
      this.cache.set(node.id, typed);
    }
    return typed;
  }

  /** The local variable or parameter an identifier refers to, if it is one. */
  localDeclaration(identifier: SyntaxNode): LocalDecl | null {
    return this.locals.find(identifier);
  }

  /** The integer type of an expression (width and signedness under the ABI), or null if it is not an integer. */
  integerOf(node: SyntaxNode): (IntInfo & { name: IntName }) | null {
    return this.integerInfo(this.typeOf(node).type);
  }

  integerInfo(type: CType): (IntInfo & { name: IntName }) | null {
    const name = this.intName(type);
    if (!name) return null;
    let info = this.integerTypes.get(name);
    if (!info) this.integerTypes.set(name, (info = { name, ...intInfo(name, this.abi) }));
    return info;
  }

  /** One answer per integer type: asked for every operand, argument and receiver. */
  private readonly integerTypes = new Map<IntName, IntInfo & { name: IntName }>();

  // -------------------------------------------------------------------------
  // Looking through typedefs and tags.

  resolve(type: CType, depth = 0): Resolved {
    const via: TypedefStep[] = [];
    let current = type;
    while (current.k === 'named') {
      if (depth + via.length > MAX_DEPTH) return { type: unknown(`typedef chain too deep at '${current.name}'`), via };
      const target = this.typedefTarget(current.name, depth + via.length + 1);
      via.push(target.decl ? { name: current.name, file: target.decl.file, line: target.decl.line } : { name: current.name });
      current = target.type;
    }
    return { type: current, via };
  }

  /** resolve(type).type, without the steps taken: asked for every operand, most of which are not typedef names. */
  private resolvedType(type: CType): CType {
    return type.k === 'named' ? this.resolve(type).type : type;
  }

  /** Typedef targets are looked up once per typer: candidates resolve through other typedefs, which would otherwise multiply. */
  private readonly typedefs = new Map<string, { type: CType; decl?: Located<TypedefDecl> }>();

  private typedefTarget(name: string, depth: number): { type: CType; decl?: Located<TypedefDecl> } {
    let target = this.typedefs.get(name);
    if (!target) {
      this.typedefs.set(name, { type: unknown(`typedef '${name}' refers to itself`) });
      this.typedefsInProgress++;
      try {
        target = this.findTypedef(name, depth);
      } finally {
        this.typedefsInProgress--;
      }
      this.typedefs.set(name, target);
    }
    return target;
  }

  /** While a typedef is being looked up, a chain through it ends at a stand-in: answers then are not kept. */
  private typedefsInProgress = 0;

  private findTypedef(name: string, depth: number): { type: CType; decl?: Located<TypedefDecl> } {
    const ranked = this.scope.lookup('ordinary', name, ['typedef']);
    if (!ranked) return { type: unknown(`no typedef '${name}' is visible`) };
    const decls = ranked.decls as Located<TypedefDecl>[];
    if (decls.length > 1) {
      const targets = decls.map((d) => this.resolve(d.type, depth).type);
      const shapes = new Set(targets.map((t) => this.shapeKey(t)));
      if (shapes.size > 1 && targets.every((t) => t.k === 'record')) {
        // Configuration variants of one struct (`#ifdef CONFIG_DEBUG_SPINLOCK`): members they agree on are known.
        return { type: this.mergeRecords(targets as Extract<CType, { k: 'record' }>[], decls), decl: decls[0] };
      }
      if (shapes.size > 1) {
        return { type: unknown(`conflicting definitions of '${name}' in ${TIER_NAMES[ranked.tier]}: ${describeDecls(decls, (d) => typeToString(d.type))}`) };
      }
    }
    return { type: decls[0].type, decl: decls[0] };
  }

  private mergeRecords(variants: Extract<CType, { k: 'record' }>[], decls: Located[]): CType {
    const members: Member[] = [];
    const byName = new Map<string, { member: Member; where: string }[]>();
    variants.forEach((variant, i) => {
      for (const member of variant.members) {
        if (member.name === '') {
          members.push(member);
          continue;
        }
        const seen = byName.get(member.name);
        const entry = { member, where: `${decls[i].file}:${member.line}` };
        if (seen) seen.push(entry);
        else byName.set(member.name, [entry]);
      }
    });
    for (const [name, entries] of byName) {
      const shapes = new Set(entries.map((e) => this.shapeKey(e.member.type)));
      const agreed = entries[0].member;
      members.push(
        shapes.size === 1
          ? agreed
          : { ...agreed, type: unknown(`conflicting definitions of member '${name}': ${entries.map((e) => `${e.where} (${typeToString(e.member.type)})`).join(', ')}`) },
      );
    }
    return { k: 'record', tag: variants[0].tag, members };
  }

  /** Integers compare by width and signedness; other types by structure. */
  private shapeKey(type: CType): string {
    const info = this.integerInfo(type);
    return info ? `int:${info.bits}:${info.signed}` : typeKey(type);
  }

  private intName(type: CType): IntName | null {
    if (type.k !== 'named') return intNameOf(type);
    // `u64`, `size_t`, `gfn_t`: the same typedef chains, over and over.
    let name = this.namedIntNames.get(type.name);
    if (name === undefined) {
      name = intNameOf(this.resolvedType(type));
      if (this.typedefsInProgress === 0) this.namedIntNames.set(type.name, name);
    }
    return name;
  }

  private readonly namedIntNames = new Map<string, IntName | null>();

  /** The member `name` of a struct or union type, through anonymous members. */
  member(recordType: CType, name: string): Typed {
    const resolved = this.resolvedType(recordType);
    if (resolved.k === 'unknown') return { type: resolved };
    if (resolved.k === 'record') {
      const found = this.findMember(resolved.members, name, 0);
      return found ? { type: found.type, ...widthOf(found) } : { type: unknown(`no member '${name}' in an anonymous ${resolved.tag}`) };
    }
    if (resolved.k !== 'tag' || resolved.tag === 'enum') return { type: unknown(`'.${name}' on a value of type ${typeToString(resolved)}`) };
    const byRecord = resolved.tag === 'struct' ? this.structMembers : this.unionMembers;
    let members = byRecord.get(resolved.name);
    if (!members) byRecord.set(resolved.name, (members = new Map()));
    let typed = members.get(name);
    if (!typed) {
      typed = this.taggedMember(resolved.tag, resolved.name, name);
      members.set(name, typed);
    }
    return typed;
  }

  /** `vcpu->arch`, `kvm->mmu_lock`: the same members are read over and over, each time ranked and compared across definitions. By record name, then member. */
  private readonly structMembers = new Map<string, Map<string, Typed>>();
  private readonly unionMembers = new Map<string, Map<string, Typed>>();

  private taggedMember(tag: 'struct' | 'union', recordName: string, name: string): Typed {
    const ranked = this.scope.lookup('tag', recordName, [tag]);
    if (!ranked) return { type: unknown(`no definition of ${tag} ${recordName} is visible`) };
    const hits: { decl: Located<RecordDecl>; member: Member }[] = [];
    for (const decl of ranked.decls as Located<RecordDecl>[]) {
      const found = this.findMember(decl.members, name, 0);
      if (found) hits.push({ decl, member: found });
    }
    if (hits.length === 0) {
      return { type: unknown(`${tag} ${recordName} (${describeDecls(ranked.decls)}) has no member '${name}'`) };
    }
    if (hits.length > 1 && new Set(hits.map((h) => this.shapeKey(h.member.type))).size > 1) {
      return {
        type: unknown(
          `conflicting definitions of ${tag} ${recordName}::${name} in ${TIER_NAMES[ranked.tier]}: ` +
            hits.map((h) => `${h.decl.file}:${h.member.line} (${typeToString(h.member.type)})`).join(', '),
        ),
      };
    }
    const { decl, member } = hits[0];
    return {
      type: member.type,
      ...widthOf(member),
      origin: { kind: 'member', name: `${tag} ${recordName}::${name}`, file: decl.file, line: member.line, via: TIER_NAMES[ranked.tier] },
    };
  }

  private findMember(members: Member[], name: string, depth: number): Member | null {
    for (const m of members) if (m.name === name) return m;
    if (depth > 8) return null;
    for (const m of members) {
      if (m.name !== '') continue;
      const inner = this.resolvedType(m.type);
      if (inner.k === 'record') {
        const found = this.findMember(inner.members, name, depth + 1);
        if (found) return found;
      } else if (inner.k === 'tag' && inner.tag !== 'enum') {
        const ranked = this.scope.lookup('tag', inner.name, [inner.tag]);
        const decl = ranked?.decls[0] as Located<RecordDecl> | undefined;
        const found = decl ? this.findMember(decl.members, name, depth + 1) : null;
        if (found) return found;
      }
    }
    return null;
  }

  /** A function visible from this file, by name: its prototype or definition (agreeing ones merged). */
  functionNamed(name: string): FunctionLookup {
    let found = this.functions.get(name);
    if (found === undefined) {
      found = this.findFunction(name);
      this.functions.set(name, found);
    }
    return found;
  }

  /** Function lookups are asked for at every call and conversion; the answer depends only on the name. */
  private readonly functions = new Map<string, FunctionLookup>();

  private findFunction(name: string): FunctionLookup {
    const ranked = this.scope.lookup('ordinary', name, ['function']);
    if (!ranked) return null;
    const decls = ranked.decls as Located<FunctionDecl>[];
    if (decls.length > 1 && new Set(decls.map((d) => this.shapeKey(this.resolvedType(d.ret)))).size > 1) return { conflict: `conflicting declarations of ${name}() in ${TIER_NAMES[ranked.tier]}: ${describeDecls(decls, (d) => typeToString(d.ret))}` };
    // A definition says more (parameter names) than a prototype.
    const decl = decls.find((d) => d.definition) ?? decls[0];
    return { decl, tier: ranked.tier };
  }

  // -------------------------------------------------------------------------
  // Expressions.

  private compute(node: SyntaxNode): Typed {
    if (this.depth > MAX_DEPTH) return { type: unknown('expression nested too deeply') };
    switch (node.type) {
      case 'identifier':
        return this.identifier(node);
      case 'parenthesized_expression':
        return this.parenthesized(node);
      case 'field_expression':
        return this.fieldExpression(node);
      case 'subscript_expression':
        return this.element(this.typeOf(child(node, 'argument')), node);
      case 'call_expression':
        return this.call(node);
      case 'cast_expression': {
        const type = this.typeFromDescriptor(child(node, 'type'));
        return { type, origin: this.here('cast', `(${typeToString(type)})`, node) };
      }
      case 'compound_literal_expression':
        return { type: this.typeFromDescriptor(child(node, 'type')) };
      case 'number_literal':
        return { type: literalType(node.text, this.abi), origin: this.here('literal', node.text, node) };
      case 'char_literal':
        return { type: { k: 'int', name: 'int' } };
      case 'string_literal':
      case 'concatenated_string':
        return { type: pointerTo({ k: 'int', name: 'char' }) };
      case 'true':
      case 'false':
        return { type: { k: 'int', name: 'int' } };
      case 'null':
        return { type: pointerTo({ k: 'void' }) };
      case 'sizeof_expression':
      case 'alignof_expression':
      case 'offsetof_expression':
        return { type: { k: 'named', name: 'size_t' } };
      case 'unary_expression':
        return this.unary(node);
      case 'pointer_expression':
        return this.pointerExpression(node);
      case 'binary_expression':
        return this.binary(node);
      case 'conditional_expression':
        return this.conditional(node);
      case 'assignment_expression':
        return this.typeOf(child(node, 'left'));
      case 'update_expression':
        return this.typeOf(child(node, 'argument'));
      case 'comma_expression':
        return this.typeOf(child(node, 'right'));
      case 'ERROR':
        return { type: unknown('unparsed code') };
      default:
        return { type: unknown(`${node.type.replace(/_/g, ' ')}`) };
    }
  }

  private identifier(node: SyntaxNode): Typed {
    const name = node.text;
    const local = this.locals.find(node);
    if (local) {
      let typed = this.localTypes.get(local);
      if (!typed) {
        typed = {
          type: local.inferFrom ? this.inferred(local.inferFrom) : local.type,
          origin: { kind: local.parameter ? 'parameter' : 'local', name, file: this.scope.file, line: local.line },
        };
        this.localTypes.set(local, typed);
      }
      return typed;
    }
    let typed = this.fileScopeNames.get(name);
    if (!typed) {
      typed = this.fileScopeName(name);
      this.fileScopeNames.set(name, typed);
    }
    return typed;
  }

  /** Each use of a local has its declaration's type. */
  private readonly localTypes = new Map<LocalDecl, Typed>();

  /** A name that is not a local means the same wherever the file uses it (`PAGE_SIZE`, `jiffies`, `kvm_x86_ops`). */
  private readonly fileScopeNames = new Map<string, Typed>();

  /**
   * Whether an identifier names an object-like macro or an enumerator (what its typed origin would say),
   * answered from the declarations alone: a macro's body is not parsed and typed for it.
   */
  namesConstant(identifier: SyntaxNode): boolean {
    if (identifier.type !== 'identifier' || this.locals.find(identifier)) return false;
    const typed = this.fileScopeNames.get(identifier.text);
    if (typed) return typed.origin?.kind === 'macro' || typed.origin?.kind === 'enumerator';
    const meaning = this.fileScopeMeaning(identifier.text);
    return meaning.kind === 'macro' || meaning.kind === 'declaration' && meaning.decl.kind === 'enumerator';
  }

  /** What a name means at file scope: a macro, or the declaration chosen among the visible ones. */
  private fileScopeMeaning(name: string): FileScopeMeaning {
    // The preprocessor runs first: a macro at least as close as the declaration wins. So a name the file
    // declares itself (tier 0) is a macro only by a #define in the file, and a macro of the file or of a
    // header it includes (tier 0 or 1) loses only to a declaration in the file: the rest of the index need not be read.
    const own = this.scope.lookupInFile('ordinary', name, VALUE_KINDS);
    const macro = own ? this.scope.lookupInFile('macro', name) : this.scope.lookup('macro', name);
    const ordinary = own ?? (macro && macro.tier <= 1 ? null : this.scope.lookup('ordinary', name, VALUE_KINDS));
    if (macro && (!ordinary || macro.tier <= ordinary.tier)) return { kind: 'macro', decl: macro.decls[0] as Located & { body: string }, ranked: macro };
    if (!ordinary) return { kind: 'undeclared', decl: null, ranked: null };
    const decl = ordinary.decls.find((d) => d.kind === 'function' && d.definition) ?? ordinary.decls[0];
    return { kind: 'declaration', decl, ranked: ordinary };
  }

  private fileScopeName(name: string): Typed {
    const meaning = this.fileScopeMeaning(name);
    if (meaning.kind === 'macro') return this.macroConstant(name, meaning.decl, meaning.ranked.tier);
    if (meaning.kind === 'undeclared') return { type: unknown(`'${name}' is not declared anywhere visible`) };
    const { decl, ranked: ordinary } = meaning;
    const via = TIER_NAMES[ordinary.tier];
    switch (decl.kind) {
      case 'variable': {
        const conflict = this.conflicting(ordinary.decls, (d) => (d.kind === 'variable' ? d.type : null));
        if (conflict) return { type: unknown(`conflicting declarations of '${name}': ${conflict}`) };
        return { type: decl.type, origin: { kind: 'global', name, file: decl.file, line: decl.line, via } };
      }
      case 'function':
        return {
          type: { k: 'fn', ret: decl.ret, params: decl.params, variadic: decl.variadic },
          origin: { kind: 'function', name: `${name}()`, file: decl.file, line: decl.line, via },
        };
      case 'enumerator':
        return { type: { k: 'int', name: 'int' }, origin: { kind: 'enumerator', name, file: decl.file, line: decl.line, via } };
      default:
        return { type: unknown(`'${name}' is a ${decl.kind}`) };
    }
  }

  /** The type of `__auto_type v = e` (from e) or of `typeof(x) v` (from x). */
  private inferred(from: SyntaxNode): CType {
    if (from.type !== 'macro_type_specifier') return this.typeOf(from).type;
    const descriptor = from.childForFieldName('type');
    const written = descriptor?.childForFieldName('type');
    if (descriptor && written?.type === 'type_identifier' && !descriptor.childForFieldName('declarator')) {
      return this.identifier(written).type;
    }
    return unknown(`typeof(${descriptor?.text ?? ''})`);
  }

  private conflicting(decls: readonly Located[], typeOfDecl: (d: Located) => CType | null): string | null {
    const typed = decls.map((d) => ({ d, t: typeOfDecl(d) })).filter((x): x is { d: Located; t: CType } => x.t !== null);
    if (typed.length < 2) return null;
    const shapes = new Set(typed.map((x) => this.shapeKey(this.resolvedType(x.t))));
    return shapes.size > 1 ? typed.map((x) => `${x.d.file}:${x.d.line} (${typeToString(x.t)})`).join(', ') : null;
  }

  /** An object-like macro: its body typed as an expression where it is used. */
  private macroConstant(name: string, decl: Located & { body: string }, tier: number): Typed {
    const key = `${name}`;
    const cached = this.macroCache.get(key);
    if (cached) return cached;
    // A macro that names itself (`#define foo foo`) or a cycle ends here.
    this.macroCache.set(key, { type: unknown(`macro '${name}' refers to itself`) });
    const origin: Origin = { kind: 'macro', name, file: decl.file, line: decl.line, via: TIER_NAMES[tier] };
    if (INTEGER_LITERAL.test(decl.body) && this.depth < MAX_DEPTH) {
      // A third of the bodies met are one literal (`4096`, `0x1fUL`): typed from the text, as the parsed body would be.
      const typed: Typed = { type: literalType(decl.body, this.abi), origin };
      this.macroCache.set(key, typed);
      return typed;
    }
    const body = parsedMacroBody(decl.body);
    let typed: Typed;
    if (!body.expression) {
      typed = { type: unknown(`macro '${name}' (${decl.body}) is not a plain expression`) };
    } else {
      const { tokens: _fileTokens, ...file } = this.file;
      const synthetic: ParsedFile = { ...file, text: body.text, parsedText: body.text, tree: body.tree };
      const inner = new Typer(synthetic, this.scope, this.depth + 1, this.macroCache).typeOf(body.expression);
      typed = { type: inner.type, origin };
    }
    this.macroCache.set(key, typed);
    return typed;
  }

  private parenthesized(node: SyntaxNode): Typed {
    const inner = node.namedChildren.find((c) => c.type !== 'comment');
    if (!inner) return { type: unknown('empty parentheses') };
    // GNU statement expression: ({ ...; last; }) has the type of its last expression statement.
    if (inner.type === 'compound_statement') {
      const last = [...inner.namedChildren].reverse().find((c) => c.type !== 'comment');
      if (last?.type === 'expression_statement' && last.namedChildren[0]) return this.typeOf(last.namedChildren[0]);
      return { type: { k: 'void' } };
    }
    return this.typeOf(inner);
  }

  private fieldExpression(node: SyntaxNode): Typed {
    const base = this.typeOf(child(node, 'argument'));
    const field = child(node, 'field').text;
    let arrow = false;
    for (let c = node.firstChild; c && !arrow; c = c.nextSibling) arrow = c.type === '->';
    let record = base.type;
    if (arrow) {
      const pointer = this.resolvedType(base.type);
      if (pointer.k === 'unknown') return { type: pointer };
      if (pointer.k === 'ptr') record = pointer.to;
      else if (pointer.k === 'array') record = pointer.of;
      else return { type: unknown(`'->${field}' on a value of type ${typeToString(pointer)}, not a pointer`) };
    }
    return this.member(record, field);
  }

  private element(base: Typed, node: SyntaxNode): Typed {
    const container = this.resolvedType(base.type);
    if (container.k === 'ptr') return { type: container.to };
    if (container.k === 'array') return { type: container.of };
    if (container.k === 'unknown') return { type: container };
    return { type: unknown(`subscript of a value of type ${typeToString(container)} at line ${node.startPosition.row + 1}`) };
  }

  private call(node: SyntaxNode): Typed {
    const callee = child(node, 'function');
    if (callee.type === 'identifier' && !this.locals.find(callee)) {
      const name = callee.text;
      const fn = this.functionNamed(name);
      if (fn && 'decl' in fn && fn.tier <= 3) return this.returnOf(fn.decl, fn.tier);
      const special = MACRO_TYPES[name];
      if (special) return this.builtinMacro(name, special, callArguments(node), node);
      if (fn && 'conflict' in fn) return { type: unknown(fn.conflict) };
      if (fn && 'decl' in fn) return this.returnOf(fn.decl, fn.tier);
      const variable = this.scope.lookup('ordinary', name, ['variable']);
      if (!variable) return { type: unknown(`no declaration of ${name}() is visible (a function-like macro?)`) };
    }
    const calleeType = this.resolvedType(this.typeOf(callee).type);
    const fnType = calleeType.k === 'ptr' ? this.resolvedType(calleeType.to) : calleeType;
    if (fnType.k === 'fn') return { type: fnType.ret };
    if (fnType.k === 'unknown') return { type: fnType };
    return { type: unknown(`call through a value of type ${typeToString(calleeType)}`) };
  }

  private returnOf(decl: Located<FunctionDecl>, tier: number): Typed {
    return { type: decl.ret, origin: { kind: 'return', name: `${decl.name}()`, file: decl.file, line: decl.line, via: TIER_NAMES[tier] } };
  }

  private builtinMacro(name: string, typing: MacroTyping, args: SyntaxNode[], node: SyntaxNode): Typed {
    const origin = this.here('builtin-macro', `${name}()`, node);
    const argument = (i: number): SyntaxNode | null => args[i] ?? null;
    switch (typing.kind) {
      case 'arg': {
        const a = argument(typing.index);
        return a ? { type: this.typeOf(a).type, origin } : { type: unknown(`${name}() without argument ${typing.index + 1}`) };
      }
      case 'deref-arg': {
        const a = argument(typing.index);
        if (!a) return { type: unknown(`${name}() without argument ${typing.index + 1}`) };
        const pointer = this.resolvedType(this.typeOf(a).type);
        return pointer.k === 'ptr' ? { type: pointer.to, origin } : { type: unknown(`${name}() on a non-pointer`) };
      }
      case 'arith':
        return { type: this.arithmetic(typing.indexes.map((i) => argument(i))), origin };
      case 'type-arg': {
        const a = argument(typing.index);
        if (!a) return { type: unknown(`${name}() without argument ${typing.index + 1}`) };
        const type = this.typeFromText(this.file.text.slice(a.startIndex, a.endIndex));
        return { type: typing.pointer ? pointerTo(type) : type, origin };
      }
      case 'fixed':
        return { type: this.typeFromText(typing.type), origin };
      case 'pasted-suffix': {
        const [value, suffix] = [argument(0), argument(1)];
        if (!value || !suffix) return { type: unknown(`${name}() needs two arguments`) };
        return { type: literalType(`${value.text}${suffix.text}`, this.abi), origin };
      }
    }
  }

  private arithmetic(operands: (SyntaxNode | null)[]): CType {
    let result: IntName | null = null;
    for (const operand of operands) {
      if (!operand) return unknown('missing operand');
      const typed = this.typeOf(operand).type;
      const name = this.intName(typed);
      if (!name) {
        const resolved = this.resolvedType(typed);
        return resolved.k === 'unknown' ? resolved : resolved.k === 'float' ? resolved : unknown(`arithmetic on ${typeToString(resolved)}`);
      }
      result = result === null ? promote(name) : usualArithmetic(result, name, this.abi);
    }
    return result ? { k: 'int', name: result } : unknown('no operands');
  }

  private unary(node: SyntaxNode): Typed {
    const op = node.child(0)?.type;
    const argument = child(node, 'argument');
    if (op === '!') return { type: { k: 'int', name: 'int' } };
    const name = this.intName(this.typeOf(argument).type);
    if (name) return { type: { k: 'int', name: promote(name) } };
    return { type: this.resolvedType(this.typeOf(argument).type) };
  }

  private pointerExpression(node: SyntaxNode): Typed {
    const op = node.child(0)?.type;
    const argument = this.typeOf(child(node, 'argument'));
    if (op === '&') return { type: pointerTo(argument.type) };
    const pointer = this.resolvedType(argument.type);
    if (pointer.k === 'ptr') return { type: pointer.to };
    if (pointer.k === 'array') return { type: pointer.of };
    if (pointer.k === 'fn') return { type: pointer };
    if (pointer.k === 'unknown') return { type: pointer };
    return { type: unknown(`'*' on a value of type ${typeToString(pointer)}`) };
  }

  private binary(node: SyntaxNode): Typed {
    const op = child(node, 'operator').type;
    const left = child(node, 'left');
    const right = child(node, 'right');
    if (TRUTH_VALUED.has(op)) return { type: { k: 'int', name: 'int' } };
    if (op === '<<' || op === '>>') {
      const name = this.intName(this.typeOf(left).type);
      return { type: name ? { k: 'int', name: promote(name) } : this.resolvedType(this.typeOf(left).type) };
    }
    if (op === '+' || op === '-') {
      const l = this.resolvedType(this.typeOf(left).type);
      const r = this.resolvedType(this.typeOf(right).type);
      const isPointer = (t: CType) => t.k === 'ptr' || t.k === 'array';
      if (isPointer(l) && isPointer(r) && op === '-') return { type: { k: 'named', name: 'ptrdiff_t' } };
      if (isPointer(l)) return { type: l.k === 'array' ? pointerTo(l.of) : l };
      if (isPointer(r) && op === '+') return { type: r.k === 'array' ? pointerTo(r.of) : r };
    }
    return { type: this.arithmetic([left, right]) };
  }

  private conditional(node: SyntaxNode): Typed {
    const consequence = node.childForFieldName('consequence') ?? child(node, 'condition');
    const alternative = child(node, 'alternative');
    const a = this.resolvedType(this.typeOf(consequence).type);
    const b = this.resolvedType(this.typeOf(alternative).type);
    if (this.intName(a) && this.intName(b)) return { type: this.arithmetic([consequence, alternative]) };
    if (a.k === 'ptr') return this.typeOf(consequence);
    if (b.k === 'ptr') return this.typeOf(alternative);
    return a.k === 'unknown' ? { type: a } : this.typeOf(consequence);
  }

  // -------------------------------------------------------------------------
  // Types written in the code.

  private typeFromDescriptor(descriptor: SyntaxNode): CType {
    if (descriptor.type !== 'type_descriptor') return this.typeFromText(this.file.text.slice(descriptor.startIndex, descriptor.endIndex));
    return typeOfDescriptor(descriptor);
  }

  /** A type name written as text (a macro's type argument, a table entry). */
  typeFromText(text: string): CType {
    let type = typesFromText.get(text);
    if (!type) {
      type = parseTypeName(text);
      typesFromText.set(text, type);
    }
    return type;
  }

  private here(kind: OriginKind, name: string, node: SyntaxNode): Origin {
    return { kind, name, file: this.scope.file, line: node.startPosition.row + 1 };
  }
}

/** One C integer literal, decimal, octal or hex, with any valid suffix: tree-sitter reads it as one number_literal. */
const INTEGER_LITERAL = /^(?:0[xX][0-9a-fA-F]+|[1-9][0-9]*|0[0-7]*)(?:[uU](?:ll|LL|[lL])?|(?:ll|LL|[lL])[uU]?)?$/;

/** Binary operators whose value is 0 or 1, an int. */
const TRUTH_VALUED = new Set(['==', '!=', '<', '>', '<=', '>=', '&&', '||']);

/** Type names written as text (table entries, macro type arguments) parse the same everywhere: once per thread. */
const typesFromText = new Map<string, CType>();

function parseTypeName(text: string): CType {
  const wrapper = `${text.replace(/\s+/g, ' ').trim()} __patch_audit_t;`;
  const tree = parseC(wrapper);
  const declaration = tree.rootNode.namedChildren[0];
  if (!declaration || declaration.type !== 'declaration' || declaration.hasError) return unknown(`type name '${text.trim()}'`);
  const base = baseType(declaration.childForFieldName('type'));
  return applyDeclarator(base, declaration.childForFieldName('declarator')).type;
}

/** The integer type a resolved type is (an enum is an int), or null. */
function intNameOf(resolved: CType): IntName | null {
  if (resolved.k === 'int') return resolved.name;
  if (resolved.k === 'tag' && resolved.tag === 'enum') return 'int';
  return null;
}

function widthOf(member: Member): { bitWidth?: number } {
  return member.bits !== undefined ? { bitWidth: member.bits } : {};
}

function child(node: SyntaxNode, field: string): SyntaxNode {
  const found = node.childForFieldName(field);
  if (!found) throw new TypeError(`${node.type} at line ${node.startPosition.row + 1} has no ${field}`);
  return found;
}

function describeDecls<D extends Located>(decls: readonly D[], describe?: (d: D) => string): string {
  return decls.map((d) => `${d.file}:${d.line}${describe ? ` (${describe(d)})` : ''}`).join(', ');
}
