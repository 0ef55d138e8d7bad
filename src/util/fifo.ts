/**
 * A first-in, first-out queue on a power-of-two ring buffer.
 *
 * Protocol queues (events, transmits, received packets, frames) are pushed and
 * shifted once per packet; `Array.prototype.shift` is O(n) and a head index over a
 * growing array needs periodic compaction. A ring keeps both operations O(1), keeps
 * its storage when drained (no re-growth per burst) and clears shifted slots so
 * popped items can be collected. The ring is allocated when a second item is pushed while the
 * first still waits: until then the one item sits in a field of the queue. A server holds a few
 * queues per idle connection, most of which never held more than one item at a time (a
 * handshake's response, its "open" event), and a ring costs each about 80 bytes.
 */
/** The storage of every queue without a ring yet; never written (push grows first). */
const NO_SLOTS: never[] = [];

export class Fifo<T> {
  private slots: (T | undefined)[] = NO_SLOTS;
  /** The ring's size - 1; before the ring exists, the size it will be made with - 1. */
  private mask: number;
  private head = 0;
  private size = 0;
  /** The item of a queue without a ring (size 0 or 1 then). */
  private only: T | undefined = undefined;

  /** `initialCapacity` is rounded up to a power of two (at least 4). */
  constructor(initialCapacity = 16) {
    let capacity = 4;
    while (capacity < initialCapacity) capacity *= 2;
    this.mask = capacity - 1;
  }

  get length(): number {
    return this.size;
  }

  isEmpty(): boolean {
    return this.size === 0;
  }

  push(item: T): void {
    if (this.size >= this.slots.length) {
      if (this.size === 0) {
        // No ring yet and nothing queued (a ring, once made, is never empty-sized).
        this.only = item;
        this.size = 1;
        return;
      }
      this.grow();
    }
    this.slots[(this.head + this.size) & this.mask] = item;
    this.size++;
  }

  /** The oldest item, removed; `undefined` when empty. */
  shift(): T | undefined {
    if (this.size === 0) return undefined;
    if (this.slots.length === 0) {
      const only = this.only;
      this.only = undefined;
      this.size = 0;
      return only;
    }
    const item = this.slots[this.head];
    this.slots[this.head] = undefined;
    this.head = (this.head + 1) & this.mask;
    this.size--;
    return item;
  }

  /** The oldest item, left in place; `undefined` when empty. */
  peek(): T | undefined {
    if (this.size === 0) return undefined;
    return this.slots.length === 0 ? this.only : this.slots[this.head];
  }

  /** The item `index` places after the oldest (0 = oldest); `undefined` when out of range. */
  at(index: number): T | undefined {
    if (index < 0 || index >= this.size) return undefined;
    return this.slots.length === 0 ? this.only : this.slots[(this.head + index) & this.mask];
  }

  clear(): void {
    if (this.size > 0) {
      if (this.slots.length === 0) this.only = undefined;
      else this.slots.fill(undefined);
    }
    this.head = 0;
    this.size = 0;
  }

  *[Symbol.iterator](): IterableIterator<T> {
    if (this.slots.length === 0) {
      if (this.size > 0) yield this.only as T;
      return;
    }
    for (let i = 0; i < this.size; i++) yield this.slots[(this.head + i) & this.mask] as T;
  }

  private grow(): void {
    const old = this.slots;
    if (old.length === 0) {
      // The first ring: the item held in `only` becomes its first slot.
      const next = new Array<T | undefined>(this.mask + 1);
      next[0] = this.only;
      this.only = undefined;
      this.slots = next;
      this.head = 0;
      return;
    }
    const next = new Array<T | undefined>(old.length * 2);
    for (let i = 0; i < this.size; i++) next[i] = old[(this.head + i) & this.mask];
    this.slots = next;
    this.mask = next.length - 1;
    this.head = 0;
  }
}
