/**
 * The RFC 6455 base framing (section 5.2): opcodes, header layout and frame encoding.
 * Decoding is incremental and lives in frame-receiver.ts.
 */
import { applyMask, nextMaskKey } from "./mask.ts";

export enum Opcode {
  CONTINUATION = 0x0,
  TEXT = 0x1,
  BINARY = 0x2,
  CLOSE = 0x8,
  PING = 0x9,
  PONG = 0xa,
}

export const FIN_BIT = 0x80;
export const RSV_BITS = 0x70;
/** The first reserved bit: set on the first frame of a compressed message (RFC 7692 section 6). */
export const RSV1_BIT = 0x40;
export const OPCODE_MASK = 0x0f;
export const MASK_BIT = 0x80;
export const LENGTH_MASK = 0x7f;
/** 7-bit length values that mean "a 16-bit / 64-bit extended length follows". */
export const LENGTH_16 = 126;
export const LENGTH_64 = 127;
export const MAX_CONTROL_PAYLOAD = 125;
/** 2 base bytes + 8 extended length bytes + 4 mask key bytes. */
export const MAX_HEADER_SIZE = 14;

export function isControlOpcode(op: number): boolean {
  return (op & 0x8) !== 0;
}

export function isKnownOpcode(op: number): boolean {
  return op <= Opcode.BINARY || (op >= Opcode.CLOSE && op <= Opcode.PONG);
}

/** Header bytes for a payload of `length`, with or without a mask key. */
export function frameHeaderSize(length: number, masked: boolean): number {
  const base = length < LENGTH_16 ? 2 : length <= 0xffff ? 4 : 10;
  return masked ? base + 4 : base;
}

/**
 * Write a frame header at `out[offset]` and return its size. `maskKey` (4 bytes)
 * is written when given; the payload itself is not touched. `rsv`: reserved bits to set
 * (RSV1_BIT for a compressed message), 0 otherwise.
 */
export function writeFrameHeader(
  out: Uint8Array,
  offset: number,
  fin: boolean,
  opcode: Opcode,
  length: number,
  maskKey: Uint8Array | null,
  rsv = 0,
): number {
  let o = offset;
  out[o++] = (fin ? FIN_BIT : 0) | rsv | opcode;
  const maskBit = maskKey ? MASK_BIT : 0;
  if (length < LENGTH_16) {
    out[o++] = maskBit | length;
  } else if (length <= 0xffff) {
    out[o++] = maskBit | LENGTH_16;
    out[o++] = length >>> 8;
    out[o++] = length & 0xff;
  } else {
    out[o++] = maskBit | LENGTH_64;
    const hi = Math.floor(length / 0x100000000);
    const lo = length >>> 0;
    out[o++] = hi >>> 24;
    out[o++] = (hi >>> 16) & 0xff;
    out[o++] = (hi >>> 8) & 0xff;
    out[o++] = hi & 0xff;
    out[o++] = lo >>> 24;
    out[o++] = (lo >>> 16) & 0xff;
    out[o++] = (lo >>> 8) & 0xff;
    out[o++] = lo & 0xff;
  }
  if (maskKey) {
    out.set(maskKey, o); // exactly 4 bytes
    o += 4;
  }
  return o - offset;
}

const scratchKey = new Uint8Array(4);

/**
 * One complete frame (header + payload) in a single new buffer. `mask` is true for
 * client-to-server frames (a fresh random key per frame from the platform CSPRNG,
 * RFC 6455 section 5.3). `payload` may be a subarray; it is copied, never modified.
 */
export function encodeFrame(opcode: Opcode, payload: Uint8Array, fin: boolean, mask: boolean): Uint8Array {
  if (!mask) return encodeFrameWithKey(opcode, payload, fin, null);
  nextMaskKey(scratchKey);
  return encodeFrameWithKey(opcode, payload, fin, scratchKey);
}

/** One complete frame, masked with `key` (4 bytes) or unmasked when `key` is null; `rsv` as in writeFrameHeader. */
export function encodeFrameWithKey(opcode: Opcode, payload: Uint8Array, fin: boolean, key: Uint8Array | null, rsv = 0): Uint8Array {
  const length = payload.length;
  const headerSize = frameHeaderSize(length, key !== null);
  const out = new Uint8Array(headerSize + length);
  writeFrameHeader(out, 0, fin, opcode, length, key, rsv);
  out.set(payload, headerSize);
  if (key) applyMask(out, headerSize, headerSize + length, key, 0);
  return out;
}
