// How well the front end parses a file: function definitions that come out
// with no ERROR or MISSING node, and, for the others, what construct broke.
//
// Function definitions are counted independently of tree-sitter, from the
// tokens of the original text: a top-level `{` right after a `)`. So a
// function that tree-sitter did not recognise at all still counts, as broken.

import { TokenKind, tokenize } from './lexer';
import type { ParsedFile, SyntaxNode } from './parse';

export interface BrokenFunction {
  line: number;
  /** A short description of the construct at the first error. */
  cause: string;
}

export interface FileParseHealth {
  functions: number;
  clean: number;
  broken: BrokenFunction[];
}

export function functionBodyOffsets(text: string): number[] {
  const tokens = tokenize(text);
  const offsets: number[] = [];
  let depth = 0;
  let previous = -1;
  for (let t = 0; t < tokens.count; t++) {
    if (tokens.kind[t] === TokenKind.Directive) continue;
    if (tokens.kind[t] === TokenKind.Punct) {
      const c = text.charCodeAt(tokens.start[t]);
      if (c === 123) {
        if (depth === 0 && previous >= 0 && text.charCodeAt(tokens.start[previous]) === 41 && tokens.kind[previous] === TokenKind.Punct) {
          offsets.push(tokens.start[t]);
        }
        depth++;
      } else if (c === 125 && depth > 0) depth--;
    }
    previous = t;
  }
  return offsets;
}

export function parseHealth(file: ParsedFile): FileParseHealth {
  const offsets = functionBodyOffsets(file.text);
  const broken: BrokenFunction[] = [];
  const root = file.tree.rootNode;
  for (const offset of offsets) {
    const definition = definitionWithBodyAt(root, offset);
    if (definition && !definition.hasError) continue;
    const scope = definition ?? enclosingError(root, offset) ?? root;
    const error = firstError(scope, offset);
    broken.push({ line: file.lines.lineOf(offset), cause: describeError(file, error) });
  }
  return { functions: offsets.length, clean: offsets.length - broken.length, broken };
}

function definitionWithBodyAt(root: SyntaxNode, offset: number): SyntaxNode | null {
  let node: SyntaxNode | null = root.descendantForIndex(offset, offset + 1);
  while (node) {
    if (node.type === 'compound_statement' && node.startIndex === offset) {
      const parent = node.parent;
      return parent && parent.type === 'function_definition' ? parent : null;
    }
    node = node.parent;
  }
  return null;
}

function enclosingError(root: SyntaxNode, offset: number): SyntaxNode | null {
  let node: SyntaxNode | null = root.descendantForIndex(offset, offset + 1);
  let found: SyntaxNode | null = null;
  while (node) {
    if (node.type === 'ERROR') found = node;
    node = node.parent;
  }
  return found;
}

/** The first ERROR or MISSING node in scope, preferring ones at or after `offset`'s function header. */
function firstError(scope: SyntaxNode, offset: number): SyntaxNode | null {
  let best: SyntaxNode | null = null;
  const visit = (node: SyntaxNode): void => {
    if (!node.hasError && !node.isMissing) return;
    if (node.type === 'ERROR' || node.isMissing) {
      if (!best || Math.abs(node.startIndex - offset) < Math.abs(best.startIndex - offset)) best = node;
      return;
    }
    for (const child of node.children) visit(child);
  };
  if (scope.type === 'ERROR' || scope.isMissing) return scope;
  for (const child of scope.children) visit(child);
  return best;
}

function describeError(file: ParsedFile, error: SyntaxNode | null): string {
  if (!error) return 'function not recognised';
  if (error.isMissing) {
    const before = /([A-Za-z_]\w*)\W*$/.exec(file.parsedText.slice(Math.max(0, error.startIndex - 80), error.startIndex));
    return `missing '${error.type}'` + (before ? ` after ${before[1]}` : '');
  }
  // The first identifier in or just before the error usually names the macro at fault.
  const from = Math.max(0, error.startIndex - 40);
  const window = file.parsedText.slice(from, Math.min(error.endIndex, error.startIndex + 60));
  const inside = file.parsedText.slice(error.startIndex, Math.min(error.endIndex, error.startIndex + 60));
  const call = /([A-Za-z_]\w*)\s*\(/.exec(inside);
  if (call) return `${call[1]}(...)`;
  const word = /([A-Za-z_]\w*)/.exec(inside);
  if (word) return word[1];
  const before = /([A-Za-z_]\w*)[^A-Za-z_]*$/.exec(window.slice(0, error.startIndex - from));
  const first = inside.trim().slice(0, 12) || '(empty)';
  return before ? `'${first}' after ${before[1]}` : `'${first}'`;
}
