/**
 * Compressing and decompressing message payloads for permessage-deflate (RFC 7692 section 7.2).
 *
 * Sending: each message is DEFLATE-compressed and sync-flushed, and the flush's closing
 * 00 00 ff ff is removed. fflate 0.8.3's own sync flush (`flush(true)`) writes the empty stored
 * block at a wrong bit position whenever the stream's last byte is partly filled (most
 * messages), so we flush without it and write that block ourselves from the stream's bit
 * position (see syncFlush); a self-check at first use falls back to sending uncompressed if a
 * later fflate no longer works this way. With context takeover one fflate stream carries its LZ77 window from
 * message to message; without it every message starts a fresh stream. fflate's window is always
 * 32 KiB, so when the peer limits ours below 15 bits, a message is compressed only when it is no
 * longer than that window, on a fresh stream (no reference can then reach further back), and
 * sent uncompressed otherwise, which the extension allows for any message.
 *
 * Receiving: 00 00 ff ff is appended and the payload inflated with our bounded inflater, which
 * stops at the first byte past the message size limit, so a decompression bomb costs no more
 * than the limit. The window the peer's messages may refer back to is kept after each message
 * (in the same buffer the next message is decoded into) unless the peer resets its context.
 */
import { Deflate } from "fflate";
import { BoundedInflater, INFLATE_CORRUPT, INFLATE_TOO_LARGE } from "../compress/inflate-bounded.ts";
import { MAX_WINDOW_BITS } from "./permessage-deflate.ts";

/** The empty stored block a sync flush ends with (RFC 7692 section 7.2.1). */
const SYNC_FLUSH_TAIL = Uint8Array.of(0x00, 0x00, 0xff, 0xff);

export { INFLATE_CORRUPT, INFLATE_TOO_LARGE };

type Level = 0 | 1 | 2 | 3 | 4 | 5 | 6 | 7 | 8 | 9;

/**
 * fflate 0.8's private stream state: `r` holds the bits of the last, partly written byte that
 * the stream has not emitted yet (the byte << 3 | the count of its used bits).
 */
interface FflateStreamState {
  s?: { r?: number };
}

/**
 * Finish what `stream` has emitted so far with an empty, non-final stored block, minus its
 * LEN/NLEN (RFC 7692 section 7.2.1 removes them): its 3 header bits are zero, written after the
 * used bits of the pending byte, then padding to the byte boundary. Returns the bytes to append,
 * or null when the stream state is not what this expects.
 */
function syncFlush(stream: Deflate): Uint8Array | null {
  stream.flush(false);
  const state = (stream as unknown as FflateStreamState).s;
  if (state === undefined || !(state.r === undefined || (Number.isInteger(state.r) && state.r >= 0 && state.r < 2048))) return null;
  const r = state.r ?? 0;
  const used = r & 7;
  const pending = r >>> 3;
  // The next block starts on a byte boundary, as after fflate's own sync flush.
  state.r = 0;
  if (used === 0) return Uint8Array.of(0x00);
  return used + 3 <= 8 ? Uint8Array.of(pending) : Uint8Array.of(pending, 0x00);
}

let deflateSelfCheck: boolean | undefined;

/** Whether syncFlush produces what our inflater reads back, message after message (checked once). */
function deflateWorks(): boolean {
  if (deflateSelfCheck !== undefined) return deflateSelfCheck;
  deflateSelfCheck = false;
  try {
    const chunks: Uint8Array[] = [];
    const stream = new Deflate({ level: 6 }, (c) => chunks.push(c));
    const inflater = new MessageInflater(MAX_WINDOW_BITS, false);
    for (let n = 1; n < 40; n++) {
      const message = new Uint8Array(n * 37);
      for (let i = 0; i < message.length; i++) message[i] = (i * n) % 251 ^ (i >> 3);
      stream.push(message, false);
      const tail = syncFlush(stream);
      if (tail === null) return false;
      chunks.push(tail);
      const payload = concat(chunks);
      chunks.length = 0;
      const back = inflater.inflate(payload, message.length);
      if (typeof back === "number" || back.length !== message.length || back.some((b, i) => b !== message[i])) return false;
    }
    deflateSelfCheck = true;
  } catch {
    deflateSelfCheck = false;
  }
  return deflateSelfCheck;
}

function concat(chunks: readonly Uint8Array[]): Uint8Array {
  let length = 0;
  for (const c of chunks) length += c.length;
  const out = new Uint8Array(length);
  let at = 0;
  for (const c of chunks) {
    out.set(c, at);
    at += c.length;
  }
  return out;
}

export class MessageDeflater {
  /** The stream kept between messages (context takeover), made on the first compressed message. */
  private stream: Deflate | null = null;
  private readonly chunks: Uint8Array[] = [];
  private readonly freshStreams: boolean;
  private readonly largestMessage: number;

  /**
   * `windowBits` / `noContextTakeover`: what was agreed for this side's sending.
   * `threshold`: shorter messages go uncompressed.
   */
  constructor(
    windowBits: number,
    noContextTakeover: boolean,
    private readonly level: number,
    private readonly threshold: number,
  ) {
    this.freshStreams = noContextTakeover || windowBits < MAX_WINDOW_BITS;
    this.largestMessage = windowBits < MAX_WINDOW_BITS ? 1 << windowBits : Number.POSITIVE_INFINITY;
  }

  /** The payload to send with RSV1 set, or null to send `data` as it is. */
  compress(data: Uint8Array): Uint8Array | null {
    if (data.length < this.threshold || data.length > this.largestMessage || !deflateWorks()) return null;
    let stream = this.stream;
    if (stream === null) {
      stream = new Deflate({ level: this.level as Level }, (chunk) => {
        this.chunks.push(chunk);
      });
      if (!this.freshStreams) this.stream = stream;
    }
    stream.push(data, false);
    const tail = syncFlush(stream);
    if (tail === null) throw new Error("permessage-deflate: fflate's stream state changed after the self-check");
    this.chunks.push(tail);
    const out = concat(this.chunks);
    this.chunks.length = 0;
    return out;
  }
}

/** Above this, the decode buffer is released after the message instead of kept for the next. */
const KEEP_BUFFER_MAX = 256 * 1024;

export class MessageInflater {
  private readonly inflater = new BoundedInflater();
  /** Decoded output: the window kept from earlier messages, then the current message. */
  private buffer: Uint8Array = EMPTY;
  /** End of the kept window in `buffer` (0 without context takeover). */
  private windowEnd = 0;
  private readonly windowSize: number;

  /** `windowBits` / `noContextTakeover`: what was agreed for the peer's sending. */
  constructor(
    windowBits: number,
    private readonly noContextTakeover: boolean,
  ) {
    this.windowSize = 1 << windowBits;
  }

  /** Bytes held between messages (for memory accounting). */
  get heldBytes(): number {
    return this.buffer.length;
  }

  /** The message a compressed payload stands for, or INFLATE_CORRUPT / INFLATE_TOO_LARGE (more than `limit` bytes). */
  inflate(payload: Uint8Array, limit: number): Uint8Array | number {
    // A sender's flush always leaves at least the empty block's header byte; zlib makes nothing
    // of an empty payload either.
    if (payload.length === 0) return new Uint8Array(0);
    const input = new Uint8Array(payload.length + 4);
    input.set(payload);
    input.set(SYNC_FLUSH_TAIL, payload.length);
    let room = Math.min(limit, Math.max(1024, payload.length * 4));
    for (;;) {
      const start = this.makeRoom(room);
      const n = this.inflater.inflate(input, 0, input.length, this.buffer, start + room, start, true);
      if (n === INFLATE_TOO_LARGE && room < limit) {
        room = Math.min(limit, room * 4);
        continue;
      }
      if (n < 0) {
        this.release();
        return n;
      }
      const message = this.buffer.slice(start, start + n);
      if (this.noContextTakeover) this.windowEnd = 0;
      else this.windowEnd = start + n;
      if (this.buffer.length > KEEP_BUFFER_MAX) this.shrink();
      return message;
    }
  }

  /** Make `buffer` hold the kept window followed by `room` free bytes; returns where the message goes. */
  private makeRoom(room: number): number {
    const keep = Math.min(this.windowEnd, this.windowSize);
    const from = this.windowEnd - keep;
    if (this.buffer.length - this.windowEnd >= room) return this.windowEnd;
    if (this.buffer.length - keep >= room) {
      this.buffer.copyWithin(0, from, this.windowEnd);
    } else {
      // Sized for the window as well, so a run of small messages does not move it every time.
      const grown = new Uint8Array(keep + Math.max(room, this.windowSize));
      grown.set(this.buffer.subarray(from, this.windowEnd));
      this.buffer = grown;
    }
    this.windowEnd = keep;
    return keep;
  }

  private shrink(): void {
    const keep = Math.min(this.windowEnd, this.windowSize);
    const small = new Uint8Array(keep + this.windowSize);
    small.set(this.buffer.subarray(this.windowEnd - keep, this.windowEnd));
    this.buffer = small;
    this.windowEnd = keep;
  }

  private release(): void {
    this.buffer = EMPTY;
    this.windowEnd = 0;
  }
}

const EMPTY = new Uint8Array(0);
