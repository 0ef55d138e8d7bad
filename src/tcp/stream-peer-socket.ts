/**
 * Godot's StreamPeerSocket: the status machine and buffering shared by
 * StreamPeerTCP and StreamPeerUDS, over one runtime Stream.
 *
 * Status follows Godot (core/io/stream_peer_socket.cpp):
 * - NONE -> CONNECTING on connectToHost; CONNECTING -> CONNECTED or ERROR when
 *   the connect completes, fails or times out (applied when it happens, so that
 *   `await connectToHost()` leaves the peer CONNECTED);
 * - CONNECTED -> NONE on poll() once the other side has closed cleanly (FIN) and
 *   every received byte has been read, or when a read finds the stream ended;
 * - CONNECTED -> ERROR on poll() after a reset or socket error (unread bytes are
 *   dropped, as the OS would); a read that finds nothing left, or a write, meeting the
 *   reset before poll() does disconnects to NONE with FAILED, as Godot's read()/write();
 * - disconnectFromHost() -> NONE from anywhere.
 *
 * Memory is bounded both ways: received bytes stop being read from the OS
 * (stream.pause) above `inboundBufferLimit` (or the size of a pending getData),
 * and `putPartialData` takes only what fits under `outboundBufferLimit`.
 *
 * The stream plumbing (connect deadline, generation guard, inbound buffer with
 * pause/resume) is the shared StreamBinding; this class is the status machine and
 * the StreamPeer reads and writes on top of it.
 */
import { GodotError, NetError } from "../errors.ts";
import { resolveIo } from "../transport/registry.ts";
import type { Clock, IoOptions, RuntimeAdapter, Stream, StreamConnectOptions } from "../transport/types.ts";
import { StreamBinding, type StreamBindingHandler } from "../stream/stream-binding.ts";
import { Fifo } from "../util/fifo.ts";
import { DetachedStream } from "./detached-stream.ts";
import { STREAM_PEER_MAX_LENGTH, StreamPeer, checkLength as checkReadLength } from "./stream-peer.ts";
import { checkBool, checkBytes, checkInt } from "../util/args.ts";

/** Godot's StreamPeerSocket.Status (formerly StreamPeerTCP.Status), same names and values. */
export enum StreamPeerSocketStatus {
  STATUS_NONE = 0,
  STATUS_CONNECTING = 1,
  STATUS_CONNECTED = 2,
  STATUS_ERROR = 3,
}

/** Godot's project setting network/limits/tcp/connect_timeout_seconds defaults to 30. */
export const DEFAULT_CONNECT_TIMEOUT_MS = 30_000;
/** Default bound on bytes queued for sending and not yet taken by the OS. */
export const DEFAULT_OUTBOUND_BUFFER_LIMIT = 4 * 1024 * 1024;
/** Default bound on bytes received and not yet read by the application. */
export const DEFAULT_INBOUND_BUFFER_LIMIT = 4 * 1024 * 1024;
/** How often `waitWritable` re-checks the send queue when no drain event is due. */
const WRITABLE_RECHECK_MS = 5;

export interface StreamPeerSocketOptions extends IoOptions {
  /** Give up a pending connect after this many milliseconds (default 30 000, Godot's default). */
  connectTimeoutMs?: number;
  /** Most bytes queued for sending before putPartialData takes less / putData refuses (default 4 MiB). */
  outboundBufferLimit?: number;
  /** Most received bytes buffered before reading from the OS pauses (default 4 MiB). */
  inboundBufferLimit?: number;
}

function optionalLimit(value: number | undefined, name: string, fallback: number): number {
  if (value === undefined) return fallback;
  checkInt(value, name, 1, STREAM_PEER_MAX_LENGTH);
  return value;
}

interface PendingRead {
  bytes: number;
  /** waitAvailable: resolve (with nothing) once `bytes` are buffered, consuming none. */
  peek: boolean;
  resolve: (data: Uint8Array) => void;
  reject: (err: Error) => void;
}

interface Waiter {
  resolve: () => void;
  reject: (err: Error) => void;
}

export abstract class StreamPeerSocket extends StreamPeer {
  static readonly Status = StreamPeerSocketStatus;
  static readonly STATUS_NONE = StreamPeerSocketStatus.STATUS_NONE;
  static readonly STATUS_CONNECTING = StreamPeerSocketStatus.STATUS_CONNECTING;
  static readonly STATUS_CONNECTED = StreamPeerSocketStatus.STATUS_CONNECTED;
  static readonly STATUS_ERROR = StreamPeerSocketStatus.STATUS_ERROR;

  protected readonly runtime: RuntimeAdapter;
  protected readonly clock: Clock;
  protected readonly connectTimeoutMs: number;
  protected readonly outboundBufferLimit: number;
  protected readonly inboundBufferLimit: number;

  /** The stream plumbing: connect deadline, generation guard, inbound buffer and read flow. */
  private readonly io: StreamBinding<StreamPeerSocket>;
  /** The connection while lent to another owner (WebSocketPeer.acceptStream). */
  private lent: DetachedStream | null = null;
  protected status = StreamPeerSocketStatus.STATUS_NONE;
  private readonly pendingReads = new Fifo<PendingRead>(4);
  private writableWaiters: Waiter[] = [];
  private writableTimer: unknown = null;
  /** The promise connectToHost returned, while the connect is pending. */
  private connectSettle: { resolve: () => void; reject: (err: Error) => void } | null = null;
  private noDelay: boolean | null = null;

  constructor(opts: StreamPeerSocketOptions = {}) {
    super();
    const { runtime, clock } = resolveIo(opts);
    this.runtime = runtime;
    this.clock = clock;
    this.connectTimeoutMs = optionalLimit(opts.connectTimeoutMs, "connectTimeoutMs", DEFAULT_CONNECT_TIMEOUT_MS);
    this.outboundBufferLimit = optionalLimit(opts.outboundBufferLimit, "outboundBufferLimit", DEFAULT_OUTBOUND_BUFFER_LIMIT);
    this.inboundBufferLimit = optionalLimit(opts.inboundBufferLimit, "inboundBufferLimit", DEFAULT_INBOUND_BUFFER_LIMIT);
    this.io = new StreamBinding(this.clock, StreamPeerSocket.streamEvents, this);
  }

  /** What every stream peer does on its stream's events: one object for all (see StreamBindingHandler). */
  private static readonly streamEvents: StreamBindingHandler<StreamPeerSocket> = {
    onData(peer) {
      peer.servePendingReads();
      peer.updateReadFlow();
    },
    onEnd(peer) {
      peer.servePendingReads();
    },
    onClose(peer) {
      peer.servePendingReads();
      peer.rejectWritableWaiters(new NetError(GodotError.ERR_CONNECTION_ERROR, "the connection closed while waiting to write"));
    },
    onDrain(peer) {
      peer.checkWritable();
    },
  };

  /** The connected stream (also while lent), null when there is none. */
  protected get stream(): Stream | null {
    return this.io.stream ?? this.lent;
  }

  /** Received bytes not read yet. */
  private get received(): StreamBinding["inbound"] {
    return this.io.inbound;
  }

  /** The other side closed cleanly (FIN, or a close without an error). */
  private get remoteEnded(): boolean {
    return this.io.ended || (this.io.closed && this.io.error === undefined);
  }

  /** The connection was reset or failed (a write found it closed). */
  private get failure(): Error | null {
    return this.io.error ?? null;
  }

  getStatus(): StreamPeerSocketStatus {
    return this.status;
  }

  /**
   * Advance the status machine: a pending connect past its timeout fails; an
   * established connection whose peer closed cleanly (and whose received bytes
   * have all been read) returns to NONE; one that was reset goes to ERROR.
   * Returns OK; ERR_CONNECTION_ERROR when this call failed a connect; FAILED when it found an
   * established connection reset (Godot returns its socket poll's FAILED there).
   */
  poll(): GodotError {
    if (this.status === StreamPeerSocketStatus.STATUS_CONNECTING) {
      // The binding's handler moves the peer to ERROR when the deadline has passed.
      return this.io.checkConnectDeadline(this.clock.now()) ? GodotError.ERR_CONNECTION_ERROR : GodotError.OK;
    }
    if (this.status !== StreamPeerSocketStatus.STATUS_CONNECTED || this.lent) return GodotError.OK;
    if (this.failure) {
      this.disconnectFromHost();
      this.status = StreamPeerSocketStatus.STATUS_ERROR;
      return GodotError.FAILED;
    }
    if (this.remoteEnded && this.received.length === 0) this.disconnectFromHost();
    return GodotError.OK;
  }

  /** Close the connection (or abandon a pending connect) and return to NONE. Pending reads reject. */
  disconnectFromHost(): void {
    const lent = this.lent;
    this.lent = null;
    lent?.close(); // closes the connection under its borrower
    this.io.release();
    const settle = this.connectSettle;
    this.connectSettle = null;
    settle?.reject(new NetError(GodotError.FAILED, "connect abandoned by disconnectFromHost()"));
    this.status = StreamPeerSocketStatus.STATUS_NONE;
    this.rejectPendingReads(new NetError(GodotError.FAILED, "disconnected while waiting for data"));
    this.rejectWritableWaiters(new NetError(GodotError.FAILED, "disconnected while waiting to write"));
    this.onDisconnected();
  }

  /**
   * Lend the open connection to another protocol object, as Godot's
   * `WebSocketPeer.accept_stream(tcp_peer)` does: returns the Stream (bytes received
   * but not yet read come first). This peer stays CONNECTED, with its addresses and
   * ports, but reads and writes nothing while lent (FAILED / nothing available); it
   * goes to NONE when the borrower closes the connection or the connection ends, and
   * disconnectFromHost() closes it under the borrower, as in Godot. NetError(FAILED)
   * when not connected or already lent.
   */
  lendStream(): Stream {
    const stream = this.io.stream;
    if (stream === null || this.status !== StreamPeerSocketStatus.STATUS_CONNECTED) {
      throw new NetError(GodotError.FAILED, `lendStream: the peer is ${StreamPeerSocketStatus[this.status]}${this.lent ? " (lent)" : ""}, not connected`);
    }
    const state = {
      unread: this.received.length > 0 ? this.received.read(this.received.length) : null,
      ended: this.remoteEnded,
      closed: this.io.closed,
      failure: this.failure,
    };
    this.io.detach(); // forget it without closing it (resumed if paused)
    this.io.release(); // and forget what was buffered for it
    const lent: DetachedStream = new DetachedStream(stream, state, () => this.returned(lent));
    this.lent = lent;
    return lent;
  }

  /** Whether the connection is lent (see lendStream). */
  isLent(): boolean {
    return this.lent !== null;
  }

  /** The borrower closed the lent connection, or it ended: NONE, as Godot's disconnect_from_host from the WebSocketPeer. */
  private returned(lent: DetachedStream): void {
    if (this.lent !== lent) return;
    this.lent = null;
    this.disconnectFromHost();
  }

  /** Subclass hook: ask the runtime for the connection (StreamPeerTCP first lets go of a bind reservation). */
  protected openStream(target: StreamConnectOptions): Promise<Stream> {
    return this.runtime.streams.connect(target);
  }

  /** Subclass hook: forget per-connection details (peer address, path). */
  protected onDisconnected(): void {}

  /** What the current connect is to, for error messages. */
  protected abstract describeTarget(): string;

  // ---- connection setup (used by subclasses) ----

  /** Whether connectToHost may start now: from NONE (Godot's StreamPeerTCP checks the status). */
  protected canStartConnect(): boolean {
    return this.status === StreamPeerSocketStatus.STATUS_NONE;
  }

  /** Begin connecting; the returned promise settles when the connect completes. */
  protected startConnect(target: StreamConnectOptions, verify?: (s: Stream) => NetError | null): Promise<void> {
    if (!this.canStartConnect()) {
      return Promise.reject(
        new NetError(GodotError.ERR_ALREADY_IN_USE, `connectToHost: the peer is ${StreamPeerSocketStatus[this.status]}, call disconnectFromHost() first`),
      );
    }
    this.status = StreamPeerSocketStatus.STATUS_CONNECTING;
    const settled = new Promise<void>((resolve, reject) => {
      this.connectSettle = { resolve, reject };
    });
    // Poll-driven callers may never await this; a rejection they do not handle must not crash them.
    settled.catch(() => {});
    this.io.connect(() => this.openStream(target), this.connectTimeoutMs, {
      connected: (stream) => {
        const problem = verify ? verify(stream) : null;
        if (problem) {
          stream.close();
          this.failConnect(problem);
          return;
        }
        this.attach(stream);
        const settle = this.connectSettle;
        this.connectSettle = null;
        settle?.resolve();
      },
      failed: (err, timedOut) => {
        if (timedOut) {
          this.failConnect(new NetError(GodotError.ERR_CONNECTION_ERROR, `${this.describeTarget()}: connect timed out after ${this.connectTimeoutMs} ms`));
          return;
        }
        const code = err instanceof NetError ? err.code : GodotError.ERR_CONNECTION_ERROR;
        const message = err instanceof Error ? err.message : String(err);
        // Argument errors, what Godot reports from connect_to_host itself (an
        // unresolvable name, no such socket family) and from bind (a local port
        // in use) leave the status NONE.
        const argumentError = err instanceof TypeError || err instanceof RangeError;
        const keepsNone = [GodotError.ERR_CANT_RESOLVE, GodotError.ERR_INVALID_PARAMETER, GodotError.ERR_UNAVAILABLE, GodotError.ERR_ALREADY_IN_USE];
        if (argumentError || keepsNone.includes(code)) {
          this.status = StreamPeerSocketStatus.STATUS_NONE;
          this.onDisconnected();
          const settle = this.connectSettle;
          this.connectSettle = null;
          settle?.reject(argumentError ? err : new NetError(code, message, { cause: err }));
          return;
        }
        if (this.refusalEndsInNone()) {
          this.failConnect(new NetError(GodotError.FAILED, message, { cause: err }), StreamPeerSocketStatus.STATUS_NONE);
          return;
        }
        this.failConnect(new NetError(GodotError.ERR_CONNECTION_ERROR, message, { cause: err }));
      },
    });
    return settled;
  }

  private failConnect(err: NetError, status = StreamPeerSocketStatus.STATUS_ERROR): void {
    const settle = this.connectSettle;
    this.connectSettle = null;
    this.disconnectFromHost();
    this.status = status;
    settle?.reject(err);
  }

  /**
   * Whether a refused connect leaves the peer NONE with FAILED, as Godot's StreamPeerUDS (a unix
   * connect() fails at once, inside connect_to_host), rather than ERROR with ERR_CONNECTION_ERROR,
   * as Godot's StreamPeerTCP (whose poll() finds the refusal). A connect that times out is ERROR
   * for both.
   */
  protected refusalEndsInNone(): boolean {
    return false;
  }

  /** Adopt a connected stream (a finished connect, or one a server accepted). */
  protected attach(stream: Stream): void {
    this.io.attach(stream);
    this.status = StreamPeerSocketStatus.STATUS_CONNECTED;
    if (this.noDelay !== null) stream.setNoDelay(this.noDelay);
  }

  // ---- options ----

  /** Disable (true) or enable (false) Nagle's algorithm. Remembered and applied once connected. */
  protected applyNoDelay(enabled: boolean): void {
    checkBool(enabled, "setNoDelay: enabled");
    this.noDelay = enabled;
    this.stream?.setNoDelay(enabled);
  }

  // ---- writing ----

  /**
   * Queue all of `data`, or nothing: FAILED when not connected, ERR_BUSY when it
   * would take the send queue past `outboundBufferLimit` (a write larger than the
   * limit is accepted when the queue is empty, so one big message can always go).
   */
  putData(data: Uint8Array): GodotError {
    checkBytes(data, "putData: data");
    // Godot's put_data binding returns OK for an empty array before it looks at the socket.
    if (data.length === 0) return GodotError.OK;
    const stream = this.streamToWrite();
    if (!stream) return GodotError.FAILED;
    const queued = stream.bufferedAmount;
    if (queued > 0 && queued + data.length > this.outboundBufferLimit) return GodotError.ERR_BUSY;
    return this.written(this.io.write(data)) ? GodotError.OK : GodotError.FAILED;
  }

  /** Queue as much of `data` as fits under `outboundBufferLimit`: `[OK, taken]`, or `[FAILED, 0]` when not connected. */
  putPartialData(data: Uint8Array): [GodotError, number] {
    checkBytes(data, "putPartialData: data");
    if (data.length === 0) return [GodotError.OK, 0];
    const stream = this.streamToWrite();
    if (!stream) return [GodotError.FAILED, 0];
    const room = this.outboundBufferLimit - stream.bufferedAmount;
    const take = Math.min(room, data.length);
    if (take <= 0) return [GodotError.OK, 0];
    if (!this.written(this.io.write(take === data.length ? data : data.subarray(0, take)))) return [GodotError.FAILED, 0];
    return [GodotError.OK, take];
  }

  /** Bytes queued for sending that the OS has not taken yet. */
  getOutboundBufferedBytes(): number {
    return this.stream?.bufferedAmount ?? 0;
  }

  /**
   * Resolve once the send queue is below half of `outboundBufferLimit` (at once
   * if it already is), so a sender can loop putPartialData / await waitWritable().
   * Rejects if the connection ends first.
   */
  waitWritable(): Promise<void> {
    if (!this.writableStream()) return Promise.reject(new NetError(GodotError.FAILED, "waitWritable: not connected"));
    if (this.hasWriteRoom()) return Promise.resolve();
    return new Promise<void>((resolve, reject) => {
      this.writableWaiters.push({ resolve, reject });
      this.scheduleWritableCheck();
    });
  }

  private hasWriteRoom(): boolean {
    return (this.stream?.bufferedAmount ?? 0) <= this.outboundBufferLimit / 2;
  }

  // Drain events only follow a write the adapter refused, so a timer re-checks too.
  private scheduleWritableCheck(): void {
    if (this.writableTimer !== null) return;
    this.writableTimer = this.clock.setTimeout(() => {
      this.writableTimer = null;
      this.checkWritable();
    }, WRITABLE_RECHECK_MS);
  }

  private checkWritable(): void {
    if (this.writableWaiters.length === 0) return;
    if (!this.hasWriteRoom()) {
      this.scheduleWritableCheck();
      return;
    }
    const waiters = this.writableWaiters;
    this.writableWaiters = [];
    for (const w of waiters) w.resolve();
  }

  private rejectWritableWaiters(err: Error): void {
    if (this.writableTimer !== null) {
      this.clock.clearTimeout(this.writableTimer);
      this.writableTimer = null;
    }
    const waiters = this.writableWaiters;
    this.writableWaiters = [];
    for (const w of waiters) w.reject(err);
  }

  private writableStream(): Stream | null {
    if (this.status !== StreamPeerSocketStatus.STATUS_CONNECTED || !this.io.stream || this.failure) return null;
    return this.io.stream;
  }

  /** A write the stream refused ends the connection as a failed send() does in Godot's write(). */
  private written(ok: boolean): boolean {
    if (!ok) this.disconnectFromHost();
    return ok;
  }

  /**
   * writableStream for a put: a put that finds the connection reset ends it the way Godot's
   * write() does when send() fails, disconnected with status NONE (poll() would have said ERROR;
   * whichever call meets the reset first decides, as in Godot).
   */
  private streamToWrite(): Stream | null {
    if (this.status === StreamPeerSocketStatus.STATUS_CONNECTED && this.io.stream && this.failure) this.disconnectFromHost();
    return this.writableStream();
  }

  // ---- reading ----

  getAvailableBytes(): number {
    return this.received.length;
  }

  /**
   * Take up to `bytes` received bytes. `[OK, data]` (possibly empty while more is
   * on the way); `[ERR_FILE_EOF, empty]` when the other side has closed and
   * everything was read (the peer returns to NONE, as in Godot); `[FAILED, empty]`
   * when not connected, or when the connection was reset and everything was read
   * (the peer returns to NONE, as Godot's read() does when recv() fails).
   */
  getPartialData(bytes: number): [GodotError, Uint8Array] {
    checkReadLength(bytes, "getPartialData");
    if (this.status !== StreamPeerSocketStatus.STATUS_CONNECTED) return [GodotError.FAILED, EMPTY];
    if (this.received.length === 0) {
      // Godot's read(): recv() failing disconnects (NONE, not ERROR) and returns FAILED.
      if (this.failure) {
        this.disconnectFromHost();
        return [GodotError.FAILED, EMPTY];
      }
      if (this.remoteEnded && bytes > 0) {
        this.disconnectFromHost();
        return [GodotError.ERR_FILE_EOF, EMPTY];
      }
      return [GodotError.OK, EMPTY];
    }
    const data = this.takeReceived(Math.min(bytes, this.received.length));
    return [GodotError.OK, data];
  }

  /**
   * Resolve with exactly `bytes` bytes (Godot's blocking get_data). Rejects with
   * a NetError, consuming nothing, if the stream ends first: ERR_FILE_EOF after a
   * clean close, ERR_CONNECTION_ERROR after a reset, FAILED on disconnectFromHost
   * or when not connected. Concurrent calls are served in order.
   */
  getData(bytes: number): Promise<Uint8Array> {
    return this.queueRead(bytes, false, "getData");
  }

  /**
   * Resolve once `bytes` bytes are buffered, consuming nothing (for `await waitAvailable(4);
   * get32()`, and the async typed reads). Rejects like getData: ERR_FILE_EOF /
   * ERR_CONNECTION_ERROR when the stream ends first, FAILED when not connected or on
   * disconnectFromHost. Served in order with getData.
   */
  override async waitAvailable(bytes: number): Promise<void> {
    await this.queueRead(bytes, true, "waitAvailable");
  }

  /** A read served in order with the others: `bytes` taken, or (peek) only waited for. */
  private queueRead(bytes: number, peek: boolean, what: string): Promise<Uint8Array> {
    try {
      checkReadLength(bytes, what);
    } catch (err) {
      return Promise.reject(err);
    }
    if (this.status !== StreamPeerSocketStatus.STATUS_CONNECTED) {
      return Promise.reject(new NetError(GodotError.FAILED, `${what}: not connected (${StreamPeerSocketStatus[this.status]})`));
    }
    if (this.pendingReads.length === 0 && this.received.length >= bytes) return Promise.resolve(peek ? EMPTY : this.takeReceived(bytes));
    return new Promise<Uint8Array>((resolve, reject) => {
      this.pendingReads.push({ bytes, peek, resolve, reject });
      this.servePendingReads();
      this.updateReadFlow();
    });
  }

  protected override peekReceived(dst: Uint8Array, n: number): void {
    this.received.peekInto(dst, n);
  }

  protected override takeReceived(n: number): Uint8Array {
    const data = this.received.read(n);
    this.updateReadFlow();
    return data;
  }

  protected override skipReceived(n: number): void {
    this.received.discard(n);
    this.updateReadFlow();
  }

  protected override shortReadError(): GodotError {
    if (this.status !== StreamPeerSocketStatus.STATUS_CONNECTED) return GodotError.FAILED;
    if (this.failure) return GodotError.ERR_CONNECTION_ERROR;
    return this.remoteEnded ? GodotError.ERR_FILE_EOF : GodotError.ERR_BUSY;
  }

  protected override maxTypedRead(): number {
    return this.inboundBufferLimit;
  }

  private servePendingReads(): void {
    for (let read = this.pendingReads.peek(); read !== undefined && this.received.length >= read.bytes; read = this.pendingReads.peek()) {
      this.pendingReads.shift();
      read.resolve(read.peek ? EMPTY : this.received.read(read.bytes));
    }
    if (this.pendingReads.length > 0 && (this.remoteEnded || this.failure)) {
      const err = this.failure
        ? new NetError(GodotError.ERR_CONNECTION_ERROR, `getData: connection lost (${this.failure.message})`, { cause: this.failure })
        : new NetError(GodotError.ERR_FILE_EOF, `getData: the other side closed the stream with ${this.received.length} bytes unread`);
      this.rejectPendingReads(err);
    }
  }

  private rejectPendingReads(err: Error): void {
    const reads = [...this.pendingReads];
    this.pendingReads.clear();
    for (const r of reads) r.reject(err);
  }

  /** Pause the OS reads above the inbound bound (raised to the largest pending getData). */
  private updateReadFlow(): void {
    let bound = this.inboundBufferLimit;
    for (const r of this.pendingReads) if (r.bytes > bound) bound = r.bytes;
    this.io.updateReadFlow(bound - 1, bound - 1);
  }
}

const EMPTY = new Uint8Array(0);


