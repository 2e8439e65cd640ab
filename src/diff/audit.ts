// The audit of a series: each patch applied on top of the ones before it,
// its touched files analysed before and after, the findings classified.
// Without a tree, each patch's hunks are analysed as they stand (partial).

import type { Finding, InputProblem } from '../model';
import { compareFindings } from '../engine/findings';
import { classifyFindings, AnalysedChange } from './classify';
import { changedNames, DependencyFacts, dependentFiles, MAX_DEPENDENTS } from './dependents';
import type { FileFacts } from '../types/facts';
import type { TypeIndex } from '../types/type-index';
import { fragmentImages } from './fragments';
import { ImageAnalyser, isCSource } from './image-analysis';
import type { AuditedFinding, FilePatch, PatchAudit, PatchProblem, PatchSource } from './model';
import { parsePatch } from './patch-parse';
import { WorkingTree } from './working-tree';

/** Problems that mean the patch as a whole cannot be trusted, so none of it is applied. */
const REFUSES_PATCH = new Set(['unsafe-path', 'malformed']);

const STATE_ORDER = { introduced: 0, fixed: 1, existing: 2 } as const;

export interface PatchAuditor {
  /** Audits one patch against `tree` (null: no tree, hunks only) and, when it applies, leaves it applied there. */
  audit(patch: PatchSource, tree: WorkingTree | null): Promise<PatchAudit>;
}

export function createPatchAuditor(analyser: ImageAnalyser): PatchAuditor {
  return { audit: (patch, tree) => auditPatch(patch, tree, analyser) };
}

async function auditPatch(patch: PatchSource, tree: WorkingTree | null, analyser: ImageAnalyser): Promise<PatchAudit> {
  const parsed = parsePatch(patch);
  const problems: PatchProblem[] = [...parsed.problems];
  const files = parsed.files.filter((file) => !file.binary);
  const touched = files.map((file) => file.newPath ?? file.oldPath!);
  // Without the tree's index there are only the analysed files' own declarations: nothing to say where types came from.
  const typesFrom = analyser.index.hasTree ? tree?.base.typesFrom : undefined;
  const base = { patch, files: touched, findings: [] as AuditedFinding[], ...(typesFrom ? { typesFrom } : {}) };
  if (parsed.problems.some((problem) => REFUSES_PATCH.has(problem.kind))) return { ...base, status: 'not-applied', problems };
  if (files.length === 0) return { ...base, status: parsed.files.length ? 'audited' : 'no-diff', problems };

  const analysed = tree ? await analyseApplied(patch, files, tree, analyser, problems) : analyseHunks(patch, files, analyser, problems);
  if (!analysed) return { ...base, status: 'not-applied', problems };
  problems.push(...addedSuppressionProblems(patch, analysed));
  const findings = classifyFindings(analysed).sort(
    (a, b) => STATE_ORDER[a.state] - STATE_ORDER[b.state] || compareFindings(a.finding, b.finding),
  );
  return { ...base, status: 'audited', findings, problems };
}

async function analyseApplied(
  patch: PatchSource,
  files: FilePatch[],
  tree: WorkingTree,
  analyser: ImageAnalyser,
  problems: PatchProblem[],
): Promise<AnalysedChange[] | null> {
  const overlayBefore = await tree.typeOverlay();
  const applied = await tree.apply(files);
  problems.push(...[...applied.problems, ...applied.fuzzed].map((problem) => ({ ...problem, patch: patch.label })));
  if (applied.problems.length > 0) return null;
  const overlayAfter = await tree.typeOverlay();
  const sourceChanges = applied.changes.filter((change) => isCSource(change.newPath ?? change.oldPath!));
  const analysed: AnalysedChange[] = sourceChanges.map((change) => ({
    before: change.oldPath !== null && change.before !== null ? analyse(change.oldPath, change.before, overlayBefore) : null,
    after: change.newPath !== null && change.after !== null ? analyse(change.newPath, change.after, overlayAfter) : null,
    changed: change.changed,
  }));

  // Untouched files whose findings the change can move: the same text, analysed with each side's declarations.
  // Only the tree's index knows who includes or calls what: without it, there are none to find.
  if (!analyser.index.hasTree) return analysed;
  const changedDeclarations = sourceChanges.map((change) => ({
    path: change.newPath ?? change.oldPath!,
    names: changedNames(factsOrNull(change.oldPath, change.before), factsOrNull(change.newPath, change.after)),
  }));
  const touched = new Set(sourceChanges.flatMap((change) => [change.oldPath, change.newPath]).filter((p): p is string => p !== null));
  const dependents = await dependentFiles(dependencyFacts(analyser, overlayBefore), changedDeclarations, touched, (path) => tree.readForSearch(path));
  if (dependents.skipped + dependents.unexamined > 0) problems.push({ kind: 'too-large', patch: patch.label, reason: capNotice(dependents.skipped, dependents.unexamined), applied: true });
  for (const { path, text } of dependents.files) {
    analysed.push({ before: analyse(path, text, overlayBefore), after: analyse(path, text, overlayAfter), changed: { added: new Map(), removed: new Map() } });
  }
  return analysed;

  function factsOrNull(path: string | null, text: string | null) {
    return path === null || text === null ? null : analyser.factsOf(path, text);
  }

  function analyse(path: string, text: string, overlay: Map<string, string | null>) {
    const analysis = analyser.analyse(path, text, overlay);
    problems.push(...analysis.problems.map((problem) => fromInputProblem(problem, patch)));
    return analysis;
  }
}

/**
 * Includers and callers as the tree is before this patch: the index overlaid
 * with the files that differ from it. The include graph is worked out again
 * only for files whose #include lines differ from the index's, and kept for
 * as long as the same files differ in the same way (a range's commits mostly
 * share them).
 */
function dependencyFacts(analyser: ImageAnalyser, overlay: ReadonlyMap<string, string | null>): DependencyFacts {
  const index = analyser.index;
  const facts = new Map<string, FileFacts>();
  for (const [path, text] of overlay) if (isCSource(path)) facts.set(path, text === null ? { decls: [], includes: [] } : analyser.factsOf(path, text));
  const seen = index.withOverlay(facts);
  const moved = [...facts].filter(([path, own]) => JSON.stringify(own.includes) !== JSON.stringify(index.includesOf(path) ?? []));
  const graph = includeGraphOf(index, moved);
  return { includersOf: (headers) => graph.includersOf(headers), filesCalling: (name) => seen.filesCalling(name) };
}

const includeGraphs = new WeakMap<TypeIndex, Map<string, TypeIndex>>();

/** The index whose include graph has `moved` files' #include lines in place of its own. */
function includeGraphOf(index: TypeIndex, moved: [string, FileFacts][]): TypeIndex {
  if (moved.length === 0) return index;
  let graphs = includeGraphs.get(index);
  if (!graphs) includeGraphs.set(index, (graphs = new Map()));
  const key = JSON.stringify(moved.map(([path, facts]) => [path, facts.includes]));
  let graph = graphs.get(key);
  if (!graph) graphs.set(key, (graph = index.withOverlay(new Map(moved.map(([path, facts]) => [path, { decls: [], includes: facts.includes }])))));
  return graph;
}

function capNotice(skipped: number, unexamined: number): string {
  const parts = [
    ...(skipped > 0 ? [`${skipped} more call a function it changes`] : []),
    ...(unexamined > 0 ? [`${unexamined} more include a header it changes and were not read`] : []),
  ];
  return `only the first ${MAX_DEPENDENTS} files that use declarations this patch changes were analysed; ${parts.join(', ')}`;
}

function analyseHunks(patch: PatchSource, files: FilePatch[], analyser: ImageAnalyser, problems: PatchProblem[]): AnalysedChange[] {
  const none = new Map<string, string | null>();
  return files
    .filter((file) => isCSource(file.newPath ?? file.oldPath!))
    .map((file) => {
      const images = fragmentImages(file);
      const analyse = (path: string | null, text: string | null) => {
        if (path === null || text === null) return null;
        const analysis = analyser.analyse(path, text, none);
        problems.push(...analysis.problems.map((problem) => fromInputProblem(problem, patch)));
        return analysis;
      };
      return { before: analyse(file.oldPath, images.before), after: analyse(file.newPath, images.after), changed: images.changed };
    });
}

/** Broken suppression comments on the lines the patch adds (those already in the tree are scan's to report). */
function addedSuppressionProblems(patch: PatchSource, changes: readonly AnalysedChange[]): PatchProblem[] {
  return changes.flatMap((change) =>
    (change.after?.suppressionProblems ?? []).flatMap((problem): PatchProblem[] => {
      const patchLine = change.changed.added.get(problem.line);
      if (patchLine === undefined) return [];
      return [{ kind: 'suppression', patch: patch.label, file: problem.file, patchLine, reason: `line ${problem.line}: ${problem.message}`, applied: true }];
    }),
  );
}

function fromInputProblem(problem: InputProblem, patch: PatchSource): PatchProblem {
  const kind = problem.kind === 'too-large' ? 'too-large' : 'internal-error';
  return { kind, patch: patch.label, file: problem.path, reason: problem.reason, applied: true };
}

/** Findings at or above a confidence, for display; matching already happened on all of them. */
export function visibleFindings(findings: readonly AuditedFinding[], keep: (finding: Finding) => boolean, showExisting: boolean): AuditedFinding[] {
  return findings.filter((f) => keep(f.finding) && (showExisting || f.state !== 'existing'));
}
