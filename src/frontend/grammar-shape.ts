// What the C grammar says about the shape of its trees, so that the copy into
// the flat table (syntax-table.ts) can leave out native calls whose answer is
// known: a token never has children, and a node whose type has no fields in
// the grammar never has a child in a field. Each native call of the copy
// costs about 0.1 µs, and a scan makes several per node.

import * as fs from 'node:fs';
import * as path from 'node:path';
import C = require('tree-sitter-c');

/**
 * Symbols below this id are the grammar's tokens (tree-sitter numbers tokens
 * first), which are leaves. Read from the generated parser's TOKEN_COUNT; 0
 * (no symbol known to be a leaf) when it cannot be read. The grammar aliases
 * no rule (its non-terminal alias map is empty), so a token id never names a
 * node with children.
 */
export const TOKEN_SYMBOLS = tokenCount();

/** Named node types that have no fields in the grammar: their children never have a field id. */
export const TYPES_WITHOUT_FIELDS: ReadonlySet<string> = new Set(
  ((C as unknown as { nodeTypeInfo?: { type: string; named: boolean; fields?: Record<string, unknown> }[] }).nodeTypeInfo ?? [])
    .filter((info) => info.named && Object.keys(info.fields ?? {}).length === 0)
    .map((info) => info.type),
);

function tokenCount(): number {
  try {
    const parserSource = path.join(path.dirname(require.resolve('tree-sitter-c')), '../../src/parser.c');
    const head = Buffer.alloc(4096);
    const fd = fs.openSync(parserSource, 'r');
    let read: number;
    try {
      read = fs.readSync(fd, head, 0, head.length, 0);
    } finally {
      fs.closeSync(fd);
    }
    const text = head.subarray(0, read).toString('latin1');
    const tokens = /^#define TOKEN_COUNT (\d+)$/m.exec(text);
    const aliases = /^#define ALIAS_COUNT (\d+)$/m.exec(text);
    // Only a grammar whose aliases are of tokens: checked by the syntax-table test, which compares every node.
    return tokens && aliases ? Number(tokens[1]) : 0;
  } catch {
    return 0;
  }
}
