// The fixture harness: expected findings are marked in the fixtures
// themselves with `/* expect: <rule-id> */` comments.

import './plain-output';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { loadHints } from '../../src/frontend/hints';
import { parseFile, ParsedFile, SyntaxNode } from '../../src/frontend/parse';
import { loadRule } from '../../src/engine/registry';
import { runRules } from '../../src/engine/analyse-file';
import { knowledgeFor } from '../../src/knowledge';
import type { Confidence, Finding } from '../../src/model';
import type { AbiName } from '../../src/types/ctype';
import { TypeIndex } from '../../src/types/type-index';
import { typerFor } from '../../src/types/index-handle';

export const REPO = path.resolve(__dirname, '../../..');
export const FIXTURES = path.join(REPO, 'fixtures');
export const RULE_SOURCES = path.join(REPO, 'rules');

const hints = loadHints();

export function parseFixture(displayPath: string, text: string): ParsedFile {
  return parseFile(displayPath, text, { hints });
}

export interface Expectation {
  ruleId: string;
  line: number;
  /** `/* expect: id (high) *\/` also asks for the finding's confidence. */
  confidence?: Confidence;
}

/**
 * `/* expect: id *\/` after code marks its own line; alone on a line it marks
 * the next code line. `(high)`, `(medium)` or `(low)` after the id also checks the confidence.
 */
export function expectationsIn(file: ParsedFile): Expectation[] {
  const out: Expectation[] = [];
  const visit = (node: SyntaxNode): void => {
    if (node.type === 'comment') {
      const m = /expect:\s*([a-z0-9-]+)(?:\s*\((high|medium|low)\))?/.exec(node.text);
      if (m) out.push({ ruleId: m[1], line: markedLine(file, node), ...(m[2] ? { confidence: m[2] as Confidence } : {}) });
      return;
    }
    for (const child of node.children) visit(child);
  };
  visit(file.tree.rootNode);
  return out;
}

function markedLine(file: ParsedFile, comment: SyntaxNode): number {
  const line = comment.startPosition.row + 1;
  const before = file.lines.lineText(line).slice(0, comment.startPosition.column);
  if (before.trim() !== '') return line;
  for (let next = comment.endPosition.row + 2; next <= file.lines.lineCount; next++) {
    const text = file.lines.lineText(next).trim();
    if (text !== '' && !text.startsWith('//') && !text.startsWith('/*') && !text.startsWith('*')) return next;
  }
  return line;
}

/** A fixture may ask for the 32-bit ABI with a `/* fixture-abi: ilp32 *\/` comment. */
export function fixtureAbi(file: ParsedFile): AbiName {
  return /fixture-abi:\s*ilp32/.test(file.text) ? 'ilp32' : 'lp64';
}

/** Fixtures have no tree: they declare what they use, and the built-in kernel types do the rest. */
export function runOneRule(ruleId: string, file: ParsedFile): Finding[] {
  const index = new TypeIndex(null, { abi: fixtureAbi(file), arch: 'x86' });
  const { findings, problems } = runRules(file, [loadRule(ruleId)], { makeTyper: () => typerFor(file, index, file.path), knowledge: knowledgeFor([]) });
  if (problems.length) throw new Error(problems.map((p) => p.reason).join('\n'));
  return findings;
}

/** Missing (expected, not found) and Noisy (found, not expected) lines, for a readable failure. */
export function compareWithExpectations(ruleId: string, file: ParsedFile, findings: readonly Finding[] = runOneRule(ruleId, file)): string[] {
  const expected = expectationsIn(file).filter((e) => e.ruleId === ruleId);
  const remaining = [...findings];
  const errors: string[] = [];
  for (const { line, confidence } of expected) {
    const i = remaining.findIndex((f) => f.location.line === line);
    if (i < 0) {
      errors.push(`Missing: ${file.path}:${line}: expected ${ruleId}`);
      continue;
    }
    const [found] = remaining.splice(i, 1);
    if (confidence && found.confidence !== confidence) {
      errors.push(`Wrong confidence: ${file.path}:${line}: expected ${confidence}, found ${found.confidence} (${found.message})`);
    }
  }
  for (const f of remaining) errors.push(`Noisy: ${file.path}:${f.location.line}: ${ruleId} reported here but not expected`);
  return errors;
}

export interface DocExample {
  kind: 'bad' | 'good';
  code: string;
  /** Line in the .md where the code starts. */
  line: number;
}

export function docExamples(markdown: string): DocExample[] {
  const out: DocExample[] = [];
  const re = /^```c (bad|good)\n([\s\S]*?)^```/gm;
  let m: RegExpExecArray | null;
  while ((m = re.exec(markdown)) !== null) {
    out.push({ kind: m[1] as 'bad' | 'good', code: m[2], line: markdown.slice(0, m.index).split('\n').length + 1 });
  }
  return out;
}

export function ruleIdsWithSources(): string[] {
  return fs
    .readdirSync(RULE_SOURCES)
    .filter((f) => f.endsWith('.ts'))
    .map((f) => f.slice(0, -3))
    .sort();
}
