// The parser: kernel-aware normalisation, then tree-sitter-c. One parser per
// thread; the tree's offsets are those of the original text.

import Parser = require('tree-sitter');
import C = require('tree-sitter-c');
import type { HintTable } from './hints';
import type { TokenList } from './lexer';
import { LineIndex } from './lines';
import { normalise, NormaliseResult } from './normalise';

import { SyntaxNode, SyntaxTable } from './syntax-table';
import { WARM_UP_COPIES, WARM_UP_SOURCE } from './tree-copy';

export { SyntaxNode, SyntaxTable };
/** A parsed file's tree, as the analyses read it: flat, copied once from tree-sitter's. */
export type Tree = SyntaxTable;

export interface ParsedFile {
  /** Path as shown to the user. */
  path: string;
  /** The file as it is on disk. */
  text: string;
  /** The text tree-sitter parsed: same length and newlines, kernel macros rewritten. */
  parsedText: string;
  tree: Tree;
  lines: LineIndex;
  rewrites: NormaliseResult['rewrites'];
  /** The tokens of `text`, when the normaliser made them (a file's #define and #include lines are read from them). */
  tokens?: TokenList;
}

export const C_LANGUAGE = C as unknown as Parser.Language;

let sharedParser: Parser | null = null;

function parser(): Parser {
  if (!sharedParser) {
    sharedParser = new Parser();
    sharedParser.setLanguage(C_LANGUAGE);
    warmUpCopy(sharedParser);
  }
  return sharedParser;
}

/**
 * Copies WARM_UP_SOURCE a few times: V8 records type feedback only once a function has run
 * several times, and the optimised copy walk is thrown away at the first path without any.
 */
function warmUpCopy(fresh: Parser): void {
  const tree = fresh.parse(WARM_UP_SOURCE);
  for (let i = 0; i < WARM_UP_COPIES; i++) SyntaxTable.fromTree(tree, WARM_UP_SOURCE);
}

// tree-sitter's default input buffer is small; one the size of the text hands it over in one piece.
// (Not a fixed large size: the binding allocates the whole buffer on every parse, which cost 0.23 ms
// per parse, ten times the parse of a short macro body.)

export function parseC(text: string): Tree {
  return SyntaxTable.fromTree(parseNative(text), text);
}

/** tree-sitter's own tree, for the syntax table's tests; analyses use parseC. */
export function parseNative(text: string): Parser.Tree {
  return parser().parse(text, undefined, { bufferSize: text.length + 1 });
}

export interface ParseOptions {
  hints: HintTable;
  /** Skip the kernel-aware normalisation (parse-stats --raw). */
  raw?: boolean;
  /** How the file's bytes were decoded, so columns count the file's bytes. */
  encoding?: 'utf8' | 'latin1';
  /** The text already normalised with these hints (a pre-filter read it first). */
  normalised?: NormaliseResult;
}

export function parseFile(path: string, text: string, options: ParseOptions): ParsedFile {
  const normalised = options.raw
    ? { text, rewrites: { hint: 0, iterator: 0, 'type-argument': 0, 'case-range': 0, conditional: 0 } }
    : (options.normalised ?? normalise(text, options.hints));
  return {
    path,
    text,
    parsedText: normalised.text,
    tree: parseC(normalised.text),
    lines: new LineIndex(text, options.encoding),
    rewrites: normalised.rewrites,
    ...('tokens' in normalised ? { tokens: normalised.tokens } : {}),
  };
}

/** Source text of a node as written in the file (not the normalised text). */
export function originalText(file: ParsedFile, node: SyntaxNode): string {
  return file.text.slice(node.startIndex, node.endIndex);
}
