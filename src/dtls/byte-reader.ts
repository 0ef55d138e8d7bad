/**
 * A bounds-checked big-endian reader for TLS structures. Every read past the end
 * throws DecodeError, which the DTLS core catches and turns into a dropped record
 * or a decode_error alert: a malformed message can never read out of bounds.
 */

export class DecodeError extends Error {}

export class ByteReader {
  offset: number;
  readonly end: number;

  constructor(
    readonly bytes: Uint8Array,
    start = 0,
    end = bytes.length,
  ) {
    this.offset = start;
    this.end = end;
  }

  get remaining(): number {
    return this.end - this.offset;
  }

  private need(n: number): void {
    if (n > this.end - this.offset) throw new DecodeError(`truncated: need ${n} bytes, have ${this.end - this.offset}`);
  }

  u8(): number {
    this.need(1);
    return this.bytes[this.offset++]!;
  }

  u16(): number {
    this.need(2);
    const b = this.bytes;
    const o = this.offset;
    this.offset += 2;
    return (b[o]! << 8) | b[o + 1]!;
  }

  u24(): number {
    this.need(3);
    const b = this.bytes;
    const o = this.offset;
    this.offset += 3;
    return (b[o]! << 16) | (b[o + 1]! << 8) | b[o + 2]!;
  }

  /** A 48-bit unsigned integer (record sequence numbers); exact in a double. */
  u48(): number {
    const hi = this.u16();
    const lo = this.u32();
    return hi * 0x100000000 + lo;
  }

  u32(): number {
    this.need(4);
    const b = this.bytes;
    const o = this.offset;
    this.offset += 4;
    return ((b[o]! << 24) | (b[o + 1]! << 16) | (b[o + 2]! << 8) | b[o + 3]!) >>> 0;
  }

  /** `n` bytes as a view (no copy). */
  bytesView(n: number): Uint8Array {
    this.need(n);
    const v = this.bytes.subarray(this.offset, this.offset + n);
    this.offset += n;
    return v;
  }

  /** A vector with a 1-, 2- or 3-byte length prefix, as a view. */
  vector(lengthBytes: 1 | 2 | 3, min = 0, max = Infinity): Uint8Array {
    const n = lengthBytes === 1 ? this.u8() : lengthBytes === 2 ? this.u16() : this.u24();
    if (n < min || n > max) throw new DecodeError(`vector length ${n} outside ${min}..${max}`);
    return this.bytesView(n);
  }

  /** A sub-reader over the next `n` bytes. */
  sub(n: number): ByteReader {
    this.need(n);
    const r = new ByteReader(this.bytes, this.offset, this.offset + n);
    this.offset += n;
    return r;
  }

  expectEnd(what: string): void {
    if (this.offset !== this.end) throw new DecodeError(`${what}: ${this.end - this.offset} trailing bytes`);
  }
}
