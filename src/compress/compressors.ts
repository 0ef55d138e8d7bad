/**
 * The ENet Compressor for each ENetConnection.CompressionMode, matching what
 * Godot installs with enet_host_compress: libenet's range coder for
 * RANGE_CODER, and for FASTLZ/ZLIB/ZSTD Godot's wrapper, which gathers the
 * command buffers, compresses them with core/io/compression.cpp and reports "no
 * gain" (0) when the result exceeds ENet's output limit.
 */
import { CompressionMode, type Compressor } from "./types.ts";
import { RangeCoderCompressor } from "./range-coder-compressor.ts";
import { GrowableScratch, checkedLimit, gather } from "./scratch.ts";
import { GODOT_FASTLZ_MIN_INPUT, godotFastlzCompressBound, godotFastlzCompressInto, godotFastlzDecompressInto } from "./fastlz-godot.ts";
import { fastlzDecodedLength } from "./fastlz.ts";
import { DEFLATE_DEFAULT_LEVEL, zlibCompress, zlibDecompressInto } from "./deflate.ts";
import { BoundedInflater, INFLATE_TOO_LARGE } from "./inflate-bounded.ts";
import { zstdDecompressBounded } from "./zstd/decoder.ts";
import { zstdCompress } from "./zstd/encoder.ts";

/** Godot's default zstd level (compression/formats/zstd/compression_level). */
export const GODOT_ZSTD_DEFAULT_LEVEL = 3;

function isInput(input: unknown): input is Uint8Array | readonly Uint8Array[] {
  return input instanceof Uint8Array || (Array.isArray(input) && input.every((b) => b instanceof Uint8Array));
}

export class FastlzCompressor implements Compressor {
  readonly mode = CompressionMode.FASTLZ;
  readonly paddedBelow = GODOT_FASTLZ_MIN_INPUT;
  private readonly compressScratch = new GrowableScratch();
  private readonly decompressScratch = new GrowableScratch();

  compress(input: Uint8Array | readonly Uint8Array[], outLimit: number): Uint8Array | null {
    const limit = checkedLimit(outLimit);
    if (limit <= 0 || !isInput(input)) return null;
    const data = gather(input);
    const out = this.compressScratch.get(godotFastlzCompressBound(data.length));
    if (out === null) return null;
    const n = godotFastlzCompressInto(data, out);
    return n > 0 && n <= limit ? out.subarray(0, n) : null;
  }

  decompress(input: Uint8Array, outLimit: number): Uint8Array | null {
    const limit = checkedLimit(outLimit);
    if (limit <= 0 || !(input instanceof Uint8Array)) return null;
    // The instructions give the exact size, so a huge limit costs nothing.
    const size = fastlzDecodedLength(input);
    if (size <= 0) return null;
    const bounded = Math.min(limit, Math.max(size, GODOT_FASTLZ_MIN_INPUT));
    const out = this.decompressScratch.get(bounded);
    if (out === null) return null;
    const n = godotFastlzDecompressInto(input, out, limit < GODOT_FASTLZ_MIN_INPUT ? limit : bounded);
    return n > 0 ? out.subarray(0, n) : null;
  }
}

export class ZlibCompressor implements Compressor {
  readonly mode = CompressionMode.ZLIB;
  private readonly scratch = new GrowableScratch();
  // Stops at the limit (fflate would finish a hostile datagram first) and allocates nothing.
  private readonly inflater = new BoundedInflater();
  constructor(private readonly level: number = DEFLATE_DEFAULT_LEVEL) {}

  compress(input: Uint8Array | readonly Uint8Array[], outLimit: number): Uint8Array | null {
    const limit = checkedLimit(outLimit);
    if (limit <= 0 || !isInput(input)) return null;
    try {
      const out = zlibCompress(gather(input), this.level);
      return out.length <= limit ? out : null;
    } catch {
      // Sending uncompressed is always correct; never let a codec fault escape into the service loop.
      return null;
    }
  }

  decompress(input: Uint8Array, outLimit: number): Uint8Array | null {
    const limit = checkedLimit(outLimit);
    if (limit <= 0 || !(input instanceof Uint8Array)) return null;
    // Start from a typical size and grow only while the stream really needs more room.
    let size = Math.min(limit, Math.max(4096, input.length * 8));
    for (;;) {
      const out = this.scratch.get(size);
      if (out === null) return null;
      const n = zlibDecompressInto(this.inflater, input, out, size);
      if (n > 0) return out.subarray(0, n);
      if (n !== INFLATE_TOO_LARGE || size >= limit) return null;
      size = Math.min(limit, size * 4);
    }
  }
}

export class ZstdCompressor implements Compressor {
  readonly mode = CompressionMode.ZSTD;
  constructor(private readonly level: number = GODOT_ZSTD_DEFAULT_LEVEL) {}

  compress(input: Uint8Array | readonly Uint8Array[], outLimit: number): Uint8Array | null {
    const limit = checkedLimit(outLimit);
    if (limit <= 0 || !isInput(input)) return null;
    try {
      const out = zstdCompress(gather(input), this.level);
      return out.length <= limit ? out : null;
    } catch {
      // Sending uncompressed is always correct; never let a codec fault escape into the service loop.
      return null;
    }
  }

  decompress(input: Uint8Array, outLimit: number): Uint8Array | null {
    const limit = checkedLimit(outLimit);
    if (limit <= 0) return null;
    const out = zstdDecompressBounded(input, limit);
    return out !== null && out.length > 0 ? out : null;
  }
}

/**
 * A fresh Compressor for `mode` (each holds its own model and buffers, so use
 * one per host), or null for CompressionMode.NONE.
 * Compressor.compress returns null for "no gain / does not fit"; decompress
 * returns null for corrupt input, output beyond the limit, or empty output
 * (ENet treats a zero-length result as failure), and never throws.
 */
export function createCompressor(mode: CompressionMode): Compressor | null {
  switch (mode) {
    case CompressionMode.NONE:
      return null;
    case CompressionMode.RANGE_CODER:
      return new RangeCoderCompressor();
    case CompressionMode.FASTLZ:
      return new FastlzCompressor();
    case CompressionMode.ZLIB:
      return new ZlibCompressor();
    case CompressionMode.ZSTD:
      return new ZstdCompressor();
    default:
      throw new RangeError(`mode must be a CompressionMode (0..4), got ${String(mode)}`);
  }
}
