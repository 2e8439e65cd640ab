// Decoded declarations a reader keeps by key, up to a budget of the encoded
// bytes they came from. A whole-tree scan looks up a few hundred thousand
// keys; kept forever, their objects would take gigabytes per worker.
//
// Eviction is second-chance (CLOCK): a hit only marks its entry, and the
// oldest entries are let go unless marked since they were last passed over.
// Moving each hit to the back of the queue, as a strict LRU does, cost more
// than the lookups it served.

import type { Located } from './facts';

interface Entry {
  decls: readonly Located[];
  bytes: number;
  used: boolean;
}

export class DecodedCache {
  /** Oldest first: a Map iterates in insertion order. */
  private readonly entries = new Map<string, Entry>();
  private bytes = 0;
  /** Called with a key when its declarations are let go, so that caches built on them let go too. */
  onEvict?: (key: string) => void;

  constructor(private readonly budget: number) {}

  /** The declarations kept for `key`, or undefined. */
  get(key: string): readonly Located[] | undefined {
    const entry = this.entries.get(key);
    if (!entry) return undefined;
    entry.used = true;
    return entry.decls;
  }

  /** Keeps declarations decoded from `bytes` encoded bytes, letting old ones go past the budget. */
  set(key: string, decls: readonly Located[], bytes: number): void {
    this.entries.set(key, { decls, bytes, used: false });
    this.bytes += bytes;
    if (this.bytes <= this.budget) return;
    for (const [old, entry] of this.entries) {
      if (this.bytes <= this.budget) return;
      this.entries.delete(old);
      if (entry.used && old !== key) {
        entry.used = false;
        this.entries.set(old, entry); // a second chance, at the back
        continue;
      }
      this.bytes -= entry.bytes;
      this.onEvict?.(old);
    }
  }

  clear(): void {
    this.entries.clear();
    this.bytes = 0;
  }
}
