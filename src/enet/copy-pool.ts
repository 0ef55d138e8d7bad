/**
 * Reused buffers for the host's private copies of large outgoing packets (above SLAB_MAX_COPY).
 *
 * A fresh ArrayBuffer for every large packet costs far more than its copy: the allocator zeroes
 * it, and once the garbage collector has freed a few the C allocator hands their pages back to
 * the OS, so the next one faults every page in again (reliable 100 KB loopback, Node: about a
 * fifth of the run on a machine where page faults are dear). A copy here is a view of a pooled
 * buffer; it goes back to the pool when the last command carrying it is finished (acknowledged,
 * sent unreliably, dropped, or its peer reset), counted by `hold()` and `release()`.
 *
 * Only for copies that never leave the host: the host hands each one to its own send queue and
 * nothing else keeps it, so once its commands are finished no one reads it again.
 */

/** Buffers come in power-of-two sizes from this one up (a copy smaller than this uses ByteSlab or its own buffer). */
const SMALLEST_CLASS = 4096;
/** Copies larger than this get a buffer of their own, collected as usual. */
export const POOLED_MAX_COPY = 1024 * 1024;
/** Bytes of idle buffers the pool keeps at most (one pool per process); more are left to the collector. */
const IDLE_BYTES_KEPT = 8 * 1024 * 1024;

export class LargeCopyPool {
  /** Idle buffers by size class (log2 of their size). */
  private readonly idle = new Map<number, ArrayBuffer[]>();
  private idleBytes = 0;
  /**
   * Copies handed out -> commands still carrying them. Weak: a host dropped with packets still
   * queued never finishes their commands, and its copies must not stay here for good.
   */
  private readonly carried = new WeakMap<Uint8Array, number>();

  /** A private copy of `source` over a pooled buffer: `hold()` it for the commands that carry it, then `settle()` it. */
  copy(source: Uint8Array): Uint8Array {
    const length = source.length;
    let size = SMALLEST_CLASS;
    let sizeClass = 12;
    while (size < length) {
      size *= 2;
      sizeClass++;
    }
    const free = this.idle.get(sizeClass);
    let buffer = free?.pop();
    if (buffer === undefined) buffer = new ArrayBuffer(size);
    else this.idleBytes -= size;
    const view = new Uint8Array(buffer, 0, length);
    view.set(source);
    this.carried.set(view, 0);
    return view;
  }

  /** Whether `packet` is one of this pool's copies still in use. */
  owns(packet: Uint8Array): boolean {
    return this.carried.has(packet);
  }

  /** `commands` more commands carry `packet` (a no-op for packets that are not this pool's). */
  hold(packet: Uint8Array, commands: number): void {
    const n = this.carried.get(packet);
    if (n !== undefined) this.carried.set(packet, n + commands);
  }

  /** One command carrying `packet` is finished; the last one gives its buffer back. */
  release(packet: Uint8Array): void {
    const n = this.carried.get(packet);
    if (n === undefined) return;
    if (n > 1) this.carried.set(packet, n - 1);
    else this.recycle(packet);
  }

  /** After the sends of a fresh copy: if no command took it, its buffer goes back at once. */
  settle(packet: Uint8Array): void {
    if (this.carried.get(packet) === 0) this.recycle(packet);
  }

  private recycle(packet: Uint8Array): void {
    this.carried.delete(packet);
    const buffer = packet.buffer as ArrayBuffer;
    const size = buffer.byteLength;
    if (this.idleBytes + size > IDLE_BYTES_KEPT) return;
    const sizeClass = Math.log2(size);
    let free = this.idle.get(sizeClass);
    if (free === undefined) this.idle.set(sizeClass, (free = []));
    free.push(buffer);
    this.idleBytes += size;
  }
}

/**
 * The one pool every host in the process shares, so idle buffers stay under IDLE_BYTES_KEPT however
 * many hosts there are (a load tester may run thousands).
 */
export const sharedLargeCopies = new LargeCopyPool();
