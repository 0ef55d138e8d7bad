/**
 * Where a datagram transport copies outgoing datagrams when the runtime's send keeps reading the
 * bytes after `send()` returns (Node's dgram until libuv has written them, Deno's send until its
 * promise settles): one after the other in a shared buffer, instead of an ArrayBuffer each. Above
 * 64 B every fresh array is a backing store of its own, which costs more than the copy and feeds
 * the collector. A full buffer is started over when no send still reads it, and otherwise left to
 * those sends (their views keep it alive) and replaced.
 */
import { copyBytes } from "../util/copy-bytes.ts";

export class SendPool {
  private buffer: ArrayBuffer | null = null;
  private used = 0;

  /** `size` bytes per buffer; datagrams above a quarter of it get an array of their own. */
  constructor(private readonly size: number) {}

  /**
   * A copy of `data` that stays unchanged until it is sent. `sendsReading` tells whether some
   * send may still read the current buffer; it is asked only when the buffer is full.
   */
  copy(data: Uint8Array, sendsReading: () => boolean): Uint8Array {
    const length = data.length;
    if (length > this.size / 4) return copyBytes(data);
    let at = this.used;
    let buffer = this.buffer;
    if (buffer === null || at + length > buffer.byteLength) {
      if (buffer === null || sendsReading()) buffer = this.buffer = new ArrayBuffer(this.size);
      at = 0;
    }
    // A plain view (both runtimes take any ArrayBufferView): Node's Buffer#subarray builds a
    // Buffer through the species constructor, about twice the cost per datagram.
    const out = new Uint8Array(buffer, at, length);
    out.set(data);
    this.used = (at + length + 7) & ~7;
    return out;
  }

  /** No send reads the buffer any more: the next copy may start at its beginning. */
  rewind(): void {
    this.used = 0;
  }
}
