// Kernel-aware normalisation: rewrites kernel macros that tree-sitter-c cannot
// parse into plain C of exactly the same length, keeping every newline where it
// was, so that every offset, line and column in the tree is the real one.
//
// Three kinds of rewrite:
//  - macro hints (data/kernel-macros.h and user files): attributes blanked,
//    declarators and iterators laid out in place (see hints.ts);
//  - shape heuristics for macros nobody listed: `name(...) {` at statement
//    level is an iterator and reads as `while (...)`; an argument that is a
//    type (`container_of(p, struct foo, m)`) reads as one identifier;
//    GNU case ranges `case 1 ... 3` read as `case 1 +   3`;
//  - conditional compilation that splits a construct (`#ifdef` around half an
//    `if`, inside an initializer, around a function header) keeps its first
//    branch only; `#if 0` blocks are dropped.

import { TokenKind, TokenList, isIdentChar, tokenize } from './lexer';
import type { HintTable, MacroHint } from './hints';
import { blankConditionals } from './conditionals';
import { NameFilter } from './name-filter';

export interface NormaliseResult {
  /** Same length as the input, same newlines. */
  text: string;
  /** Number of rewrites applied, by kind (for parse-stats). */
  rewrites: Record<RewriteKind, number>;
  /** The tokens of the input (not of `text`). */
  tokens: TokenList;
}

export type RewriteKind = 'hint' | 'iterator' | 'type-argument' | 'case-range' | 'conditional';

const C_KEYWORDS = new Set([
  'auto', 'break', 'case', 'char', 'const', 'continue', 'default', 'do', 'double', 'else', 'enum', 'extern',
  'float', 'for', 'goto', 'if', 'inline', 'int', 'long', 'register', 'restrict', 'return', 'short', 'signed',
  'sizeof', 'static', 'struct', 'switch', 'typedef', 'union', 'unsigned', 'void', 'volatile', 'while', '_Bool',
  '_Alignof', '_Alignas', '_Generic', '_Static_assert', 'typeof', '__typeof__', '__typeof', 'asm', '__asm__',
  '__asm', 'offsetof', '__builtin_offsetof', '__alignof__', '__alignof', '__attribute__', '__attribute',
  '__extension__', '__builtin_va_arg', 'defined', '__volatile__', '__inline__', '__inline', '__restrict',
  '__restrict__', '_Atomic', '_Noreturn', '__thread', '_Thread_local',
]);

/** Words that make an argument a type rather than an expression. */
const TYPE_WORDS = new Set([
  'struct', 'union', 'enum', 'unsigned', 'signed', 'char', 'short', 'int', 'long', 'float', 'double', 'void',
  '_Bool', 'const', 'volatile',
]);

const TYPE_WORD_LENGTHS = [...TYPE_WORDS].map((word) => word.length);
const SHORTEST_TYPE_WORD = Math.min(...TYPE_WORD_LENGTHS);
const LONGEST_TYPE_WORD = Math.max(...TYPE_WORD_LENGTHS);

/** A macro call followed by one of these starts a loop body, not an expression. */
const STATEMENT_KEYWORDS = new Set(['if', 'for', 'while', 'do', 'switch', 'return', 'goto', 'break', 'continue']);

/** `static DEFINE_RATELIMIT_STATE(rs, HZ, 5);`: declares its first argument. */
const DECLARATOR_MACRO = /^_*(DEFINE|DECLARE)_[A-Z0-9_]+$/;

const DECLARATOR_SHORTEST = 'DEFINE_X'.length;

/** DECLARATOR_MACRO's test, run only on names that can match (a regex call for every identifier was a good part of the scan). */
function mayBeDeclaratorMacro(name: string): boolean {
  const first = name.charCodeAt(0);
  return (first === 68 || first === 95) && DECLARATOR_MACRO.test(name); // 'D' or '_'
}

const nameFilters = new WeakMap<HintTable, NameFilter>();

/** The identifiers the scan must look at by name: hinted macros, keywords, possible declarator macros. */
function nameFilterFor(hints: HintTable): NameFilter {
  let filter = nameFilters.get(hints);
  if (!filter) {
    filter = new NameFilter([...hints.keys(), ...C_KEYWORDS]).addPrefix(68, DECLARATOR_SHORTEST).addPrefix(95, DECLARATOR_SHORTEST);
    nameFilters.set(hints, filter);
  }
  return filter;
}
const DECLARES_FIRST_ARGUMENT: MacroHint = {
  name: '(DEFINE_* declarator)',
  params: ['name', '...'],
  variadic: true,
  usedParams: [0],
  literals: [
    { text: 'int ', pasteBefore: false, pasteAfter: false },
    { text: '', pasteBefore: false, pasteAfter: false },
  ],
  origin: 'built-in heuristic',
};

const SPACE = 32;
const NEWLINE = 10;
const CR = 13;

/** `tokens`: the text's tokens, when the caller has them already. */
export function normalise(text: string, hints: HintTable, tokens?: TokenList): NormaliseResult {
  if (!warmedUp) warmUp(hints);
  return new Normaliser(text, hints, tokens ?? tokenize(text)).run();
}

let warmedUp = false;

/**
 * Normalises WARM_UP_SOURCE a few times, once per thread, before the first real text. V8
 * optimises a function with the type feedback its runs have left, and throws the optimised
 * code away at the first path without any: on real files the normaliser's rare paths (a
 * directive inside a call, a case range, an unlisted declarator...) came one at a time, and
 * each cost a recompilation of tokenize or scan (several per worker, each 10 to 40 ms of a
 * compiler thread). A text that takes every path gives the first compilation all of them.
 */
function warmUp(hints: HintTable): void {
  warmedUp = true;
  for (let i = 0; i < WARM_UP_NORMALISES; i++) {
    for (const source of [WARM_UP_SOURCE, WARM_UP_PLAIN_SOURCE]) new Normaliser(source, hints, tokenize(source)).run();
  }
}

/** A text with nothing to rewrite: the scan reads the file's own text, not an output buffer (WARM_UP_SOURCE always has one). */
export const WARM_UP_PLAIN_SOURCE = 'int f(int a)\n{\n\treturn g(a, "s") + h(a);\n}\n';

export const WARM_UP_NORMALISES = 4;

/** Every path of the lexer, the conditionals and the scan, in a few lines (see warmUp). */
export const WARM_UP_SOURCE = [
  '/* block */ // line \\',
  '  continued',
  '#include <linux/a.h>',
  '#define A(x) ((x) + 1) /* c */ \\',
  '\t"s" \'c\'',
  'static int __read_mostly a __aligned(8) = 0x1p-3 + 1e+5 + .5;',
  'DEFINE_PER_CPU(int, pc);',
  'static DEFINE_WARM_UP(wu, 1);',
  'EXPORT_SYMBOL(a);',
  'int f(struct s *p, ...);',
  '#if 0',
  'int dropped;',
  '#endif',
  '#ifdef CONFIG_A',
  'int g(int a)',
  '#else',
  'int g(long a)',
  '#endif',
  '{',
  '\tchar *m = KERN_ERR "x" NAME ": y" L"w" u8"v";',
  '\tstruct s *q = container_of(p, struct s, m);',
  '\tint n = min_t(unsigned int, a, (2));',
  '\tlist_for_each_entry(q, &h, list) {',
  '\t\tswitch (a) { case 1 ... 3: break; default: ; }',
  '\t}',
  '\tfor_each_thing(q) if (q) return 0; else do_it(q);',
  '\tfoo(a,',
  '#ifdef CONFIG_B',
  '\t    b,',
  '#elif defined(CONFIG_C)',
  '\t    c,',
  '#endif',
  '\t    d);',
  '#ifdef CONFIG_D',
  '\tif (a) {',
  '#else',
  '\tif (b) {',
  '#endif',
  '\t\ta++;',
  '\t}',
  '\tx = \'\\\'\' + "\\"" + \u00e9;',
  '\treturn a; }\r',
  '',
].join('\n');

class Normaliser {
  private readonly tokens: TokenList;
  private out: Uint16Array | null = null;
  /** Tokens already consumed by a rewrite (blanked or laid out); the scan skips them. */
  private readonly dead: Uint8Array;
  private readonly match: Int32Array;
  private readonly rewrites: Record<RewriteKind, number> = {
    hint: 0, iterator: 0, 'type-argument': 0, 'case-range': 0, conditional: 0,
  };

  constructor(
    private readonly text: string,
    private readonly hints: HintTable,
    tokens: TokenList,
  ) {
    this.tokens = tokens;
    this.dead = new Uint8Array(this.tokens.count);
    this.match = new Int32Array(this.tokens.count).fill(-1);
  }

  run(): NormaliseResult {
    const blanked = blankConditionals(this.text, this.tokens);
    for (const [first, last] of blanked) {
      this.blankTokens(first, last);
      this.rewrites.conditional++;
    }
    this.matchBrackets();
    this.scan();
    const text = this.out ? Buffer.from(this.out.buffer, this.out.byteOffset, this.out.byteLength).toString('utf16le') : this.text;
    return { text, rewrites: this.rewrites, tokens: this.tokens };
  }

  // ---- output buffer --------------------------------------------------------

  private buffer(): Uint16Array {
    if (!this.out) {
      // One native copy of the UTF-16 code units (a charCodeAt loop ran in the interpreter, cold).
      const out = new Uint16Array(this.text.length);
      Buffer.from(out.buffer, out.byteOffset, out.byteLength).write(this.text, 'utf16le');
      this.out = out;
    }
    return this.out;
  }

  private charAt(offset: number): number {
    return this.out ? this.out[offset] : this.text.charCodeAt(offset);
  }

  private blankRange(start: number, end: number): void {
    const out = this.buffer();
    for (let i = start; i < end; i++) {
      const c = out[i];
      if (c !== NEWLINE && c !== CR) out[i] = SPACE;
    }
  }

  private write(offset: number, literal: string): void {
    const out = this.buffer();
    for (let i = 0; i < literal.length; i++) out[offset + i] = literal.charCodeAt(i);
  }

  private blankTokens(first: number, last: number): void {
    const { start, end } = this.tokens;
    for (let t = first; t <= last; t++) this.dead[t] = 1;
    if (first <= last) this.blankRange(start[first], end[last]);
  }

  // ---- token helpers --------------------------------------------------------

  private matchBrackets(): void {
    // Fields read into locals: this loop runs over every token, unoptimised on a worker's first files.
    const { count, kind, start } = this.tokens;
    const { dead, match, text } = this;
    const stack: number[] = [];
    for (let t = 0; t < count; t++) {
      if (dead[t] || kind[t] !== TokenKind.Punct) continue;
      const c = text.charCodeAt(start[t]);
      if (c === 40 || c === 91 || c === 123) stack.push(t);
      else if (c === 41 || c === 93 || c === 125) {
        const open = stack.pop();
        if (open === undefined) continue;
        match[open] = t;
        match[t] = open;
      }
    }
  }

  private punct(t: number): number {
    return this.tokens.kind[t] === TokenKind.Punct && this.tokens.end[t] - this.tokens.start[t] === 1
      ? this.text.charCodeAt(this.tokens.start[t])
      : -1;
  }

  private word(t: number): string {
    return this.text.slice(this.tokens.start[t], this.tokens.end[t]);
  }

  private nextLive(t: number): number {
    for (let u = t + 1; u < this.tokens.count; u++) if (!this.dead[u] && this.tokens.kind[u] !== TokenKind.Directive) return u;
    return -1;
  }

  /** The previous token that still shows in the output, ignoring erased ones and directives. */
  private previousVisible(t: number): number {
    for (let u = t - 1; u >= 0; u--) {
      if (this.tokens.kind[u] === TokenKind.Directive) continue;
      if (this.charAt(this.tokens.start[u]) === SPACE && this.charAt(this.tokens.end[u] - 1) === SPACE) continue;
      return u;
    }
    return -1;
  }

  // ---- the scan -------------------------------------------------------------

  private scan(): void {
    const { count, kind, start, end } = this.tokens;
    const names = nameFilterFor(this.hints);
    const { dead, text } = this;
    let depth = 0;
    for (let t = 0; t < count; t++) {
      if (dead[t]) continue;
      const k = kind[t];
      if (k === TokenKind.Punct) {
        const c = end[t] - start[t] === 1 ? text.charCodeAt(start[t]) : -1; // punct(t), inline for the commonest tokens
        if (c === 123) depth++;
        else if (c === 125) depth = Math.max(0, depth - 1);
        else if (c === -1 && depth > 0) this.rewriteCaseRange(t);
        continue;
      }
      if (k !== TokenKind.Identifier) continue;
      if (names.mayHold(text, start[t], end[t])) {
        const name = this.word(t);
        const hint = this.hints.get(name);
        if (hint && this.applyHint(t, hint)) continue;
        if (mayBeDeclaratorMacro(name) && this.rewriteDeclaratorMacro(t)) continue;
        if (C_KEYWORDS.has(name)) continue;
      }
      const open = this.nextLive(t);
      if (this.rewriteStringMacro(t, open)) continue;
      if (depth === 0) continue;
      if (open < 0 || this.punct(open) !== 40 || this.match[open] < 0) continue;
      if (this.rewriteIterator(t, open)) continue;
      this.rewriteTypeArguments(t, open);
    }
  }

  // ---- hints ----------------------------------------------------------------

  /** Lays the hint's expansion out in place; false when it does not fit (the heuristics then get a go). */
  private applyHint(t: number, hint: MacroHint): boolean {
    const { start, end } = this.tokens;
    if (hint.params === null) {
      if (!this.layOutRegions([[start[t], end[t]]], hint)) return false;
      this.dead[t] = 1;
      return true;
    }
    const open = this.nextLive(t);
    if (open < 0 || this.punct(open) !== 40) return false;
    const close = this.match[open];
    if (close < 0) return false;
    const args = this.splitArguments(open, close);
    const arity = hint.params.length;
    const noArguments = arity === 0 && args.length === 1 && args[0].first > args[0].last;
    if (hint.variadic ? args.length < arity - 1 : args.length !== arity && !noArguments) return false;
    // The variadic parameter takes the remaining arguments, commas included.
    const spans = args.slice(0, hint.variadic ? arity - 1 : arity).map((a) => ({ ...a }));
    if (hint.variadic) {
      const rest = args.slice(arity - 1);
      spans.push(rest.length ? { first: rest[0].first, last: rest[rest.length - 1].last } : { first: close, last: close - 1 });
    }
    const used = hint.usedParams.map((i) => spans[i]);
    // A used argument that is empty has no text to keep in place: treat it as a gap.
    if (used.some((a) => a.first > a.last)) return false;
    const regions: [number, number][] = [];
    let regionStart = start[t];
    for (const arg of used) {
      regions.push([regionStart, start[arg.first]]);
      regionStart = end[arg.last];
    }
    regions.push([regionStart, end[close]]);
    if (!this.layOutRegions(regions, hint)) return false;
    // Everything outside the kept arguments is consumed.
    const keep = new Uint8Array(close - t + 1);
    for (const arg of used) for (let u = arg.first; u <= arg.last; u++) keep[u - t] = 1;
    for (let u = t; u <= close; u++) if (!keep[u - t]) this.dead[u] = 1;
    return true;
  }

  /** Writes hint.literals[i] into regions[i]; all or nothing. */
  private layOutRegions(regions: [number, number][], hint: MacroHint): boolean {
    const placements: { offset: number; text: string }[] = [];
    for (let i = 0; i < regions.length; i++) {
      const literal = hint.literals[i];
      const [from, to] = regions[i];
      if (literal.text === '') continue;
      const alignRight = literal.pasteAfter && !literal.pasteBefore;
      const offset = this.fit(from, to, literal.text.length, alignRight);
      if (offset < 0) return false;
      placements.push({ offset, text: literal.text });
    }
    for (const [from, to] of regions) this.blankRange(from, to);
    for (const p of placements) this.write(p.offset, p.text);
    this.rewrites.hint++;
    return true;
  }

  /** Offset in [from, to) where `length` characters fit on one line, or -1. */
  private fit(from: number, to: number, length: number, alignRight: boolean): number {
    if (alignRight) {
      let lineEnd = to;
      for (let i = to - 1; i >= from - 1; i--) {
        if (i < from || this.text.charCodeAt(i) === NEWLINE) {
          if (lineEnd - (i + 1) >= length) return lineEnd - length;
          lineEnd = i;
        }
      }
      return -1;
    }
    let lineStart = from;
    for (let i = from; i <= to; i++) {
      if (i === to || this.text.charCodeAt(i) === NEWLINE) {
        if (i - lineStart >= length) return lineStart;
        lineStart = i + 1;
      }
    }
    return -1;
  }

  private splitArguments(open: number, close: number): { first: number; last: number }[] {
    const args: { first: number; last: number }[] = [];
    let first = open + 1;
    for (let u = open + 1; u < close; u++) {
      if (this.dead[u] || this.tokens.kind[u] === TokenKind.Directive) continue;
      const c = this.punct(u);
      if ((c === 40 || c === 91 || c === 123) && this.match[u] > u) {
        u = this.match[u];
        continue;
      }
      if (c === 44) {
        args.push(this.trimArgument(first, u - 1));
        first = u + 1;
      }
    }
    args.push(this.trimArgument(first, close - 1));
    return args;
  }

  /** Drops directives and erased tokens at the ends of an argument span. */
  private trimArgument(first: number, last: number): { first: number; last: number } {
    while (first <= last && (this.dead[first] || this.tokens.kind[first] === TokenKind.Directive)) first++;
    while (last >= first && (this.dead[last] || this.tokens.kind[last] === TokenKind.Directive)) last--;
    return { first, last };
  }

  // ---- heuristics -----------------------------------------------------------

  /** `KERN_ERR "msg"`, `"x" DRV_NAME ": y"`: a macro next to a string literal is a string: read it as `""`. */
  /** `next`: this.nextLive(t). */
  private rewriteStringMacro(t: number, next: number): boolean {
    const { kind, start, end } = this.tokens;
    if (end[t] - start[t] < 2) return false;
    const nextIsString = next >= 0 && kind[next] === TokenKind.String;
    if (!nextIsString) {
      const prev = this.previousVisible(t);
      if (prev < 0 || kind[prev] !== TokenKind.String) return false;
    }
    this.blankRange(start[t], end[t]);
    this.write(start[t], '""');
    this.dead[t] = 1;
    this.rewrites.hint++;
    return true;
  }

  /** An unlisted DEFINE_x/DECLARE_x macro that ends a declaration reads as `int <first argument>`. */
  private rewriteDeclaratorMacro(t: number): boolean {
    const open = this.nextLive(t);
    if (open < 0 || this.punct(open) !== 40 || this.match[open] < 0) return false;
    const after = this.nextLive(this.match[open]);
    const end = after < 0 ? -1 : this.punct(after);
    if (end !== 59 && end !== 61) return false; // ';' or '='
    const first = this.splitArguments(open, this.match[open])[0];
    if (first.first !== first.last || this.tokens.kind[first.first] !== TokenKind.Identifier) return false;
    return this.applyHint(t, DECLARES_FIRST_ARGUMENT);
  }

  /** `name(args) {` or `name(args) stmt;` in a function body is an iterator macro: read it as `while (args)`. */
  private rewriteIterator(t: number, open: number): boolean {
    const close = this.match[open];
    const after = this.nextLive(close);
    if (after < 0) return false;
    const afterIsBody =
      this.punct(after) === 123 ||
      (this.tokens.kind[after] === TokenKind.Identifier && (STATEMENT_KEYWORDS.has(this.word(after)) || !C_KEYWORDS.has(this.word(after))));
    if (!afterIsBody || !this.atStatementStart(t)) return false;
    const { start, end } = this.tokens;
    if (end[t] - start[t] < 5) return false;
    this.blankRange(start[t], end[t]);
    this.write(start[t], 'while');
    this.rewrites.iterator++;
    return true;
  }

  private atStatementStart(t: number): boolean {
    const prev = this.previousVisible(t);
    if (prev < 0) return true;
    const c = this.punct(prev);
    if (c === 59 || c === 123 || c === 125 || c === 58 || c === 41) return true;
    if (this.tokens.kind[prev] === TokenKind.Identifier) {
      return this.outputIs(prev, 'else') || this.outputIs(prev, 'do');
    }
    return false;
  }

  /** Whether token t reads as `word` in the output (a rewrite may have left it shorter, padded with blanks). */
  private outputIs(t: number, word: string): boolean {
    let from = this.tokens.start[t];
    let to = this.tokens.end[t];
    while (from < to && this.charAt(from) === SPACE) from++;
    while (to > from && this.charAt(to - 1) === SPACE) to--;
    if (to - from !== word.length) return false;
    for (let i = 0; i < word.length; i++) if (this.charAt(from + i) !== word.charCodeAt(i)) return false;
    return true;
  }

  /** In a macro call, an argument such as `struct foo *` or `unsigned long` becomes the identifier `struct_foo__`. */
  private rewriteTypeArguments(t: number, open: number): void {
    const prev = this.previousVisible(t);
    // `int foo(struct bar *)` is a prototype, not a call.
    if (prev >= 0 && this.tokens.kind[prev] === TokenKind.Identifier) {
      if (!this.outputIs(prev, 'return') && !this.outputIs(prev, 'case') && !this.outputIs(prev, 'else') && !this.outputIs(prev, 'do')) return;
    }
    if (!this.holdsTypeWord(open, this.match[open])) return;
    for (const arg of this.splitArguments(open, this.match[open])) {
      if (arg.first <= arg.last && this.isTypeArgument(arg.first, arg.last)) this.identifierise(arg.first, arg.last);
    }
  }

  /** Whether a live identifier between two tokens is a TYPE_WORD: an argument can be a type only then. */
  private holdsTypeWord(open: number, close: number): boolean {
    const { kind, start, end } = this.tokens;
    for (let u = open + 1; u < close; u++) {
      if (this.dead[u] || kind[u] !== TokenKind.Identifier) continue;
      const length = end[u] - start[u];
      if (length >= SHORTEST_TYPE_WORD && length <= LONGEST_TYPE_WORD && TYPE_WORDS.has(this.word(u))) return true;
    }
    return false;
  }

  private isTypeArgument(first: number, last: number): boolean {
    let sawTypeWord = false;
    for (let u = first; u <= last; u++) {
      if (this.dead[u]) continue;
      const k = this.tokens.kind[u];
      if (k === TokenKind.Identifier) {
        if (TYPE_WORDS.has(this.word(u))) sawTypeWord = true;
        else if (C_KEYWORDS.has(this.word(u))) return false;
        continue;
      }
      if (k === TokenKind.Directive) continue;
      if (this.punct(u) === 42) continue;
      return false;
    }
    return sawTypeWord;
  }

  private identifierise(first: number, last: number): void {
    const from = this.tokens.start[first];
    const to = this.tokens.end[last];
    for (let i = from; i < to; i++) if (this.text.charCodeAt(i) === NEWLINE) return;
    const out = this.buffer();
    for (let i = from; i < to; i++) if (!isIdentChar(out[i])) out[i] = 95; // '_'
    // `int` alone would still be a keyword.
    let word = '';
    for (let i = from; i < to; i++) word += String.fromCharCode(out[i]);
    if (C_KEYWORDS.has(word)) out[from] = 95;
    for (let u = first; u <= last; u++) this.dead[u] = 1;
    this.rewrites['type-argument']++;
  }

  /** GNU case ranges: `case 'a' ... 'z':` reads as `case 'a' +   'z':`. */
  private rewriteCaseRange(t: number): void {
    const { start, end } = this.tokens;
    if (end[t] - start[t] !== 3 || this.text.charCodeAt(start[t]) !== 46) return;
    const prev = this.previousVisible(t);
    const c = prev >= 0 ? this.punct(prev) : -1;
    if (c === 44 || c === 40) return; // a variadic parameter list
    this.write(start[t], '+  ');
    this.rewrites['case-range']++;
  }
}
