/**
 * CRC-32 with the reflected IEEE polynomial 0xEDB88320, initial value 0xFFFFFFFF and
 * final complement: the one ENet's enet_crc32 computes (C ENet stores the result in
 * network byte order) and the one in the gzip trailer (RFC 1952, little-endian there).
 */
const TABLE = (() => {
  const t = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    t[n] = c >>> 0;
  }
  return t;
})();

/** Running state: start with CRC32_INITIAL, feed ranges with crc32Update, finish with crc32Final. */
export const CRC32_INITIAL = 0xffffffff;

export function crc32Update(crc: number, data: Uint8Array, start = 0, end = data.length): number {
  let c = crc;
  for (let i = start; i < end; i++) c = TABLE[(c ^ data[i]!) & 0xff]! ^ (c >>> 8);
  return c >>> 0;
}

export function crc32Final(crc: number): number {
  return ~crc >>> 0;
}

/** CRC-32 of a whole buffer. */
export function crc32(data: Uint8Array): number {
  return crc32Final(crc32Update(CRC32_INITIAL, data));
}
