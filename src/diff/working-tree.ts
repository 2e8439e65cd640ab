// The tree as a series sees it: the base tree's files with the changes of
// the patches applied so far, held in memory. A patch is applied whole or
// not at all, like `git am`, so a failed patch leaves the tree as it was.

import { applyFilePatch, ApplyResult, ChangedLines } from './apply';
import type { FilePatch, PatchProblem } from './model';
import { decodeSource, type TreeSource } from './tree-source';

/** One file as a patch changed it. `before`/`after` null: it did not exist / it was deleted. */
export interface FileChange {
  oldPath: string | null;
  newPath: string | null;
  before: string | null;
  after: string | null;
  patch: FilePatch;
  /** Which lines of `after` the patch added and which of `before` it removed. */
  changed: ChangedLines;
}

type Lookup = { ok: true; text: string | null } | { ok: false; problem: Omit<PatchProblem, 'patch'> };

export class WorkingTree {
  /** Files the series changed so far: path -> text (null: deleted). */
  private readonly changed = new Map<string, string | null>();

  /** `fuzz`: context lines a hunk may ignore at each end when it does not match exactly (patch -F). */
  constructor(
    readonly base: TreeSource,
    private readonly fuzz = 0,
  ) {}

  /** The files the applied patches changed, with their current text (null: deleted). */
  changedFiles(): ReadonlyMap<string, string | null> {
    return this.changed;
  }

  /**
   * The files whose text differs from the tree the type index was built
   * from: the base's differences (a git revision's), then the series' changes.
   */
  async typeOverlay(): Promise<Map<string, string | null>> {
    return new Map([...(await this.base.typeOverlay()), ...this.changed]);
  }

  async read(path: string): Promise<Lookup> {
    if (this.changed.has(path)) return { ok: true, text: this.changed.get(path)! };
    const read = await this.base.read(path);
    if (read.kind === 'missing') return { ok: true, text: null };
    if (read.kind === 'refused') return { ok: false, problem: { kind: 'unsafe-path', file: path, reason: read.reason, applied: false } };
    if (read.kind === 'unreadable') return { ok: false, problem: { kind: 'unreadable', file: path, reason: read.reason, applied: false } };
    const { bytes } = read;
    if (bytes.includes(0)) return { ok: false, problem: { kind: 'unreadable', file: path, reason: `'${path}' in the tree is a binary file`, applied: false } };
    // Latin-1 keeps every byte, so a patch written against a non-UTF-8 file still matches where its bytes do.
    return { ok: true, text: decodeSource(bytes) };
  }

  /**
   * A file's content for a search, undecoded when it comes from the base
   * tree (bytes cost the heap nothing); null when it is missing, unreadable
   * or binary.
   */
  async readForSearch(path: string): Promise<string | Buffer | null> {
    if (this.changed.has(path)) return this.changed.get(path)!;
    const read = await this.base.read(path);
    return read.kind === 'file' && !read.bytes.includes(0) ? read.bytes : null;
  }

  /**
   * Applies every text file of a patch, or none. Binary sections were already
   * reported by the parser and are skipped here.
   */
  async apply(files: readonly FilePatch[]): Promise<{ changes: FileChange[]; problems: Omit<PatchProblem, 'patch'>[]; fuzzed: Omit<PatchProblem, 'patch'>[] }> {
    // Every file the patch names is asked for at once, so a git tree answers them in one stream.
    const names = [...new Set(files.filter((f) => !f.binary).flatMap((f) => [f.oldPath, f.newPath]).filter((p): p is string => p !== null))];
    const lookups = await Promise.all(names.map((name) => this.read(name)));
    const fetched = new Map(names.map((name, i) => [name, lookups[i]]));
    const staged = new Map<string, string | null>();
    const changes: FileChange[] = [];
    const problems: Omit<PatchProblem, 'patch'>[] = [];
    const fuzzed: Omit<PatchProblem, 'patch'>[] = [];
    const current = (path: string): Lookup => (staged.has(path) ? { ok: true, text: staged.get(path)! } : fetched.get(path)!);
    for (const patch of files) {
      if (patch.binary) continue;
      const source = patch.oldPath ?? patch.newPath!;
      const before = current(source);
      if (!before.ok) {
        problems.push({ ...before.problem, patchLine: patch.patchLine });
        continue;
      }
      if (patch.newPath !== null && patch.newPath !== patch.oldPath) {
        const target = current(patch.newPath);
        if (!target.ok) {
          problems.push({ ...target.problem, patchLine: patch.patchLine });
          continue;
        }
        if (patch.oldPath !== null && target.text !== null) {
          problems.push({ kind: 'file-exists', file: patch.newPath, patchLine: patch.patchLine, applied: false, reason: `'${patch.oldPath}' is renamed to '${patch.newPath}', which already exists` });
          continue;
        }
      }
      const result = patch.renameOnly ? renamed(before.text, source) : applyFilePatch(before.text, patch, this.fuzz);
      if (!result.ok) {
        const hunk = result.hunk === undefined ? undefined : patch.hunks[result.hunk - 1];
        problems.push({
          kind: result.kind,
          file: source,
          ...(result.hunk === undefined ? {} : { hunk: result.hunk }),
          patchLine: hunk?.lines[0]?.patchLine ?? patch.patchLine,
          reason: result.reason,
          applied: false,
        });
        continue;
      }
      for (const hunk of result.fuzzed) {
        const at = patch.hunks[hunk.hunk - 1]?.lines[0]?.patchLine ?? patch.patchLine;
        fuzzed.push({ kind: 'fuzz', file: source, hunk: hunk.hunk, patchLine: at, reason: hunk.reason, applied: true });
      }
      if (patch.oldPath !== null && patch.oldPath !== patch.newPath) staged.set(patch.oldPath, null);
      if (patch.newPath !== null) staged.set(patch.newPath, result.text);
      changes.push({ oldPath: patch.oldPath, newPath: patch.newPath, before: before.text, after: result.text, patch, changed: result.changed });
    }
    if (problems.length === 0) for (const [path, text] of staged) this.changed.set(path, text);
    return { changes: problems.length === 0 ? changes : [], problems, fuzzed: problems.length === 0 ? fuzzed : [] };
  }
}

function renamed(text: string | null, path: string): ApplyResult {
  return text === null
    ? { ok: false, kind: 'missing-file', reason: `'${path}' is not in the tree` }
    : { ok: true, text, changed: { added: new Map(), removed: new Map() }, fuzzed: [] };
}
