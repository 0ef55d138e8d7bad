/**
 * Sequences_Section writer (RFC 8878 section 3.1.1.3.2): sequence header,
 * per-type compression modes (predefined, RLE, FSE-compressed, repeat) chosen
 * by estimated size, and the interleaved FSE bitstream.
 */
import { BitWriter } from "./bit-writer.ts";
import {
  LL_BASE,
  LL_BITS,
  LL_DEFAULT_LOG,
  LL_DEFAULT_NORM,
  LL_FSE_LOG_MAX,
  LL_MAX_CODE,
  ML_BASE,
  ML_BITS,
  ML_DEFAULT_LOG,
  ML_DEFAULT_NORM,
  ML_FSE_LOG_MAX,
  ML_MAX_CODE,
  OF_DEFAULT_LOG,
  OF_DEFAULT_NORM,
  OF_FSE_LOG_MAX,
  OF_MAX_CODE,
  highBit,
  literalLengthCode,
  matchLengthCode,
} from "./constants.ts";
import { FSE_MAX_SYMBOLS, FSE_MIN_TABLE_LOG, FseTable, normalizeCounts, writeFseTableDescription } from "./fse.ts";

/** At most one sequence per 3 bytes of a 128 KiB block, plus one. */
export const MAX_SEQUENCES_PER_BLOCK = ((128 * 1024) / 3 + 1) | 0;

/** Sequences of one block: literal length, match length and Offset_Value (repeat codes 1..3 or offset + 3). */
export class SequenceStore {
  readonly litLength = new Uint32Array(MAX_SEQUENCES_PER_BLOCK);
  readonly matchLength = new Uint32Array(MAX_SEQUENCES_PER_BLOCK);
  readonly offsetValue = new Uint32Array(MAX_SEQUENCES_PER_BLOCK);
  count = 0;
  readonly literals = new Uint8Array(128 * 1024);
  literalCount = 0;

  reset(): void {
    this.count = 0;
    this.literalCount = 0;
  }
}

const enum SymbolMode {
  Predefined = 0,
  RLE = 1,
  Compressed = 2,
  Repeat = 3,
}

/** Per symbol type (literal lengths, offsets, match lengths): its predefined table and repeat state. */
class SymbolTypeState {
  readonly predefined: FseTable;
  /** Two slots so a new table can be built without destroying the repeatable one. */
  private readonly slots = [new FseTable(), new FseTable()];
  /** Table a Repeat_Mode would reuse; null before any FSE table in this frame. */
  repeat: FseTable | null = null;
  private savedRepeat: FseTable | null = null;
  readonly counts = new Uint32Array(FSE_MAX_SYMBOLS);
  readonly norm = new Int16Array(FSE_MAX_SYMBOLS);
  readonly bestNorm = new Int16Array(FSE_MAX_SYMBOLS);

  constructor(
    defaultNorm: Int16Array,
    defaultLog: number,
    readonly maxLog: number,
    readonly maxCode: number,
  ) {
    this.predefined = new FseTable().build(defaultNorm, defaultNorm.length - 1, defaultLog);
  }

  freeSlot(): FseTable {
    return this.slots[0] === this.repeat ? this.slots[1]! : this.slots[0]!;
  }

  save(): void {
    this.savedRepeat = this.repeat;
  }

  restore(): void {
    this.repeat = this.savedRepeat;
  }
}

export class SequencesEncoder {
  private readonly ll = new SymbolTypeState(LL_DEFAULT_NORM, LL_DEFAULT_LOG, LL_FSE_LOG_MAX, LL_MAX_CODE);
  private readonly of = new SymbolTypeState(OF_DEFAULT_NORM, OF_DEFAULT_LOG, OF_FSE_LOG_MAX, OF_MAX_CODE);
  private readonly ml = new SymbolTypeState(ML_DEFAULT_NORM, ML_DEFAULT_LOG, ML_FSE_LOG_MAX, ML_MAX_CODE);
  private readonly llCode = new Uint8Array(MAX_SEQUENCES_PER_BLOCK);
  private readonly mlCode = new Uint8Array(MAX_SEQUENCES_PER_BLOCK);
  private readonly ofCode = new Uint8Array(MAX_SEQUENCES_PER_BLOCK);
  private readonly headerWriter = new BitWriter(new Uint8Array(0));
  private readonly streamWriter = new BitWriter(new Uint8Array(0));
  private readonly headerScratch = new Uint8Array(512);

  resetFrame(): void {
    this.ll.repeat = null;
    this.of.repeat = null;
    this.ml.repeat = null;
  }

  /** Remembers the repeat tables so a block that ends up stored raw can be undone. */
  saveState(): void {
    this.ll.save();
    this.of.save();
    this.ml.save();
  }

  restoreState(): void {
    this.ll.restore();
    this.of.restore();
    this.ml.restore();
  }

  /** Writes the sequences section for `store` at out[pos]; returns the end position. */
  write(store: SequenceStore, out: Uint8Array, pos: number): number {
    const n = store.count;
    if (n < 128) {
      out[pos++] = n;
    } else if (n < 0x7f00) {
      out[pos++] = (n >> 8) + 128;
      out[pos++] = n & 0xff;
    } else {
      out[pos++] = 255;
      out[pos++] = (n - 0x7f00) & 0xff;
      out[pos++] = (n - 0x7f00) >> 8;
    }
    if (n === 0) return pos;

    const { litLength, matchLength, offsetValue } = store;
    const llCode = this.llCode;
    const mlCode = this.mlCode;
    const ofCode = this.ofCode;
    const llCounts = this.ll.counts;
    const mlCounts = this.ml.counts;
    const ofCounts = this.of.counts;
    llCounts.fill(0);
    mlCounts.fill(0);
    ofCounts.fill(0);
    for (let i = 0; i < n; i++) {
      const lc = literalLengthCode(litLength[i]!);
      const mc = matchLengthCode(matchLength[i]!);
      const oc = highBit(offsetValue[i]!);
      llCode[i] = lc;
      mlCode[i] = mc;
      ofCode[i] = oc;
      llCounts[lc]!++;
      mlCounts[mc]!++;
      ofCounts[oc]!++;
    }

    const modesPos = pos++;
    let choice = this.chooseAndWriteTable(this.ll, n, out, pos);
    const llMode = choice.mode;
    const llTable = choice.table;
    choice = this.chooseAndWriteTable(this.of, n, out, choice.end);
    const ofMode = choice.mode;
    const ofTable = choice.table;
    choice = this.chooseAndWriteTable(this.ml, n, out, choice.end);
    const mlMode = choice.mode;
    const mlTable = choice.table;
    pos = choice.end;
    out[modesPos] = (llMode << 6) | (ofMode << 4) | (mlMode << 2);

    const w = this.streamWriter;
    w.reset(out, pos);

    // Written in exact reverse of the decoder's reads: it reads the initial states
    // (LL, OF, ML), then per sequence the extra bits (OF, ML, LL) followed by the
    // state updates (LL, ML, OF).
    let last = n - 1;
    let llState = llTable ? llTable.initialState(llCode[last]!) : 0;
    let ofState = ofTable ? ofTable.initialState(ofCode[last]!) : 0;
    let mlState = mlTable ? mlTable.initialState(mlCode[last]!) : 0;
    this.writeExtraBits(w, store, last);
    for (let i = n - 2; i >= 0; i--) {
      if (ofTable) ofState = ofTable.encode(w, ofState, ofCode[i]!);
      if (mlTable) mlState = mlTable.encode(w, mlState, mlCode[i]!);
      if (llTable) llState = llTable.encode(w, llState, llCode[i]!);
      this.writeExtraBits(w, store, i);
    }
    if (mlTable) w.addBits(mlState, mlTable.accuracyLog);
    if (ofTable) w.addBits(ofState, ofTable.accuracyLog);
    if (llTable) w.addBits(llState, llTable.accuracyLog);
    last = w.closeWithMarker();
    return last;
  }

  private writeExtraBits(w: BitWriter, store: SequenceStore, i: number): void {
    const lc = this.llCode[i]!;
    const mc = this.mlCode[i]!;
    const oc = this.ofCode[i]!;
    if (LL_BITS[lc] !== 0) w.addBits(store.litLength[i]! - LL_BASE[lc]!, LL_BITS[lc]!);
    if (ML_BITS[mc] !== 0) w.addBits(store.matchLength[i]! - ML_BASE[mc]!, ML_BITS[mc]!);
    if (oc !== 0) w.addWideBits(store.offsetValue[i]! - (1 << oc), oc);
  }

  private readonly choice = { mode: SymbolMode.Predefined, table: null as FseTable | null, end: 0 };

  /**
   * Picks the cheapest mode for one symbol type from its histogram, writes the
   * table description it needs, and updates the repeat state.
   */
  private chooseAndWriteTable(
    state: SymbolTypeState,
    n: number,
    out: Uint8Array,
    pos: number,
  ): { mode: SymbolMode; table: FseTable | null; end: number } {
    const counts = state.counts;
    let maxSymbol = 0;
    let distinct = 0;
    for (let s = 0; s <= state.maxCode; s++) {
      if (counts[s] !== 0) {
        maxSymbol = s;
        distinct++;
      }
    }
    const choice = this.choice;
    if (distinct === 1 && n > 2) {
      // RLE: one byte, no bits per sequence. The decoder's RLE table is not an FSE
      // table we could rebuild, so a later Repeat_Mode is not offered after it.
      out[pos] = maxSymbol;
      state.repeat = null;
      choice.mode = SymbolMode.RLE;
      choice.table = null;
      choice.end = pos + 1;
      return choice;
    }

    const predefinedBits = state.predefined.cost(counts, maxSymbol);
    const repeatBits = state.repeat ? state.repeat.cost(counts, maxSymbol) : Infinity;

    // A new table: try accuracies from the minimum up to what the sample size supports.
    let bestBits = Infinity;
    let bestLog = 0;
    let bestHeader = 0;
    const maxLog = Math.min(state.maxLog, Math.max(FSE_MIN_TABLE_LOG, highBit(n) + 1));
    const minLog = Math.max(FSE_MIN_TABLE_LOG, Math.min(maxLog, highBit(distinct) + 1));
    if (n >= 8 && distinct > 1) {
      const scratchTable = state.freeSlot();
      for (let log = minLog; log <= maxLog; log++) {
        normalizeCounts(counts, maxSymbol, n, log, state.norm);
        const headerEnd = writeFseTableDescription(this.headerScratch, 0, state.norm, maxSymbol, log, this.headerWriter);
        scratchTable.build(state.norm, maxSymbol, log);
        const bits = scratchTable.cost(counts, maxSymbol) + 8 * headerEnd;
        if (bits < bestBits) {
          bestBits = bits;
          bestLog = log;
          bestHeader = headerEnd;
          state.bestNorm.set(state.norm);
        }
      }
    }

    if (bestBits < predefinedBits && bestBits < repeatBits) {
      const table = state.freeSlot().build(state.bestNorm, maxSymbol, bestLog);
      writeFseTableDescription(out, pos, state.bestNorm, maxSymbol, bestLog, this.headerWriter);
      state.repeat = table;
      choice.mode = SymbolMode.Compressed;
      choice.table = table;
      choice.end = pos + bestHeader;
      return choice;
    }
    if (repeatBits <= predefinedBits) {
      choice.mode = SymbolMode.Repeat;
      choice.table = state.repeat;
      choice.end = pos;
      return choice;
    }
    state.repeat = state.predefined;
    choice.mode = SymbolMode.Predefined;
    choice.table = state.predefined;
    choice.end = pos;
    return choice;
  }
}
