/**
 * Price-based parsing for the high levels: a shortest-path search over the
 * positions of one block, where every position can be left by a literal or by
 * any match the finder offers (each repeat offset and every improving chain
 * match, at every length up to its maximum), priced in estimated bits.
 * Repeat offsets and the pending literal run are tracked along the cheapest
 * path into each position, so repeat-offset matches are priced with the state
 * the decoder will really have.
 */
import { LL_BITS, ML_BITS, highBit, literalLengthCode, matchLengthCode } from "./constants.ts";
import type { MatchFinder } from "./match-finder.ts";
import type { SequenceStore } from "./sequences.ts";

/** Most improving chain matches kept per position. */
const MAX_CANDIDATES = 64;
/** Rough FSE symbol costs in bits; the extra bits of each code are added exactly. */
const LL_SYMBOL_BITS = 2.5;
const ML_SYMBOL_BITS = 3.5;
const OF_SYMBOL_BITS = 4;
/** A repeat offset's code is one of three small symbols; the first is the most frequent. */
const REP_SYMBOL_BITS = [1.5, 2.5, 3] as const;

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
  private readonly literalBits = new Float64Array(256);
  private readonly byteCounts = new Uint32Array(256);
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
    this.pathLengths = new Int32Array(size);
    this.pathOffsets = new Int32Array(size);
    this.pathStarts = new Int32Array(size);
  }

  /** Parses [start, end) into `store` with `finder`'s tables and repeat offsets. */
  parseBlock(finder: MatchFinder, start: number, end: number, depth: number, store: SequenceStore): void {
    const src = finder.source;
    const n = end - start;
    this.ensureCapacity(n);
    this.estimateLiteralCosts(src, start, end);
    const { price, fromLength, fromOffset, literalRun, rep0, rep1, rep2, literalBits } = this;
    const lengths = this.candidateLengths;
    const offsets = this.candidateOffsets;
    const maxOffset = finder.maxOffset;

    price.fill(Infinity, 0, n + 1);
    price[0] = 0;
    literalRun[0] = 0;
    rep0[0] = finder.rep[0];
    rep1[0] = finder.rep[1];
    rep2[0] = finder.rep[2];
    const lastMatchStart = n - 4;

    for (let i = 0; i < n; i++) {
      const base = price[i];
      const p = start + i;
      const run = literalRun[i];

      // Leaving by one literal.
      const literalCost = base + literalBits[src[p]];
      if (literalCost < price[i + 1]) {
        price[i + 1] = literalCost;
        fromLength[i + 1] = 0;
        literalRun[i + 1] = run + 1;
        rep0[i + 1] = rep0[i];
        rep1[i + 1] = rep1[i];
        rep2[i + 1] = rep2[i];
      }
      if (i > lastMatchStart) continue;

      const llCode = literalLengthCode(run);
      const sequenceBase = base + LL_SYMBOL_BITS + LL_BITS[llCode] + ML_SYMBOL_BITS;
      const maxDistance = Math.min(p, maxOffset);
      let longest = 0;

      // Repeat offsets, as expressible after this literal run.
      for (let k = 0; k < 3; k++) {
        const off = run > 0 ? (k === 0 ? rep0[i] : k === 1 ? rep1[i] : rep2[i]) : k === 0 ? rep1[i] : k === 1 ? rep2[i] : rep0[i] - 1;
        if (off <= 0 || off > maxDistance) continue;
        const len = finder.matchLengthAt(p, off, end);
        if (len < 3) continue;
        const cost = sequenceBase + REP_SYMBOL_BITS[k];
        for (let l = 3; l <= len; l++) this.relax(i, i + l, cost + ML_BITS[matchLengthCode(l)], off, l, run);
        if (len > longest) longest = len;
      }

      // Chain matches: every length up to each improving candidate's maximum.
      const count = finder.collectMatches(p, end, depth, lengths, offsets);
      let from = 4;
      for (let j = 0; j < count; j++) {
        const off = offsets[j];
        const cost = sequenceBase + OF_SYMBOL_BITS + highBit(off + 3);
        const len = lengths[j];
        for (let l = from; l <= len; l++) this.relax(i, i + l, cost + ML_BITS[matchLengthCode(l)], off, l, run);
        from = len + 1;
        if (len > longest) longest = len;
      }

      // A very long match is taken whole: searching inside it costs time and rarely pays.
      if (longest >= 64 && price[i + longest] < Infinity) {
        const jumpTo = i + longest;
        for (let k = i + 1; k < jumpTo; k++) price[k] = Infinity;
        i = jumpTo - 1;
      }
    }

    // Walk the cheapest path back from the end, then emit it forwards.
    let count = 0;
    for (let t = n; t > 0; ) {
      const len = fromLength[t];
      if (len === 0) {
        t--;
        continue;
      }
      this.pathLengths[count] = len;
      this.pathOffsets[count] = fromOffset[t];
      this.pathStarts[count] = start + t - len;
      count++;
      t -= len;
    }
    let anchor = start;
    for (let k = count - 1; k >= 0; k--) {
      const at = this.pathStarts[k];
      finder.emit(store, anchor, at, this.pathOffsets[k], this.pathLengths[k]);
      anchor = at + this.pathLengths[k];
    }
    finder.emitTail(store, anchor, end);
  }

  private relax(i: number, t: number, cost: number, off: number, len: number, run: number): void {
    if (cost >= this.price[t]) return;
    this.price[t] = cost;
    this.fromLength[t] = len;
    this.fromOffset[t] = off;
    this.literalRun[t] = 0;
    // Repeat offsets after this sequence, by the format's update rules.
    const r0 = this.rep0[i];
    const r1 = this.rep1[i];
    const r2 = this.rep2[i];
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

  /** Literal prices from the block's byte frequencies (bits = -log2 p, smoothed). */
  private estimateLiteralCosts(src: Uint8Array, start: number, end: number): void {
    const counts = this.byteCounts;
    counts.fill(0);
    for (let p = start; p < end; p++) counts[src[p]]++;
    const total = end - start + 256;
    for (let b = 0; b < 256; b++) this.literalBits[b] = Math.log2(total / (counts[b] + 1));
  }
}
