/**
 * Compressing and decompressing message payloads for permessage-deflate (RFC 7692 section 7.2).
 *
 * Sending: each message is DEFLATE-compressed and sync-flushed, and the flush's closing
 * 00 00 ff ff is removed. Two fflate 0.8.3 defects shape how (both found by the WebSocket fuzzer
 * and checked against zlib):
 * - Its streaming `Deflate` starts with 32 KiB of zeros as its window, and matches runs of zero
 *   bytes against them: a back-reference before the start of the stream, which zlib rejects
 *   ("invalid distance too far back"). So a stream is only ever started with a full 32 KiB of
 *   real history as its dictionary (no zeros left to match).
 * - Its `flush(true)` writes the empty stored block at a wrong bit position whenever the last
 *   byte is partly filled. So we flush without it and write that block ourselves (syncFlush),
 *   from the stream's pending-byte state, a private field; a self-check at first use falls back
 *   to sending everything uncompressed if a later fflate no longer works this way.
 * Every other message (no context takeover, a window below 15 bits, the first 32 KiB of a
 * stream) is compressed on its own with `deflateSync` (the history so far as its dictionary when
 * the context is kept), and its final block is turned into a sync flush: the BFINAL bit cleared
 * and the empty block's header bits put after the stream, at positions our inflater reports.
 * fflate's window is always 32 KiB, so when the peer limits ours below 15 bits a message is
 * compressed only when it fits that window (no reference can then reach further back) and sent
 * uncompressed otherwise, which the extension allows for any message.
 *
 * Receiving: 00 00 ff ff is appended and the payload inflated with our bounded inflater, which
 * stops at the first byte past the message size limit, so a decompression bomb costs no more
 * than the limit. The window the peer's messages may refer back to is kept after each message
 * (in the same buffer the next message is decoded into) unless the peer resets its context.
 */
import { Deflate, deflateSync } from "fflate";
import { BoundedInflater, INFLATE_CORRUPT, INFLATE_TOO_LARGE } from "../compress/inflate-bounded.ts";
import { MAX_WINDOW_BITS } from "./permessage-deflate.ts";
import { concatBytes } from "../util/copy-bytes.ts";
import type { MessageCompressionCodecs } from "./compression-hook.ts";

/** The empty stored block a sync flush ends with (RFC 7692 section 7.2.1). */
const SYNC_FLUSH_TAIL = Uint8Array.of(0x00, 0x00, 0xff, 0xff);
/** DEFLATE's largest window, and what a stream must have seen before it may be streamed. */
const FULL_WINDOW = 1 << MAX_WINDOW_BITS;
/** After a message larger than this the compression stream is replaced (see MessageDeflater.compress). */
const KEEP_STREAM_BUFFER_MAX = 256 * 1024;

export { INFLATE_CORRUPT, INFLATE_TOO_LARGE };

type Level = 1 | 2 | 3 | 4 | 5 | 6 | 7 | 8 | 9;

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

/** One decoder for every connection: it keeps no state between calls, and all of them are synchronous. */
const sharedInflater = new BoundedInflater();

/**
 * `data` compressed on its own (references reach at most into `dictionary`, which the receiver's
 * window holds), ending in a sync flush instead of a final block. Null if the tracing decode
 * disagrees, which would be a bug.
 */
function compressAlone(data: Uint8Array, dictionary: Uint8Array | null, level: Level): Uint8Array | null {
  const z = deflateSync(data, dictionary && dictionary.length > 0 ? { level, dictionary } : { level });
  // Decode it once to find where its last block starts and where the stream ends.
  const history = dictionary?.length ?? 0;
  const out = new Uint8Array(history + data.length);
  if (dictionary) out.set(dictionary);
  if (sharedInflater.inflate(z, 0, z.length, out, out.length, history) !== data.length) return null;
  const finalBit = sharedInflater.lastBlockBit;
  const end = sharedInflater.endBit;
  // The empty stored block's 3 header bits (zeros) after the stream, padded to a whole byte.
  const length = (end + 3 + 7) >>> 3;
  const payload = new Uint8Array(length);
  payload.set(z.subarray(0, Math.min(length, z.length)));
  payload[finalBit >>> 3]! &= ~(1 << (finalBit & 7));
  // Bits past the stream in its last byte are padding, zero as fflate writes them; keep them so.
  const lastUsed = end & 7;
  if (lastUsed !== 0) payload[end >>> 3]! &= (1 << lastUsed) - 1;
  return payload;
}

let deflateSelfCheck: boolean | undefined;

/** Whether our sending side produces what our inflater reads back, message after message (checked once). */
function deflateWorks(): boolean {
  if (deflateSelfCheck !== undefined) return deflateSelfCheck;
  deflateSelfCheck = true;
  let ok = false;
  try {
    const deflater = new MessageDeflater(MAX_WINDOW_BITS, false, 6, 0);
    const inflater = new MessageInflater(MAX_WINDOW_BITS, false);
    ok = true;
    // Past 32 KiB, so both the one-shot and the streamed paths are used; zero runs included.
    for (let n = 1; n < 60 && ok; n++) {
      const message = new Uint8Array(n * 37 + (n % 7) * 300);
      for (let i = 0; i < message.length; i++) message[i] = i % 11 < 4 ? 0 : ((i * n) % 251) ^ (i >> 3);
      const payload = deflater.compress(message);
      const back = payload === null ? null : inflater.inflate(payload, message.length);
      ok = back !== null && typeof back !== "number" && back.length === message.length && back.every((b, i) => b === message[i]);
    }
  } catch {
    ok = false;
  }
  deflateSelfCheck = ok;
  return ok;
}

/** `payload` if it is shorter than `data`, else null. */
function smaller(payload: Uint8Array | null, data: Uint8Array): Uint8Array | null {
  return payload !== null && payload.length < data.length ? payload : null;
}

export class MessageDeflater {
  /** The stream kept between messages once 32 KiB of history exist (context takeover, 15 bits). */
  private stream: Deflate | null = null;
  private readonly chunks: Uint8Array[] = [];
  /** Context takeover with the full window: history is kept, and streamed once it fills the window. */
  private readonly keepsContext: boolean;
  private readonly largestMessage: number;
  /** What was sent compressed so far, while it is shorter than the window (then the stream holds it). */
  private history: Uint8Array = new Uint8Array(0);
  private readonly level: Level;

  /**
   * `windowBits` / `noContextTakeover`: what was agreed for this side's sending.
   * `threshold`: shorter messages go uncompressed.
   */
  constructor(
    windowBits: number,
    noContextTakeover: boolean,
    level: number,
    private readonly threshold: number,
  ) {
    this.keepsContext = !noContextTakeover && windowBits >= MAX_WINDOW_BITS;
    this.largestMessage = windowBits < MAX_WINDOW_BITS ? 1 << windowBits : Number.POSITIVE_INFINITY;
    this.level = Math.min(9, Math.max(1, level)) as Level;
  }

  /** The payload to send with RSV1 set, or null to send `data` as it is. */
  compress(data: Uint8Array): Uint8Array | null {
    if (data.length < this.threshold || data.length > this.largestMessage || !deflateWorks()) return null;
    // A message compressed on its own that did not shrink goes plain (and stays out of the history).
    if (!this.keepsContext) return smaller(compressAlone(data, null, this.level), data);
    const stream = this.stream;
    if (stream !== null) {
      stream.push(data, false);
      const tail = syncFlush(stream);
      if (tail === null) throw new Error("permessage-deflate: fflate's stream state changed after the self-check");
      this.chunks.push(tail);
      const out = concatBytes(this.chunks);
      this.chunks.length = 0;
      // fflate grows its buffer to the largest message pushed and keeps it; after a large one, a
      // new stream primed with the same window (the message's last 32 KiB) gives that memory back.
      if (data.length > KEEP_STREAM_BUFFER_MAX) this.stream = this.newStream(data.subarray(data.length - FULL_WINDOW));
      return out;
    }
    const payload = smaller(compressAlone(data, this.history, this.level), data);
    if (payload === null) return null;
    const seen = concatBytes([this.history, data]);
    if (seen.length >= FULL_WINDOW) {
      this.stream = this.newStream(seen.subarray(seen.length - FULL_WINDOW));
      this.history = new Uint8Array(0);
    } else {
      this.history = seen;
    }
    return payload;
  }

  /** A stream whose window is `window` (exactly 32 KiB of what was sent, so no zeros are left in it). */
  private newStream(window: Uint8Array): Deflate {
    return new Deflate({ level: this.level, dictionary: window }, (chunk) => {
      this.chunks.push(chunk);
    });
  }
}

/** Above this, the decode buffer is released after the message instead of kept for the next. */
const KEEP_BUFFER_MAX = 256 * 1024;

export class MessageInflater {
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
      const n = sharedInflater.inflate(input, 0, input.length, this.buffer, start + room, start, true);
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
      if (this.buffer.length > KEEP_BUFFER_MAX) this.moveWindowToNewBuffer(this.windowSize);
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
      this.windowEnd = keep;
    } else {
      // Sized for the window as well, so a run of small messages does not move it every time.
      this.moveWindowToNewBuffer(Math.max(room, this.windowSize));
    }
    return this.windowEnd;
  }

  /** A new buffer holding the kept window, then `room` free bytes (to grow, or to give memory back). */
  private moveWindowToNewBuffer(room: number): void {
    const keep = Math.min(this.windowEnd, this.windowSize);
    const next = new Uint8Array(keep + room);
    next.set(this.buffer.subarray(this.windowEnd - keep, this.windowEnd));
    this.buffer = next;
    this.windowEnd = keep;
  }

  private release(): void {
    this.buffer = EMPTY;
    this.windowEnd = 0;
  }
}

const EMPTY = new Uint8Array(0);

/**
 * These codecs, for `installMessageCompression` (compression-hook.ts). The Node/Deno/Bun entries
 * install them with an explicit call rather than by importing a module for its effect: the build
 * puts shared modules in chunks, and a bundler that trusts package.json's `sideEffects` drops an
 * import made only for its effect. The browser entry leaves them out.
 */
export const permessageDeflateCodecs: MessageCompressionCodecs = {
  compressor: (windowBits, noContextTakeover, level, threshold) => new MessageDeflater(windowBits, noContextTakeover, level, threshold),
  decompressor: (windowBits, noContextTakeover) => new MessageInflater(windowBits, noContextTakeover),
};
