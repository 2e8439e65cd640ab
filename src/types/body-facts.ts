// What function bodies say about failure, read from tokens (no parse): which
// functions return an error code, whose results they pass on, and how every
// call's result is used. Part of a file's facts, so the whole tree's answers
// come from the index: "does foo() fail?", "do its callers check it?".

import { TokenKind, TokenList, tokenize } from '../frontend/lexer';

/** How a function reports failure, as far as its own body shows. */
export interface FailureSummary {
  /** The first error return: `return -EFAULT`, `return PTR_ERR(p)`, `return VM_FAULT_SIGBUS`, or a variable set to one and returned. */
  error?: { code: string; line: number };
  /** Functions whose result this one returns as its own: `return foo(...)`, or `ret = foo(...); ... return ret;`. */
  returnsResultOf?: string[];
}

/** How the results of calls to one function are used in one file. */
export interface CallUses {
  name: string;
  /** Line of the first call. */
  line: number;
  /** The result is used: assigned, tested, passed on, returned. */
  used: number;
  /** The call is a statement of its own: the result is dropped. */
  discarded: number;
  /** Cast to void: dropped on purpose. */
  voided: number;
}

export interface BodyFacts {
  /** By the offset of each function body's opening brace. */
  failures: Map<number, FailureSummary>;
  calls: CallUses[];
}

const ERRNO = /^E[A-Z0-9]+$/;
const VM_FAULT_FAILURE = /^VM_FAULT_(OOM|SIGBUS|SIGSEGV|HWPOISON\w*)$/;
/** Errors held in a pointer, turned back into an errno. */
const ERROR_FROM_POINTER = new Set(['PTR_ERR', 'PTR_ERR_OR_ZERO']);
const NOT_CALLS = new Set([
  'if', 'while', 'for', 'switch', 'return', 'sizeof', 'typeof', '__typeof__', '__typeof', '_Generic', 'defined', 'do', 'else',
  'case', 'alignof', '_Alignof', '__alignof__', '__attribute__', '__attribute', 'asm', '__asm__', '__asm', 'volatile', '__volatile__',
  'likely', 'unlikely', 'offsetof', '__builtin_expect', 'void', 'int', 'long', 'char', 'unsigned', 'signed', 'short',
]);
const CONTROL_HEADS = new Set(['if', 'while', 'for', 'switch']);
const OPERATOR_BEFORE_EQUALS = new Set('=!<>+-*/%&|^'.split('').map((c) => c.charCodeAt(0)));

/**
 * Summarises every function body of `text` (a top-level `{` right after a
 * `)`, as the skeleton sees them). `lineOf` maps an offset to its 1-based line.
 */
export function bodyFacts(text: string, lineOf: (offset: number) => number, tokens: TokenList = tokenize(text)): BodyFacts {
  const scan = new TokenScan(text, tokens);
  const failures = new Map<number, FailureSummary>();
  const calls = new Map<string, CallUses>();
  for (const [open, close] of scan.functionBodies()) {
    const failure = summariseBody(scan, open, close, lineOf);
    if (failure) failures.set(tokens.start[open], failure);
    countCalls(scan, open, close, lineOf, calls);
  }
  return { failures, calls: [...calls.values()] };
}

/** Tokens with their matching brackets, and the small questions asked of them. */
class TokenScan {
  /** For each bracket token, the index of its partner (-1: none, or not a bracket). */
  readonly partner: Int32Array;

  constructor(readonly text: string, readonly tokens: TokenList) {
    this.partner = new Int32Array(tokens.count).fill(-1);
    const open: number[] = [];
    for (let t = 0; t < tokens.count; t++) {
      const c = this.punct(t);
      if (c === '(' || c === '{' || c === '[') open.push(t);
      else if (c === ')' || c === '}' || c === ']') {
        const want = c === ')' ? '(' : c === '}' ? '{' : '[';
        // Unbalanced text (#if halves): drop unmatched openers of another kind.
        while (open.length && this.punct(open[open.length - 1]) !== want) open.pop();
        const o = open.pop();
        if (o !== undefined) {
          this.partner[o] = t;
          this.partner[t] = o;
        }
      }
    }
  }

  /** Bodies as [open brace, close brace] token pairs. */
  *functionBodies(): Generator<[number, number]> {
    const { tokens } = this;
    for (let t = 0; t < tokens.count; t++) {
      if (this.punct(t) !== '{') continue;
      const close = this.partner[t];
      if (close < 0) continue;
      const before = this.previous(t);
      if (before >= 0 && this.punct(before) === ')') yield [t, close];
      t = close;
    }
  }

  punct(t: number): string {
    return t >= 0 && t < this.tokens.count && this.tokens.kind[t] === TokenKind.Punct ? this.text[this.tokens.start[t]] : '';
  }

  word(t: number): string {
    return t >= 0 && t < this.tokens.count && this.tokens.kind[t] === TokenKind.Identifier
      ? this.text.slice(this.tokens.start[t], this.tokens.end[t])
      : '';
  }

  /** The previous token that is not a directive. */
  previous(t: number): number {
    let p = t - 1;
    while (p >= 0 && this.tokens.kind[p] === TokenKind.Directive) p--;
    return p;
  }

  next(t: number): number {
    let n = t + 1;
    while (n < this.tokens.count && this.tokens.kind[n] === TokenKind.Directive) n++;
    return n;
  }

  /** A lone `=` (not `==`, `<=`, `+=`...). */
  isAssign(t: number): boolean {
    if (this.punct(t) !== '=') return false;
    const at = this.tokens.start[t];
    return !OPERATOR_BEFORE_EQUALS.has(this.text.charCodeAt(at - 1)) && this.text.charCodeAt(at + 1) !== 61;
  }

  /** If token t starts a call `name(...)` ending the expression (`;` follows), the name. */
  callEndingStatement(t: number): string {
    const name = this.word(t);
    const open = this.next(t);
    if (!name || this.punct(open) !== '(') return '';
    const close = this.partner[open];
    return close >= 0 && this.punct(this.next(close)) === ';' ? name : '';
  }
}

function summariseBody(scan: TokenScan, open: number, close: number, lineOf: (offset: number) => number): FailureSummary | null {
  const { tokens } = scan;
  let error: FailureSummary['error'];
  const direct = new Set<string>();
  const returnedVariables = new Set<string>();
  const errorVariables = new Map<string, { code: string; line: number }>();
  const resultVariables = new Map<string, Set<string>>();
  const lineAt = (t: number) => lineOf(tokens.start[t]);

  /** An error value starting at token v: `-EFOO`, `(-EFOO)`, `PTR_ERR(...)`, `VM_FAULT_SIGBUS`. */
  const errorAt = (v: number): string => {
    let t = v;
    if (scan.punct(t) === '(') t = scan.next(t);
    if (scan.punct(t) === '-' && ERRNO.test(scan.word(scan.next(t)))) return `-${scan.word(scan.next(t))}`;
    const word = scan.word(t);
    if (VM_FAULT_FAILURE.test(word)) return word;
    if (ERROR_FROM_POINTER.has(word) && scan.punct(scan.next(t)) === '(') return `${word}()`;
    return '';
  };

  for (let t = open + 1; t < close; t++) {
    if (tokens.kind[t] !== TokenKind.Identifier) continue;
    const word = scan.word(t);
    if (word === 'return') {
      const value = scan.next(t);
      const code = errorAt(value);
      if (code) {
        error ??= { code, line: lineAt(t) };
        continue;
      }
      const called = scan.callEndingStatement(value);
      if (called && !NOT_CALLS.has(called)) direct.add(called);
      else if (scan.word(value) && scan.punct(scan.next(value)) === ';') returnedVariables.add(scan.word(value));
      continue;
    }
    const assign = scan.next(t);
    if (!scan.isAssign(assign)) continue;
    const value = scan.next(assign);
    const code = errorAt(value);
    if (code) {
      if (!errorVariables.has(word)) errorVariables.set(word, { code, line: lineAt(value) });
      continue;
    }
    const called = scan.callEndingStatement(value);
    if (called && !NOT_CALLS.has(called)) {
      let set = resultVariables.get(word);
      if (!set) resultVariables.set(word, (set = new Set()));
      set.add(called);
    }
  }

  for (const variable of returnedVariables) {
    const viaVariable = errorVariables.get(variable);
    if (viaVariable && (!error || viaVariable.line < error.line)) error = viaVariable;
    for (const called of resultVariables.get(variable) ?? []) direct.add(called);
  }
  if (!error && direct.size === 0) return null;
  return { ...(error ? { error } : {}), ...(direct.size ? { returnsResultOf: [...direct] } : {}) };
}

function countCalls(scan: TokenScan, open: number, close: number, lineOf: (offset: number) => number, into: Map<string, CallUses>): void {
  const { tokens } = scan;
  for (let t = open + 1; t < close; t++) {
    if (tokens.kind[t] !== TokenKind.Identifier) continue;
    const name = scan.word(t);
    const paren = scan.next(t);
    if (scan.punct(paren) !== '(' || NOT_CALLS.has(name) || !/[a-z]/.test(name)) continue;
    // `foo->bar(` and `foo.bar(` call through a pointer member: not a function of that name.
    const before = scan.previous(t);
    const beforeChar = scan.punct(before);
    if (beforeChar === '.' || (beforeChar === '>' && scan.text[tokens.start[before] - 1] === '-')) continue;
    let uses = into.get(name);
    if (!uses) into.set(name, (uses = { name, line: lineOf(tokens.start[t]), used: 0, discarded: 0, voided: 0 }));
    const endsStatement = scan.punct(scan.next(scan.partner[paren])) === ';';
    if (!endsStatement) uses.used++;
    else if (isVoidCast(scan, before)) uses.voided++;
    else if (startsStatement(scan, before)) uses.discarded++;
    else uses.used++;
  }
}

/** `(void)` right before the call. */
function isVoidCast(scan: TokenScan, before: number): boolean {
  if (scan.punct(before) !== ')') return false;
  const inner = scan.previous(before);
  return scan.word(inner) === 'void' && scan.punct(scan.previous(inner)) === '(';
}

/** Does the token before a call end what came before, so that the call starts a statement? */
function startsStatement(scan: TokenScan, before: number): boolean {
  const c = scan.punct(before);
  if (c === ';' || c === '{' || c === '}') return true;
  const word = scan.word(before);
  if (word === 'else' || word === 'do') return true;
  if (c === ':') return isLabelColon(scan, before);
  if (c === ')') {
    // The end of a control header (`if (...)`, `while (...)`, a for-each macro's `list_for_each_entry(...)`).
    const open = scan.partner[before];
    if (open < 0) return false;
    const head = scan.word(scan.previous(open));
    return CONTROL_HEADS.has(head) || (!!head && !NOT_CALLS.has(head));
  }
  return false;
}

/** A label's, a `case`'s or `default`'s colon (not the `?:` operator's). */
function isLabelColon(scan: TokenScan, colon: number): boolean {
  for (let t = scan.previous(colon); t >= 0; t = scan.previous(t)) {
    const c = scan.punct(t);
    if (c === ';' || c === '{' || c === '}') {
      const first = scan.next(t);
      const word = scan.word(first);
      return word === 'case' || word === 'default' || (!!word && scan.next(first) === colon);
    }
    if (c === '?') return false;
  }
  return false;
}
