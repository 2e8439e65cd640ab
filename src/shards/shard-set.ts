// Each shard report says which shard it is; a merge needs every shard of one
// split exactly once, or the merged report would silently lack files.

import { MergeError } from './shard-input';
import type { ShardSpec } from './shard-spec';

/** Where a report keeps its shard: a field of the JSON report, a property of the SARIF run. */
export const SHARD_PROPERTY = 'shard';

export function checkShardSet(reports: readonly { file: string; shard: unknown }[]): void {
  const specs = reports.map(({ file, shard }) => ({ file, spec: asShardSpec(file, shard) }));
  const count = specs[0]!.spec.count;
  const seen = new Map<number, string>();
  for (const { file, spec } of specs) {
    if (spec.count !== count) throw new MergeError(file, `is shard ${spec.index}/${spec.count}, but ${specs[0]!.file} is of a split into ${count}`);
    const earlier = seen.get(spec.index);
    if (earlier) throw new MergeError(file, `is shard ${spec.index}/${count} again (so is ${earlier})`);
    seen.set(spec.index, file);
  }
  const missing = Array.from({ length: count }, (_, i) => i + 1).filter((index) => !seen.has(index));
  if (missing.length > 0) throw new MergeError(specs[0]!.file, `the shards ${missing.map((i) => `${i}/${count}`).join(', ')} are missing: give every shard of the run`);
}

function asShardSpec(file: string, shard: unknown): ShardSpec {
  const candidate = shard as Partial<ShardSpec> | undefined;
  if (!candidate || !Number.isInteger(candidate.index) || !Number.isInteger(candidate.count)) {
    throw new MergeError(file, 'is not the report of a sharded scan (no shard i/N in it): run scan with --shard i/N');
  }
  return { index: candidate.index!, count: candidate.count! };
}
