/**
 * Payload masking (RFC 6455 section 5.3): byte i is XORed with key[i % 4].
 * Masking and unmasking are the same operation. The aligned middle of the range
 * is done one 32-bit word at a time, which is several times faster than bytes.
 */
import { secureRandomFill } from "../util/platform-sources.ts";

const LITTLE_ENDIAN = new Uint8Array(new Uint32Array([1]).buffer)[0] === 1;
/** Below this many bytes the word loop's setup (a typed-array view) costs more than it saves. */
const WORD_LOOP_MIN = 128;

/**
 * XOR `data[start..end)` in place with `key` (4 bytes), where `data[start]` is
 * payload byte number `phase` (mod 4) of the frame — so a payload split across
 * reads can be unmasked piece by piece.
 */
export function applyMask(data: Uint8Array, start: number, end: number, key: Uint8Array, phase: number): void {
  applyMaskWord(data, start, end, (key[0] ?? 0) | ((key[1] ?? 0) << 8) | ((key[2] ?? 0) << 16) | ((key[3] ?? 0) << 24), phase);
}

/**
 * applyMask with the key as one 32-bit word: key byte 0 in the low 8 bits, byte 3 in the high 8
 * (any sign; only the low 32 bits count). A receiver keeps its frame's key this way, in a number
 * field rather than a 4-byte array of its own.
 */
export function applyMaskWord(data: Uint8Array, start: number, end: number, key: number, phase: number): void {
  // The key as one little-endian word, rotated so that its low byte masks data[start];
  // each byte step rotates it by 8 bits, a whole word leaves it as it is.
  const k = key >>> 0;
  const shift = (phase & 3) * 8;
  let word = shift === 0 ? k : ((k >>> shift) | (k << (32 - shift))) >>> 0;
  let i = start;
  if (end - i >= WORD_LOOP_MIN && LITTLE_ENDIAN) {
    while (((data.byteOffset + i) & 3) !== 0) {
      data[i] = (data[i] ?? 0) ^ word;
      i++;
      word = ((word >>> 8) | (word << 24)) >>> 0;
    }
    const words = (end - i) >>> 2;
    const view = new Uint32Array(data.buffer, data.byteOffset + i, words);
    for (let w = 0; w < words; w++) view[w] = (view[w] ?? 0) ^ word;
    i += words << 2;
  }
  for (; i < end; i++) {
    data[i] = (data[i] ?? 0) ^ word;
    word = ((word >>> 8) | (word << 24)) >>> 0;
  }
}

const POOL_SIZE = 1024;
let pool = new Uint8Array(0);
let poolAt = POOL_SIZE;

/**
 * Fill `key` (4 bytes) with a fresh masking key from the platform CSPRNG. Keys are
 * drawn from a pooled getRandomValues() call since one call per frame is slow.
 */
export function nextMaskKey(key: Uint8Array): void {
  fillRandomPooled(key);
}

/**
 * Fill `dst` with bytes from the platform CSPRNG, taken from a pooled getRandomValues()
 * buffer (the default random source of the WebSocket core; tests inject a seeded one).
 */
export function fillRandomPooled(dst: Uint8Array): void {
  const n = dst.length;
  if (n > POOL_SIZE) {
    secureRandomFill(dst);
    return;
  }
  if (poolAt + n > pool.length) {
    if (pool.length === 0) pool = new Uint8Array(POOL_SIZE);
    secureRandomFill(pool);
    poolAt = 0;
  }
  for (let i = 0; i < n; i++) dst[i] = pool[poolAt + i] ?? 0;
  poolAt += n;
}
