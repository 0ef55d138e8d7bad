/**
 * Little-endian bit accumulator for zstd's backward-read bitstreams
 * (RFC 8878 section 4.1): bits are appended from the least significant end,
 * the stream is closed with a single 1 bit, and a decoder reads it starting
 * from that final marker, so the last field written is the first read.
 * The same writer, without the marker, serves the forward-read FSE table
 * descriptions.
 */
export class BitWriter {
  buf: Uint8Array;
  pos = 0;
  private acc = 0;
  private bits = 0;

  constructor(buf: Uint8Array, pos = 0) {
    this.buf = buf;
    this.pos = pos;
  }

  reset(buf: Uint8Array, pos: number): void {
    this.buf = buf;
    this.pos = pos;
    this.acc = 0;
    this.bits = 0;
  }

  /** Appends the low `n` bits of `value`; n <= 24 keeps the accumulator within 32 bits. */
  addBits(value: number, n: number): void {
    this.acc |= (value & ((1 << n) - 1)) << this.bits;
    this.bits += n;
    while (this.bits >= 8) {
      this.buf[this.pos++] = this.acc & 0xff;
      this.acc >>>= 8;
      this.bits -= 8;
    }
  }

  /** Appends fields wider than 24 bits in two parts (low part first). */
  addWideBits(value: number, n: number): void {
    if (n <= 24) {
      this.addBits(value, n);
    } else {
      this.addBits(value & 0xffffff, 24);
      this.addBits(Math.floor(value / 0x1000000), n - 24);
    }
  }

  /** Closes a backward-read stream: the 1-bit end marker, then padding to a byte. Returns the end position. */
  closeWithMarker(): number {
    this.addBits(1, 1);
    return this.flushPartial();
  }

  /** Pads the pending bits with zeros to a whole byte. Returns the end position. */
  flushPartial(): number {
    if (this.bits > 0) {
      this.buf[this.pos++] = this.acc & 0xff;
      this.acc = 0;
      this.bits = 0;
    }
    return this.pos;
  }
}
