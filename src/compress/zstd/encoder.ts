/**
 * zstd encoder entry point: one complete RFC 8878 frame per call.
 *
 * The frame carries Frame_Content_Size, no dictionary and no checksum (Godot's
 * default); blocks are at most 128 KiB and each is the smallest of compressed,
 * RLE and raw, so output never exceeds the raw-block size plus headers.
 */
import { BlockCompressor } from "./encoder/block.ts";
import { ZSTD_BLOCKSIZE_MAX, writeFrameHeader, writeRawBlock, zstdCompressBound } from "./encoder/frame.ts";
import type { MatchParams } from "./encoder/match-finder.ts";

/** Default level, as Godot's compression/formats/zstd/compression_level. */
export const ZSTD_DEFAULT_LEVEL = 3;
export const ZSTD_MIN_LEVEL = 1;
export const ZSTD_MAX_LEVEL = 22;

/** Match positions live in Int32Arrays, so one frame covers at most 2 GiB - 1. */
export const ZSTD_MAX_INPUT = 0x7fffffff;

/** Window up to level 9: 2 MiB, zstd's level-3 windowLog 21. */
const BASE_WINDOW_LOG = 21;
const MIN_WINDOW_LOG = 10;

/** Window, hash and chain sizes (logs) per level band: [from level, windowLog, hashLog, chainLog]. */
const LEVEL_TABLES: ReadonlyArray<readonly [number, number, number, number]> = [
  [1, BASE_WINDOW_LOG, 17, 17],
  [10, 22, 18, 19],
  [16, 23, 19, 20],
];

/** From this level on, blocks are parsed by price (optimal-parser.ts) instead of lazily. */
const OPTIMAL_PARSER_LEVEL = 13;
/** Chain candidates per position for levels 18..22 under the price-based parser. */
const OPTIMAL_SEARCH_DEPTH = [16, 24, 24, 32, 48, 64, 96, 128, 128, 128];

/** Search effort per level: [searchDepth, lazyDepth, niceLength]. */
const LEVEL_EFFORT: ReadonlyArray<readonly [number, number, number]> = [
  [0, 0, 0], // unused (level 0)
  [2, 0, 16],
  [4, 0, 24],
  [8, 1, 32],
  [16, 1, 48],
  [24, 1, 64],
  [32, 2, 64],
  [48, 2, 96],
  [64, 2, 128],
  [96, 2, 128],
  [128, 2, 192],
];

/** One encoder state for the whole process: zstdCompress is synchronous, so it is never shared concurrently. */
let sharedCompressor: BlockCompressor | null = null;
/** Output scratch reused by calls up to this worst-case size; bigger outputs get their own buffer. */
const SHARED_OUTPUT_MAX = 1 << 20;
let sharedOutput: Uint8Array | null = null;

function outputBuffer(bound: number): Uint8Array {
  if (bound > SHARED_OUTPUT_MAX) return new Uint8Array(bound);
  if (sharedOutput === null || sharedOutput.length < bound) {
    sharedOutput = new Uint8Array(Math.min(SHARED_OUTPUT_MAX, Math.max(bound, 4096)));
  }
  return sharedOutput;
}

export function zstdParamsForLevel(level: number, inputSize: number): MatchParams {
  const effort = LEVEL_EFFORT[Math.min(level, LEVEL_EFFORT.length - 1)]!;
  const extra = Math.max(0, level - (LEVEL_EFFORT.length - 1));
  let tables = LEVEL_TABLES[0]!;
  for (const band of LEVEL_TABLES) if (level >= band[0]) tables = band;
  // Tables no larger than the input needs: small inputs (one ENet datagram) stay cheap.
  const sizeLog = Math.max(MIN_WINDOW_LOG, 32 - Math.clz32(Math.max(1, inputSize - 1)));
  const optimal = level >= OPTIMAL_PARSER_LEVEL;
  return {
    // The price-based parser weighs every candidate at every position, so it needs far fewer.
    searchDepth: optimal ? OPTIMAL_SEARCH_DEPTH[level - OPTIMAL_PARSER_LEVEL]! : effort[0]! << Math.min(extra, 3),
    lazyDepth: effort[1],
    niceLength: Math.min(effort[2] + 16 * extra, 273),
    hashLog: Math.min(tables[2], sizeLog + 1),
    chainLog: Math.min(tables[3], sizeLog),
    windowLog: tables[1],
    optimal,
  };
}

/**
 * Compresses `input` into one zstd frame. `level` follows zstd's scale (1..22,
 * default 3); higher levels search harder.
 */
export function zstdCompress(input: Uint8Array, level: number = ZSTD_DEFAULT_LEVEL): Uint8Array {
  if (!(input instanceof Uint8Array)) throw new TypeError("input must be a Uint8Array");
  if (!Number.isInteger(level) || level < ZSTD_MIN_LEVEL || level > ZSTD_MAX_LEVEL) {
    throw new RangeError(`level must be an integer in ${ZSTD_MIN_LEVEL}..${ZSTD_MAX_LEVEL}, got ${String(level)}`);
  }
  const size = input.length;
  if (size > ZSTD_MAX_INPUT) {
    throw new RangeError(`input must be at most ${ZSTD_MAX_INPUT} bytes (positions are 32-bit), got ${size}`);
  }
  const out = outputBuffer(zstdCompressBound(size));
  const params = zstdParamsForLevel(level, size);
  // Single segment when the whole input fits the window: the decoder then needs
  // exactly Frame_Content_Size bytes and no separate window buffer.
  const singleSegment = size <= 2 ** params.windowLog;
  let pos = writeFrameHeader(out, 0, size, singleSegment, params.windowLog);
  if (size === 0) {
    pos = writeRawBlock(out, pos, input, 0, 0, true);
    return out.slice(0, pos);
  }

  const compressor = (sharedCompressor ??= new BlockCompressor());
  compressor.startFrame(input, params);
  try {
    for (let start = 0; start < size; start += ZSTD_BLOCKSIZE_MAX) {
      const end = Math.min(size, start + ZSTD_BLOCKSIZE_MAX);
      pos = compressor.writeBlock(start, end, end === size, out, pos);
    }
  } finally {
    compressor.endFrame();
  }
  return out.slice(0, pos);
}
