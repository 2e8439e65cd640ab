// npm run triage -- [findings.json|-] [options]
// The precision record against a findings report (scan -f json --min-confidence low):
// what is kept, what is gone, what is not triaged, precision per rule and tier.
// With --sample N: a reproducible random sample of untriaged shown findings, laid out for triage.

import * as path from 'node:path';
import { Command, InvalidArgumentError } from 'commander';
import { FindingsFormatError, readFindings } from './precision/findings';
import { matchRows } from './precision/match';
import { PENDING, RecordFormatError, appendRows, latestRows, readRecordDir, type Tier } from './precision/record';
import { buildReport, renderReport } from './precision/report';
import { drawSample, renderForTriage } from './precision/sample';

const REPO = path.resolve(__dirname, '..', '..');
const DEFAULT_TREE = '/root/.cache/patch-audit-kernel/linux-source-6.1';

function integer(text: string): number {
  if (!/^\d+$/.test(text)) throw new InvalidArgumentError('not a whole number');
  return Number(text);
}

function shownTier(text: string): Tier {
  if (text !== 'medium' && text !== 'high') throw new InvalidArgumentError('medium or high: samples are drawn from the shown tiers');
  return text;
}

function today(): string {
  return new Date().toISOString().slice(0, 10);
}

interface Options {
  record: string;
  sample?: number;
  seed: number;
  rule?: string;
  tier?: Tier;
  tree: string;
  context: number;
  append: boolean;
  date: string;
  json: boolean;
  showFalse: boolean;
}

function run(input: string, options: Options): void {
  const findings = readFindings(input);
  const rows = latestRows(readRecordDir(options.record));
  const matches = matchRows(rows, findings);
  if (options.sample === undefined) {
    const report = buildReport(matches, findings);
    process.stdout.write(options.json ? `${JSON.stringify(report, null, 2)}\n` : renderReport(report, { listFalseShown: options.showFalse }));
    return;
  }
  const groups = drawSample(findings, matches, { size: options.sample, seed: options.seed, rule: options.rule, tier: options.tier });
  for (const group of groups) {
    process.stdout.write(`### ${group.ruleId} ${group.tier}: ${group.drawn.length} of ${group.population} untriaged (seed ${options.seed})\n\n`);
    for (const finding of group.drawn) process.stdout.write(`${renderForTriage(finding, options.tree, options.context)}\n`);
    if (options.append && group.drawn.length > 0) {
      const file = appendRows(
        options.record,
        group.ruleId,
        group.drawn.map((f) => ({ file: f.location.file, line: f.location.line, column: f.location.column, fingerprint: f.fingerprint, tier: f.confidence, verdict: PENDING, reason: PENDING, date: options.date })),
      );
      process.stderr.write(`appended ${group.drawn.length} rows to fill in (verdict and reason '${PENDING}') to ${file}\n`);
    }
  }
}

const program = new Command('triage')
  .description('The precision record (bench/triage/<rule-id>.tsv) against a findings report')
  .argument('[findings]', 'JSON report of scan -f json --min-confidence low, or a findings array; - for standard input', '-')
  .option('--record <dir>', 'the precision record', path.join(REPO, 'bench', 'triage'))
  .option('--sample <n>', 'draw n untriaged shown findings per rule and tier, for triage', integer)
  .option('--seed <s>', 'seed of the draw', integer, 13)
  .option('--rule <id>', 'sample only this rule')
  .option('--tier <tier>', 'sample only this tier (medium or high)', shownTier)
  .option('--tree <dir>', 'the kernel tree the findings are in', DEFAULT_TREE)
  .option('--context <n>', 'lines of code shown around a finding', integer, 8)
  .option('--append', 'append the drawn findings to the record as rows to fill in', false)
  .option('--date <yyyy-mm-dd>', 'date of appended rows', today())
  .option('--json', 'the report as JSON', false)
  .option('--show-false', 'also list the recorded false findings still shown', false)
  .action((input: string, options: Options) => {
    try {
      run(input, options);
    } catch (error) {
      if (error instanceof RecordFormatError || error instanceof FindingsFormatError) {
        process.stderr.write(`triage: ${error.message}\n`);
        process.exit(2);
      }
      throw error;
    }
  });

// A usage error exits 2, as everywhere in patch-audit; --help and --version exit 0.
program.exitOverride((error) => process.exit(error.exitCode === 0 ? 0 : 2));
program.parse();
