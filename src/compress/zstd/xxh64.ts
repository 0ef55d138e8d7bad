/**
 * XXH64 (seed 0), for zstd's Content_Checksum: the low 32 bits of XXH64 over the
 * decompressed frame (RFC 8878, section 3.1.1). 64-bit lanes are kept as two
 * unsigned 32-bit halves so the arithmetic is exact and fast without BigInt.
 */

// The five XXH64 primes as [high, low] 32-bit halves.
const P1H = 0x9e3779b1, P1L = 0x85ebca87;
const P2H = 0xc2b2ae3d, P2L = 0x27d4eb4f;
const P3H = 0x165667b1, P3L = 0x9e3779f9;
const P4H = 0x85ebca77, P4L = 0xc2b2ae63;
const P5H = 0x27d4eb2f, P5L = 0x165667c5;

// Result registers of the 64-bit helpers (no allocation per operation).
let rh = 0;
let rl = 0;

function add(ah: number, al: number, bh: number, bl: number): void {
  const lo = al + bl;
  rl = lo >>> 0;
  rh = (ah + bh + (lo > 0xffffffff ? 1 : 0)) >>> 0;
}

function mul(ah: number, al: number, bh: number, bl: number): void {
  // Full 64-bit product of the low halves from 16-bit pieces, then the cross terms mod 2^32.
  const a0 = al & 0xffff, a1 = al >>> 16, b0 = bl & 0xffff, b1 = bl >>> 16;
  const p00 = a0 * b0, p01 = a0 * b1, p10 = a1 * b0, p11 = a1 * b1;
  const mid = (p00 >>> 16) + (p01 & 0xffff) + (p10 & 0xffff);
  const high = p11 + Math.floor(p01 / 0x10000) + Math.floor(p10 / 0x10000) + Math.floor(mid / 0x10000);
  rl = Math.imul(al, bl) >>> 0;
  rh = (high + Math.imul(al, bh) + Math.imul(ah, bl)) >>> 0;
}

function rotl(h: number, l: number, n: number): void {
  if (n >= 32) {
    const t = h;
    h = l;
    l = t;
    n -= 32;
  }
  if (n === 0) {
    rh = h;
    rl = l;
    return;
  }
  rh = ((h << n) | (l >>> (32 - n))) >>> 0;
  rl = ((l << n) | (h >>> (32 - n))) >>> 0;
}

/** round(acc, input) = rotl(acc + input * PRIME64_2, 31) * PRIME64_1 */
function round(acch: number, accl: number, inh: number, inl: number): void {
  mul(inh, inl, P2H, P2L);
  add(acch, accl, rh, rl);
  rotl(rh, rl, 31);
  mul(rh, rl, P1H, P1L);
}

function readU32(d: Uint8Array, p: number): number {
  return (d[p]! | (d[p + 1]! << 8) | (d[p + 2]! << 16) | (d[p + 3]! << 24)) >>> 0;
}

/** Low 32 bits of XXH64(data, seed 0). */
export function xxh64Low32(data: Uint8Array): number {
  const len = data.length;
  let p = 0;
  let h: number;
  let l: number;
  if (len >= 32) {
    add(P1H, P1L, P2H, P2L);
    let v1h = rh, v1l = rl;
    let v2h = P2H, v2l = P2L;
    let v3h = 0, v3l = 0;
    // 0 - PRIME64_1 (its low half is non-zero, so the high half borrows: ~P1H).
    let v4h = ~P1H >>> 0, v4l = -P1L >>> 0;
    const limit = len - 32;
    while (p <= limit) {
      round(v1h, v1l, readU32(data, p + 4), readU32(data, p));
      v1h = rh; v1l = rl;
      round(v2h, v2l, readU32(data, p + 12), readU32(data, p + 8));
      v2h = rh; v2l = rl;
      round(v3h, v3l, readU32(data, p + 20), readU32(data, p + 16));
      v3h = rh; v3l = rl;
      round(v4h, v4l, readU32(data, p + 28), readU32(data, p + 24));
      v4h = rh; v4l = rl;
      p += 32;
    }
    rotl(v1h, v1l, 1);
    let ah = rh, al = rl;
    rotl(v2h, v2l, 7);
    add(ah, al, rh, rl);
    ah = rh; al = rl;
    rotl(v3h, v3l, 12);
    add(ah, al, rh, rl);
    ah = rh; al = rl;
    rotl(v4h, v4l, 18);
    add(ah, al, rh, rl);
    h = rh; l = rl;
    const lanes = [v1h, v1l, v2h, v2l, v3h, v3l, v4h, v4l];
    for (let i = 0; i < 8; i += 2) {
      round(0, 0, lanes[i]!, lanes[i + 1]!);
      h = (h ^ rh) >>> 0;
      l = (l ^ rl) >>> 0;
      mul(h, l, P1H, P1L);
      add(rh, rl, P4H, P4L);
      h = rh; l = rl;
    }
  } else {
    h = P5H;
    l = P5L;
  }
  add(h, l, Math.floor(len / 0x100000000), len >>> 0);
  h = rh; l = rl;
  while (p + 8 <= len) {
    round(0, 0, readU32(data, p + 4), readU32(data, p));
    h = (h ^ rh) >>> 0;
    l = (l ^ rl) >>> 0;
    rotl(h, l, 27);
    mul(rh, rl, P1H, P1L);
    add(rh, rl, P4H, P4L);
    h = rh; l = rl;
    p += 8;
  }
  if (p + 4 <= len) {
    mul(0, readU32(data, p), P1H, P1L);
    h = (h ^ rh) >>> 0;
    l = (l ^ rl) >>> 0;
    rotl(h, l, 23);
    mul(rh, rl, P2H, P2L);
    add(rh, rl, P3H, P3L);
    h = rh; l = rl;
    p += 4;
  }
  while (p < len) {
    mul(0, data[p]!, P5H, P5L);
    h = (h ^ rh) >>> 0;
    l = (l ^ rl) >>> 0;
    rotl(h, l, 11);
    mul(rh, rl, P1H, P1L);
    h = rh; l = rl;
    p++;
  }
  // Avalanche: acc ^= acc >> 33; acc *= P2; acc ^= acc >> 29; acc *= P3; acc ^= acc >> 32.
  l = (l ^ (h >>> 1)) >>> 0;
  mul(h, l, P2H, P2L);
  h = rh;
  l = rl;
  l = (l ^ ((l >>> 29) | (h << 3))) >>> 0;
  h = (h ^ (h >>> 29)) >>> 0;
  mul(h, l, P3H, P3L);
  return (rl ^ rh) >>> 0;
}
