/**
 * Pre-flight check of a zstd Compressed_Block (RFC 8878, 3.1.1.3) before fzstd
 * decodes it. fzstd executes sequences without bounds checks: a few hostile
 * bytes can declare ~98,000 sequences of ~65,000-byte matches (bits read past
 * the stream's start count as zeros), i.e. billions of loop steps. This walks
 * the literals header and the sequences bitstream (FSE tables, states, extra
 * bits) without producing output, and accepts the block only if the stream is
 * consumed exactly and its literal and match lengths fit the block's maximum
 * size. Then fzstd's work is bounded by the block size.
 *
 * Offsets are read but not checked (fzstd stays memory-safe on them); the
 * literals are not decoded (fzstd's Huffman decoding is bounded by the declared
 * regenerated size, checked here), but the Huffman tree description is walked:
 * its FSE-coded weights can otherwise spin fzstd forever on states that read no
 * bits (a 44-byte frame did), so more than 255 weights rejects the block.
 */

const LL_MAX_ACCURACY = 9;
const ML_MAX_ACCURACY = 9;
const OF_MAX_ACCURACY = 8;
const LL_MAX_SYMBOL = 35;
const ML_MAX_SYMBOL = 52;
const OF_MAX_SYMBOL = 31;

const LL_BASELINE = Uint32Array.from([
  0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 18, 20, 22, 24, 28, 32, 40, 48, 64, 128, 256, 512, 1024, 2048, 4096,
  8192, 16384, 32768, 65536,
]);
const LL_EXTRA_BITS = Uint8Array.from([
  0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 3, 3, 4, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16,
]);
const ML_BASELINE = Uint32Array.from([
  3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31, 32, 33, 34, 35, 37,
  39, 41, 43, 47, 51, 59, 67, 83, 99, 131, 259, 515, 1027, 2051, 4099, 8195, 16387, 32771, 65539,
]);
const ML_EXTRA_BITS = Uint8Array.from([
  0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 3, 3, 4, 4, 5, 7,
  8, 9, 10, 11, 12, 13, 14, 15, 16,
]);

// Predefined distributions (RFC 8878, 3.1.1.3.2.2); -1 is a "less than 1" probability.
const LL_DEFAULT = Int16Array.from([4, 3, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 1, 1, 1, 2, 2, 2, 2, 2, 2, 2, 2, 2, 3, 2, 1, 1, 1, 1, 1, -1, -1, -1, -1]);
const LL_DEFAULT_ACCURACY = 6;
const ML_DEFAULT = Int16Array.from([
  1, 4, 3, 2, 2, 2, 2, 2, 2, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
  1, -1, -1, -1, -1, -1, -1, -1,
]);
const ML_DEFAULT_ACCURACY = 6;
const OF_DEFAULT = Int16Array.from([1, 1, 1, 1, 1, 1, 2, 2, 2, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, -1, -1, -1, -1, -1]);
const OF_DEFAULT_ACCURACY = 5;

/** Huffman weights are FSE-coded with at most accuracy 6 (RFC 8878, 4.2.1.2), weights 0..11 (12 tolerated). */
const HUFFMAN_WEIGHT_MAX_ACCURACY = 6;
const HUFFMAN_WEIGHT_MAX_SYMBOL = 12;
/** A tree description carries at most 255 weights (the last symbol's is implied). */
const HUFFMAN_MAX_WEIGHTS = 255;

const MODE_PREDEFINED = 0;
const MODE_RLE = 1;
const MODE_FSE = 2;
const MODE_REPEAT = 3;

/** An FSE decoding table: per state, the symbol, the bits to read and the baseline of the next state. */
class FseTable {
  accuracy = 0;
  readonly symbol = new Uint8Array(1 << LL_MAX_ACCURACY);
  readonly bits = new Uint8Array(1 << LL_MAX_ACCURACY);
  readonly baseline = new Uint16Array(1 << LL_MAX_ACCURACY);
  valid = false;

  setRle(symbol: number): void {
    this.accuracy = 0;
    this.symbol[0] = symbol;
    this.bits[0] = 0;
    this.baseline[0] = 0;
    this.valid = true;
  }

  /** Build from normalized counts (sum must be 1 << accuracy). Returns false when inconsistent. */
  build(counts: Int16Array, symbolCount: number, accuracy: number, next: Uint16Array): boolean {
    const size = 1 << accuracy;
    let high = size - 1;
    for (let s = 0; s < symbolCount; s++) {
      if (counts[s] === -1) {
        this.symbol[high--] = s;
        next[s] = 1;
      } else next[s] = Math.max(0, counts[s]!);
    }
    const step = (size >>> 1) + (size >>> 3) + 3;
    const mask = size - 1;
    let pos = 0;
    for (let s = 0; s < symbolCount; s++) {
      for (let i = 0; i < counts[s]!; i++) {
        this.symbol[pos] = s;
        do pos = (pos + step) & mask;
        while (pos > high);
      }
    }
    if (pos !== 0) return false; // the spread must come back to the start
    for (let state = 0; state < size; state++) {
      const s = this.symbol[state]!;
      const nextState = next[s]!++;
      const bits = accuracy - (31 - Math.clz32(nextState));
      this.bits[state] = bits;
      this.baseline[state] = (nextState << bits) - size;
    }
    this.accuracy = accuracy;
    this.valid = true;
    return true;
  }
}

const counts = new Int16Array(64);
const nextScratch = new Uint16Array(64);

/**
 * Read an FSE table description at input[pos..end) (RFC 8878, 4.1.1) into
 * `table`. Returns the position after it, or -1 when malformed.
 */
function readFseTable(input: Uint8Array, pos: number, end: number, maxAccuracy: number, maxSymbol: number, table: FseTable): number {
  let bitPos = 0;
  const start = pos;
  const readBits = (n: number): number => {
    let v = 0;
    for (let i = 0; i < n; i++) {
      const byte = start + ((bitPos + i) >>> 3);
      const bit = byte < end ? (input[byte]! >>> ((bitPos + i) & 7)) & 1 : 0;
      v |= bit << i;
    }
    return v;
  };
  if (start >= end) return -1;
  const accuracy = readBits(4) + 5;
  bitPos = 4;
  if (accuracy > maxAccuracy) return -1;
  let remaining = (1 << accuracy) + 1;
  let threshold = 1 << accuracy;
  let nbBits = accuracy + 1;
  let symbol = 0;
  counts.fill(0);
  while (remaining > 1 && symbol <= maxSymbol) {
    const max = 2 * threshold - 1 - remaining;
    let count: number;
    const low = readBits(nbBits - 1);
    if (low < max) {
      count = low;
      bitPos += nbBits - 1;
    } else {
      count = readBits(nbBits);
      bitPos += nbBits;
      if (count >= threshold) count -= max;
    }
    count--;
    remaining -= count < 0 ? -count : count;
    counts[symbol++] = count;
    if (count === 0) {
      // Zero probability: 2-bit repeat flags give more zero-probability symbols.
      for (;;) {
        const repeat = readBits(2);
        bitPos += 2;
        symbol += repeat;
        if (repeat !== 3) break;
      }
    }
    while (remaining < threshold) {
      nbBits--;
      threshold >>>= 1;
    }
    if (start + (bitPos >>> 3) > end) return -1;
  }
  if (remaining !== 1 || symbol > maxSymbol + 1) return -1;
  const bytes = (bitPos + 7) >>> 3;
  if (start + bytes > end) return -1;
  if (!table.build(counts, symbol, accuracy, nextScratch)) return -1;
  return start + bytes;
}

function buildDefault(defaults: Int16Array, accuracy: number): FseTable {
  const table = new FseTable();
  counts.fill(0);
  counts.set(defaults);
  table.build(counts, defaults.length, accuracy, nextScratch);
  return table;
}

const LL_PREDEFINED = buildDefault(LL_DEFAULT, LL_DEFAULT_ACCURACY);
const ML_PREDEFINED = buildDefault(ML_DEFAULT, ML_DEFAULT_ACCURACY);
const OF_PREDEFINED = buildDefault(OF_DEFAULT, OF_DEFAULT_ACCURACY);

/** Per-frame state: the tables a later block may repeat. */
export class SequenceChecker {
  private readonly ll = new FseTable();
  private readonly ml = new FseTable();
  private readonly of = new FseTable();
  private readonly weights = new FseTable();
  private llCurrent: FseTable | null = null;
  private mlCurrent: FseTable | null = null;
  private ofCurrent: FseTable | null = null;
  /** Decompressed size of the last block checkBlock accepted (literals plus match lengths). */
  blockSize = 0;

  startFrame(): void {
    this.llCurrent = this.mlCurrent = this.ofCurrent = null;
  }

  /**
   * Check the compressed block in input[start..end) against `blockMax`.
   * Returns false when it is malformed or would decode to more than blockMax.
   */
  checkBlock(input: Uint8Array, start: number, end: number, blockMax: number): boolean {
    if (start >= end) return false;
    // Literals_Section_Header.
    const b0 = input[start]!;
    const type = b0 & 3;
    const sizeFormat = (b0 >>> 2) & 3;
    let p = start;
    let regenerated: number;
    let contentSize: number;
    if (type < 2) {
      if ((sizeFormat & 1) === 0) {
        regenerated = b0 >>> 3;
        p += 1;
      } else if (sizeFormat === 1) {
        if (p + 2 > end) return false;
        regenerated = (b0 >>> 4) + (input[p + 1]! << 4);
        p += 2;
      } else {
        if (p + 3 > end) return false;
        regenerated = (b0 >>> 4) + (input[p + 1]! << 4) + (input[p + 2]! << 12);
        p += 3;
      }
      contentSize = type === 0 ? regenerated : 1;
    } else {
      const headerBytes = sizeFormat < 2 ? 3 : sizeFormat + 2;
      if (p + headerBytes > end) return false;
      let v = 0;
      for (let i = headerBytes - 1; i >= 0; i--) v = v * 256 + input[p + i]!;
      const fieldBits = sizeFormat < 2 ? 10 : sizeFormat === 2 ? 14 : 18;
      const fieldMask = 2 ** fieldBits;
      regenerated = Math.floor(v / 16) % fieldMask;
      contentSize = Math.floor(v / 16 / fieldMask) % fieldMask;
      p += headerBytes;
    }
    if (regenerated > blockMax) return false;
    if (type === 2 && !this.checkHuffmanTree(input, p, Math.min(end, p + contentSize))) return false;
    p += contentSize;
    if (p > end) return false;

    // Sequences_Section_Header.
    if (p >= end) return false; // the sequences header (at least one byte) is mandatory
    let sequences = input[p++]!;
    if (sequences === 0) {
      this.blockSize = regenerated;
      return p === end;
    }
    if (sequences === 255) {
      if (p + 2 > end) return false;
      sequences = input[p]! + (input[p + 1]! << 8) + 0x7f00;
      p += 2;
    } else if (sequences >= 128) {
      if (p + 1 > end) return false;
      sequences = ((sequences - 128) << 8) + input[p++]!;
    }
    // Every sequence ends in a match of at least 3 bytes.
    if (regenerated + 3 * sequences > blockMax) return false;
    if (p >= end) return false;
    const modes = input[p++]!;
    if (modes & 3) return false;
    const llMode = modes >>> 6;
    const ofMode = (modes >>> 4) & 3;
    const mlMode = (modes >>> 2) & 3;

    p = this.selectTable(input, p, end, llMode, "ll");
    if (p < 0) return false;
    p = this.selectTable(input, p, end, ofMode, "of");
    if (p < 0) return false;
    p = this.selectTable(input, p, end, mlMode, "ml");
    if (p < 0) return false;
    const ll = this.llCurrent!;
    const of = this.ofCurrent!;
    const ml = this.mlCurrent!;

    // The bitstream is read backwards from its last byte's highest set bit.
    if (p >= end) return false;
    const last = input[end - 1]!;
    if (last === 0) return false;
    const streamStart = p * 8;
    let bitPos = (end - 1) * 8 + (31 - Math.clz32(last));
    const read = (n: number): number => {
      bitPos -= n;
      if (bitPos < streamStart) return -1;
      let v = 0;
      for (let i = 0; i < n; i += 8) {
        const at = bitPos + i;
        const byte = at >>> 3;
        const chunk = (input[byte]! | ((input[byte + 1] ?? 0) << 8) | ((input[byte + 2] ?? 0) << 16)) >>> (at & 7);
        const take = Math.min(8, n - i);
        v += (chunk & ((1 << take) - 1)) * 2 ** i;
      }
      return v;
    };
    let llState = read(ll.accuracy);
    let ofState = read(of.accuracy);
    let mlState = read(ml.accuracy);
    if (llState < 0 || ofState < 0 || mlState < 0) return false;
    let literalTotal = 0;
    let matchTotal = 0;
    for (let s = 0; s < sequences; s++) {
      const ofCode = of.symbol[ofState]!;
      const mlCode = ml.symbol[mlState]!;
      const llCode = ll.symbol[llState]!;
      if (ofCode > OF_MAX_SYMBOL || mlCode > ML_MAX_SYMBOL || llCode > LL_MAX_SYMBOL) return false;
      if (read(ofCode) < 0) return false;
      const mlExtra = read(ML_EXTRA_BITS[mlCode]!);
      const llExtra = read(LL_EXTRA_BITS[llCode]!);
      if (mlExtra < 0 || llExtra < 0) return false;
      matchTotal += ML_BASELINE[mlCode]! + mlExtra;
      literalTotal += LL_BASELINE[llCode]! + llExtra;
      if (literalTotal > regenerated || regenerated + matchTotal > blockMax) return false;
      if (s + 1 < sequences) {
        const llNext = read(ll.bits[llState]!);
        const mlNext = read(ml.bits[mlState]!);
        const ofNext = read(of.bits[ofState]!);
        if (llNext < 0 || mlNext < 0 || ofNext < 0) return false;
        llState = ll.baseline[llState]! + llNext;
        mlState = ml.baseline[mlState]! + mlNext;
        ofState = of.baseline[ofState]! + ofNext;
      }
    }
    this.blockSize = regenerated + matchTotal;
    return bitPos === streamStart;
  }

  /**
   * Walk a Huffman tree description (RFC 8878, 4.2.1) at input[start..end) the way the
   * decoder consumes it: direct 4-bit weights need their bytes; FSE-coded weights are
   * decoded with two interleaved states until the bits run out, and must stop within
   * 255 weights.
   */
  private checkHuffmanTree(input: Uint8Array, start: number, end: number): boolean {
    if (start >= end) return false;
    const headerByte = input[start]!;
    if (headerByte >= 128) return start + 1 + ((headerByte - 127 + 1) >>> 1) <= end;
    const descriptionEnd = start + 1 + headerByte;
    if (headerByte === 0 || descriptionEnd > end) return false;
    const table = this.weights;
    const streamBegin = readFseTable(input, start + 1, descriptionEnd, HUFFMAN_WEIGHT_MAX_ACCURACY, HUFFMAN_WEIGHT_MAX_SYMBOL, table);
    if (streamBegin < 0 || streamBegin >= descriptionEnd) return false;
    const last = input[descriptionEnd - 1]!;
    if (last === 0) return false;
    const streamStart = streamBegin * 8;
    // Bits are read backwards from just below the last byte's highest set bit.
    let bitPos = (descriptionEnd - 1) * 8 + (31 - Math.clz32(last));
    const read = (n: number): number => {
      let v = 0;
      for (let i = 0; i < n; i++) {
        const at = bitPos + i;
        v |= ((input[at >>> 3]! >>> (at & 7)) & 1) << i;
      }
      return v;
    };
    let state1 = 0;
    let state2 = 0;
    let bits1 = table.accuracy;
    let bits2 = table.accuracy;
    let weights = 0;
    for (;;) {
      bitPos -= bits1;
      if (bitPos < streamStart) break;
      state1 += read(bits1);
      if (++weights > HUFFMAN_MAX_WEIGHTS) return false;
      bitPos -= bits2;
      if (bitPos < streamStart) break;
      state2 += read(bits2);
      if (++weights > HUFFMAN_MAX_WEIGHTS) return false;
      bits1 = table.bits[state1]!;
      state1 = table.baseline[state1]!;
      bits2 = table.bits[state2]!;
      state2 = table.baseline[state2]!;
    }
    return true;
  }

  private selectTable(input: Uint8Array, p: number, end: number, mode: number, which: "ll" | "of" | "ml"): number {
    const own = which === "ll" ? this.ll : which === "of" ? this.of : this.ml;
    let chosen: FseTable | null;
    if (mode === MODE_PREDEFINED) chosen = which === "ll" ? LL_PREDEFINED : which === "of" ? OF_PREDEFINED : ML_PREDEFINED;
    else if (mode === MODE_RLE) {
      if (p >= end) return -1;
      own.setRle(input[p++]!);
      chosen = own;
    } else if (mode === MODE_FSE) {
      const maxAccuracy = which === "of" ? OF_MAX_ACCURACY : which === "ll" ? LL_MAX_ACCURACY : ML_MAX_ACCURACY;
      const maxSymbol = which === "of" ? OF_MAX_SYMBOL : which === "ll" ? LL_MAX_SYMBOL : ML_MAX_SYMBOL;
      p = readFseTable(input, p, end, maxAccuracy, maxSymbol, own);
      if (p < 0) return -1;
      chosen = own;
    } else {
      chosen = which === "ll" ? this.llCurrent : which === "of" ? this.ofCurrent : this.mlCurrent;
      if (chosen === null) return -1;
    }
    if (which === "ll") this.llCurrent = chosen;
    else if (which === "of") this.ofCurrent = chosen;
    else this.mlCurrent = chosen;
    return p;
  }
}
