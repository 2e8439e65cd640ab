// Draws reproducible random samples of shown findings nobody triaged yet, and
// lays each out for reading: message, evidence and the code around it.

import * as fs from 'node:fs';
import * as path from 'node:path';
import { isShown, type ReportedFinding } from './findings';
import type { Match } from './match';
import { tierRank, type Tier } from './record';

/** mulberry32: a small seeded generator, the same sequence on every machine. */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export interface SampleOptions {
  size: number;
  seed: number;
  rule?: string;
  tier?: Tier;
}

export interface SampleGroup {
  ruleId: string;
  tier: Tier;
  /** Shown, untriaged findings of this rule and tier. */
  population: number;
  drawn: ReportedFinding[];
}

function compareLocation(a: ReportedFinding, b: ReportedFinding): number {
  const fa = a.location.file;
  const fb = b.location.file;
  if (fa !== fb) return fa < fb ? -1 : 1;
  return a.location.line - b.location.line || a.location.column - b.location.column || (a.fingerprint < b.fingerprint ? -1 : a.fingerprint > b.fingerprint ? 1 : 0);
}

/**
 * Per rule and tier, `size` findings drawn without replacement from the shown
 * ones no row matches. The population is put in location order first, so the
 * draw depends only on the findings, the record and the seed; each group has
 * its own generator, so filtering by rule or tier does not change a group's draw.
 */
export function drawSample(findings: ReportedFinding[], matches: Match[], options: SampleOptions): SampleGroup[] {
  const triaged = new Set(matches.flatMap((m) => (m.finding ? [m.finding] : [])));
  const groups = new Map<string, ReportedFinding[]>();
  for (const f of findings) {
    if (!isShown(f) || triaged.has(f)) continue;
    if (options.rule !== undefined && f.ruleId !== options.rule) continue;
    if (options.tier !== undefined && f.confidence !== options.tier) continue;
    const key = `${f.ruleId}\0${f.confidence}`;
    const group = groups.get(key);
    if (group) group.push(f);
    else groups.set(key, [f]);
  }
  const result: SampleGroup[] = [];
  for (const [key, population] of groups) {
    const [ruleId, tier] = key.split('\0') as [string, Tier];
    population.sort(compareLocation);
    const random = seededRandom(options.seed ^ hashText(key));
    const pool = population.slice();
    const count = Math.min(options.size, pool.length);
    for (let i = 0; i < count; i++) {
      const j = i + Math.floor(random() * (pool.length - i));
      [pool[i], pool[j]] = [pool[j], pool[i]];
    }
    result.push({ ruleId, tier, population: population.length, drawn: pool.slice(0, count).sort(compareLocation) });
  }
  return result.sort((a, b) => (a.ruleId < b.ruleId ? -1 : a.ruleId > b.ruleId ? 1 : tierRank(b.tier) - tierRank(a.tier)));
}

/** FNV-1a, to give each rule+tier group its own stream from one seed. */
function hashText(text: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) hash = Math.imul(hash ^ text.charCodeAt(i), 0x01000193);
  return hash >>> 0;
}

/** Lines first..last of a file in the tree, numbered, `>` on the marked ones; null when unreadable. */
function excerpt(tree: string, file: string, first: number, last: number, marked: Set<number>): string[] | null {
  let text: string;
  try {
    text = fs.readFileSync(path.join(tree, file), 'latin1');
  } catch {
    return null;
  }
  const lines = text.split('\n');
  const out: string[] = [];
  for (let n = Math.max(1, first); n <= Math.min(lines.length, last); n++) {
    out.push(`${marked.has(n) ? '>' : ' '}${String(n).padStart(6)}  ${lines[n - 1].replace(/\t/g, '        ')}`);
  }
  return out;
}

/** One finding laid out for triage: what the tool says, then the code it is about. */
export function renderForTriage(finding: ReportedFinding, tree: string, context = 8): string {
  const { file, line, column } = finding.location;
  const out = [
    `== ${finding.ruleId} (${finding.confidence}) ${file}:${line}:${column} fingerprint ${finding.fingerprint}`,
    `   ${finding.message}`,
    ...finding.evidence.map((e) => `   - ${e.location.file}:${e.location.line}: ${e.message}`),
  ];
  const sameFile = finding.evidence.filter((e) => e.location.file === file).map((e) => e.location.line);
  const marked = new Set([line, ...sameFile]);
  // The window reaches the evidence lines of the same function when they are near.
  const near = sameFile.filter((n) => Math.abs(n - line) <= 40);
  const first = Math.min(line, ...near) - context;
  const last = Math.max(line, ...near) + context;
  const code = excerpt(tree, file, first, last, marked);
  out.push(...(code ?? [`   (${path.join(tree, file)} cannot be read)`]));
  for (const e of finding.evidence) {
    if (e.location.file === file && e.location.line >= first && e.location.line <= last) continue;
    const other = excerpt(tree, e.location.file, e.location.line, e.location.line, new Set([e.location.line]));
    if (other) out.push(`   ${e.location.file}:`, ...other);
  }
  return `${out.join('\n')}\n`;
}
