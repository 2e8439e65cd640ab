// The flat syntax table's copy (SyntaxTable.fromTree), measured and checked on
// real files. Each .c/.h file under the paths is normalised as a scan does
// (with --raw also taken as it is, which parse-stats --raw reads and which has
// more errors) and parsed once. The first pass copies each tree right after its
// parse, in a fresh process, as a scan's worker does: its CPU (the process's,
// so the optimising compiler's threads count) is the cold figure; further
// passes copy the same trees again: the warm figures.
//
// --against DIR builds every table a second time with the syntax table of
// another build (DIR is its dist/, e.g. main's) and compares them column by
// column: type, field, start, end, parent, first child, next sibling, last
// descendant and flags of every node. Exit 1 at the first file that differs.
//
// Usage: node dist/bench/syntax-table-bench.js [--passes N] [--raw] [--against DIR] <paths...>

import * as fs from 'node:fs';
import * as path from 'node:path';
import { loadHints } from '../src/frontend/hints';
import { normalise } from '../src/frontend/normalise';
import { parseNative, SyntaxTable } from '../src/frontend/parse';
import type Parser = require('tree-sitter');
import { median } from './bench';

interface Options {
  passes: number;
  raw: boolean;
  against?: string;
  paths: string[];
}

type TableBuilder = { fromTree(tree: Parser.Tree, text: string): SyntaxTable };

function parseArgs(argv: string[]): Options {
  const options: Options = { passes: 5, raw: false, paths: [] };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '--passes') options.passes = Math.max(1, Number(argv[++i]));
    else if (arg === '--raw') options.raw = true;
    else if (arg === '--against') options.against = path.resolve(argv[++i]);
    else options.paths.push(arg);
  }
  if (options.paths.length === 0) throw new Error('usage: syntax-table-bench [--passes N] [--raw] [--against DIST] <paths...>');
  return options;
}

function sourceFiles(paths: string[]): string[] {
  const found: string[] = [];
  const visit = (at: string): void => {
    if (fs.statSync(at).isDirectory()) for (const entry of fs.readdirSync(at)) visit(path.join(at, entry));
    else if (/\.[ch]$/.test(at)) found.push(at);
  };
  paths.forEach(visit);
  return found.sort();
}

/** The first column in which two tables of one text differ, or null. */
export function firstColumnDifference(expected: SyntaxTable, actual: SyntaxTable): string | null {
  if (expected.size !== actual.size) return `size ${expected.size} != ${actual.size}`;
  const columns: [string, (table: SyntaxTable, index: number) => unknown][] = [
    ['type', (table, index) => table.typeOf(index)],
    ['field', (table, index) => table.node(index).fieldName],
    ['start', (table, index) => table.startOf(index)],
    ['end', (table, index) => table.endOf(index)],
    ['parent', (table, index) => table.parentIndex(index)],
    ['first child', (table, index) => table.firstChildIndex(index)],
    ['next sibling', (table, index) => table.nextSiblingIndex(index)],
    ['last descendant', (table, index) => table.lastDescendantIndex(index)],
    ['flags', (table, index) => `${table.isNamed(index)}/${table.isMissing(index)}/${table.hasError(index)}`],
  ];
  for (let index = 0; index < expected.size; index++) {
    for (const [name, read] of columns) {
      if (read(expected, index) !== read(actual, index)) return `node ${index} (${expected.typeOf(index)}): ${name} ${String(read(expected, index))} != ${String(read(actual, index))}`;
    }
  }
  return null;
}

function cpuMs(since: NodeJS.CpuUsage): number {
  const used = process.cpuUsage(since);
  return (used.user + used.system) / 1000;
}

function main(): void {
  const options = parseArgs(process.argv.slice(2));
  const reference = options.against ? (require(path.join(options.against, 'src/frontend/syntax-table')) as { SyntaxTable: TableBuilder }).SyntaxTable : null;
  const hints = loadHints();
  const texts: string[] = [];
  const labels: string[] = [];
  for (const file of sourceFiles(options.paths)) {
    const raw = fs.readFileSync(file, 'latin1');
    texts.push(normalise(raw, hints).text);
    labels.push(file);
    if (options.raw) {
      texts.push(raw);
      labels.push(`${file} (raw)`);
    }
  }
  const trees: Parser.Tree[] = [];
  let nodes = 0;
  let first = 0;
  let compared = 0;
  for (const [at, text] of texts.entries()) {
    const tree = parseNative(text);
    const started = process.cpuUsage();
    const table = SyntaxTable.fromTree(tree, text);
    first += cpuMs(started);
    nodes += table.size;
    trees.push(tree);
    if (reference) {
      const difference = firstColumnDifference(reference.fromTree(tree, text), table);
      if (difference) {
        console.error(`${labels[at]}: differs from ${options.against}: ${difference}`);
        process.exitCode = 1;
        return;
      }
      compared++;
    }
  }
  const warm: number[] = [];
  for (let pass = 1; pass < options.passes; pass++) {
    const started = process.cpuUsage();
    for (let i = 0; i < trees.length; i++) SyntaxTable.fromTree(trees[i], texts[i]);
    warm.push(cpuMs(started));
  }
  console.log(`${texts.length} texts, ${nodes} nodes; fromTree CPU ms: first pass ${first.toFixed(0)}${reference ? ' (with the reference build beside it)' : ''}, then ${warm.map((ms) => ms.toFixed(0)).join(' ')} (median ${warm.length ? median(warm).toFixed(0) : '-'})`);
  if (reference) console.log(`${compared} texts: every column identical to ${options.against}`);
}

if (require.main === module) main();
