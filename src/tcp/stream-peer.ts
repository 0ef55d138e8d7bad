/**
 * Godot's StreamPeer: the typed put/get API over a byte stream.
 *
 * Subclasses supply the raw byte operations; this class adds the fixed-size
 * integers, floats and strings with Godot's exact byte layouts:
 * - integers and floats are little-endian unless `bigEndian` is set;
 * - put_string writes ASCII, put_utf8_string UTF-8, both as a u32 byte length
 *   (in the current endianness) followed by the bytes, no terminator;
 * - get_string/get_utf8_string with a negative length read that u32 prefix.
 *
 * Typed getters are synchronous and atomic: they read from bytes already
 * received and either consume the whole value or nothing, throwing a NetError
 * (ERR_BUSY while the value has not fully arrived) so callers can check
 * `getAvailableBytes()` in a game loop. Where Godot blocks, each has an async
 * form that waits (`await tcp.get32Async()`, `await tcp.waitAvailable(n)`);
 * async reads are served in the order they were made.
 */
import { GodotError, NetError } from "../errors.ts";
import { checkFloat as checkFloatArg, checkInt, checkInt64, checkString } from "../util/args.ts";
import { halfBitsFromNumber, numberFromHalfBits } from "./half-float.ts";
import { decodeVarOrNull, encodeStreamVar } from "../variant/stream-var.ts";
import type { Variant, VariantOptions } from "../variant/index.ts";

/** Godot passes lengths as `int`: a prefix or length above this is refused. */
export const STREAM_PEER_MAX_LENGTH = 0x7fffffff;

const I64_MIN = -(2n ** 63n);
const I64_MAX = 2n ** 63n - 1n;
const U64_MAX = 2n ** 64n - 1n;

/** What Godot's String::ascii() writes for a code point above U+007F. */
const ASCII_REPLACEMENT = 0x20;

const utf8Decoder = new TextDecoder("utf-8");
const utf8Encoder = new TextEncoder();

/**
 * Bytes as ISO-8859-1 code points. TextDecoder("latin1") is not usable: the
 * Encoding Standard maps that label to windows-1252, which differs in 0x80..0x9F.
 */
function latin1(bytes: Uint8Array): string {
  let out = "";
  for (let i = 0; i < bytes.length; i += 8192) {
    out += String.fromCharCode.apply(null, bytes.subarray(i, i + 8192) as unknown as number[]);
  }
  return out;
}

/** A byte count argument: 0..STREAM_PEER_MAX_LENGTH. */
export function checkLength(bytes: unknown, name: string): asserts bytes is number {
  checkInt(bytes, `${name}: bytes`, 0, STREAM_PEER_MAX_LENGTH);
}

export abstract class StreamPeer {
  /** Byte order of the typed put/get methods (Godot's `big_endian` property). */
  bigEndian = false;

  // Fixed-size values go through one scratch buffer: putData copies (every
  // Stream.write adapter copies, StreamPeerBuffer copies into its storage).
  private readonly scratch = new Uint8Array(8);
  private readonly scratchView = new DataView(this.scratch.buffer);
  /** The async reads not finished yet: each starts when the one before it is done. */
  private asyncReads: Promise<unknown> = Promise.resolve();

  setBigEndian(enable: boolean): void {
    this.bigEndian = enable;
  }

  isBigEndianEnabled(): boolean {
    return this.bigEndian;
  }

  // ---- raw bytes: supplied by the concrete peer ----

  /** Queue all of `data` (copied), or nothing. Returns OK or the reason nothing was queued. */
  abstract putData(data: Uint8Array): GodotError;
  /** Queue as much of `data` as the peer takes now: `[error, bytesTaken]`. */
  abstract putPartialData(data: Uint8Array): [GodotError, number];
  /** Resolve with exactly `bytes` bytes; rejects with a NetError if the stream ends first. */
  abstract getData(bytes: number): Promise<Uint8Array>;
  /** Take up to `bytes` bytes that have already arrived: `[error, data]`. */
  abstract getPartialData(bytes: number): [GodotError, Uint8Array];
  /** Bytes received and not yet read. */
  abstract getAvailableBytes(): number;

  /** Copy the first `n` received bytes into `dst` without consuming them (n <= available). */
  protected abstract peekReceived(dst: Uint8Array, n: number): void;
  /** Consume and return the first `n` received bytes (n <= available). */
  protected abstract takeReceived(n: number): Uint8Array;
  /** Consume the first `n` received bytes (n <= available). */
  protected abstract skipReceived(n: number): void;
  /** Error for a typed read that needs more bytes than have arrived. */
  protected shortReadError(): GodotError {
    return GodotError.ERR_BUSY;
  }
  /** Most bytes a typed read can ever wait for (the receive buffer bound). */
  protected maxTypedRead(): number {
    return STREAM_PEER_MAX_LENGTH;
  }

  /**
   * Resolve once at least `bytes` bytes have arrived, consuming nothing. Rejects with a
   * NetError when they never can (ERR_FILE_EOF / ERR_CONNECTION_ERROR when the stream
   * ends first, FAILED when not connected). Here: at once, from what is buffered.
   */
  waitAvailable(bytes: number): Promise<void> {
    try {
      checkLength(bytes, "waitAvailable");
      this.requireReceived(bytes, "waitAvailable");
    } catch (err) {
      return Promise.reject(err);
    }
    return Promise.resolve();
  }

  // ---- typed puts ----

  put8(value: number): void {
    checkInt(value, "put8: value", -0x80, 0x7f);
    this.scratch[0] = value & 0xff;
    this.putBytes(this.scratch.subarray(0, 1), "put8");
  }

  putU8(value: number): void {
    checkInt(value, "putU8: value", 0, 0xff);
    this.scratch[0] = value;
    this.putBytes(this.scratch.subarray(0, 1), "putU8");
  }

  put16(value: number): void {
    checkInt(value, "put16: value", -0x8000, 0x7fff);
    this.scratchView.setInt16(0, value, !this.bigEndian);
    this.putBytes(this.scratch.subarray(0, 2), "put16");
  }

  putU16(value: number): void {
    checkInt(value, "putU16: value", 0, 0xffff);
    this.scratchView.setUint16(0, value, !this.bigEndian);
    this.putBytes(this.scratch.subarray(0, 2), "putU16");
  }

  put32(value: number): void {
    checkInt(value, "put32: value", -0x80000000, 0x7fffffff);
    this.scratchView.setInt32(0, value, !this.bigEndian);
    this.putBytes(this.scratch.subarray(0, 4), "put32");
  }

  putU32(value: number): void {
    checkInt(value, "putU32: value", 0, 0xffffffff);
    this.scratchView.setUint32(0, value, !this.bigEndian);
    this.putBytes(this.scratch.subarray(0, 4), "putU32");
  }

  /** Signed 64-bit; a bigint, or a number that is a safe integer. */
  put64(value: bigint | number): void {
    const v = checkInt64(value, "put64: value", I64_MIN, I64_MAX);
    this.scratchView.setBigInt64(0, v, !this.bigEndian);
    this.putBytes(this.scratch.subarray(0, 8), "put64");
  }

  /** Unsigned 64-bit; a bigint, or a number that is a safe integer. */
  putU64(value: bigint | number): void {
    const v = checkInt64(value, "putU64: value", 0n, U64_MAX);
    this.scratchView.setBigUint64(0, v, !this.bigEndian);
    this.putBytes(this.scratch.subarray(0, 8), "putU64");
  }

  /** IEEE half precision with Godot's conversion rules (see half-float.ts). */
  putHalf(value: number): void {
    checkFloatArg(value, "putHalf: value");
    this.scratchView.setUint16(0, halfBitsFromNumber(value), !this.bigEndian);
    this.putBytes(this.scratch.subarray(0, 2), "putHalf");
  }

  putFloat(value: number): void {
    checkFloatArg(value, "putFloat: value");
    this.scratchView.setFloat32(0, value, !this.bigEndian);
    this.putBytes(this.scratch.subarray(0, 4), "putFloat");
  }

  putDouble(value: number): void {
    checkFloatArg(value, "putDouble: value");
    this.scratchView.setFloat64(0, value, !this.bigEndian);
    this.putBytes(this.scratch.subarray(0, 8), "putDouble");
  }

  /**
   * ASCII string: u32 byte length, then one byte per character, no terminator.
   * As Godot 4's String::ascii(): every code point above U+007F is written as a
   * space (0x20) — one byte per code point, so a character outside the BMP is one
   * space too — and an error is logged (once per call here, naming the first such
   * code point and the count; Godot logs each). Use putUtf8String for other text.
   */
  putString(value: string): void {
    checkString(value, "putString: value");
    const out = new Uint8Array(4 + value.length);
    let n = 0;
    let invalid = 0;
    let firstInvalid = 0;
    for (const ch of value) {
      const c = ch.codePointAt(0) ?? 0;
      if (c > 0x7f) {
        if (invalid++ === 0) firstInvalid = c;
        out[4 + n++] = ASCII_REPLACEMENT;
      } else {
        out[4 + n++] = c;
      }
    }
    if (invalid > 0) {
      console.error(
        `Unicode parsing error: Invalid unicode codepoint (${firstInvalid.toString(16)}), cannot represent as ASCII/Latin-1` +
          (invalid > 1 ? ` (and ${invalid - 1} more in this putString; each was written as a space)` : ""),
      );
    }
    const bytes = out.subarray(0, 4 + n);
    this.writeLengthPrefix(bytes, n);
    this.putBytes(bytes, "putString");
  }

  /** UTF-8 string: u32 byte length, then the UTF-8 bytes, no terminator. Lone surrogates become U+FFFD. */
  putUtf8String(value: string): void {
    checkString(value, "putUtf8String: value");
    const encoded = utf8Encoder.encode(value);
    if (encoded.length > STREAM_PEER_MAX_LENGTH) {
      throw new RangeError(`putUtf8String: encoded length ${encoded.length} exceeds ${STREAM_PEER_MAX_LENGTH} bytes`);
    }
    const out = new Uint8Array(4 + encoded.length);
    out.set(encoded, 4);
    this.writeLengthPrefix(out, encoded.length);
    this.putBytes(out, "putUtf8String");
  }

  /**
   * Godot's put_var: u32 length in the stream's endianness, then the Variant
   * encoding (always little-endian). `options.protocol: "godot3"` writes Godot 3's.
   */
  putVar(value: unknown, fullObjects = false, options?: VariantOptions): void {
    this.putBytes(encodeStreamVar(value, fullObjects, this.bigEndian, options), "putVar");
  }

  private writeLengthPrefix(out: Uint8Array, length: number): void {
    new DataView(out.buffer, out.byteOffset).setUint32(0, length, !this.bigEndian);
  }

  private putBytes(bytes: Uint8Array, what: string): void {
    const err = this.putData(bytes);
    if (err !== GodotError.OK) {
      throw new NetError(err, `${what}: could not queue ${bytes.length} bytes (${GodotError[err]})`);
    }
  }

  // ---- typed gets (synchronous, atomic) ----

  get8(): number {
    return this.readView(1, "get8").getInt8(0);
  }

  getU8(): number {
    return this.readView(1, "getU8").getUint8(0);
  }

  get16(): number {
    return this.readView(2, "get16").getInt16(0, !this.bigEndian);
  }

  getU16(): number {
    return this.readView(2, "getU16").getUint16(0, !this.bigEndian);
  }

  get32(): number {
    return this.readView(4, "get32").getInt32(0, !this.bigEndian);
  }

  getU32(): number {
    return this.readView(4, "getU32").getUint32(0, !this.bigEndian);
  }

  get64(): bigint {
    return this.readView(8, "get64").getBigInt64(0, !this.bigEndian);
  }

  getU64(): bigint {
    return this.readView(8, "getU64").getBigUint64(0, !this.bigEndian);
  }

  getHalf(): number {
    return numberFromHalfBits(this.readView(2, "getHalf").getUint16(0, !this.bigEndian));
  }

  getFloat(): number {
    return this.readView(4, "getFloat").getFloat32(0, !this.bigEndian);
  }

  getDouble(): number {
    return this.readView(8, "getDouble").getFloat64(0, !this.bigEndian);
  }

  /**
   * `bytes` bytes (or, when negative, a u32 length prefix and that many bytes)
   * decoded the way Godot builds a String from a C string: each byte is one
   * Latin-1 character and the text ends at the first NUL byte. All the bytes are
   * consumed either way.
   */
  getString(bytes = -1): string {
    const body = this.readStringBody(bytes, "getString");
    const nul = body.indexOf(0);
    return latin1(nul === -1 ? body : body.subarray(0, nul));
  }

  /**
   * `bytes` bytes (or, when negative, a u32 length prefix and that many bytes)
   * decoded as UTF-8; a leading byte-order mark is dropped and malformed
   * sequences become U+FFFD, as in Godot's String::utf8.
   */
  getUtf8String(bytes = -1): string {
    return utf8Decoder.decode(this.readStringBody(bytes, "getUtf8String"));
  }

  /**
   * Godot's get_var: the u32 length prefix and that many bytes, decoded. Atomic
   * like the other typed reads (ERR_BUSY until all of it has arrived; use
   * getVarAsync to wait). Returns null, as Godot does, when the bytes are not a
   * valid Variant (they are consumed) or the prefix is negative as an int32.
   */
  getVar(allowObjects = false, options?: VariantOptions): Variant {
    this.requireReceived(4, "getVar");
    this.peekReceived(this.scratch, 4);
    const length = this.scratchView.getUint32(0, !this.bigEndian);
    if (length > STREAM_PEER_MAX_LENGTH) {
      this.skipReceived(4);
      return null;
    }
    this.requireReceived(4 + length, "getVar");
    this.skipReceived(4);
    return decodeVarOrNull(this.takeReceived(length), allowObjects, options);
  }

  /**
   * getVar that waits for the whole Variant, where Godot's get_var blocks; in call
   * order with the other async reads. A length above the receive buffer bound
   * rejects with ERR_OUT_OF_MEMORY.
   */
  getVarAsync(allowObjects = false, options?: VariantOptions): Promise<Variant> {
    return this.serialized(async () => {
      await this.waitAvailable(4);
      this.peekReceived(this.scratch, 4);
      // A prefix that is negative as Godot's int32 is answered at once (null), as getVar does.
      if (this.scratchView.getUint32(0, !this.bigEndian) <= STREAM_PEER_MAX_LENGTH) await this.waitForStringBody(-1, "getVarAsync");
      return this.getVar(allowObjects, options);
    });
  }

  // ---- typed gets that wait (Godot's blocking forms) ----

  get8Async(): Promise<number> {
    return this.readWhenArrived(1, () => this.get8());
  }
  getU8Async(): Promise<number> {
    return this.readWhenArrived(1, () => this.getU8());
  }
  get16Async(): Promise<number> {
    return this.readWhenArrived(2, () => this.get16());
  }
  getU16Async(): Promise<number> {
    return this.readWhenArrived(2, () => this.getU16());
  }
  get32Async(): Promise<number> {
    return this.readWhenArrived(4, () => this.get32());
  }
  getU32Async(): Promise<number> {
    return this.readWhenArrived(4, () => this.getU32());
  }
  get64Async(): Promise<bigint> {
    return this.readWhenArrived(8, () => this.get64());
  }
  getU64Async(): Promise<bigint> {
    return this.readWhenArrived(8, () => this.getU64());
  }
  getHalfAsync(): Promise<number> {
    return this.readWhenArrived(2, () => this.getHalf());
  }
  getFloatAsync(): Promise<number> {
    return this.readWhenArrived(4, () => this.getFloat());
  }
  getDoubleAsync(): Promise<number> {
    return this.readWhenArrived(8, () => this.getDouble());
  }
  /** getString that waits for its bytes (and, for a negative `bytes`, its length prefix). */
  getStringAsync(bytes = -1): Promise<string> {
    return this.serialized(async () => this.getString(await this.waitForStringBody(bytes, "getStringAsync")));
  }
  /** getUtf8String that waits for its bytes (and, for a negative `bytes`, its length prefix). */
  getUtf8StringAsync(bytes = -1): Promise<string> {
    return this.serialized(async () => this.getUtf8String(await this.waitForStringBody(bytes, "getUtf8StringAsync")));
  }

  /** Wait until a string body is buffered; returns the `bytes` argument for the synchronous read. */
  private async waitForStringBody(bytes: number, what: string): Promise<number> {
    if (typeof bytes !== "number" || !Number.isInteger(bytes)) {
      throw new TypeError(`${what}: bytes must be an integer (negative reads the u32 length prefix), got ${String(bytes)}`);
    }
    if (bytes >= 0) {
      await this.waitAvailable(bytes);
      return bytes;
    }
    await this.waitAvailable(4);
    this.peekReceived(this.scratch, 4);
    const length = this.scratchView.getUint32(0, !this.bigEndian);
    if (length > STREAM_PEER_MAX_LENGTH || 4 + length > this.maxTypedRead()) {
      throw new NetError(GodotError.ERR_OUT_OF_MEMORY, `${what}: a ${length}-byte string is more than the receive buffer holds (${this.maxTypedRead()})`);
    }
    await this.waitAvailable(4 + length);
    return -1;
  }

  private readWhenArrived<T>(n: number, read: () => T): Promise<T> {
    return this.serialized(async () => {
      await this.waitAvailable(n);
      return read();
    });
  }

  /** Run `op` after every async read made before it has finished (so reads keep their order). */
  private serialized<T>(op: () => Promise<T>): Promise<T> {
    const run = this.asyncReads.then(op, op);
    this.asyncReads = run.catch(() => undefined);
    return run;
  }

  private readStringBody(bytes: number, what: string): Uint8Array {
    if (typeof bytes !== "number" || !Number.isInteger(bytes)) {
      throw new TypeError(`${what}: bytes must be an integer (negative reads the u32 length prefix), got ${String(bytes)}`);
    }
    if (bytes >= 0) {
      checkLength(bytes, what);
      this.requireReceived(bytes, what);
      return this.takeReceived(bytes);
    }
    this.requireReceived(4, what);
    this.peekReceived(this.scratch, 4);
    const length = this.scratchView.getUint32(0, !this.bigEndian);
    if (length > STREAM_PEER_MAX_LENGTH) {
      throw new NetError(GodotError.ERR_INVALID_DATA, `${what}: length prefix ${length} exceeds ${STREAM_PEER_MAX_LENGTH}`);
    }
    this.requireReceived(4 + length, what);
    this.skipReceived(4);
    return this.takeReceived(length);
  }

  private readView(n: number, what: string): DataView {
    this.requireReceived(n, what);
    this.peekReceived(this.scratch, n);
    this.skipReceived(n);
    return this.scratchView;
  }

  private requireReceived(n: number, what: string): void {
    const available = this.getAvailableBytes();
    if (available >= n) return;
    if (n > this.maxTypedRead()) {
      throw new NetError(
        GodotError.ERR_OUT_OF_MEMORY,
        `${what}: needs ${n} bytes, more than the receive buffer holds (${this.maxTypedRead()}); raise it or use getData`,
      );
    }
    const err = this.shortReadError();
    throw new NetError(err, `${what}: needs ${n} bytes, ${available} received so far (${GodotError[err]})`);
  }
}
