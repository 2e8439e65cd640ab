// What the configuration, suppression comments and a baseline do to a scan:
// settings and excluded files before the analysis; after it, which findings
// are ignored, suppressed or already accepted, and which count.

import * as fs from 'node:fs';
import * as path from 'node:path';
import { BaselineEntry, CONFIDENCE_RANK, Confidence, Finding, GatingSummary } from '../model';
import type { SourceFile } from '../input/walk';
import type { SuppressionDirective } from './suppression-comments';
import type { GatingConfig } from './config';
import { Baseline, baselineEntries, matchBaseline, readBaseline, renderBaseline } from './baseline';
import { GatingError } from './errors';
import { configFor, configStart, ConfigRequest, RuleRunSettings, withConfig } from './settings';
import { applySuppressions } from './suppressions';

export interface ScanGateOptions extends ConfigRequest {
  /** List suppression comments that matched no finding (as problems that fail the run). */
  reportUnusedSuppressions?: boolean;
  /** Compare with this baseline file. */
  baseline?: string;
  /** Record the findings in this baseline file (and compare with it, unless `baseline` names another). */
  writeBaseline?: string;
}

export interface AnalysedFile {
  file: SourceFile;
  suppressions?: SuppressionDirective[];
}

export interface GateVerdict {
  /** At or above the minimum confidence, in the order given, suppressed and baselined ones marked. */
  findings: Finding[];
  gating: GatingSummary;
  /** Notes for stderr (the baseline written, stale entries); a note's later lines are indented. */
  notes: string[];
}

/** Stale entries named one by one on stderr; the JSON report has them all. */
const MAX_STALE_NOTES = 20;

export class ScanGate {
  private constructor(
    private readonly options: ScanGateOptions,
    readonly config: GatingConfig | null,
    private readonly baseline: Baseline | null,
  ) {}

  /** Reads the configuration and the baseline; a broken one throws before any analysis. */
  static open<T extends RuleRunSettings>(
    paths: readonly string[],
    settings: T,
    options: ScanGateOptions & { tree: string | null },
    knownRules: readonly string[],
  ): { gate: ScanGate; settings: T } {
    const config = configFor(options, configStart(options.tree, paths[0]), new Set(knownRules));
    const baseline = options.baseline ? readBaseline(options.baseline) : null;
    if (options.writeBaseline) checkWritable(options.writeBaseline);
    const merged = withConfig(settings, config, options.explicit ?? new Set(), knownRules);
    return { gate: new ScanGate(options, config, baseline), settings: merged };
  }

  /** Files the configuration does not exclude. */
  includedFiles(files: readonly SourceFile[]): SourceFile[] {
    const config = this.config;
    return config ? files.filter((file) => !config.excluded(file.absolutePath)) : [...files];
  }

  /** `findings`: every finding of the run, any confidence, in report order. */
  judge(findings: readonly Finding[], analysed: readonly AnalysedFile[], context: { knownRules: readonly string[]; rulesRun: readonly string[]; minConfidence: Confidence }): GateVerdict {
    const absoluteByDisplay = new Map(analysed.map(({ file }) => [file.displayPath, file.absolutePath]));
    const absolutePathOf = (finding: Finding) => absoluteByDisplay.get(finding.location.file) ?? path.resolve(finding.location.file);
    const config = this.config;
    const kept = config ? findings.filter((f) => !config.ignoredFor(f.ruleId, absolutePathOf(f))) : findings;

    const rulesRun = new Set(context.rulesRun);
    const suppressed = applySuppressions(
      kept,
      analysed.filter((a) => a.suppressions?.length).map((a) => ({ file: a.file.displayPath, directives: a.suppressions! })),
      { knownRules: new Set(context.knownRules), rulesRun, reportUnused: Boolean(this.options.reportUnusedSuppressions) },
    );
    const visible = (f: Finding) => CONFIDENCE_RANK[f.confidence] >= CONFIDENCE_RANK[context.minConfidence];
    const notes: string[] = [];

    let baseline = this.baseline;
    if (this.options.writeBaseline) {
      const entries = baselineEntries(suppressed.findings.filter((f) => !f.suppression && visible(f)), this.options.writeBaseline, absolutePathOf);
      fs.writeFileSync(this.options.writeBaseline, renderBaseline(entries));
      notes.push(`wrote ${entries.length} baseline ${entries.length === 1 ? 'entry' : 'entries'} to ${this.options.writeBaseline}`);
      baseline ??= { file: this.options.writeBaseline, entries };
    }

    let judged = suppressed.findings;
    const gating: GatingSummary = { suppressed: 0, suppressionProblems: suppressed.problems };
    if (baseline) {
      // Findings shown are matched first: a hidden (lower-confidence) copy of the same code must not take a shown one's entry.
      const active = [...judged.filter((f) => !f.suppression && visible(f)), ...judged.filter((f) => !f.suppression && !visible(f))];
      const match = matchBaseline(active, baseline, absolutePathOf, { rulesRun, filesAnalysed: analysed.map((a) => a.file.absolutePath) });
      const states = new Map(active.map((f, i) => [f, match.findings[i]]));
      judged = judged.map((f) => states.get(f) ?? f);
      gating.baseline = { file: baseline.file, unchanged: match.findings.filter((f) => f.baselineState === 'unchanged' && visible(f)).length, stale: match.stale };
      if (match.stale.length > 0) notes.push(staleNote(baseline.file, match.stale));
    }
    const shown = judged.filter(visible);
    gating.suppressed = shown.filter((f) => f.suppression).length;
    return { findings: shown, gating, notes };
  }
}

/** The stale entries: a line, then one indented line per entry. */
function staleNote(file: string, stale: readonly BaselineEntry[]): string {
  const lines = [`baseline ${file}: ${stale.length} stale ${stale.length === 1 ? 'entry matches' : 'entries match'} no finding any more (remove ${stale.length === 1 ? 'it' : 'them'}, or write the baseline again):`];
  for (const entry of stale.slice(0, MAX_STALE_NOTES)) lines.push(`  ${entry.file}: ${entry.rule} ${entry.fingerprint}: ${entry.message}`);
  if (stale.length > MAX_STALE_NOTES) lines.push(`  ... and ${stale.length - MAX_STALE_NOTES} more (all are in the JSON report)`);
  return lines.join('\n');
}

/** A baseline that cannot be written is an error before the analysis, not after it. */
function checkWritable(file: string): void {
  const directory = path.dirname(path.resolve(file));
  if (!fs.statSync(directory, { throwIfNoEntry: false })?.isDirectory()) throw new GatingError(`--write-baseline ${file}: no such directory: ${directory}`);
  try {
    fs.accessSync(directory, fs.constants.W_OK);
  } catch {
    throw new GatingError(`--write-baseline ${file}: cannot write in ${directory}`);
  }
}

export interface ShowOptions {
  /** Text and JSON: also the findings suppression comments accept. */
  showSuppressed?: boolean;
  /** Text: also the findings the baseline has. */
  showBaselined?: boolean;
}

/**
 * The findings a report lists: SARIF carries every one (with its suppression
 * or baseline state, which code scanning reads); JSON leaves out suppressed
 * ones; text and checkpatch also leave out baselined ones. Each unless asked.
 */
export function reportedFindings(findings: readonly Finding[], format: string, show: ShowOptions): Finding[] {
  if (format === 'sarif') return [...findings];
  return findings.filter(
    (f) => (show.showSuppressed || !f.suppression) && (format === 'json' || show.showBaselined || f.baselineState !== 'unchanged'),
  );
}
