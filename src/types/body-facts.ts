// What function bodies say about failure, read from tokens (no parse): which
// functions return an error code, whose results they pass on, and how every
// call's result is used. Part of a file's facts, so the whole tree's answers
// come from the index: "does foo() fail?", "do its callers check it?".

import { TokenKind, TokenList, tokenize } from '../frontend/lexer';
import { guardsOf, ParamGuard, parameterNames } from './param-guards';
import { conditionsAt } from './preproc-conditions';

/** One error the body returns. */
export interface ErrorReturn {
  /** `-EFAULT`, `PTR_ERR()`, `VM_FAULT_SIGBUS`. */
  code: string;
  line: number;
  /** Reached only when one of these parameter tests holds (`if (!buf) return -EINVAL;`). */
  guard?: ParamGuard[];
}

/** How a function reports failure, as far as its own body shows. */
export interface FailureSummary {
  /**
   * Every error return, in order: `return -EFAULT`, `return PTR_ERR(p)`,
   * `return VM_FAULT_SIGBUS`, or a variable set to one and returned (at the
   * line of the assignment).
   */
  errors?: ErrorReturn[];
  /** Functions whose result this one returns as its own: `return foo(...)`, or `ret = foo(...); ... return ret;`. */
  returnsResultOf?: string[];
  /** The config conditions the definition is compiled under: `CONFIG_FOO`, `!CONFIG_FOO` (a stub's). */
  conditions?: string[];
  /** Every error path (a returned errno, or a value returned from inside an `if`) logs first: `dev_err()`, `WARN_ON()`... */
  logs?: true;
  /**
   * Pointer parameters (0-based) the body writes through on every path
   * before it can return: `*mode = MODE_NONE;` (or `if (p) *p = ...;`) in
   * the body's own block before its first `return`, with no earlier `goto`
   * that could jump past it. A failed call has still written them.
   */
  writesFirst?: number[];
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
/** Calls that log a failure where it happens. */
const LOGS = /^(WARN|WARN_ON|WARN_ONCE|WARN_ON_ONCE|WARN_RATELIMIT|printk|DRM_ERROR|DRM_DEV_ERROR|\w+_(err|warn|crit|alert|emerg)(_once|_ratelimited|_probe)?)$/;
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
  const bodies = [...scan.functionBodies()];
  const conditions = conditionsAt(text, tokens, bodies.map(([open]) => open));
  for (const [open, close] of bodies) {
    const failure = summariseBody(scan, open, close, lineOf);
    if (failure) {
      const configs = (conditions.get(open) ?? []).filter((c) => /^!?CONFIG_/.test(c));
      if (configs.length) failure.conditions = configs;
      failures.set(tokens.start[open], failure);
    }
    countCalls(scan, open, close, lineOf, calls);
  }
  return { failures, calls: [...calls.values()] };
}

/** Tokens with their matching brackets, and the small questions asked of them. */
export class TokenScan {
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
  const errors: ErrorReturn[] = [];
  const direct = new Set<string>();
  const returnedVariables = new Set<string>();
  const errorVariables = new Map<string, ErrorReturn[]>();
  const resultVariables = new Map<string, Set<string>>();
  const params = parameterNames(scan, open);
  const blocks = new BlockStack(scan, open);
  let errorPaths = 0;
  let loggedPaths = 0;
  const lineAt = (t: number) => lineOf(tokens.start[t]);
  const errorReturn = (code: string, statement: number, line: number): ErrorReturn => {
    const guard = blocks.guardOf(statement, params);
    return { code, line, ...(guard ? { guard } : {}) };
  };
  const countPath = (statement: number) => {
    errorPaths++;
    if (blocks.logsBefore(statement)) loggedPaths++;
  };

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
    blocks.step(t);
    if (tokens.kind[t] !== TokenKind.Identifier) continue;
    const word = scan.word(t);
    if (word === 'return') {
      const value = scan.next(t);
      const code = errorAt(value);
      if (code) {
        errors.push(errorReturn(code, t, lineAt(t)));
        countPath(t);
        continue;
      }
      const called = scan.callEndingStatement(value);
      if (called && !NOT_CALLS.has(called)) direct.add(called);
      else if (scan.word(value) && scan.punct(scan.next(value)) === ';') returnedVariables.add(scan.word(value));
      if ((called || scan.word(value)) && blocks.conditional(t)) countPath(t);
      continue;
    }
    const assign = scan.next(t);
    if (!scan.isAssign(assign)) continue;
    const value = scan.next(assign);
    const code = errorAt(value);
    if (code) {
      let list = errorVariables.get(word);
      if (!list) errorVariables.set(word, (list = []));
      list.push(errorReturn(code, t, lineAt(value)));
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
    errors.push(...(errorVariables.get(variable) ?? []));
    for (const called of resultVariables.get(variable) ?? []) direct.add(called);
  }
  if (errors.length === 0 && direct.size === 0) return null;
  errors.sort((a, b) => a.line - b.line);
  const writesFirst = writtenBeforeReturning(scan, open, close, params);
  return {
    ...(errors.length ? { errors } : {}),
    ...(direct.size ? { returnsResultOf: [...direct] } : {}),
    ...(errorPaths > 0 && loggedPaths === errorPaths ? { logs: true as const } : {}),
    ...(writesFirst.length ? { writesFirst } : {}),
  };
}

/**
 * The parameters written through by a statement of the body's own block
 * (`*p = ...;`, or `if (p) *p = ...;`) before the body's first `return`,
 * when every `goto` before that statement jumps to a label before it too.
 */
function writtenBeforeReturning(scan: TokenScan, open: number, close: number, params: readonly string[]): number[] {
  const written = new Set<number>();
  if (params.length === 0) return [];
  const labels = new Set<string>();
  const gotos: string[] = [];
  let depth = 0;
  for (let t = open + 1; t < close; t++) {
    const c = scan.punct(t);
    if (c === '{' || c === '(') depth++;
    else if (c === '}' || c === ')') depth--;
    const word = scan.word(t);
    if (word === 'return') break;
    if (word === 'goto') gotos.push(scan.word(scan.next(t)));
    else if (word && scan.punct(scan.next(t)) === ':' && /^[;{}]$/.test(scan.punct(scan.previous(t)))) labels.add(word);
    if (depth !== 0) continue;
    const index = c === '*' ? assignedThrough(scan, t, open, params) : word === 'memset' ? zeroedByMemset(scan, t, params) : -1;
    if (index < 0 || !startsOwnStatement(scan, t, open, params[index])) continue;
    if (gotos.every((label) => labels.has(label))) written.add(index);
  }
  return [...written].sort((a, b) => a - b);
}

/**
 * `*p = value;` at token t (the `*`): the parameter's index, unless the value
 * is a bare local that a call was given by address before (`*dest = val;`
 * after `regmap_read(map, reg, &val)`): a failed call may have left it
 * unwritten, so the write passes garbage on rather than defining it.
 */
function assignedThrough(scan: TokenScan, t: number, open: number, params: readonly string[]): number {
  const target = scan.next(t);
  const index = params.indexOf(scan.word(target));
  const assign = scan.next(target);
  if (index < 0 || !scan.isAssign(assign)) return -1;
  const value = scan.next(assign);
  const name = scan.word(value);
  if (!name || params.includes(name) || scan.punct(scan.next(value)) !== ';') return index;
  for (let u = open + 1; u < t; u++) if (scan.punct(u) === '&' && scan.word(scan.next(u)) === name) return -1;
  return index;
}

/** `memset(p, ...)` at token t (the `memset`): the parameter's whole object is defined; its index. */
function zeroedByMemset(scan: TokenScan, t: number, params: readonly string[]): number {
  const open = scan.next(t);
  if (scan.punct(open) !== '(') return -1;
  const index = params.indexOf(scan.word(scan.next(open)));
  return index >= 0 && scan.punct(scan.next(scan.next(open))) === ',' ? index : -1;
}

/** Does the `*` at token t start a statement of the body's own block (after a label too), alone or under `if (p)` / `if (p != NULL)`? */
function startsOwnStatement(scan: TokenScan, t: number, open: number, param: string): boolean {
  const before = scan.previous(t);
  const c = scan.punct(before);
  if (before === open || c === ';' || c === '}' || c === ':') return true;
  if (c !== ')') return false;
  const paren = scan.partner[before];
  if (paren < 0 || scan.word(scan.previous(paren)) !== 'if') return false;
  const condition = scan.text.slice(scan.tokens.end[paren], scan.tokens.start[before]).replace(/\s+/g, '');
  const head = scan.previous(scan.previous(paren));
  return (condition === param || condition === `${param}!=NULL`) && (head === open || /^[;{}:]$/.test(scan.punct(head)));
}

/** The braces open around the token being read in a body, and what they say about it. */
class BlockStack {
  private readonly open: number[] = [];

  constructor(private readonly scan: TokenScan, private readonly body: number) {}

  /** Called for each token of the body in order. */
  step(t: number): void {
    const c = this.scan.punct(t);
    if (c === '{') this.open.push(t);
    else if (c === '}') this.open.pop();
  }

  /** The `(` of the `if` whose condition must hold for a statement starting at `statement` to run, innermost first. */
  private ifConditions(statement: number): number[] {
    const found: number[] = [];
    const braceless = this.ifHeadBefore(statement);
    if (braceless >= 0) found.push(braceless);
    for (let i = this.open.length - 1; i >= 0; i--) {
      const head = this.ifHeadBefore(this.open[i]);
      if (head >= 0) found.push(head);
    }
    return found;
  }

  /** If the token before `t` closes an `if (...)` header, its `(`; else -1. */
  private ifHeadBefore(t: number): number {
    const before = this.scan.previous(t);
    if (this.scan.punct(before) !== ')') return -1;
    const paren = this.scan.partner[before];
    return paren >= 0 && this.scan.word(this.scan.previous(paren)) === 'if' ? paren : -1;
  }

  /** Is the statement inside an `if`? */
  conditional(statement: number): boolean {
    return this.ifConditions(statement).length > 0;
  }

  /** The parameter tests of the innermost `if` around the statement that has any. */
  guardOf(statement: number, params: readonly string[]): ParamGuard[] | undefined {
    if (params.length === 0) return undefined;
    for (const paren of this.ifConditions(statement)) {
      const guard = guardsOf(this.scan, paren, this.scan.partner[paren], params);
      if (guard) return guard;
    }
    return undefined;
  }

  /** A logging call before the statement in its block, or in the condition of a braceless `if` over it. */
  logsBefore(statement: number): boolean {
    const braceless = this.ifHeadBefore(statement);
    const from = braceless >= 0 ? braceless : this.open.length ? this.open[this.open.length - 1] : this.body;
    for (let t = from + 1; t < statement; t++) {
      // Nested blocks are other paths.
      if (this.scan.punct(t) === '{' && this.scan.partner[t] > t && this.scan.partner[t] < statement) {
        t = this.scan.partner[t];
        continue;
      }
      if (LOGS.test(this.scan.word(t)) && this.scan.punct(this.scan.next(t)) === '(') return true;
    }
    return false;
  }
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
