// `patch-audit type <file>:<line>:<col>`: the type of the expression there,
// where it was declared, and the types of the expressions around it.

import * as fs from 'node:fs';
import * as path from 'node:path';
import { loadHints } from '../frontend/hints';
import { decodeAndParse } from '../engine/analyse-file';
import { readSourceBytes } from '../input/read';
import { AbiName } from '../types/ctype';
import { describeTyped, originInWords, TypeDescription, typeInWords } from '../types/describe';
import { enclosingExpressions, expressionAt } from '../types/expression-at';
import { openTypeSession, TypeSessionOptions } from '../types/session';
import { typeIndexOf, typerFor } from '../types/index-handle';
import { indexPathOf } from '../types/index-path';
import { EXIT_INPUT_ERROR, EXIT_OK, UsageError } from './common';

export interface TypeCommandOptions extends Omit<TypeSessionOptions, 'near'> {
  json: boolean;
  maxFileSize: number;
}

export interface TypeAtResult {
  file: string;
  line: number;
  column: number;
  tree: string | null;
  expression: string;
  type: TypeDescription;
  enclosing: { expression: string; line: number; type: TypeDescription }[];
}

export function parseLocation(location: string): { file: string; line: number; column: number } {
  const m = /^(.+):(\d+):(\d+)$/.exec(location);
  if (!m) throw new UsageError(`expected <file>:<line>:<column>, got '${location}'`);
  return { file: m[1], line: Number(m[2]), column: Number(m[3]) };
}

export async function runTypeCommand(location: string, options: TypeCommandOptions): Promise<{ output: string; exitCode: number }> {
  const at = parseLocation(location);
  const absolute = path.resolve(at.file);
  if (!fs.statSync(absolute, { throwIfNoEntry: false })?.isFile()) throw new UsageError(`${at.file}: no such file`);
  const session = await openTypeSession({ ...options, near: absolute });
  const displayPath = at.file;
  const read = readSourceBytes({ absolutePath: absolute, displayPath, size: fs.statSync(absolute).size }, { maxBytes: options.maxFileSize });
  if (!read.ok) return { output: `${read.problem.path}: ${read.problem.reason}\n`, exitCode: EXIT_INPUT_ERROR };
  const { parsed } = decodeAndParse({ absolutePath: absolute, displayPath, size: read.bytes.length }, read.bytes, {
    hints: loadHints(options.hintFiles),
  });
  const offset = parsed.lines.offsetAt(at.line, at.column);
  if (offset === null) throw new UsageError(`${location}: ${at.file} has no line ${at.line} column ${at.column}`);
  const node = expressionAt(parsed, offset);
  if (!node) throw new UsageError(`${location}: no expression there`);

  const index = typeIndexOf(session.handle);
  const typer = typerFor(parsed, index, indexPathOf(session.handle, absolute, displayPath));
  const source = (n: typeof node) => parsed.text.slice(n.startIndex, n.endIndex).replace(/\s+/g, ' ');
  const result: TypeAtResult = {
    file: displayPath,
    line: at.line,
    column: at.column,
    tree: session.handle.root,
    expression: source(node),
    type: describeTyped(typer, typer.typeOf(node)),
    enclosing: enclosingExpressions(node).map((outer) => ({
      expression: source(outer),
      line: outer.startPosition.row + 1,
      type: describeTyped(typer, typer.typeOf(outer)),
    })),
  };
  const output = options.json ? JSON.stringify(result, null, 2) + '\n' : renderTypeAt(result, options.abi);
  return { output, exitCode: EXIT_OK };
}

const MAX_SHOWN = 72;

function shorten(text: string): string {
  return text.length > MAX_SHOWN ? `${text.slice(0, MAX_SHOWN - 3)}...` : text;
}

export function renderTypeAt(result: TypeAtResult, abi: AbiName): string {
  const lines = [
    `${result.file}:${result.line}:${result.column}: ${shorten(result.expression)}`,
    `  type: ${typeInWords(result.type)}`,
  ];
  if (result.type.origin) lines.push(`  declared: ${originInWords(result.type.origin)}`);
  for (const step of result.type.via) {
    if (step.file) lines.push(`  typedef ${step.name}: ${step.file}:${step.line}`);
  }
  if (result.enclosing.length) {
    lines.push('  inside:');
    for (const outer of result.enclosing) lines.push(`    ${shorten(outer.expression)}: ${typeInWords(outer.type)}`);
  }
  lines.push(`  (${result.tree ? `tree ${result.tree}` : 'no tree: built-in kernel types only'}; ABI ${abi})`);
  return lines.join('\n') + '\n';
}
