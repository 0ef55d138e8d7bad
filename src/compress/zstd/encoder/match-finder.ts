/**
 * LZ77 parsing for one frame: a hash-chain match finder with lazy evaluation
 * and repeat-offset candidates, producing zstd sequences block by block.
 *
 * Positions are absolute indexes into the frame's input. Matches may reach back
 * into earlier blocks (up to the window) but never run past the current block,
 * since a block regenerates exactly its own bytes.
 */
import type { SequenceStore } from "./sequences.ts";

export interface MatchParams {
  /** Chain candidates examined per position. */
  searchDepth: number;
  /** 0 = greedy; 1 or 2 = also try that many following positions before committing. */
  lazyDepth: number;
  /** A match this long is taken without further search. */
  niceLength: number;
  hashLog: number;
  chainLog: number;
  /** Offsets never exceed 2^windowLog. */
  windowLog: number;
  /** Use the price-based parser (optimal-parser.ts) instead of lazy matching. */
  optimal: boolean;
}

/** Table sizes the finder accepts (the high levels use the largest). */
export const MATCH_HASH_LOG_MAX = 20;
export const MATCH_CHAIN_LOG_MAX = 20;
/** Literal runs longer than 2^SKIP_STRENGTH start skipping positions (incompressible data). */
const SKIP_STRENGTH = 8;
const PRIME32 = 0x9e3779b1;
/** Chain matches are found through a 4-byte hash, so they are at least this long. */
const MIN_HASHED_MATCH = 4;
const EMPTY = new Uint8Array(0);

export class MatchFinder {
  // Grown on demand, so callers that only compress datagrams never pay for the big tables.
  private head = new Int32Array(0);
  private chain = new Int32Array(0);
  private input: Uint8Array = new Uint8Array(0);
  private searchDepth = 0;
  private lazyDepth = 0;
  private niceLength = 0;
  private windowMax = 0;
  private hashShift = 0;
  private chainMask = 0;
  private nextToInsert = 0;
  /** Repeat offsets as the decoder tracks them, with a copy for undoing a block. */
  readonly rep = new Int32Array(3);
  private readonly savedRep = new Int32Array(3);
  // Result of the last search, kept in fields to avoid allocating per position.
  private foundLength = 0;
  private foundOffset = 0;

  startFrame(input: Uint8Array, params: MatchParams): void {
    this.input = input;
    this.searchDepth = params.searchDepth;
    this.lazyDepth = params.lazyDepth;
    this.niceLength = params.niceLength;
    this.windowMax = (1 << params.windowLog) - 1;
    this.hashShift = 32 - params.hashLog;
    this.chainMask = (1 << params.chainLog) - 1;
    if (params.hashLog > MATCH_HASH_LOG_MAX || params.chainLog > MATCH_CHAIN_LOG_MAX) {
      throw new RangeError("hashLog/chainLog above the match finder's limit");
    }
    if (this.head.length < 1 << params.hashLog) this.head = new Int32Array(1 << params.hashLog);
    if (this.chain.length < 1 << params.chainLog) this.chain = new Int32Array(1 << params.chainLog);
    this.head.fill(-1, 0, 1 << params.hashLog);
    this.nextToInsert = 0;
    this.rep[0] = 1;
    this.rep[1] = 4;
    this.rep[2] = 8;
  }

  /** Drops the reference to the frame's input. */
  release(): void {
    this.input = EMPTY;
  }

  saveState(): void {
    this.savedRep.set(this.rep);
  }

  restoreState(): void {
    this.rep.set(this.savedRep);
  }

  /** Links every position up to `target` into its hash chain (4-byte hash). */
  private insertUpTo(target: number): void {
    const src = this.input;
    const head = this.head;
    const chain = this.chain;
    const mask = this.chainMask;
    const shift = this.hashShift;
    let p = this.nextToInsert;
    const end = Math.min(target, src.length - 8);
    for (; p <= end; p++) {
      const v = src[p]! | (src[p + 1]! << 8) | (src[p + 2]! << 16) | (src[p + 3]! << 24);
      const h = Math.imul(v, PRIME32) >>> shift;
      chain[p & mask] = head[h]!;
      head[h] = p;
    }
    if (p > this.nextToInsert) this.nextToInsert = p;
  }

  /**
   * Best match at p (not beyond `limit`), scored by length against offset cost;
   * `litLength` selects which repeat offsets are expressible. Returns its score
   * (0 if none) and leaves length/offset in foundLength/foundOffset.
   */
  private search(p: number, limit: number, litLength: number): number {
    const src = this.input;
    const maxDistance = Math.min(p, this.windowMax);
    let bestLen = 0;
    let bestOff = 0;
    let bestScore = 0;

    // Repeat offsets first: they cost almost nothing to code.
    const rep = this.rep;
    const b0 = src[p];
    const b1 = src[p + 1];
    const b2 = src[p + 2];
    for (let k = 0; k < 3; k++) {
      const off = litLength > 0 ? rep[k]! : k < 2 ? rep[k + 1]! : rep[0]! - 1;
      if (off <= 0 || off > maxDistance) continue;
      const q = p - off;
      if (src[q] !== b0 || src[q + 1] !== b1 || src[q + 2] !== b2) continue;
      let len = 3;
      while (p + len < limit && src[q + len] === src[p + len]) len++;
      const score = 4 * len - k;
      if (score > bestScore) {
        bestScore = score;
        bestLen = len;
        bestOff = off;
      }
    }

    if (p + 8 <= src.length) {
      this.insertUpTo(p);
      const chain = this.chain;
      const mask = this.chainMask;
      const minPos = p - maxDistance;
      const minChainPos = p - (mask + 1);
      const nice = this.niceLength;
      let cand = chain[p & mask]!;
      let depth = this.searchDepth;
      let lenToBeat = bestLen > MIN_HASHED_MATCH - 1 ? bestLen : MIN_HASHED_MATCH - 1;
      while (cand >= minPos && depth-- > 0) {
        if (p + lenToBeat < limit && src[cand + lenToBeat] === src[p + lenToBeat] && src[cand] === b0) {
          let len = 0;
          while (p + len < limit && src[cand + len] === src[p + len]) len++;
          if (len > lenToBeat) {
            const off = p - cand;
            const score = 4 * len - (31 - Math.clz32(off + 3));
            if (score > bestScore) {
              bestScore = score;
              bestLen = len;
              bestOff = off;
              lenToBeat = len;
              if (len >= nice) break;
            }
          }
        }
        if (cand <= minChainPos) break; // its chain slot has been reused
        const next = chain[cand & mask]!;
        if (next >= cand) break;
        cand = next;
      }
    }
    this.foundLength = bestLen;
    this.foundOffset = bestOff;
    return bestScore;
  }

  /** The frame's input (for parsers built on this finder). */
  get source(): Uint8Array {
    return this.input;
  }

  /** Largest offset the frame's window allows. */
  get maxOffset(): number {
    return this.windowMax;
  }

  /** Length of the match at p against p - off, not beyond `limit`. */
  matchLengthAt(p: number, off: number, limit: number): number {
    const src = this.input;
    const q = p - off;
    let len = 0;
    while (p + len < limit && src[q + len] === src[p + len]) len++;
    return len;
  }

  /**
   * Every chain match at p that is longer than all nearer ones (at least 4 bytes,
   * not beyond `limit`), nearest first: lengths ascend, offsets ascend. Examines
   * at most `depth` candidates and stops at `niceLength`. Returns how many were
   * written to lengths/offsets (whose capacity bounds the count).
   */
  collectMatches(p: number, limit: number, depth: number, lengths: Int32Array, offsets: Int32Array): number {
    const src = this.input;
    if (p + 8 > src.length) return 0;
    this.insertUpTo(p);
    const chain = this.chain;
    const mask = this.chainMask;
    const minPos = p - Math.min(p, this.windowMax);
    const minChainPos = p - (mask + 1);
    const nice = this.niceLength;
    const b0 = src[p];
    let count = 0;
    let lenToBeat = MIN_HASHED_MATCH - 1;
    let cand = chain[p & mask]!;
    while (cand >= minPos && depth-- > 0 && count < lengths.length) {
      if (p + lenToBeat < limit && src[cand + lenToBeat] === src[p + lenToBeat] && src[cand] === b0) {
        let len = 0;
        while (p + len < limit && src[cand + len] === src[p + len]) len++;
        if (len > lenToBeat) {
          lengths[count] = len;
          offsets[count] = p - cand;
          count++;
          lenToBeat = len;
          if (len >= nice) break;
        }
      }
      if (cand <= minChainPos) break;
      const next = chain[cand & mask]!;
      if (next >= cand) break;
      cand = next;
    }
    return count;
  }

  /** Parses [start, end) into sequences and trailing literals in `store`. */
  parseBlock(start: number, end: number, store: SequenceStore): void {
    const src = this.input;
    const lazyDepth = this.lazyDepth;
    let anchor = start;
    let p = start;
    // A match needs a few bytes of room; the tail is emitted as literals.
    const lastStart = end - 4;
    while (p < lastStart) {
      let score = this.search(p, end, p - anchor);
      if (score === 0 || this.foundLength < 3) {
        p += ((p - anchor) >> SKIP_STRENGTH) + 1;
        continue;
      }
      let len = this.foundLength;
      let off = this.foundOffset;

      // Lazy evaluation: a better match one byte later is worth a literal.
      // (A match already at the "nice" length is taken as is.)
      for (let step = 0; step < lazyDepth && len < this.niceLength && p + 1 < lastStart; step++) {
        const nextScore = this.search(p + 1, end, p + 1 - anchor);
        if (nextScore > score + 4) {
          p++;
          score = nextScore;
          len = this.foundLength;
          off = this.foundOffset;
        } else {
          break;
        }
      }

      // Extend backwards over literals the match also covers.
      while (p > anchor && p - off > 0 && src[p - 1] === src[p - 1 - off]) {
        p--;
        len++;
      }
      this.emit(store, anchor, p, off, len);
      p += len;
      anchor = p;
    }
    this.emitTail(store, anchor, end);
  }

  /** Appends the literals after the last sequence of a block. */
  emitTail(store: SequenceStore, anchor: number, end: number): void {
    const tail = end - anchor;
    if (tail > 0) {
      store.literals.set(this.input.subarray(anchor, end), store.literalCount);
      store.literalCount += tail;
    }
  }

  /** Appends one sequence, converting the offset to its Offset_Value and updating the repeat offsets. */
  emit(store: SequenceStore, anchor: number, p: number, off: number, len: number): void {
    const litLength = p - anchor;
    if (litLength > 0) {
      // A plain loop: subarray() would allocate a view per sequence.
      const src = this.input;
      const lits = store.literals;
      let o = store.literalCount;
      for (let i = anchor; i < p; i++) lits[o++] = src[i]!;
      store.literalCount = o;
    }
    const rep = this.rep;
    let offsetValue: number;
    if (litLength > 0 && off === rep[0]) {
      offsetValue = 1;
    } else if (litLength > 0 && off === rep[1]) {
      offsetValue = 2;
      rep[1] = rep[0]!;
      rep[0] = off;
    } else if (litLength > 0 && off === rep[2]) {
      offsetValue = 3;
      rep[2] = rep[1]!;
      rep[1] = rep[0]!;
      rep[0] = off;
    } else if (litLength === 0 && off === rep[1]) {
      offsetValue = 1;
      rep[1] = rep[0]!;
      rep[0] = off;
    } else if (litLength === 0 && off === rep[2]) {
      offsetValue = 2;
      rep[2] = rep[1]!;
      rep[1] = rep[0]!;
      rep[0] = off;
    } else if (litLength === 0 && off === rep[0]! - 1) {
      offsetValue = 3;
      rep[2] = rep[1]!;
      rep[1] = rep[0]!;
      rep[0] = off;
    } else {
      offsetValue = off + 3;
      rep[2] = rep[1]!;
      rep[1] = rep[0]!;
      rep[0] = off;
    }
    const i = store.count++;
    store.litLength[i] = litLength;
    store.matchLength[i] = len;
    store.offsetValue[i] = offsetValue;
  }
}
