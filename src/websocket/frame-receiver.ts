/**
 * Incremental frame decoder and message assembler (RFC 6455 sections 5.2-5.5).
 *
 * Bytes arrive in arbitrary chunks. A frame header is read into number fields (no
 * buffer per connection): in one go when it lies whole in the chunk, byte by byte when
 * it is split across chunks. Payload bytes are copied straight into the message's final
 * buffer (an unfragmented message gets an exactly sized array that becomes the
 * delivered packet, so the only allocation per message is its payload) and
 * unmasked there. When the caller gives a chunk away (`owned`), an unfragmented
 * message that lies whole inside it and takes at least half of its ArrayBuffer is
 * delivered as a view of it instead, unmasked in place: no allocation at all
 * (see VIEW_MAX_BUFFER_RATIO). Text is validated as it arrives, so invalid UTF-8 fails at
 * the first bad byte even mid-fragment. Every violation is reported once
 * through `onFail` with the close code to send, and the receiver then ignores
 * further input, as it does everything after a valid close frame.
 *
 * Once permessage-deflate is agreed (`inflater` set), a data message whose first frame has RSV1
 * set is inflated when its last frame arrives; its text is validated then, on the inflated bytes.
 */
import { CloseCode, isValidCloseCode } from "./close-codes.ts";
import {
  FIN_BIT,
  LENGTH_16,
  LENGTH_64,
  LENGTH_MASK,
  MASK_BIT,
  MAX_CONTROL_PAYLOAD,
  OPCODE_MASK,
  Opcode,
  RSV1_BIT,
  RSV_BITS,
  isControlOpcode,
  isKnownOpcode,
} from "./frame.ts";
import { viewInsteadOfCopy } from "../util/copy-bytes.ts";
import { applyMaskWord } from "./mask.ts";
import { INFLATE_TOO_LARGE } from "../compress/inflate-bounded.ts";
import type { MessageDecompressor } from "./compression-hook.ts";
import { Utf8Validator } from "./utf8.ts";

/**
 * What the receiver's owner hears. Each call ends with the owner given to the receiver, so one
 * handler object can serve every connection (closures per connection would cost each idle one a
 * few hundred bytes).
 */
export interface FrameReceiverHandler<Owner = unknown> {
  /** A complete data message. `data` is owned by the callee; `inflated`: it arrived compressed. */
  onMessage(data: Uint8Array, isText: boolean, inflated: boolean, owner: Owner): void;
  /**
   * `payload` is a view of a scratch buffer, valid only during the call (it may be one buffer
   * shared by every receiver: the call must not feed a receiver before it is done with it).
   */
  onPing(payload: Uint8Array, owner: Owner): void;
  onPong(payload: Uint8Array, owner: Owner): void;
  /** A valid close frame. `code` is 1005 when the frame had no payload; `reason` is valid UTF-8. */
  onClose(code: number, reason: Uint8Array, owner: Owner): void;
  /** The peer broke the protocol; the connection must be failed with `code`. */
  onFail(code: number, reason: string, owner: Owner): void;
}

enum ReceiverPhase {
  HEADER,
  PAYLOAD,
  FAILED,
  /** The peer's close frame arrived: it is the last frame (RFC 6455 5.5.1), so the rest of the input is ignored. */
  CLOSE_RECEIVED,
}

/** Above this, the reusable fragment buffer is released after each message instead of kept. */
const KEEP_FRAGMENT_BUFFER_MAX = 256 * 1024;

/**
 * A message delivered as a view of its chunk keeps the chunk's whole ArrayBuffer alive, while
 * the inbound limits count only the message's bytes. A view is taken only when the message is
 * at least 1/VIEW_MAX_BUFFER_RATIO of that buffer, so what a held message keeps alive is at most
 * twice what is counted. A socket read of one frame (a game client sending a message now and
 * then) qualifies; a read of many small frames does not, and they are copied as before.
 * Messages of up to SMALL_ARRAY_MAX bytes are copied too: V8 makes such arrays on its own heap,
 * which costs less than a view (an array above that size is allocated off the heap, about
 * 1-3 us on Node 20).
 */
const VIEW_MAX_BUFFER_RATIO = 2;

/**
 * A control frame's payload when it arrives whole in one chunk (nearly always): one buffer for every
 * receiver, since it is handed to the handler at once. A payload split across chunks goes to the
 * receiver's own buffer, made the first time that happens (see FrameReceiver.ownControl).
 */
const SHARED_CONTROL = new Uint8Array(MAX_CONTROL_PAYLOAD);

export class FrameReceiver<Owner = unknown> {
  /** Largest message (sum of its fragments) accepted; larger closes with 1009. */
  maxMessageSize: number;

  private readonly expectMasked: boolean;
  private readonly handler: FrameReceiverHandler<Owner>;
  private readonly owner: Owner;
  private phase = ReceiverPhase.HEADER;

  /**
   * The frame header is read into number fields, not gathered in a buffer: a server
   * holds one receiver per connection, and every typed array (with its ArrayBuffer) costs an idle
   * connection a hundred bytes or more.
   */
  private headerFill = 0;
  private headerNeed = 2;
  /** Header bytes 0 and 1. */
  private b0 = 0;
  private b1 = 0;
  /** Where the extended length ends in the header (2, 4 or 10), known once byte 1 is in. */
  private lengthEnd = 2;
  /** The extended length as read so far: a 16-bit length, or a 64-bit one's high and low 32 bits (int32 each). */
  private lengthHigh = 0;
  private lengthLow = 0;

  // Current frame (its FIN bit, opcode and MASK bit are read from b0 and b1, which stay until the next header).
  private get fin(): boolean {
    return (this.b0 & FIN_BIT) !== 0;
  }
  private get opcode(): number {
    return this.b0 & OPCODE_MASK;
  }
  private get masked(): boolean {
    return (this.b1 & MASK_BIT) !== 0;
  }
  /** The frame's masking key as one word, byte 0 in the low bits (applyMaskWord). */
  private maskWord = 0;
  private payloadLength = 0;
  private payloadDone = 0;

  // Current data message (possibly spanning several frames).
  private messageActive = false;
  private messageIsText = false;
  private message: Uint8Array = EMPTY;
  private messageFill = 0;
  /** True when `message` is the reusable fragment buffer (copy out at the end). */
  private messageShared = false;
  /** An unfragmented message whose array is made when its first payload byte arrives (a view or a copy). */
  private messageUnallocated = false;
  /** True when `message` is a view of the received chunk: its bytes are already in place. */
  private messageInPlace = false;
  private fragmentBuffer: Uint8Array = EMPTY;
  /** Text messages' validator, made with the first text message. */
  private utf8: Utf8Validator | null = null;

  /** The current control frame's payload: SHARED_CONTROL, or `ownControl` when it arrives in pieces. */
  private control: Uint8Array = SHARED_CONTROL;
  /** This receiver's control payload buffer, made the first time a control payload is split across chunks. */
  private ownControl: Uint8Array | null = null;

  /** Frames decoded so far (for statistics). */
  framesReceived = 0;
  /** permessage-deflate's receiving side, once agreed in the handshake; null: RSV1 is a protocol error. */
  inflater: MessageDecompressor | null = null;
  /** The current message's first frame had RSV1 set: its payload is compressed. */
  private messageCompressed = false;

  /** `owner` is passed back with every handler call (tests with closures may leave it out). */
  constructor(expectMasked: boolean, maxMessageSize: number, handler: FrameReceiverHandler<Owner>, owner?: Owner) {
    this.expectMasked = expectMasked;
    this.maxMessageSize = maxMessageSize;
    this.handler = handler;
    this.owner = owner as Owner;
  }

  get failed(): boolean {
    return this.phase === ReceiverPhase.FAILED;
  }

  /** Bytes held for a message still being assembled (for memory accounting). */
  get bufferedMessageBytes(): number {
    return this.messageFill;
  }

  /**
   * Decode `chunk[start..end)`. Handlers run synchronously; after a failure the rest is ignored.
   * `owned`: the caller gives the chunk away (nothing else reads or writes it afterwards), so a
   * message inside it may be delivered as a view of it, unmasked in place.
   */
  receive(chunk: Uint8Array, start = 0, end = chunk.length, owned = false): void {
    let pos = start;
    while (pos < end) {
      const phase = this.phase;
      if (phase === ReceiverPhase.HEADER) {
        if (this.headerFill === 0 && end - pos >= 2 && end <= chunk.length) {
          // The usual case: the whole header is in this chunk, read in one go.
          const b1 = chunk[pos + 1] ?? 0;
          const lenCode = b1 & LENGTH_MASK;
          const lengthEnd = 2 + (lenCode === LENGTH_16 ? 2 : lenCode === LENGTH_64 ? 8 : 0);
          const need = lengthEnd + (b1 & MASK_BIT ? 4 : 0);
          if (end - pos >= need) {
            this.b0 = chunk[pos] ?? 0;
            this.b1 = b1;
            if (lenCode === LENGTH_16) {
              this.lengthHigh = ((chunk[pos + 2] ?? 0) << 8) | (chunk[pos + 3] ?? 0);
            } else if (lenCode === LENGTH_64) {
              this.lengthHigh = ((chunk[pos + 2] ?? 0) << 24) | ((chunk[pos + 3] ?? 0) << 16) | ((chunk[pos + 4] ?? 0) << 8) | (chunk[pos + 5] ?? 0);
              this.lengthLow = ((chunk[pos + 6] ?? 0) << 24) | ((chunk[pos + 7] ?? 0) << 16) | ((chunk[pos + 8] ?? 0) << 8) | (chunk[pos + 9] ?? 0);
            }
            if (need > lengthEnd) {
              const k = pos + lengthEnd;
              this.maskWord = (chunk[k] ?? 0) | ((chunk[k + 1] ?? 0) << 8) | ((chunk[k + 2] ?? 0) << 16) | ((chunk[k + 3] ?? 0) << 24);
            }
            pos += need;
            if (!this.startFrame()) return;
            continue;
          }
        }
        // A header split across chunks: byte by byte; the needed count grows once the length byte is known.
        for (let b = chunk[pos]; this.headerFill < this.headerNeed && pos < end && b !== undefined; b = chunk[++pos]) {
          const i = this.headerFill++;
          if (i >= this.lengthEnd) {
            // Masking key byte i - lengthEnd.
            this.maskWord |= b << ((i - this.lengthEnd) * 8);
          } else if (i >= 6) {
            this.lengthLow = (this.lengthLow << 8) | b;
          } else if (i >= 2) {
            this.lengthHigh = (this.lengthHigh << 8) | b;
          } else if (i === 0) {
            this.b0 = b;
            this.lengthHigh = 0;
            this.lengthLow = 0;
            this.maskWord = 0;
          } else {
            this.b1 = b;
            const lenCode = b & LENGTH_MASK;
            const need = (this.lengthEnd = 2 + (lenCode === LENGTH_16 ? 2 : lenCode === LENGTH_64 ? 8 : 0)) + (b & MASK_BIT ? 4 : 0);
            if (need > 2) {
              // Validate the first two bytes before waiting for the rest (fail fast).
              if (!this.checkBaseHeader()) return;
              this.headerNeed = need;
            }
          }
        }
        if (this.headerFill < this.headerNeed) return;
        if (!this.startFrame()) return;
      } else if (phase === ReceiverPhase.PAYLOAD) {
        const n = Math.min(this.payloadLength - this.payloadDone, end - pos);
        if (isControlOpcode(this.opcode)) {
          // A payload that arrives whole is read into the shared buffer; one in pieces, into our own.
          if (this.payloadDone === 0) this.control = n === this.payloadLength ? SHARED_CONTROL : (this.ownControl ??= new Uint8Array(MAX_CONTROL_PAYLOAD));
          this.copyIn(chunk, pos, n, this.control, this.payloadDone);
          if (this.masked) applyMaskWord(this.control, this.payloadDone, this.payloadDone + n, this.maskWord, this.payloadDone);
        } else {
          if (this.messageUnallocated) this.allocateMessage(chunk, pos, end, owned);
          const at = this.messageFill;
          if (!this.messageInPlace) this.copyIn(chunk, pos, n, this.message, at);
          if (this.masked) applyMaskWord(this.message, at, at + n, this.maskWord, this.payloadDone);
          this.messageFill = at + n;
          if (this.messageIsText && !this.messageCompressed && !this.utf8!.update(this.message, at, at + n)) {
            this.fail(CloseCode.INVALID_FRAME_PAYLOAD_DATA, "Invalid UTF-8 in text message");
            return;
          }
        }
        pos += n;
        this.payloadDone += n;
        if (this.payloadDone === this.payloadLength) this.endFrame();
      } else {
        return;
      }
    }
  }

  /** The array of an unfragmented message, at its first payload byte `chunk[pos]` (see VIEW_MAX_BUFFER_RATIO). */
  private allocateMessage(chunk: Uint8Array, pos: number, end: number, owned: boolean): void {
    this.messageUnallocated = false;
    const length = this.payloadLength;
    if (owned && end - pos >= length && viewInsteadOfCopy(length, chunk.buffer.byteLength, VIEW_MAX_BUFFER_RATIO)) {
      // A plain Uint8Array even when the chunk is a Buffer (whose subarray would be a Buffer).
      this.message = new Uint8Array(chunk.buffer, chunk.byteOffset + pos, length);
      this.messageInPlace = true;
    } else {
      this.message = new Uint8Array(length);
    }
  }

  private copyIn(src: Uint8Array, from: number, n: number, dst: Uint8Array, to: number): void {
    if (n < 64) {
      for (let i = 0; i < n; i++) dst[to + i] = src[from + i] ?? 0;
    } else {
      dst.set(src.subarray(from, from + n), to);
    }
  }

  /** Checks that need only the first two header bytes. */
  private checkBaseHeader(): boolean {
    const b0 = this.b0;
    const b1 = this.b1;
    const op = b0 & OPCODE_MASK;
    const rsv = b0 & RSV_BITS;
    // RSV1 marks a compressed message, on its first frame only (RFC 7692 section 6).
    if (rsv !== 0 && (rsv !== RSV1_BIT || this.inflater === null || (op !== Opcode.TEXT && op !== Opcode.BINARY))) {
      return this.fail(CloseCode.PROTOCOL_ERROR, "Reserved bits set");
    }
    if (!isKnownOpcode(op)) return this.fail(CloseCode.PROTOCOL_ERROR, "Unknown opcode");
    const masked = (b1 & MASK_BIT) !== 0;
    if (masked !== this.expectMasked) {
      return this.fail(CloseCode.PROTOCOL_ERROR, masked ? "Masked frame from server" : "Unmasked frame from client");
    }
    if (isControlOpcode(op)) {
      if (!(b0 & FIN_BIT)) return this.fail(CloseCode.PROTOCOL_ERROR, "Fragmented control frame");
      if ((b1 & LENGTH_MASK) > MAX_CONTROL_PAYLOAD) return this.fail(CloseCode.PROTOCOL_ERROR, "Control frame too long");
    } else if (op === Opcode.CONTINUATION) {
      if (!this.messageActive) return this.fail(CloseCode.PROTOCOL_ERROR, "Continuation without a message");
    } else if (this.messageActive) {
      return this.fail(CloseCode.PROTOCOL_ERROR, "New message inside a fragmented message");
    }
    return true;
  }

  private startFrame(): boolean {
    if (!this.checkBaseHeader()) return false;
    const b0 = this.b0;
    const b1 = this.b1;
    const lenCode = b1 & LENGTH_MASK;
    let length: number;
    if (lenCode === LENGTH_16) {
      length = this.lengthHigh & 0xffff;
    } else if (lenCode === LENGTH_64) {
      const hi = this.lengthHigh >>> 0;
      if (hi & 0x80000000) return this.fail(CloseCode.PROTOCOL_ERROR, "64-bit length with the high bit set");
      const lo = this.lengthLow >>> 0;
      // Anything needing more than 53 bits is over every limit anyway.
      length = hi > 0x1fffff ? Number.MAX_SAFE_INTEGER : hi * 0x100000000 + lo;
    } else {
      length = lenCode;
    }
    this.payloadLength = length;
    this.payloadDone = 0;
    this.headerFill = 0;
    this.headerNeed = 2;
    this.framesReceived++;

    if (!isControlOpcode(this.opcode)) {
      const total = (this.messageActive ? this.messageFill : 0) + length;
      const compressed = this.messageActive ? this.messageCompressed : (b0 & RSV1_BIT) !== 0;
      // Refuse before reading a single payload byte. A compressed message is held to the limit
      // once inflated; its compressed form may be a little larger (incompressible data).
      if (total > (compressed ? compressedSizeLimit(this.maxMessageSize) : this.maxMessageSize)) return this.fail(CloseCode.MESSAGE_TOO_BIG, "Message too big");
      if (!this.messageActive) {
        this.messageActive = true;
        this.messageIsText = this.opcode === Opcode.TEXT;
        this.messageCompressed = compressed;
        if (this.messageIsText) (this.utf8 ??= new Utf8Validator()).reset();
        this.messageFill = 0;
        if (this.fin) {
          this.message = length === 0 ? new Uint8Array(0) : EMPTY;
          this.messageUnallocated = length > 0;
          this.messageShared = false;
        } else {
          this.useFragmentBuffer(length);
        }
      } else if (this.message.length < total) {
        this.useFragmentBuffer(total);
      }
    }
    this.phase = ReceiverPhase.PAYLOAD;
    if (length === 0) {
      if (isControlOpcode(this.opcode)) this.control = SHARED_CONTROL;
      this.endFrame();
    }
    return true;
  }

  /** Make `message` the shared fragment buffer with room for `needed` bytes, keeping what is there. */
  private useFragmentBuffer(needed: number): void {
    if (this.fragmentBuffer.length < needed) {
      let size = Math.max(1024, this.fragmentBuffer.length * 2);
      while (size < needed) size *= 2;
      size = Math.min(size, Math.max(needed, this.maxMessageSize));
      const grown = new Uint8Array(size);
      if (this.messageFill > 0) grown.set(this.message.subarray(0, this.messageFill));
      this.fragmentBuffer = grown;
    } else if (this.message !== this.fragmentBuffer && this.messageFill > 0) {
      this.fragmentBuffer.set(this.message.subarray(0, this.messageFill));
    }
    this.message = this.fragmentBuffer;
    this.messageShared = true;
  }

  private endFrame(): void {
    this.phase = ReceiverPhase.HEADER;
    const op = this.opcode;
    if (isControlOpcode(op)) {
      const payload = this.control.subarray(0, this.payloadLength);
      if (op === Opcode.PING) this.handler.onPing(payload, this.owner);
      else if (op === Opcode.PONG) this.handler.onPong(payload, this.owner);
      else this.endCloseFrame(payload);
      return;
    }
    if (!this.fin) return;
    let data: Uint8Array;
    if (this.messageCompressed) {
      const inflated = this.inflater!.inflate(this.message.subarray(0, this.messageFill), this.maxMessageSize);
      if (typeof inflated === "number") {
        if (inflated === INFLATE_TOO_LARGE) this.fail(CloseCode.MESSAGE_TOO_BIG, "Message too big (inflated)");
        else this.fail(CloseCode.INVALID_FRAME_PAYLOAD_DATA, "Invalid compressed data");
        return;
      }
      data = inflated;
      if (this.messageIsText && !(this.utf8!.update(data, 0, data.length) && this.utf8!.complete)) {
        this.fail(CloseCode.INVALID_FRAME_PAYLOAD_DATA, "Invalid UTF-8 in text message");
        return;
      }
    } else {
      if (this.messageIsText && !this.utf8!.complete) {
        this.fail(CloseCode.INVALID_FRAME_PAYLOAD_DATA, "Truncated UTF-8 in text message");
        return;
      }
      data = this.messageShared ? this.message.slice(0, this.messageFill) : this.message;
    }
    const isText = this.messageIsText;
    const inflated = this.messageCompressed;
    this.messageCompressed = false;
    this.messageActive = false;
    this.message = EMPTY;
    this.messageFill = 0;
    this.messageShared = false;
    this.messageInPlace = false;
    if (this.fragmentBuffer.length > KEEP_FRAGMENT_BUFFER_MAX) this.fragmentBuffer = EMPTY;
    this.handler.onMessage(data, isText, inflated, this.owner);
  }

  private endCloseFrame(payload: Uint8Array): void {
    if (payload.length === 0) {
      this.phase = ReceiverPhase.CLOSE_RECEIVED;
      this.handler.onClose(CloseCode.NO_STATUS_RECEIVED, payload, this.owner);
      return;
    }
    if (payload.length === 1) {
      this.fail(CloseCode.PROTOCOL_ERROR, "Close frame with a 1-byte payload");
      return;
    }
    const code = ((payload[0] ?? 0) << 8) | (payload[1] ?? 0);
    if (!isValidCloseCode(code)) {
      this.fail(CloseCode.PROTOCOL_ERROR, "Invalid close code");
      return;
    }
    const v = new Utf8Validator();
    if (!v.update(payload, 2, payload.length) || !v.complete) {
      this.fail(CloseCode.INVALID_FRAME_PAYLOAD_DATA, "Invalid UTF-8 in close reason");
      return;
    }
    this.phase = ReceiverPhase.CLOSE_RECEIVED;
    this.handler.onClose(code, payload.subarray(2), this.owner);
  }

  private fail(code: number, reason: string): false {
    this.phase = ReceiverPhase.FAILED;
    this.message = EMPTY;
    this.messageFill = 0;
    this.fragmentBuffer = EMPTY;
    this.handler.onFail(code, reason, this.owner);
    return false;
  }
}

/**
 * The largest compressed payload that can stand for a message of `limit` bytes: DEFLATE's
 * worst case is stored blocks, 5 bytes per 65,535 plus a byte or two of flush (zlib's
 * deflateBound allows n/4096 + n/16384 + 13); we allow n/1024 + 64.
 */
function compressedSizeLimit(limit: number): number {
  return limit + Math.floor(limit / 1024) + 64;
}

const EMPTY = new Uint8Array(0);
