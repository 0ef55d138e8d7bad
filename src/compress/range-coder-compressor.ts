import { CompressionMode, type Compressor } from "./types.ts";
import { RangeCoder } from "./range-coder.ts";
import { GrowableScratch, checkedLimit, totalLength } from "./scratch.ts";

/**
 * Worst-case expansion of the range coder: a byte that escapes two subcontexts
 * and lands in a crowded root context costs at most a few 16-bit codes.
 */
const RANGE_CODER_MAX_EXPANSION = 8;
/** First output buffer size tried when decompressing (ENet datagrams fit). */
const DECOMPRESS_INITIAL_SIZE = 4096;

/** ENet's built-in range coder as an ENet Compressor (what enet_host_compress_with_range_coder installs). */
export class RangeCoderCompressor implements Compressor {
  readonly mode = CompressionMode.RANGE_CODER;
  private readonly coder = new RangeCoder();
  // Apart, so decompress(compress(x)) does not overwrite its own input (results are views of scratch).
  private readonly compressScratch = new GrowableScratch();
  private readonly decompressScratch = new GrowableScratch();

  compress(input: Uint8Array | readonly Uint8Array[], outLimit: number): Uint8Array | null {
    const limit = checkedLimit(outLimit);
    if (limit <= 0) return null;
    const bound = Math.min(limit, RANGE_CODER_MAX_EXPANSION * totalLength(input) + 16);
    const out = this.compressScratch.get(bound);
    if (out === null) return null;
    const n = this.coder.compressInto(input, out, bound);
    return n > 0 ? out.subarray(0, n) : null;
  }

  decompress(input: Uint8Array, outLimit: number): Uint8Array | null {
    const limit = checkedLimit(outLimit);
    if (limit <= 0 || !(input instanceof Uint8Array)) return null;
    // Start from a size typical for the input and grow only if the output really is larger,
    // so a generous limit does not mean a huge buffer (ENet's limit fits in the first pass).
    let size = Math.min(limit, Math.max(DECOMPRESS_INITIAL_SIZE, input.length * RANGE_CODER_MAX_EXPANSION));
    for (;;) {
      const out = this.decompressScratch.get(size);
      if (out === null) return null;
      const n = this.coder.decompressInto(input, out, size);
      if (n > 0) return out.subarray(0, n);
      // Only running out of room can change with more room; corrupt input cannot.
      if (!this.coder.outOfRoom || size >= limit) return null;
      size = Math.min(limit, size * 4);
    }
  }
}
