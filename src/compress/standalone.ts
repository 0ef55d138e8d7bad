/**
 * Godot's PackedByteArray.compress / decompress / decompress_dynamic as plain
 * functions, with FileAccess.CompressionMode's names and values.
 */
import { GodotError, NetError } from "../errors.ts";
import { DEFLATE_DEFAULT_LEVEL, gzipCompress, gzipDecompressBounded, zlibCompress, zlibDecompressBounded } from "./deflate.ts";
import { fastlzDecodedLength, fastlzDecompressInto } from "./fastlz.ts";
import { GODOT_FASTLZ_MIN_INPUT, godotFastlzCompress, godotFastlzDecompressInto } from "./fastlz-godot.ts";
import { zstdDecompressBounded } from "./zstd/decoder.ts";
import { zstdCompress } from "./zstd/encoder.ts";
import { GODOT_ZSTD_DEFAULT_LEVEL } from "./compressors.ts";

/** FileAccess.CompressionMode (Godot 4; Godot 3's File.COMPRESSION_* have the same values). */
export enum FileCompressionMode {
  COMPRESSION_FASTLZ = 0,
  /** zlib-wrapped deflate (RFC 1950), as Godot's MODE_DEFLATE. */
  COMPRESSION_DEFLATE = 1,
  COMPRESSION_ZSTD = 2,
  COMPRESSION_GZIP = 3,
}

/**
 * The most decompressDynamic ever produces: what `maxOutputSize = -1`
 * ("unlimited" in Godot) means here, so a decompression bomb cannot exhaust memory.
 */
export const DECOMPRESS_DYNAMIC_HARD_CAP = 256 * 1024 * 1024;
/** Largest bufferSize/maxOutputSize accepted (typed arrays beyond this are not portable). */
export const DECOMPRESS_MAX_BUFFER_SIZE = 0x7fffffff;

export interface CompressOptions {
  /**
   * Compression level: DEFLATE/GZIP 0..9 (default 6, zlib's default as in Godot),
   * ZSTD 1..22 (default 3, Godot's). Ignored for FASTLZ.
   */
  level?: number;
}

function checkBytes(bytes: unknown): asserts bytes is Uint8Array {
  if (!(bytes instanceof Uint8Array)) throw new TypeError("bytes must be a Uint8Array");
}

function checkMode(mode: unknown): asserts mode is FileCompressionMode {
  if (mode !== 0 && mode !== 1 && mode !== 2 && mode !== 3) {
    throw new RangeError(
      `mode must be a FileCompressionMode: COMPRESSION_FASTLZ 0, COMPRESSION_DEFLATE 1, COMPRESSION_ZSTD 2 or COMPRESSION_GZIP 3, got ${String(mode)}`,
    );
  }
}

/** Compress `bytes` as Godot's PackedByteArray.compress(mode) does. Empty input gives empty output, as in Godot. */
export function compress(
  bytes: Uint8Array,
  mode: FileCompressionMode = FileCompressionMode.COMPRESSION_FASTLZ,
  options: CompressOptions = {},
): Uint8Array {
  checkBytes(bytes);
  checkMode(mode);
  if (bytes.length === 0) return new Uint8Array(0);
  switch (mode) {
    case FileCompressionMode.COMPRESSION_FASTLZ:
      return godotFastlzCompress(bytes);
    case FileCompressionMode.COMPRESSION_DEFLATE:
      return zlibCompress(bytes, options.level ?? DEFLATE_DEFAULT_LEVEL);
    case FileCompressionMode.COMPRESSION_GZIP:
      return gzipCompress(bytes, options.level ?? DEFLATE_DEFAULT_LEVEL);
    case FileCompressionMode.COMPRESSION_ZSTD:
      return zstdCompress(bytes, options.level ?? GODOT_ZSTD_DEFAULT_LEVEL);
  }
}

function invalid(mode: FileCompressionMode, detail: string): NetError {
  return new NetError(GodotError.ERR_INVALID_DATA, `${FileCompressionMode[mode]}: ${detail}`);
}

/**
 * Decode within `limit` bytes, or null. `godotSmallBuffer` applies Godot's
 * FastLZ rule for destinations under 16 bytes (decompress only).
 */
function decodeBounded(bytes: Uint8Array, limit: number, mode: FileCompressionMode, godotSmallBuffer: boolean): Uint8Array | null {
  switch (mode) {
    case FileCompressionMode.COMPRESSION_DEFLATE:
      return zlibDecompressBounded(bytes, limit);
    case FileCompressionMode.COMPRESSION_GZIP:
      return gzipDecompressBounded(bytes, limit);
    case FileCompressionMode.COMPRESSION_ZSTD:
      return zstdDecompressBounded(bytes, limit);
    case FileCompressionMode.COMPRESSION_FASTLZ: {
      const length = fastlzDecodedLength(bytes);
      if (length < 0) return null;
      if (godotSmallBuffer && limit < GODOT_FASTLZ_MIN_INPUT) {
        const out = new Uint8Array(limit);
        const n = godotFastlzDecompressInto(bytes, out, limit);
        return n < 0 ? null : out.subarray(0, n);
      }
      if (length > limit) return null;
      // The pre-scan gives the exact size, so memory follows the real output.
      const out = new Uint8Array(length);
      return fastlzDecompressInto(bytes, out, length) === length ? out : null;
    }
  }
}

/**
 * Decompress `bytes` that decompress to at most `bufferSize` bytes, as Godot's
 * PackedByteArray.decompress(buffer_size, mode). Returns the decompressed bytes
 * (possibly fewer than bufferSize). As in Godot, a FastLZ bufferSize below 16
 * returns the first bufferSize bytes of the (16-byte, padded) data.
 * Throws NetError ERR_INVALID_DATA when the data is corrupt, truncated, or
 * larger than bufferSize.
 */
export function decompress(bytes: Uint8Array, bufferSize: number, mode: FileCompressionMode = FileCompressionMode.COMPRESSION_FASTLZ): Uint8Array {
  checkBytes(bytes);
  checkMode(mode);
  if (!Number.isInteger(bufferSize) || bufferSize < 1 || bufferSize > DECOMPRESS_MAX_BUFFER_SIZE) {
    throw new RangeError(`bufferSize must be an integer in 1..${DECOMPRESS_MAX_BUFFER_SIZE}, got ${String(bufferSize)}`);
  }
  if (bytes.length === 0) throw invalid(mode, "no data to decompress");
  const out = decodeBounded(bytes, bufferSize, mode, true);
  if (out === null) throw invalid(mode, `corrupt or truncated data, or it decompresses to more than bufferSize (${bufferSize}) bytes`);
  return out;
}

/**
 * Decompress `bytes` of unknown decompressed size, as Godot's
 * PackedByteArray.decompress_dynamic(max_output_size, mode), for every mode
 * (Godot 4 limits it to DEFLATE and GZIP; FASTLZ and ZSTD work here too).
 * `maxOutputSize` -1 means "no limit of my own", which here is
 * DECOMPRESS_DYNAMIC_HARD_CAP. Memory grows with the actual output only.
 * Throws NetError ERR_INVALID_DATA when corrupt or larger than the limit.
 */
export function decompressDynamic(bytes: Uint8Array, maxOutputSize: number, mode: FileCompressionMode = FileCompressionMode.COMPRESSION_FASTLZ): Uint8Array {
  checkBytes(bytes);
  checkMode(mode);
  if (!Number.isInteger(maxOutputSize) || maxOutputSize < -1 || maxOutputSize > DECOMPRESS_MAX_BUFFER_SIZE) {
    throw new RangeError(`maxOutputSize must be -1 (up to ${DECOMPRESS_DYNAMIC_HARD_CAP} bytes) or an integer in 0..${DECOMPRESS_MAX_BUFFER_SIZE}, got ${String(maxOutputSize)}`);
  }
  const limit = maxOutputSize === -1 ? DECOMPRESS_DYNAMIC_HARD_CAP : maxOutputSize;
  if (bytes.length === 0) throw invalid(mode, "no data to decompress");
  const out = decodeBounded(bytes, limit, mode, false);
  if (out === null) throw invalid(mode, `corrupt or truncated data, or it decompresses to more than ${limit} bytes`);
  return out;
}
