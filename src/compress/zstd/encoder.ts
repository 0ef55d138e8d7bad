/**
 * zstd encoder entry point: one complete RFC 8878 frame per call.
 * The frame carries Frame_Content_Size, no dictionary and no checksum (Godot's
 * default); blocks are at most 128 KiB.
 */
import {
  ZSTD_BLOCKSIZE_MAX,
  isSingleByteRun,
  writeFrameHeader,
  writeRawBlock,
  writeRleBlock,
  zstdCompressBound,
} from "./encoder/frame.ts";

/** Default level, as Godot's compression/formats/zstd/compression_level. */
export const ZSTD_DEFAULT_LEVEL = 3;
export const ZSTD_MIN_LEVEL = 1;
export const ZSTD_MAX_LEVEL = 22;

/** Largest window this encoder uses (2 MiB, zstd's level-3 windowLog 21). */
const MAX_WINDOW_LOG = 21;

export function zstdCompress(input: Uint8Array, level: number = ZSTD_DEFAULT_LEVEL): Uint8Array {
  if (!(input instanceof Uint8Array)) throw new TypeError("input must be a Uint8Array");
  if (!Number.isInteger(level) || level < ZSTD_MIN_LEVEL || level > ZSTD_MAX_LEVEL) {
    throw new RangeError(`level must be an integer in ${ZSTD_MIN_LEVEL}..${ZSTD_MAX_LEVEL}, got ${String(level)}`);
  }
  const size = input.length;
  const out = new Uint8Array(zstdCompressBound(size));
  const singleSegment = size <= 1 << MAX_WINDOW_LOG;
  let pos = writeFrameHeader(out, 0, size, singleSegment, MAX_WINDOW_LOG);

  if (size === 0) {
    pos = writeRawBlock(out, pos, input, 0, 0, true);
    return out.slice(0, pos);
  }
  for (let start = 0; start < size; start += ZSTD_BLOCKSIZE_MAX) {
    const end = Math.min(size, start + ZSTD_BLOCKSIZE_MAX);
    const last = end === size;
    if (end - start > 1 && isSingleByteRun(input, start, end)) pos = writeRleBlock(out, pos, input[start], end - start, last);
    else pos = writeRawBlock(out, pos, input, start, end, last);
  }
  return out.slice(0, pos);
}
