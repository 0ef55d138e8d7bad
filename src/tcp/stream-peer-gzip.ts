/**
 * Godot's StreamPeerGZIP: a StreamPeer that compresses (or decompresses) what is put into it, in
 * the gzip format or, with `useDeflate`, the zlib format (Godot names it "deflate": zlib's
 * deflateInit2 with 15 window bits writes the zlib header). What comes out is read with the
 * StreamPeer getters. As in Godot, output waits in a buffer of `bufferSize` bytes (rounded up to
 * a power of two) and input is taken only while more than 1 KiB of it is free, so a stream that is
 * never read cannot grow without bound; `finish()` ends a compressed stream.
 *
 * The codec is fflate's streaming one. fflate consumes every chunk it is given whole, so input
 * goes to it in slices small enough that even the worst deflate expansion (1032:1) of a slice
 * fits in what the buffer has free: the bound holds against hostile compressed input too.
 */
import { Gunzip, Gzip, Unzlib, Zlib } from "fflate";
import { GodotError, NetError } from "../errors.ts";
import { checkBool, checkInt } from "../util/args.ts";
import { ByteQueue } from "../util/byte-queue.ts";
import { DEFLATE_DEFAULT_LEVEL } from "../compress/deflate.ts";
import { StreamPeer, checkLength } from "./stream-peer.ts";

/** Godot's default buffer_size. */
export const STREAM_PEER_GZIP_DEFAULT_BUFFER_SIZE = 65535;
/** The largest bufferSize accepted (256 MiB of output held at most). */
const MAX_BUFFER_SIZE = 1 << 28;
/** Godot takes input only while more than this much of the buffer is free. */
const INPUT_HEADROOM = 1024;
/** The most output one byte of deflate data can produce (a 258-byte match per code of about 2 bits). */
const WORST_EXPANSION = 1032;
/** Input handed to the compressor at once, at most (its output is about as long at worst: stored blocks). */
const COMPRESS_SLICE = 16 * 1024;

type Codec = Gzip | Zlib | Gunzip | Unzlib;

export class StreamPeerGZIP extends StreamPeer {
  private codec: Codec | null = null;
  private compressing = false;
  private ended = false;
  private capacity = 0;
  private readonly output = new ByteQueue();
  /** Set by the codec's callback when the data it was given does not decode. */
  private corrupt = false;

  /** Begin compressing what is put in: gzip, or zlib with `useDeflate`. ERR_ALREADY_IN_USE while a stream runs (clear() first). */
  startCompression(useDeflate = false, bufferSize = STREAM_PEER_GZIP_DEFAULT_BUFFER_SIZE): GodotError {
    return this.start(true, useDeflate, bufferSize, "startCompression");
  }

  /** Begin decompressing what is put in: gzip, or zlib with `useDeflate`. */
  startDecompression(useDeflate = false, bufferSize = STREAM_PEER_GZIP_DEFAULT_BUFFER_SIZE): GodotError {
    return this.start(false, useDeflate, bufferSize, "startDecompression");
  }

  private start(compress: boolean, useDeflate: boolean, bufferSize: number, what: string): GodotError {
    checkBool(useDeflate, `${what}: useDeflate`);
    checkInt(bufferSize, `${what}: bufferSize`, 1, MAX_BUFFER_SIZE);
    if (this.codec) return GodotError.ERR_ALREADY_IN_USE;
    this.clear();
    this.compressing = compress;
    // Godot's ring buffer: 2^(bit length of bufferSize - 1) bytes.
    this.capacity = 2 ** Math.max(0, Math.floor(Math.log2(Math.max(1, bufferSize - 1))) + 1);
    const onData = (chunk: Uint8Array): void => this.output.push(chunk);
    if (compress) {
      this.codec = useDeflate ? new Zlib({ level: DEFLATE_DEFAULT_LEVEL }, onData) : new Gzip({ level: DEFLATE_DEFAULT_LEVEL }, onData);
    } else {
      this.codec = useDeflate ? new Unzlib(onData) : new Gunzip(onData);
    }
    return GodotError.OK;
  }

  /**
   * Ends a compressed stream, writing what the compressor holds and the trailer. ERR_UNAVAILABLE
   * unless compressing; a stream already finished gives OK and writes nothing more, as zlib's
   * deflate(Z_FINISH) answers Godot's finish() again.
   */
  finish(): GodotError {
    if (!this.codec || !this.compressing) return GodotError.ERR_UNAVAILABLE;
    if (this.ended) return GodotError.OK;
    this.ended = true;
    this.codec.push(new Uint8Array(0), true);
    return GodotError.OK;
  }

  /** Drops the stream and what it produced; start again with startCompression/startDecompression. */
  clear(): void {
    this.codec = null;
    this.ended = false;
    this.corrupt = false;
    this.output.clear();
  }

  putData(data: Uint8Array): GodotError {
    const [err, taken] = this.putPartialData(data);
    if (err !== GodotError.OK) return err;
    return taken === data.length ? GodotError.OK : GodotError.ERR_OUT_OF_MEMORY;
  }

  /**
   * Feed what fits: input is taken while more than 1 KiB of the output buffer is free, so read the
   * output and put the rest again. ERR_UNCONFIGURED before a start; FAILED for data that does not
   * decompress (the stream is then over: clear() it).
   */
  putPartialData(data: Uint8Array): [GodotError, number] {
    if (!(data instanceof Uint8Array)) throw new TypeError("putPartialData: data must be a Uint8Array");
    // Godot's put_data / put_partial_data bindings answer an empty array before the stream looks at it.
    if (data.length === 0) return [GodotError.OK, 0];
    const codec = this.codec;
    if (!codec) return [GodotError.ERR_UNCONFIGURED, 0];
    if (this.corrupt || this.ended) return [GodotError.FAILED, 0];
    let taken = 0;
    while (taken < data.length) {
      const free = this.capacity - this.output.length;
      if (free <= INPUT_HEADROOM) break;
      const room = free - INPUT_HEADROOM;
      const slice = this.compressing ? Math.min(COMPRESS_SLICE, room) : Math.max(1, Math.floor(room / WORST_EXPANSION));
      const end = Math.min(data.length, taken + slice);
      try {
        codec.push(data.subarray(taken, end), false);
      } catch {
        this.corrupt = true;
        return [GodotError.FAILED, taken];
      }
      taken = end;
    }
    return [GodotError.OK, taken];
  }

  /** Resolves at once with `bytes` bytes of output, or rejects with ERR_UNAVAILABLE when fewer are ready (consuming nothing). */
  getData(bytes: number): Promise<Uint8Array> {
    try {
      checkLength(bytes, "getData");
    } catch (err) {
      return Promise.reject(err);
    }
    if (this.output.length < bytes) {
      return Promise.reject(new NetError(GodotError.ERR_UNAVAILABLE, `getData: ${bytes} bytes requested, ${this.output.length} ready`));
    }
    return Promise.resolve(this.takeReceived(bytes));
  }

  getPartialData(bytes: number): [GodotError, Uint8Array] {
    checkLength(bytes, "getPartialData");
    return [GodotError.OK, this.takeReceived(Math.min(bytes, this.output.length))];
  }

  getAvailableBytes(): number {
    return this.output.length;
  }

  protected override peekReceived(dst: Uint8Array, n: number): void {
    this.output.peekInto(dst, n);
  }

  protected override takeReceived(n: number): Uint8Array {
    return this.output.read(n).slice();
  }

  protected override skipReceived(n: number): void {
    this.output.discard(n);
  }

  protected override shortReadError(): GodotError {
    return GodotError.ERR_UNAVAILABLE;
  }
}
