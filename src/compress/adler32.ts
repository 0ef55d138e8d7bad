/**
 * The two checksums the deflate containers carry: Adler-32 (zlib trailer,
 * RFC 1950) and CRC-32 (gzip trailer, RFC 1952; reflected IEEE polynomial).
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

const CRC_TABLE = (() => {
  const t = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    t[n] = c >>> 0;
  }
  return t;
})();

export function crc32Of(data: Uint8Array): number {
  let c = 0xffffffff;
  for (let i = 0; i < data.length; i++) c = CRC_TABLE[(c ^ data[i]!) & 0xff]! ^ (c >>> 8);
  return ~c >>> 0;
}
