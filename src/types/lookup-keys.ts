// The index keys a file's analysis looked up, and the best visibility tier
// each look-up found (visibility.ts), kept so that a cached result can be
// checked against what changed in the index without looking anything up
// again: a changed declaration matters to a file only if it is, or was, at
// least as close to the file as the best one the file saw.
//
// Keys are kept as 32-bit hashes: two keys sharing a hash can only make a
// cached result look stale when it is not, never the reverse.

/** The tier of a look-up that found nothing (any declaration that appears changes it), and of call tallies (which sum every record). */
export const ANY_TIER = 255;

/** FNV-1a over the UTF-16 code units of the key. */
export function lookupKeyHash(key: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < key.length; i++) {
    hash ^= key.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  return hash >>> 0;
}

/**
 * The key under which a look-up that reads only the call counts of a callee's
 * records (FileScope.callUses) is recorded: the counts change far less often
 * than the records (whose lines move with every edit above them).
 */
export function tallyKey(callsKey: string): string {
  return `${callsKey}\0tally`;
}

/** What one file looked up: key hashes, sorted, and for each the worst of the best tiers its look-ups found. */
export interface RecordedLookups {
  keys: Uint32Array;
  tiers: Uint8Array;
}

/** Collects the keys a FileScope looks up. */
export class LookupRecorder {
  private readonly tiers = new Map<number, number>();

  /** `tier`: the best tier among the declarations the look-up returned (ANY_TIER if none). */
  add(key: string, tier: number): void {
    const hash = lookupKeyHash(key);
    const known = this.tiers.get(hash);
    if (known === undefined || tier > known) this.tiers.set(hash, Math.min(tier, ANY_TIER));
  }

  recorded(): RecordedLookups {
    const keys = Uint32Array.from(this.tiers.keys()).sort();
    return { keys, tiers: Uint8Array.from(keys, (key) => this.tiers.get(key)!) };
  }
}
