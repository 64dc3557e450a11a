// A count per key whose every take() is given back once, however often its
// release is called: a connection's close and its login may both free one slot.

/** How many of each key are held now; a key at 0 is not kept. */
export class KeyCounts<K> {
  private readonly counts = new Map<K, number>();

  /** How many of `key` are held. */
  get(key: K): number {
    return this.counts.get(key) ?? 0;
  }

  has(key: K): boolean {
    return this.counts.has(key);
  }

  /** Holds one more of `key`; returns its release, which says how many are left then (undefined when called again). */
  take(key: K): () => number | undefined {
    this.counts.set(key, this.get(key) + 1);
    let given = false;
    return () => {
      if (given) return undefined;
      given = true;
      const left = this.get(key) - 1;
      if (left > 0) this.counts.set(key, left);
      else this.counts.delete(key);
      return left;
    };
  }
}
