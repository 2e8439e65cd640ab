// The second pre-filter, after the identifiers: what the type index knows
// about the functions a file calls. A rule declares it (Rule.requiresInIndex);
// a file that fails it is not parsed for that rule.
//
// The file's own side is read from its tokens, not from the index's call
// records: those count only calls inside what the token scan takes for a
// function body, while the rule reads the syntax tree. Any call whose `)` is
// followed by `;` and which starts where a statement can start is taken, in
// or out of a body, so that every call the tree holds as a statement of its
// own is among them.

import type { IndexRequirement } from '../rule';
import type { Knowledge } from '../knowledge';
import { tokenize } from '../frontend/lexer';
import { TokenScan } from '../types/body-facts';
import { indexKey, Located } from '../types/facts';
import { ANY_TIER, LookupRecorder, tallyKey } from '../types/lookup-keys';

/** Keywords followed by a parenthesis, never a callee: `while (0);` ends a do loop. */
const KEYWORDS = new Set(['if', 'while', 'for', 'switch', 'return', 'sizeof']);
/** Tokens after which a statement can start (`else` and `do` too); a directive line is looked through. */
const STATEMENT_BOUNDARY = new Set([';', '{', '}', ':', ')']);

/** Words before a name and its `(` that do not make it a declaration. */
const NOT_A_RETURN_TYPE = new Set(['return', 'else', 'do', 'case', 'goto', 'sizeof', 'typeof', '__typeof__']);

/** What a file's tokens say about its calls. */
export interface FileCalls {
  /** Every name called as `name(...);` where a statement can start: a superset of the calls whose result is dropped. */
  dropped: Set<string>;
  /**
   * Names declared or defined in the file itself (`int foo(`, `*foo(`), and
   * whether every such declaration returns plain `void`. The index's facts of
   * the file come from a parse with the bodies blanked, which can miss a
   * definition the full parse sees: the file's own word counts for these.
   */
  declaredHere: Map<string, { void: boolean }>;
}

export function fileCalls(text: string): FileCalls {
  const scan = new TokenScan(text, tokenize(text));
  const dropped = new Set<string>();
  const declaredHere = new Map<string, { void: boolean }>();
  for (let t = 0; t < scan.tokens.count; t++) {
    const name = scan.word(t);
    if (!name || KEYWORDS.has(name)) continue;
    const open = scan.next(t);
    if (scan.punct(open) !== '(') continue;
    const typeWord = scan.word(scan.previous(t));
    if ((typeWord && !NOT_A_RETURN_TYPE.has(typeWord)) || scan.punct(scan.previous(t)) === '*') {
      const known = declaredHere.get(name);
      declaredHere.set(name, { void: (known?.void ?? true) && typeWord === 'void' });
    }
    const close = scan.partner[open];
    // An unmatched bracket (an #if half) could hide the `;`: keep the call.
    if (close >= 0 && scan.punct(scan.next(close)) !== ';') continue;
    const before = scan.previous(t);
    if (before >= 0 && !STATEMENT_BOUNDARY.has(scan.punct(before))) {
      const word = scan.word(before);
      if (word !== 'else' && word !== 'do') continue;
    }
    dropped.add(name);
  }
  return { dropped, declaredHere };
}

/** Where the index's declarations come from: every file's, the analysed file's as the index (or a patch) has it. */
export interface IndexView {
  declarations(key: string): readonly Located[];
}

/**
 * Does the file meet the rule's requirement? `calls`: fileCalls() of the
 * text the rule's parse reads. The keys consulted are told to `recorder` as
 * depending on every declaration (a cached result must be redone when any of them changes).
 */
export function meetsIndexRequirement(
  requirement: IndexRequirement,
  calls: FileCalls,
  index: IndexView,
  knowledge: Knowledge,
  recorder?: LookupRecorder,
  lowTierWanted = true,
): boolean {
  const { droppedCall } = requirement;
  const aboveLow = lowTierWanted ? undefined : droppedCall.aboveLow;
  const usedSites = (name: string): number => {
    const callsKey = indexKey('calls', name);
    recorder?.add(tallyKey(callsKey), ANY_TIER);
    let used = 0;
    for (const record of index.declarations(callsKey)) if (record.kind === 'calls') used += record.used;
    return used;
  };
  const excepted = (droppedCall.exceptKnowledge ?? []).map((table) => knowledge.table(table));
  const failing = knowledge.table(droppedCall.failing.knowledge);
  for (const name of calls.dropped) {
    if (droppedCall.exceptWithoutLowercase && !/[a-z]/.test(name)) continue;
    if (excepted.some((table) => table.lookup(name))) continue;
    if (failing.lookup(name)) return true;
    // Declared here with a return value: the file's own parse may know more than the index does.
    const here = calls.declaredHere.get(name);
    if (here && !here.void) return true;
    const functionKey = indexKey('ordinary', name);
    recorder?.add(functionKey, ANY_TIER);
    const functions = index.declarations(functionKey).filter((d) => d.kind === 'function');
    if (droppedCall.exceptVoid && functions.length > 0 && functions.every((d) => d.kind === 'function' && d.ret.k === 'void')) continue;
    const definedFailing = functions.filter((d) => d.kind === 'function' && d.definition && (d.failure?.errors?.length || d.failure?.returnsResultOf?.length));
    if (definedFailing.length > 0) {
      if (!aboveLow) return true;
      // Passing another call's result on can reach a knowledge row (a path class).
      if (definedFailing.some((d) => d.kind === 'function' && d.failure?.returnsResultOf?.length)) return true;
      if (usedSites(name) >= aboveLow.usedAtLeast) return true;
      continue;
    }
    if (droppedCall.orUsedAtLeast !== undefined && !aboveLow && usedSites(name) >= droppedCall.orUsedAtLeast) return true;
  }
  return false;
}
