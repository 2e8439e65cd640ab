// Register-map accessors (regmap_read(), regmap_field_read()...) fail only
// when the bus behind the map fails, or on malformed arguments (a register
// not aligned to the map's stride, a zero count). A memory-mapped map (MMIO,
// syscon) has no bus that can fail, and a constant register that were
// misaligned would fail on every call; an I2C or SPI map can fail at any
// transfer. Which map a driver uses is read from how its maps are made: the
// calls to the knowledge table's map constructors in the caller's file, or,
// when the file makes none, in the other files of its directory (the driver's
// maps are often made in its core file). Only a driver whose every map
// cannot fail settles it; anything else leaves the error counting.

import type { SyntaxNode } from '../../src/frontend/parse';
import { callArguments } from '../../src/frontend/syntax';
import type { KnowledgeRow, KnowledgeTable } from '../../src/knowledge';
import type { FileScope } from '../../src/types/type-index';
import type { FailureInference } from './failure';

export interface BusTables {
  /** bus-accessors: callee, handle, constant arguments, how else it fails. */
  accessors: KnowledgeTable;
  /** bus-inits: map constructor, cannot-fail | can-fail | callbacks | unknown, the bus. */
  inits: KnowledgeTable;
}

/** The analysed file: its index path, text and syntax tree, and its view of the index (null without one). */
export interface BusFile {
  file: string;
  text: string;
  root: SyntaxNode;
  scope: FileScope | null;
}

type InitKind = 'cannot-fail' | 'can-fail' | 'callbacks' | 'unknown';
const INIT_KINDS: readonly InitKind[] = ['cannot-fail', 'can-fail', 'callbacks', 'unknown'];

interface MapSource {
  name: string;
  kind: InitKind;
  bus: string;
  /** file:line of the (first) call that makes the map. */
  where: string;
  /** Made in another file of the directory (the caller's file makes no map). */
  elsewhere: boolean;
}

/** A regmap_config's callbacks: `.reg_read = foo,`. */
const CALLBACK = /\.\s*reg_(read|write)\s*=\s*&?\s*([A-Za-z_]\w*)/g;
/** Macros and enumerators by the kernel's naming: all capitals. */
const CONSTANT_NAME = /^[A-Z][A-Z0-9_]*$/;

/**
 * Steps showing that the accessor `callee` cannot fail at `call` (its map's
 * bus cannot fail and its checked arguments are constants), or null.
 */
export function busCannotFail(
  callee: string,
  call: SyntaxNode,
  tables: BusTables,
  where: BusFile,
  inference: FailureInference,
): string[] | null {
  const row = tables.accessors.lookup(callee);
  if (!row) return null;
  const [, constants = '-', otherwise = ''] = row.fields;
  const args = callArguments(call);
  const checked = constants === '-' ? [] : constants.split(',').map((n) => Number(n) - 1);
  const variable = checked.find((i) => !args[i] || !isConstant(args[i]));
  if (variable !== undefined) return null;
  const sources = mapSources(tables.inits, where);
  if (sources.length === 0) return null;
  const steps: string[] = [`${callee}() fails only when the bus behind its map fails, or on its arguments: ${otherwise} (${row.origin})`];
  for (const source of sources) {
    if (source.kind === 'cannot-fail') {
      const made = source.elsewhere ? `this file makes no register map; its directory makes maps with ${source.name}() (first at ${source.where})` : `this file makes a register map with ${source.name}() at ${source.where}`;
      steps.push(`${made}: ${source.bus}, where a transfer cannot fail`);
      continue;
    }
    if (source.kind !== 'callbacks') return null;
    const callbacks = callbacksIn(where.text);
    const failing = callbacks.find((cb) => inference.definitions(cb).length === 0 || inference.failureOf(cb));
    if (callbacks.length === 0 || failing || source.elsewhere) return null;
    steps.push(`this file makes a register map with ${source.name}() at ${source.where}, whose reg_read/reg_write callbacks (${callbacks.map((c) => `${c}()`).join(', ')}) return no error`);
  }
  if (checked.length) steps.push(`${checked.map((i) => `'${args[i].text}'`).join(' and ')} ${checked.length > 1 ? 'are constants' : 'is a constant'}: a malformed one would fail on every call (cannot happen here)`);
  else steps[steps.length - 1] += ' (cannot happen here)';
  return steps;
}

/** The driver's map sources, per file and scope: the directory look-up asks the index once per constructor. */
const sourcesByScope = new WeakMap<FileScope, MapSource[]>();

/** The map constructors the caller's file calls, or else those of the other files in its directory. */
function mapSources(inits: KnowledgeTable, where: BusFile): MapSource[] {
  const own = sourcesInFile(inits, where);
  if (own.length || !where.scope) return own;
  const known = sourcesByScope.get(where.scope);
  if (known) return known;
  const directory = where.file.slice(0, where.file.lastIndexOf('/') + 1);
  const found: MapSource[] = [];
  for (const { raw: row } of inits.rows) {
    const caller = where.scope.filesCalling(row.pattern).find((c) => c.file.startsWith(directory) && !c.file.slice(directory.length).includes('/'));
    if (caller) found.push(source(row.pattern, row, `${caller.file}:${caller.line}`, true));
  }
  sourcesByScope.set(where.scope, found);
  return found;
}

/** The constructor calls of one file, read once per file from its syntax tree. */
const ownSources = new WeakMap<BusFile, MapSource[]>();

function sourcesInFile(inits: KnowledgeTable, where: BusFile): MapSource[] {
  const known = ownSources.get(where);
  if (known) return known;
  const found: MapSource[] = [];
  const seen = new Set<string>();
  const stack: SyntaxNode[] = [where.root];
  while (stack.length) {
    const node = stack.pop()!;
    if (node.type === 'call_expression') {
      const fn = node.childForFieldName('function');
      const row = fn?.type === 'identifier' ? inits.lookup(fn.text) : undefined;
      if (fn && row && !seen.has(fn.text)) {
        seen.add(fn.text);
        found.push(source(fn.text, row, `${where.file}:${node.startPosition.row + 1}`));
      }
    }
    for (let i = node.namedChildCount - 1; i >= 0; i--) stack.push(node.namedChild(i)!);
  }
  ownSources.set(where, found);
  return found;
}

function source(name: string, row: KnowledgeRow, where: string, elsewhere = false): MapSource {
  const [kind, bus = ''] = row.fields;
  return { name, kind: INIT_KINDS.includes(kind as InitKind) ? (kind as InitKind) : 'unknown', bus, where, elsewhere };
}

function callbacksIn(text: string): string[] {
  return [...new Set([...text.matchAll(CALLBACK)].map((m) => m[2]))];
}

/** A constant expression by its look: literals, capitalised macros and enumerators, sizeof, and operators over them. */
export function isConstant(node: SyntaxNode): boolean {
  switch (node.type) {
    case 'number_literal':
    case 'char_literal':
    case 'sizeof_expression':
      return true;
    case 'identifier':
      return CONSTANT_NAME.test(node.text);
    case 'parenthesized_expression':
    case 'unary_expression':
    case 'binary_expression':
    case 'conditional_expression':
    case 'cast_expression':
      return node.namedChildren.filter((c) => c.type !== 'comment' && c.type !== 'type_descriptor').every(isConstant);
    case 'call_expression': {
      const fn = node.childForFieldName('function');
      return !!fn && fn.type === 'identifier' && CONSTANT_NAME.test(fn.text) && callArguments(node).every(isConstant);
    }
    default:
      return false;
  }
}
