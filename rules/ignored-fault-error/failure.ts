// Does a function report failure through its return value, and how do we
// know? From the knowledge table of error-returning kernel functions, from
// its definition's body (an errno return, or the result of another such
// function passed on), and from how its callers across the tree treat it.

import type { KnowledgeTable } from '../../src/knowledge';
import type { ErrorReturn } from '../../src/types/body-facts';
import type { FunctionDecl, Located } from '../../src/types/facts';
import { absentSymbols } from '../../src/types/preproc-conditions';
import type { CallTally, FileScope } from '../../src/types/type-index';

export interface Failure {
  /** What failure looks like, in words: `-EFAULT`, `a negative errno, or fewer pages than asked for`. */
  looksLike: string;
  /** The knowledge table's path class (fault, gup, copy, alloc, io), when the chain ends in a known function. */
  pathClass?: string;
  /** How we know, one step per line: `foo() returns the result of bar() (x.c:10)`, `bar() returns -ENOMEM at y.c:20`. */
  steps: string[];
  /** The definition the chain starts from, when it starts from one. */
  definition?: Located<FunctionDecl>;
  /** The callee's own error returns, when the failure is read from its body (not from a callee it passes on). */
  errors?: ErrorReturn[];
  /** Other functions whose failure the callee passes on (its errors can also come from them). */
  passesOn?: string[];
  /** The failure comes only from a config stub: the definition compiled when these symbols are not set. */
  stub?: { symbols: string[]; file: string; line: number };
  /** A definition on the chain logs every error path itself. */
  logs?: { name: string; file: string; line: number };
  /** Pointer parameters (0-based) the callee's definition writes on every path before it can return. */
  writesFirst?: number[];
}

const MAX_CHAIN = 4;

export class FailureInference {
  private readonly memo = new Map<string, Failure | null>();

  constructor(
    private readonly scope: FileScope,
    private readonly known: KnowledgeTable,
  ) {}

  /** How `name` reports failure, or null when nothing shows that it does. */
  failureOf(name: string): Failure | null {
    return this.lookup(name, new Set());
  }

  /** How callers across the tree use the result. */
  callUses(name: string): CallTally {
    return this.scope.callUses(name);
  }

  /** The function's visible definitions (for its return type). */
  definitions(name: string): Located<FunctionDecl>[] {
    return this.scope.definitions(name);
  }

  private lookup(name: string, seen: Set<string>): Failure | null {
    const memoised = this.memo.get(name);
    if (memoised !== undefined) return memoised;
    seen.add(name);
    const found = this.fromKnowledge(name) ?? this.fromDefinitions(name, seen);
    seen.delete(name);
    this.memo.set(name, found);
    return found;
  }

  private fromKnowledge(name: string): Failure | null {
    const row = this.known.lookup(name);
    if (!row) return null;
    const [pathClass, ...words] = row.fields;
    const looksLike = words.join(' ') || 'an error code';
    return { looksLike, ...(pathClass ? { pathClass } : {}), steps: [`${name}() reports failure as ${looksLike} (${row.origin})`] };
  }

  private fromDefinitions(name: string, seen: Set<string>): Failure | null {
    const visible = this.scope.definitions(name);
    const stubs = visible.filter((d) => this.stubSymbols(name, d).length > 0);
    // A stub is what the file sees; its real counterpart (in another file, or the other #if branch) says how the call fails when built.
    const real = stubs.length ? this.closest(this.scope.everyFunction(name).filter((d) => d.definition && this.stubSymbols(name, d).length === 0)) : visible;
    const found = this.fromBodies(name, real, seen);
    if (found || stubs.length === 0) return found;
    const stub = this.fromBodies(name, stubs, seen);
    if (!stub?.definition) return stub;
    const symbols = this.stubSymbols(name, stub.definition);
    return { ...stub, stub: { symbols, file: stub.definition.file, line: stub.definition.line } };
  }

  /** The definitions of the closest tier (everyFunction lists them closest first): another architecture's is not this file's. */
  private closest(definitions: Located<FunctionDecl>[]): Located<FunctionDecl>[] {
    if (definitions.length === 0) return definitions;
    const tier = this.scope.tierOf(definitions[0]);
    return definitions.filter((d) => this.scope.tierOf(d) === tier);
  }

  /**
   * The config symbols whose absence compiles this definition, when it is a
   * stub beside the real function (another prototype or definition of the
   * name, not under the same absence).
   */
  private stubSymbols(name: string, definition: Located<FunctionDecl>): string[] {
    const absent = absentSymbols(definition.failure?.conditions);
    if (absent.length === 0) return [];
    const others = this.scope
      .everyFunction(name)
      .filter((d) => !(d.file === definition.file && d.line === definition.line) && !absentSymbols(d.failure?.conditions).some((s) => absent.includes(s)));
    return others.length ? absent : [];
  }

  private fromBodies(name: string, definitions: Located<FunctionDecl>[], seen: Set<string>): Failure | null {
    for (const definition of definitions) {
      const errors = definition.failure?.errors;
      if (errors?.length) {
        const first = errors[0];
        return {
          looksLike: first.code,
          steps: [`${name}() returns ${first.code} at ${definition.file}:${first.line}`],
          definition,
          errors,
          ...(definition.failure?.returnsResultOf ? { passesOn: definition.failure.returnsResultOf } : {}),
          ...this.logged(name, definition),
          ...(definition.failure?.writesFirst ? { writesFirst: definition.failure.writesFirst } : {}),
        };
      }
    }
    if (seen.size >= MAX_CHAIN) return null;
    for (const definition of definitions) {
      for (const callee of definition.failure?.returnsResultOf ?? []) {
        if (seen.has(callee)) continue;
        const inner = this.lookup(callee, seen);
        if (inner) {
          const { errors: _innerErrors, passesOn: _innerPasses, writesFirst: _innerWrites, ...passed } = inner;
          return {
            ...passed,
            steps: [`${name}() returns the result of ${callee}() (${definition.file}:${definition.line})`, ...inner.steps],
            definition,
            ...(this.logged(name, definition) ?? {}),
            ...(definition.failure?.writesFirst ? { writesFirst: definition.failure.writesFirst } : {}),
          };
        }
      }
    }
    return null;
  }

  private logged(name: string, definition: Located<FunctionDecl>): { logs: Failure['logs'] } | undefined {
    return definition.failure?.logs ? { logs: { name, file: definition.file, line: definition.line } } : undefined;
  }
}
