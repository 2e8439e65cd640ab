// The bodies of object-like macros (and enumerator values), parsed as
// expressions. A file's analyses type and evaluate every constant they meet
// (`PAGE_SHIFT`, `KVM_REQ_...`), and the same few thousand bodies recur from
// file to file: each is parsed once per thread, and each file reads the
// shared tree from its own scope.

import { parseC, SyntaxNode, Tree } from '../frontend/parse';

export interface ParsedMacroBody {
  /** The text parsed: the body inside its wrapper. */
  text: string;
  tree: Tree;
  /** The parenthesised body, or null when it is not a plain expression. */
  expression: SyntaxNode | null;
}

/** A body as a statement of a function, `(body);`: how the typer reads it. */
export function parsedMacroBody(body: string): ParsedMacroBody {
  return parsedBetween('void __patch_audit_macro(void) { (', body, '); }');
}

/** A body as an initializer, `int x = (body);`: how constant values are evaluated. */
export function parsedConstantBody(body: string): ParsedMacroBody {
  return parsedBetween('int __patch_audit_constant = (', body, ');');
}

/** Bodies kept per thread; past this many, the oldest go (a whole-tree scan meets tens of thousands). */
const KEPT_BODIES = 4096;

const parsed = new Map<string, ParsedMacroBody>();

function parsedBetween(prefix: string, body: string, suffix: string): ParsedMacroBody {
  const key = `${prefix}\0${body}`;
  let found = parsed.get(key);
  if (!found) {
    found = parse(prefix, body, suffix);
    if (parsed.size >= KEPT_BODIES) parsed.delete(parsed.keys().next().value!);
    parsed.set(key, found);
  }
  return found;
}

function parse(prefix: string, body: string, suffix: string): ParsedMacroBody {
  const text = `${prefix}${body}${suffix}`;
  const tree = parseC(text);
  const at = tree.rootNode.descendantForIndex(prefix.length - 1, prefix.length - 1);
  const parenthesised = at.type === '(' ? at.parent : at;
  const plain = parenthesised && parenthesised.type === 'parenthesized_expression' && !parenthesised.hasError;
  return { text, tree, expression: plain ? parenthesised : null };
}
