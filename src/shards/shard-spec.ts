// `--shard i/N`: which of N disjoint parts of the input this run analyses.
// Files are dealt out by size, largest first, each to the part with the least
// bytes so far (ties to the lower part; equal sizes in path order), so every
// machine of a CI matrix computes the same split from the same tree, and the
// parts take about the same time.

import type { SourceFile } from '../input/walk';

export interface ShardSpec {
  /** 1-based. */
  index: number;
  count: number;
}

export class ShardSpecError extends Error {}

/** "2/3" -> { index: 2, count: 3 }. */
export function parseShardSpec(text: string): ShardSpec {
  const match = /^\s*(\d+)\s*\/\s*(\d+)\s*$/.exec(text);
  if (!match) throw new ShardSpecError(`--shard: expected i/N such as 1/3, got '${text}'`);
  const index = Number(match[1]);
  const count = Number(match[2]);
  if (count < 1) throw new ShardSpecError(`--shard ${text}: N must be at least 1`);
  if (index < 1 || index > count) throw new ShardSpecError(`--shard ${text}: i must be between 1 and ${count}`);
  return { index, count };
}

/** The shard (1-based) each file goes to, by position in `files`. */
export function assignShards(files: readonly SourceFile[], count: number): number[] {
  const order = files
    .map((file, position) => ({ file, position }))
    .sort((a, b) => b.file.size - a.file.size || compareText(a.file.displayPath, b.file.displayPath) || a.position - b.position);
  const load = new Array<number>(count).fill(0);
  const shardOf = new Array<number>(files.length);
  for (const { file, position } of order) {
    let lightest = 0;
    for (let shard = 1; shard < count; shard++) if (load[shard]! < load[lightest]!) lightest = shard;
    // An empty file still counts, so that many empty files spread out too.
    load[lightest]! += Math.max(file.size, 1);
    shardOf[position] = lightest + 1;
  }
  return shardOf;
}

/** The files of one shard, in their input order. */
export function filesOfShard<T extends SourceFile>(files: readonly T[], spec: ShardSpec): T[] {
  const shardOf = assignShards(files, spec.count);
  return files.filter((_, position) => shardOf[position] === spec.index);
}

function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
