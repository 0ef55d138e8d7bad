/**
 * A growable little-endian byte writer: what the Variant encoder writes into,
 * and what a message format that embeds Variants (SceneMultiplayer's RPC
 * packets) can write its own fields into before and after them.
 */

/** Godot measures encoded sizes in `int`: nothing larger can be sent. */
export const MAX_ENCODED_SIZE = 0x7fffffff;

const utf8Encoder = new TextEncoder();

export class VariantWriter {
  /** The storage; bytes `0..length` are written. Replaced when it grows. */
  bytes: Uint8Array;
  view: DataView;
  /** How many bytes are written. */
  length = 0;

  constructor(initialCapacity = 256) {
    this.bytes = new Uint8Array(Math.max(4, initialCapacity));
    this.view = new DataView(this.bytes.buffer);
  }

  /** Make room for `n` more bytes. */
  reserve(n: number): void {
    const needed = this.length + n;
    if (needed <= this.bytes.length) return;
    if (needed > MAX_ENCODED_SIZE) {
      throw new RangeError(`value: encodes to more than ${MAX_ENCODED_SIZE} bytes, Godot's limit`);
    }
    let capacity = this.bytes.length * 2;
    while (capacity < needed) capacity *= 2;
    const grown = new Uint8Array(Math.min(capacity, MAX_ENCODED_SIZE));
    grown.set(this.bytes.subarray(0, this.length));
    this.bytes = grown;
    this.view = new DataView(grown.buffer);
  }

  /** Forget the contents, keep the storage. */
  reset(): void {
    this.length = 0;
  }

  /** A copy of the written bytes. */
  toBytes(): Uint8Array {
    return this.bytes.slice(0, this.length);
  }

  /** The written bytes without copying (valid until the next write or reset). */
  written(): Uint8Array {
    return this.bytes.subarray(0, this.length);
  }

  u8(value: number): void {
    this.reserve(1);
    this.bytes[this.length++] = value;
  }

  u32(value: number): void {
    this.reserve(4);
    this.view.setUint32(this.length, value, true);
    this.length += 4;
  }

  i32(value: number): void {
    this.reserve(4);
    this.view.setInt32(this.length, value, true);
    this.length += 4;
  }

  /** A whole number in the int64 range (exact for any integral double in range). */
  i64(value: number): void {
    this.reserve(8);
    const high = Math.floor(value / 0x100000000);
    this.view.setUint32(this.length, value - high * 0x100000000, true);
    this.view.setInt32(this.length + 4, high, true);
    this.length += 8;
  }

  big64(value: bigint): void {
    this.reserve(8);
    this.view.setBigUint64(this.length, BigInt.asUintN(64, value), true);
    this.length += 8;
  }

  f32(value: number): void {
    this.reserve(4);
    this.view.setFloat32(this.length, value, true);
    this.length += 4;
  }

  f64(value: number): void {
    this.reserve(8);
    this.view.setFloat64(this.length, value, true);
    this.length += 8;
  }

  raw(data: Uint8Array): void {
    this.reserve(data.length);
    this.bytes.set(data, this.length);
    this.length += data.length;
  }

  /**
   * Zero bytes after a field of `fieldLength` bytes up to its next multiple of 4.
   * Padding is relative to the field, not to the writer: a Variant may be
   * embedded at any offset of a larger message.
   */
  pad(fieldLength: number): void {
    const pad = (4 - (fieldLength & 3)) & 3;
    if (pad === 0) return;
    this.reserve(pad);
    this.bytes.fill(0, this.length, this.length + pad);
    this.length += pad;
  }

  /**
   * Godot's string layout: u32 byte length (+1 with `nulTerminated`, as
   * PackedStringArray elements carry a NUL), the UTF-8 bytes, zero padding to 4.
   */
  utf8String(value: string, nulTerminated = false): void {
    const extra = nulTerminated ? 1 : 0;
    const n = value.length;
    // ASCII fast path: one byte per UTF-16 unit, written by hand.
    if (n <= 64) {
      this.reserve(4 + n + extra + 3);
      const bytes = this.bytes;
      const start = this.length + 4;
      let i = 0;
      for (; i < n; i++) {
        const c = value.charCodeAt(i);
        if (c >= 0x80) break;
        bytes[start + i] = c;
      }
      if (i === n) {
        this.view.setUint32(this.length, n + extra, true);
        this.length = start + n;
        if (extra) bytes[this.length++] = 0;
        this.pad(n + extra);
        return;
      }
    }
    this.reserve(4 + n * 3 + extra + 3);
    const { written } = utf8Encoder.encodeInto(value, this.bytes.subarray(this.length + 4));
    this.view.setUint32(this.length, written + extra, true);
    this.length += 4 + written;
    if (extra) this.bytes[this.length++] = 0;
    this.pad(written + extra);
  }
}
