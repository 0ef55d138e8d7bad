/**
 * Godot's StreamPeerTLS: TLS 1.2 over any StreamPeer (usually a connected StreamPeerTCP),
 * poll-driven like Godot's. The protocol is the same sans-IO core as DTLS, in its stream
 * form (src/dtls/session.ts with `stream: true`); this class only moves bytes between
 * the wrapped stream and the core and keeps the decrypted bytes for the StreamPeer API.
 */
import { GodotError, NetError } from "../errors.ts";
import { TLSOptions } from "../crypto/tls-options.ts";
import { DtlsSession, DtlsStatus } from "../dtls/session.ts";
import { clientConfig, defaultRandom, serverConfig } from "../dtls/tls-config.ts";
import { MAX_PLAINTEXT_LENGTH } from "../dtls/constants.ts";
import { StreamPeer, checkLength } from "../tcp/stream-peer.ts";
import { StreamPeerTCP } from "../tcp/tcp.ts";
import { ByteQueue } from "../util/byte-queue.ts";
import { Fifo } from "../util/fifo.ts";

/** Godot's StreamPeerTLS.Status (same values as PacketPeerDTLS's). */
export enum StreamPeerTLSStatus {
  STATUS_DISCONNECTED = 0,
  STATUS_HANDSHAKING = 1,
  STATUS_CONNECTED = 2,
  STATUS_ERROR = 3,
  STATUS_ERROR_HOSTNAME_MISMATCH = 4,
}

/** Decrypted bytes held at most before reading from the wrapped stream pauses. */
export const TLS_MAX_BUFFERED_PLAINTEXT = 4 << 20;

/** Encrypted bytes held at most while the wrapped stream refuses more (ERR_BUSY); putData returns ERR_BUSY beyond. */
export const TLS_MAX_PENDING_OUTPUT = 4 << 20;

/** A monotonic millisecond count for the handshake deadline (the core itself reads no clock). */
const now = (): number => performance.now();

export class StreamPeerTLS extends StreamPeer {
  static readonly STATUS_DISCONNECTED = StreamPeerTLSStatus.STATUS_DISCONNECTED;
  static readonly STATUS_HANDSHAKING = StreamPeerTLSStatus.STATUS_HANDSHAKING;
  static readonly STATUS_CONNECTED = StreamPeerTLSStatus.STATUS_CONNECTED;
  static readonly STATUS_ERROR = StreamPeerTLSStatus.STATUS_ERROR;
  static readonly STATUS_ERROR_HOSTNAME_MISMATCH = StreamPeerTLSStatus.STATUS_ERROR_HOSTNAME_MISMATCH;

  private inner: StreamPeer | null = null;
  private session: DtlsSession | null = null;
  /** Status and reason once the session was dropped because the wrapped TCP connection ended. */
  private droppedStatus = StreamPeerTLSStatus.STATUS_DISCONNECTED;
  private droppedReason = "";
  private readonly received = new ByteQueue();
  /** Records the wrapped stream refused with ERR_BUSY, sent in order before any newer one. */
  private readonly pendingOut = new Fifo<Uint8Array>(4);
  private pendingOutBytes = 0;

  /**
   * Start a TLS client handshake over `stream` (already connected), verifying the server as
   * `commonName`. FAILED, with STATUS_ERROR_HOSTNAME_MISMATCH, when the stream refuses the first
   * flight (a StreamPeerTCP not connected), as Godot 4.6's connect_to_stream reports a handshake
   * that fails at once.
   */
  connectToStream(stream: StreamPeer, commonName: string, clientOptions: TLSOptions | null = null): GodotError {
    if (!(stream instanceof StreamPeer)) throw new TypeError("stream must be a StreamPeer");
    if (typeof commonName !== "string") throw new TypeError("commonName must be a string");
    if (clientOptions !== null && (typeof clientOptions !== "object" || clientOptions.isServer())) throw new TypeError("clientOptions must be TLSOptions.client(...) or clientUnsafe(...)");
    if (this.isActive()) return GodotError.ERR_ALREADY_IN_USE;
    const options = clientOptions ?? defaultClientOptions();
    if (this.begin(stream, DtlsSession.client({ ...clientConfig(options, commonName, defaultRandom), stream: true }, now())) !== GodotError.OK) {
      this.end(StreamPeerTLSStatus.STATUS_ERROR_HOSTNAME_MISMATCH, "the stream refused the ClientHello");
      return GodotError.FAILED;
    }
    return GodotError.OK;
  }

  /**
   * Answer a TLS client on `stream` with the server identity of `serverOptions`. FAILED, with
   * STATUS_ERROR, on a StreamPeerTCP that is not connected (Godot 4.6's first read fails there).
   */
  acceptStream(stream: StreamPeer, serverOptions: TLSOptions): GodotError {
    if (!(stream instanceof StreamPeer)) throw new TypeError("stream must be a StreamPeer");
    if (!serverOptions || typeof serverOptions !== "object" || !serverOptions.isServer()) throw new TypeError("serverOptions must be TLSOptions.server(key, certificate)");
    if (this.isActive()) return GodotError.ERR_ALREADY_IN_USE;
    this.begin(stream, DtlsSession.server({ ...serverConfig(serverOptions, defaultRandom), stream: true }, now()));
    if (stream instanceof StreamPeerTCP && stream.getStatus() !== StreamPeerTCP.STATUS_CONNECTED) {
      this.end(StreamPeerTLSStatus.STATUS_ERROR, "the stream is not connected");
      return GodotError.FAILED;
    }
    return GodotError.OK;
  }

  /** Take `stream` and `session`, and send the first flight: the stream's code for it. */
  private begin(stream: StreamPeer, session: DtlsSession): GodotError {
    this.inner = stream;
    this.session = session;
    this.pendingOut.clear();
    this.pendingOutBytes = 0;
    this.droppedStatus = StreamPeerTLSStatus.STATUS_DISCONNECTED;
    this.droppedReason = "";
    this.received.clear();
    return this.flush();
  }

  /** Drop the session without a word to the peer, leaving `status` and `reason`. */
  private end(status: StreamPeerTLSStatus, reason: string): void {
    this.droppedStatus = status;
    this.droppedReason = reason;
    this.session = null;
    this.inner = null;
    this.pendingOut.clear();
    this.pendingOutBytes = 0;
  }

  /** Move bytes both ways and advance the handshake. Call regularly, as in Godot. */
  poll(): void {
    const s = this.session;
    const inner = this.inner;
    if (!s || !inner) return;
    const pollable = inner as unknown as { poll?: () => unknown };
    if (typeof pollable.poll === "function") pollable.poll();
    // A session that has ended (close_notify, or a fatal alert) reads no further, as Godot 4.6's poll.
    while (this.received.length < TLS_MAX_BUFFERED_PLAINTEXT && this.isActive()) {
      const n = inner.getAvailableBytes();
      if (n === 0) break;
      const [err, data] = inner.getPartialData(Math.min(n, 65536));
      if (err !== GodotError.OK || data.length === 0) break;
      s.receive(now(), data);
      // Taken at once, so the loop's bound sees them: the session keeps every record it is fed.
      for (let d = s.pollApplicationData(); d; d = s.pollApplicationData()) this.received.push(d);
    }
    s.handleTimeout(now());
    this.flush();
    // As Godot 4.6's poll: a wrapped StreamPeerTCP that is no longer connected ends the session
    // (a peer that drops TCP without close_notify would otherwise leave us CONNECTED for ever).
    if (inner instanceof StreamPeerTCP && inner.getStatus() !== StreamPeerTCP.STATUS_CONNECTED && this.isActive()) {
      if (s.status === DtlsStatus.STATUS_HANDSHAKING) this.end(StreamPeerTLSStatus.STATUS_ERROR, "the TCP connection ended during the handshake");
      else this.end(StreamPeerTLSStatus.STATUS_DISCONNECTED, "");
    }
  }

  private isActive(): boolean {
    const status = this.session?.status;
    return status === DtlsStatus.STATUS_HANDSHAKING || status === DtlsStatus.STATUS_CONNECTED;
  }

  /**
   * Hand the session's records to the wrapped stream, in order. One the stream refuses as busy
   * (its send queue is full) waits, with every record after it, for the next flush: dropping it
   * would break the record sequence and end the session at the peer.
   */
  private flush(): GodotError {
    const s = this.session;
    const inner = this.inner;
    if (!s || !inner) return GodotError.OK;
    for (let d = s.pollTransmit(); d; d = s.pollTransmit()) {
      this.pendingOut.push(d);
      this.pendingOutBytes += d.length;
    }
    let result = GodotError.OK;
    while (this.pendingOut.length > 0) {
      const d = this.pendingOut.peek()!;
      const err = inner.putData(d);
      if (err === GodotError.ERR_BUSY) break;
      if (err !== GodotError.OK && result === GodotError.OK) result = err;
      this.pendingOut.shift();
      this.pendingOutBytes -= d.length;
    }
    return result;
  }

  /**
   * CONNECTED while bytes that came before the session's end wait to be read (the peer's last
   * data and its close_notify often arrive together): Godot's poll reads no record past data not
   * yet taken, so a loop that reads only while CONNECTED gets them all there too.
   */
  getStatus(): StreamPeerTLSStatus {
    const status = this.sessionStatus();
    return this.received.length > 0 ? StreamPeerTLSStatus.STATUS_CONNECTED : status;
  }

  private sessionStatus(): StreamPeerTLSStatus {
    return this.session ? (this.session.status as number as StreamPeerTLSStatus) : this.droppedStatus;
  }

  /** The wrapped stream while handshaking or connected; null once the session ended, as Godot's get_stream. */
  getStream(): StreamPeer | null {
    return this.isActive() ? this.inner : null;
  }

  /** The reason of STATUS_ERROR, or "". */
  getErrorMessage(): string {
    return this.session?.errorMessage ?? this.droppedReason;
  }

  /**
   * Send close_notify and let go of the stream (it stays open; close it yourself). Bytes not yet
   * read are discarded, as Godot's frees the session. Not connected or handshaking: nothing
   * changes, so an error status stays, as Godot 4.6's; but a session the peer ended while its
   * last bytes wait counts as connected (getStatus), and ends DISCONNECTED here.
   */
  disconnectFromStream(): void {
    const waiting = this.received.length > 0;
    this.received.clear();
    if (this.isActive()) {
      this.session!.close();
      this.flush();
    } else if (!waiting) {
      return;
    }
    this.end(StreamPeerTLSStatus.STATUS_DISCONNECTED, "");
  }

  // ---- StreamPeer ----

  putData(data: Uint8Array): GodotError {
    if (!(data instanceof Uint8Array)) throw new TypeError("data must be a Uint8Array");
    const s = this.session;
    if (!s || s.status !== DtlsStatus.STATUS_CONNECTED) {
      // Ended with bytes still to read (still CONNECTED, see getStatus): the peer has gone, as
      // Godot's write in that window, which succeeds; nothing is sent.
      return this.received.length > 0 ? GodotError.OK : GodotError.ERR_UNCONFIGURED;
    }
    this.flush();
    if (this.pendingOutBytes + data.length > TLS_MAX_PENDING_OUTPUT && this.pendingOutBytes > 0) return GodotError.ERR_BUSY;
    for (let o = 0; o < data.length; o += MAX_PLAINTEXT_LENGTH) {
      const err = s.send(data.subarray(o, o + MAX_PLAINTEXT_LENGTH));
      if (err !== GodotError.OK) return err;
      // Each record leaves the session at once: its outbox holds 4,096 at most, and data over
      // 64 MiB stopped there with ERR_OUT_OF_MEMORY after the first 64 MiB had gone out.
      this.flush();
    }
    return GodotError.OK;
  }

  putPartialData(data: Uint8Array): [GodotError, number] {
    const err = this.putData(data);
    return [err, err === GodotError.OK ? data.length : 0];
  }

  /**
   * Resolve with exactly `bytes` decrypted bytes, polling the wrapped stream (Godot's get_data
   * blocks). Rejects with Godot 4.6's codes: ERR_UNCONFIGURED when not handshaking or connected,
   * ERR_FILE_EOF when the peer closes (close_notify, or its TCP connection ends) first,
   * ERR_CONNECTION_ERROR when the session fails first.
   */
  async getData(bytes: number): Promise<Uint8Array> {
    checkLength(bytes, "getData");
    if (this.received.length < bytes && !this.isActive()) throw new NetError(GodotError.ERR_UNCONFIGURED, "StreamPeerTLS.getData: not connected");
    for (;;) {
      this.poll();
      if (this.received.length >= bytes) return this.received.read(bytes);
      const inner = this.inner;
      if (!inner || !this.isActive()) {
        const eof = this.sessionStatus() === StreamPeerTLSStatus.STATUS_DISCONNECTED;
        throw new NetError(eof ? GodotError.ERR_FILE_EOF : GodotError.ERR_CONNECTION_ERROR, `StreamPeerTLS.getData: the TLS session ended before ${bytes} bytes arrived`);
      }
      try {
        await inner.waitAvailable(1);
      } catch (err) {
        // The wrapped stream ended: the next poll() ends the session and says how, unless it is not a TCP peer.
        this.poll();
        if (this.isActive()) throw err;
      }
    }
  }

  getPartialData(bytes: number): [GodotError, Uint8Array] {
    checkLength(bytes, "getPartialData");
    this.poll();
    const n = Math.min(bytes, this.received.length);
    if (n === 0 && this.getStatus() !== StreamPeerTLSStatus.STATUS_CONNECTED) return [GodotError.ERR_UNCONFIGURED, new Uint8Array(0)];
    return [GodotError.OK, this.received.read(n)];
  }

  getAvailableBytes(): number {
    return this.received.length;
  }

  protected peekReceived(dst: Uint8Array, n: number): void {
    this.received.peekInto(dst, n);
  }

  protected takeReceived(n: number): Uint8Array {
    return this.received.read(n);
  }

  protected skipReceived(n: number): void {
    this.received.discard(n);
  }
}

function defaultClientOptions(): TLSOptions {
  return TLSOptions.client();
}
