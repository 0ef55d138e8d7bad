/**
 * Godot's FastLZ framing (core/io/compression.cpp, MODE_FASTLZ): inputs shorter
 * than 16 bytes are zero-padded to 16 before compressing (so the decompressed
 * data is 16 bytes, ending in the padding), level 1 below 64 KiB and level 2
 * from 64 KiB, and a destination smaller than 16 bytes receives the first bytes
 * of a 16-byte decode.
 */
import { FASTLZ_LEVEL2_THRESHOLD, fastlzCompressBound, fastlzCompressInto, fastlzDecompressInto } from "./fastlz.ts";

/** Godot pads FastLZ inputs to at least this many bytes. */
export const GODOT_FASTLZ_MIN_INPUT = 16;

export function godotFastlzCompressBound(length: number): number {
  return fastlzCompressBound(Math.max(length, GODOT_FASTLZ_MIN_INPUT));
}

const paddedInput = new Uint8Array(GODOT_FASTLZ_MIN_INPUT);

/** Compress as Godot does into `out` (at least godotFastlzCompressBound bytes); returns the length. */
export function godotFastlzCompressInto(input: Uint8Array, out: Uint8Array): number {
  let source = input;
  if (input.length < GODOT_FASTLZ_MIN_INPUT) {
    paddedInput.fill(0);
    paddedInput.set(input);
    source = paddedInput;
  }
  return fastlzCompressInto(source, out, source.length < FASTLZ_LEVEL2_THRESHOLD ? 1 : 2);
}

export function godotFastlzCompress(input: Uint8Array): Uint8Array {
  const out = new Uint8Array(godotFastlzCompressBound(input.length));
  return out.slice(0, godotFastlzCompressInto(input, out));
}

const smallDestination = new Uint8Array(GODOT_FASTLZ_MIN_INPUT);

/**
 * Decompress into `out[0..limit)` as Godot does. Returns the length, or -1 when
 * the data is invalid or larger than `limit` (Godot reports 0 for that; we
 * distinguish it so callers can raise a clear error).
 */
export function godotFastlzDecompressInto(input: Uint8Array, out: Uint8Array, limit: number): number {
  if (limit < GODOT_FASTLZ_MIN_INPUT) {
    const n = fastlzDecompressInto(input, smallDestination, GODOT_FASTLZ_MIN_INPUT);
    if (n < 0) return -1;
    const kept = Math.min(limit, n);
    out.set(smallDestination.subarray(0, kept));
    return kept;
  }
  return fastlzDecompressInto(input, out, limit);
}
