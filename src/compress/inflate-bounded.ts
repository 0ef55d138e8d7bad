/**
 * A small DEFLATE decoder (RFC 1951) for the per-datagram path, where the
 * output limit is a few KiB and the input is hostile. It stops at the first
 * byte past the limit, so its work is bounded by the limit plus the input bits
 * (fflate finishes a whole input chunk before it can be stopped: a 4 KiB bomb
 * costs it ~1000x more work), and it decodes into the caller's buffer with
 * preallocated tables, so it allocates nothing.
 *
 * Huffman codes are decoded canonically bit by bit from per-length counts
 * (the method of zlib's puff.c reference decoder): simple to bound, and fast
 * enough for datagrams; the standalone API keeps fflate for large data.
 */

const MAX_BITS = 15;
const MAX_LITERAL_LENGTH_CODES = 286;
const MAX_DISTANCE_CODES = 30;
const FIXED_LITERAL_LENGTH_CODES = 288;
const END_OF_BLOCK = 256;

const LENGTH_BASE = Uint16Array.from([3, 4, 5, 6, 7, 8, 9, 10, 11, 13, 15, 17, 19, 23, 27, 31, 35, 43, 51, 59, 67, 83, 99, 115, 131, 163, 195, 227, 258]);
const LENGTH_EXTRA = Uint8Array.from([0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2, 3, 3, 3, 3, 4, 4, 4, 4, 5, 5, 5, 5, 0]);
const DISTANCE_BASE = Uint16Array.from([
  1, 2, 3, 4, 5, 7, 9, 13, 17, 25, 33, 49, 65, 97, 129, 193, 257, 385, 513, 769, 1025, 1537, 2049, 3073, 4097, 6145, 8193, 12289, 16385, 24577,
]);
const DISTANCE_EXTRA = Uint8Array.from([0, 0, 0, 0, 1, 1, 2, 2, 3, 3, 4, 4, 5, 5, 6, 6, 7, 7, 8, 8, 9, 9, 10, 10, 11, 11, 12, 12, 13, 13]);
/** Order in which a dynamic block lists the code-length code lengths. */
const CODE_LENGTH_ORDER = Uint8Array.from([16, 17, 18, 0, 8, 7, 9, 6, 10, 5, 11, 4, 12, 3, 13, 2, 14, 1, 15]);

/** Canonical Huffman code: how many codes of each length, and the symbols in code order. */
class HuffmanCode {
  readonly count = new Uint16Array(MAX_BITS + 1);
  readonly symbol: Uint16Array;
  private readonly offsets = new Uint16Array(MAX_BITS + 2);
  constructor(maxSymbols: number) {
    this.symbol = new Uint16Array(maxSymbols);
  }

  /**
   * Build from code lengths. Returns 0 for a complete code, > 0 for an
   * incomplete one (codes left unused), < 0 for an over-subscribed (invalid) one.
   */
  build(lengths: Uint8Array, start: number, n: number): number {
    const count = this.count;
    count.fill(0);
    for (let s = 0; s < n; s++) count[lengths[start + s]!]!++;
    if (count[0] === n) return 0; // no codes: complete, decoding it is an error
    let left = 1;
    for (let len = 1; len <= MAX_BITS; len++) {
      left = (left << 1) - count[len]!;
      if (left < 0) return left;
    }
    const offsets = this.offsets;
    offsets[1] = 0;
    for (let len = 1; len < MAX_BITS; len++) offsets[len + 1] = offsets[len]! + count[len]!;
    for (let s = 0; s < n; s++) {
      const len = lengths[start + s]!;
      if (len !== 0) this.symbol[offsets[len]!++] = s;
    }
    return left;
  }
}

/** Thrown (one shared instance) to unwind out of the decoder; never escapes this module. */
const STOP = new Error("inflate stopped");

export const INFLATE_CORRUPT = -1;
export const INFLATE_TOO_LARGE = -2;

export class BoundedInflater {
  private readonly lengths = new Uint8Array(MAX_LITERAL_LENGTH_CODES + MAX_DISTANCE_CODES);
  private readonly literalCode = new HuffmanCode(FIXED_LITERAL_LENGTH_CODES);
  private readonly distanceCode = new HuffmanCode(MAX_DISTANCE_CODES);
  private readonly codeLengthCode = new HuffmanCode(19);
  private readonly fixedLiteral = new HuffmanCode(FIXED_LITERAL_LENGTH_CODES);
  private readonly fixedDistance = new HuffmanCode(MAX_DISTANCE_CODES);

  private input: Uint8Array = EMPTY;
  private inPos = 0;
  private inEnd = 0;
  private bitBuffer = 0;
  private bitCount = 0;
  private out: Uint8Array = EMPTY;
  private outPos = 0;
  private outLimit = 0;
  private tooLarge = false;
  /** Byte offset just past the deflate stream after a successful inflate (where a trailer starts). */
  endOffset = 0;
  /** After a successful inflate: the bit (from `start`) where the last block's header begins, and the bit just past the stream. */
  lastBlockBit = 0;
  endBit = 0;

  constructor() {
    const lengths = new Uint8Array(FIXED_LITERAL_LENGTH_CODES);
    lengths.fill(8, 0, 144);
    lengths.fill(9, 144, 256);
    lengths.fill(7, 256, 280);
    lengths.fill(8, 280, 288);
    this.fixedLiteral.build(lengths, 0, FIXED_LITERAL_LENGTH_CODES);
    lengths.fill(5, 0, MAX_DISTANCE_CODES);
    this.fixedDistance.build(lengths, 0, MAX_DISTANCE_CODES);
  }

  /**
   * Inflate the raw deflate stream in input[start..end) into out[outStart..limit).
   * Returns the output length, INFLATE_CORRUPT or INFLATE_TOO_LARGE.
   *
   * out[0..outStart) is earlier output that back-references may reach into (the LZ77 window a
   * stream carries from one message to the next, as permessage-deflate's context takeover does).
   * `untilInputEnds`: the stream may stop at any block boundary where the input is used up, not
   * only after a final block (a sync-flushed piece of a longer stream, RFC 7692 section 7.2.2).
   */
  inflate(input: Uint8Array, start: number, end: number, out: Uint8Array, limit: number, outStart = 0, untilInputEnds = false): number {
    this.input = input;
    this.inPos = start;
    this.inEnd = end;
    this.bitBuffer = 0;
    this.bitCount = 0;
    this.out = out;
    this.outPos = outStart;
    this.outLimit = Math.min(limit, out.length);
    this.tooLarge = false;
    try {
      let last: number;
      do {
        // Bits left over in the last byte are padding: no block fits in fewer than 8.
        if (untilInputEnds && this.inPos >= this.inEnd) break;
        this.lastBlockBit = (this.inPos - start) * 8 - this.bitCount;
        last = this.bits(1);
        const type = this.bits(2);
        if (type === 0) this.storedBlock();
        else if (type === 1) this.codes(this.fixedLiteral, this.fixedDistance);
        else if (type === 2) {
          this.dynamicTables();
          this.codes(this.literalCode, this.distanceCode);
        } else throw STOP;
      } while (!last);
      // Unused bits of the last byte belong to the stream; whole bytes read ahead do not.
      this.endOffset = this.inPos - (this.bitCount >>> 3);
      this.endBit = (this.inPos - start) * 8 - this.bitCount;
      return this.outPos - outStart;
    } catch (e) {
      if (e !== STOP) throw e;
      return this.tooLarge ? INFLATE_TOO_LARGE : INFLATE_CORRUPT;
    } finally {
      this.input = EMPTY;
      this.out = EMPTY;
    }
  }

  private bits(need: number): number {
    let buffer = this.bitBuffer;
    let count = this.bitCount;
    while (count < need) {
      if (this.inPos >= this.inEnd) throw STOP;
      buffer |= this.input[this.inPos++]! << count;
      count += 8;
    }
    this.bitBuffer = buffer >>> need;
    this.bitCount = count - need;
    return buffer & ((1 << need) - 1);
  }

  private storedBlock(): void {
    // Discard the rest of the current byte; bitCount < 8 here because bytes load only on demand.
    this.bitBuffer = 0;
    this.bitCount = 0;
    const input = this.input;
    let p = this.inPos;
    if (p + 4 > this.inEnd) throw STOP;
    const length = input[p]! | (input[p + 1]! << 8);
    const complement = input[p + 2]! | (input[p + 3]! << 8);
    if (length !== (~complement & 0xffff)) throw STOP;
    p += 4;
    if (p + length > this.inEnd) throw STOP;
    if (this.outPos + length > this.outLimit) {
      this.tooLarge = true;
      throw STOP;
    }
    this.out.set(input.subarray(p, p + length), this.outPos);
    this.outPos += length;
    this.inPos = p + length;
  }

  private decodeSymbol(code: HuffmanCode): number {
    const count = code.count;
    let buffer = this.bitBuffer;
    let left = this.bitCount;
    let bitsCode = 0;
    let first = 0;
    let index = 0;
    for (let len = 1; len <= MAX_BITS; len++) {
      if (left === 0) {
        if (this.inPos >= this.inEnd) throw STOP;
        buffer = this.input[this.inPos++]!;
        left = 8;
      }
      bitsCode |= buffer & 1;
      buffer >>>= 1;
      left--;
      const n = count[len]!;
      if (bitsCode - n < first) {
        this.bitBuffer = buffer;
        this.bitCount = left;
        return code.symbol[index + (bitsCode - first)]!;
      }
      index += n;
      first = (first + n) << 1;
      bitsCode <<= 1;
    }
    throw STOP; // ran off the end of an incomplete code
  }

  private codes(literal: HuffmanCode, distance: HuffmanCode): void {
    const out = this.out;
    for (;;) {
      let symbol = this.decodeSymbol(literal);
      if (symbol < 256) {
        if (this.outPos >= this.outLimit) {
          this.tooLarge = true;
          throw STOP;
        }
        out[this.outPos++] = symbol;
      } else if (symbol === END_OF_BLOCK) {
        return;
      } else {
        symbol -= 257;
        if (symbol >= 29) throw STOP;
        const length = LENGTH_BASE[symbol]! + this.bits(LENGTH_EXTRA[symbol]!);
        const distanceSymbol = this.decodeSymbol(distance);
        if (distanceSymbol >= 30) throw STOP;
        const dist = DISTANCE_BASE[distanceSymbol]! + this.bits(DISTANCE_EXTRA[distanceSymbol]!);
        if (dist > this.outPos) throw STOP;
        if (this.outPos + length > this.outLimit) {
          this.tooLarge = true;
          throw STOP;
        }
        let from = this.outPos - dist;
        const end = this.outPos + length;
        let to = this.outPos;
        while (to < end) out[to++] = out[from++]!;
        this.outPos = end;
      }
    }
  }

  private dynamicTables(): void {
    const literalCount = this.bits(5) + 257;
    const distanceCount = this.bits(5) + 1;
    const codeLengthCount = this.bits(4) + 4;
    if (literalCount > MAX_LITERAL_LENGTH_CODES || distanceCount > MAX_DISTANCE_CODES) throw STOP;
    const lengths = this.lengths;
    lengths.fill(0, 0, 19);
    for (let i = 0; i < codeLengthCount; i++) lengths[CODE_LENGTH_ORDER[i]!] = this.bits(3);
    if (this.codeLengthCode.build(lengths, 0, 19) !== 0) throw STOP; // must be complete

    const total = literalCount + distanceCount;
    let i = 0;
    while (i < total) {
      const symbol = this.decodeSymbol(this.codeLengthCode);
      if (symbol < 16) {
        lengths[i++] = symbol;
        continue;
      }
      let value = 0;
      let repeat: number;
      if (symbol === 16) {
        if (i === 0) throw STOP; // nothing to repeat
        value = lengths[i - 1]!;
        repeat = 3 + this.bits(2);
      } else if (symbol === 17) {
        repeat = 3 + this.bits(3);
      } else {
        repeat = 11 + this.bits(7);
      }
      if (i + repeat > total) throw STOP;
      lengths.fill(value, i, i + repeat);
      i += repeat;
    }
    if (lengths[END_OF_BLOCK] === 0) throw STOP; // a block must be able to end

    // An incomplete code is only allowed when it is a single one-bit code (as zlib's puff.c).
    let err = this.literalCode.build(lengths, 0, literalCount);
    if (err < 0 || (err > 0 && literalCount - this.literalCode.count[0]! !== this.literalCode.count[1]!)) throw STOP;
    err = this.distanceCode.build(lengths, literalCount, distanceCount);
    if (err < 0 || (err > 0 && distanceCount - this.distanceCode.count[0]! !== this.distanceCode.count[1]!)) throw STOP;
  }
}

const EMPTY = new Uint8Array(0);
