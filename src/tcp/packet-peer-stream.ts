/**
 * Godot's PacketPeerStream: packets over any StreamPeer (a StreamPeerTCP, StreamPeerTLS, ...),
 * each framed as Godot frames it: a 32-bit little-endian length, then that many bytes. Like
 * Godot's it has no events: every call first moves what the stream has received into the input
 * buffer, so a program polls it (and the stream, where the stream needs polling).
 */
import { GodotError } from "../errors.ts";
import { VariantPacketPeer } from "../core/packet-peer.ts";
import { ByteQueue } from "../util/byte-queue.ts";
import { StreamPeer } from "./stream-peer.ts";

/** Each packet's length prefix. */
const LENGTH_PREFIX_SIZE = 4;
/** Godot's default buffers: 2^network/limits/packet_peer_stream/max_buffer_po2 (16) bytes, of which 4 frame. */
export const PACKET_PEER_STREAM_DEFAULT_BUFFER_MAX_SIZE = (1 << 16) - LENGTH_PREFIX_SIZE;
/** The largest buffer size accepted (Godot's are ints; 256 MiB keeps one peer's memory bounded). */
export const PACKET_PEER_STREAM_MAX_BUFFER_MAX_SIZE = (1 << 28) - LENGTH_PREFIX_SIZE;

/** Godot's buffer sizing: the next power of two that holds `maxSize` and the length prefix. */
function bufferBytes(maxSize: number, name: string): number {
  if (!Number.isInteger(maxSize) || maxSize < 0 || maxSize > PACKET_PEER_STREAM_MAX_BUFFER_MAX_SIZE) {
    throw new RangeError(`${name} must be an integer in 0..${PACKET_PEER_STREAM_MAX_BUFFER_MAX_SIZE}, got ${String(maxSize)}`);
  }
  let size = 1;
  while (size < maxSize + LENGTH_PREFIX_SIZE) size *= 2;
  return size;
}

export class PacketPeerStream extends VariantPacketPeer {
  private peer: StreamPeer | null = null;
  private readonly input = new ByteQueue();
  /** Bytes the input buffer holds at most: a packet's prefix and payload must fit in it. */
  private inputBytes = bufferBytes(PACKET_PEER_STREAM_DEFAULT_BUFFER_MAX_SIZE, "inputBufferMaxSize");
  private outputBytes = bufferBytes(PACKET_PEER_STREAM_DEFAULT_BUFFER_MAX_SIZE, "outputBufferMaxSize");
  private packetError = GodotError.OK;
  private readonly prefix = new Uint8Array(LENGTH_PREFIX_SIZE);
  /** Set after an oversized packet: reading stops until another stream is set. */
  private stalled = false;
  /**
   * Packets announced larger than the input buffer. Godot waits for such a packet forever; here
   * the stream is given up on (nothing more is read from it: its framing cannot be trusted) and
   * getPacket() reports ERR_OUT_OF_MEMORY until another stream is set.
   */
  oversizedPackets = 0;

  /** The stream packets travel over (Godot's `stream_peer`); setting another one drops what was buffered. */
  get streamPeer(): StreamPeer | null {
    return this.peer;
  }
  set streamPeer(peer: StreamPeer | null) {
    this.setStreamPeer(peer);
  }

  getStreamPeer(): StreamPeer | null {
    return this.peer;
  }

  setStreamPeer(peer: StreamPeer | null): void {
    if (peer !== null && !(peer instanceof StreamPeer)) throw new TypeError("peer must be a StreamPeer or null");
    if (peer !== this.peer) {
      this.input.clear();
      this.stalled = false;
    }
    this.peer = peer;
  }

  /** The largest packet receivable (Godot's `input_buffer_max_size`, default 65532); a power of two less 4 once set. */
  get inputBufferMaxSize(): number {
    return this.inputBytes - LENGTH_PREFIX_SIZE;
  }
  set inputBufferMaxSize(maxSize: number) {
    this.setInputBufferMaxSize(maxSize);
  }

  getInputBufferMaxSize(): number {
    return this.inputBufferMaxSize;
  }

  /** Ignored, as in Godot, while received bytes are buffered (resizing would lose them). */
  setInputBufferMaxSize(maxSize: number): void {
    const bytes = bufferBytes(maxSize, "inputBufferMaxSize");
    if (this.input.length > 0) return;
    this.inputBytes = bytes;
  }

  /** The largest packet sendable (Godot's `output_buffer_max_size`, default 65532). */
  get outputBufferMaxSize(): number {
    return this.outputBytes - LENGTH_PREFIX_SIZE;
  }
  set outputBufferMaxSize(maxSize: number) {
    this.setOutputBufferMaxSize(maxSize);
  }

  getOutputBufferMaxSize(): number {
    return this.outputBufferMaxSize;
  }

  setOutputBufferMaxSize(maxSize: number): void {
    this.outputBytes = bufferBytes(maxSize, "outputBufferMaxSize");
  }

  /**
   * Moves what the stream has into the input buffer, up to its size. The stream is read even when
   * it has nothing, as Godot's _poll_buffer() reads: that read is what finds a closed or failed
   * stream (a StreamPeerTCP whose peer closed goes to NONE there), and putPacket returns its error.
   */
  private pollStream(): GodotError {
    const peer = this.peer;
    if (peer === null) return GodotError.ERR_UNCONFIGURED;
    if (this.stalled) return GodotError.OK;
    const room = this.inputBytes - this.input.length;
    if (room <= 0) return GodotError.OK;
    const available = peer.getAvailableBytes();
    const [err, bytes] = peer.getPartialData(available > 0 ? Math.min(room, available) : room);
    if (err !== GodotError.OK) return err;
    if (bytes.length > 0) this.input.push(bytes);
    return GodotError.OK;
  }

  /** Length of the packet at `offset` in the input buffer, or -1 when its prefix has not all arrived. */
  private lengthAt(offset: number): number {
    if (this.input.length - offset < LENGTH_PREFIX_SIZE) return -1;
    this.input.peekInto(this.prefix, LENGTH_PREFIX_SIZE, 0, offset);
    const p = this.prefix;
    return (p[0]! | (p[1]! << 8) | (p[2]! << 16) | (p[3]! << 24)) >>> 0;
  }

  /** Whether the first buffered packet can never fit: then the stream is given up on. */
  private checkOversized(): boolean {
    if (this.stalled) return true;
    const length = this.lengthAt(0);
    if (length < 0 || length + LENGTH_PREFIX_SIZE <= this.inputBytes) return false;
    this.stalled = true;
    this.oversizedPackets++;
    return true;
  }

  /** Complete packets buffered (reads the stream first). */
  getAvailablePacketCount(): number {
    this.pollStream();
    if (this.checkOversized()) return 0;
    let count = 0;
    let offset = 0;
    for (;;) {
      const length = this.lengthAt(offset);
      if (length < 0 || this.input.length - offset - LENGTH_PREFIX_SIZE < length) return count;
      offset += LENGTH_PREFIX_SIZE + length;
      count++;
    }
  }

  /**
   * The oldest complete packet; empty with getPacketError() ERR_UNAVAILABLE when none has fully
   * arrived, ERR_UNCONFIGURED without a stream, ERR_OUT_OF_MEMORY after an oversized packet.
   */
  getPacket(): Uint8Array {
    const empty = new Uint8Array(0);
    if (this.peer === null) {
      this.packetError = GodotError.ERR_UNCONFIGURED;
      return empty;
    }
    this.pollStream();
    if (this.checkOversized()) {
      this.packetError = GodotError.ERR_OUT_OF_MEMORY;
      return empty;
    }
    const length = this.lengthAt(0);
    if (length < 0 || this.input.length - LENGTH_PREFIX_SIZE < length) {
      this.packetError = GodotError.ERR_UNAVAILABLE;
      return empty;
    }
    this.input.discard(LENGTH_PREFIX_SIZE);
    this.packetError = GodotError.OK;
    return this.input.read(length);
  }

  getPacketError(): GodotError {
    return this.packetError;
  }

  /**
   * Sends one packet, prefixed with its length. As Godot: an empty packet sends nothing and is OK
   * (with or without a stream); ERR_UNCONFIGURED without a stream; the error of the read that comes
   * first (ERR_FILE_EOF once the other side closed, FAILED when the stream is not connected);
   * ERR_INVALID_PARAMETER above outputBufferMaxSize; otherwise the stream's putData result.
   */
  putPacket(buffer: Uint8Array): GodotError {
    if (!(buffer instanceof Uint8Array)) throw new TypeError("buffer must be a Uint8Array");
    // Godot's put_packet binding answers an empty array before the peer (or its stream) sees it.
    if (buffer.length === 0) return GodotError.OK;
    const peer = this.peer;
    if (peer === null) return GodotError.ERR_UNCONFIGURED;
    const polled = this.pollStream();
    if (polled !== GodotError.OK) return polled;
    if (buffer.length + LENGTH_PREFIX_SIZE > this.outputBytes) return GodotError.ERR_INVALID_PARAMETER;
    const framed = new Uint8Array(LENGTH_PREFIX_SIZE + buffer.length);
    new DataView(framed.buffer).setUint32(0, buffer.length, true);
    framed.set(buffer, LENGTH_PREFIX_SIZE);
    return peer.putData(framed);
  }

}
