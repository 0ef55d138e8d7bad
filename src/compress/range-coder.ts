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

/**
 * The model's constants as a const enum so they compile to literals in the hot
 * loops (a module-level const is a context-slot load on every use in V8 once
 * bundled; these loops use them several times per byte).
 */
const enum Model {
  ROOT = 0,
  /** Where the symbol found in the current context gets linked: the `predicted` variable. */
  LINK_PREDICTED = -1,
  RANGE_CODER_TOP = 1 << 24,
  RANGE_CODER_BOTTOM = 1 << 16,
  CONTEXT_SYMBOL_DELTA = 3,
  CONTEXT_SYMBOL_MINIMUM = 1,
  CONTEXT_ESCAPE_MINIMUM = 1,
  SUBCONTEXT_ORDER = 2,
  SUBCONTEXT_SYMBOL_DELTA = 2,
  SUBCONTEXT_ESCAPE_DELTA = 5,
  SYMBOL_POOL = 4096,
  /** Rescale when a context's total would no longer leave headroom below BOTTOM. */
  TOTAL_RESCALE_THRESHOLD = RANGE_CODER_BOTTOM - 0x100,
  SUBCONTEXT_COUNT_RESCALE_THRESHOLD = 0xff - 2 * SUBCONTEXT_SYMBOL_DELTA,
  ROOT_COUNT_RESCALE_THRESHOLD = 0xff - 2 * CONTEXT_SYMBOL_DELTA + CONTEXT_SYMBOL_MINIMUM,
}

/** Slot layout of one symbol in the pool. */
const enum Slot {
  VALUE_COUNT = 0,
  UNDER = 1,
  LEFT = 2,
  RIGHT = 3,
  SYMBOLS = 4,
  ESCAPES = 5,
  TOTAL = 6,
  PARENT = 7,
  /** Slots per symbol. */
  SIZE = 8,
  SHIFT = 3,
  /** Offset of the first symbol past the point where libenet restarts the model. */
  POOL_RESTART_OFFSET = (Model.SYMBOL_POOL - Model.SUBCONTEXT_ORDER) << SHIFT,
}

export const ENET_RANGE_CODER_TOP = Model.RANGE_CODER_TOP;
export const ENET_RANGE_CODER_BOTTOM = Model.RANGE_CODER_BOTTOM;
export const ENET_CONTEXT_SYMBOL_DELTA = Model.CONTEXT_SYMBOL_DELTA;
export const ENET_CONTEXT_SYMBOL_MINIMUM = Model.CONTEXT_SYMBOL_MINIMUM;
export const ENET_CONTEXT_ESCAPE_MINIMUM = Model.CONTEXT_ESCAPE_MINIMUM;
export const ENET_SUBCONTEXT_ORDER = Model.SUBCONTEXT_ORDER;
export const ENET_SUBCONTEXT_SYMBOL_DELTA = Model.SUBCONTEXT_SYMBOL_DELTA;
export const ENET_SUBCONTEXT_ESCAPE_DELTA = Model.SUBCONTEXT_ESCAPE_DELTA;
/** Symbols in libenet's ENetRangeCoder; the model restarts when it is nearly full. */
export const ENET_RANGE_CODER_SYMBOL_POOL = Model.SYMBOL_POOL;

/** A bound on a single input's length before gathering gives up (ENet datagrams are tiny). */
const MAX_GATHER = 0x7fffffff;

/**
 * One coder's model and scratch state. Create one per host/connection and reuse
 * it: compress/decompress allocate nothing (except growing the gather buffer
 * the first time a split input is larger than any before).
 *
 * Speed: each direction is one function whose coder state (low, range, code,
 * positions, model cursor) lives in locals; the tree walks and the range
 * renormalisation are written out in place rather than called, because V8
 * keeps locals in registers but must load/store object fields on every use.
 * low/range/code are kept as int32 bit patterns (the uint32 values libenet uses,
 * reinterpreted), so they never become heap numbers; unsigned comparisons are
 * done on shifted values.
 */
export class RangeCoder {
  private readonly pool = new Uint16Array(Model.SYMBOL_POOL * Slot.SIZE);
  /**
   * The encoder's order-0 context. libenet keeps it as one more binary tree,
   * which grows to 256 nodes and is walked for every byte no subcontext codes
   * (about ten unpredictable steps). The encoder only needs, per byte value,
   * its symbol, its count and the sum of the counts below it, so it keeps the
   * symbol per value and the counts in a Fenwick tree (1-based: rootSums[k]
   * covers values k - lowbit(k) .. k - 1): the same sums, mod 2^16 like
   * libenet's fields, in eight predictable steps. Counts never pass 255 here
   * (the rescale rule halves them first), so the sum below a value equals
   * libenet's under - count. The decoder keeps the tree: on corrupt input its
   * result depends on the tree's shape, and it must fail exactly as libenet does
   * (a Fenwick decoder that re-decoded such input with a tree measured no faster).
   */
  private readonly rootSymbols = new Uint16Array(256);
  private readonly rootSums = new Uint16Array(257);
  /** Split inputs are copied here once so the coder reads one flat array. */
  private gathered = new Uint8Array(0);
  /** Whether the last decompressInto returned 0 only because the output did not fit. */
  outOfRoom = false;

  /**
   * Compress the concatenation of `inputs` into `out[0..outLimit)`.
   * Returns the compressed length, or 0 exactly where libenet's
   * enet_range_coder_compress returns 0 (empty input, or output would pass outLimit).
   */
  compressInto(inputs: Uint8Array | readonly Uint8Array[], out: Uint8Array, outLimit: number): number {
    const outEnd = Math.min(outLimit, out.length);
    if (inputs instanceof Uint8Array) return this.encodeAll(inputs, inputs.length, out, outEnd);
    if (inputs.length === 1) return this.encodeAll(inputs[0]!, inputs[0]!.length, out, outEnd);
    const length = this.gather(inputs);
    return length < 0 ? 0 : this.encodeAll(this.gathered, length, out, outEnd);
  }

  /** Copy the concatenation of `inputs` to the start of the gather buffer; its length, or -1 if it cannot be held. */
  private gather(inputs: readonly Uint8Array[]): number {
    let length = 0;
    for (let i = 0; i < inputs.length; i++) length += inputs[i]!.length;
    if (length > MAX_GATHER) return -1;
    if (this.gathered.length < length) {
      try {
        this.gathered = new Uint8Array(Math.max(length, this.gathered.length * 2));
      } catch {
        return -1;
      }
    }
    const gathered = this.gathered;
    let pos = 0;
    for (let i = 0; i < inputs.length; i++) {
      gathered.set(inputs[i]!, pos);
      pos += inputs[i]!.length;
    }
    return length;
  }

  /** Code data[0..length) into out[0..outEnd); the length, or 0 as compressInto. */
  private encodeAll(data: Uint8Array, length: number, out: Uint8Array, outEnd: number): number {
    if (length <= 0) return 0;
    const pool = this.pool;
    let outPos = 0;
    let low = 0;
    let range = -1; // 0xffffffff
    let predicted: number = Model.ROOT;
    let order = 0;
    const rootSymbols = this.rootSymbols;
    const rootSums = this.rootSums;
    let nextSymbol = resetModel(pool);
    rootSymbols.fill(0);
    rootSums.fill(0);

    for (let i = 0; i < length; i++) {
      const value = data[i]!;
      let link: number = Model.LINK_PREDICTED;
      // Walk from the highest-order context down to the root until one codes the byte.
      let context = predicted;
      for (;;) {
        const isRoot = context === Model.ROOT;
        const update = isRoot ? Model.CONTEXT_SYMBOL_DELTA : Model.SUBCONTEXT_SYMBOL_DELTA;
        let under: number;
        let count: number;
        let symbol: number;
        if (isRoot) {
          // Order-0 context: per-value symbols and a Fenwick tree of counts stand in
          // for libenet's tree (see rootSums).
          under = value;
          for (let k = value; k > 0; k &= k - 1) under += rootSums[k]!;
          under &= 0xffff;
          symbol = rootSymbols[value]!;
          if (symbol === 0) {
            count = Model.CONTEXT_SYMBOL_MINIMUM;
            symbol = nextSymbol;
            nextSymbol += Slot.SIZE;
            initSymbol(pool, symbol, value, Model.CONTEXT_SYMBOL_DELTA);
            rootSymbols[value] = symbol;
          } else {
            const nodeCount = pool[symbol + Slot.VALUE_COUNT]! >>> 8;
            count = Model.CONTEXT_SYMBOL_MINIMUM + nodeCount;
            pool[symbol + Slot.VALUE_COUNT] = value | (((nodeCount + Model.CONTEXT_SYMBOL_DELTA) & 0xff) << 8);
          }
          for (let k = value + 1; k <= 256; k += k & -k) rootSums[k]! += Model.CONTEXT_SYMBOL_DELTA;
        } else {
          // Find or insert `value` in the context's tree (libenet's ENET_CONTEXT_ENCODE).
          under = 0;
          count = 0;
          let node = pool[context + Slot.SYMBOLS]!;
          if (node === 0) {
            symbol = nextSymbol;
            nextSymbol += Slot.SIZE;
            initSymbol(pool, symbol, value, Model.SUBCONTEXT_SYMBOL_DELTA);
            pool[context + Slot.SYMBOLS] = symbol;
          } else {
            for (;;) {
              const valueCount = pool[node + Slot.VALUE_COUNT]!;
              const nodeValue = valueCount & 0xff;
              if (value < nodeValue) {
                pool[node + Slot.UNDER]! += Model.SUBCONTEXT_SYMBOL_DELTA;
                const left = pool[node + Slot.LEFT]!;
                if (left !== 0) {
                  node = left;
                  continue;
                }
                symbol = nextSymbol;
                nextSymbol += Slot.SIZE;
                initSymbol(pool, symbol, value, Model.SUBCONTEXT_SYMBOL_DELTA);
                pool[node + Slot.LEFT] = symbol;
              } else if (value > nodeValue) {
                under = (under + pool[node + Slot.UNDER]!) & 0xffff;
                const right = pool[node + Slot.RIGHT]!;
                if (right !== 0) {
                  node = right;
                  continue;
                }
                symbol = nextSymbol;
                nextSymbol += Slot.SIZE;
                initSymbol(pool, symbol, value, Model.SUBCONTEXT_SYMBOL_DELTA);
                pool[node + Slot.RIGHT] = symbol;
              } else {
                const nodeCount = valueCount >>> 8;
                count = nodeCount;
                under = (under + pool[node + Slot.UNDER]! - nodeCount) & 0xffff;
                pool[node + Slot.UNDER]! += Model.SUBCONTEXT_SYMBOL_DELTA;
                pool[node + Slot.VALUE_COUNT] = nodeValue | (((nodeCount + Model.SUBCONTEXT_SYMBOL_DELTA) & 0xff) << 8);
                symbol = node;
              }
              break;
            }
          }
        }
        if (link === Model.LINK_PREDICTED) predicted = symbol;
        else pool[link + Slot.PARENT] = symbol;
        link = symbol;

        let total = pool[context + Slot.TOTAL]!;
        const escapes = pool[context + Slot.ESCAPES]!;
        // The interval to code: the symbol's, or the escape's (none when the
        // context cannot escape yet, or has nothing else to code).
        let codeUnder = 0;
        let codeCount = 0;
        if (count > 0) {
          codeUnder = escapes + under;
          codeCount = count;
        } else if (escapes > 0 && escapes < total) {
          codeCount = escapes;
        }
        if (codeCount > 0) {
          range = ((range >>> 0) / total) | 0;
          low = (low + Math.imul(codeUnder, range)) | 0;
          range = Math.imul(range, codeCount);
          for (;;) {
            // Stop once the top byte of low is not settled yet (low and low + range differ in it).
            if (((low ^ (low + range)) & 0xff000000) !== 0) {
              if (range >>> 16 !== 0) break;
              // Carry-less coder: shrink the range so it stops short of the byte boundary.
              range = -low & (Model.RANGE_CODER_BOTTOM - 1);
            }
            if (outPos >= outEnd) return 0;
            out[outPos++] = low >>> 24;
            range <<= 8;
            low <<= 8;
          }
        }
        if (count <= 0) {
          pool[context + Slot.ESCAPES] = escapes + Model.SUBCONTEXT_ESCAPE_DELTA;
          total += Model.SUBCONTEXT_ESCAPE_DELTA;
        }
        total = (total + update) & 0xffff;
        pool[context + Slot.TOTAL] = total;
        if (isRoot) {
          if (total > Model.TOTAL_RESCALE_THRESHOLD || count > Model.ROOT_COUNT_RESCALE_THRESHOLD) {
            rescaleRoot(pool, rootSymbols, rootSums);
          }
        } else if (total > Model.TOTAL_RESCALE_THRESHOLD || count > Model.SUBCONTEXT_COUNT_RESCALE_THRESHOLD) {
          rescaleContext(pool, context, 0);
        }
        if (count > 0) break;
        context = pool[context + Slot.PARENT]!;
      }

      // Next byte's context; restart the model when the symbol pool is nearly full.
      if (order >= Model.SUBCONTEXT_ORDER) predicted = pool[predicted + Slot.PARENT]!;
      else order++;
      if (nextSymbol >= Slot.POOL_RESTART_OFFSET) {
        nextSymbol = resetModel(pool);
        rootSymbols.fill(0);
        rootSums.fill(0);
        predicted = Model.ROOT;
        order = 0;
      }
    }

    // Flush: emit the remaining significant bytes of `low`.
    while (low !== 0) {
      if (outPos >= outEnd) return 0;
      out[outPos++] = low >>> 24;
      low <<= 8;
    }
    return outPos;
  }

  /**
   * Decompress `input` into `out[0..outLimit)`. Returns the decompressed length,
   * or 0 exactly where libenet's enet_range_coder_decompress returns 0 (empty
   * input, a code that names no symbol, or output that would pass outLimit).
   * Missing input bytes read as zero, as in libenet. Never loops without
   * consuming output, so the work is bounded by outLimit.
   */
  decompressInto(input: Uint8Array, out: Uint8Array, outLimit: number): number {
    this.outOfRoom = false;
    const result = this.decodeAll(input, out, Math.min(outLimit, out.length));
    if (result < 0) {
      this.outOfRoom = true;
      return 0;
    }
    return result;
  }

  /** The decoded length, 0 for corrupt input, -1 when the output did not fit. */
  private decodeAll(input: Uint8Array, out: Uint8Array, outEnd: number): number {
    const inEnd = input.length;
    if (inEnd <= 0) return 0;
    const pool = this.pool;
    let inPos = 0;
    let low = 0;
    let range = -1; // 0xffffffff
    let code = 0;
    for (let shift = 24; shift >= 0; shift -= 8) {
      if (inPos < inEnd) code |= input[inPos++]! << shift;
    }
    let predicted: number = Model.ROOT;
    let order = 0;
    let nextSymbol = resetModel(pool);
    let outPos = 0;

    for (;;) {
      // Walk from the highest-order context down until one decodes a symbol.
      let context = predicted;
      let found: number = Model.ROOT; // the symbol decoded (libenet's `bottom`)
      let value = 0;
      for (;;) {
        const isRoot = context === Model.ROOT;
        const escapes = pool[context + Slot.ESCAPES]!;
        const total = pool[context + Slot.TOTAL]!;
        // A subcontext that cannot escape yet, or holds nothing but escapes, codes nothing.
        if (!isRoot && (escapes <= 0 || escapes >= total)) {
          context = pool[context + Slot.PARENT]!;
          continue;
        }
        range = ((range >>> 0) / total) | 0;
        let symbolCode = (((code - low) >>> 0) / (range >>> 0)) & 0xffff;
        let codeUnder = 0;
        let codeCount = escapes;
        let count = 0;
        if (symbolCode >= escapes) {
          symbolCode -= escapes;
          // Find the symbol whose interval holds symbolCode (libenet's ENET_CONTEXT_DECODE).
          let under = 0;
          let node = pool[context + Slot.SYMBOLS]!;
          if (isRoot) {
            // Root context: minimum 1 per byte value, and a code between known
            // symbols names a byte not seen yet, which is created.
            count = Model.CONTEXT_SYMBOL_MINIMUM;
            if (node === 0) {
              value = symbolCode & 0xff;
              under = symbolCode;
              found = nextSymbol;
              nextSymbol += Slot.SIZE;
              initSymbol(pool, found, value, Model.CONTEXT_SYMBOL_DELTA);
              pool[Model.ROOT + Slot.SYMBOLS] = found;
            } else {
              for (;;) {
                const valueCount = pool[node + Slot.VALUE_COUNT]!;
                const nodeValue = valueCount & 0xff;
                const nodeCount = valueCount >>> 8;
                const nodeUnder = pool[node + Slot.UNDER]!;
                const after = (under + nodeUnder + nodeValue + 1) & 0xffff;
                const before = nodeCount + 1;
                if (symbolCode >= after) {
                  under = (under + nodeUnder) & 0xffff;
                  const right = pool[node + Slot.RIGHT]!;
                  if (right !== 0) {
                    node = right;
                    continue;
                  }
                  value = (nodeValue + 1 + symbolCode - after) & 0xff;
                  under = symbolCode;
                  found = nextSymbol;
                  nextSymbol += Slot.SIZE;
                  initSymbol(pool, found, value, Model.CONTEXT_SYMBOL_DELTA);
                  pool[node + Slot.RIGHT] = found;
                } else if (symbolCode < after - before) {
                  pool[node + Slot.UNDER]! += Model.CONTEXT_SYMBOL_DELTA;
                  const left = pool[node + Slot.LEFT]!;
                  if (left !== 0) {
                    node = left;
                    continue;
                  }
                  value = (nodeValue - 1 - (after - before - symbolCode - 1)) & 0xff;
                  under = symbolCode;
                  found = nextSymbol;
                  nextSymbol += Slot.SIZE;
                  initSymbol(pool, found, value, Model.CONTEXT_SYMBOL_DELTA);
                  pool[node + Slot.LEFT] = found;
                } else {
                  value = nodeValue;
                  count = (count + nodeCount) & 0xffff;
                  under = (after - before) & 0xffff;
                  pool[node + Slot.UNDER]! += Model.CONTEXT_SYMBOL_DELTA;
                  pool[node + Slot.VALUE_COUNT] = nodeValue | (((nodeCount + Model.CONTEXT_SYMBOL_DELTA) & 0xff) << 8);
                  found = node;
                }
                break;
              }
            }
          } else {
            // Subcontext: minimum 0; a code outside every known symbol is corrupt input.
            if (node === 0) return 0;
            for (;;) {
              const valueCount = pool[node + Slot.VALUE_COUNT]!;
              const nodeValue = valueCount & 0xff;
              const nodeCount = valueCount >>> 8;
              const after = (under + pool[node + Slot.UNDER]!) & 0xffff;
              if (symbolCode >= after) {
                under = after;
                node = pool[node + Slot.RIGHT]!;
                if (node === 0) return 0;
                continue;
              }
              pool[node + Slot.UNDER]! += Model.SUBCONTEXT_SYMBOL_DELTA;
              if (symbolCode < after - nodeCount) {
                node = pool[node + Slot.LEFT]!;
                if (node === 0) return 0;
                continue;
              }
              value = nodeValue;
              count = nodeCount;
              under = (after - nodeCount) & 0xffff;
              pool[node + Slot.VALUE_COUNT] = nodeValue | (((nodeCount + Model.SUBCONTEXT_SYMBOL_DELTA) & 0xff) << 8);
              found = node;
              break;
            }
          }
          codeUnder = escapes + under;
          codeCount = count;
        }

        // Consume the interval [codeUnder, codeUnder + codeCount) and refill code bytes.
        low = (low + Math.imul(codeUnder, range)) | 0;
        range = Math.imul(range, codeCount);
        for (;;) {
          if (((low ^ (low + range)) & 0xff000000) !== 0) {
            if (range >>> 16 !== 0) break;
            range = -low & (Model.RANGE_CODER_BOTTOM - 1);
          }
          // Defensive: libenet would spin here forever; a valid stream never gets here.
          if (range === 0) return 0;
          code <<= 8;
          if (inPos < inEnd) code |= input[inPos++]!;
          range <<= 8;
          low <<= 8;
        }

        if (count === 0) {
          // An escape: out of the root it marks the end of the stream.
          if (isRoot) return outPos;
          context = pool[context + Slot.PARENT]!;
          continue;
        }
        const newTotal = (total + (isRoot ? Model.CONTEXT_SYMBOL_DELTA : Model.SUBCONTEXT_SYMBOL_DELTA)) & 0xffff;
        pool[context + Slot.TOTAL] = newTotal;
        if (isRoot) {
          if (count > Model.ROOT_COUNT_RESCALE_THRESHOLD || newTotal > Model.TOTAL_RESCALE_THRESHOLD) {
            rescaleContext(pool, Model.ROOT, Model.CONTEXT_SYMBOL_MINIMUM);
          }
        } else if (count > Model.SUBCONTEXT_COUNT_RESCALE_THRESHOLD || newTotal > Model.TOTAL_RESCALE_THRESHOLD) {
          rescaleContext(pool, context, 0);
        }
        break;
      }

      // Teach the higher-order contexts that escaped the byte they just missed.
      let link: number = Model.LINK_PREDICTED;
      for (let patch = predicted; patch !== context; patch = pool[patch + Slot.PARENT]!) {
        let count = 0;
        let symbol: number;
        let node = pool[patch + Slot.SYMBOLS]!;
        if (node === 0) {
          symbol = nextSymbol;
          nextSymbol += Slot.SIZE;
          initSymbol(pool, symbol, value, Model.SUBCONTEXT_SYMBOL_DELTA);
          pool[patch + Slot.SYMBOLS] = symbol;
        } else {
          for (;;) {
            const valueCount = pool[node + Slot.VALUE_COUNT]!;
            const nodeValue = valueCount & 0xff;
            if (value < nodeValue) {
              pool[node + Slot.UNDER]! += Model.SUBCONTEXT_SYMBOL_DELTA;
              const left = pool[node + Slot.LEFT]!;
              if (left !== 0) {
                node = left;
                continue;
              }
              symbol = nextSymbol;
              nextSymbol += Slot.SIZE;
              initSymbol(pool, symbol, value, Model.SUBCONTEXT_SYMBOL_DELTA);
              pool[node + Slot.LEFT] = symbol;
            } else if (value > nodeValue) {
              const right = pool[node + Slot.RIGHT]!;
              if (right !== 0) {
                node = right;
                continue;
              }
              symbol = nextSymbol;
              nextSymbol += Slot.SIZE;
              initSymbol(pool, symbol, value, Model.SUBCONTEXT_SYMBOL_DELTA);
              pool[node + Slot.RIGHT] = symbol;
            } else {
              count = valueCount >>> 8;
              pool[node + Slot.UNDER]! += Model.SUBCONTEXT_SYMBOL_DELTA;
              pool[node + Slot.VALUE_COUNT] = nodeValue | (((count + Model.SUBCONTEXT_SYMBOL_DELTA) & 0xff) << 8);
              symbol = node;
            }
            break;
          }
        }
        if (link === Model.LINK_PREDICTED) predicted = symbol;
        else pool[link + Slot.PARENT] = symbol;
        link = symbol;
        let total = pool[patch + Slot.TOTAL]!;
        if (count <= 0) {
          pool[patch + Slot.ESCAPES]! += Model.SUBCONTEXT_ESCAPE_DELTA;
          total += Model.SUBCONTEXT_ESCAPE_DELTA;
        }
        total = (total + Model.SUBCONTEXT_SYMBOL_DELTA) & 0xffff;
        pool[patch + Slot.TOTAL] = total;
        if (count > Model.SUBCONTEXT_COUNT_RESCALE_THRESHOLD || total > Model.TOTAL_RESCALE_THRESHOLD) {
          rescaleContext(pool, patch, 0);
        }
      }
      if (link === Model.LINK_PREDICTED) predicted = found;
      else pool[link + Slot.PARENT] = found;

      if (outPos >= outEnd) return -1;
      out[outPos++] = value;

      if (order >= Model.SUBCONTEXT_ORDER) predicted = pool[predicted + Slot.PARENT]!;
      else order++;
      if (nextSymbol >= Slot.POOL_RESTART_OFFSET) {
        nextSymbol = resetModel(pool);
        predicted = Model.ROOT;
        order = 0;
      }
    }
  }
}

/** Empty the model down to the order-0 root context; returns the next free symbol offset. */
function resetModel(pool: Uint16Array): number {
  initSymbol(pool, Model.ROOT, 0, 0);
  pool[Model.ROOT + Slot.ESCAPES] = Model.CONTEXT_ESCAPE_MINIMUM;
  pool[Model.ROOT + Slot.TOTAL] = Model.CONTEXT_ESCAPE_MINIMUM + 256 * Model.CONTEXT_SYMBOL_MINIMUM;
  return Slot.SIZE;
}

function initSymbol(pool: Uint16Array, symbol: number, value: number, count: number): void {
  pool[symbol + Slot.VALUE_COUNT] = value | (count << 8);
  pool[symbol + Slot.UNDER] = count;
  pool[symbol + Slot.LEFT] = 0;
  pool[symbol + Slot.RIGHT] = 0;
  pool[symbol + Slot.SYMBOLS] = 0;
  pool[symbol + Slot.ESCAPES] = 0;
  pool[symbol + Slot.TOTAL] = 0;
  pool[symbol + Slot.PARENT] = 0;
}

/** The encoder's rescale of the order-0 context (rescaleContext on the per-value form). */
function rescaleRoot(pool: Uint16Array, rootSymbols: Uint16Array, rootSums: Uint16Array): void {
  rootSums.fill(0);
  let total = 0;
  for (let value = 0; value < 256; value++) {
    const symbol = rootSymbols[value]!;
    if (symbol === 0) continue;
    const oldCount = pool[symbol + Slot.VALUE_COUNT]! >>> 8;
    const newCount = oldCount - (oldCount >> 1);
    pool[symbol + Slot.VALUE_COUNT] = value | (newCount << 8);
    total += newCount;
    for (let k = value + 1; k <= 256; k += k & -k) rootSums[k]! += newCount;
  }
  pool[Model.ROOT + Slot.ESCAPES]! -= pool[Model.ROOT + Slot.ESCAPES]! >> 1;
  pool[Model.ROOT + Slot.TOTAL] = total + pool[Model.ROOT + Slot.ESCAPES]! + 256 * Model.CONTEXT_SYMBOL_MINIMUM;
}

/** Halve every count in the tree rooted at `symbol`; returns the new sum (16-bit). */
function rescaleTree(pool: Uint16Array, symbol: number): number {
  let total = 0;
  let node = symbol;
  for (;;) {
    const valueCount = pool[node + Slot.VALUE_COUNT]!;
    const oldCount = valueCount >>> 8;
    const newCount = oldCount - (oldCount >> 1);
    pool[node + Slot.VALUE_COUNT] = (valueCount & 0xff) | (newCount << 8);
    pool[node + Slot.UNDER] = newCount;
    const left = pool[node + Slot.LEFT]!;
    if (left !== 0) pool[node + Slot.UNDER]! += rescaleTree(pool, left);
    total = (total + pool[node + Slot.UNDER]!) & 0xffff;
    const right = pool[node + Slot.RIGHT]!;
    if (right === 0) break;
    node = right;
  }
  return total;
}

function rescaleContext(pool: Uint16Array, context: number, minimum: number): void {
  const tree = pool[context + Slot.SYMBOLS]!;
  pool[context + Slot.TOTAL] = tree !== 0 ? rescaleTree(pool, tree) : 0;
  pool[context + Slot.ESCAPES]! -= pool[context + Slot.ESCAPES]! >> 1;
  pool[context + Slot.TOTAL]! += pool[context + Slot.ESCAPES]! + 256 * minimum;
}
