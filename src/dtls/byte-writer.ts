/** Builds TLS structures: big-endian integers and length-prefixed vectors. */
export class ByteWriter {
  private buf: Uint8Array;
  length = 0;

  constructor(initial = 256) {
    this.buf = new Uint8Array(initial);
  }

  private room(n: number): void {
    if (this.length + n <= this.buf.length) return;
    let size = this.buf.length * 2;
    while (size < this.length + n) size *= 2;
    const next = new Uint8Array(size);
    next.set(this.buf.subarray(0, this.length));
    this.buf = next;
  }

  u8(v: number): this {
    this.room(1);
    this.buf[this.length++] = v;
    return this;
  }

  u16(v: number): this {
    this.room(2);
    this.buf[this.length++] = v >>> 8;
    this.buf[this.length++] = v;
    return this;
  }

  u24(v: number): this {
    this.room(3);
    this.buf[this.length++] = v >>> 16;
    this.buf[this.length++] = v >>> 8;
    this.buf[this.length++] = v;
    return this;
  }

  u48(v: number): this {
    this.u16(Math.floor(v / 0x100000000));
    this.room(4);
    const lo = v >>> 0;
    this.buf[this.length++] = lo >>> 24;
    this.buf[this.length++] = lo >>> 16;
    this.buf[this.length++] = lo >>> 8;
    this.buf[this.length++] = lo;
    return this;
  }

  bytes(b: Uint8Array): this {
    this.room(b.length);
    this.buf.set(b, this.length);
    this.length += b.length;
    return this;
  }

  /** `b` with a 1-, 2- or 3-byte length prefix. */
  vector(lengthBytes: 1 | 2 | 3, b: Uint8Array): this {
    if (lengthBytes === 1) this.u8(b.length);
    else if (lengthBytes === 2) this.u16(b.length);
    else this.u24(b.length);
    return this.bytes(b);
  }

  /** Writes a length-prefixed vector whose body `fill` writes. */
  nested(lengthBytes: 1 | 2 | 3, fill: (w: this) => void): this {
    this.room(lengthBytes);
    const at = this.length;
    this.length += lengthBytes;
    fill(this);
    const n = this.length - at - lengthBytes;
    for (let i = lengthBytes - 1, v = n; i >= 0; i--, v >>>= 8) this.buf[at + i] = v & 0xff;
    return this;
  }

  finish(): Uint8Array {
    return this.buf.slice(0, this.length);
  }
}
