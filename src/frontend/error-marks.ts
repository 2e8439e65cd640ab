// Which nodes of a parsed tree have an error, and where its MISSING nodes are, as
// tree-sitter says it: an error can sit in a hidden node or a skipped token that
// the copy's walk does not see, so the tree is asked, descending only into the
// subtrees that have one (few). The public node API makes a JavaScript node object
// (with a finaliser) for every child it hands over, about 1 µs each, which was most
// of this pass; the binding's own per-node methods (NodeMethods, which the public
// API wraps) answer the same questions without: used when they are there and answer
// the root as the public API does, else the public API.

import * as path from 'node:path';
import type Parser = require('tree-sitter');

export const HAS_ERROR_MARK = 4;
export const MISSING_MARK = 2;

export interface ErrorMarks {
  /** hasError (and MISSING) of the nodes visited, in pre-order, descending only below nodes with an error. */
  flags: number[];
  /** The start offsets of MISSING nodes, in document order. */
  missingStarts: number[];
}

/** The marks of the tree under `root`. */
export function readErrorMarks(tree: Parser.Tree, root: Parser.SyntaxNode): ErrorMarks {
  return readErrorMarksDirect(tree, root) ?? readErrorMarksPublic(root);
}

/** Through the public node API: one node object per child of a node with an error. */
export function readErrorMarksPublic(root: Parser.SyntaxNode): ErrorMarks {
  const marks: ErrorMarks = { flags: [], missingStarts: [] };
  const visit = (native: Parser.SyntaxNode): void => {
    if (!native.hasError) {
      marks.flags.push(0);
      return;
    }
    const children = native.children;
    if (children.length === 0 && native.isMissing) {
      marks.flags.push(HAS_ERROR_MARK | MISSING_MARK);
      marks.missingStarts.push(native.startIndex);
      return;
    }
    marks.flags.push(HAS_ERROR_MARK);
    for (const child of children) visit(child);
  };
  visit(root);
  return marks;
}

/** The binding's per-node methods: each reads its node from the first six words of the transfer array. */
interface NodeMethodsBinding {
  NodeMethods: {
    children(tree: Parser.Tree): unknown;
    hasError(tree: Parser.Tree): unknown;
    isMissing(tree: Parser.Tree): unknown;
    startIndex(tree: Parser.Tree): unknown;
  };
  nodeTransferArray: Uint32Array;
  TreeCursor: unknown;
}

const WORDS_PER_NODE = 6;
let binding: NodeMethodsBinding | null | undefined;

/** The binding module tree-sitter's index.js loaded (the same instance), if it has the expected shape. */
export function nodeMethodsBinding(): NodeMethodsBinding | null {
  if (binding !== undefined) return binding;
  binding = null;
  try {
    const root = path.dirname(require.resolve('tree-sitter/package.json'));
    const load = require(require.resolve('node-gyp-build', { paths: [root] })) as (dir: string) => Partial<NodeMethodsBinding>;
    const candidate = load(root);
    const methods = candidate.NodeMethods;
    const publicApi = require('tree-sitter') as { TreeCursor: unknown };
    if (
      candidate.TreeCursor === publicApi.TreeCursor &&
      candidate.nodeTransferArray instanceof Uint32Array &&
      methods &&
      ['children', 'hasError', 'isMissing', 'startIndex'].every((name) => typeof (methods as Record<string, unknown>)[name] === 'function')
    ) {
      binding = candidate as NodeMethodsBinding;
    }
  } catch {
    binding = null;
  }
  return binding;
}

/**
 * Through NodeMethods: a node is its six words (id, start byte, start point, alias) in the
 * transfer array. `children` writes the words of each child it does not hand over as a cached
 * node object, in order. null when the binding is not as expected or disagrees with the public
 * API about the root.
 */
export function readErrorMarksDirect(tree: Parser.Tree, root: Parser.SyntaxNode): ErrorMarks | null {
  const native = nodeMethodsBinding();
  if (!native) return null;
  const methods = native.NodeMethods;
  const rootWords = wordsOfNodeObject(root);
  if (!rootWords) return null;
  const select = (words: ArrayLike<number>, at: number): void => {
    const transfer = native.nodeTransferArray;
    for (let i = 0; i < WORDS_PER_NODE; i++) transfer[i] = words[at + i];
  };
  select(rootWords, 0);
  if (methods.hasError(tree) !== root.hasError) return null;

  const marks: ErrorMarks = { flags: [], missingStarts: [] };
  let consistent = true;
  const visit = (words: ArrayLike<number>, at: number): void => {
    select(words, at);
    if (methods.hasError(tree) !== true) {
      marks.flags.push(0);
      return;
    }
    const children = methods.children(tree);
    if (!Array.isArray(children)) {
      consistent = false;
      return;
    }
    if (children.length === 0) {
      select(words, at);
      if (methods.isMissing(tree) === true) {
        marks.flags.push(HAS_ERROR_MARK | MISSING_MARK);
        marks.missingStarts.push(methods.startIndex(tree) as number);
        return;
      }
    }
    marks.flags.push(HAS_ERROR_MARK);
    // The children's words, before the next call overwrites the transfer array.
    const transferred = native.nodeTransferArray.slice(0, children.length * WORDS_PER_NODE);
    let next = 0;
    for (const child of children) {
      if (typeof child === 'number') {
        visit(transferred, next);
        next += WORDS_PER_NODE;
      } else {
        const cached = child !== null && typeof child === 'object' ? wordsOfNodeObject(child) : null;
        if (!cached) {
          consistent = false;
          return;
        }
        visit(cached, 0);
      }
      if (!consistent) return;
    }
  };
  visit(rootWords, 0);
  return consistent ? marks : null;
}

/** A public node object holds its six words as the properties 0 to 5. */
function wordsOfNodeObject(node: unknown): number[] | null {
  const words: number[] = [];
  for (let i = 0; i < WORDS_PER_NODE; i++) {
    const word = (node as Record<number, unknown>)[i];
    if (typeof word !== 'number') return null;
    words.push(word);
  }
  return words;
}
