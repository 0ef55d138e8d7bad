/**
 * Private copies of byte ranges of 65 B to 2 KiB carved out of shared slabs. Every copy is a
 * view of bytes nobody else writes (a slab is never reused, only dropped when full),
 * so it is as safe as `slice()` for data that stays inside the library; it saves the
 * backing-store allocation `slice()` makes for every array above V8's on-heap size
 * (64 B), which dominated the cost of queueing a packet and finishing a datagram.
 *
 * Only for copies that are never handed to the application: the views share an
 * ArrayBuffer, so exposing one would expose (or, if transferred, detach) its neighbours.
 * A live copy keeps its whole slab alive, so slabs are small and large copies get
 * their own buffer.
 */
import { copyBytes, SMALL_ARRAY_MAX } from "../util/copy-bytes.ts";

export const SLAB_SIZE = 16 * 1024;
/** Larger copies get their own buffer (a slab would hold too few of them to pay off). */
export const SLAB_MAX_COPY = 2048;
/**
 * Copies up to this size get their own buffer too: a fresh small array costs no more than a view
 * of a slab (reliable 64 B loopback, six interleaved runs each: Node the same within noise, Bun
 * ~6 % faster than with slab views).
 */
export const SLAB_MIN_COPY = SMALL_ARRAY_MAX;

export class ByteSlab {
  private readonly slabSize: number;
  private readonly maxCopy: number;
  private slab: Uint8Array;
  private used = 0;

  constructor(slabSize = SLAB_SIZE, maxCopy = SLAB_MAX_COPY) {
    this.slabSize = slabSize;
    this.maxCopy = Math.min(maxCopy, slabSize);
    this.slab = new Uint8Array(slabSize);
  }

  /** A private copy of `source[start, end)`. */
  copy(source: Uint8Array, start: number, end: number): Uint8Array {
    const length = end - start;
    if (length <= SLAB_MIN_COPY || length > this.maxCopy) return copyBytes(source, start, end);
    const at = this.reserve(length);
    const slab = this.slab;
    // Written through the slab itself, before its view exists: one stable call site for every
    // copy (set() on each fresh view measured as a polymorphic property load in the send path).
    slab.set(start === 0 && end === source.length ? source : source.subarray(start, end), at);
    return slab.subarray(at, at + length);
  }

  /** Room for `length` bytes in the current slab (a fresh one when it is full); their offset. */
  private reserve(length: number): number {
    let at = this.used;
    if (at + length > this.slabSize) {
      this.slab = new Uint8Array(this.slabSize);
      at = 0;
    }
    // 8-byte alignment keeps later copies on word boundaries for the memmove inside set().
    this.used = (at + length + 7) & ~7;
    return at;
  }
}
