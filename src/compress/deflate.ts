/**
 * DEFLATE in its three containers (raw RFC 1951, zlib RFC 1950, gzip RFC 1952):
 * compression on fflate, decompression bounded by an output limit.
 *
 * Bounding: limits up to INFLATE_BOUNDED_MAX_OUTPUT decode with our bounded
 * inflater into a buffer of exactly the limit, stopping at the first byte past
 * it (work bounded by limit + input). Larger limits (decompressDynamic) stream
 * through fflate's inflater in INFLATE_STREAM_CHUNK input chunks, so memory
 * follows the real output, and are abandoned as soon as the output passes the
 * limit (overshoot per chunk at most ~1032x the chunk).
 */
import { Inflate, deflateSync, gzipSync, zlibSync } from "fflate";
import { adler32 } from "./adler32.ts";
import { crc32 } from "../util/crc32.ts";
import { BoundedInflater, INFLATE_CORRUPT } from "./inflate-bounded.ts";

/** zlib's Z_DEFAULT_COMPRESSION, which Godot uses for DEFLATE and GZIP. */
export const DEFLATE_DEFAULT_LEVEL = 6;
/** Limits up to this decode in one bounded pass into a buffer of the limit's size. */
export const INFLATE_BOUNDED_MAX_OUTPUT = 1 << 20;
const INFLATE_STREAM_CHUNK = 4 * 1024;

const sharedInflater = new BoundedInflater();

type Level = 0 | 1 | 2 | 3 | 4 | 5 | 6 | 7 | 8 | 9;

function checkLevel(level: number): Level {
  if (!Number.isInteger(level) || level < 0 || level > 9) {
    throw new RangeError(`level must be an integer in 0..9, got ${String(level)}`);
  }
  return level as Level;
}

/** zlib-wrapped deflate (window bits 15), what Godot's MODE_DEFLATE and ENet's ZLIB mode produce. */
export function zlibCompress(input: Uint8Array, level: number = DEFLATE_DEFAULT_LEVEL): Uint8Array {
  return zlibSync(input, { level: checkLevel(level) });
}

export function deflateRawCompress(input: Uint8Array, level: number = DEFLATE_DEFAULT_LEVEL): Uint8Array {
  return deflateSync(input, { level: checkLevel(level) });
}

/** gzip member with mtime 0 and no name, so output is deterministic (as zlib's deflateInit2 with windowBits 31). */
export function gzipCompress(input: Uint8Array, level: number = DEFLATE_DEFAULT_LEVEL): Uint8Array {
  return gzipSync(input, { level: checkLevel(level), mtime: 0 });
}

/**
 * Inflate a raw deflate stream into at most `limit` bytes.
 * Returns null when it is corrupt, truncated, or decompresses to more than `limit`.
 */
export function inflateRawBounded(input: Uint8Array, limit: number): Uint8Array | null {
  if (input.length === 0 || !(limit >= 0)) return null;
  if (limit <= INFLATE_BOUNDED_MAX_OUTPUT) {
    const out = new Uint8Array(limit);
    const n = sharedInflater.inflate(input, 0, input.length, out, limit);
    if (n < 0) return null;
    // Do not keep a mostly empty limit-sized buffer alive behind the result.
    return n * 2 < limit ? out.slice(0, n) : out.subarray(0, n);
  }
  try {
    return inflateStreaming(input, limit);
  } catch {
    return null;
  }
}

class OutputLimitExceeded extends Error {}

function inflateStreaming(input: Uint8Array, limit: number): Uint8Array | null {
  let out = new Uint8Array(Math.min(limit, Math.max(INFLATE_STREAM_CHUNK, input.length * 4)));
  let size = 0;
  let finished = false;
  const inflater = new Inflate((chunk: Uint8Array, final: boolean) => {
    if (size + chunk.length > limit) throw new OutputLimitExceeded();
    if (size + chunk.length > out.length) {
      const grown = new Uint8Array(Math.min(limit, Math.max(out.length * 2, size + chunk.length)));
      grown.set(out.subarray(0, size));
      out = grown;
    }
    out.set(chunk, size);
    size += chunk.length;
    if (final) finished = true;
  });
  try {
    for (let pos = 0; pos < input.length; pos += INFLATE_STREAM_CHUNK) {
      const end = Math.min(input.length, pos + INFLATE_STREAM_CHUNK);
      inflater.push(input.subarray(pos, end), end === input.length);
    }
  } catch (e) {
    if (e instanceof OutputLimitExceeded) return null;
    throw e;
  }
  if (!finished) return null;
  return out.length === size ? out : out.slice(0, size);
}

/** Header length of a zlib stream, or -1 when the header is invalid or asks for a preset dictionary. */
function zlibHeaderLength(input: Uint8Array): number {
  if (input.length < 2) return -1;
  const cmf = input[0]!;
  const flg = input[1]!;
  const method = cmf & 0x0f;
  const windowBits = (cmf >>> 4) + 8;
  if (method !== 8 || windowBits > 15) return -1;
  if (((cmf << 8) | flg) % 31 !== 0) return -1;
  if (flg & 0x20) return -1; // FDICT: Godot never sets a dictionary
  return 2;
}

/** Inflate a zlib stream (header, deflate data, Adler-32 trailer) into at most `limit` bytes; null when invalid. */
export function zlibDecompressBounded(input: Uint8Array, limit: number): Uint8Array | null {
  const header = zlibHeaderLength(input);
  if (header < 0 || input.length < header + 1 + 4) return null;
  const end = input.length - 4;
  const out = inflateRawBounded(input.subarray(header, end), limit);
  if (out === null) return null;
  const expected = ((input[end]! << 24) | (input[end + 1]! << 16) | (input[end + 2]! << 8) | input[end + 3]!) >>> 0;
  return adler32(out) === expected ? out : null;
}

/**
 * Inflate a zlib stream into out[0..limit) with the allocation-free bounded
 * inflater (the per-datagram path). As zlib does, the Adler-32 trailer is read
 * right after the deflate data and anything after it is ignored.
 * Returns the length, INFLATE_TOO_LARGE, or INFLATE_CORRUPT.
 */
export function zlibDecompressInto(inflater: BoundedInflater, input: Uint8Array, out: Uint8Array, limit: number): number {
  const header = zlibHeaderLength(input);
  if (header < 0) return INFLATE_CORRUPT;
  const n = inflater.inflate(input, header, input.length, out, limit);
  if (n < 0) return n;
  const end = inflater.endOffset;
  if (end + 4 > input.length) return INFLATE_CORRUPT;
  const expected = ((input[end]! << 24) | (input[end + 1]! << 16) | (input[end + 2]! << 8) | input[end + 3]!) >>> 0;
  return adler32(out.subarray(0, n)) === expected ? n : INFLATE_CORRUPT;
}

const GZIP_FTEXT = 1;
const GZIP_FHCRC = 2;
const GZIP_FEXTRA = 4;
const GZIP_FNAME = 8;
const GZIP_FCOMMENT = 16;
const GZIP_RESERVED = 0xe0;

function gzipHeaderLength(input: Uint8Array): number {
  const n = input.length;
  if (n < 10 || input[0] !== 0x1f || input[1] !== 0x8b || input[2] !== 8) return -1;
  const flags = input[3]!;
  if (flags & GZIP_RESERVED) return -1;
  let pos = 10;
  if (flags & GZIP_FEXTRA) {
    if (pos + 2 > n) return -1;
    pos += 2 + (input[pos]! | (input[pos + 1]! << 8));
  }
  for (const flag of [GZIP_FNAME, GZIP_FCOMMENT]) {
    if (flags & flag) {
      while (pos < n && input[pos] !== 0) pos++;
      pos++; // the terminating zero
    }
  }
  if (flags & GZIP_FHCRC) pos += 2;
  void GZIP_FTEXT;
  return pos <= n ? pos : -1;
}

/** Inflate the first gzip member (checking CRC-32 and ISIZE) into at most `limit` bytes; null when invalid. */
export function gzipDecompressBounded(input: Uint8Array, limit: number): Uint8Array | null {
  const header = gzipHeaderLength(input);
  if (header < 0 || input.length < header + 1 + 8) return null;
  const end = input.length - 8;
  const out = inflateRawBounded(input.subarray(header, end), limit);
  if (out === null) return null;
  const crc = (input[end]! | (input[end + 1]! << 8) | (input[end + 2]! << 16) | (input[end + 3]! << 24)) >>> 0;
  const isize = (input[end + 4]! | (input[end + 5]! << 8) | (input[end + 6]! << 16) | (input[end + 7]! << 24)) >>> 0;
  if (isize !== out.length % 0x100000000 || crc32(out) !== crc) return null;
  return out;
}
