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
import { godotFastlzCompressBound, godotFastlzCompressInto, godotFastlzDecompressInto } from "./fastlz-godot.ts";
import { DEFLATE_DEFAULT_LEVEL, zlibCompress, zlibDecompressInto } from "./deflate.ts";
import { BoundedInflater } from "./inflate-bounded.ts";
import { zstdDecompressBounded } from "./zstd/decoder.ts";
import { zstdCompress } from "./zstd/encoder.ts";

/** Godot's default zstd level (compression/formats/zstd/compression_level). */
export const GODOT_ZSTD_DEFAULT_LEVEL = 3;

function isInput(input: unknown): input is Uint8Array | readonly Uint8Array[] {
  return input instanceof Uint8Array || (Array.isArray(input) && input.every((b) => b instanceof Uint8Array));
}

export class FastlzCompressor implements Compressor {
  readonly mode = CompressionMode.FASTLZ;
  private readonly compressScratch = new GrowableScratch();
  private readonly decompressScratch = new GrowableScratch();

  compress(input: Uint8Array | readonly Uint8Array[], outLimit: number): Uint8Array | null {
    const limit = checkedLimit(outLimit);
    if (limit <= 0 || !isInput(input)) return null;
    const data = gather(input);
    const out = this.compressScratch.get(godotFastlzCompressBound(data.length));
    const n = godotFastlzCompressInto(data, out);
    return n > 0 && n <= limit ? out.slice(0, n) : null;
  }

  decompress(input: Uint8Array, outLimit: number): Uint8Array | null {
    const limit = checkedLimit(outLimit);
    if (limit <= 0 || !(input instanceof Uint8Array)) return null;
    const out = this.decompressScratch.get(limit);
    const n = godotFastlzDecompressInto(input, out, limit);
    return n > 0 ? out.slice(0, n) : null;
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
    const out = this.scratch.get(limit);
    const n = zlibDecompressInto(this.inflater, input, out, limit);
    return n > 0 ? out.slice(0, n) : null;
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
