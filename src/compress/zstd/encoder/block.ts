/**
 * Compressed_Block assembly: literals section followed by sequences section,
 * with the entropy and repeat-offset state that carries from block to block
 * inside one frame. A block that would not come out smaller than its raw form
 * is undone and stored raw.
 */
import { BlockType, ZSTD_BLOCKSIZE_MAX, isSingleByteRun, writeBlockHeader, writeRawBlock, writeRleBlock } from "./frame.ts";
import { LiteralsEncoder } from "./literals.ts";
import type { MatchParams } from "./match-finder.ts";
import { MatchFinder } from "./match-finder.ts";
import { OptimalParser } from "./optimal-parser.ts";
import { SequenceStore, SequencesEncoder } from "./sequences.ts";

/** Room for the worst case of a compressed block body before it is compared with raw. */
const BODY_SCRATCH_SIZE = 1024 * 1024;
/** Blocks with at most this many sequences are also tried as literals only. */
const FEW_SEQUENCES = 8;

const EMPTY = new Uint8Array(0);

/** All per-frame state and scratch buffers; one instance is reused across calls. */
export class BlockCompressor {
  private readonly finder = new MatchFinder();
  private readonly store = new SequenceStore();
  private readonly literals = new LiteralsEncoder();
  private readonly sequences = new SequencesEncoder();
  private readonly body = new Uint8Array(BODY_SCRATCH_SIZE);
  /** Literals-only form of a block, compared against the sequence form. */
  private readonly altBody = new Uint8Array(ZSTD_BLOCKSIZE_MAX + 1024);
  private input: Uint8Array = new Uint8Array(0);
  private optimalParser: OptimalParser | null = null;
  private params: MatchParams | null = null;

  startFrame(input: Uint8Array, params: MatchParams): void {
    this.input = input;
    this.params = params;
    this.finder.startFrame(input, params);
    this.literals.resetFrame();
    this.sequences.resetFrame();
  }

  /** Releases the reference to the caller's input so it can be collected. */
  endFrame(): void {
    this.input = EMPTY;
    this.finder.release();
  }

  /** Writes the block covering input[start..end) (at most 128 KiB) at out[pos]; returns the end position. */
  writeBlock(start: number, end: number, last: boolean, out: Uint8Array, pos: number): number {
    const size = end - start;
    if (size > ZSTD_BLOCKSIZE_MAX) throw new RangeError("block larger than Block_Maximum_Size");
    const input = this.input;
    if (size > 1 && isSingleByteRun(input, start, end)) return writeRleBlock(out, pos, input[start]!, size, last);

    this.finder.saveState();
    this.sequences.saveState();
    this.store.reset();
    const params = this.params!;
    if (params.optimal) {
      // A lazy parse first, only to price symbols realistically; then the real one.
      const parser = (this.optimalParser ??= new OptimalParser());
      this.finder.parseBlock(start, end, this.store);
      this.finder.restoreState();
      parser.setPrices(this.store, start, end, this.finder.rep);
      this.store.reset();
      parser.parseBlock(this.finder, start, end, params.searchDepth, params.niceLength, this.store);
    } else {
      this.finder.parseBlock(start, end, this.store);
    }

    let body = this.body;
    let bodyEnd = this.literals.write(this.store.literals, this.store.literalCount, body, 0);
    bodyEnd = this.sequences.write(this.store, body, bodyEnd);

    if (this.store.count > 0 && this.store.count <= FEW_SEQUENCES) {
      // A handful of short matches can cost more in the sequences section than
      // their bytes would as Huffman literals (typical of small datagrams), so
      // the block is also tried as literals only.
      this.literals.saveWrite();
      const whole = input.subarray(start, end);
      let altEnd = this.literals.write(whole, size, this.altBody, 0);
      this.altBody[altEnd++] = 0; // Number_of_Sequences = 0
      if (altEnd < bodyEnd) {
        this.finder.restoreState();
        this.sequences.restoreState();
        body = this.altBody;
        bodyEnd = altEnd;
      } else {
        this.literals.restoreWrite();
      }
    }

    if (bodyEnd < size) {
      this.literals.commit();
      pos = writeBlockHeader(out, pos, last, BlockType.Compressed, bodyEnd);
      out.set(body.subarray(0, bodyEnd), pos);
      return pos + bodyEnd;
    }
    // Not smaller: the decoder will never see this block's tables or offsets.
    this.finder.restoreState();
    this.sequences.restoreState();
    return writeRawBlock(out, pos, input, start, end, last);
  }
}
