/**
 * Bounded zstd decoding (RFC 8878) on fzstd. fzstd decodes; this module decides
 * beforehand, from the frame and block headers alone, whether a frame may be
 * decoded within the output limit, so hostile input cannot make it allocate or
 * work beyond that limit:
 *
 * - a frame with a declared content size larger than the remaining limit, a
 *   dictionary, a reserved bit, a reserved block type, a block larger than
 *   the frame's maximum block size, or a compressed block whose sequences do
 *   not fit that size (sequence-check.ts walks them first, because fzstd's
 *   work on hostile sequences is otherwise unbounded) is rejected before decoding;
 * - every frame must have a window no larger than the remaining limit (fzstd
 *   allocates the window; for single-segment frames it is the content size);
 * - frames are decoded block by block: with a declared content size straight
 *   into a buffer of exactly that size, which the blocks must fill exactly;
 *   without one, abandoned as soon as the output passes the limit.
 *
 * Concatenated frames and skippable frames are accepted, as libzstd's
 * ZSTD_decompressDCtx (which Godot calls) accepts them. A frame's content
 * checksum, when present, is verified (fzstd skips it).
 */
import { Decompress as ZstdStream } from "fzstd";
import { xxh64Low32 } from "./xxh64.ts";
import { SequenceChecker } from "./sequence-check.ts";
import { concatBytes } from "../../util/copy-bytes.ts";

const sequenceChecker = new SequenceChecker();

export const ZSTD_MAGIC = 0xfd2fb528;
/** Skippable frames use magics 0x184D2A50..0x184D2A5F. */
export const ZSTD_SKIPPABLE_MAGIC_MASK = 0xfffffff0;
export const ZSTD_SKIPPABLE_MAGIC = 0x184d2a50;
/** libzstd's default decoder window limit (ZSTD_WINDOWLOG_LIMIT_DEFAULT), which Godot keeps. */
export const ZSTD_WINDOWLOG_LIMIT_DEFAULT = 27;
export const ZSTD_BLOCKSIZE_MAX = 128 * 1024;

const BLOCK_RAW = 0;
const BLOCK_RLE = 1;
const BLOCK_COMPRESSED = 2;

export interface ZstdFrameInfo {
  /** Offset just past this frame (including its checksum). */
  end: number;
  /** Declared Frame_Content_Size, or -1 when absent. */
  contentSize: number;
  windowSize: number;
  /** The output the blocks produce (from block headers, and from the sequence check for compressed blocks). */
  maxOutput: number;
  /** Content_Checksum (low 32 bits of XXH64 of the content), or -1 when the frame has none. */
  checksum: number;
  /** Each block's decompressed size as the headers and the sequence check predict it. */
  blockSizes: number[];
}

function readLE(input: Uint8Array, pos: number, bytes: number): number {
  let v = 0;
  for (let i = bytes - 1; i >= 0; i--) v = v * 256 + input[pos + i]!;
  return v;
}

/**
 * Parse and validate one zstd frame starting at `pos` (headers, block headers and the
 * sequences of compressed blocks) without decoding it; null when malformed or unsupported.
 */
export function inspectZstdFrame(input: Uint8Array, pos: number): ZstdFrameInfo | null {
  const n = input.length;
  let p = pos + 4;
  if (p >= n) return null;
  const descriptor = input[p++]!;
  const contentSizeFlag = descriptor >>> 6;
  const singleSegment = (descriptor >>> 5) & 1;
  const reserved = (descriptor >>> 3) & 1;
  const hasChecksum = (descriptor >>> 2) & 1;
  const dictionaryIdFlag = descriptor & 3;
  if (reserved) return null;
  let windowSize = 0;
  if (!singleSegment) {
    if (p >= n) return null;
    const wd = input[p++]!;
    const exponent = wd >>> 3;
    const windowLog = 10 + exponent;
    if (windowLog > ZSTD_WINDOWLOG_LIMIT_DEFAULT) return null;
    const base = 2 ** windowLog;
    windowSize = base + (base / 8) * (wd & 7);
  }
  const dictionaryIdBytes = dictionaryIdFlag === 3 ? 4 : dictionaryIdFlag;
  if (p + dictionaryIdBytes > n) return null;
  if (readLE(input, p, dictionaryIdBytes) !== 0) return null; // no dictionaries
  p += dictionaryIdBytes;
  const contentSizeBytes = contentSizeFlag === 0 ? singleSegment : 1 << contentSizeFlag;
  let contentSize = -1;
  if (contentSizeBytes > 0) {
    if (p + contentSizeBytes > n) return null;
    contentSize = readLE(input, p, contentSizeBytes) + (contentSizeBytes === 2 ? 256 : 0);
    p += contentSizeBytes;
  }
  if (singleSegment) windowSize = contentSize;
  const blockMax = Math.min(windowSize, ZSTD_BLOCKSIZE_MAX);
  let maxOutput = 0;
  const blockSizes: number[] = [];
  sequenceChecker.startFrame();
  for (;;) {
    if (p + 3 > n) return null;
    const header = input[p]! | (input[p + 1]! << 8) | (input[p + 2]! << 16);
    p += 3;
    const last = header & 1;
    const type = (header >>> 1) & 3;
    const size = header >>> 3;
    if (size > blockMax) return null;
    if (type === BLOCK_RAW) {
      p += size;
      maxOutput += size;
      blockSizes.push(size);
    } else if (type === BLOCK_RLE) {
      p += 1;
      maxOutput += size;
      blockSizes.push(size);
    } else if (type === BLOCK_COMPRESSED) {
      // fzstd does not bound its work on hostile sequences; check them first.
      if (p + size > n || !sequenceChecker.checkBlock(input, p, p + size, blockMax)) return null;
      p += size;
      maxOutput += sequenceChecker.blockSize;
      blockSizes.push(sequenceChecker.blockSize);
    } else {
      return null;
    }
    if (p > n) return null;
    if (last) break;
  }
  let checksum = -1;
  if (hasChecksum) {
    if (p + 4 > n) return null;
    checksum = readLE(input, p, 4);
    p += 4;
  }
  return { end: p, contentSize, windowSize, maxOutput, checksum, blockSizes };
}

class OutputLimitExceeded extends Error {}

/**
 * Decode all frames of `input` into at most `limit` bytes.
 * Returns null when the input is empty, malformed, uses a dictionary, needs a
 * window beyond the limits above, or decodes to more than `limit` bytes.
 */
export function zstdDecompressBounded(input: Uint8Array, limit: number): Uint8Array | null {
  if (!(input instanceof Uint8Array) || input.length === 0 || !(limit >= 0)) return null;
  const parts: Uint8Array[] = [];
  let produced = 0;
  let pos = 0;
  try {
    while (pos < input.length) {
      if (pos + 4 > input.length) return null;
      const magic = readLE(input, pos, 4);
      if ((magic & ZSTD_SKIPPABLE_MAGIC_MASK) >>> 0 === ZSTD_SKIPPABLE_MAGIC) {
        if (pos + 8 > input.length) return null;
        const skip = readLE(input, pos + 4, 4);
        pos += 8 + skip;
        if (pos > input.length) return null;
        continue;
      }
      if (magic !== ZSTD_MAGIC) return null;
      const frame = inspectZstdFrame(input, pos);
      if (frame === null) return null;
      const remaining = limit - produced;
      if (frame.contentSize > remaining || frame.maxOutput < frame.contentSize) return null;
      // fzstd allocates the window (the content size for single-segment frames).
      if (frame.windowSize > remaining) return null;
      const out = decodeFrame(input.subarray(pos, frame.end), frame.contentSize, Math.min(remaining, frame.maxOutput), frame.blockSizes);
      if (frame.checksum >= 0 && xxh64Low32(out) !== frame.checksum) return null;
      parts.push(out);
      produced += out.length;
      pos = frame.end;
    }
  } catch {
    return null;
  }
  return parts.length === 1 ? parts[0]! : concatBytes(parts);
}

/**
 * Decode one frame block by block, throwing once its output passes `limit`.
 * With a declared content size the output goes straight into a buffer of that
 * size and must fill it exactly (fzstd itself does not check the size).
 */
function decodeFrame(frame: Uint8Array, contentSize: number, limit: number, blockSizes: readonly number[]): Uint8Array {
  // Each block must come out at exactly the size predicted from its headers and sequences.
  let block = 0;
  const checkBlock = (chunk: Uint8Array, final: boolean | undefined): void => {
    if (final && chunk.length === 0) return;
    if (block >= blockSizes.length || chunk.length !== blockSizes[block]) throw new OutputLimitExceeded();
    block++;
  };
  if (contentSize >= 0) {
    const out = new Uint8Array(contentSize);
    let size = 0;
    const stream = new ZstdStream((chunk: Uint8Array, final?: boolean) => {
      checkBlock(chunk, final);
      if (size + chunk.length > contentSize) throw new OutputLimitExceeded();
      out.set(chunk, size);
      size += chunk.length;
    });
    stream.push(frame, true);
    if (size !== contentSize || block !== blockSizes.length) throw new OutputLimitExceeded();
    return out;
  }
  const chunks: Uint8Array[] = [];
  let size = 0;
  const stream = new ZstdStream((chunk: Uint8Array, final?: boolean) => {
    checkBlock(chunk, final);
    size += chunk.length;
    if (size > limit) throw new OutputLimitExceeded();
    if (chunk.length > 0) chunks.push(chunk.slice());
  });
  stream.push(frame, true);
  if (block !== blockSizes.length) throw new OutputLimitExceeded();
  return concatBytes(chunks);
}
