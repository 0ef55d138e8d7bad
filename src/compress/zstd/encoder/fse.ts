/**
 * Finite State Entropy tables for the encoder (RFC 8878 section 4.1).
 *
 * The encoder must walk the decoder's table backwards, so a table is built by
 * laying out symbols exactly as a decoder would, then indexing, per symbol,
 * the decoder states that emit it in ascending order. For a decoder state
 * whose symbol has normalized count p, the "next state value" x runs from p
 * to 2p-1 in that order; encoding symbol s from current state S means finding
 * the state whose x equals (S + tableSize) >> nbBits, where nbBits is the one
 * that lands x in [p, 2p).
 */
import { BitWriter } from "./bit-writer.ts";
import { highBit } from "./constants.ts";

/** Largest alphabet among FSE-coded symbol types (match length codes 0..52). */
export const FSE_MAX_SYMBOLS = 64;
export const FSE_MAX_TABLE_LOG = 9;
export const FSE_MIN_TABLE_LOG = 5;

export class FseTable {
  accuracyLog = 0;
  tableSize = 0;
  maxSymbol = 0;
  /** Normalized counts as the format states them (-1 = "less than one"). */
  readonly norm = new Int16Array(FSE_MAX_SYMBOLS);
  /** Decoder states per symbol, grouped by symbol, ascending within a group. */
  readonly stateTable = new Uint16Array(1 << FSE_MAX_TABLE_LOG);
  /** Start of each symbol's group in stateTable. */
  readonly symbolStart = new Int32Array(FSE_MAX_SYMBOLS);
  /** Effective count p (a -1 count occupies one state). */
  readonly symbolCount = new Int32Array(FSE_MAX_SYMBOLS);
  /** Larger of the two possible nbBits for the symbol. */
  readonly symbolMaxBits = new Uint8Array(FSE_MAX_SYMBOLS);
  /** Encoder values below this threshold use one bit fewer. */
  readonly symbolThreshold = new Int32Array(FSE_MAX_SYMBOLS);
  /** Approximate cost in bits of coding the symbol once (Infinity if absent). */
  readonly symbolCost = new Float64Array(FSE_MAX_SYMBOLS);
  private readonly spread = new Uint8Array(1 << FSE_MAX_TABLE_LOG);
  private readonly fill = new Int32Array(FSE_MAX_SYMBOLS);

  /** Builds the table for `norm[0..maxSymbol]` at `accuracyLog`; the counts must sum to 2^accuracyLog. */
  build(norm: ArrayLike<number>, maxSymbol: number, accuracyLog: number): this {
    const tableSize = 1 << accuracyLog;
    const mask = tableSize - 1;
    this.accuracyLog = accuracyLog;
    this.tableSize = tableSize;
    this.maxSymbol = maxSymbol;
    this.norm.fill(0);
    this.symbolCost.fill(Infinity);

    // Symbol spread, identical to the decoder's: "less than one" symbols take the
    // last cells, the others are scattered with the format's fixed step.
    let highThreshold = tableSize - 1;
    for (let s = 0; s <= maxSymbol; s++) {
      this.norm[s] = norm[s]!;
      if (norm[s] === -1) this.spread[highThreshold--] = s;
    }
    const step = (tableSize >> 1) + (tableSize >> 3) + 3;
    let position = 0;
    for (let s = 0; s <= maxSymbol; s++) {
      for (let i = 0; i < norm[s]!; i++) {
        this.spread[position] = s;
        do position = (position + step) & mask;
        while (position > highThreshold);
      }
    }

    let start = 0;
    for (let s = 0; s <= maxSymbol; s++) {
      const p = norm[s] === -1 ? 1 : norm[s]!;
      this.symbolStart[s] = start;
      this.fill[s] = start;
      this.symbolCount[s] = p;
      if (p > 0) {
        const maxBits = accuracyLog - highBit(p);
        this.symbolMaxBits[s] = maxBits;
        this.symbolThreshold[s] = p << maxBits;
        this.symbolCost[s] = accuracyLog - Math.log2(p);
      }
      start += p;
    }
    for (let u = 0; u < tableSize; u++) this.stateTable[this.fill[this.spread[u]!]!++] = u;
    return this;
  }

  /** Approximate bits to code `counts` with this table; Infinity if a needed symbol is missing. */
  cost(counts: Uint32Array, maxSymbol: number): number {
    if (maxSymbol > this.maxSymbol) return Infinity;
    let bits = 0;
    for (let s = 0; s <= maxSymbol; s++) if (counts[s] !== 0) bits += counts[s]! * this.symbolCost[s]!;
    return bits;
  }

  /** A starting state for the first symbol the encoder codes (the last one decoded). */
  initialState(symbol: number): number {
    return this.stateTable[this.symbolStart[symbol]!]!;
  }

  /** Moves from `state` to a state emitting `symbol`, writing the bits the decoder will read. */
  encode(w: BitWriter, state: number, symbol: number): number {
    const value = state + this.tableSize;
    const nbBits = value < this.symbolThreshold[symbol]! ? this.symbolMaxBits[symbol]! - 1 : this.symbolMaxBits[symbol]!;
    w.addBits(value, nbBits);
    return this.stateTable[this.symbolStart[symbol]! + (value >> nbBits) - this.symbolCount[symbol]!]!;
  }
}

/**
 * Scales `counts` (total `total`) to sum to 2^accuracyLog, giving every present
 * symbol at least 1. Writes into `norm[0..maxSymbol]`.
 */
export function normalizeCounts(
  counts: Uint32Array,
  maxSymbol: number,
  total: number,
  accuracyLog: number,
  norm: Int16Array,
): void {
  const tableSize = 1 << accuracyLog;
  let sum = 0;
  let largest = 0;
  for (let s = 0; s <= maxSymbol; s++) {
    const c = counts[s]!;
    if (c === 0) {
      norm[s] = 0;
      continue;
    }
    let v = Math.round((c * tableSize) / total);
    if (v < 1) v = 1;
    norm[s] = v;
    sum += v;
    if (v > norm[largest]! || counts[largest] === 0) largest = s;
  }
  if (sum < tableSize) {
    norm[largest]! += tableSize - sum;
    return;
  }
  // Too many states handed out (the minimum of 1 for rare symbols): take them back
  // from the symbols where one state less costs least, i.e. the largest counts.
  let excess = sum - tableSize;
  while (excess > 0) {
    let best = -1;
    let bestLoss = Infinity;
    for (let s = 0; s <= maxSymbol; s++) {
      const v = norm[s]!;
      if (v <= 1) continue;
      const loss = counts[s]! * Math.log2(v / (v - 1));
      if (loss < bestLoss) {
        bestLoss = loss;
        best = s;
      }
    }
    const take = Math.min(excess, Math.max(1, (norm[best]! >> 3)));
    norm[best]! -= take;
    excess -= take;
  }
}

/**
 * Writes an FSE_Table_Description (RFC 8878 section 4.1.1): Accuracy_Log - 5 in
 * 4 bits, then each symbol's count + 1 in a variable number of bits, with 2-bit
 * repeat flags after a zero count. Byte-aligned; returns the end position.
 */
export function writeFseTableDescription(
  out: Uint8Array,
  pos: number,
  norm: ArrayLike<number>,
  maxSymbol: number,
  accuracyLog: number,
  w: BitWriter,
): number {
  w.reset(out, pos);
  w.addBits(accuracyLog - FSE_MIN_TABLE_LOG, 4);
  let threshold = 1 << accuracyLog;
  let remaining = threshold + 1;
  let nbBits = accuracyLog + 1;
  let s = 0;
  while (remaining > 1 && s <= maxSymbol) {
    const count = norm[s]!;
    const value = count + 1;
    const max = 2 * threshold - 1 - remaining;
    if (value < max) w.addBits(value, nbBits - 1);
    else if (value < threshold) w.addBits(value, nbBits);
    else w.addBits(value + max, nbBits);
    remaining -= count < 0 ? -count : count;
    while (remaining < threshold) {
      nbBits--;
      threshold >>= 1;
    }
    s++;
    if (count === 0) {
      let zeros = 0;
      while (s + zeros <= maxSymbol && norm[s + zeros] === 0) zeros++;
      s += zeros;
      while (zeros >= 3) {
        w.addBits(3, 2);
        zeros -= 3;
      }
      w.addBits(zeros, 2);
    }
  }
  return w.flushPartial();
}
