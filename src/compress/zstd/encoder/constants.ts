/**
 * Code tables of RFC 8878: literal length, match length and offset codes
 * (section 3.1.1.3.2.1) and the predefined FSE distributions (3.1.1.3.2.2).
 */

export const LL_MAX_CODE = 35;
export const ML_MAX_CODE = 52;
/** Offset codes up to 31 are legal; the predefined table covers 0..28. */
export const OF_MAX_CODE = 31;

export const LL_FSE_LOG_MAX = 9;
export const ML_FSE_LOG_MAX = 9;
export const OF_FSE_LOG_MAX = 8;
/** Huffman weights are FSE-coded with an accuracy of at most 6. */
export const HUF_WEIGHT_FSE_LOG_MAX = 6;
/** Max_Number_of_Bits of a Huffman code. */
export const HUF_MAX_BITS = 11;

export const MIN_MATCH = 3;

export const LL_BASE = new Uint32Array([
  0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 18, 20, 22, 24, 28, 32, 40, 48, 64, 128, 256, 512, 1024,
  2048, 4096, 8192, 16384, 32768, 65536,
]);
export const LL_BITS = new Uint8Array([
  0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 3, 3, 4, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16,
]);
export const ML_BASE = new Uint32Array([
  3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31, 32, 33,
  34, 35, 37, 39, 41, 43, 47, 51, 59, 67, 83, 99, 131, 259, 515, 1027, 2051, 4099, 8195, 16387, 32771, 65539,
]);
export const ML_BITS = new Uint8Array([
  0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 2, 2,
  3, 3, 4, 4, 5, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16,
]);

export const LL_DEFAULT_LOG = 6;
export const LL_DEFAULT_NORM = new Int16Array([
  4, 3, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 1, 1, 1, 2, 2, 2, 2, 2, 2, 2, 2, 2, 3, 2, 1, 1, 1, 1, 1, -1, -1, -1, -1,
]);
export const ML_DEFAULT_LOG = 6;
export const ML_DEFAULT_NORM = new Int16Array([
  1, 4, 3, 2, 2, 2, 2, 2, 2, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
  1, 1, 1, 1, 1, 1, 1, 1, -1, -1, -1, -1, -1, -1, -1,
]);
export const OF_DEFAULT_LOG = 5;
export const OF_DEFAULT_NORM = new Int16Array([
  1, 1, 1, 1, 1, 1, 2, 2, 2, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, -1, -1, -1, -1, -1,
]);

/** Index of the highest set bit (floor(log2(v))) for v >= 1. */
export function highBit(v: number): number {
  return 31 - Math.clz32(v);
}

// Small values map through lookup tables; beyond them every code covers a power-of-two range.
const LL_CODE_LOOKUP = buildLookup(LL_BASE, LL_BITS, 64, 0);
const ML_CODE_LOOKUP = buildLookup(ML_BASE, ML_BITS, 128, 3);

function buildLookup(base: Uint32Array, bits: Uint8Array, size: number, bias: number): Uint8Array {
  const table = new Uint8Array(size);
  for (let code = 0; code < base.length; code++) {
    const lo = base[code]! - bias;
    const hi = lo + (1 << bits[code]!);
    for (let v = lo; v < hi && v < size; v++) table[v] = code;
  }
  return table;
}

export function literalLengthCode(litLength: number): number {
  return litLength < 64 ? LL_CODE_LOOKUP[litLength]! : highBit(litLength) + 19;
}

export function matchLengthCode(matchLength: number): number {
  const v = matchLength - MIN_MATCH;
  return v < 128 ? ML_CODE_LOOKUP[v]! : highBit(v) + 36;
}
