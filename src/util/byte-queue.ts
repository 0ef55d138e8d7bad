/**
 * A FIFO of received byte chunks that can be consumed in arbitrary sizes.
 * Chunks are kept as handed in (no copy on push); reads that fall inside one
 * chunk return a view of it, reads that span chunks copy into a fresh array.
 * Callers must therefore treat pushed chunks as immutable from then on.
 *
 * Exception: once COALESCE_AFTER_CHUNKS chunks are queued, a chunk of at most
 * COALESCE_CHUNK_MAX bytes is copied onto the end of a tail buffer of the queue's own.
 * Every limit on received data counts bytes, and an array object costs ~200 bytes of
 * heap, so a peer trickling one byte per TCP segment at a reader that does not keep up
 * would otherwise hold ~200 times the limit.
 */
export class ByteQueue {
  private chunks: Uint8Array[] = [];
  /** Index of the first live chunk in `chunks` (shifting arrays per read is O(n)). */
  private first = 0;
  /** Bytes of `chunks[first]` already consumed. */
  private offset = 0;
  private total = 0;
  /**
   * Where small chunks are copied (see the class comment); bytes are only ever appended at
   * `tailFill`, so views of it handed out by reads never change. Dropped when the queue empties.
   */
  private tail: Uint8Array | null = null;
  private tailFill = 0;
  /** Whether the last chunk is a view of `tail` ending at `tailFill`, which appends may lengthen. */
  private lastIsTail = false;

  /** Bytes queued and not yet consumed. */
  get length(): number {
    return this.total;
  }

  /** Array objects holding them: what the bytes cost beside themselves. */
  get chunkCount(): number {
    return this.chunks.length - this.first;
  }

  push(chunk: Uint8Array): void {
    const n = chunk.length;
    if (n === 0) return;
    this.total += n;
    if (n <= COALESCE_CHUNK_MAX && this.chunkCount >= COALESCE_AFTER_CHUNKS) {
      this.appendToTail(chunk);
      return;
    }
    this.chunks.push(chunk);
    this.lastIsTail = false;
  }

  clear(): void {
    this.chunks = [];
    this.first = 0;
    this.offset = 0;
    this.total = 0;
    this.dropTail();
  }

  private appendToTail(chunk: Uint8Array): void {
    let tail = this.tail;
    if (tail === null || this.tailFill + chunk.length > tail.length) {
      tail = this.tail = new Uint8Array(TAIL_BUFFER_SIZE);
      this.tailFill = 0;
      this.lastIsTail = false;
    }
    const end = this.tailFill + chunk.length;
    tail.set(chunk, this.tailFill);
    const last = this.chunks.length - 1;
    if (this.lastIsTail) {
      // The same start (`tail` is an array of its own: offsets into it are byte offsets), so an
      // `offset` into it, when it is also the first chunk, stays right.
      this.chunks[last] = tail.subarray(this.chunks[last]!.byteOffset, end);
    } else {
      this.chunks.push(tail.subarray(this.tailFill, end));
      this.lastIsTail = true;
    }
    this.tailFill = end;
  }

  private dropTail(): void {
    this.tail = null;
    this.tailFill = 0;
    this.lastIsTail = false;
  }

  /**
   * Copy `n` bytes, from `skip` bytes in, into `dst` (at `dstOffset`) without consuming. Caller
   * guarantees skip + n <= length.
   */
  peekInto(dst: Uint8Array, n: number, dstOffset = 0, skip = 0): void {
    let i = this.first;
    let off = this.offset + skip;
    while (i < this.chunks.length && off >= this.chunks[i]!.length) {
      off -= this.chunks[i]!.length;
      i++;
    }
    let done = 0;
    while (done < n) {
      const c = this.chunks[i]!;
      const take = Math.min(c.length - off, n - done);
      dst.set(c.subarray(off, off + take), dstOffset + done);
      done += take;
      i++;
      off = 0;
    }
  }

  /** Drop the first `n` bytes. Caller guarantees n <= length. */
  discard(n: number): void {
    this.total -= n;
    while (n > 0) {
      const c = this.chunks[this.first]!;
      const left = c.length - this.offset;
      if (n < left) {
        this.offset += n;
        return;
      }
      n -= left;
      this.chunks[this.first] = EMPTY; // let the chunk be collected
      this.first++;
      this.offset = 0;
    }
    this.compact();
  }

  /**
   * Remove and return the first `n` bytes (n <= length). A view when they lie in
   * one chunk, otherwise a new array.
   */
  read(n: number): Uint8Array {
    if (n === 0) return EMPTY;
    const c = this.chunks[this.first]!;
    if (c.length - this.offset >= n) {
      const view = c.subarray(this.offset, this.offset + n);
      this.discard(n);
      return view;
    }
    const out = new Uint8Array(n);
    this.peekInto(out, n);
    this.discard(n);
    return out;
  }

  /** Remove and return the unread rest of the first chunk (a view; empty when the queue is). */
  readChunk(): Uint8Array {
    const c = this.chunks[this.first];
    if (c === undefined || this.total === 0) return EMPTY;
    return this.read(c.length - this.offset);
  }

  private compact(): void {
    if (this.first === this.chunks.length) {
      this.chunks.length = 0;
      this.first = 0;
      this.dropTail();
    } else if (this.first > 64 && this.first * 2 > this.chunks.length) {
      this.chunks = this.chunks.slice(this.first);
      this.first = 0;
    }
  }
}

const EMPTY = new Uint8Array(0);
/** Chunks queued before small ones are coalesced: a reader that keeps up never copies. */
const COALESCE_AFTER_CHUNKS = 16;
/** The largest chunk copied into the tail; a larger one costs little beside its own bytes. */
const COALESCE_CHUNK_MAX = 256;
const TAIL_BUFFER_SIZE = 4096;
