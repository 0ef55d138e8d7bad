/**
 * WebSocketPeer: Godot 4's WebSocketPeer (plus the Godot 3 names) binding the
 * sans-IO WebSocketConnection to a Stream and a Clock.
 *
 * Poll-driven like Godot: bytes that arrive are buffered, and only `poll()`
 * runs the protocol, so state changes and packets become visible after a
 * poll. For idiomatic JS use it is also an EventTarget: adding a listener
 * (or setting `autoPoll`) makes it poll by itself whenever bytes arrive or a
 * timer is due. While a "message" listener is attached, messages go to the
 * listeners instead of the getPacket() queue.
 */
import { GodotError, NetError } from "../errors.ts";
import { resolveIo } from "../transport/detect.ts";
import type { Clock, IoOptions, RuntimeAdapter, Stream, TLSOptions } from "../transport/types.ts";
import { MAX_CLOSE_REASON_BYTES, isValidCloseCode } from "./close-codes.ts";
import { ConnectionRole, type ConnectionSink, WebSocketConnection, WebSocketState } from "./connection.ts";
import { WebSocketCloseEvent, WebSocketErrorEvent, WebSocketMessageEvent } from "./events.ts";
import { checkExtraHeader, checkProtocolName } from "./handshake.ts";
import { parseWebSocketUrl } from "./url.ts";
import { encodeUtf8 } from "./utf8.ts";
import { StreamPeerSocket } from "../tcp/stream-peer-socket.ts";

/** Godot's WebSocketPeer.WriteMode. */
export enum WriteMode {
  WRITE_MODE_TEXT = 0,
  WRITE_MODE_BINARY = 1,
}

/** Defaults, all Godot 4's except the two timeouts Godot's WebSocketPeer does not have. */
export const DEFAULT_INBOUND_BUFFER_SIZE = 65535;
export const DEFAULT_OUTBOUND_BUFFER_SIZE = 65535;
export const DEFAULT_MAX_QUEUED_PACKETS = 4096;
/** Seconds to complete the opening handshake (Godot's WebSocketMultiplayerPeer.handshake_timeout default). */
export const DEFAULT_HANDSHAKE_TIMEOUT = 3;
/** Seconds to wait for the peer's close frame after sending ours before dropping the connection. */
export const DEFAULT_CLOSE_TIMEOUT = 5;
/** After we end our side, how long to wait for the peer to close its side before dropping it (ms). */
const LINGER_MS = 2000;
/** Frames at least this large are written on their own; smaller ones are coalesced up to this size. */
const COALESCE_MAX = 16 * 1024;
/** Received-but-unprocessed bytes above which reading from the socket pauses. */
const INBOX_HIGH_WATER = 256 * 1024;

type PendingEvent =
  | { kind: "open" }
  | { kind: "message"; data: Uint8Array; isText: boolean }
  | { kind: "error"; message: string }
  | { kind: "close"; code: number; reason: string; wasClean: boolean };

function checkSize(name: string, value: number, min: number, max: number): number {
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new RangeError(`${name} must be an integer in ${min}..${max}, got ${value}`);
  }
  return value;
}

export class WebSocketPeer extends EventTarget {
  static readonly STATE_CONNECTING = WebSocketState.STATE_CONNECTING;
  static readonly STATE_OPEN = WebSocketState.STATE_OPEN;
  static readonly STATE_CLOSING = WebSocketState.STATE_CLOSING;
  static readonly STATE_CLOSED = WebSocketState.STATE_CLOSED;
  static readonly WRITE_MODE_TEXT = WriteMode.WRITE_MODE_TEXT;
  static readonly WRITE_MODE_BINARY = WriteMode.WRITE_MODE_BINARY;
  static readonly State = WebSocketState;
  static readonly WriteMode = WriteMode;

  private readonly runtime: RuntimeAdapter;
  private readonly clock: Clock;

  private _supportedProtocols: string[] = [];
  private _handshakeHeaders: string[] = [];
  private _inboundBufferSize = DEFAULT_INBOUND_BUFFER_SIZE;
  private _outboundBufferSize = DEFAULT_OUTBOUND_BUFFER_SIZE;
  private _maxQueuedPackets = DEFAULT_MAX_QUEUED_PACKETS;
  private _heartbeatInterval = 0;
  private _handshakeTimeout = DEFAULT_HANDSHAKE_TIMEOUT;
  private _closeTimeout = DEFAULT_CLOSE_TIMEOUT;
  private _writeMode = WriteMode.WRITE_MODE_BINARY;
  private _autoPoll = false;
  private noDelay = false;

  private readyState = WebSocketState.STATE_CLOSED;
  private conn: WebSocketConnection | null = null;
  private stream: Stream | null = null;
  /** Bumped on every new connection so callbacks of an old one are ignored. */
  private generation = 0;
  private requestedUrl = "";
  private closeCode = -1;
  private closeReason = "";
  private selectedProtocol = "";
  private lastError = "";

  private inbox: Uint8Array[] = [];
  private inboxHead = 0;
  private inboxBytes = 0;
  private readPaused = false;
  private transportEnded = false;
  private transportClosed = false;
  private transportError: Error | undefined;
  private pending: PendingEvent[] = [];

  private packets: { data: Uint8Array; isText: boolean }[] = [];
  private packetsHead = 0;
  private packetBytes = 0;
  private lastWasString = false;
  /**
   * Frames waiting to be written. Frames produced in one turn of the event loop (a
   * burst of sends, the echoes of a batch of messages) are coalesced into one
   * stream write at the end of the turn: one syscall instead of one per message.
   */
  private outQueue: Uint8Array[] = [];
  private outQueuedBytes = 0;
  private flushScheduled = false;
  /** Bytes handed to the stream so far, and where each frame still in its buffer ends in that count. */
  private writtenTotal = 0;
  private frameEnds: number[] = [];
  private frameEndsHead = 0;

  /** Deadline for the TCP/TLS connect itself (before the connection core has a stream). */
  private connectDeadline = Number.POSITIVE_INFINITY;
  private timer: unknown = undefined;
  private timerAt = Number.POSITIVE_INFINITY;
  private lingerTimer: unknown = undefined;
  /** "message" listeners and whether each was added with `once` (EventTarget drops those silently). */
  private messageListeners = new Map<unknown, boolean>();
  private listenerCount = 0;
  /** @internal Called after poll() changed the ready state (used by WebSocketServer). */
  onStateChange: (() => void) | null = null;
  private polling = false;

  constructor(io?: IoOptions) {
    super();
    const r = resolveIo(io);
    this.runtime = r.runtime;
    this.clock = r.clock;
  }

  // ---- properties (Godot 4) ----

  /** Subprotocols: offered by a client, accepted by a server. Set before connecting/accepting. */
  get supportedProtocols(): string[] {
    return [...this._supportedProtocols];
  }
  set supportedProtocols(list: string[]) {
    if (!Array.isArray(list)) throw new TypeError("supportedProtocols must be an array of strings");
    list.forEach(checkProtocolName);
    this._supportedProtocols = [...list];
  }

  /** Extra "Name: value" lines for the handshake request (client) or response (server). */
  get handshakeHeaders(): string[] {
    return [...this._handshakeHeaders];
  }
  set handshakeHeaders(list: string[]) {
    if (!Array.isArray(list)) throw new TypeError("handshakeHeaders must be an array of strings");
    list.forEach(checkExtraHeader);
    this._handshakeHeaders = [...list];
  }

  /** Largest inbound message, and the budget of bytes queued for getPacket(). Larger messages close with 1009. */
  get inboundBufferSize(): number {
    return this._inboundBufferSize;
  }
  set inboundBufferSize(n: number) {
    this._inboundBufferSize = checkSize("inboundBufferSize", n, 1, 2 ** 31 - 1);
    if (this.conn) this.conn.maxMessageSize = n;
  }

  /** Bytes that may wait in the outgoing buffer; send() beyond it fails with ERR_OUT_OF_MEMORY. */
  get outboundBufferSize(): number {
    return this._outboundBufferSize;
  }
  set outboundBufferSize(n: number) {
    this._outboundBufferSize = checkSize("outboundBufferSize", n, 1, 2 ** 31 - 1);
  }

  /** Most packets queued in either direction. */
  get maxQueuedPackets(): number {
    return this._maxQueuedPackets;
  }
  set maxQueuedPackets(n: number) {
    this._maxQueuedPackets = checkSize("maxQueuedPackets", n, 1, 2 ** 24);
  }

  /** Seconds between pings (0 = off). When on, an unanswered ping by the next interval closes with 1001. */
  get heartbeatInterval(): number {
    return this._heartbeatInterval;
  }
  set heartbeatInterval(seconds: number) {
    if (typeof seconds !== "number" || !(seconds >= 0) || !Number.isFinite(seconds)) {
      throw new RangeError(`heartbeatInterval must be a finite number of seconds >= 0, got ${seconds}`);
    }
    this._heartbeatInterval = seconds;
    if (this.conn) {
      this.conn.setHeartbeatInterval(this.clock.now(), Math.round(seconds * 1000));
      this.rearm();
    }
  }

  /** Seconds allowed for the opening handshake (not a Godot property; 0 = unlimited). */
  get handshakeTimeout(): number {
    return this._handshakeTimeout;
  }
  set handshakeTimeout(seconds: number) {
    if (typeof seconds !== "number" || !(seconds >= 0) || !Number.isFinite(seconds)) {
      throw new RangeError(`handshakeTimeout must be a finite number of seconds >= 0, got ${seconds}`);
    }
    this._handshakeTimeout = seconds;
  }

  /** Seconds to wait for the peer's close frame (not a Godot property; 0 = unlimited). */
  get closeTimeout(): number {
    return this._closeTimeout;
  }
  set closeTimeout(seconds: number) {
    if (typeof seconds !== "number" || !(seconds >= 0) || !Number.isFinite(seconds)) {
      throw new RangeError(`closeTimeout must be a finite number of seconds >= 0, got ${seconds}`);
    }
    this._closeTimeout = seconds;
  }

  /** Process input on arrival and on timers instead of only in poll(). Adding an event listener turns it on. */
  get autoPoll(): boolean {
    return this._autoPoll;
  }
  set autoPoll(on: boolean) {
    this._autoPoll = on;
    if (on && this.conn) queueMicrotask(() => this.autoStep());
  }

  // ---- Godot 3 names ----

  getWriteMode(): WriteMode {
    return this._writeMode;
  }
  setWriteMode(mode: WriteMode): void {
    if (mode !== WriteMode.WRITE_MODE_TEXT && mode !== WriteMode.WRITE_MODE_BINARY) {
      throw new RangeError(`writeMode must be WRITE_MODE_TEXT (0) or WRITE_MODE_BINARY (1), got ${mode}`);
    }
    this._writeMode = mode;
  }
  get writeMode(): WriteMode {
    return this._writeMode;
  }
  set writeMode(mode: WriteMode) {
    this.setWriteMode(mode);
  }
  isConnectedToHost(): boolean {
    return this.readyState === WebSocketState.STATE_OPEN;
  }

  // ---- connecting ----

  /**
   * Connect to a ws:// or wss:// URL (default ports 80/443; path and query are kept).
   * Returns at once with the state CONNECTING; poll() until OPEN or CLOSED.
   * `tlsOptions` apply to wss:// (trusted CAs, hostname check, or unsafe).
   */
  connectToUrl(url: string, tlsOptions?: TLSOptions): GodotError {
    const target = parseWebSocketUrl(url);
    if (this.readyState !== WebSocketState.STATE_CLOSED) {
      throw new NetError(GodotError.ERR_ALREADY_IN_USE, "connectToUrl: this peer is not closed");
    }
    this.reset();
    const gen = ++this.generation;
    this.requestedUrl = url;
    this.readyState = WebSocketState.STATE_CONNECTING;
    const connectOpts = target.secure
      ? { host: target.host, port: target.port, tls: tlsOptions ?? {} }
      : { host: target.host, port: target.port };
    const conn = this.makeConnection(ConnectionRole.CLIENT, target.hostHeader, target.resource);
    const started = this.clock.now();
    // The handshake deadline also covers the TCP/TLS connect.
    if (this._handshakeTimeout > 0) this.connectDeadline = started + this._handshakeTimeout * 1000;
    this.rearm();
    this.runtime.streams.connect(connectOpts).then(
      (stream) => {
        if (gen !== this.generation || this.conn !== conn || conn.state !== WebSocketState.STATE_CONNECTING) {
          stream.close();
          return;
        }
        this.connectDeadline = Number.POSITIVE_INFINITY;
        this.attach(stream, gen);
        conn.start(started);
        this.afterActivity();
      },
      (err: unknown) => {
        if (gen !== this.generation) return;
        const message = err instanceof Error ? err.message : String(err);
        conn.transportClosed(new Error(`connect to ${url} failed: ${message}`));
        this.afterActivity();
      },
    );
    return GodotError.OK;
  }

  /** Server side: take an accepted stream (TCP or TLS) and run the server handshake on it. */
  acceptStream(connection: Stream | StreamPeerSocket): GodotError {
    const isSocketPeer = connection instanceof StreamPeerSocket;
    if (!isSocketPeer && (!connection || typeof connection.write !== "function" || typeof connection.onData !== "function")) {
      throw new TypeError("stream must be a connected Stream or StreamPeerTCP/StreamPeerUDS");
    }
    if (this.readyState !== WebSocketState.STATE_CLOSED) {
      throw new NetError(GodotError.ERR_ALREADY_IN_USE, "acceptStream: this peer is not closed");
    }
    // Godot's pattern: TCPServer.takeConnection() -> WebSocketPeer.acceptStream(tcpPeer).
    const stream = isSocketPeer ? connection.detachStream() : connection;
    this.reset();
    const gen = ++this.generation;
    this.readyState = WebSocketState.STATE_CONNECTING;
    const conn = this.makeConnection(ConnectionRole.SERVER, "", "/");
    this.attach(stream, gen);
    conn.start(this.clock.now());
    this.afterActivity();
    return GodotError.OK;
  }

  private reset(): void {
    this.closeCode = -1;
    this.closeReason = "";
    this.selectedProtocol = "";
    this.lastError = "";
    this.requestedUrl = "";
    this.inbox = [];
    this.inboxHead = 0;
    this.inboxBytes = 0;
    this.readPaused = false;
    this.transportEnded = false;
    this.transportClosed = false;
    this.transportError = undefined;
    this.pending = [];
    this.packets = [];
    this.packetsHead = 0;
    this.packetBytes = 0;
    this.outQueue = [];
    this.outQueuedBytes = 0;
    this.writtenTotal = 0;
    this.frameEnds = [];
    this.frameEndsHead = 0;
    this.stream = null;
    this.connectDeadline = Number.POSITIVE_INFINITY;
    this.disarm();
  }

  private makeConnection(role: ConnectionRole, hostHeader: string, resource: string): WebSocketConnection {
    const sink: ConnectionSink = {
      write: (bytes) => this.writeOut(bytes),
      end: () => this.endStream(),
      abort: () => this.abortStream(),
      onOpen: () => this.pending.push({ kind: "open" }),
      onMessage: (data, isText) => this.pending.push({ kind: "message", data, isText }),
      onClose: (code, reason, wasClean) => this.pending.push({ kind: "close", code, reason, wasClean }),
      onError: (message) => this.pending.push({ kind: "error", message }),
    };
    const conn = new WebSocketConnection(
      {
        role,
        maxMessageSize: this._inboundBufferSize,
        handshakeTimeoutMs: this._handshakeTimeout * 1000,
        closeTimeoutMs: this._closeTimeout * 1000,
        heartbeatIntervalMs: Math.round(this._heartbeatInterval * 1000),
        hostHeader,
        resource,
        protocols: this._supportedProtocols,
        extraHeaders: this._handshakeHeaders,
      },
      sink,
    );
    this.conn = conn;
    return conn;
  }

  private attach(stream: Stream, gen: number): void {
    this.stream = stream;
    if (this.noDelay) stream.setNoDelay(true);
    stream.onData((chunk) => {
      if (gen !== this.generation) return;
      this.inbox.push(chunk);
      this.inboxBytes += chunk.length;
      if (this.inboxBytes > INBOX_HIGH_WATER + this._inboundBufferSize && !this.readPaused) {
        this.readPaused = true;
        stream.pause();
      }
      if (this._autoPoll) this.autoStep();
    });
    stream.onEnd(() => {
      if (gen !== this.generation) return;
      this.transportEnded = true;
      if (this._autoPoll) this.autoStep();
    });
    stream.onClose((error) => {
      if (gen !== this.generation) return;
      this.transportClosed = true;
      this.transportError = error;
      this.clearLinger();
      if (this._autoPoll) this.autoStep();
    });
    stream.onDrain(() => {
      if (gen !== this.generation) return;
      if (this._autoPoll) this.autoStep();
    });
  }

  private writeOut(bytes: Uint8Array): void {
    if (!this.stream) return;
    if (bytes.length >= COALESCE_MAX) {
      // Large frames gain nothing from coalescing; keep the order and write directly.
      this.flush();
      this.writeToStream(bytes, null);
      return;
    }
    this.outQueue.push(bytes);
    this.outQueuedBytes += bytes.length;
    if (this.outQueuedBytes >= COALESCE_MAX) this.flush();
    else if (!this.flushScheduled) {
      this.flushScheduled = true;
      queueMicrotask(this.flushTask);
    }
  }

  private readonly flushTask = (): void => {
    this.flushScheduled = false;
    this.flush();
  };

  /** Hand every queued frame to the stream, as one write. */
  private flush(): void {
    const n = this.outQueue.length;
    if (n === 0) return;
    const frames = this.outQueue;
    const total = this.outQueuedBytes;
    this.outQueue = [];
    this.outQueuedBytes = 0;
    if (n === 1) {
      this.writeToStream(frames[0], null);
      return;
    }
    const joined = new Uint8Array(total);
    let at = 0;
    for (const f of frames) {
      joined.set(f, at);
      at += f.length;
    }
    this.writeToStream(joined, frames);
  }

  /** Write `bytes` (one frame, or the frames `frames` joined) and remember where each frame ends. */
  private writeToStream(bytes: Uint8Array, frames: Uint8Array[] | null): void {
    const s = this.stream;
    if (!s) return;
    try {
      s.write(bytes);
      if (frames) {
        let end = this.writtenTotal;
        for (const f of frames) this.frameEnds.push((end += f.length));
      } else {
        this.frameEnds.push(this.writtenTotal + bytes.length);
      }
      this.writtenTotal += bytes.length;
      this.framesInStream(); // prune, so frames nobody asks about do not accumulate
    } catch (err) {
      // The stream closed under us; its onClose will end the connection.
      this.transportClosed = true;
      this.transportError ??= err instanceof Error ? err : new Error(String(err));
    }
  }

  private abortStream(): void {
    this.outQueue = [];
    this.outQueuedBytes = 0;
    this.stream?.close();
  }

  private endStream(): void {
    const s = this.stream;
    if (!s) return;
    this.flush();
    s.end();
    this.clearLinger();
    // A peer that never closes its side must not pin the socket.
    this.lingerTimer = this.clock.setTimeout(() => {
      this.lingerTimer = undefined;
      s.close();
    }, LINGER_MS);
  }

  private clearLinger(): void {
    if (this.lingerTimer !== undefined) {
      this.clock.clearTimeout(this.lingerTimer);
      this.lingerTimer = undefined;
    }
  }

  // ---- the loop ----

  /** Run the protocol: process received bytes, timers and transport events; update state and packets. */
  poll(): void {
    if (this.polling) return; // re-entered from an event listener
    this.polling = true;
    try {
      this.step();
    } finally {
      this.polling = false;
    }
  }

  private autoStep(): void {
    if (!this._autoPoll) return;
    this.poll();
  }

  private step(): void {
    const conn = this.conn;
    if (!conn) return;
    const now = this.clock.now();
    this.feed(conn, now);
    if (this.inboxBytes === 0 || conn.state === WebSocketState.STATE_CLOSED) {
      // Transport events only after every byte before them has been processed.
      if (this.transportClosed || this.transportEnded) {
        conn.transportClosed(this.transportError);
        if (this.transportEnded && !this.transportClosed) this.stream?.close();
      }
    }
    if (!this.stream && now >= this.connectDeadline) {
      this.connectDeadline = Number.POSITIVE_INFINITY;
      conn.transportClosed(new Error("connect timed out"));
    }
    conn.handleTimeout(now);
    this.deliver();
    this.rearm();
  }

  /** Hand buffered input to the connection while the packet queue and the outgoing buffer have room. */
  private feed(conn: WebSocketConnection, now: number): void {
    const outLimit = this._outboundBufferSize + INBOX_HIGH_WATER;
    while (this.inboxHead < this.inbox.length) {
      if (conn.state === WebSocketState.STATE_CLOSED) {
        this.dropInbox();
        return;
      }
      // Backpressure: a full getPacket() queue, or a peer not reading our pongs, stops reading.
      if (this.queuedPacketCount() >= this._maxQueuedPackets || this.packetBytes >= this._inboundBufferSize) break;
      // (Not once the stream is gone: nothing will drain it, and the close must still be seen.)
      if (this.stream && !this.transportClosed && this.outboundBuffered() > outLimit) break;
      const chunk = this.inbox[this.inboxHead];
      this.inbox[this.inboxHead++] = EMPTY;
      this.inboxBytes -= chunk.length;
      conn.receive(now, chunk);
      // Messages count against the queue as they are produced.
      this.absorbMessages();
    }
    if (this.inboxHead === this.inbox.length) {
      this.inbox = [];
      this.inboxHead = 0;
    } else if (this.inboxHead > 1024) {
      this.inbox = this.inbox.slice(this.inboxHead);
      this.inboxHead = 0;
    }
    if (this.readPaused && this.inboxBytes <= INBOX_HIGH_WATER / 2 && this.stream) {
      this.readPaused = false;
      this.stream.resume();
    }
  }

  private dropInbox(): void {
    this.inbox = [];
    this.inboxHead = 0;
    this.inboxBytes = 0;
  }

  /** Move message events into the packet queue right away so the queue limits see them. */
  private absorbMessages(): void {
    if (this.messageListeners.size > 0) return; // they are dispatched in deliver()
    let w = 0;
    const p = this.pending;
    for (let i = 0; i < p.length; i++) {
      const e = p[i];
      if (e.kind === "message") {
        this.packets.push(e);
        this.packetBytes += e.data.length;
      } else {
        p[w++] = e;
      }
    }
    p.length = w;
  }

  private deliver(): void {
    if (this.pending.length === 0) return;
    const events = this.pending;
    this.pending = [];
    for (const e of events) {
      switch (e.kind) {
        case "open":
          this.readyState = WebSocketState.STATE_OPEN;
          this.selectedProtocol = this.conn?.selectedProtocol ?? "";
          this.dispatchEvent(new Event("open"));
          this.onStateChange?.();
          break;
        case "message":
          if (this.messageListeners.size > 0) {
            this.dispatchEvent(new WebSocketMessageEvent(e.data, e.isText));
            for (const [l, once] of this.messageListeners) if (once) this.messageListeners.delete(l);
          } else {
            this.packets.push(e);
            this.packetBytes += e.data.length;
          }
          break;
        case "error":
          this.lastError = e.message;
          this.dispatchEvent(new WebSocketErrorEvent(e.message));
          break;
        case "close":
          this.readyState = WebSocketState.STATE_CLOSED;
          this.closeCode = e.wasClean ? e.code : -1;
          this.closeReason = e.wasClean ? withoutGodot3Nul(e.reason) : "";
          this.disarm();
          this.dispatchEvent(new WebSocketCloseEvent(e.code, e.reason, e.wasClean));
          this.onStateChange?.();
          break;
      }
    }
  }

  // ---- timers ----

  private rearm(): void {
    const conn = this.conn;
    if (!conn || conn.state === WebSocketState.STATE_CLOSED) {
      this.disarm();
      return;
    }
    this.armAt(Math.min(conn.nextDeadline(), this.stream ? Number.POSITIVE_INFINITY : this.connectDeadline), this.generation);
  }

  private armAt(at: number, gen: number): void {
    if (at === this.timerAt) return;
    this.disarm();
    if (!Number.isFinite(at)) return;
    this.timerAt = at;
    this.timer = this.clock.setTimeout(() => {
      this.timer = undefined;
      this.timerAt = Number.POSITIVE_INFINITY;
      if (gen !== this.generation) return;
      this.onTimer();
    }, Math.max(0, at - this.clock.now()));
  }

  private onTimer(): void {
    const conn = this.conn;
    if (!conn) return;
    if (this._autoPoll) {
      this.poll();
      return;
    }
    // Without autoPoll the protocol only runs in poll(), but the handshake deadline (and a
    // connect that never completes) is enforced regardless so an idle server cannot be pinned.
    const now = this.clock.now();
    if (conn.state === WebSocketState.STATE_CONNECTING) {
      if (!this.stream) {
        if (now >= this.connectDeadline) conn.transportClosed(new Error("connect timed out"));
      } else {
        // Judge the peer, not our polling: bytes it already sent count before the deadline.
        this.feed(conn, now);
        conn.handleTimeout(now);
      }
    }
    this.rearm();
  }

  private disarm(): void {
    if (this.timer !== undefined) this.clock.clearTimeout(this.timer);
    this.timer = undefined;
    this.timerAt = Number.POSITIVE_INFINITY;
  }

  private afterActivity(): void {
    if (this._autoPoll) this.poll();
    else this.rearm();
  }

  // ---- sending ----

  /**
   * Send one message: `writeMode` WRITE_MODE_BINARY (default) or WRITE_MODE_TEXT (the bytes must be UTF-8).
   * Throws NetError FAILED when not open, ERR_OUT_OF_MEMORY when the outgoing buffer or
   * packet limits would be exceeded.
   */
  send(message: Uint8Array, writeMode: WriteMode = WriteMode.WRITE_MODE_BINARY): GodotError {
    if (!(message instanceof Uint8Array)) throw new TypeError("message must be a Uint8Array");
    if (writeMode !== WriteMode.WRITE_MODE_TEXT && writeMode !== WriteMode.WRITE_MODE_BINARY) {
      throw new RangeError(`writeMode must be WRITE_MODE_TEXT (0) or WRITE_MODE_BINARY (1), got ${writeMode}`);
    }
    const conn = this.conn;
    if (!conn || this.readyState !== WebSocketState.STATE_OPEN || conn.state !== WebSocketState.STATE_OPEN) {
      throw new NetError(GodotError.FAILED, "send: the WebSocket is not open");
    }
    const buffered = this.outboundBuffered();
    if (buffered + message.length > this._outboundBufferSize) {
      throw new NetError(
        GodotError.ERR_OUT_OF_MEMORY,
        `send: ${message.length} bytes do not fit in the outbound buffer (${buffered} of ${this._outboundBufferSize} used)`,
      );
    }
    if (this.outQueue.length + this.framesInStream() >= this._maxQueuedPackets) {
      throw new NetError(GodotError.ERR_OUT_OF_MEMORY, `send: ${this._maxQueuedPackets} packets already queued`);
    }
    conn.sendMessage(message, writeMode === WriteMode.WRITE_MODE_TEXT);
    return GodotError.OK;
  }

  sendText(message: string): GodotError {
    if (typeof message !== "string") throw new TypeError("message must be a string");
    return this.send(encodeUtf8(message), WriteMode.WRITE_MODE_TEXT);
  }

  /** PacketPeer.put_packet: send with the current write mode (binary unless changed). */
  putPacket(buffer: Uint8Array): GodotError {
    return this.send(buffer, this._writeMode);
  }

  /**
   * The oldest received message; wasStringPacket() then tells its kind. Throws
   * NetError(ERR_UNAVAILABLE) when none is queued, like ENetPacketPeer and MultiplayerPeer
   * (check getAvailablePacketCount() first).
   */
  getPacket(): Uint8Array {
    if (this.packetsHead >= this.packets.length) {
      throw new NetError(GodotError.ERR_UNAVAILABLE, "getPacket: no packet available");
    }
    const p = this.packets[this.packetsHead];
    this.packets[this.packetsHead++] = DRAINED;
    this.packetBytes -= p.data.length;
    this.lastWasString = p.isText;
    if (this.packetsHead === this.packets.length) {
      this.packets = [];
      this.packetsHead = 0;
    } else if (this.packetsHead > 1024) {
      this.packets = this.packets.slice(this.packetsHead);
      this.packetsHead = 0;
    }
    // Room again: continue with input held back by the queue limits.
    if (this.inboxBytes > 0 && this._autoPoll && !this.polling) queueMicrotask(() => this.autoStep());
    return p.data;
  }

  getAvailablePacketCount(): number {
    return this.packets.length - this.packetsHead;
  }

  private queuedPacketCount(): number {
    return this.packets.length - this.packetsHead;
  }

  /** Whether the last packet returned by getPacket() was a text message. */
  wasStringPacket(): boolean {
    return this.lastWasString;
  }

  // ---- closing ----

  /**
   * Start the close handshake with `code` (1000-1003, 1007-1014, 3000-4999) and a reason
   * of at most 123 UTF-8 bytes. A negative code drops the connection at once without a
   * close frame.
   */
  close(code = 1000, reason = ""): void {
    if (!Number.isInteger(code)) throw new RangeError(`code must be an integer, got ${code}`);
    if (code >= 0 && !isValidCloseCode(code)) {
      throw new RangeError(`code must be 1000-1003, 1007-1014, 3000-4999 or negative, got ${code}`);
    }
    if (typeof reason !== "string") throw new TypeError("reason must be a string");
    if (encodeUtf8(reason).length > MAX_CLOSE_REASON_BYTES) {
      throw new RangeError(`reason must be at most ${MAX_CLOSE_REASON_BYTES} bytes of UTF-8`);
    }
    const conn = this.conn;
    if (!conn || this.readyState === WebSocketState.STATE_CLOSED) return;
    conn.close(this.clock.now(), code, reason);
    if (conn.state === WebSocketState.STATE_CLOSED) {
      if (!this.stream) this.generation++; // a connect still in flight: its result is discarded
      this.dropInbox();
      this.deliver();
      this.disarm();
    } else {
      this.readyState = WebSocketState.STATE_CLOSING;
      this.rearm();
    }
  }

  // ---- information ----

  getReadyState(): WebSocketState {
    return this.readyState;
  }
  /** The peer's close code after a clean close; -1 otherwise. */
  getCloseCode(): number {
    return this.closeCode;
  }
  getCloseReason(): string {
    return this.closeReason;
  }
  /** Why the connection failed or was refused, "" if it did not (ours; the `error` event carries the same text). */
  getLastError(): string {
    return this.lastError;
  }
  getSelectedProtocol(): string {
    return this.selectedProtocol;
  }
  /** The URL given to connectToUrl ("" for accepted peers). */
  getRequestedUrl(): string {
    return this.requestedUrl;
  }
  /** Server side: the request's path and query (e.g. "/game?room=1"), "" before the handshake. */
  getRequestResource(): string {
    return this.conn?.requestResource ?? "";
  }
  /** Server side: the request's headers (lower-cased names). */
  getRequestHeaders(): Map<string, string> {
    return new Map(this.conn?.requestHeaders ?? []);
  }
  getConnectedHost(): string {
    return this.stream?.remoteAddress ?? "";
  }
  getConnectedPort(): number {
    return this.stream?.remotePort ?? 0;
  }
  setNoDelay(enabled: boolean): void {
    this.noDelay = !!enabled;
    this.stream?.setNoDelay(this.noDelay);
  }
  /** Bytes sent and not yet handed to the OS (our coalescing queue plus the stream's buffer). */
  getCurrentOutboundBufferedAmount(): number {
    return this.outboundBuffered();
  }

  /** Frames whose bytes the stream still holds: everything past what it has handed to the OS. */
  private framesInStream(): number {
    const s = this.stream;
    const ends = this.frameEnds;
    const flushed = this.writtenTotal - (s ? s.bufferedAmount : 0);
    let head = this.frameEndsHead;
    while (head < ends.length && ends[head] <= flushed) head++;
    if (head === ends.length) {
      this.frameEnds = [];
      head = 0;
    } else if (head > 1024) {
      this.frameEnds = ends.slice(head);
      head = 0;
    }
    this.frameEndsHead = head;
    return this.frameEnds.length - head;
  }

  private outboundBuffered(): number {
    return this.outQueuedBytes + (this.stream?.bufferedAmount ?? 0);
  }
  /** Protocol counters (messages, pings, pongs, protocol errors) of the current connection. */
  getStats(): Readonly<WebSocketConnection["stats"]> {
    return { ...(this.conn?.stats ?? { messagesReceived: 0, messagesSent: 0, pingsReceived: 0, pongsReceived: 0, protocolErrors: 0 }) };
  }
  /** The sans-IO connection, for tests and tools that need frame-level control. */
  get connection(): WebSocketConnection | null {
    return this.conn;
  }

  // ---- EventTarget ----

  /** Whether open/message/close/error listeners were ever added. */
  get hasListeners(): boolean {
    return this.listenerCount > 0;
  }

  override addEventListener(
    type: string,
    listener: EventListenerOrEventListenerObject | null,
    options?: AddEventListenerOptions | boolean,
  ): void {
    super.addEventListener(type, listener, options);
    if (listener === null) return;
    if (type === "message") {
      const once = typeof options === "object" && options.once === true;
      this.messageListeners.set(listener, once);
      const signal = typeof options === "object" ? options.signal : undefined;
      signal?.addEventListener("abort", () => this.messageListeners.delete(listener), { once: true });
    }
    if (type === "open" || type === "message" || type === "close" || type === "error") {
      this.listenerCount++;
      this.autoPoll = true;
    }
  }

  override removeEventListener(
    type: string,
    listener: EventListenerOrEventListenerObject | null,
    options?: EventListenerOptions | boolean,
  ): void {
    super.removeEventListener(type, listener, options);
    if (type === "message" && listener !== null) this.messageListeners.delete(listener);
  }
}

/**
 * Godot 3's WebSocket (wslay) sends close reasons with the C string's terminating NUL
 * (it passes `CharString::size()`, which counts it). One trailing NUL is dropped so
 * getCloseReason() gives what the Godot 3 game passed; the close event keeps the exact bytes.
 */
function withoutGodot3Nul(reason: string): string {
  return reason.endsWith("\0") ? reason.slice(0, -1) : reason;
}

const EMPTY = new Uint8Array(0);
const DRAINED = { data: EMPTY, isText: false };
