// One file's declarations, for the type index: struct and union members,
// enums, typedefs, prototypes and definitions, globals, constant macros and
// #include lines.

import { HintTable } from '../frontend/hints';
import { TokenList, tokenize } from '../frontend/lexer';
import { LineIndex } from '../frontend/lines';
import { normalise } from '../frontend/normalise';
import { parseC, ParsedFile, SyntaxNode } from '../frontend/parse';
import { applyDeclarator, baseType, BodyVisitor, specifiersOf } from './declarators';
import { CType } from './ctype';
import { Decl, FileFacts, IncludeDirective } from './facts';
import { blankDirectives, blankFunctionBodies } from './skeleton';
import { BodyFacts, bodyFacts } from './body-facts';

export interface ExtractOptions {
  hints: HintTable;
  encoding: 'utf8' | 'latin1';
  /** Record constant macros (off for huge generated register headers). */
  macros: boolean;
}

/** Parses a file for its declarations only (function bodies are skipped) and returns its facts. */
export function factsOfSource(path: string, text: string, options: ExtractOptions): FileFacts {
  // Normalise first: #if groups that split a function header must be resolved before braces are matched.
  const withoutDirectives = blankDirectives(text);
  const normalised = normalise(withoutDirectives.text, options.hints, withoutDirectives.tokens);
  // One tokenization of the normalised text serves the body blanking and the body facts.
  const bodyTokens = tokenize(normalised.text);
  const skeletonText = blankFunctionBodies(normalised.text, bodyTokens);
  const lines = new LineIndex(text, options.encoding);
  const skeleton: ParsedFile = {
    path,
    text,
    parsedText: skeletonText,
    tree: parseC(skeletonText),
    lines,
    rewrites: normalised.rewrites,
  };
  const bodies = bodyFacts(normalised.text, (offset) => lines.lineOf(offset), bodyTokens);
  return extractFacts(skeleton, { directivesFrom: text, macros: options.macros, bodies });
}

export interface FactsOptions {
  /** The text to read #define and #include lines from, when the parsed text had them blanked. */
  directivesFrom?: string;
  macros?: boolean;
  /** What the function bodies say, when the parsed text had them blanked. */
  bodies?: BodyFacts;
}

/** The declarations of an already parsed file (bodies, if parsed, are not looked into). */
export function extractFacts(file: ParsedFile, options: FactsOptions = {}): FileFacts {
  const decls: Decl[] = [];
  const bodies = options.bodies ?? bodyFacts(file.parsedText, (offset) => file.lines.lineOf(offset));
  const collector = new DeclarationCollector(decls, bodies);
  collector.visitItems(file.tree.rootNode);
  for (const { name, ...uses } of bodies.calls) decls.push({ kind: 'calls', name, ...uses });
  const directives = scanDirectives(options.directivesFrom ?? file.text, options.macros ?? true);
  decls.push(...directives.macros);
  return { decls, includes: directives.includes };
}

/** A parsed file's facts in two steps: its declarations, and (when asked) what extractFacts gives. */
export interface StagedFacts {
  /** The declarations, #define and #include lines: no failure summaries on definitions, no call records. */
  declarations: FileFacts;
  /** With what the function bodies say added: equal to extractFacts(file). Computed once. */
  complete(): FileFacts;
}

/**
 * extractFacts(file) in two steps. A typer asks its own file's declarations;
 * only some rules ask what the bodies say (how a function fails, how its
 * callers use results), which is half the cost of the facts.
 */
export function stagedFacts(file: ParsedFile): StagedFacts {
  const decls: Decl[] = [];
  const definitionBodies = new Map<Decl, number>();
  new DeclarationCollector(decls, NO_BODY_FACTS, definitionBodies).visitItems(file.tree.rootNode);
  const directives = scanDirectives(file.text, true, file.tokens);
  const declarations: FileFacts = { decls: [...decls, ...directives.macros], includes: directives.includes };
  let complete: FileFacts | undefined;
  return {
    declarations,
    complete() {
      if (complete) return complete;
      const bodies = bodyFacts(file.parsedText, (offset) => file.lines.lineOf(offset));
      // In extractFacts' order: each definition's failure as its last member, the call records before the macros.
      const withFailures = decls.map((decl) => {
        const start = definitionBodies.get(decl);
        const failure = start === undefined ? undefined : bodies.failures.get(start);
        return failure ? { ...decl, failure } : decl;
      });
      const calls: Decl[] = bodies.calls.map(({ name, ...uses }) => ({ kind: 'calls', name, ...uses }));
      complete = { decls: [...withFailures, ...calls, ...directives.macros], includes: directives.includes };
      return complete;
    },
  };
}

const NO_BODY_FACTS: BodyFacts = { failures: new Map(), calls: [] };

const line = (node: SyntaxNode): number => node.startPosition.row + 1;

class DeclarationCollector {
  private readonly bodies: BodyVisitor;

  constructor(
    private readonly decls: Decl[],
    private readonly bodyFacts: BodyFacts,
    /** When given, filled with each function definition's body offset (stagedFacts adds the failure later). */
    private readonly definitionBodies?: Map<Decl, number>,
  ) {
    this.bodies = {
      record: (tag, name, nameNode, members) => decls.push({ kind: tag, name, line: line(nameNode), members }),
      enumeration: (name, nameNode, body) => this.enumeration(name, nameNode, body),
    };
  }

  /** Top-level items, through #if groups and through ERROR nodes that still hold whole declarations. */
  visitItems(parent: SyntaxNode): void {
    for (const item of parent.namedChildren) {
      switch (item.type) {
        case 'function_definition':
          this.functionDefinition(item);
          break;
        case 'declaration':
          this.declaration(item);
          break;
        case 'type_definition':
          this.typedef(item);
          break;
        case 'struct_specifier':
        case 'union_specifier':
        case 'enum_specifier':
          baseType(item, this.bodies);
          break;
        case 'ERROR':
        case 'linkage_specification':
        case 'declaration_list':
          this.visitItems(item);
          break;
        default:
          if (item.type.startsWith('preproc_') && item.type !== 'preproc_def' && item.type !== 'preproc_function_def') this.visitItems(item);
      }
    }
  }

  private functionDefinition(node: SyntaxNode): void {
    const base = baseType(node.childForFieldName('type'), this.bodies);
    const declared = applyDeclarator(base, node.childForFieldName('declarator'));
    if (!declared.name || declared.type.k !== 'fn') return;
    const specs = specifiersOf(node);
    const body = node.childForFieldName('body');
    const failure = body ? this.bodyFacts.failures.get(body.startIndex) : undefined;
    const decl: Decl = {
      kind: 'function',
      name: declared.name,
      line: line(declared.nameNode!),
      ret: declared.type.ret,
      params: declared.type.params,
      variadic: declared.type.variadic,
      static: specs.static,
      inline: specs.inline,
      definition: true,
      ...(failure ? { failure } : {}),
    };
    this.decls.push(decl);
    if (body) this.definitionBodies?.set(decl, body.startIndex);
  }

  private declaration(node: SyntaxNode): void {
    const base = baseType(node.childForFieldName('type'), this.bodies);
    const specs = specifiersOf(node);
    for (const declarator of node.childrenForFieldName('declarator')) {
      const declared = applyDeclarator(base, declarator);
      if (!declared.name) continue;
      const at = line(declared.nameNode!);
      if (declared.isFunction && declared.type.k === 'fn') {
        const fn = declared.type;
        this.decls.push({
          kind: 'function', name: declared.name, line: at, ret: fn.ret, params: fn.params, variadic: fn.variadic,
          static: specs.static, inline: specs.inline, definition: false,
        });
      } else {
        this.decls.push({ kind: 'variable', name: declared.name, line: at, type: declared.type, static: specs.static, extern: specs.extern });
      }
    }
  }

  private typedef(node: SyntaxNode): void {
    const base: CType = baseType(node.childForFieldName('type'), this.bodies);
    for (const declarator of node.childrenForFieldName('declarator')) {
      const declared = applyDeclarator(base, declarator);
      if (declared.name) this.decls.push({ kind: 'typedef', name: declared.name, line: line(declared.nameNode!), type: declared.type });
    }
  }

  private enumeration(name: string, nameNode: SyntaxNode | null, body: SyntaxNode): void {
    const constants: string[] = [];
    const visit = (list: SyntaxNode): void => {
      for (const child of list.namedChildren) {
        if (child.type.startsWith('preproc_')) visit(child);
        if (child.type !== 'enumerator') continue;
        const constant = child.childForFieldName('name');
        if (!constant) continue;
        const value = child.childForFieldName('value');
        constants.push(constant.text);
        this.decls.push({
          kind: 'enumerator', name: constant.text, line: line(constant),
          ...(name ? { enumName: name } : {}), ...(value ? { value: value.text } : {}),
        });
      }
    };
    visit(body);
    if (name && nameNode) this.decls.push({ kind: 'enum', name, line: line(nameNode), constants });
  }
}

// ---------------------------------------------------------------------------
// Directives: read from tokens, not from the tree, so huge macro-only headers
// need no parsing and every #define is seen whatever the #if around it.

const DEFINE = /^#\s*define\s+([A-Za-z_][A-Za-z0-9_]*)([ \t(]?)([\s\S]*)$/;
const INCLUDE = /^#\s*include\s*([<"])([^>"]+)[>"]/;
const CONSTANT_BODY = /^[\w\s()+\-*/%<>&|^~!?:.,']+$/;
const MAX_MACRO_BODY = 256;

// Only the directive tokens are visited (the token list indexes them), and
// the line count is a small function of its own: a loop over every token or
// character in here had V8 compile this function on-stack (OSR) with the
// rarely taken paths, and throw the code away when one was taken.
function scanDirectives(text: string, withMacros: boolean, tokens: TokenList = tokenize(text)): { macros: Decl[]; includes: IncludeDirective[] } {
  const macros: Decl[] = [];
  const includes: IncludeDirective[] = [];
  let lineNumber = 1;
  let lineCountedTo = 0;
  for (const t of tokens.directives) {
    const start = tokens.start[t];
    if (!mayIncludeOrDefine(text, start)) continue;
    const directive = text.slice(start, tokens.end[t]);
    const include = INCLUDE.exec(directive);
    if (include) {
      includes.push({ spec: include[2].trim(), system: include[1] === '<' });
      continue;
    }
    if (!withMacros) continue;
    const define = DEFINE.exec(directive);
    if (!define || define[2] === '(') continue;
    const body = constantBody(define[3]);
    if (body === null) continue;
    lineNumber += newlinesBetween(text, lineCountedTo, start);
    lineCountedTo = start;
    macros.push({ kind: 'macro', name: define[1], line: lineNumber, body });
  }
  return { macros, includes };
}

/**
 * False when the directive at `start` is surely neither `#include` nor
 * `#define` (`#if`, `#endif`, ...), read without a regular expression; when
 * a character other than an ASCII blank follows the `#`, the expressions decide.
 */
function mayIncludeOrDefine(text: string, start: number): boolean {
  if (text.charCodeAt(start) !== 35 /* # */) return false;
  let i = start + 1;
  for (let c = text.charCodeAt(i); c === 32 || (c >= 9 && c <= 13); c = text.charCodeAt(++i));
  return text.charCodeAt(i) > 127 || text.startsWith('include', i) || text.startsWith('define', i);
}

function newlinesBetween(text: string, from: number, to: number): number {
  let newlines = 0;
  for (let i = from; i < to; i++) if (text.charCodeAt(i) === 10) newlines++;
  return newlines;
}

/** The body of an object-like macro if it reads as a constant expression, else null. */
function constantBody(raw: string): string | null {
  const body = raw
    .replace(/\/\*[\s\S]*?\*\//g, ' ')
    .replace(/\/\/.*$/gm, ' ')
    .replace(/\\\n/g, ' ')
    .replace(/\s+/g, ' ')
    .trim();
  if (!body || body.length > MAX_MACRO_BODY || !CONSTANT_BODY.test(body)) return null;
  if (!/[A-Za-z0-9_]/.test(body)) return null;
  return body;
}
