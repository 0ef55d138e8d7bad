/**
 * Godot's StreamPeerBuffer: the StreamPeer API over an in-memory byte array
 * with a read/write cursor. Writes overwrite from the cursor and grow the
 * array; reads consume from the cursor. Useful to build or parse messages
 * without a socket, byte-for-byte as a socket peer would send them.
 */
import { GodotError, NetError } from "../errors.ts";
import { STREAM_PEER_MAX_LENGTH, StreamPeer, checkLength } from "./stream-peer.ts";
import { checkBytes, checkInt } from "../util/args.ts";

export class StreamPeerBuffer extends StreamPeer {
  private storage = new Uint8Array(64);
  private size = 0;
  private pointer = 0;

  /** The bytes from 0 to getSize() (a copy). */
  get dataArray(): Uint8Array {
    return this.storage.slice(0, this.size);
  }

  set dataArray(data: Uint8Array) {
    this.setDataArray(data);
  }

  getDataArray(): Uint8Array {
    return this.dataArray;
  }

  /** Replace the contents with a copy of `data` and move the cursor to 0. */
  setDataArray(data: Uint8Array): void {
    checkBytes(data, "setDataArray: data");
    this.storage = new Uint8Array(Math.max(64, data.length));
    this.storage.set(data);
    this.size = data.length;
    this.pointer = 0;
  }

  getSize(): number {
    return this.size;
  }

  getPosition(): number {
    return this.pointer;
  }

  seek(position: number): void {
    checkInt(position, "seek: position", 0, this.size);
    this.pointer = position;
  }

  /** Grow (zero-filled) or shrink the contents; the cursor is clamped to the new size. */
  resize(size: number): void {
    checkInt(size, "resize: size", 0, STREAM_PEER_MAX_LENGTH);
    this.ensureCapacity(size);
    if (size > this.size) this.storage.fill(0, this.size, size);
    this.size = size;
    if (this.pointer > size) this.pointer = size;
  }

  clear(): void {
    this.size = 0;
    this.pointer = 0;
  }

  /**
   * A new buffer with a copy of the contents and the cursor at 0. As Godot 4.6's duplicate(),
   * only the bytes are copied: the copy is little-endian whatever `bigEndian` is here.
   */
  duplicate(): StreamPeerBuffer {
    const copy = new StreamPeerBuffer();
    copy.setDataArray(this.storage.subarray(0, this.size));
    return copy;
  }

  putData(data: Uint8Array): GodotError {
    checkBytes(data, "putData: data");
    const end = this.pointer + data.length;
    if (end > STREAM_PEER_MAX_LENGTH) return GodotError.ERR_OUT_OF_MEMORY;
    this.ensureCapacity(end);
    this.storage.set(data, this.pointer);
    this.pointer = end;
    if (end > this.size) this.size = end;
    return GodotError.OK;
  }

  putPartialData(data: Uint8Array): [GodotError, number] {
    const err = this.putData(data);
    return [err, err === GodotError.OK ? data.length : 0];
  }

  /**
   * Resolves at once with `bytes` bytes from the cursor, or rejects with Godot's code for it,
   * ERR_INVALID_PARAMETER, if fewer remain (consuming nothing; Godot consumes what is left).
   */
  getData(bytes: number): Promise<Uint8Array> {
    try {
      checkLength(bytes, "getData");
    } catch (err) {
      return Promise.reject(err);
    }
    if (this.getAvailableBytes() < bytes) {
      return Promise.reject(
        new NetError(GodotError.ERR_INVALID_PARAMETER, `getData: ${bytes} bytes requested, ${this.getAvailableBytes()} left in the buffer`),
      );
    }
    return Promise.resolve(this.takeReceived(bytes));
  }

  /** Up to `bytes` bytes from the cursor: `[OK, empty]` at the end, as Godot 4.6's (a buffer never fails a read). */
  getPartialData(bytes: number): [GodotError, Uint8Array] {
    checkLength(bytes, "getPartialData");
    return [GodotError.OK, this.takeReceived(Math.min(bytes, this.size - this.pointer))];
  }

  getAvailableBytes(): number {
    return this.size - this.pointer;
  }

  protected override peekReceived(dst: Uint8Array, n: number): void {
    dst.set(this.storage.subarray(this.pointer, this.pointer + n));
  }

  protected override takeReceived(n: number): Uint8Array {
    const out = this.storage.slice(this.pointer, this.pointer + n);
    this.pointer += n;
    return out;
  }

  protected override skipReceived(n: number): void {
    this.pointer += n;
  }

  protected override shortReadError(): GodotError {
    return GodotError.ERR_FILE_EOF;
  }

  private ensureCapacity(needed: number): void {
    if (needed <= this.storage.length) return;
    let cap = this.storage.length;
    while (cap < needed) cap *= 2;
    const grown = new Uint8Array(Math.min(cap, STREAM_PEER_MAX_LENGTH));
    grown.set(this.storage.subarray(0, this.size));
    this.storage = grown;
  }
}
