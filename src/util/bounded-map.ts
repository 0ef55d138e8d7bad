/**
 * A map of at most `capacity` entries that forgets the oldest insertion when full, in O(1).
 *
 * The insertion order lives in a ring of keys, not in the Map's own order: a Map that has seen
 * many deletions keeps their slots until it rehashes, and finding its oldest live entry
 * (`keys().next()`) walks past every one of them. Under a CONNECT flood that walk was most of
 * the cost of a CONNECT. The ring grows as entries arrive, so a map that stays small costs little.
 */
export class BoundedMap<K, V> {
  /** Key -> its position in the ring. */
  private readonly positions = new Map<K, number>();
  private readonly ringKeys: (K | undefined)[] = [];
  private readonly ringValues: (V | undefined)[] = [];
  /** The oldest position in use; positions head .. head + used - 1 (around the ring) are in order. */
  private head = 0;
  /** Positions in use, including ones vacated by delete() or a newer set() of their key. */
  private used = 0;

  constructor(readonly capacity: number) {
    if (!Number.isInteger(capacity) || capacity < 1) throw new RangeError(`capacity must be a positive integer, got ${String(capacity)}`);
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

  /** Insert `key`, or move it, as the newest entry; the oldest is forgotten when full. */
  set(key: K, value: V): void {
    const previous = this.positions.get(key);
    if (previous !== undefined) this.vacate(previous);
    if (this.used === this.capacity) this.dropOldest();
    let at = this.head + this.used;
    if (at >= this.capacity) at -= this.capacity;
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
      this.dropOldest();
    }
  }

  private dropOldest(): void {
    const key = this.ringKeys[this.head];
    if (key !== undefined) {
      this.positions.delete(key);
      this.vacate(this.head);
    }
    this.head = this.head + 1 === this.capacity ? 0 : this.head + 1;
    this.used--;
  }

  private vacate(at: number): void {
    this.ringKeys[at] = undefined;
    this.ringValues[at] = undefined;
  }
}
