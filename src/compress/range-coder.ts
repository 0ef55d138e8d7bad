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
 * context. Links are stored as absolute pool indices; 0 means "none" because the
 * root is never anyone's child.
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

/**
 * One coder's model and scratch state. Create one per host/connection and reuse
 * it: compress/decompress allocate nothing.
 */
export class RangeCoder {
  private readonly value = new Uint8Array(ENET_RANGE_CODER_SYMBOL_POOL);
  private readonly count = new Uint8Array(ENET_RANGE_CODER_SYMBOL_POOL);
  private readonly under = new Uint16Array(ENET_RANGE_CODER_SYMBOL_POOL);
  private readonly left = new Uint16Array(ENET_RANGE_CODER_SYMBOL_POOL);
  private readonly right = new Uint16Array(ENET_RANGE_CODER_SYMBOL_POOL);
  private readonly symbols = new Uint16Array(ENET_RANGE_CODER_SYMBOL_POOL);
  private readonly escapes = new Uint16Array(ENET_RANGE_CODER_SYMBOL_POOL);
  private readonly total = new Uint16Array(ENET_RANGE_CODER_SYMBOL_POOL);
  private readonly parent = new Uint16Array(ENET_RANGE_CODER_SYMBOL_POOL);
  private nextSymbol = 0;
  private predicted = 0;
  private order = 0;

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
    if (inputs instanceof Uint8Array) {
      if (!this.encodeBytes(inputs)) return 0;
    } else {
      for (let b = 0; b < inputs.length; b++) if (!this.encodeBytes(inputs[b]!)) return 0;
    }

    // Flush: emit the remaining significant bytes of `low`.
    let low = this.low;
    while (low !== 0) {
      if (this.ioPos >= this.ioEnd) return 0;
      out[this.ioPos++] = low >>> 24;
      low = (low << 8) >>> 0;
    }
    this.io = EMPTY;
    return this.ioPos;
  }

  /** Code each byte of `data`, continuing the current model; false when the output is full. */
  private encodeBytes(data: Uint8Array): boolean {
    const escapes = this.escapes;
    const total = this.total;
    const parent = this.parent;
    for (let i = 0; i < data.length; i++) {
      const value = data[i]!;
      let link = LINK_PREDICTED;
      let coded = false;
      for (let sub = this.predicted; sub !== ROOT; sub = parent[sub]!) {
        const symbol = this.contextEncode(sub, value, ENET_SUBCONTEXT_SYMBOL_DELTA, 0);
        this.setLink(link, symbol);
        link = symbol;
        const contextTotal = total[sub]!;
        const count = this.foundCount;
        if (count > 0) {
          if (!this.encode(escapes[sub]! + this.foundUnder, count, contextTotal)) return false;
        } else {
          if (escapes[sub]! > 0 && escapes[sub]! < contextTotal) {
            if (!this.encode(0, escapes[sub]!, contextTotal)) return false;
          }
          escapes[sub] += ENET_SUBCONTEXT_ESCAPE_DELTA;
          total[sub] += ENET_SUBCONTEXT_ESCAPE_DELTA;
        }
        total[sub] += ENET_SUBCONTEXT_SYMBOL_DELTA;
        if (count > SUBCONTEXT_COUNT_RESCALE_THRESHOLD || total[sub]! > TOTAL_RESCALE_THRESHOLD) {
          this.rescaleContext(sub, 0);
        }
        if (count > 0) {
          coded = true;
          break;
        }
      }
      if (!coded) {
        const symbol = this.contextEncode(ROOT, value, ENET_CONTEXT_SYMBOL_DELTA, ENET_CONTEXT_SYMBOL_MINIMUM);
        this.setLink(link, symbol);
        const count = this.foundCount;
        if (!this.encode(escapes[ROOT]! + this.foundUnder, count, total[ROOT]!)) return false;
        total[ROOT] += ENET_CONTEXT_SYMBOL_DELTA;
        if (count > ROOT_COUNT_RESCALE_THRESHOLD || total[ROOT]! > TOTAL_RESCALE_THRESHOLD) {
          this.rescaleContext(ROOT, ENET_CONTEXT_SYMBOL_MINIMUM);
        }
      }
      this.advanceContext();
    }
    return true;
  }

  /** Move to the next byte's context, restarting the model when the symbol pool is nearly full. */
  private advanceContext(): void {
    if (this.order >= ENET_SUBCONTEXT_ORDER) this.predicted = this.parent[this.predicted]!;
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
    this.resetModel();
    let outPos = 0;

    const escapes = this.escapes;
    const total = this.total;
    const parent = this.parent;
    for (;;) {
      let link = LINK_PREDICTED;
      let bottom = 0;
      let sub = this.predicted;
      let found = false;
      for (; sub !== ROOT; sub = parent[sub]!) {
        const contextEscapes = escapes[sub]!;
        if (contextEscapes <= 0) continue;
        const contextTotal = total[sub]!;
        if (contextEscapes >= contextTotal) continue;
        let symbolCode = this.read(contextTotal);
        if (symbolCode < contextEscapes) {
          if (!this.decode(0, contextEscapes, contextTotal)) return 0;
          continue;
        }
        symbolCode -= contextEscapes;
        const symbol = this.contextDecode(sub, symbolCode, ENET_SUBCONTEXT_SYMBOL_DELTA, 0, false);
        if (symbol < 0) return 0;
        bottom = symbol;
        const count = this.foundCount;
        if (!this.decode(contextEscapes + this.foundUnder, count, contextTotal)) return 0;
        total[sub] += ENET_SUBCONTEXT_SYMBOL_DELTA;
        if (count > SUBCONTEXT_COUNT_RESCALE_THRESHOLD || total[sub]! > TOTAL_RESCALE_THRESHOLD) {
          this.rescaleContext(sub, 0);
        }
        found = true;
        break;
      }
      if (!found) {
        const rootTotal = total[ROOT]!;
        let symbolCode = this.read(rootTotal);
        if (symbolCode < escapes[ROOT]!) {
          // The escape out of the order-0 context marks the end of the stream.
          if (!this.decode(0, escapes[ROOT]!, rootTotal)) return 0;
          break;
        }
        symbolCode -= escapes[ROOT]!;
        const symbol = this.contextDecode(
          ROOT,
          symbolCode,
          ENET_CONTEXT_SYMBOL_DELTA,
          ENET_CONTEXT_SYMBOL_MINIMUM,
          true,
        );
        bottom = symbol;
        const count = this.foundCount;
        if (!this.decode(escapes[ROOT]! + this.foundUnder, count, rootTotal)) return 0;
        total[ROOT] += ENET_CONTEXT_SYMBOL_DELTA;
        if (count > ROOT_COUNT_RESCALE_THRESHOLD || total[ROOT]! > TOTAL_RESCALE_THRESHOLD) {
          this.rescaleContext(ROOT, ENET_CONTEXT_SYMBOL_MINIMUM);
        }
        sub = ROOT;
      }
      const value = this.foundValue;

      // Teach the higher-order contexts that escaped the byte they just missed.
      for (let patch = this.predicted; patch !== sub; patch = parent[patch]!) {
        const symbol = this.contextEncode(patch, value, ENET_SUBCONTEXT_SYMBOL_DELTA, 0);
        this.setLink(link, symbol);
        link = symbol;
        const count = this.foundCount;
        if (count <= 0) {
          escapes[patch] += ENET_SUBCONTEXT_ESCAPE_DELTA;
          total[patch] += ENET_SUBCONTEXT_ESCAPE_DELTA;
        }
        total[patch] += ENET_SUBCONTEXT_SYMBOL_DELTA;
        if (count > SUBCONTEXT_COUNT_RESCALE_THRESHOLD || total[patch]! > TOTAL_RESCALE_THRESHOLD) {
          this.rescaleContext(patch, 0);
        }
      }
      this.setLink(link, bottom);

      if (outPos >= limit) return 0;
      out[outPos++] = value;
      this.advanceContext();
    }
    this.io = EMPTY;
    return outPos;
  }

  private resetModel(): void {
    this.nextSymbol = 0;
    const root = this.createSymbol(0, 0);
    this.escapes[root] = ENET_CONTEXT_ESCAPE_MINIMUM;
    this.total[root] = ENET_CONTEXT_ESCAPE_MINIMUM + 256 * ENET_CONTEXT_SYMBOL_MINIMUM;
  }

  private createSymbol(value: number, count: number): number {
    const s = this.nextSymbol++;
    this.value[s] = value;
    this.count[s] = count;
    this.under[s] = count;
    this.left[s] = 0;
    this.right[s] = 0;
    this.symbols[s] = 0;
    this.escapes[s] = 0;
    this.total[s] = 0;
    this.parent[s] = 0;
    return s;
  }

  private setLink(link: number, symbol: number): void {
    if (link === LINK_PREDICTED) this.predicted = symbol;
    else this.parent[link] = symbol;
  }

  /**
   * Find or insert `value` in `context`'s tree, adding `update` to its count.
   * Sets foundUnder (cumulative count below it, with `minimum` per smaller byte
   * value) and foundCount (its count before the update plus `minimum`; just
   * `minimum` when the symbol is new).
   */
  private contextEncode(context: number, value: number, update: number, minimum: number): number {
    const values = this.value;
    const counts = this.count;
    const unders = this.under;
    const lefts = this.left;
    const rights = this.right;
    let under = value * minimum;
    let count = minimum;
    let symbol: number;
    if (this.symbols[context] === 0) {
      symbol = this.createSymbol(value, update);
      this.symbols[context] = symbol;
    } else {
      let node = this.symbols[context]!;
      for (;;) {
        const nodeValue = values[node]!;
        if (value < nodeValue) {
          unders[node] += update;
          if (lefts[node] !== 0) {
            node = lefts[node]!;
            continue;
          }
          symbol = this.createSymbol(value, update);
          lefts[node] = symbol;
        } else if (value > nodeValue) {
          under = (under + unders[node]!) & 0xffff;
          if (rights[node] !== 0) {
            node = rights[node]!;
            continue;
          }
          symbol = this.createSymbol(value, update);
          rights[node] = symbol;
        } else {
          count = (count + counts[node]!) & 0xffff;
          under = (under + unders[node]! - counts[node]!) & 0xffff;
          unders[node] += update;
          counts[node] += update;
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
    const values = this.value;
    const counts = this.count;
    const unders = this.under;
    const lefts = this.left;
    const rights = this.right;
    let under = 0;
    let count = minimum;
    let value = 0;
    let symbol: number;
    if (this.symbols[context] === 0) {
      if (!createMissing) return -1;
      value = Math.floor(code / minimum) & 0xff;
      under = (code - (code % minimum)) & 0xffff;
      symbol = this.createSymbol(value, update);
      this.symbols[context] = symbol;
    } else {
      let node = this.symbols[context]!;
      for (;;) {
        const nodeValue = values[node]!;
        const after = (under + unders[node]! + (nodeValue + 1) * minimum) & 0xffff;
        const before = (counts[node]! + minimum) & 0xffff;
        if (code >= after) {
          under = (under + unders[node]!) & 0xffff;
          if (rights[node] !== 0) {
            node = rights[node]!;
            continue;
          }
          if (!createMissing) return -1;
          const skipped = code - after;
          value = (nodeValue + 1 + Math.floor(skipped / minimum)) & 0xff;
          under = (code - (skipped % minimum)) & 0xffff;
          symbol = this.createSymbol(value, update);
          rights[node] = symbol;
        } else if (code < after - before) {
          unders[node] += update;
          if (lefts[node] !== 0) {
            node = lefts[node]!;
            continue;
          }
          if (!createMissing) return -1;
          const skipped = after - before - code - 1;
          value = (nodeValue - 1 - Math.floor(skipped / minimum)) & 0xff;
          under = (code - (skipped % minimum)) & 0xffff;
          symbol = this.createSymbol(value, update);
          lefts[node] = symbol;
        } else {
          value = nodeValue;
          count = (count + counts[node]!) & 0xffff;
          under = (after - before) & 0xffff;
          unders[node] += update;
          counts[node] += update;
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
    const counts = this.count;
    const unders = this.under;
    const lefts = this.left;
    const rights = this.right;
    let total = 0;
    let node = symbol;
    for (;;) {
      counts[node] -= counts[node]! >> 1;
      unders[node] = counts[node]!;
      if (lefts[node] !== 0) unders[node] += this.rescaleTree(lefts[node]!);
      total = (total + unders[node]!) & 0xffff;
      if (rights[node] === 0) break;
      node = rights[node]!;
    }
    return total;
  }

  private rescaleContext(context: number, minimum: number): void {
    this.total[context] = this.symbols[context] !== 0 ? this.rescaleTree(this.symbols[context]!) : 0;
    this.escapes[context] -= this.escapes[context]! >> 1;
    this.total[context] += this.escapes[context]! + 256 * minimum;
  }

  /** Narrow the range to [under, under+count) of `total` and shift out settled bytes. */
  private encode(under: number, count: number, total: number): boolean {
    let range = (this.range / total) >>> 0;
    let low = (this.low + Math.imul(under, range)) >>> 0;
    range = Math.imul(range, count) >>> 0;
    const out = this.io;
    for (;;) {
      if ((low ^ ((low + range) >>> 0)) >>> 0 >= ENET_RANGE_CODER_TOP) {
        if (range >= ENET_RANGE_CODER_BOTTOM) break;
        // Carry-less coder: shrink the range so it stops short of the byte boundary.
        range = -low & (ENET_RANGE_CODER_BOTTOM - 1);
      }
      if (this.ioPos >= this.ioEnd) return false;
      out[this.ioPos++] = low >>> 24;
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

  private decode(under: number, count: number, _total: number): boolean {
    let low = (this.low + Math.imul(under, this.range)) >>> 0;
    let range = Math.imul(this.range, count) >>> 0;
    let code = this.code;
    const input = this.io;
    for (;;) {
      if ((low ^ ((low + range) >>> 0)) >>> 0 >= ENET_RANGE_CODER_TOP) {
        if (range >= ENET_RANGE_CODER_BOTTOM) break;
        range = -low & (ENET_RANGE_CODER_BOTTOM - 1);
      }
      // Defensive: libenet would spin here forever; a valid stream never gets here.
      if (range === 0) return false;
      code = (code << 8) >>> 0;
      if (this.ioPos < this.ioEnd) code = (code | input[this.ioPos++]!) >>> 0;
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
