// The bodies of object-like macros, parsed as expressions. A file's typer
// types every constant macro it meets (`PAGE_SHIFT`, `KVM_REQ_...`), and the
// same few thousand bodies recur from file to file: each is parsed once per
// thread, and each file's typer types the shared tree from its own scope.

import { parseC, SyntaxNode, Tree } from '../frontend/parse';

export interface ParsedMacroBody {
  /** The body inside a function, as `(body);`. */
  text: string;
  tree: Tree;
  /** The parenthesised body, or null when it is not a plain expression. */
  expression: SyntaxNode | null;
}

const WRAPPER = 'void __patch_audit_macro(void) { (';

/** Bodies kept per thread; past this many, the oldest go (a whole-tree scan meets tens of thousands). */
const KEPT_BODIES = 4096;

const parsed = new Map<string, ParsedMacroBody>();

export function parsedMacroBody(body: string): ParsedMacroBody {
  let found = parsed.get(body);
  if (!found) {
    found = parseBody(body);
    if (parsed.size >= KEPT_BODIES) parsed.delete(parsed.keys().next().value!);
    parsed.set(body, found);
  }
  return found;
}

function parseBody(body: string): ParsedMacroBody {
  const text = `${WRAPPER}${body}); }`;
  const tree = parseC(text);
  const at = tree.rootNode.descendantForIndex(WRAPPER.length - 1, WRAPPER.length - 1);
  const parenthesised = at.type === '(' ? at.parent : at;
  const plain = parenthesised && parenthesised.type === 'parenthesized_expression' && !parenthesised.hasError;
  return { text, tree, expression: plain ? parenthesised : null };
}
