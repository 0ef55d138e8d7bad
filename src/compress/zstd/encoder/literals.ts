/**
 * Literals_Section writer (RFC 8878 section 3.1.1.3.1): picks the smallest of
 * raw, RLE, Huffman-compressed with a new tree, and treeless (the previous
 * block's tree), in 1-stream or 4-stream form.
 */
import { HuffmanBuilder, HuffmanTable } from "./huffman.ts";

const enum LiteralsBlockType {
  Raw = 0,
  RLE = 1,
  Compressed = 2,
  Treeless = 3,
}

/** Below this many literals a tree description rarely pays for itself. */
const MIN_LITERALS_TO_COMPRESS = 32;
/** Single-stream form only exists with 10-bit sizes. */
const SINGLE_STREAM_MAX = 1023;

function rawHeaderSize(size: number): number {
  return size <= 31 ? 1 : size <= 4095 ? 2 : 3;
}

function compressedHeaderSize(regenerated: number, compressed: number): number {
  const larger = Math.max(regenerated, compressed);
  return larger <= 1023 ? 3 : larger <= 16383 ? 4 : 5;
}

/** Huffman state that survives from block to block within a frame, as the decoder's does. */
export class LiteralsEncoder {
  private readonly builder = new HuffmanBuilder();
  private readonly counts = new Uint32Array(256);
  /** The tree a treeless block would reuse; valid once a compressed literals block has been committed. */
  private previous = new HuffmanTable();
  private previousValid = false;
  private candidate = new HuffmanTable();
  /** Set by write() when a new tree was emitted; commit() makes it the previous one. */
  private pendingNewTree = false;
  private readonly body = new Uint8Array(128 * 1024 + 1024);

  /** Forgets the previous tree (new frame). */
  resetFrame(): void {
    this.previousValid = false;
    this.pendingNewTree = false;
  }

  private readonly stash = new HuffmanTable();
  private stashPending = false;

  /** Remembers the last write()'s new tree, so a trial write() can be undone by restoreWrite(). */
  saveWrite(): void {
    this.stashPending = this.pendingNewTree;
    if (this.pendingNewTree) this.stash.copyFrom(this.candidate);
  }

  /** Makes the write() saved by saveWrite() the last one again. */
  restoreWrite(): void {
    this.pendingNewTree = this.stashPending;
    if (this.stashPending) this.candidate.copyFrom(this.stash);
  }

  /** Accepts the last write() (its block was emitted compressed). */
  commit(): void {
    if (this.pendingNewTree) {
      const t = this.previous;
      this.previous = this.candidate;
      this.candidate = t;
      this.previousValid = true;
    }
    this.pendingNewTree = false;
  }

  /** Writes the literals section for literals[0..size) at out[pos]; returns the end position. */
  write(literals: Uint8Array, size: number, out: Uint8Array, pos: number): number {
    this.pendingNewTree = false;
    const counts = this.counts;
    counts.fill(0);
    for (let i = 0; i < size; i++) counts[literals[i]!]!++;
    let maxSymbol = 0;
    let distinct = 0;
    for (let s = 0; s < 256; s++) {
      if (counts[s] !== 0) {
        maxSymbol = s;
        distinct++;
      }
    }

    if (distinct === 1 && size > 1) return writeRle(out, pos, literals[0]!, size);
    const rawSize = rawHeaderSize(size) + size;
    if (size < MIN_LITERALS_TO_COMPRESS || distinct < 2) return writeRaw(out, pos, literals, size);

    const singleStream = size <= SINGLE_STREAM_MAX;
    this.builder.build(counts, maxSymbol, this.candidate);
    const newEnd = this.writeHuffman(LiteralsBlockType.Compressed, this.candidate, literals, size, singleStream, out, pos);
    const newSize = newEnd >= 0 ? newEnd - pos : Infinity;

    // Treeless: reuse the previous block's tree when it codes every symbol present
    // and its estimated size beats the new tree (whose description is included).
    if (this.previousValid) {
      const reuseBits = this.previous.cost(counts, maxSymbol);
      const streamOverhead = singleStream ? 1 : 6 + 4;
      const reuseEstimate = 3 + streamOverhead + Math.ceil(reuseBits / 8);
      if (reuseEstimate < newSize && reuseEstimate < rawSize) {
        const end = this.writeHuffman(LiteralsBlockType.Treeless, this.previous, literals, size, singleStream, out, pos);
        if (end >= 0 && end - pos < Math.min(rawSize, newSize)) return end;
        if (newSize < rawSize) {
          this.pendingNewTree = true;
          return this.writeHuffman(LiteralsBlockType.Compressed, this.candidate, literals, size, singleStream, out, pos);
        }
      }
    }
    if (newSize < rawSize) {
      this.pendingNewTree = true;
      return newEnd;
    }
    return writeRaw(out, pos, literals, size);
  }

  /** Writes header + (tree) + streams; returns the end position or -1 if it cannot be represented. */
  private writeHuffman(
    type: LiteralsBlockType,
    table: HuffmanTable,
    literals: Uint8Array,
    size: number,
    singleStream: boolean,
    out: Uint8Array,
    pos: number,
  ): number {
    const body = this.body;
    let p = 0;
    if (type === LiteralsBlockType.Compressed) {
      p = this.builder.writeDescription(table, body, 0);
      if (p < 0) return -1;
    }
    if (singleStream) {
      p = this.builder.encodeStream(table, literals, 0, size, body, p);
    } else {
      const segment = (size + 3) >> 2;
      const jump = p;
      p += 6;
      let start = 0;
      for (let i = 0; i < 4; i++) {
        const end = i === 3 ? size : start + segment;
        const streamStart = p;
        p = this.builder.encodeStream(table, literals, start, end, body, p);
        if (i < 3) {
          const len = p - streamStart;
          if (len > 0xffff) return -1;
          body[jump + 2 * i] = len & 0xff;
          body[jump + 2 * i + 1] = len >>> 8;
        }
        start = end;
      }
    }
    const compressedSize = p;
    const headerSize = singleStream ? 3 : compressedHeaderSize(size, compressedSize);
    if (singleStream && compressedSize > SINGLE_STREAM_MAX) return -1;
    if (compressedSize > 0x3ffff) return -1;
    // Header fields, little-endian: type (2 bits), Size_Format (2), Regenerated_Size, Compressed_Size.
    const sizeBits = headerSize === 3 ? 10 : headerSize === 4 ? 14 : 18;
    const sizeFormat = singleStream ? 0 : headerSize === 3 ? 1 : headerSize === 4 ? 2 : 3;
    const low = type | (sizeFormat << 2) | ((size & 0xfff) << 4);
    // Assemble in two parts to stay within 32-bit integer math (up to 40 header bits).
    const value = (low >>> 0) + (size >>> 12) * 0x10000 + compressedSize * 2 ** (4 + sizeBits);
    for (let i = 0; i < headerSize; i++) out[pos + i] = Math.floor(value / 2 ** (8 * i)) & 0xff;
    out.set(body.subarray(0, compressedSize), pos + headerSize);
    return pos + headerSize + compressedSize;
  }
}

function writeRaw(out: Uint8Array, pos: number, literals: Uint8Array, size: number): number {
  pos = writeRawLikeHeader(out, pos, LiteralsBlockType.Raw, size);
  out.set(literals.subarray(0, size), pos);
  return pos + size;
}

function writeRle(out: Uint8Array, pos: number, value: number, size: number): number {
  pos = writeRawLikeHeader(out, pos, LiteralsBlockType.RLE, size);
  out[pos] = value;
  return pos + 1;
}

/** Raw and RLE headers: Size_Format 00 (5-bit size), 01 (12-bit) or 11 (20-bit). */
function writeRawLikeHeader(out: Uint8Array, pos: number, type: LiteralsBlockType, size: number): number {
  if (size <= 31) {
    out[pos] = type | (size << 3);
    return pos + 1;
  }
  if (size <= 4095) {
    const v = type | (1 << 2) | (size << 4);
    out[pos] = v & 0xff;
    out[pos + 1] = v >>> 8;
    return pos + 2;
  }
  const v = type | (3 << 2) | (size << 4);
  out[pos] = v & 0xff;
  out[pos + 1] = (v >>> 8) & 0xff;
  out[pos + 2] = (v >>> 16) & 0xff;
  return pos + 3;
}
