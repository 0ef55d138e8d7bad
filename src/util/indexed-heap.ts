/**
 * A binary min-heap whose items carry their own key and position, so an item can be
 * moved or removed in O(log n) without searching for it, and is never in the heap twice.
 */
export interface HeapItem {
  /** Ordering key (smallest first). Change it only through IndexedHeap.set. */
  heapKey: number;
  /** Position in the heap, -1 when not in it. Maintained by the heap. */
  heapIndex: number;
}

export class IndexedHeap<T extends HeapItem> {
  private readonly items: T[] = [];

  get size(): number {
    return this.items.length;
  }

  /** The item with the smallest key, or undefined when empty. */
  peek(): T | undefined {
    return this.items[0];
  }

  has(item: T): boolean {
    return item.heapIndex >= 0 && this.items[item.heapIndex] === item;
  }

  /** Insert `item` with `key`, or move it there if it is already in the heap. */
  set(item: T, key: number): void {
    if (!this.has(item)) {
      item.heapKey = key;
      item.heapIndex = this.items.length;
      this.items.push(item);
      this.siftUp(item.heapIndex);
      return;
    }
    const old = item.heapKey;
    item.heapKey = key;
    if (key < old) this.siftUp(item.heapIndex);
    else if (key > old) this.siftDown(item.heapIndex);
  }

  /** Take `item` out of the heap (nothing happens when it is not in it). */
  delete(item: T): void {
    if (!this.has(item)) return;
    const at = item.heapIndex;
    const last = this.items.pop()!;
    item.heapIndex = -1;
    if (last === item) return;
    this.items[at] = last;
    last.heapIndex = at;
    this.siftUp(at);
    this.siftDown(last.heapIndex);
  }

  /** Remove and return the smallest item, or undefined when empty. */
  pop(): T | undefined {
    const top = this.items[0];
    if (top !== undefined) this.delete(top);
    return top;
  }

  clear(): void {
    for (const item of this.items) item.heapIndex = -1;
    this.items.length = 0;
  }

  private siftUp(start: number): void {
    const items = this.items;
    const item = items[start]!;
    let at = start;
    while (at > 0) {
      const parentAt = (at - 1) >> 1;
      const parent = items[parentAt]!;
      if (parent.heapKey <= item.heapKey) break;
      items[at] = parent;
      parent.heapIndex = at;
      at = parentAt;
    }
    items[at] = item;
    item.heapIndex = at;
  }

  private siftDown(start: number): void {
    const items = this.items;
    const n = items.length;
    const item = items[start]!;
    let at = start;
    for (;;) {
      let child = 2 * at + 1;
      if (child >= n) break;
      const right = child + 1;
      if (right < n && items[right]!.heapKey < items[child]!.heapKey) child = right;
      const smaller = items[child]!;
      if (smaller.heapKey >= item.heapKey) break;
      items[at] = smaller;
      smaller.heapIndex = at;
      at = child;
    }
    items[at] = item;
    item.heapIndex = at;
  }
}
