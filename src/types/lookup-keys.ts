// The index keys a file's analysis looked up, kept so a cached result can be
// checked against what changed in the index without looking anything up
// again. Keys are kept as 32-bit hashes: two keys sharing a hash can only make
// a cached result look stale when it is not, never the reverse.

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

/** Collects the keys a FileScope looks up. */
export class LookupRecorder {
  private readonly hashes = new Set<number>();

  add(key: string): void {
    this.hashes.add(lookupKeyHash(key));
  }

  /** The recorded key hashes, sorted. */
  sorted(): Uint32Array {
    return Uint32Array.from(this.hashes).sort();
  }
}

/** Whether two sets of key hashes share one; `keys` is sorted (LookupRecorder.sorted). */
export function sharesKey(keys: Uint32Array, changed: ReadonlySet<number>): boolean {
  for (const key of keys) if (changed.has(key)) return true;
  return false;
}
