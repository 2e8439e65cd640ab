// Macro hints: what the front end should read a kernel macro as, written as
// C #define lines (Coccinelle's macro file is the precedent). Because every
// line and column must stay the real one, a hint's expansion is laid out in
// place of the invocation: the arguments stay where they are, and the literal
// text of the expansion must fit in the gaps around them (the macro name, the
// parentheses, the commas). Hence the one rule for hints: parameters appear in
// the expansion in the order they are declared, each at most once.

import * as fs from 'node:fs';
import * as path from 'node:path';

export interface LiteralPiece {
  text: string;
  /** `##` joins this literal to the argument before it. */
  pasteBefore: boolean;
  /** `##` joins this literal to the argument after it. */
  pasteAfter: boolean;
}

export interface MacroHint {
  name: string;
  /** null for an object-like macro. */
  params: string[] | null;
  variadic: boolean;
  /** Indexes of the parameters used by the expansion, increasing. */
  usedParams: number[];
  /** usedParams.length + 1 literals: before the first used argument, between them, after the last. */
  literals: LiteralPiece[];
  /** Where the hint was defined, for messages. */
  origin: string;
}

export type HintTable = ReadonlyMap<string, MacroHint>;

export class HintError extends Error {}

const DEFINE_LINE = /^\s*#\s*define\s+([A-Za-z_$][\w$]*)(\(([^)]*)\))?(?:\s+(.*?))?\s*$/;

/** Parses a hints file; `origin` names it in error messages. Lines that are not #define are ignored. */
export function parseHints(source: string, origin: string): MacroHint[] {
  const hints: MacroHint[] = [];
  const lines = joinContinuations(source);
  for (const { text, line } of lines) {
    const trimmed = text.trim();
    if (trimmed === '' || trimmed.startsWith('//') || trimmed.startsWith('/*') || trimmed.startsWith('*')) continue;
    const m = DEFINE_LINE.exec(text);
    if (!m) {
      if (trimmed.startsWith('#')) continue;
      throw new HintError(`${origin}:${line}: expected a #define line, found: ${trimmed}`);
    }
    hints.push(compileHint(m[1], m[2] ? m[3] : null, m[4] ?? '', `${origin}:${line}`));
  }
  return hints;
}

function joinContinuations(source: string): { text: string; line: number }[] {
  const out: { text: string; line: number }[] = [];
  const raw = source.split('\n');
  for (let i = 0; i < raw.length; i++) {
    const first = i + 1;
    let text = raw[i];
    while (text.endsWith('\\') && i + 1 < raw.length) text = text.slice(0, -1) + ' ' + raw[++i];
    out.push({ text: stripComments(text), line: first });
  }
  return out;
}

function stripComments(text: string): string {
  return text.replace(/\/\*.*?\*\//g, ' ').replace(/\/\/.*$/, '');
}

function compileHint(name: string, paramList: string | null, body: string, origin: string): MacroHint {
  const params = paramList === null ? null : paramList.split(',').map((p) => p.trim()).filter((p) => p !== '');
  const variadic = params !== null && params.length > 0 && params[params.length - 1] === '...';
  const paramIndex = new Map<string, number>();
  params?.forEach((p, i) => paramIndex.set(p === '...' ? '__VA_ARGS__' : p, i));

  const usedParams: number[] = [];
  const literals: LiteralPiece[] = [];
  let current = '';
  let pasteBefore = false;
  const tokenRe = /##|[A-Za-z_$][\w$]*|\s+|./g;
  let m: RegExpExecArray | null;
  let pendingPaste = false;
  const pasted = body.replace(/\s*##\s*/g, '##');
  while ((m = tokenRe.exec(pasted)) !== null) {
    const tok = m[0];
    if (tok === '##') {
      pendingPaste = true;
      continue;
    }
    const index = paramIndex.get(tok);
    if (index === undefined) {
      if (pendingPaste && current === '' && usedParams.length > 0) pasteBefore = true;
      pendingPaste = false;
      current += /^\s+$/.test(tok) ? ' ' : tok;
      continue;
    }
    const last = usedParams[usedParams.length - 1];
    if (last !== undefined && index <= last) {
      throw new HintError(
        `${origin}: hint for ${name}: parameter '${tok}' is used out of order or twice; ` +
          'expansions must keep parameters in declaration order so columns stay true',
      );
    }
    literals.push({ text: current, pasteBefore, pasteAfter: pendingPaste });
    usedParams.push(index);
    current = '';
    pasteBefore = false;
    pendingPaste = false;
  }
  literals.push({ text: current, pasteBefore, pasteAfter: false });
  return { name, params, variadic, usedParams, literals, origin };
}

export function buildHintTable(groups: MacroHint[][]): HintTable {
  const table = new Map<string, MacroHint>();
  for (const group of groups) for (const hint of group) table.set(hint.name, hint);
  return table;
}

/** The hints shipped with the tool (data/kernel-macros.h). */
export function builtinHintsPath(): string {
  // dist/src/frontend -> repository root, or src/frontend when run from sources.
  const candidates = [path.resolve(__dirname, '../../../data/kernel-macros.h'), path.resolve(__dirname, '../../data/kernel-macros.h')];
  const found = candidates.find((p) => fs.existsSync(p));
  if (!found) throw new HintError(`built-in macro hints not found (looked in ${candidates.join(', ')})`);
  return found;
}

/** Loads the built-in hints, then each user file in order; later definitions win. */
export function loadHints(userFiles: readonly string[] = []): HintTable {
  const groups: MacroHint[][] = [];
  for (const file of [builtinHintsPath(), ...userFiles]) {
    let source: string;
    try {
      source = fs.readFileSync(file, 'utf8');
    } catch (err) {
      throw new HintError(`cannot read macro hints file ${file}: ${(err as NodeJS.ErrnoException).code ?? String(err)}`);
    }
    groups.push(parseHints(source, file));
  }
  return buildHintTable(groups);
}
