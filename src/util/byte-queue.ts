/**
 * A FIFO of received byte chunks that can be consumed in arbitrary sizes.
 * Chunks are kept as handed in (no copy on push); reads that fall inside one
 * chunk return a view of it, reads that span chunks copy into a fresh array.
 * Callers must therefore treat pushed chunks as immutable from then on.
 */
export class ByteQueue {
  private chunks: Uint8Array[] = [];
  /** Index of the first live chunk in `chunks` (shifting arrays per read is O(n)). */
  private first = 0;
  /** Bytes of `chunks[first]` already consumed. */
  private offset = 0;
  private total = 0;

  /** Bytes queued and not yet consumed. */
  get length(): number {
    return this.total;
  }

  push(chunk: Uint8Array): void {
    if (chunk.length === 0) return;
    this.chunks.push(chunk);
    this.total += chunk.length;
  }

  clear(): void {
    this.chunks = [];
    this.first = 0;
    this.offset = 0;
    this.total = 0;
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
    } else if (this.first > 64 && this.first * 2 > this.chunks.length) {
      this.chunks = this.chunks.slice(this.first);
      this.first = 0;
    }
  }
}

const EMPTY = new Uint8Array(0);
