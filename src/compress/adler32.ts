/**
 * Adler-32, the zlib trailer's checksum (RFC 1950). The gzip trailer's CRC-32
 * is the one ENet uses too, in src/util/crc32.ts.
 */

const ADLER_MODULUS = 65521;
/** Largest run of byte sums that cannot overflow 2^53 before the modulo (zlib's NMAX is for 32-bit; doubles allow more). */
const ADLER_BLOCK = 1 << 20;

export function adler32(data: Uint8Array): number {
  let a = 1;
  let b = 0;
  for (let start = 0; start < data.length; start += ADLER_BLOCK) {
    const end = Math.min(data.length, start + ADLER_BLOCK);
    for (let i = start; i < end; i++) {
      a += data[i]!;
      b += a;
    }
    a %= ADLER_MODULUS;
    b %= ADLER_MODULUS;
  }
  return ((b << 16) | a) >>> 0;
}
