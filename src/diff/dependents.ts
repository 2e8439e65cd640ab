// A patch can introduce or fix a bug in a file it does not touch: a header
// turns a struct member from unsigned long into int, and the truncation is in
// the .c file that stores into it; a function starts returning an errno, and
// the bug is its caller's that drops it. These are the untouched files whose
// analysis may differ between the two sides: .c files that include a changed
// header (or call a changed function) and mention a changed name.

import type { Member } from '../types/ctype';
import type { Decl, FileFacts } from '../types/facts';
import { createIdentifierMatcher } from '../input/prefilter';
import { decodeSource } from './tree-source';

/** At most this many dependent files are analysed per patch; the rest are named in a notice. */
export const MAX_DEPENDENTS = 64;

/** Names whose declaration differs between two versions of a file: changed members of records, other changed declarations. */
export function changedNames(before: FileFacts | null, after: FileFacts | null): Set<string> {
  const previous = declarationsByKey(before);
  const next = declarationsByKey(after);
  const names = new Set<string>();
  for (const key of new Set([...previous.keys(), ...next.keys()])) {
    const a = previous.get(key);
    const b = next.get(key);
    if (a && b && withoutLines(a) === withoutLines(b)) continue;
    if (a && b && (a.kind === 'struct' || a.kind === 'union') && (b.kind === 'struct' || b.kind === 'union')) {
      for (const member of changedMembers(a.members, b.members)) names.add(member);
    } else {
      names.add((a ?? b)!.name);
    }
  }
  names.delete('');
  return names;
}

/** Declarations keyed by kind and name; call records are not declarations their users depend on. */
function declarationsByKey(facts: FileFacts | null): Map<string, Decl> {
  const out = new Map<string, Decl>();
  for (const decl of facts?.decls ?? []) if (decl.kind !== 'calls') out.set(`${decl.kind} ${decl.name}`, decl);
  return out;
}

/** A declaration as its users see it: where it sits does not matter. */
function withoutLines(value: unknown): string {
  return JSON.stringify(value, (key, v: unknown) => (key === 'line' ? undefined : v));
}

function changedMembers(before: readonly Member[], after: readonly Member[]): string[] {
  const a = new Map(before.map((m) => [m.name, withoutLines(m)]));
  const b = new Map(after.map((m) => [m.name, withoutLines(m)]));
  return [...new Set([...a.keys(), ...b.keys()])].filter((name) => a.get(name) !== b.get(name));
}

/** What the index says about who depends on what, as the patch sees the tree. */
export interface DependencyFacts {
  /** The .c files whose #include lines reach one of `headers`. */
  includersOf(headers: ReadonlySet<string>): string[];
  /** The files that call `name` (the index's call records). */
  filesCalling(name: string): string[];
}

export interface DependentFile {
  path: string;
  text: string;
}

export interface DependentSearch {
  files: DependentFile[];
  /** Candidates the index knows to call a changed function, past MAX_DEPENDENTS: not analysed. */
  skipped: number;
  /** Candidates whose text was never read: the cap was reached first. */
  unexamined: number;
}

/** Reads in flight at once while looking for mentions: enough to keep a git process streaming. */
const READS_IN_FLIGHT = 32;

/**
 * The untouched .c files to analyse on both sides: includers of the changed
 * headers, and callers of changed functions, that mention a changed name.
 * The index answers first: a file whose call records name a changed function
 * uses it, and is taken without a look at its text. Other candidates (a
 * changed member, enumerator or macro is not in the index's records) are
 * read in path order until the cap is reached; no file past it is read.
 */
export async function dependentFiles(
  index: DependencyFacts,
  changed: { path: string; names: Set<string> }[],
  touched: ReadonlySet<string>,
  readSource: (path: string) => Promise<string | Buffer | null>,
): Promise<DependentSearch> {
  const names = new Set(changed.flatMap((c) => [...c.names]));
  if (names.size === 0) return { files: [], skipped: 0, unexamined: 0 };
  const headers = new Set(changed.filter((c) => c.path.endsWith('.h') && c.names.size > 0).map((c) => c.path));
  const candidates = new Set(headers.size ? index.includersOf(headers) : []);
  for (const change of changed) {
    if (!change.path.endsWith('.c')) continue;
    for (const name of change.names) for (const file of index.filesCalling(name)) if (file.endsWith('.c')) candidates.add(file);
  }
  for (const file of touched) candidates.delete(file);
  const callers = new Set<string>();
  for (const name of names) for (const file of index.filesCalling(name)) if (candidates.has(file)) callers.add(file);
  const order = [...[...callers].sort(), ...[...candidates].filter((file) => !callers.has(file)).sort()];

  const mentions = createIdentifierMatcher([...names]);
  const files: DependentFile[] = [];
  let next = 0;
  while (next < order.length && files.length < MAX_DEPENDENTS) {
    const window = order.slice(next, next + Math.min(READS_IN_FLIGHT, callers.size > next ? MAX_DEPENDENTS - files.length : READS_IN_FLIGHT));
    const sources = await Promise.all(window.map(readSource));
    for (let i = 0; i < window.length && files.length < MAX_DEPENDENTS; i++) {
      next++;
      const source = sources[i];
      if (source === null || !(callers.has(window[i]) || mentions(source))) continue;
      files.push({ path: window[i], text: typeof source === 'string' ? source : decodeSource(source) });
    }
  }
  const rest = order.slice(next);
  const skipped = rest.filter((file) => callers.has(file)).length;
  return { files, skipped, unexamined: rest.length - skipped };
}
