// One replaying worker of store-bench.ts, in a process of its own so that its
// memory is its own: opens a store, replays a recorded lookup sequence (see
// record-lookups.ts), and prints one JSON line: times, memory, and a digest of
// every answer (to check that the stores answer the same).
//
// Usage: node dist/bench/store-replay.js VARIANT LOCATION LOOKUPS_FILE [JSON_DIST]

import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import { storeVariant, VariantName } from './store-variants';

export interface ReplayResult {
  openS: number;
  replayS: number;
  /** CPU time of the replay (user and system): less at the mercy of a shared machine than wall time. */
  replayCpuS: number;
  lookups: number;
  includes: number;
  /** Peak resident set of the process, and what it holds at the end: anonymous (its own heap) and file pages (shared page cache). */
  peakKb: number;
  anonKb: number;
  fileKb: number;
  digest: string;
}

function memory(): { peakKb: number; anonKb: number; fileKb: number } {
  const status = fs.readFileSync('/proc/self/status', 'utf8');
  const field = (name: string) => Number(new RegExp(`^${name}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? NaN);
  return { peakKb: field('VmHWM'), anonKb: field('RssAnon'), fileKb: field('RssFile') };
}

function main(): void {
  const [name, location, lookupsFile, jsonDist] = process.argv.slice(2);
  const operations = fs
    .readFileSync(lookupsFile, 'utf8')
    .split('\n')
    .filter((line) => line.length > 2)
    .map((line) => [line[0], line.slice(2)] as const);
  const variant = storeVariant(name as VariantName, jsonDist);

  const started = process.hrtime.bigint();
  const reader = variant.open(location);
  const opened = process.hrtime.bigint();
  const cpuBefore = process.cpuUsage();
  let lookups = 0;
  let includes = 0;
  for (const [kind, argument] of operations) {
    if (kind === 'L') {
      reader.lookup(argument);
      lookups++;
    } else if (kind === 'I') {
      reader.includesOf(argument);
      includes++;
    }
  }
  const replayed = process.hrtime.bigint();
  const cpu = process.cpuUsage(cpuBefore);
  const used = memory();

  // Not timed: every answer, in order, into one digest.
  const digest = crypto.createHash('sha1');
  for (const [kind, argument] of operations) {
    const answer = kind === 'L' ? reader.lookup(argument) : kind === 'I' ? reader.includesOf(argument) : null;
    digest.update(`${kind}\t${argument}\t${JSON.stringify(answer)}\n`);
  }
  reader.close();
  const result: ReplayResult = {
    openS: Number(opened - started) / 1e9,
    replayS: Number(replayed - opened) / 1e9,
    replayCpuS: (cpu.user + cpu.system) / 1e6,
    lookups,
    includes,
    ...used,
    digest: digest.digest('hex'),
  };
  process.stdout.write(`${JSON.stringify(result)}\n`);
}

main();
