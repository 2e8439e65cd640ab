// Applying one file's hunks to its text, in memory, the way `git apply` does:
// context must match exactly, a hunk may have moved (offset). With a fuzz
// factor N, as `patch -F N` and quilt, a hunk that does not match exactly may
// ignore up to N context lines at its start and at its end; each such hunk is
// named in the result. A hunk that does not match says why: the result is
// already there (applied before, or the patch is reversed), or the context
// differs, and where.

import type { FilePatch, Hunk, PatchProblemKind } from './model';

export interface FileText {
  lines: string[];
  /** The last line ends with a newline (true for an empty file). */
  finalNewline: boolean;
}

/** Image line (1-based) -> the input line of the '+' (post-image) or '-' (pre-image) that made it. */
export interface ChangedLines {
  added: Map<number, number>;
  removed: Map<number, number>;
}

/** A hunk that applied only with context lines ignored. */
export interface FuzzedHunk {
  hunk: number;
  /** The fuzz factor it needed (1..N). */
  fuzz: number;
  /** Context lines ignored at the start and at the end. */
  ignoredLeading: number;
  ignoredTrailing: number;
  reason: string;
}

export type ApplyResult =
  | { ok: true; text: string | null; changed: ChangedLines; fuzzed: FuzzedHunk[] }
  | { ok: false; kind: PatchProblemKind; hunk?: number; reason: string };

export function splitLines(text: string): FileText {
  if (text === '') return { lines: [], finalNewline: true };
  const finalNewline = text.endsWith('\n');
  const lines = (finalNewline ? text.slice(0, -1) : text).split('\n');
  return { lines, finalNewline };
}

export function joinLines(file: FileText): string {
  if (file.lines.length === 0) return '';
  return file.lines.join('\n') + (file.finalNewline ? '\n' : '');
}

/** The hunk's lines as they are before (' ' and '-') and after (' ' and '+') the change. */
function sides(hunk: Hunk): { before: string[]; after: string[]; afterEndsWithoutNewline: boolean } {
  const before: string[] = [];
  const after: string[] = [];
  let afterEndsWithoutNewline = false;
  for (const line of hunk.lines) {
    if (line.kind !== '+') before.push(line.text);
    if (line.kind !== '-') {
      after.push(line.text);
      afterEndsWithoutNewline = Boolean(line.noNewline);
    }
  }
  return { before, after, afterEndsWithoutNewline };
}

function matchesAt(lines: readonly string[], wanted: readonly string[], at: number): boolean {
  if (at < 0 || at + wanted.length > lines.length) return false;
  for (let i = 0; i < wanted.length; i++) if (lines[at + i] !== wanted[i]) return false;
  return true;
}

/** The match of `wanted` in lines[from..] closest to `expected`, or -1. */
function nearestMatch(lines: readonly string[], wanted: readonly string[], expected: number, from: number): number {
  const last = lines.length - wanted.length;
  const start = Math.min(Math.max(expected, from), Math.max(last, from));
  for (let distance = 0; start - distance >= from || start + distance <= last; distance++) {
    if (start + distance <= last && matchesAt(lines, wanted, start + distance)) return start + distance;
    if (distance > 0 && start - distance >= from && matchesAt(lines, wanted, start - distance)) return start - distance;
  }
  return -1;
}

/**
 * Applies a file's hunks to its current text (null: the file does not exist).
 * Returns the new text (null: the file is deleted).
 */
export function applyFilePatch(current: string | null, patch: FilePatch, fuzz = 0): ApplyResult {
  const name = patch.oldPath ?? patch.newPath ?? '?';
  if (patch.oldPath === null) return createFile(current, patch, name);
  if (current === null) return { ok: false, kind: 'missing-file', reason: `'${name}' is not in the tree` };
  if (patch.newPath === null) return deleteFile(current, patch, name, fuzz);
  return applyHunks(current, patch.hunks, name, fuzz);
}

function createFile(current: string | null, patch: FilePatch, name: string): ApplyResult {
  const created = applyHunks('', patch.hunks, name, 0);
  if (current === null || !created.ok) return created;
  if (created.text === current) return { ok: false, kind: 'already-applied', reason: `'${name}' already exists with the content this patch creates` };
  return { ok: false, kind: 'file-exists', reason: `the patch creates '${name}', but the tree already has a different file there` };
}

function deleteFile(current: string, patch: FilePatch, name: string, fuzz: number): ApplyResult {
  const emptied = applyHunks(current, patch.hunks, name, fuzz);
  if (!emptied.ok) return emptied;
  if (emptied.text !== '') return { ok: false, kind: 'context-mismatch', reason: `the patch deletes '${name}', but the file has lines the patch does not remove` };
  return { ...emptied, text: null };
}

export function applyHunks(text: string, hunks: readonly Hunk[], name: string, fuzz = 0): ApplyResult {
  const original = splitLines(text);
  const { lines } = original;
  const out: string[] = [];
  let cursor = 0;
  // How far the hunks have been found from where their headers say; the next hunk is looked for there first.
  let drift = 0;
  let finalNewline = original.finalNewline;
  const changed: ChangedLines = { added: new Map(), removed: new Map() };
  const fuzzed: FuzzedHunk[] = [];
  for (const hunk of hunks) {
    const { before, after, afterEndsWithoutNewline } = sides(hunk);
    // "@@ -5,0 ..." inserts after line 5; "@@ -5,3 ..." replaces from line 5 on.
    const stated = hunk.oldLines === 0 ? hunk.oldStart : hunk.oldStart - 1;
    const place =
      before.length === 0
        ? { at: Math.min(Math.max(stated + drift, cursor), lines.length), leading: 0, trailing: 0, fuzz: 0 }
        : placeHunk(lines, hunk, before, stated + drift, cursor, fuzz);
    if (place === null) return notApplying(lines, hunk, before, after, stated + drift, name);
    const { at, leading, trailing } = place;
    if (place.fuzz > 0) fuzzed.push(fuzzedHunk(hunk, place, name));
    const replaced = before.length - leading - trailing;
    drift = at - leading - stated;
    for (let i = cursor; i < at; i++) out.push(lines[i]);
    recordChangedLines(hunk, at - leading, out.length - leading, changed);
    out.push(...after.slice(leading, after.length - trailing));
    cursor = at + replaced;
    if (cursor === lines.length && trailing === 0) finalNewline = !afterEndsWithoutNewline;
  }
  for (let i = cursor; i < lines.length; i++) out.push(lines[i]);
  return { ok: true, text: joinLines({ lines: out, finalNewline }), changed, fuzzed };
}

interface Placement {
  /** 0-based line of the file where the hunk's lines, less the ignored context, start. */
  at: number;
  leading: number;
  trailing: number;
  fuzz: number;
}

/**
 * Where the hunk's pre-image lines are: exactly first, then, fuzz factor by fuzz factor,
 * without up to that many of its leading and trailing context lines (as GNU patch does).
 */
function placeHunk(lines: readonly string[], hunk: Hunk, before: string[], expected: number, from: number, maxFuzz: number): Placement | null {
  const exact = nearestMatch(lines, before, expected, from);
  if (exact >= 0) return { at: exact, leading: 0, trailing: 0, fuzz: 0 };
  const context = contextRuns(hunk);
  let tried = '0,0';
  for (let fuzz = 1; fuzz <= maxFuzz; fuzz++) {
    const leading = Math.min(fuzz, context.leading);
    const trailing = Math.min(fuzz, context.trailing);
    // Past the hunk's context, a larger factor ignores nothing more.
    if (`${leading},${trailing}` === tried) break;
    tried = `${leading},${trailing}`;
    const core = before.slice(leading, before.length - trailing);
    if (core.length === 0) break;
    const at = nearestMatch(lines, core, expected + leading, from);
    if (at >= 0) return { at, leading, trailing, fuzz };
  }
  return null;
}

/** Context lines before the hunk's first change and after its last. */
function contextRuns(hunk: Hunk): { leading: number; trailing: number } {
  const kinds = hunk.lines.map((line) => line.kind);
  const firstChange = kinds.findIndex((kind) => kind !== ' ');
  if (firstChange < 0) return { leading: 0, trailing: 0 };
  const lastChange = kinds.length - 1 - [...kinds].reverse().findIndex((kind) => kind !== ' ');
  return { leading: firstChange, trailing: kinds.length - 1 - lastChange };
}

function fuzzedHunk(hunk: Hunk, place: Placement, name: string): FuzzedHunk {
  const where = `hunk ${hunk.number} (${hunk.header.replace(/^(@@[^@]*@@).*$/, '$1')}) of '${name}'`;
  const ignored = `${place.leading} context line${place.leading === 1 ? '' : 's'} at its start and ${place.trailing} at its end ignored`;
  return {
    hunk: hunk.number,
    fuzz: place.fuzz,
    ignoredLeading: place.leading,
    ignoredTrailing: place.trailing,
    reason: `${where} applied with fuzz ${place.fuzz}: ${ignored}`,
  };
}

/** Where the hunk's '-' and '+' lines are in the images, given where it was applied (0-based). */
function recordChangedLines(hunk: Hunk, oldAt: number, newAt: number, changed: ChangedLines): void {
  let oldLine = oldAt + 1;
  let newLine = newAt + 1;
  for (const line of hunk.lines) {
    if (line.kind === '-') changed.removed.set(oldLine++, line.patchLine);
    else if (line.kind === '+') changed.added.set(newLine++, line.patchLine);
    else {
      oldLine++;
      newLine++;
    }
  }
}

function notApplying(lines: string[], hunk: Hunk, before: string[], after: string[], expected: number, name: string): ApplyResult {
  const where = `hunk ${hunk.number} (${hunk.header.replace(/^(@@[^@]*@@).*$/, '$1')})`;
  const changes = before.length !== after.length || before.some((line, i) => line !== after[i]);
  if (changes && after.length > 0 && nearestMatch(lines, after, expected, 0) >= 0) {
    return {
      ok: false,
      kind: 'already-applied',
      hunk: hunk.number,
      reason: `${where} of '${name}': its result is already in the file and its original is not (already applied, or a reversed patch)`,
    };
  }
  return { ok: false, kind: 'context-mismatch', hunk: hunk.number, reason: `${where} does not match '${name}': ${firstDifference(lines, before, expected)}` };
}

/** Where the hunk's expected lines and the file part, at the place the header gives. */
function firstDifference(lines: string[], before: string[], expected: number): string {
  const at = Math.max(0, Math.min(expected, lines.length));
  for (let i = 0; i < before.length; i++) {
    const found = lines[at + i];
    if (found === undefined) return `the file ends at line ${lines.length}, before the hunk's line ${at + i + 1}`;
    if (found !== before[i]) return `line ${at + i + 1} is '${clipLine(found)}', the patch expects '${clipLine(before[i])}'`;
  }
  return `no place in the file matches the hunk's ${before.length} lines`;
}

function clipLine(line: string): string {
  const trimmed = line.trim();
  return trimmed.length > 60 ? trimmed.slice(0, 57) + '...' : trimmed;
}
