// Does a function report failure through its return value, and how do we
// know? From the knowledge table of error-returning kernel functions, from
// its definition's body (an errno return, or the result of another such
// function passed on), and from how its callers across the tree treat it.

import type { KnowledgeTable } from '../knowledge';
import type { FunctionDecl, Located } from '../types/facts';
import type { CallTally, FileScope } from '../types/type-index';

export interface Failure {
  /** What failure looks like, in words: `-EFAULT`, `a negative errno, or fewer pages than asked for`. */
  looksLike: string;
  /** The knowledge table's path class (fault, gup, copy, alloc, io), when the chain ends in a known function. */
  pathClass?: string;
  /** How we know, one step per line: `foo() returns the result of bar() (x.c:10)`, `bar() returns -ENOMEM at y.c:20`. */
  steps: string[];
  /** The definition the chain starts from, when it starts from one. */
  definition?: Located<FunctionDecl>;
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
    const definitions = this.scope.definitions(name);
    for (const definition of definitions) {
      const error = definition.failure?.error;
      if (error) return { looksLike: error.code, steps: [`${name}() returns ${error.code} at ${definition.file}:${error.line}`], definition };
    }
    if (seen.size >= MAX_CHAIN) return null;
    for (const definition of definitions) {
      for (const callee of definition.failure?.returnsResultOf ?? []) {
        if (seen.has(callee)) continue;
        const inner = this.lookup(callee, seen);
        if (inner) {
          return {
            ...inner,
            steps: [`${name}() returns the result of ${callee}() (${definition.file}:${definition.line})`, ...inner.steps],
            definition,
          };
        }
      }
    }
    return null;
  }
}
