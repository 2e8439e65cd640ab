// Which files can hold a sibling of a fixed finding: decided from the tree's
// index alone (call records per callee, the include graph), before any file
// is read. Files the series changed are judged by their patched image's own
// records instead, since the index still describes them as they were.

import type { SiblingKey } from '../model';
import type { FileFacts } from '../types/facts';
import type { TypeIndex } from '../types/type-index';
import { isCSource } from './image-analysis';

/** The series' changed files, as they are after the patch (null: deleted), and how to get their facts. */
export interface ChangedImages {
  texts: ReadonlyMap<string, string | null>;
  factsOf(path: string, text: string): FileFacts;
}

/** The candidate files for a key, sorted by path. */
export function siblingCandidates(index: TypeIndex, key: SiblingKey, changed: ChangedImages): string[] {
  const fromIndex = indexCandidates(index, key);
  const out = new Set<string>();
  for (const file of fromIndex) if (!changed.texts.has(file)) out.add(file);
  const reaching = key.declared ? declaringAndIncluders(index, key.declared.in) : null;
  for (const [file, text] of changed.texts) {
    if (text === null || !isCSource(file)) continue;
    if (key.declared && !reaching!.has(file)) continue;
    if (key.calls?.length && !callsMatch(key, callRecordsIn(changed.factsOf(file, text)))) continue;
    out.add(file);
  }
  return [...out].sort();
}

/** Files whose index records satisfy every part of the key. */
function indexCandidates(index: TypeIndex, key: SiblingKey): Set<string> {
  let files: Set<string> | null = key.declared ? declaringAndIncluders(index, key.declared.in) : null;
  for (const [position, name] of (key.calls ?? []).entries()) {
    const mustDrop = position === 0 && key.dropsResult === true;
    const calling = new Set(index.callRecordsOf(name).filter((record) => !mustDrop || record.discarded > 0).map((record) => record.file));
    files = files ? new Set([...files].filter((file) => calling.has(file))) : calling;
  }
  return new Set([...(files ?? [])].filter(isCSource));
}

/** The file declaring a member or global, and every file whose #include lines reach it. */
function declaringAndIncluders(index: TypeIndex, declaredIn: string): Set<string> {
  return new Set([declaredIn, ...index.filesReaching(new Set([declaredIn]))]);
}

interface CallRecord {
  name: string;
  discarded: number;
}

function callRecordsIn(facts: FileFacts): Map<string, CallRecord> {
  const out = new Map<string, CallRecord>();
  for (const decl of facts.decls) if (decl.kind === 'calls') out.set(decl.name, decl);
  return out;
}

function callsMatch(key: SiblingKey, records: ReadonlyMap<string, CallRecord>): boolean {
  return (key.calls ?? []).every((name, position) => {
    const record = records.get(name);
    return record !== undefined && (position !== 0 || !key.dropsResult || record.discarded > 0);
  });
}

/** Identifiers a candidate's text must mention before it is analysed: a member's or global's name (the index does not record uses of those). */
export function mentionedNames(key: SiblingKey): string[] {
  return key.declared ? [key.declared.name] : [];
}
