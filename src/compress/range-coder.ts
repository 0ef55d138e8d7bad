/**
 * C ENet's adaptive order-2 PPM range coder (compress.c in ENet 1.3.17), written
 * from its documented constants and model rules. A decoder can only follow an
 * encoder whose model evolves identically, so every update, rescale and integer
 * truncation below mirrors libenet: 8-bit symbol values and counts, 16-bit
 * under/total/escape fields and 16-bit locals, 32-bit unsigned coder state.
 *
 * Model layout: a pool of ENET_RANGE_CODER_SYMBOL_POOL symbols. Each symbol is a
 * node in the binary tree of its context (value, count, under = count of the
 * node plus its left subtree) and is itself a context for the next byte
 * (symbols = tree root, escapes, total). `parent` links a symbol to the symbol of
 * the same byte in the next-lower-order context. Pool index 0 is the order-0 root
 * context.
 *
 * Storage: one Uint16Array, 8 slots (16 bytes, like libenet's ENetSymbol) per
 * symbol, so a tree walk touches one cache line per node. A symbol is named by
 * its slot offset (index * 8); links hold offsets and 0 means "none" because the
 * root is never anyone's child. Value (low byte) and count (high byte) share a slot.
 */

export const ENET_RANGE_CODER_TOP = 1 << 24;
export const ENET_RANGE_CODER_BOTTOM = 1 << 16;
export const ENET_CONTEXT_SYMBOL_DELTA = 3;
export const ENET_CONTEXT_SYMBOL_MINIMUM = 1;
export const ENET_CONTEXT_ESCAPE_MINIMUM = 1;
export const ENET_SUBCONTEXT_ORDER = 2;
export const ENET_SUBCONTEXT_SYMBOL_DELTA = 2;
export const ENET_SUBCONTEXT_ESCAPE_DELTA = 5;
/** Symbols in libenet's ENetRangeCoder; the model restarts when it is nearly full. */
export const ENET_RANGE_CODER_SYMBOL_POOL = 4096;

const ROOT = 0;
/** Rescale when a context's total would no longer leave headroom below BOTTOM. */
const TOTAL_RESCALE_THRESHOLD = ENET_RANGE_CODER_BOTTOM - 0x100;
const SUBCONTEXT_COUNT_RESCALE_THRESHOLD = 0xff - 2 * ENET_SUBCONTEXT_SYMBOL_DELTA;
const ROOT_COUNT_RESCALE_THRESHOLD = 0xff - 2 * ENET_CONTEXT_SYMBOL_DELTA + ENET_CONTEXT_SYMBOL_MINIMUM;
/** Where the symbol found in the current context gets linked: the `predicted` variable. */
const LINK_PREDICTED = -1;

/** Slot layout of one symbol. */
const VALUE_COUNT = 0;
const UNDER = 1;
const LEFT = 2;
const RIGHT = 3;
const SYMBOLS = 4;
const ESCAPES = 5;
const TOTAL = 6;
const PARENT = 7;
const SLOTS = 8;
const SLOT_SHIFT = 3;

/**
 * One coder's model and scratch state. Create one per host/connection and reuse
 * it: compress/decompress allocate nothing.
 */
export class RangeCoder {
  private readonly pool = new Uint16Array(ENET_RANGE_CODER_SYMBOL_POOL * SLOTS);
  private nextSymbol = 0;
  /** Offset of the highest-order context for the next byte. */
  private predicted = 0;
  private order = 0;
  /** Whether the last decompressInto returned 0 only because the output did not fit. */
  outOfRoom = false;

  // Results of the last context lookup (16-bit, like libenet's locals).
  private foundUnder = 0;
  private foundCount = 0;
  private foundValue = 0;

  // Coder state shared by the encode/decode helpers during one call.
  private low = 0;
  private range = 0;
  private code = 0;
  private io: Uint8Array = EMPTY;
  private ioPos = 0;
  private ioEnd = 0;

  /**
   * Compress the concatenation of `inputs` into `out[0..outLimit)`.
   * Returns the compressed length, or 0 exactly where libenet's
   * enet_range_coder_compress returns 0 (empty input, or output would pass outLimit).
   */
  compressInto(inputs: Uint8Array | readonly Uint8Array[], out: Uint8Array, outLimit: number): number {
    const limit = Math.min(outLimit, out.length);
    let inputLength = 0;
    if (inputs instanceof Uint8Array) inputLength = inputs.length;
    else for (let i = 0; i < inputs.length; i++) inputLength += inputs[i]!.length;
    if (inputLength <= 0) return 0;

    this.io = out;
    this.ioPos = 0;
    this.ioEnd = limit;
    this.low = 0;
    this.range = 0xffffffff;
    this.predicted = 0;
    this.order = 0;
    this.resetModel();
    let ok = true;
    if (inputs instanceof Uint8Array) ok = this.encodeBytes(inputs);
    else for (let b = 0; b < inputs.length && ok; b++) ok = this.encodeBytes(inputs[b]!);
    // Flush: emit the remaining significant bytes of `low`.
    let low = this.low;
    while (ok && low !== 0) {
      if (this.ioPos >= this.ioEnd) ok = false;
      else {
        out[this.ioPos++] = low >>> 24;
        low = (low << 8) >>> 0;
      }
    }
    this.io = EMPTY;
    return ok ? this.ioPos : 0;
  }

  /** Code each byte of `data`, continuing the current model; false when the output is full. */
  private encodeBytes(data: Uint8Array): boolean {
    const pool = this.pool;
    for (let i = 0; i < data.length; i++) {
      const value = data[i]!;
      let link = LINK_PREDICTED;
      let coded = false;
      for (let sub = this.predicted; sub !== ROOT; sub = pool[sub + PARENT]!) {
        const symbol = this.contextEncode(sub, value, ENET_SUBCONTEXT_SYMBOL_DELTA, 0);
        if (link === LINK_PREDICTED) this.predicted = symbol;
        else pool[link + PARENT] = symbol;
        link = symbol;
        const contextTotal = pool[sub + TOTAL]!;
        const count = this.foundCount;
        if (count > 0) {
          if (!this.encode(pool[sub + ESCAPES]! + this.foundUnder, count, contextTotal)) return false;
        } else {
          const escapes = pool[sub + ESCAPES]!;
          if (escapes > 0 && escapes < contextTotal) {
            if (!this.encode(0, escapes, contextTotal)) return false;
          }
          pool[sub + ESCAPES] += ENET_SUBCONTEXT_ESCAPE_DELTA;
          pool[sub + TOTAL] += ENET_SUBCONTEXT_ESCAPE_DELTA;
        }
        pool[sub + TOTAL] += ENET_SUBCONTEXT_SYMBOL_DELTA;
        if (count > SUBCONTEXT_COUNT_RESCALE_THRESHOLD || pool[sub + TOTAL]! > TOTAL_RESCALE_THRESHOLD) {
          this.rescaleContext(sub, 0);
        }
        if (count > 0) {
          coded = true;
          break;
        }
      }
      if (!coded) {
        const symbol = this.contextEncode(ROOT, value, ENET_CONTEXT_SYMBOL_DELTA, ENET_CONTEXT_SYMBOL_MINIMUM);
        if (link === LINK_PREDICTED) this.predicted = symbol;
        else pool[link + PARENT] = symbol;
        const count = this.foundCount;
        if (!this.encode(pool[ROOT + ESCAPES]! + this.foundUnder, count, pool[ROOT + TOTAL]!)) return false;
        pool[ROOT + TOTAL] += ENET_CONTEXT_SYMBOL_DELTA;
        if (count > ROOT_COUNT_RESCALE_THRESHOLD || pool[ROOT + TOTAL]! > TOTAL_RESCALE_THRESHOLD) {
          this.rescaleContext(ROOT, ENET_CONTEXT_SYMBOL_MINIMUM);
        }
      }
      this.advanceContext();
    }
    return true;
  }

  /** Move to the next byte's context, restarting the model when the symbol pool is nearly full. */
  private advanceContext(): void {
    if (this.order >= ENET_SUBCONTEXT_ORDER) this.predicted = this.pool[this.predicted + PARENT]!;
    else this.order++;
    if (this.nextSymbol >= ENET_RANGE_CODER_SYMBOL_POOL - ENET_SUBCONTEXT_ORDER) {
      this.resetModel();
      this.predicted = 0;
      this.order = 0;
    }
  }

  /**
   * Decompress `input` into `out[0..outLimit)`. Returns the decompressed length,
   * or 0 exactly where libenet's enet_range_coder_decompress returns 0 (empty
   * input, a code that names no symbol, or output that would pass outLimit).
   * Missing input bytes read as zero, as in libenet. Never loops without
   * consuming output, so the work is bounded by outLimit.
   */
  decompressInto(input: Uint8Array, out: Uint8Array, outLimit: number): number {
    const limit = Math.min(outLimit, out.length);
    if (input.length <= 0) return 0;
    this.io = input;
    this.ioPos = 0;
    this.ioEnd = input.length;
    this.low = 0;
    this.range = 0xffffffff;
    let code = 0;
    for (let shift = 24; shift >= 0; shift -= 8) {
      if (this.ioPos < this.ioEnd) code = (code | (input[this.ioPos++]! << shift)) >>> 0;
    }
    this.code = code;
    this.predicted = 0;
    this.order = 0;
    this.outOfRoom = false;
    this.resetModel();
    const result = this.decodeAll(out, limit);
    this.io = EMPTY;
    return result;
  }

  private decodeAll(out: Uint8Array, limit: number): number {
    const pool = this.pool;
    let outPos = 0;
    for (;;) {
      let link = LINK_PREDICTED;
      let bottom = 0;
      let sub = this.predicted;
      let found = false;
      for (; sub !== ROOT; sub = pool[sub + PARENT]!) {
        const contextEscapes = pool[sub + ESCAPES]!;
        if (contextEscapes <= 0) continue;
        const contextTotal = pool[sub + TOTAL]!;
        if (contextEscapes >= contextTotal) continue;
        let symbolCode = this.read(contextTotal);
        if (symbolCode < contextEscapes) {
          if (!this.decode(0, contextEscapes)) return 0;
          continue;
        }
        symbolCode -= contextEscapes;
        const symbol = this.contextDecode(sub, symbolCode, ENET_SUBCONTEXT_SYMBOL_DELTA, 0, false);
        if (symbol < 0) return 0;
        bottom = symbol;
        const count = this.foundCount;
        if (!this.decode(contextEscapes + this.foundUnder, count)) return 0;
        pool[sub + TOTAL] += ENET_SUBCONTEXT_SYMBOL_DELTA;
        if (count > SUBCONTEXT_COUNT_RESCALE_THRESHOLD || pool[sub + TOTAL]! > TOTAL_RESCALE_THRESHOLD) {
          this.rescaleContext(sub, 0);
        }
        found = true;
        break;
      }
      if (!found) {
        const rootTotal = pool[ROOT + TOTAL]!;
        const rootEscapes = pool[ROOT + ESCAPES]!;
        let symbolCode = this.read(rootTotal);
        if (symbolCode < rootEscapes) {
          // The escape out of the order-0 context marks the end of the stream.
          if (!this.decode(0, rootEscapes)) return 0;
          break;
        }
        symbolCode -= rootEscapes;
        const symbol = this.contextDecode(ROOT, symbolCode, ENET_CONTEXT_SYMBOL_DELTA, ENET_CONTEXT_SYMBOL_MINIMUM, true);
        bottom = symbol;
        const count = this.foundCount;
        if (!this.decode(rootEscapes + this.foundUnder, count)) return 0;
        pool[ROOT + TOTAL] += ENET_CONTEXT_SYMBOL_DELTA;
        if (count > ROOT_COUNT_RESCALE_THRESHOLD || pool[ROOT + TOTAL]! > TOTAL_RESCALE_THRESHOLD) {
          this.rescaleContext(ROOT, ENET_CONTEXT_SYMBOL_MINIMUM);
        }
        sub = ROOT;
      }
      const value = this.foundValue;

      // Teach the higher-order contexts that escaped the byte they just missed.
      for (let patch = this.predicted; patch !== sub; patch = pool[patch + PARENT]!) {
        const symbol = this.contextEncode(patch, value, ENET_SUBCONTEXT_SYMBOL_DELTA, 0);
        if (link === LINK_PREDICTED) this.predicted = symbol;
        else pool[link + PARENT] = symbol;
        link = symbol;
        const count = this.foundCount;
        if (count <= 0) {
          pool[patch + ESCAPES] += ENET_SUBCONTEXT_ESCAPE_DELTA;
          pool[patch + TOTAL] += ENET_SUBCONTEXT_ESCAPE_DELTA;
        }
        pool[patch + TOTAL] += ENET_SUBCONTEXT_SYMBOL_DELTA;
        if (count > SUBCONTEXT_COUNT_RESCALE_THRESHOLD || pool[patch + TOTAL]! > TOTAL_RESCALE_THRESHOLD) {
          this.rescaleContext(patch, 0);
        }
      }
      if (link === LINK_PREDICTED) this.predicted = bottom;
      else pool[link + PARENT] = bottom;

      if (outPos >= limit) {
        this.outOfRoom = true;
        return 0;
      }
      out[outPos++] = value;
      this.advanceContext();
    }
    return outPos;
  }

  private resetModel(): void {
    this.nextSymbol = 0;
    const root = this.createSymbol(0, 0);
    this.pool[root + ESCAPES] = ENET_CONTEXT_ESCAPE_MINIMUM;
    this.pool[root + TOTAL] = ENET_CONTEXT_ESCAPE_MINIMUM + 256 * ENET_CONTEXT_SYMBOL_MINIMUM;
  }

  private createSymbol(value: number, count: number): number {
    const s = this.nextSymbol++ << SLOT_SHIFT;
    const pool = this.pool;
    pool[s + VALUE_COUNT] = value | (count << 8);
    pool[s + UNDER] = count;
    pool[s + LEFT] = 0;
    pool[s + RIGHT] = 0;
    pool[s + SYMBOLS] = 0;
    pool[s + ESCAPES] = 0;
    pool[s + TOTAL] = 0;
    pool[s + PARENT] = 0;
    return s;
  }

  /**
   * Find or insert `value` in `context`'s tree, adding `update` to its count.
   * Sets foundUnder (cumulative count below it, with `minimum` per smaller byte
   * value) and foundCount (its count before the update plus `minimum`; just
   * `minimum` when the symbol is new).
   */
  private contextEncode(context: number, value: number, update: number, minimum: number): number {
    const pool = this.pool;
    let under = value * minimum;
    let count = minimum;
    let symbol: number;
    let node = pool[context + SYMBOLS]!;
    if (node === 0) {
      symbol = this.createSymbol(value, update);
      pool[context + SYMBOLS] = symbol;
    } else {
      for (;;) {
        const valueCount = pool[node + VALUE_COUNT]!;
        const nodeValue = valueCount & 0xff;
        if (value < nodeValue) {
          pool[node + UNDER] += update;
          const left = pool[node + LEFT]!;
          if (left !== 0) {
            node = left;
            continue;
          }
          symbol = this.createSymbol(value, update);
          pool[node + LEFT] = symbol;
        } else if (value > nodeValue) {
          under = (under + pool[node + UNDER]!) & 0xffff;
          const right = pool[node + RIGHT]!;
          if (right !== 0) {
            node = right;
            continue;
          }
          symbol = this.createSymbol(value, update);
          pool[node + RIGHT] = symbol;
        } else {
          const nodeCount = valueCount >>> 8;
          count = (count + nodeCount) & 0xffff;
          under = (under + pool[node + UNDER]! - nodeCount) & 0xffff;
          pool[node + UNDER] += update;
          pool[node + VALUE_COUNT] = nodeValue | (((nodeCount + update) & 0xff) << 8);
          symbol = node;
        }
        break;
      }
    }
    this.foundUnder = under;
    this.foundCount = count;
    return symbol;
  }

  /**
   * Find the symbol whose interval holds `code` in `context`. In the root
   * context (`createMissing`), a code between known symbols names a byte not yet
   * seen, which is created; in a subcontext that means corrupt input (-1).
   * Sets foundValue, foundUnder and foundCount like contextEncode.
   */
  private contextDecode(context: number, code: number, update: number, minimum: number, createMissing: boolean): number {
    const pool = this.pool;
    let under = 0;
    let count = minimum;
    let value = 0;
    let symbol: number;
    let node = pool[context + SYMBOLS]!;
    if (node === 0) {
      if (!createMissing) return -1;
      value = Math.floor(code / minimum) & 0xff;
      under = (code - (code % minimum)) & 0xffff;
      symbol = this.createSymbol(value, update);
      pool[context + SYMBOLS] = symbol;
    } else {
      for (;;) {
        const valueCount = pool[node + VALUE_COUNT]!;
        const nodeValue = valueCount & 0xff;
        const nodeCount = valueCount >>> 8;
        const nodeUnder = pool[node + UNDER]!;
        const after = (under + nodeUnder + (nodeValue + 1) * minimum) & 0xffff;
        const before = (nodeCount + minimum) & 0xffff;
        if (code >= after) {
          under = (under + nodeUnder) & 0xffff;
          const right = pool[node + RIGHT]!;
          if (right !== 0) {
            node = right;
            continue;
          }
          if (!createMissing) return -1;
          const skipped = code - after;
          value = (nodeValue + 1 + Math.floor(skipped / minimum)) & 0xff;
          under = (code - (skipped % minimum)) & 0xffff;
          symbol = this.createSymbol(value, update);
          pool[node + RIGHT] = symbol;
        } else if (code < after - before) {
          pool[node + UNDER] += update;
          const left = pool[node + LEFT]!;
          if (left !== 0) {
            node = left;
            continue;
          }
          if (!createMissing) return -1;
          const skipped = after - before - code - 1;
          value = (nodeValue - 1 - Math.floor(skipped / minimum)) & 0xff;
          under = (code - (skipped % minimum)) & 0xffff;
          symbol = this.createSymbol(value, update);
          pool[node + LEFT] = symbol;
        } else {
          value = nodeValue;
          count = (count + nodeCount) & 0xffff;
          under = (after - before) & 0xffff;
          pool[node + UNDER] += update;
          pool[node + VALUE_COUNT] = nodeValue | (((nodeCount + update) & 0xff) << 8);
          symbol = node;
        }
        break;
      }
    }
    this.foundValue = value;
    this.foundUnder = under;
    this.foundCount = count;
    return symbol;
  }

  /** Halve every count in the tree rooted at `symbol`; returns the new sum (16-bit). */
  private rescaleTree(symbol: number): number {
    const pool = this.pool;
    let total = 0;
    let node = symbol;
    for (;;) {
      const valueCount = pool[node + VALUE_COUNT]!;
      const oldCount = valueCount >>> 8;
      const newCount = oldCount - (oldCount >> 1);
      pool[node + VALUE_COUNT] = (valueCount & 0xff) | (newCount << 8);
      pool[node + UNDER] = newCount;
      const left = pool[node + LEFT]!;
      if (left !== 0) pool[node + UNDER] += this.rescaleTree(left);
      total = (total + pool[node + UNDER]!) & 0xffff;
      const right = pool[node + RIGHT]!;
      if (right === 0) break;
      node = right;
    }
    return total;
  }

  private rescaleContext(context: number, minimum: number): void {
    const pool = this.pool;
    const tree = pool[context + SYMBOLS]!;
    pool[context + TOTAL] = tree !== 0 ? this.rescaleTree(tree) : 0;
    pool[context + ESCAPES] -= pool[context + ESCAPES]! >> 1;
    pool[context + TOTAL] += pool[context + ESCAPES]! + 256 * minimum;
  }

  /** Narrow the range to [under, under+count) of `total` and shift out settled bytes. */
  private encode(under: number, count: number, total: number): boolean {
    let range = (this.range / total) >>> 0;
    let low = (this.low + Math.imul(under, range)) >>> 0;
    range = Math.imul(range, count) >>> 0;
    for (;;) {
      if ((low ^ ((low + range) >>> 0)) >>> 0 >= ENET_RANGE_CODER_TOP) {
        if (range >= ENET_RANGE_CODER_BOTTOM) break;
        // Carry-less coder: shrink the range so it stops short of the byte boundary.
        range = -low & (ENET_RANGE_CODER_BOTTOM - 1);
      }
      if (this.ioPos >= this.ioEnd) return false;
      this.io[this.ioPos++] = low >>> 24;
      range = (range << 8) >>> 0;
      low = (low << 8) >>> 0;
    }
    this.low = low;
    this.range = range;
    return true;
  }

  /** The decoder's view of the next symbol: its position within `total` (16-bit, as libenet truncates it). */
  private read(total: number): number {
    this.range = (this.range / total) >>> 0;
    return (((this.code - this.low) >>> 0) / this.range) & 0xffff;
  }

  /** Consume the interval [under, under+count) chosen after read(); refill code bytes. */
  private decode(under: number, count: number): boolean {
    let low = (this.low + Math.imul(under, this.range)) >>> 0;
    let range = Math.imul(this.range, count) >>> 0;
    let code = this.code;
    for (;;) {
      if ((low ^ ((low + range) >>> 0)) >>> 0 >= ENET_RANGE_CODER_TOP) {
        if (range >= ENET_RANGE_CODER_BOTTOM) break;
        range = -low & (ENET_RANGE_CODER_BOTTOM - 1);
      }
      // Defensive: libenet would spin here forever; a valid stream never gets here.
      if (range === 0) return false;
      code = (code << 8) >>> 0;
      if (this.ioPos < this.ioEnd) code = (code | this.io[this.ioPos++]!) >>> 0;
      range = (range << 8) >>> 0;
      low = (low << 8) >>> 0;
    }
    this.low = low;
    this.range = range;
    this.code = code;
    return true;
  }
}

const EMPTY = new Uint8Array(0);
