// Compares three stores for the name table on the same workload:
//   - the whole tree's facts, from a warm index's facts pack, written as one table (time, size);
//   - the lookups a real scan made, recorded per worker thread and replayed by two worker
//     processes at once (open and replay time, peak and anonymous RSS per worker);
//   - a refresh after a few files changed (json and flat: a delta table; lmdb: in place).
// Variants run in turns within each round; medians over the rounds are printed as a Markdown table.
//
// Usage: npm run build && node dist/bench/store-bench.js [options]
//   --tree DIR         the kernel tree whose warm index is read (default: ../shared/kernel-tree.sh)
//   --cache-dir DIR    the cache holding that warm index (default: patch-audit's default cache dir); only read
//   --json-dist DIR    dist/ of a build of the commit before name table format 3, for the json variant
//   --variants LIST    default json,flat,lmdb
//   --runs N           rounds (default 3)
//   --out DIR          where the stores are written (default /tmp/patch-audit-store-bench)
//   --lookups DIR      recorded *.lookups files (default: record them now, scanning --scan paths)
//   --scan PATHS       tree paths the recorded scan covers, comma-separated (default virt,arch/x86/kvm,mm)

import { spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { defaultCacheDir } from '../src/types/cache-dir';
import { cacheKey, KeyDirectory } from '../src/types/facts-cache';
import { TreeDirectory } from '../src/types/tree-directory';
import { PackReader } from '../src/types/facts-pack';
import { readManifest } from '../src/types/manifest';
import { decodeFacts, EncodedFacts, encodeFacts } from '../src/types/table-file';
import { compareBytewise } from '../src/input/walk';
import { bytesOnDisk, Changed, Files, storeVariant, StoreVariant, VARIANT_NAMES, VariantName } from './store-variants';
import type { ReplayResult } from './store-replay';
import { median } from './bench';

const DIST = path.resolve(__dirname, '..');
const CHANGED_FILES = ['arch/x86/kvm/mmu/mmu.c', 'include/linux/kvm_host.h', 'include/linux/mm.h', 'mm/memory.c', 'virt/kvm/kvm_main.c'];
const MARKER = '__store_bench_marker';

interface Options {
  tree: string;
  cacheDir: string;
  jsonDist?: string;
  variants: VariantName[];
  runs: number;
  out: string;
  lookups?: string;
  scan: string[];
}

interface RoundResult {
  variant: VariantName;
  writeS: number;
  writeCpuS: number;
  apparentBytes: number;
  allocatedBytes: number;
  workers: ReplayResult[];
  refreshS: number;
  refreshBytes: number;
}

function parseOptions(argv: string[]): Options {
  const value = (flag: string) => {
    const at = argv.indexOf(flag);
    if (at < 0) return undefined;
    if (at + 1 >= argv.length) fail(`${flag} needs a value`);
    return argv[at + 1];
  };
  const variants = (value('--variants') ?? VARIANT_NAMES.join(',')).split(',') as VariantName[];
  for (const v of variants) if (!VARIANT_NAMES.includes(v)) fail(`unknown variant ${v}; known: ${VARIANT_NAMES.join(', ')}`);
  const runs = Number(value('--runs') ?? 3);
  if (!Number.isInteger(runs) || runs < 1) fail('--runs needs a whole number of at least 1');
  const tree = value('--tree') ?? spawnSync(path.resolve(DIST, '..', '..', 'shared', 'kernel-tree.sh'), { encoding: 'utf8' }).stdout.trim();
  if (!tree || !fs.existsSync(path.join(tree, 'Makefile'))) fail(`no kernel tree at ${tree || '(none given)'}`);
  return {
    tree: fs.realpathSync(tree),
    cacheDir: path.resolve(value('--cache-dir') ?? defaultCacheDir()),
    jsonDist: value('--json-dist'),
    variants,
    runs,
    out: path.resolve(value('--out') ?? '/tmp/patch-audit-store-bench'),
    lookups: value('--lookups'),
    scan: (value('--scan') ?? 'virt,arch/x86/kvm,mm').split(','),
  };
}

function fail(message: string): never {
  process.stderr.write(`store-bench: ${message}\n`);
  process.exit(2);
}

/** The shared facts of one cache key, and the tree's own manifest. */
interface IndexCache {
  key: KeyDirectory;
  tree: TreeDirectory;
}

/** Every indexed file's facts from the warm index, sorted by path. */
function loadFacts(cache: IndexCache): Files {
  const { manifest } = readManifest(cache.tree.manifestPath);
  if (!manifest) fail(`no usable index manifest at ${cache.tree.manifestPath}: index the tree first`);
  const reader = new PackReader(cache.key.packPath);
  const hashes = [...manifest.files.values()].flatMap((entry) => (entry.hash ? [entry.hash] : []));
  const pack = reader.read(hashes).facts;
  reader.close();
  const files: [string, EncodedFacts][] = [];
  for (const [file, entry] of manifest.files) {
    if (!entry.hash) continue;
    const facts = pack.get(entry.hash);
    if (!facts) fail(`the facts pack lacks ${file}: index the tree again`);
    files.push([file, facts]);
  }
  return files.sort((a, b) => compareBytewise(a[0], b[0]));
}

/** Runs the scan with record-lookups.js preloaded, on a copy of the warm index (this build may rewrite its table). */
function recordLookups(options: Options, cache: IndexCache): string {
  const copy = path.join(options.out, 'record-cache');
  const copiedKey = path.join(copy, path.relative(options.cacheDir, cache.key.path));
  const copiedTree = path.join(copy, path.relative(options.cacheDir, cache.tree.path));
  fs.rmSync(copy, { recursive: true, force: true });
  fs.mkdirSync(copiedTree, { recursive: true });
  fs.copyFileSync(cache.key.packPath, path.join(copiedKey, path.basename(cache.key.packPath)));
  fs.copyFileSync(cache.tree.manifestPath, path.join(copiedTree, path.basename(cache.tree.manifestPath)));
  const lookups = path.join(options.out, 'lookups');
  fs.rmSync(lookups, { recursive: true, force: true });
  fs.mkdirSync(lookups, { recursive: true });
  const args = ['--require', path.join(DIST, 'bench', 'record-lookups.js'), path.join(DIST, 'src', 'cli.js'), 'scan', ...options.scan];
  args.push('-f', 'json', '--min-confidence', 'low', '-j', '2', '--cache-dir', copy, '-o', path.join(options.out, 'recorded-scan.json'));
  process.stderr.write(`recording the lookups of: scan ${options.scan.join(' ')}\n`);
  const run = spawnSync(process.execPath, args, { cwd: options.tree, env: { ...process.env, PATCH_AUDIT_RECORD_LOOKUPS: lookups }, stdio: ['ignore', 'ignore', 'inherit'] });
  if (run.status !== 0 && run.status !== 1) fail(`the recorded scan exited with ${run.status ?? run.signal}`);
  fs.rmSync(copy, { recursive: true, force: true });
  return lookups;
}

/** The changed files' facts with one more declaration each, so a refresh has something to show. */
function changedFiles(files: Files): Changed {
  const byPath = new Map(files);
  return CHANGED_FILES.map((file) => {
    const before = byPath.get(file);
    if (!before) fail(`${file} is not in the index`);
    const facts = decodeFacts(before);
    facts.decls.push({ kind: 'variable', name: MARKER, line: 1, type: { k: 'int', name: 'int' }, static: false, extern: false });
    return [file, before, encodeFacts(facts)] as const;
  });
}

function replay(variant: StoreVariant, location: string, lookupsFile: string, jsonDist: string | undefined): Promise<ReplayResult> {
  const args = [path.join(DIST, 'bench', 'store-replay.js'), variant.name, location, lookupsFile, ...(jsonDist ? [jsonDist] : [])];
  const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'inherit'] });
  let out = '';
  child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
  return new Promise((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code) => (code === 0 ? resolve(JSON.parse(out) as ReplayResult) : reject(new Error(`${variant.name} replay exited with ${code}`))));
  });
}

function seconds(since: bigint): number {
  return Number(process.hrtime.bigint() - since) / 1e9;
}

async function round(variant: StoreVariant, options: Options, files: Files, changed: Changed, lookupFiles: string[]): Promise<RoundResult> {
  const dir = path.join(options.out, variant.name);
  fs.rmSync(dir, { recursive: true, force: true });
  fs.mkdirSync(dir, { recursive: true });
  const location = variant.name === 'lmdb' ? path.join(dir, 'names.lmdb') : path.join(dir, 'names.table');
  let started = process.hrtime.bigint();
  const cpuBefore = process.cpuUsage();
  variant.writeBase(location, files);
  const writeS = seconds(started);
  const cpu = process.cpuUsage(cpuBefore);
  const size = bytesOnDisk(variant, location);
  const workers = await Promise.all(lookupFiles.map((file) => replay(variant, location, file, options.jsonDist)));

  const baseBytes = size.allocated;
  started = process.hrtime.bigint();
  variant.refresh(location, changed);
  const refreshS = seconds(started);
  const reader = variant.open(location);
  const marked = reader.lookup(`o:${MARKER}`).map((d) => d.file);
  reader.close();
  if (marked.join() !== [...CHANGED_FILES].sort(compareBytewise).join()) throw new Error(`${variant.name}: after the refresh, ${MARKER} is in ${marked.join(', ') || 'no file'}`);
  return {
    variant: variant.name,
    writeS,
    writeCpuS: (cpu.user + cpu.system) / 1e6,
    apparentBytes: size.apparent,
    allocatedBytes: size.allocated,
    workers,
    refreshS,
    refreshBytes: bytesOnDisk(variant, location).allocated - baseBytes,
  };
}


function report(results: RoundResult[], options: Options): string {
  const mb = (bytes: number) => `${(bytes / 1e6).toFixed(bytes < 1e7 ? 2 : 0)} MB`;
  const lines = [
    '| store | write (whole tree): wall, CPU | on disk | open | replay, slower worker: wall, CPU | peak RSS per worker | anonymous RSS per worker | refresh (5 files) | refresh writes |',
    '|---|---:|---:|---:|---:|---:|---:|---:|---:|',
  ];
  for (const name of options.variants) {
    const mine = results.filter((r) => r.variant === name);
    const per = (pick: (r: RoundResult) => number) => median(mine.map(pick));
    const worst = (pick: (w: ReplayResult) => number) => per((r) => Math.max(...r.workers.map(pick)));
    lines.push(
      `| ${name} | ${per((r) => r.writeS).toFixed(1)} s, ${per((r) => r.writeCpuS).toFixed(1)} s | ${mb(per((r) => r.allocatedBytes))} | ` +
        `${(worst((w) => w.openS) * 1000).toFixed(1)} ms | ${worst((w) => w.replayS).toFixed(2)} s, ${worst((w) => w.replayCpuS).toFixed(2)} s | ${(worst((w) => w.peakKb) / 1024).toFixed(0)} MB | ${(worst((w) => w.anonKb) / 1024).toFixed(0)} MB | ` +
        `${(per((r) => r.refreshS) * 1000).toFixed(0)} ms | ${mb(per((r) => r.refreshBytes))} |`,
    );
  }
  return lines.join('\n');
}

async function main(): Promise<void> {
  const options = parseOptions(process.argv.slice(2));
  const variants = options.variants.map((name) => storeVariant(name, options.jsonDist));
  fs.mkdirSync(options.out, { recursive: true });
  const key = new KeyDirectory(options.cacheDir, cacheKey([]));
  const cache: IndexCache = { key, tree: key.tree(fs.realpathSync(options.tree)) };
  const lookupsDir = options.lookups ?? recordLookups(options, cache);
  const lookupFiles = fs.readdirSync(lookupsDir).filter((f) => f.endsWith('.lookups')).map((f) => path.join(lookupsDir, f)).sort();
  if (lookupFiles.length === 0) fail(`no *.lookups files in ${lookupsDir}`);
  process.stderr.write(`loading the facts of ${options.tree} from ${cache.tree.path}\n`);
  const files = loadFacts(cache);
  const changed = changedFiles(files);

  const results: RoundResult[] = [];
  for (let r = 0; r < options.runs; r++) {
    // Turns rotate, so no variant always goes first (after the other's writes, with a colder cache).
    for (let v = 0; v < variants.length; v++) {
      const variant = variants[(v + r) % variants.length];
      const result = await round(variant, options, files, changed, lookupFiles);
      process.stderr.write(`round ${r + 1} ${variant.name}: ${JSON.stringify(result)}\n`);
      results.push(result);
    }
  }
  const digests = new Map<string, Set<VariantName>>();
  for (const result of results) {
    for (const [i, worker] of result.workers.entries()) {
      const key = `${lookupFiles[i]} ${worker.digest}`;
      if (!digests.has(key)) digests.set(key, new Set());
      digests.get(key)!.add(result.variant);
    }
  }
  const agree = digests.size === lookupFiles.length;
  fs.writeFileSync(path.join(options.out, 'results.json'), JSON.stringify(results, null, 1));
  const lookups = results[0].workers.map((w) => `${w.lookups} lookups and ${w.includes} includesOf`).join('; ');
  process.stdout.write(`${report(results, options)}\n\nworkers: ${lookups}; ${options.runs} rounds, medians.\n`);
  process.stdout.write(agree ? 'every store gave the same answers to every lookup.\n' : 'THE STORES DISAGREE: see results.json (digests)\n');
  if (!agree) process.exitCode = 1;
}

main().catch((error: unknown) => fail(error instanceof Error ? error.message : String(error)));
