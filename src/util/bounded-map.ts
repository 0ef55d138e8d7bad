/**
 * A map of at most `capacity` entries that forgets the oldest insertion when full, in O(1)
 * (amortized).
 *
 * The insertion order lives in a ring of keys, not in the Map's own order: a Map that has seen
 * many deletions keeps their slots until it rehashes, and finding its oldest live entry
 * (`keys().next()`) walks past every one of them. Under a CONNECT flood that walk was most of
 * the cost of a CONNECT. The ring grows as entries arrive, so a map that stays small costs little.
 * Vacated positions do not count: an entry is forgotten only when `capacity` live ones are held.
 */
export class BoundedMap<K, V> {
  /** Key -> its position in the ring. */
  private readonly positions = new Map<K, number>();
  private ringKeys: (K | undefined)[] = [];
  private ringValues: (V | undefined)[] = [];
  /**
   * Positions in the ring: twice the capacity, so that when it is full at least half of it is
   * vacated and compacting it (O(ring)) is paid for by as many insertions (O(1) amortized).
   */
  private readonly ringSize: number;
  /** The oldest position in use; positions head .. head + used - 1 (around the ring) are in order. */
  private head = 0;
  /** Positions in use, including ones vacated by delete() or a newer set() of their key. */
  private used = 0;

  constructor(readonly capacity: number) {
    if (!Number.isInteger(capacity) || capacity < 1) throw new RangeError(`capacity must be a positive integer, got ${String(capacity)}`);
    this.ringSize = capacity * 2;
  }

  get size(): number {
    return this.positions.size;
  }

  has(key: K): boolean {
    return this.positions.has(key);
  }

  get(key: K): V | undefined {
    const at = this.positions.get(key);
    return at === undefined ? undefined : this.ringValues[at];
  }

  /** Insert `key`, or move it, as the newest entry; the oldest entry is forgotten when `capacity` are held. */
  set(key: K, value: V): void {
    const previous = this.positions.get(key);
    if (previous !== undefined) this.vacate(previous);
    else if (this.positions.size === this.capacity) this.forgetOldestEntry();
    if (this.used === this.ringSize) this.compact();
    let at = this.head + this.used;
    if (at >= this.ringSize) at -= this.ringSize;
    // Until the ring first fills, positions in use end at the arrays' end: grow them.
    if (at === this.ringKeys.length) {
      this.ringKeys.push(key);
      this.ringValues.push(value);
    } else {
      this.ringKeys[at] = key;
      this.ringValues[at] = value;
    }
    this.used++;
    this.positions.set(key, at);
  }

  delete(key: K): boolean {
    const at = this.positions.get(key);
    if (at === undefined) return false;
    this.positions.delete(key);
    this.vacate(at);
    return true;
  }

  /** Forget entries from the oldest on while `stale(value)` holds (for values that age in insertion order). */
  dropOldestWhile(stale: (value: V) => boolean): void {
    while (this.used > 0) {
      const key = this.ringKeys[this.head];
      if (key !== undefined && !stale(this.ringValues[this.head]!)) return;
      this.dropOldestPosition();
    }
  }

  /** Forget the oldest live entry (vacated positions before it are reclaimed on the way). */
  private forgetOldestEntry(): void {
    while (this.used > 0) {
      const live = this.ringKeys[this.head] !== undefined;
      this.dropOldestPosition();
      if (live) return;
    }
  }

  private dropOldestPosition(): void {
    const key = this.ringKeys[this.head];
    if (key !== undefined) {
      this.positions.delete(key);
      this.vacate(this.head);
    }
    this.head = this.head + 1 === this.ringSize ? 0 : this.head + 1;
    this.used--;
  }

  /** Move the live entries, in order, to the start of fresh arrays. */
  private compact(): void {
    const keys: K[] = [];
    const values: V[] = [];
    for (let i = 0, at = this.head; i < this.used; i++, at = at + 1 === this.ringSize ? 0 : at + 1) {
      const key = this.ringKeys[at];
      if (key === undefined) continue;
      this.positions.set(key, keys.length);
      keys.push(key);
      values.push(this.ringValues[at]!);
    }
    this.ringKeys = keys;
    this.ringValues = values;
    this.head = 0;
    this.used = keys.length;
  }

  private vacate(at: number): void {
    this.ringKeys[at] = undefined;
    this.ringValues[at] = undefined;
  }
}
