/**
 * A first-in, first-out queue on a power-of-two ring buffer.
 *
 * Protocol queues (events, transmits, received packets, frames) are pushed and
 * shifted once per packet; `Array.prototype.shift` is O(n) and a head index over a
 * growing array needs periodic compaction. A ring keeps both operations O(1), keeps
 * its storage when drained (no re-growth per burst) and clears shifted slots so
 * popped items can be collected. The ring is allocated on the first push: a server holds a few
 * queues per idle connection, most of which never see an item.
 */
/** The storage of every queue that has not held an item yet; never written (push grows first). */
const NO_SLOTS: never[] = [];

export class Fifo<T> {
  private slots: (T | undefined)[] = NO_SLOTS;
  private mask = 0;
  private head = 0;
  private size = 0;
  private readonly firstCapacity: number;

  /** `initialCapacity` is rounded up to a power of two (at least 4). */
  constructor(initialCapacity = 16) {
    let capacity = 4;
    while (capacity < initialCapacity) capacity *= 2;
    this.firstCapacity = capacity;
  }

  get length(): number {
    return this.size;
  }

  isEmpty(): boolean {
    return this.size === 0;
  }

  push(item: T): void {
    if (this.size === this.slots.length) this.grow();
    this.slots[(this.head + this.size) & this.mask] = item;
    this.size++;
  }

  /** The oldest item, removed; `undefined` when empty. */
  shift(): T | undefined {
    if (this.size === 0) return undefined;
    const item = this.slots[this.head];
    this.slots[this.head] = undefined;
    this.head = (this.head + 1) & this.mask;
    this.size--;
    return item;
  }

  /** The oldest item, left in place; `undefined` when empty. */
  peek(): T | undefined {
    return this.size === 0 ? undefined : this.slots[this.head];
  }

  /** The item `index` places after the oldest (0 = oldest); `undefined` when out of range. */
  at(index: number): T | undefined {
    if (index < 0 || index >= this.size) return undefined;
    return this.slots[(this.head + index) & this.mask];
  }

  clear(): void {
    if (this.size > 0) this.slots.fill(undefined);
    this.head = 0;
    this.size = 0;
  }

  *[Symbol.iterator](): IterableIterator<T> {
    for (let i = 0; i < this.size; i++) yield this.slots[(this.head + i) & this.mask] as T;
  }

  private grow(): void {
    const old = this.slots;
    const next = new Array<T | undefined>(old.length === 0 ? this.firstCapacity : old.length * 2);
    for (let i = 0; i < this.size; i++) next[i] = old[(this.head + i) & this.mask];
    this.slots = next;
    this.mask = next.length - 1;
    this.head = 0;
  }
}
