/**
 * Huffman coding of literals (RFC 8878 section 4.2): length-limited code
 * construction, the canonical code assignment the format prescribes, the tree
 * description (direct 4-bit weights or FSE-compressed weights) and stream
 * encoding.
 */
import { BitWriter } from "./bit-writer.ts";
import { HUF_MAX_BITS, HUF_WEIGHT_FSE_LOG_MAX } from "./constants.ts";
import { FseTable, normalizeCounts, writeFseTableDescription } from "./fse.ts";

const SYMBOLS = 256;
/** Direct representation stores at most 128 weights (header byte 128..255). */
const HUF_DIRECT_WEIGHTS_MAX = 128;

/** One Huffman code: per-symbol bit lengths and code values, plus its largest length. */
export class HuffmanTable {
  readonly lengths = new Uint8Array(SYMBOLS);
  readonly codes = new Uint16Array(SYMBOLS);
  maxBits = 0;
  /** Highest symbol with a code. */
  maxSymbol = 0;

  /** Total bits to code `counts` with this table; Infinity if some present symbol has no code. */
  cost(counts: Uint32Array, maxSymbol: number): number {
    if (maxSymbol > this.maxSymbol) return Infinity;
    let bits = 0;
    for (let s = 0; s <= maxSymbol; s++) {
      const c = counts[s]!;
      if (c === 0) continue;
      const len = this.lengths[s]!;
      if (len === 0) return Infinity;
      bits += c * len;
    }
    return bits;
  }

  copyFrom(other: HuffmanTable): void {
    this.lengths.set(other.lengths);
    this.codes.set(other.codes);
    this.maxBits = other.maxBits;
    this.maxSymbol = other.maxSymbol;
  }
}

/** Scratch space reused across calls so code construction allocates nothing. */
export class HuffmanBuilder {
  private readonly nodeWeight = new Float64Array(2 * SYMBOLS);
  private readonly nodeParent = new Int32Array(2 * SYMBOLS);
  private readonly depth = new Int32Array(2 * SYMBOLS);
  private readonly order = new Int32Array(SYMBOLS);
  private readonly rankStart = new Uint32Array(HUF_MAX_BITS + 2);
  private readonly weights = new Uint8Array(SYMBOLS);
  private readonly weightCounts = new Uint32Array(16);
  private readonly weightNorm = new Int16Array(16);
  private readonly weightTable = new FseTable();
  private readonly headerWriter = new BitWriter(new Uint8Array(0));
  private readonly streamWriter = new BitWriter(new Uint8Array(0));
  private readonly scratch = new Uint8Array(256);

  /**
   * Builds a length-limited Huffman code for `counts[0..maxSymbol]` (at least
   * two present symbols) into `table`.
   */
  build(counts: Uint32Array, maxSymbol: number, table: HuffmanTable): void {
    const lengths = table.lengths;
    lengths.fill(0, 0, Math.max(table.maxSymbol, maxSymbol) + 1);
    // Leaves sorted by ascending count (ties by symbol, for determinism).
    let n = 0;
    for (let s = 0; s <= maxSymbol; s++) if (counts[s] !== 0) this.order[n++] = s;
    // Insertion sort: n <= 256 and no comparator closure to allocate per call.
    const order = this.order;
    for (let i = 1; i < n; i++) {
      const s = order[i]!;
      const c = counts[s]!;
      let j = i - 1;
      while (j >= 0 && counts[order[j]!]! > c) {
        order[j + 1] = order[j]!;
        j--;
      }
      order[j + 1] = s;
    }

    // Two-queue construction: leaves in `order`, internal nodes appended in
    // non-decreasing weight order, so the two lightest are always at a queue head.
    const weight = this.nodeWeight;
    const parent = this.nodeParent;
    for (let i = 0; i < n; i++) weight[i] = counts[order[i]!]!;
    let leaf = 0;
    let internal = n;
    let created = n;
    while (created < 2 * n - 1) {
      let a: number;
      let b: number;
      if (leaf < n && (internal >= created || weight[leaf]! <= weight[internal]!)) a = leaf++;
      else a = internal++;
      if (leaf < n && (internal >= created || weight[leaf]! <= weight[internal]!)) b = leaf++;
      else b = internal++;
      weight[created] = weight[a]! + weight[b]!;
      parent[a] = created;
      parent[b] = created;
      created++;
    }
    const root = 2 * n - 2;
    const depth = this.depth;
    depth[root] = 0;
    for (let i = root - 1; i >= 0; i--) depth[i] = depth[parent[i]!]! + 1;

    // Clamp to the format's limit, then repair the Kraft sum so the code is
    // complete (the implicit last weight requires a full power of two).
    const limit = HUF_MAX_BITS;
    const target = 1 << limit;
    let kraft = 0;
    for (let i = 0; i < n; i++) {
      const len = Math.min(depth[i]!, limit);
      lengths[order[i]!] = len;
      kraft += 1 << (limit - len);
    }
    while (kraft > target) {
      // Lengthen the deepest code still below the limit, least frequent first.
      let pick = -1;
      for (let i = 0; i < n; i++) {
        const len = lengths[order[i]!]!;
        if (len < limit && (pick < 0 || len > lengths[order[pick]!]!)) pick = i;
      }
      const s = order[pick]!;
      kraft -= 1 << (limit - lengths[s]! - 1);
      lengths[s]!++;
    }
    while (kraft < target) {
      // Shorten the most frequent of the longest codes; its step always fits.
      let pick = -1;
      for (let i = n - 1; i >= 0; i--) {
        const len = lengths[order[i]!]!;
        if (pick < 0 || len > lengths[order[pick]!]!) pick = i;
      }
      const s = order[pick]!;
      kraft += 1 << (limit - lengths[s]!);
      lengths[s]!--;
    }

    let maxBits = 0;
    for (let i = 0; i < n; i++) if (lengths[order[i]!]! > maxBits) maxBits = lengths[order[i]!]!;
    table.maxBits = maxBits;
    let top = 0;
    for (let s = 0; s <= maxSymbol; s++) if (lengths[s] !== 0) top = s;
    table.maxSymbol = top;
    this.assignCodes(table);
  }

  /**
   * Canonical codes as the decoder derives them: symbols sorted by ascending
   * weight (longest code first), then by symbol value, fill a 2^maxBits table
   * from index 0; a code is its first index shifted down to its length.
   */
  private assignCodes(table: HuffmanTable): void {
    const { lengths, codes, maxBits } = table;
    const perWeight = this.weightCounts;
    perWeight.fill(0);
    for (let s = 0; s <= table.maxSymbol; s++) if (lengths[s] !== 0) perWeight[maxBits + 1 - lengths[s]!]!++;
    let next = 0;
    for (let w = 1; w <= maxBits; w++) {
      this.rankStart[w] = next;
      next += perWeight[w]! << (w - 1);
    }
    for (let s = 0; s <= table.maxSymbol; s++) {
      const len = lengths[s]!;
      if (len === 0) continue;
      const w = maxBits + 1 - len;
      codes[s] = this.rankStart[w]! >> (w - 1);
      this.rankStart[w]! += 1 << (w - 1);
    }
  }

  /**
   * Writes the Huffman_Tree_Description for `table`, choosing the smaller of the
   * direct and FSE-compressed weight forms. Returns the end position, or -1 when
   * neither form can describe the table (cannot happen for valid tables with
   * maxSymbol <= 128; otherwise FSE must succeed).
   */
  writeDescription(table: HuffmanTable, out: Uint8Array, pos: number): number {
    const count = table.maxSymbol; // weights stored for symbols 0..maxSymbol-1; the last is implied
    const weights = this.weights;
    for (let s = 0; s < count; s++) weights[s] = table.lengths[s] === 0 ? 0 : table.maxBits + 1 - table.lengths[s]!;

    const directSize = count <= HUF_DIRECT_WEIGHTS_MAX ? 1 + ((count + 1) >> 1) : Infinity;
    const fseSize = count >= 2 ? this.writeCompressedWeights(count, this.scratch, 0) : -1;
    if (fseSize > 0 && fseSize < directSize) {
      out[pos] = fseSize;
      out.set(this.scratch.subarray(0, fseSize), pos + 1);
      return pos + 1 + fseSize;
    }
    if (directSize === Infinity) return -1;
    out[pos++] = 127 + count;
    for (let i = 0; i < count; i += 2) {
      const hi = weights[i]!;
      const lo = i + 1 < count ? weights[i + 1]! : 0;
      out[pos++] = (hi << 4) | lo;
    }
    return pos;
  }

  /**
   * FSE-compressed weights: a table description, then one backward stream in
   * which two states share the table, the first decoding even-indexed weights
   * and the second odd-indexed ones. The decoder stops when a state update
   * would read past the stream, then emits the other state's symbol; so the
   * state holding the second-to-last weight must need at least one bit.
   * Returns the byte size (< 128), or -1 when it does not fit or cannot work.
   */
  private writeCompressedWeights(count: number, out: Uint8Array, pos: number): number {
    const weights = this.weights;
    const wc = this.weightCounts;
    wc.fill(0);
    let maxWeight = 0;
    for (let i = 0; i < count; i++) {
      wc[weights[i]!]!++;
      if (weights[i]! > maxWeight) maxWeight = weights[i]!;
    }
    let distinct = 0;
    for (let v = 0; v <= maxWeight; v++) if (wc[v] !== 0) distinct++;
    if (distinct < 2) return -1;

    // Accuracy 6 (the format's maximum here) unless the weights are few.
    const log = count <= 32 ? 5 : HUF_WEIGHT_FSE_LOG_MAX;
    normalizeCounts(wc, maxWeight, count, log, this.weightNorm);
    const table = this.weightTable.build(this.weightNorm, maxWeight, log);
    const start = pos;
    pos = writeFseTableDescription(out, pos, this.weightNorm, maxWeight, log, this.headerWriter);

    const w = this.streamWriter;
    w.reset(this.bitScratch, 0);
    // evenState decodes weights 0, 2, 4...; oddState weights 1, 3, 5...
    let evenState = 0;
    let oddState = 0;
    if ((count & 1) === 0) {
      evenState = table.initialState(weights[count - 2]!);
      oddState = table.initialState(weights[count - 1]!);
    } else {
      oddState = table.initialState(weights[count - 2]!);
      evenState = table.initialState(weights[count - 1]!);
    }
    for (let k = count - 3; k >= 0; k--) {
      if ((k & 1) === 0) evenState = table.encode(w, evenState, weights[k]!);
      else oddState = table.encode(w, oddState, weights[k]!);
    }
    w.addBits(oddState, log);
    w.addBits(evenState, log);
    const streamSize = w.closeWithMarker();
    if (pos - start + streamSize > 127) return -1;
    out.set(this.bitScratch.subarray(0, streamSize), pos);
    return pos + streamSize - start;
  }

  private readonly bitScratch = new Uint8Array(512);

  /**
   * Encodes literals[start..end) as one Huffman stream (written last literal
   * first, so the decoder, reading backwards, meets the first literal first).
   */
  encodeStream(table: HuffmanTable, literals: Uint8Array, start: number, end: number, out: Uint8Array, pos: number): number {
    const w = this.streamWriter;
    w.reset(out, pos);
    const { codes, lengths } = table;
    for (let i = end - 1; i >= start; i--) {
      const s = literals[i]!;
      w.addBits(codes[s]!, lengths[s]!);
    }
    return w.closeWithMarker();
  }
}

/**
 * True when the code lengths form a complete prefix code (Kraft sum exactly 1),
 * which the format's implicit last weight requires. Used by tests.
 */
export function huffmanKraftIsComplete(table: HuffmanTable): boolean {
  let sum = 0;
  for (let s = 0; s <= table.maxSymbol; s++) if (table.lengths[s] !== 0) sum += 2 ** (table.maxBits - table.lengths[s]!);
  return sum === 2 ** table.maxBits;
}
