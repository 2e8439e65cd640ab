// Parses the diff of one patch into file patches. The text is first cut into
// file sections by a line scanner of our own, which also checks every hunk's
// line counts and keeps each line's input line number; parse-diff then reads
// the hunks of each section alone, and its reading must agree with the scan.
// Paths are made tree-relative and checked lexically before anything uses
// them; a section that is unsafe or malformed is dropped with a problem, the
// other sections of the patch are still returned.

import { lexicalPathProblem } from './tree-source';
import parseDiff from 'parse-diff';
import type { FilePatch, Hunk, HunkLine, PatchProblem, PatchSource } from './model';

export interface PatchRead {
  files: FilePatch[];
  problems: PatchProblem[];
}

export function parsePatch(patch: PatchSource): PatchRead {
  const scan = scanSections(splitLines(patch.diff), patch.diffLine);
  const problems = new ProblemList(patch.label);
  // In line order without sorting: orphan hunks can only come before the first section.
  for (const orphan of scan.orphans) problems.add({ kind: 'malformed', patchLine: orphan.line, reason: orphan.reason, applied: false });
  const files: FilePatch[] = [];
  const plainStrip = plainStripLevel(scan.sections);
  for (const section of scan.sections) {
    const file = readSection(section, plainStrip, problems);
    if (file) files.push(file);
  }
  if (scan.sections.length === 0 && scan.orphans.length === 0) {
    problems.add({ kind: 'empty', reason: 'no file section in this patch', applied: false });
  }
  return { files, problems: problems.list() };
}

type SectionProblem = Omit<PatchProblem, 'patch'>;

/**
 * The patch's problems, the first thousand of them: a hostile patch can have
 * millions of bad sections. One more problem counts the rest, with the
 * gravest kind among them so that it still refuses the patch when they would.
 */
class ProblemList {
  private readonly problems: PatchProblem[] = [];
  private omitted = 0;
  private omittedKind: PatchProblem['kind'] | undefined;

  constructor(private readonly label: string) {}

  add(problem: SectionProblem): void {
    if (this.problems.length < MAX_PROBLEMS) {
      this.problems.push({ ...problem, patch: this.label });
      return;
    }
    this.omitted++;
    if (this.omittedKind === undefined || GRAVE_KINDS.indexOf(problem.kind) > GRAVE_KINDS.indexOf(this.omittedKind)) this.omittedKind = problem.kind;
  }

  list(): PatchProblem[] {
    if (this.omitted === 0) return this.problems;
    const reason = `${this.omitted} more problems in this patch are not listed`;
    return [...this.problems, { kind: this.omittedKind!, patch: this.label, reason, applied: false }];
  }
}

const MAX_PROBLEMS = 1000;
/** Kinds from least to most grave; the others rank below all of them. */
const GRAVE_KINDS: readonly PatchProblem['kind'][] = ['binary', 'malformed', 'unsafe-path'];

// ---------------------------------------------------------------------------
// Lines

/**
 * The lines of `text`. Mail clients may send a whole patch with CRLF line
 * ends; when every line ends so, the '\r' is taken as part of the line end
 * and removed. When only some lines have it, it is content (a file in the
 * tree with CRLF lines) and stays.
 */
function splitLines(text: string): string[] {
  if (text === '') return [];
  const lines = text.split('\n');
  // Every line but the last ends with '\n'; the last is empty when the text ends with one.
  const terminated = lines.length - 1;
  if (lines[terminated] === '') lines.pop();
  let crlf = terminated > 0;
  for (let i = 0; i < terminated && crlf; i++) crlf = lines[i].endsWith('\r');
  if (!crlf) return lines;
  return lines.map((line) => (line.endsWith('\r') ? line.slice(0, -1) : line));
}

// ---------------------------------------------------------------------------
// Scanning into sections

type LineKind = HunkLine['kind'];

interface RawLine {
  kind: LineKind;
  text: string;
  line: number;
}

interface RawHunk {
  number: number;
  header: string;
  line: number;
  oldStart: number;
  oldLines: number;
  newStart: number;
  newLines: number;
  lines: RawLine[];
}

/** One file's section of the diff as written, before its paths are read. */
interface RawSection {
  line: number;
  /** The names of the "diff --git" line; `certain` when the line splits into two names one way only. */
  git?: { names?: [string, string]; certain: boolean };
  /** Names of the "--- " and "+++ " lines, unquoted, timestamps removed. */
  minus?: string;
  plus?: string;
  renameFrom?: string;
  renameTo?: string;
  copyFrom?: string;
  copyTo?: string;
  newFile: boolean;
  deletedFile: boolean;
  modeChange: boolean;
  binary: boolean;
  hunks: RawHunk[];
  /** The lines given to parse-diff: the "---"/"+++" lines, hunk headers, hunk lines. */
  feed: string[];
  /** The first reason the section cannot be read. */
  malformed?: { reason: string; line: number; hunk?: number };
}

interface Scan {
  sections: RawSection[];
  /** Hunks outside any file section. */
  orphans: Array<{ line: number; reason: string }>;
}

const NO_NEWLINE = '\\ No newline at end of file';
const HUNK_HEADER = /^@@ -(\d{1,9})(?:,(\d{1,9}))? \+(\d{1,9})(?:,(\d{1,9}))? @@/;

/**
 * Cuts the lines into file sections: a section starts at "diff --git ", or
 * at a "--- " line followed by "+++ " that is not the file header of a git
 * section just started. Inside a hunk, lines are taken by the counts of its
 * header, as git apply does, so a removed "-- x" line followed by an added
 * "++ y" line is content, not a file header.
 */
function scanSections(lines: string[], firstLine: number): Scan {
  const sections: RawSection[] = [];
  const orphans: Scan['orphans'] = [];
  let section: RawSection | undefined;
  let hunk: RawHunk | undefined;
  let oldLeft = 0;
  let newLeft = 0;
  /** The hunk still expects lines. */
  let open = false;
  /** The hunk's last line was just read: a "\ No newline" marker or stray hunk lines may follow. */
  let justClosed = false;
  /** Inside the payload of a "GIT binary patch". */
  let binaryPayload = false;
  const n = lines.length;

  const fail = (reason: string, line: number, hunkNumber?: number) => {
    if (section && !section.malformed) section.malformed = { reason, line, ...(hunkNumber === undefined ? {} : { hunk: hunkNumber }) };
  };
  const fileHeaderAt = (i: number) => lines[i].startsWith('--- ') && i + 1 < n && lines[i + 1].startsWith('+++ ');
  const startSection = (i: number): RawSection => {
    section = { line: firstLine + i, newFile: false, deletedFile: false, modeChange: false, binary: false, hunks: [], feed: [] };
    sections.push(section);
    hunk = undefined;
    open = false;
    justClosed = false;
    binaryPayload = false;
    return section;
  };
  const marker = (i: number) => {
    const last = hunk!.lines[hunk!.lines.length - 1];
    if (!last) return fail(`hunk ${hunk!.number} has a "\\ No newline" marker before any line`, firstLine + i, hunk!.number);
    section!.feed.push(NO_NEWLINE);
  };

  for (let i = 0; i < n; i++) {
    const text = lines[i];
    if (open && section && hunk) {
      if (text.startsWith('\\')) {
        marker(i);
        continue;
      }
      const kind = hunkLineKind(text);
      // A file header with its first hunk header cannot be two lines of this hunk unless they end it exactly.
      const nextFile = fileHeaderAt(i) && i + 2 < n && lines[i + 2].startsWith('@@ ') && !(oldLeft === 1 && newLeft === 1);
      if (kind && !nextFile) {
        hunk.lines.push({ kind, text: text.slice(1), line: firstLine + i });
        section.feed.push(text);
        if (kind !== '+') oldLeft--;
        if (kind !== '-') newLeft--;
        if (oldLeft <= 0 && newLeft <= 0) {
          open = false;
          justClosed = true;
          if (oldLeft < 0 || newLeft < 0) fail(countReason(hunk, hunk.oldLines - oldLeft, hunk.newLines - newLeft), hunk.line, hunk.number);
        }
        continue;
      }
      fail(countReason(hunk, hunk.oldLines - oldLeft, hunk.newLines - newLeft), hunk.line, hunk.number);
      open = false;
    } else if (justClosed && section && hunk) {
      if (text.startsWith('\\')) {
        marker(i);
        continue;
      }
      justClosed = false;
      const extra = strayHunkLines(lines, i, fileHeaderAt);
      if (extra.end > i) {
        fail(countReason(hunk, hunk.oldLines + extra.old, hunk.newLines + extra.new), hunk.line, hunk.number);
        i = extra.end - 1;
        continue;
      }
    }

    if (binaryPayload) {
      if (!text.startsWith('diff --git ')) continue;
      binaryPayload = false;
    }
    if (text.startsWith('diff --git ')) {
      // Not fed to parse-diff, whose name regex backtracks badly on long "diff --git" lines; it needs only "---" on.
      startSection(i).git = parseGitNames(text.slice('diff --git '.length));
      continue;
    }
    if (fileHeaderAt(i)) {
      const current = section;
      const gitHeader = current && current.git && current.minus === undefined && current.hunks.length === 0 && !current.binary;
      const target = gitHeader ? current : startSection(i);
      target.minus = headerName(text.slice(4));
      target.plus = headerName(lines[i + 1].slice(4));
      target.feed.push(text, lines[i + 1]);
      i++;
      continue;
    }
    if (text.startsWith('@@')) {
      if (!section) {
        orphans.push({ line: firstLine + i, reason: `hunk header before any file header: ${excerpt(text)}` });
        continue;
      }
      const number = section.hunks.length + 1;
      const header = HUNK_HEADER.exec(text);
      if (section.binary) fail(`hunk ${number} in a binary file section`, firstLine + i, number);
      else if (section.minus === undefined) fail(`hunk ${number} has no "---" and "+++" lines before it`, firstLine + i, number);
      else if (!header) fail(`hunk ${number} header cannot be read: ${excerpt(text)}`, firstLine + i, number);
      if (!header) continue;
      const count = (value: string | undefined) => (value === undefined ? 1 : Number(value));
      hunk = {
        number,
        header: text,
        line: firstLine + i,
        oldStart: Number(header[1]),
        oldLines: count(header[2]),
        newStart: Number(header[3]),
        newLines: count(header[4]),
        lines: [],
      };
      section.hunks.push(hunk);
      section.feed.push(text);
      oldLeft = hunk.oldLines;
      newLeft = hunk.newLines;
      open = oldLeft > 0 || newLeft > 0;
      justClosed = !open;
      if (!open) fail(`hunk ${number} says 0 old and 0 new lines`, hunk.line, number);
      continue;
    }
    if (section && section.git && section.minus === undefined && section.hunks.length === 0 && !section.binary) {
      readExtendedHeader(section, text);
      if (text === 'GIT binary patch') binaryPayload = true;
      continue;
    }
    const binaryNames = binaryFilesLine(text);
    if (binaryNames) {
      // GNU diff's "Binary files A and B differ" stands alone, without a file header.
      const binary = startSection(i);
      [binary.minus, binary.plus] = binaryNames;
      binary.binary = true;
    }
    // Anything else is text around the diff: a diffstat, "Only in ...", a quilt "Index:" line.
  }
  if (open && section && hunk) fail(countReason(hunk, hunk.oldLines - oldLeft, hunk.newLines - newLeft), hunk.line, hunk.number);
  return { sections, orphans };
}

function hunkLineKind(text: string): LineKind | undefined {
  // An empty line in a hunk is an empty context line whose space a mailer (or newer GNU diff) dropped.
  if (text === '') return ' ';
  const c = text[0];
  return c === ' ' || c === '-' || c === '+' ? c : undefined;
}

/**
 * Hunk lines right after a hunk that has all the lines its header counts:
 * the header counts too few. A "-- " signature (also with its space lost)
 * and a "---" separator line are not taken for removed lines; a blank line
 * ends the run.
 */
function strayHunkLines(lines: string[], start: number, fileHeaderAt: (i: number) => boolean): { old: number; new: number; end: number } {
  let old = 0;
  let added = 0;
  let i = start;
  for (; i < lines.length; i++) {
    const text = lines[i];
    if (text === '' || text === '-- ' || text === '--' || text === '---' || fileHeaderAt(i)) break;
    const kind = hunkLineKind(text);
    if (!kind) break;
    if (kind !== '+') old++;
    if (kind !== '-') added++;
  }
  return { old, new: added, end: i };
}

/** "hunk 2 says 7 old lines but has 5"; both sides when both differ. */
function countReason(hunk: RawHunk, oldHas: number, newHas: number): string {
  const oldDiffers = oldHas !== hunk.oldLines;
  const newDiffers = newHas !== hunk.newLines;
  if (oldDiffers && newDiffers) {
    return `hunk ${hunk.number} says ${hunk.oldLines} old and ${hunk.newLines} new lines but has ${oldHas} and ${newHas}`;
  }
  if (oldDiffers) return `hunk ${hunk.number} says ${hunk.oldLines} old lines but has ${oldHas}`;
  return `hunk ${hunk.number} says ${hunk.newLines} new lines but has ${newHas}`;
}

/** The lines of git's extended header that matter here; the others (index, similarity) are skipped. */
function readExtendedHeader(section: RawSection, text: string): void {
  const value = (prefix: string) => gitName(text.slice(prefix.length));
  if (text.startsWith('new file mode ')) section.newFile = true;
  else if (text.startsWith('deleted file mode ')) section.deletedFile = true;
  else if (text.startsWith('old mode ') || text.startsWith('new mode ')) section.modeChange = true;
  else if (text.startsWith('rename from ')) section.renameFrom = value('rename from ');
  else if (text.startsWith('rename to ')) section.renameTo = value('rename to ');
  else if (text.startsWith('copy from ')) section.copyFrom = value('copy from ');
  else if (text.startsWith('copy to ')) section.copyTo = value('copy to ');
  else if (text === 'GIT binary patch' || binaryFilesLine(text)) section.binary = true;
}

/** "Binary files A and B differ": the two names, or undefined. */
function binaryFilesLine(text: string): [string, string] | undefined {
  if (!text.startsWith('Binary files ') || !text.endsWith(' differ')) return undefined;
  const names = text.slice('Binary files '.length, -' differ'.length);
  const and = names.indexOf(' and ');
  return and < 0 ? undefined : [names.slice(0, and), names.slice(and + ' and '.length)];
}

function excerpt(text: string, length = 60): string {
  return text.length > length ? `'${text.slice(0, length)}...'` : `'${text}'`;
}

// ---------------------------------------------------------------------------
// Names as written

/** A name on a "--- " or "+++ " line: C-quoted by git, or plain up to a tab or a trailing timestamp. */
function headerName(rest: string): string {
  if (rest.startsWith('"')) {
    const quoted = unquote(rest, 0);
    if (quoted) return quoted.value;
  }
  const tab = rest.indexOf('\t');
  if (tab >= 0) return rest.slice(0, tab);
  const date = TRAILING_DATE.exec(rest);
  return (date ? rest.slice(0, date.index) : rest).trimEnd();
}

const TRAILING_DATE = / \d{4}-\d\d-\d\d \d\d:\d\d:\d\d(?:\.\d+)?(?: [+-]\d{4})?\s*$/;

/** A name on a "rename from" (or similar) line: C-quoted or as is. */
function gitName(rest: string): string {
  if (rest.startsWith('"')) {
    const quoted = unquote(rest, 0);
    if (quoted && quoted.end === rest.length) return quoted.value;
  }
  return rest;
}

/**
 * The two names of a "diff --git" line. Quoted names are unambiguous; so is
 * a line with one space, or "X/NAME Y/NAME" with the same NAME twice (git's
 * own form when the file is not renamed). Otherwise the split at " b/" is a
 * guess, and the names are not checked against the "---"/"+++" lines.
 */
function parseGitNames(rest: string): RawSection['git'] {
  if (rest.startsWith('"')) {
    const first = unquote(rest, 0);
    if (!first || rest[first.end] !== ' ') return { certain: false };
    const tail = rest.slice(first.end + 1);
    const second = tail.startsWith('"') ? unquote(tail, 0) : { value: tail, end: tail.length };
    if (!second || second.end !== tail.length) return { certain: false };
    return { names: [first.value, second.value], certain: true };
  }
  if (rest.endsWith('"')) {
    const space = rest.lastIndexOf(' "');
    const second = space < 0 ? undefined : unquote(rest, space + 1);
    if (!second || second.end !== rest.length) return { certain: false };
    return { names: [rest.slice(0, space), second.value], certain: true };
  }
  const space = rest.indexOf(' ');
  if (space < 0) return { certain: false };
  if (space === rest.lastIndexOf(' ')) return { names: [rest.slice(0, space), rest.slice(space + 1)], certain: true };
  if (rest.length % 2 === 1) {
    const half = (rest.length - 1) / 2;
    const left = rest.slice(0, half);
    const right = rest.slice(half + 1);
    const l = left.indexOf('/');
    const r = right.indexOf('/');
    if (rest[half] === ' ' && l >= 0 && r >= 0 && left.slice(l) === right.slice(r)) return { names: [left, right], certain: true };
  }
  const split = rest.indexOf(' b/');
  return split < 0 ? { certain: false } : { names: [rest.slice(0, split), rest.slice(split + 1)], certain: false };
}

const ESCAPES: Record<string, number> = { a: 7, b: 8, t: 9, n: 10, v: 11, f: 12, r: 13, '"': 34, '\\': 92 };

/** Git's C-style quoting ("a/tab\there.c", octal escapes for UTF-8 bytes) from the quote at `start`. */
function unquote(text: string, start: number): { value: string; end: number } | undefined {
  const bytes: number[] = [];
  for (let i = start + 1; i < text.length; i++) {
    const c = text[i];
    if (c === '"') return { value: Buffer.from(bytes).toString('utf8'), end: i + 1 };
    if (c !== '\\') {
      const point = text.codePointAt(i)!;
      if (point > 0xffff) i++;
      bytes.push(...Buffer.from(String.fromCodePoint(point), 'utf8'));
      continue;
    }
    const escape = text[++i];
    if (escape === undefined) return undefined;
    if (ESCAPES[escape] !== undefined) {
      bytes.push(ESCAPES[escape]);
    } else if (escape >= '0' && escape <= '7') {
      let value = 0;
      let digits = 0;
      for (; digits < 3 && text[i] >= '0' && text[i] <= '7'; digits++, i++) value = value * 8 + (text.charCodeAt(i) - 48);
      i--;
      bytes.push(value & 0xff);
    } else {
      return undefined;
    }
  }
  return undefined;
}

// ---------------------------------------------------------------------------
// Paths

/*
 * Prefixes. Git sections: the "diff --git", "---" and "+++" names lose their
 * first folder when the "diff --git" names start with one-letter folders
 * that differ ("a/" "b/", the mnemonic "i/" "w/"), or else when the "---"
 * and "+++" names have different first folders, or else when the one real
 * name starts with "a/" or "b/". Otherwise (--no-prefix) the names are taken
 * as they are. "rename from/to" and "copy from/to" names never carry one.
 *
 * Other sections (diff -u, quilt, hand-made): -p1 when the two names' first
 * folders differ ("linux-6.1.orig/mm/x.c" and "linux-6.1/mm/x.c", "a/" and
 * "b/"), -p0 when they are the same ("mm/x.c.orig" and "mm/x.c"). A section
 * with one name (the other /dev/null) follows the first section of the patch
 * that has two; when there is none, it is -p1 only for a leading "a/" or "b/".
 * Absolute names are never stripped: they are refused below.
 */
function plainStripLevel(sections: RawSection[]): boolean | undefined {
  for (const section of sections) {
    if (section.git || !isName(section.minus) || !isName(section.plus)) continue;
    if (section.minus.startsWith('/') || section.plus.startsWith('/')) continue;
    return differentFirstFolders(section.minus, section.plus);
  }
  return undefined;
}

function isName(name: string | undefined): name is string {
  return name !== undefined && name !== '/dev/null';
}

function differentFirstFolders(a: string, b: string): boolean {
  const slashA = a.indexOf('/');
  const slashB = b.indexOf('/');
  return slashA > 0 && slashB > 0 && a.slice(0, slashA) !== b.slice(0, slashB);
}

function hasGitPrefixes(a: string, b: string): boolean {
  return a.length > 2 && b.length > 2 && a[1] === '/' && b[1] === '/' && a[0] !== b[0];
}

function gitPrefixed(section: RawSection): boolean {
  const names = section.git?.names;
  if (names && hasGitPrefixes(names[0], names[1])) return true;
  if (isName(section.minus) && isName(section.plus)) return differentFirstFolders(section.minus, section.plus);
  const single = isName(section.minus) ? section.minus : isName(section.plus) ? section.plus : undefined;
  return single !== undefined && (single.startsWith('a/') || single.startsWith('b/'));
}

function dropFirstFolder(name: string): string {
  if (name.startsWith('/')) return name;
  const slash = name.indexOf('/');
  return slash < 0 ? name : name.slice(slash + 1);
}

/** A side of a file patch: the name as the patch writes it, and as a tree path before the safety check. */
interface Side {
  written: string;
  path: string;
}

interface Sides {
  old: Side | null;
  new: Side | null;
}

function sidesOf(section: RawSection, plainStrip: boolean | undefined): Sides | string {
  if (section.git) {
    const names = section.git.names;
    const prefixed = gitPrefixed(section);
    const side = (moved: string | undefined, header: string | undefined, fromGit: string | undefined): Side | null | undefined => {
      if (moved !== undefined) return { written: moved, path: moved };
      const written = header ?? fromGit;
      if (written === undefined) return undefined;
      if (written === '/dev/null' && header !== undefined) return null;
      return { written, path: prefixed ? dropFirstFolder(written) : written };
    };
    const oldSide = section.newFile ? null : side(section.renameFrom ?? section.copyFrom, section.minus, names?.[0]);
    const newSide = section.deletedFile ? null : side(section.renameTo ?? section.copyTo, section.plus, names?.[1]);
    if (oldSide === undefined || newSide === undefined) return 'the file names of the "diff --git" line cannot be read';
    return { old: oldSide, new: newSide };
  }
  const minus = section.minus!;
  const plus = section.plus!;
  const both = isName(minus) && isName(plus);
  const strip = (name: string) => (both ? differentFirstFolders(minus, plus) : (plainStrip ?? (name.startsWith('a/') || name.startsWith('b/'))));
  const side = (name: string): Side | null => (isName(name) ? { written: name, path: strip(name) ? dropFirstFolder(name) : name } : null);
  return { old: side(minus), new: side(plus) };
}

/**
 * Lexical safety of a tree path: not absolute, no ".." component, no NUL,
 * not empty. Empty and "." components are dropped ("mm//./x.c" is
 * "mm/x.c"). Backslashes are ordinary characters. Symbolic links are checked
 * later, on the tree.
 */
function checkPath(path: string): { path: string } | { reason: string } {
  const problem = lexicalPathProblem(path);
  if (problem) return { reason: problem };
  const kept = path.split('/').filter((part) => part !== '' && part !== '.');
  if (kept.length === 0 || path.endsWith('/')) return { reason: `unsafe path: ${excerpt(path, 200)} does not name a file` };
  return { path: kept.join('/') };
}

// ---------------------------------------------------------------------------
// Sections into file patches

function readSection(section: RawSection, plainStrip: boolean | undefined, problems: ProblemList): FilePatch | undefined {
  const at = section.line;
  const malformed = (reason: string, file?: string, hunk?: number, line = at): undefined => {
    problems.add({ kind: 'malformed', ...(file === undefined ? {} : { file }), ...(hunk === undefined ? {} : { hunk }), patchLine: line, reason, applied: false });
    return undefined;
  };

  const sides = sidesOf(section, plainStrip);
  if (typeof sides === 'string') return malformed(sides);
  // Safety first: nothing below, not even a problem's file name, uses an unchecked path.
  const paths: { old: string | null; new: string | null } = { old: null, new: null };
  for (const key of ['old', 'new'] as const) {
    const side = sides[key];
    if (side === null) continue;
    const checked = checkPath(side.path);
    if ('reason' in checked) {
      problems.add({ kind: 'unsafe-path', file: side.written, patchLine: at, reason: checked.reason, applied: false });
      return undefined;
    }
    paths[key] = checked.path;
  }
  const name = paths.new ?? paths.old ?? undefined;
  if (name === undefined) return malformed('both sides of the file section are /dev/null');
  if (section.malformed) return malformed(section.malformed.reason, name, section.malformed.hunk, section.malformed.line);
  const mismatch = namesMismatch(section);
  if (mismatch) return malformed(mismatch, name);

  const moved = section.renameFrom !== undefined || section.renameTo !== undefined || section.copyFrom !== undefined || section.copyTo !== undefined;
  if (section.hunks.length === 0 && !section.binary && !moved && !section.modeChange && !section.newFile && !section.deletedFile) {
    return malformed('file header without hunks', name);
  }
  const hunks = section.hunks.length ? convertHunks(section) : [];
  if (typeof hunks === 'string') return malformed(hunks, name);

  const renameOnly = hunks.length === 0 && !section.binary && !section.newFile && !section.deletedFile && (moved || section.modeChange);
  if (section.binary) {
    problems.add({ kind: 'binary', file: name, patchLine: at, reason: `'${name}' is a binary file section: binary content is not audited`, applied: false });
  }
  return { oldPath: paths.old, newPath: paths.new, hunks, binary: section.binary, ...(renameOnly ? { renameOnly } : {}), patchLine: at };
}

/**
 * git apply refuses a section whose "---"/"+++" names differ from the name
 * its header gives (one name twice on the "diff --git" line, or the rename
 * and copy lines): a reviewer reads one and git writes the other. As in git,
 * a "diff --git" line with two different names gives no name to check.
 */
function namesMismatch(section: RawSection): string | undefined {
  const git = section.git;
  if (!git) return undefined;
  const prefixed = gitPrefixed(section);
  const strip = (name: string): string | undefined => (!prefixed ? name : name.includes('/') ? dropFirstFolder(name) : undefined);
  const [a, b] = git.certain && git.names ? git.names.map(strip) : [undefined, undefined];
  const headerName = a !== undefined && a === b ? a : undefined;
  const check = (written: string | undefined, moved: string | undefined, what: string, movedWhat: string): string | undefined => {
    const expected = moved ?? headerName;
    if (!isName(written) || expected === undefined) return undefined;
    const name = strip(written);
    if (name === expected) return undefined;
    const source = moved !== undefined ? movedWhat : '"diff --git"';
    return `the ${what} line names ${excerpt(written, 200)} where the ${source} line names ${excerpt(expected, 200)}`;
  };
  return (
    check(section.minus, section.renameFrom ?? section.copyFrom, '"---"', section.renameFrom !== undefined ? '"rename from"' : '"copy from"') ??
    check(section.plus, section.renameTo ?? section.copyTo, '"+++"', section.renameTo !== undefined ? '"rename to"' : '"copy to"')
  );
}

/**
 * The section's hunks as parse-diff reads them, with the scan's line
 * numbers. parse-diff gives "\ No newline at end of file" as a change of its
 * own; it becomes `noNewline` on the line before. Any disagreement with the
 * scan means the text is not what it seems, and the section is refused.
 */
function convertHunks(section: RawSection): Hunk[] | string {
  const parsed = parseDiff(section.feed.join('\n'));
  const chunks = parsed.length === 1 ? parsed[0].chunks : [];
  if (chunks.length !== section.hunks.length) {
    return `the diff parser reads ${chunks.length} hunk(s) where the section has ${section.hunks.length}`;
  }
  const hunks: Hunk[] = [];
  for (const [k, raw] of section.hunks.entries()) {
    const chunk = chunks[k];
    const disagree = `the diff parser reads hunk ${raw.number} differently`;
    if (chunk.oldStart !== raw.oldStart || chunk.oldLines !== raw.oldLines || chunk.newStart !== raw.newStart || chunk.newLines !== raw.newLines) {
      return disagree;
    }
    const lines: HunkLine[] = [];
    let next = 0;
    for (const change of chunk.changes) {
      if (change.content.startsWith('\\')) {
        if (lines.length > 0) lines[lines.length - 1].noNewline = true;
        continue;
      }
      const kind: LineKind = change.type === 'add' ? '+' : change.type === 'del' ? '-' : ' ';
      const scanned = raw.lines[next++];
      const text = change.content.slice(1);
      if (!scanned || scanned.kind !== kind || scanned.text !== text) return disagree;
      lines.push({ kind, text, patchLine: scanned.line });
    }
    if (next !== raw.lines.length) return disagree;
    hunks.push({ number: raw.number, oldStart: raw.oldStart, oldLines: raw.oldLines, newStart: raw.newStart, newLines: raw.newLines, header: raw.header, lines });
  }
  return hunks;
}
