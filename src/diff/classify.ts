// Introduced, fixed or existing: findings of the pre-image and the post-image
// matched by fingerprint (rule, function, normalised code), never by line, so
// code that only moved is neither introduced nor fixed. Matching is over the
// whole patch, so code moved from one file to another matches too.

import type { Finding } from '../model';
import type { ChangedLines } from './apply';
import type { FunctionSpan, ImageAnalysis } from './image-analysis';
import type { AuditedFinding } from './model';

/** One touched file's two analyses (null: that side does not exist or was not analysed). */
export interface AnalysedChange {
  before: ImageAnalysis | null;
  after: ImageAnalysis | null;
  changed: ChangedLines;
}

interface Side {
  finding: Finding;
  patchLine?: number;
  onChangedLine: boolean;
}

/** The fingerprint without its occurrence number: "a1b2:1" and "a1b2" are the same code. */
function baseFingerprint(finding: Finding): string {
  return finding.fingerprint.replace(/:\d+$/, '');
}

function sides(changes: readonly AnalysedChange[], image: 'before' | 'after'): Side[] {
  return changes.flatMap((change) => {
    const lines = image === 'before' ? change.changed.removed : change.changed.added;
    return (change[image]?.findings ?? []).map((finding) => {
      const patchLine = lines.get(finding.location.line);
      return { finding, onChangedLine: patchLine !== undefined, ...(patchLine === undefined ? {} : { patchLine }) };
    });
  });
}

function groupByFingerprint(list: Side[]): Map<string, Side[]> {
  const groups = new Map<string, Side[]>();
  for (const side of list) {
    const key = baseFingerprint(side.finding);
    let group = groups.get(key);
    if (!group) groups.set(key, (group = []));
    group.push(side);
  }
  return groups;
}

/** Functions with a changed line, on either side: where existing findings are worth showing. */
function touchedFunctions(changes: readonly AnalysedChange[]): Set<string> {
  const touched = new Set<string>();
  const mark = (spans: readonly FunctionSpan[] | undefined, lines: Map<number, number>) => {
    for (const span of spans ?? []) {
      for (const line of lines.keys()) {
        if (line >= span.startLine && line <= span.endLine) {
          touched.add(span.name);
          break;
        }
      }
    }
  };
  for (const change of changes) {
    mark(change.before?.functions, change.changed.removed);
    mark(change.after?.functions, change.changed.added);
  }
  return touched;
}

export function classifyFindings(changes: readonly AnalysedChange[]): AuditedFinding[] {
  const before = groupByFingerprint(sides(changes, 'before'));
  const after = groupByFingerprint(sides(changes, 'after'));
  const touched = touchedFunctions(changes);
  const out: AuditedFinding[] = [];
  // Findings on changed lines are paired last, so when the counts differ they are the ones left over.
  const unchangedFirst = (a: Side, b: Side) => Number(a.onChangedLine) - Number(b.onChangedLine);
  for (const key of new Set([...before.keys(), ...after.keys()])) {
    const pre = [...(before.get(key) ?? [])].sort(unchangedFirst);
    const post = [...(after.get(key) ?? [])].sort(unchangedFirst);
    const paired = Math.min(pre.length, post.length);
    for (const side of post.slice(0, paired)) {
      const name = side.finding.functionName;
      if (side.onChangedLine || (name !== undefined && touched.has(name))) out.push({ state: 'existing', ...side });
    }
    for (const side of post.slice(paired)) out.push({ state: 'introduced', ...side });
    for (const side of pre.slice(paired)) out.push({ state: 'fixed', ...side });
  }
  return out;
}
