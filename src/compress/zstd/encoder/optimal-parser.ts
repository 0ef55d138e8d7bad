/**
 * Price-based parsing for the high levels: a shortest-path search over the
 * positions of one block, where every position can be left by a literal or by
 * any match the finder offers (each repeat offset and every improving chain
 * match, at every length up to its maximum), priced in estimated bits.
 * Repeat offsets and the pending literal run are tracked along the cheapest
 * path into each position, so repeat-offset matches are priced with the state
 * the decoder will really have.
 *
 * Prices come from a first, lazy parse of the same block (BlockCompressor runs
 * it): -log2 of each literal's and each code's frequency there. That parse's
 * matches are also offered as candidates at every position they cover, since
 * it searched with the same depth but kept extending what it found.
 */
import {
  LL_BITS,
  LL_MAX_CODE,
  ML_BITS,
  ML_MAX_CODE,
  OF_MAX_CODE,
  highBit,
  literalLengthCode,
  matchLengthCode,
} from "./constants.ts";
import type { MatchFinder } from "./match-finder.ts";
import type { SequenceStore } from "./sequences.ts";

/** Most improving chain matches kept per position. */
const MAX_CANDIDATES = 64;
/** Largest price given to a symbol never seen in the statistics (bits). */
const UNSEEN_SYMBOL_BITS = 12;

export class OptimalParser {
  private capacity = 0;
  private price = new Float64Array(0);
  private fromLength = new Int32Array(0);
  private fromOffset = new Int32Array(0);
  private literalRun = new Int32Array(0);
  private rep0 = new Int32Array(0);
  private rep1 = new Int32Array(0);
  private rep2 = new Int32Array(0);
  private readonly candidateLengths = new Int32Array(MAX_CANDIDATES);
  private readonly candidateOffsets = new Int32Array(MAX_CANDIDATES);
  // Prices in bits, from a first (lazy) parse of the same block: the symbols a
  // real encoding of this block uses, not a guess.
  private readonly literalBits = new Float64Array(256);
  private readonly llBits = new Float64Array(LL_MAX_CODE + 1);
  private readonly mlBits = new Float64Array(ML_MAX_CODE + 1);
  private readonly ofBits = new Float64Array(OF_MAX_CODE + 1);
  private readonly literalCounts = new Uint32Array(256);
  private readonly llCounts = new Uint32Array(LL_MAX_CODE + 1);
  private readonly mlCounts = new Uint32Array(ML_MAX_CODE + 1);
  private readonly ofCounts = new Uint32Array(OF_MAX_CODE + 1);
  /** Offset of the sample parse's match covering each block position (0 = none). */
  private hintOffset = new Int32Array(0);
  private pathLengths = new Int32Array(0);
  private pathOffsets = new Int32Array(0);
  private pathStarts = new Int32Array(0);

  private ensureCapacity(size: number): void {
    if (size <= this.capacity) return;
    this.capacity = size;
    this.price = new Float64Array(size + 1);
    this.fromLength = new Int32Array(size + 1);
    this.fromOffset = new Int32Array(size + 1);
    this.literalRun = new Int32Array(size + 1);
    this.rep0 = new Int32Array(size + 1);
    this.rep1 = new Int32Array(size + 1);
    this.rep2 = new Int32Array(size + 1);
    this.hintOffset = new Int32Array(size);
    this.pathLengths = new Int32Array(size);
    this.pathOffsets = new Int32Array(size);
    this.pathStarts = new Int32Array(size);
  }

  /** Parses [start, end) into `store` with `finder`'s tables and repeat offsets. */
  parseBlock(finder: MatchFinder, start: number, end: number, depth: number, jumpLength: number, store: SequenceStore): void {
    const src = finder.source;
    const n = end - start;
    this.ensureCapacity(n);
    const { price, fromLength, fromOffset, literalRun, rep0, rep1, rep2, literalBits, llBits, mlBits, ofBits } = this;
    const lengths = this.candidateLengths;
    const offsets = this.candidateOffsets;
    const maxOffset = finder.maxOffset;

    price.fill(Infinity, 0, n + 1);
    price[0] = 0;
    literalRun[0] = 0;
    rep0[0] = finder.rep[0]!;
    rep1[0] = finder.rep[1]!;
    rep2[0] = finder.rep[2]!;
    const lastMatchStart = n - 4;

    for (let i = 0; i < n; i++) {
      const base = price[i]!;
      const p = start + i;
      const run = literalRun[i]!;

      // Leaving by one literal.
      const literalCost = base + literalBits[src[p]!]!;
      if (literalCost < price[i + 1]!) {
        price[i + 1] = literalCost;
        fromLength[i + 1] = 0;
        literalRun[i + 1] = run + 1;
        rep0[i + 1] = rep0[i]!;
        rep1[i + 1] = rep1[i]!;
        rep2[i + 1] = rep2[i]!;
      }
      if (i > lastMatchStart) continue;

      const sequenceBase = base + llBits[literalLengthCode(run)]!;
      const maxDistance = Math.min(p, maxOffset);
      let longest = 0;

      // Repeat offsets, as expressible after this literal run.
      for (let k = 0; k < 3; k++) {
        const off = run > 0 ? (k === 0 ? rep0[i]! : k === 1 ? rep1[i]! : rep2[i]!) : k === 0 ? rep1[i]! : k === 1 ? rep2[i]! : rep0[i]! - 1;
        if (off <= 0 || off > maxDistance) continue;
        const len = finder.matchLengthAt(p, off, end);
        if (len < 3) continue;
        // Repeat candidate k is coded as Offset_Value k + 1.
        const cost = sequenceBase + ofBits[k === 0 ? 0 : 1]!;
        for (let l = 3; l <= len; l++) this.relax(i, i + l, cost + mlBits[matchLengthCode(l)]!, off, l, run);
        if (len > longest) longest = len;
      }

      // Chain matches: every length up to each improving candidate's maximum.
      const count = finder.collectMatches(p, end, depth, lengths, offsets);
      let from = 4;
      for (let j = 0; j < count; j++) {
        const off = offsets[j]!;
        const cost = sequenceBase + ofBits[highBit(off + 3)]!;
        const len = lengths[j]!;
        for (let l = from; l <= len; l++) this.relax(i, i + l, cost + mlBits[matchLengthCode(l)]!, off, l, run);
        from = len + 1;
        if (len > longest) longest = len;
      }

      // The sample parse searched deeper: its match through this position is a candidate too.
      const hint = this.hintOffset[i]!;
      if (hint > 0 && hint <= maxDistance) {
        const len = finder.matchLengthAt(p, hint, end);
        if (len >= 4) {
          const cost = sequenceBase + ofBits[highBit(hint + 3)]!;
          for (let l = 4; l <= len; l++) this.relax(i, i + l, cost + mlBits[matchLengthCode(l)]!, hint, l, run);
          if (len > longest) longest = len;
        }
      }

      // A match of the "nice" length is taken whole: searching inside it costs
      // quadratic time on repetitive data and rarely pays.
      if (longest >= jumpLength && price[i + longest]! < Infinity) {
        const jumpTo = i + longest;
        for (let k = i + 1; k < jumpTo; k++) price[k] = Infinity;
        i = jumpTo - 1;
      }
    }

    // Walk the cheapest path back from the end, then emit it forwards.
    let count = 0;
    for (let t = n; t > 0; ) {
      const len = fromLength[t]!;
      if (len === 0) {
        t--;
        continue;
      }
      this.pathLengths[count] = len;
      this.pathOffsets[count] = fromOffset[t]!;
      this.pathStarts[count] = start + t - len;
      count++;
      t -= len;
    }
    let anchor = start;
    for (let k = count - 1; k >= 0; k--) {
      const at = this.pathStarts[k]!;
      finder.emit(store, anchor, at, this.pathOffsets[k]!, this.pathLengths[k]!);
      anchor = at + this.pathLengths[k]!;
    }
    finder.emitTail(store, anchor, end);
  }

  private relax(i: number, t: number, cost: number, off: number, len: number, run: number): void {
    if (cost >= this.price[t]!) return;
    this.price[t] = cost;
    this.fromLength[t] = len;
    this.fromOffset[t] = off;
    this.literalRun[t] = 0;
    // Repeat offsets after this sequence, by the format's update rules.
    const r0 = this.rep0[i]!;
    const r1 = this.rep1[i]!;
    const r2 = this.rep2[i]!;
    if (run > 0 && off === r0) {
      this.rep0[t] = r0;
      this.rep1[t] = r1;
      this.rep2[t] = r2;
    } else if (off === r1) {
      this.rep0[t] = r1;
      this.rep1[t] = r0;
      this.rep2[t] = r2;
    } else if (off === r2) {
      this.rep0[t] = r2;
      this.rep1[t] = r0;
      this.rep2[t] = r1;
    } else {
      this.rep0[t] = off;
      this.rep1[t] = r0;
      this.rep2[t] = r1;
    }
  }

  /**
   * Decodes the sample's Offset_Values back to offsets (by the repeat-offset
   * rules, from the reps the block started with) and marks every position each
   * match covers with its offset.
   */
  private recordHints(sample: SequenceStore, size: number, initialReps: Int32Array): void {
    const hint = this.hintOffset;
    hint.fill(0, 0, size);
    let r0 = initialReps[0]!;
    let r1 = initialReps[1]!;
    let r2 = initialReps[2]!;
    let pos = 0;
    for (let i = 0; i < sample.count; i++) {
      const ll = sample.litLength[i]!;
      const value = sample.offsetValue[i]!;
      let off: number;
      if (value > 3) {
        off = value - 3;
        r2 = r1;
        r1 = r0;
        r0 = off;
      } else {
        const index = ll === 0 ? value : value - 1; // 0 = rep0, 1 = rep1, 2 = rep2, 3 = rep0 - 1
        if (index === 0) {
          off = r0;
        } else if (index === 1) {
          off = r1;
          r1 = r0;
          r0 = off;
        } else if (index === 2) {
          off = r2;
          r2 = r1;
          r1 = r0;
          r0 = off;
        } else {
          off = r0 - 1;
          r2 = r1;
          r1 = r0;
          r0 = off;
        }
      }
      pos += ll;
      const matchEnd = Math.min(size, pos + sample.matchLength[i]!);
      for (let p = pos; p < matchEnd; p++) hint[p] = off;
      pos = matchEnd;
    }
  }

  /**
   * Sets prices from a parse of the block (`sample`): -log2 of each symbol's
   * frequency there, plus the code's extra bits where they are fixed.
   */
  setPrices(sample: SequenceStore, start: number, end: number, initialReps: Int32Array): void {
    this.ensureCapacity(end - start);
    this.recordHints(sample, end - start, initialReps);
    const lc = this.literalCounts;
    lc.fill(0);
    for (let i = 0; i < sample.literalCount; i++) lc[sample.literals[i]!]!++;
    priceFromCounts(lc, sample.literalCount, this.literalBits);
    this.llCounts.fill(0);
    this.mlCounts.fill(0);
    this.ofCounts.fill(0);
    for (let i = 0; i < sample.count; i++) {
      this.llCounts[literalLengthCode(sample.litLength[i]!)]!++;
      this.mlCounts[matchLengthCode(sample.matchLength[i]!)]!++;
      this.ofCounts[highBit(sample.offsetValue[i]!)]!++;
    }
    priceFromCounts(this.llCounts, sample.count, this.llBits);
    priceFromCounts(this.mlCounts, sample.count, this.mlBits);
    priceFromCounts(this.ofCounts, sample.count, this.ofBits);
    for (let c = 0; c <= LL_MAX_CODE; c++) this.llBits[c]! += LL_BITS[c]!;
    for (let c = 0; c <= ML_MAX_CODE; c++) this.mlBits[c]! += ML_BITS[c]!;
    for (let c = 0; c <= OF_MAX_CODE; c++) this.ofBits[c]! += c;
  }
}

function priceFromCounts(counts: Uint32Array, total: number, bits: Float64Array): void {
  for (let s = 0; s < counts.length; s++) {
    bits[s] = counts[s] === 0 ? Math.min(UNSEEN_SYMBOL_BITS, Math.log2(total + 2) + 1) : Math.log2((total + 1) / counts[s]!);
  }
}
