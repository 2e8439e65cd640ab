// The typing harness: `/* type-of "EXPR": TYPE [from FILE:LINE] */` says the
// expression EXPR on the marker's line has TYPE (typedefs looked through)
// and, if given, was declared at FILE:LINE. `type-of[ilp32]` is checked
// under the 32-bit ABI.

import * as fs from 'node:fs';
import * as path from 'node:path';
import { loadHints } from '../../src/frontend/hints';
import { parseFile, ParsedFile, SyntaxNode } from '../../src/frontend/parse';
import { AbiName } from '../../src/types/ctype';
import { MemoryDeclSource } from '../../src/types/decl-source';
import { factsOfSource } from '../../src/types/extract';
import { FIXTURES } from './fixtures';

export const TYPE_TREE = path.join(FIXTURES, 'types', 'tree');

export interface TypeMarker {
  line: number;
  abi: AbiName;
  expression: string;
  type: string;
  /** Where the value's declaration is. */
  from?: string;
  /** Where the outermost typedef of its type is. */
  typedef?: string;
}

const MARKER = /type-of(?:\[(lp64|ilp32)\])?\s+"(.+)":\s+(.+?)(?:\s+from\s+(\S+:\d+))?(?:\s+typedef\s+(\S+:\d+))?\s*\*\/$/;

export function typeMarkersIn(file: ParsedFile): TypeMarker[] {
  const out: TypeMarker[] = [];
  const visit = (node: SyntaxNode): void => {
    if (node.type === 'comment') {
      const m = MARKER.exec(node.text);
      if (m) {
        out.push({
          line: node.startPosition.row + 1,
          abi: (m[1] as AbiName | undefined) ?? 'lp64',
          expression: m[2],
          type: m[3],
          ...(m[4] ? { from: m[4] } : {}),
          ...(m[5] ? { typedef: m[5] } : {}),
        });
      }
      return;
    }
    for (const child of node.children) visit(child);
  };
  visit(file.tree.rootNode);
  return out;
}

const hints = loadHints();

export function sourceFiles(root: string): string[] {
  const out: string[] = [];
  const walk = (dir: string): void => {
    for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
      const full = path.join(dir, entry.name);
      if (entry.isDirectory()) walk(full);
      else if (/\.[ch]$/.test(entry.name)) out.push(path.relative(root, full).split(path.sep).join('/'));
    }
  };
  walk(root);
  return out.sort();
}

/** Every file of a small tree, indexed in memory. */
export function indexTreeInMemory(root: string): MemoryDeclSource {
  return new MemoryDeclSource(
    sourceFiles(root).map((rel) => [rel, factsOfSource(rel, fs.readFileSync(path.join(root, rel), 'utf8'), { hints, encoding: 'utf8', macros: true })]),
  );
}

export function parseTreeFile(root: string, rel: string): ParsedFile {
  return parseFile(rel, fs.readFileSync(path.join(root, rel), 'utf8'), { hints });
}
