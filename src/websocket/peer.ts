/**
 * WebSocketPeer: Godot 4's WebSocketPeer (plus the Godot 3 names) binding the
 * sans-IO WebSocketConnectionCore to a Stream (through the shared StreamBinding)
 * and a Clock.
 *
 * Poll-driven like Godot: bytes that arrive are buffered, and only `poll()`
 * runs the protocol, so state changes and packets become visible after a
 * poll. For idiomatic JS use it is also an EventTarget: adding a listener
 * (or setting `autoPoll`) makes it poll by itself whenever bytes arrive or a
 * timer is due. While a "message" listener is attached, messages go to the
 * listeners instead of the getPacket() queue.
 */
import { GodotError } from "../errors.ts";
import { PacketPeerVariants, type PacketPeer } from "../core/packet-peer.ts";
import type { Variant, VariantOptions } from "../variant/index.ts";
import { resolveIo } from "../transport/registry.ts";
import type { Clock, IoOptions, RuntimeAdapter, Stream, TLSOptions, WebSocketLink } from "../transport/types.ts";
import { CloseCode, MAX_CLOSE_REASON_BYTES } from "./close-codes.ts";
import { ConnectionRole, type RandomFill, StreamShutdown, WebSocketConnectionCore, WebSocketState } from "./connection-core.ts";
import { StreamBinding, type StreamBindingHandler } from "../stream/stream-binding.ts";
import { Fifo } from "../util/fifo.ts";
import { checkBytes, checkInt, checkNumber, checkOneOf, checkString } from "../util/args.ts";
import { WebSocketCloseEvent, WebSocketErrorEvent, WebSocketMessageEvent, type WebSocketListener } from "./events.ts";
import { checkExtraHeader, checkProtocolName } from "./handshake.ts";
import { type DeflateSettings, type PerMessageDeflateOptions, deflateOptionsOf, resolveDeflateOptions } from "./permessage-deflate.ts";
import { parseWebSocketUrl } from "./url.ts";
import { encodeUtf8 } from "./utf8.ts";
import { StreamPeerSocket } from "../tcp/stream-peer-socket.ts";
import { godotIpText } from "../transport/memory-address.ts";

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
/** Received-but-unprocessed bytes above which reading from the socket pauses. */
const INBOX_HIGH_WATER = 256 * 1024;

type PendingEvent = Exclude<ReturnType<WebSocketConnectionCore["pollEvent"]>, null>;
/** A message waiting for getPacket(). */
interface QueuedPacket {
  readonly data: Uint8Array;
  readonly isText: boolean;
}

/** WebSocketPeer options beyond the runtime and clock. */
export interface WebSocketPeerOptions extends IoOptions {
  /** Random source for masking keys and the handshake key (default: the platform CSPRNG); a seeded one replays a run. */
  randomFill?: RandomFill;
}

function checkSize(name: string, value: number, min: number, max: number): number {
  checkInt(value, name, min, max);
  return value;
}

/** A WriteMode argument. */
function checkWriteMode(mode: unknown, name: string): asserts mode is WriteMode {
  checkOneOf(mode, name, [WriteMode.WRITE_MODE_TEXT, WriteMode.WRITE_MODE_BINARY]);
}

export class WebSocketPeer extends EventTarget implements PacketPeer {
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
  private readonly randomFill: RandomFill | undefined;

  private _supportedProtocols: readonly string[] = NO_STRINGS;
  private _handshakeHeaders: readonly string[] = NO_STRINGS;
  private _perMessageDeflate: DeflateSettings | null = null;
  private _inboundBufferSize = DEFAULT_INBOUND_BUFFER_SIZE;
  private _outboundBufferSize = DEFAULT_OUTBOUND_BUFFER_SIZE;
  private _maxQueuedPackets = DEFAULT_MAX_QUEUED_PACKETS;
  private _heartbeatInterval = 0;
  private _handshakeTimeout = DEFAULT_HANDSHAKE_TIMEOUT;
  private _closeTimeout = DEFAULT_CLOSE_TIMEOUT;
  private _writeMode = WriteMode.WRITE_MODE_BINARY;
  private _autoPoll = false;
  /** Godot 4 turns Nagle's algorithm off on every WebSocket connection, client and accepted. */
  private noDelay = true;

  private readyState = WebSocketState.STATE_CLOSED;
  private conn: WebSocketConnectionCore | null = null;
  /** The platform's own WebSocket (the browser's) when the runtime frames WebSocket itself. */
  private link: WebSocketLink | null = null;
  /** The stream plumbing: connect deadline, generation guard, inbound buffer, coalescing writer, linger. */
  private readonly io: StreamBinding<WebSocketPeer>;
  private requestedUrl = "";
  private closeCode = -1;
  private closeReason = "";
  private selectedProtocol = "";
  private lastError = "";

  /** Events for deliver(), in order (NO_PENDING while there are none). */
  private pending: PendingEvent[] = NO_PENDING;
  private packetError = GodotError.OK;
  /** @internal Set by the servers that accept over TLS, so getRequestedUrl() says wss://. */
  secureTransport = false;

  /** Received messages for getPacket(), made with the first one (an idle connection may never get one). */
  private packets: Fifo<QueuedPacket> | null = null;
  private packetBytes = 0;
  /**
   * The connection's end, held back while messages that came before it wait in the getPacket()
   * queue: the peer stays OPEN until they are taken (see deliver()).
   */
  private heldClose: PendingEvent | null = null;
  private lastWasString = false;

  private timer: unknown = undefined;
  private timerAt = Number.POSITIVE_INFINITY;
  /** "message" listeners and whether each was added with `once` (EventTarget drops those silently). */
  private messageListeners: Map<unknown, boolean> = NO_MESSAGE_LISTENERS;
  private listenerCount = 0;
  /** @internal Called after poll() changed the ready state (used by WebSocketServer). */
  onStateChange: (() => void) | null = null;
  private polling = false;

  constructor(options?: WebSocketPeerOptions) {
    super();
    const r = resolveIo(options);
    this.runtime = r.runtime;
    this.clock = r.clock;
    this.randomFill = options?.randomFill;
    this.io = new StreamBinding(this.clock, WebSocketPeer.streamEvents, this);
  }

  /** What every peer does on its stream's events: one object for all peers (see StreamBindingHandler). */
  private static readonly streamEvents: StreamBindingHandler<WebSocketPeer> = {
    onData(peer) {
      peer.io.updateReadFlow(INBOX_HIGH_WATER + peer._inboundBufferSize, INBOX_HIGH_WATER / 2);
      if (peer._autoPoll) peer.autoStep();
    },
    onEnd(peer) {
      if (peer._autoPoll) peer.autoStep();
    },
    onClose(peer) {
      if (peer._autoPoll) peer.autoStep();
    },
    onDrain(peer) {
      if (peer._autoPoll) peer.autoStep();
    },
  };

  // ---- properties (Godot 4) ----

  /** Subprotocols: offered by a client, accepted by a server. Set before connecting/accepting. */
  get supportedProtocols(): string[] {
    return [...this._supportedProtocols];
  }
  set supportedProtocols(list: string[]) {
    if (!Array.isArray(list)) throw new TypeError("supportedProtocols must be an array of strings");
    // Godot's setter applies String.strip_edges() to each entry (blanks and control characters).
    const stripped = list.map((p) => (typeof p === "string" ? p.replace(GODOT_STRIP_EDGES, "") : p));
    stripped.forEach(checkProtocolName);
    this._supportedProtocols = stripped;
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

  /**
   * permessage-deflate (RFC 7692; not a Godot property, Godot's WebSocketPeer has none): a
   * client offers it, a server accepts a client's offer. `true` for the defaults, an options
   * object to tune it, `false` (the default) for off. Set before connecting/accepting. In a
   * browser the page's own WebSocket decides, and this setting is not used.
   */
  get perMessageDeflate(): PerMessageDeflateOptions | false {
    return deflateOptionsOf(this._perMessageDeflate);
  }
  set perMessageDeflate(o: boolean | PerMessageDeflateOptions) {
    this._perMessageDeflate = resolveDeflateOptions(o);
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
    checkNumber(seconds, "heartbeatInterval (seconds)", 0);
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
    checkNumber(seconds, "handshakeTimeout (seconds)", 0);
    this._handshakeTimeout = seconds;
  }

  /** Seconds to wait for the peer's close frame (not a Godot property; 0 = unlimited). */
  get closeTimeout(): number {
    return this._closeTimeout;
  }
  set closeTimeout(seconds: number) {
    checkNumber(seconds, "closeTimeout (seconds)", 0);
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
    checkWriteMode(mode, "writeMode");
    this._writeMode = mode;
  }
  get writeMode(): WriteMode {
    return this._writeMode;
  }
  set writeMode(mode: WriteMode) {
    this.setWriteMode(mode);
  }
  /** Godot 3 / Redot: true from the open until the close handshake has finished (OPEN or CLOSING). */
  isConnectedToHost(): boolean {
    return this.readyState === WebSocketState.STATE_OPEN || this.readyState === WebSocketState.STATE_CLOSING;
  }

  // ---- connecting ----

  /**
   * Connect to a ws:// or wss:// URL (default ports 80/443; path and query are kept; no
   * scheme means ws://, as in Godot). Returns OK at once with the state CONNECTING; poll()
   * until OPEN or CLOSED. ERR_ALREADY_IN_USE while connecting or open (allowed while
   * CLOSING, which it abandons, as Godot does). A URL that is not ws:// or wss:// throws
   * TypeError. `tlsOptions` apply to wss:// (trusted CAs, hostname check, or unsafe); server
   * options (TLSOptions.server) throw TypeError, where Godot returns ERR_INVALID_PARAMETER.
   */
  connectToUrl(url: string, tlsOptions?: TLSOptions): GodotError {
    const target = parseWebSocketUrl(url);
    const godotOptions = tlsOptions as { isServer?: unknown } | undefined;
    if (typeof godotOptions?.isServer === "function" && godotOptions.isServer() === true) {
      throw new TypeError("tlsOptions must be client options (TLSOptions.client or clientUnsafe), not TLSOptions.server");
    }
    if (this.readyState === WebSocketState.STATE_CONNECTING || this.readyState === WebSocketState.STATE_OPEN) {
      return GodotError.ERR_ALREADY_IN_USE;
    }
    this.abandon();
    this.reset();
    this.requestedUrl = url;
    this.readyState = WebSocketState.STATE_CONNECTING;
    if (this.runtime.openWebSocket) {
      this.openLink(this.runtime.openWebSocket(url, this._supportedProtocols));
      return GodotError.OK;
    }
    const connectOpts = target.secure
      ? { host: target.host, port: target.port, tls: tlsOptions ?? {} }
      : { host: target.host, port: target.port };
    const conn = this.makeConnection(ConnectionRole.CLIENT, target.hostHeader, target.resource);
    const started = this.clock.now();
    // The handshake deadline also covers the TCP/TLS connect.
    this.io.connect(() => this.runtime.streams.connect(connectOpts), this._handshakeTimeout * 1000, {
      connected: (stream) => {
        if (this.conn !== conn || conn.state !== WebSocketState.STATE_CONNECTING) {
          stream.close();
          return;
        }
        this.attach(stream);
        conn.start(started);
        this.afterCore(conn);
        this.afterActivity();
      },
      failed: (err, timedOut) => {
        if (this.conn !== conn) return;
        const message = err instanceof Error ? err.message : String(err);
        conn.transportClosed(timedOut ? new Error("connect timed out") : new Error(`connect to ${url} failed: ${message}`));
        this.afterCore(conn);
        this.afterActivity();
      },
    });
    return GodotError.OK;
  }

  /**
   * The platform frames the protocol (the browser's WebSocket): its events join the same
   * queue as our core's, so everything from deliver() on is shared.
   */
  private openLink(link: WebSocketLink): void {
    this.link = link;
    link.onEvent((e) => {
      if (this.link !== link) return;
      if (e.kind === "message" && this.messageListeners.size === 0) {
        this.queuePacket(e);
      } else this.queueEvent(e);
      if (e.kind === "close") this.link = null;
      this.autoStep();
    });
  }

  /**
   * Server side: take an accepted stream (TCP or TLS) and run the server handshake on it.
   * Godot's pattern is TCPServer.takeConnection() -> WebSocketPeer.acceptStream(tcpPeer):
   * the StreamPeerTCP then stays CONNECTED (its address and ports stay readable) while this
   * peer uses the connection, and goes to NONE when this peer closes it. Returns
   * ERR_ALREADY_IN_USE while connecting or open, FAILED for a StreamPeerTCP already lent to
   * another WebSocketPeer. A StreamPeerTCP that is not connected is taken as Godot 4.6 takes
   * it: OK and CONNECTING, then CLOSED at the next poll().
   */
  acceptStream(connection: Stream | StreamPeerSocket): GodotError {
    const isSocketPeer = connection instanceof StreamPeerSocket;
    if (!isSocketPeer && (!connection || typeof connection.write !== "function" || typeof connection.onData !== "function")) {
      throw new TypeError("stream must be a connected Stream or StreamPeerTCP/StreamPeerUDS");
    }
    if (this.readyState === WebSocketState.STATE_CONNECTING || this.readyState === WebSocketState.STATE_OPEN) {
      return GodotError.ERR_ALREADY_IN_USE;
    }
    let stream: Stream | null = null;
    if (isSocketPeer) {
      if (connection.isLent()) return GodotError.FAILED;
      if (connection.getStatus() === StreamPeerSocket.Status.STATUS_CONNECTED) stream = connection.lendStream();
    } else {
      stream = connection;
    }
    this.abandon();
    this.reset();
    this.readyState = WebSocketState.STATE_CONNECTING;
    const conn = this.makeConnection(ConnectionRole.SERVER, "", "/");
    if (stream === null) {
      // Godot's handshake fails on its first read from the stream, in the next poll().
      conn.transportClosed(new Error("the stream is not connected"));
      this.afterCore(conn);
      return GodotError.OK;
    }
    this.attach(stream);
    conn.start(this.clock.now());
    this.afterCore(conn);
    this.afterActivity();
    return GodotError.OK;
  }

  /** A peer still CLOSING is dropped (no close frame) before it is reused, as in Godot. */
  private abandon(): void {
    if (this.link) {
      this.link.close(-1, "");
      this.link = null;
      this.readyState = WebSocketState.STATE_CLOSED;
    }
    const conn = this.conn;
    if (this.readyState === WebSocketState.STATE_CLOSING && conn) {
      conn.close(this.clock.now(), -1, "");
      this.afterCore(conn); // aborts the stream; its close event is dropped with the rest by reset()
      this.readyState = WebSocketState.STATE_CLOSED;
    }
  }

  private reset(): void {
    this.closeCode = -1;
    this.closeReason = "";
    this.selectedProtocol = "";
    this.lastError = "";
    this.requestedUrl = "";
    this.pending = NO_PENDING;
    this.heldClose = null;
    this.packets?.clear();
    this.packetBytes = 0;
    this.lastWasString = false;
    // The previous stream was ended or aborted by its core; forget it (its events are ignored).
    this.io.detach();
    this.io.release();
    this.disarm();
  }

  private makeConnection(role: ConnectionRole, hostHeader: string, resource: string): WebSocketConnectionCore {
    const conn = new WebSocketConnectionCore({
      role,
      maxMessageSize: this._inboundBufferSize,
      handshakeTimeoutMs: this._handshakeTimeout * 1000,
      closeTimeoutMs: this._closeTimeout * 1000,
      heartbeatIntervalMs: Math.round(this._heartbeatInterval * 1000),
      hostHeader,
      resource,
      protocols: this._supportedProtocols,
      extraHeaders: this._handshakeHeaders,
      randomFill: this.randomFill,
      deflate: this._perMessageDeflate,
    });
    this.conn = conn;
    return conn;
  }

  /**
   * Carry out what the core asked for after a call into it: write its transmits (coalesced
   * within the turn), end or abort the stream, and queue its events. Messages go straight
   * to the getPacket() queue (so the queue limits see them at once) unless "message"
   * listeners take them in deliver().
   */
  private afterCore(conn: WebSocketConnectionCore): void {
    const io = this.io;
    for (let bytes = conn.pollTransmit(); bytes !== null; bytes = conn.pollTransmit()) io.writeCoalesced(bytes);
    const shutdown = conn.pollShutdown();
    if (shutdown === StreamShutdown.END) io.endAndLinger(LINGER_MS);
    else if (shutdown === StreamShutdown.ABORT) io.abort();
    const direct = this.messageListeners.size === 0;
    for (let e = conn.pollEvent(); e !== null; e = conn.pollEvent()) {
      if (direct && e.kind === "message") {
        this.queuePacket(e);
      } else {
        this.queueEvent(e);
      }
    }
  }

  private queuePacket(p: QueuedPacket): void {
    (this.packets ??= new Fifo<QueuedPacket>(4)).push(p);
    this.packetBytes += p.data.length;
  }

  private queueEvent(e: PendingEvent): void {
    if (this.pending === NO_PENDING) this.pending = [];
    this.pending.push(e);
  }

  private attach(stream: Stream): void {
    this.io.attach(stream);
    stream.setNoDelay(this.noDelay);
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
    if (this.heldClose && (this.packets?.length ?? 0) === 0) {
      this.queueEvent(this.heldClose);
      this.heldClose = null;
    }
    if (this.link || (this.pending.length > 0 && !this.conn)) {
      this.deliver();
      return;
    }
    const conn = this.conn;
    if (!conn) return;
    const now = this.clock.now();
    const io = this.io;
    this.feed(conn, now);
    if (io.inbound.length === 0 || conn.state === WebSocketState.STATE_CLOSED) {
      // Transport events only after every byte before them has been processed.
      if (io.closed || io.ended) {
        conn.transportClosed(io.error);
        if (io.ended && !io.closed) io.stream?.close();
      }
    }
    io.checkConnectDeadline(now); // its handler ends the connection
    conn.handleTimeout(now);
    this.afterCore(conn);
    this.deliver();
    this.rearm();
  }

  /** Hand buffered input to the connection while the packet queue and the outgoing buffer have room. */
  private feed(conn: WebSocketConnectionCore, now: number): void {
    const io = this.io;
    const inbound = io.inbound;
    const outLimit = this._outboundBufferSize + INBOX_HIGH_WATER;
    while (inbound.length > 0) {
      if (conn.state === WebSocketState.STATE_CLOSED) {
        inbound.clear();
        return;
      }
      // Backpressure: a full getPacket() queue, or a peer not reading our pongs, stops reading.
      if ((this.packets?.length ?? 0) >= this._maxQueuedPackets || this.packetBytes >= this._inboundBufferSize) break;
      // (Not once the stream is gone: nothing will drain it, and the close must still be seen.)
      if (io.stream && !io.closed && io.bufferedAmount > outLimit) break;
      // Stream chunks are ours (the Stream contract: adapters never reuse them), and so is every read of the queue.
      const chunk = inbound.readChunk();
      conn.receive(now, chunk, 0, chunk.length, true);
      // Messages count against the queue as they are produced.
      this.afterCore(conn);
    }
    io.updateReadFlow(INBOX_HIGH_WATER + this._inboundBufferSize, INBOX_HIGH_WATER / 2);
  }

  private deliver(): void {
    if (this.pending.length === 0) return;
    const events = this.pending;
    this.pending = NO_PENDING;
    for (const e of events) {
      switch (e.kind) {
        case "open":
          this.readyState = WebSocketState.STATE_OPEN;
          this.selectedProtocol = e.protocol;
          this.dispatchEvent(new Event("open"));
          this.onStateChange?.();
          break;
        case "message":
          if (this.messageListeners.size > 0) {
            this.dispatchEvent(new WebSocketMessageEvent(e.data, e.isText));
            for (const [l, once] of this.messageListeners) if (once) this.messageListeners.delete(l);
          } else {
            this.queuePacket(e);
          }
          break;
        case "error":
          this.lastError = e.message;
          this.dispatchEvent(new WebSocketErrorEvent(e.message));
          break;
        case "close":
          // The peer's last messages and its close frame often arrive in one read. Godot 4.6 then
          // counts nothing once closing, and they are lost (godotengine/godot#107442); here they
          // stay readable, OPEN, and the end comes with the poll after the last is taken.
          if (this.readyState === WebSocketState.STATE_OPEN && (this.packets?.length ?? 0) > 0) {
            this.heldClose = e;
            break;
          }
          this.readyState = WebSocketState.STATE_CLOSED;
          this.dropPackets(); // what came after our close() (CLOSING) was never readable: it goes
          if (e.wasClean) {
            this.closeCode = e.code;
            this.closeReason = withoutGodot3Nul(e.reason);
          } else {
            // Godot 4.6 (WSLPeer::poll) reports the code wslay sent when it failed the
            // connection, with its own fixed text; other unclean ends leave -1.
            const reason = failureCloseReason(e.code);
            this.closeCode = reason === null ? -1 : e.code;
            this.closeReason = reason ?? "";
          }
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
    this.armAt(conn.pollTimeout() ?? Number.POSITIVE_INFINITY, conn);
  }

  private armAt(at: number, conn: WebSocketConnectionCore): void {
    if (at === this.timerAt) return;
    this.disarm();
    if (!Number.isFinite(at)) return;
    this.timerAt = at;
    this.timer = this.clock.setTimeout(() => {
      this.timer = undefined;
      this.timerAt = Number.POSITIVE_INFINITY;
      if (conn !== this.conn) return;
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
    // Without autoPoll the protocol only runs in poll(), but the handshake deadline is
    // enforced regardless so an idle server cannot be pinned (the connect deadline has
    // the binding's own timer).
    const now = this.clock.now();
    if (conn.state === WebSocketState.STATE_CONNECTING && this.io.stream) {
      // Judge the peer, not our polling: bytes it already sent count before the deadline.
      this.feed(conn, now);
      conn.handleTimeout(now);
      this.afterCore(conn);
      this.rearm();
    }
    // Any other deadline (heartbeat, close) is poll()'s to meet, and poll() arms the timer again.
    // Re-arming here would find the same deadline already due and fire again at once, forever.
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
    checkBytes(message, "message");
    checkWriteMode(writeMode, "writeMode");
    // Ended, with messages still to take (heldClose): the peer has gone, as after a drop not yet
    // seen, and the next poll tells. OK, so that code checking sends on an OPEN peer holds.
    if (this.heldClose) return GodotError.OK;
    if (this.link) {
      if (this.readyState !== WebSocketState.STATE_OPEN) return GodotError.FAILED;
      if (this.link.bufferedAmount + message.length > this._outboundBufferSize) return GodotError.ERR_OUT_OF_MEMORY;
      this.link.send(message, writeMode === WriteMode.WRITE_MODE_TEXT);
      return GodotError.OK;
    }
    const conn = this.conn;
    if (!conn || this.readyState !== WebSocketState.STATE_OPEN || conn.state !== WebSocketState.STATE_OPEN) {
      return GodotError.FAILED;
    }
    // Past the outbound limits Godot's send fails with ERR_OUT_OF_MEMORY instead of buffering.
    if (this.io.bufferedAmount + message.length > this._outboundBufferSize) return GodotError.ERR_OUT_OF_MEMORY;
    if (this.io.pendingWrites() >= this._maxQueuedPackets) return GodotError.ERR_OUT_OF_MEMORY;
    conn.sendMessage(message, writeMode === WriteMode.WRITE_MODE_TEXT);
    this.afterCore(conn);
    return GodotError.OK;
  }

  sendText(message: string): GodotError {
    checkString(message, "message");
    return this.send(encodeUtf8(message), WriteMode.WRITE_MODE_TEXT);
  }

  /** PacketPeer.put_packet: send with the current write mode (binary unless changed). */
  putPacket(buffer: Uint8Array): GodotError {
    return this.send(buffer, this._writeMode);
  }

  /**
   * The oldest received message; wasStringPacket() then tells its kind. As in Godot, an
   * empty Uint8Array when there is none (getPacketError() is then ERR_UNAVAILABLE) or the
   * peer is not OPEN (FAILED); check getAvailablePacketCount() first.
   */
  getPacket(): Uint8Array {
    if (this.readyState !== WebSocketState.STATE_OPEN) {
      this.packetError = GodotError.FAILED;
      return EMPTY;
    }
    const p = this.packets?.shift();
    if (p === undefined) {
      this.packetError = GodotError.ERR_UNAVAILABLE;
      return EMPTY;
    }
    this.packetError = GodotError.OK;
    this.packetBytes -= p.data.length;
    this.lastWasString = p.isText;
    // Room again: continue with input held back by the queue limits, or end as held.
    if ((this.io.inbound.length > 0 || this.heldClose !== null) && this._autoPoll && !this.polling) queueMicrotask(() => this.autoStep());
    return p.data;
  }

  /** Received messages waiting for getPacket(); 0 unless OPEN (Godot 4 counts nothing once closing). */
  getAvailablePacketCount(): number {
    return this.readyState === WebSocketState.STATE_OPEN ? (this.packets?.length ?? 0) : 0;
  }

  private dropPackets(): void {
    this.packets?.clear();
    this.packetBytes = 0;
  }

  /** The result of the last getPacket(): OK, ERR_UNAVAILABLE (none queued) or FAILED (not open). */
  getPacketError(): GodotError {
    return this.packetError;
  }

  // ---- Variants (PacketPeer.put_var / get_var, shared with every packet peer) ----

  // Made on first use: a server's idle connections never touch Variants.
  private variantsState: PacketPeerVariants | null = null;
  private get variants(): PacketPeerVariants {
    return (this.variantsState ??= new PacketPeerVariants());
  }

  /** Largest Variant encoding putVar() sends (Godot's 8 MiB default; 1 KiB..256 MiB, rounded up to a power of two). */
  get encodeBufferMaxSize(): number {
    return this.variants.encodeBufferMaxSize;
  }
  set encodeBufferMaxSize(size: number) {
    this.variants.encodeBufferMaxSize = size;
  }
  getEncodeBufferMaxSize(): number {
    return this.variants.encodeBufferMaxSize;
  }
  setEncodeBufferMaxSize(size: number): void {
    this.variants.encodeBufferMaxSize = size;
  }
  /** Godot's put_var: `value`'s Variant encoding as one packet (ERR_OUT_OF_MEMORY above encodeBufferMaxSize). */
  putVar(value: unknown, fullObjects = false, options?: VariantOptions): GodotError {
    return this.variants.putVar(this, value, fullObjects, options);
  }
  /** Godot's get_var: the next packet decoded; null when none is queued or it is not a valid Variant. */
  getVar(allowObjects = false, options?: VariantOptions): Variant {
    return this.variants.getVar(this, allowObjects, options);
  }

  /** Whether the last packet returned by getPacket() was a text message. */
  wasStringPacket(): boolean {
    return this.lastWasString;
  }

  // ---- closing ----

  /**
   * Start the close handshake with `code` and a reason of at most 123 UTF-8 bytes. Like
   * Godot (wslay), any code 1..65535 goes on the wire as given (the RFC's rules are the
   * application's business) and 0 sends a close frame without a code. A negative code
   * drops the connection at once without a close frame. Received messages not yet taken
   * are discarded, as Godot does; if the peer had already ended the connection (they kept it
   * OPEN), it is CLOSED at once with the peer's code.
   */
  close(code = 1000, reason = ""): void {
    checkInt(code, "code", -(2 ** 31), 0xffff);
    checkString(reason, "reason");
    if (encodeUtf8(reason).length > MAX_CLOSE_REASON_BYTES) {
      throw new RangeError(`reason must be at most ${MAX_CLOSE_REASON_BYTES} bytes of UTF-8`);
    }
    if (this.heldClose) {
      // The connection has already ended: what waited is discarded, as on any close().
      this.dropPackets();
      this.queueEvent(this.heldClose);
      this.heldClose = null;
      this.deliver();
      return;
    }
    if (this.link) {
      if (this.readyState === WebSocketState.STATE_CLOSED) return;
      this.dropPackets();
      this.link.close(code, reason);
      this.readyState = WebSocketState.STATE_CLOSING;
      if (code < 0) {
        this.link = null;
        this.queueEvent({ kind: "close", code: -1, reason: "", wasClean: false });
        this.deliver();
      }
      return;
    }
    const conn = this.conn;
    if (!conn || this.readyState === WebSocketState.STATE_CLOSED) return;
    this.dropPackets();
    if (this.readyState === WebSocketState.STATE_CONNECTING) {
      // Still CONNECTING for the application: dropped at once, as Godot does, however far the
      // handshake got. The handshake timer may have fed the core what the server sent already
      // (onTimer), so the core can be OPEN, or even closed, with an open event, messages and a
      // close queued: the application never saw it open, so only errors stay, and it ends as a drop.
      if (this.pending !== NO_PENDING) this.pending = this.pending.filter((e) => e.kind === "error");
      if (conn.state === WebSocketState.STATE_CLOSED) this.queueEvent({ kind: "close", code: CloseCode.ABNORMAL_CLOSURE, reason: "", wasClean: false });
      else conn.close(this.clock.now(), -1, "");
    } else {
      conn.close(this.clock.now(), code, reason);
    }
    this.afterCore(conn);
    if (conn.state === WebSocketState.STATE_CLOSED) {
      if (!this.io.stream) this.io.release(); // a connect still in flight: its result is discarded
      this.io.inbound.clear();
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
  /**
   * The peer's close code after a clean close; after we failed the connection for a protocol
   * error, the code we sent (1002, 1007, 1009; getCloseReason() then gives Godot's text for
   * it); -1 otherwise.
   */
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
  /** The extensions agreed in the handshake, as `Sec-WebSocket-Extensions` gave them ("" for none; ours, like the browser's WebSocket.extensions). */
  getExtensions(): string {
    return this.conn?.extensions ?? "";
  }
  /**
   * The URL given to connectToUrl; on an accepted peer, as Godot builds it once the
   * request has arrived: "ws://" (or "wss://" over TLS) + the Host header + the resource.
   */
  getRequestedUrl(): string {
    const conn = this.conn;
    if (conn && conn.role === ConnectionRole.SERVER && this.requestedUrl === "" && conn.requestResource !== "") {
      this.requestedUrl = (this.secureTransport ? "wss://" : "ws://") + (conn.requestHeaders.get("host") ?? "") + conn.requestResource;
    }
    return this.requestedUrl;
  }
  /** Server side: the request's path and query (e.g. "/game?room=1"), "" before the handshake. */
  getRequestResource(): string {
    return this.conn?.requestResource ?? "";
  }
  /** Server side: the request's headers (lower-cased names). */
  getRequestHeaders(): Map<string, string> {
    return this.conn?.requestHeaders ?? new Map<string, string>();
  }
  /** The remote address in the text Godot's IPAddress prints (IPv6 as eight groups; IPv4-mapped as IPv4), as StreamPeerTCP gives it. */
  getConnectedHost(): string {
    // Godot drops its StreamPeerTCP on reaching CLOSED, so the address is gone with it.
    if (this.readyState === WebSocketState.STATE_CLOSED) return "";
    const address = this.io.stream?.remoteAddress;
    if (address === undefined) return "";
    return godotIpText(address) ?? address;
  }
  getConnectedPort(): number {
    if (this.readyState === WebSocketState.STATE_CLOSED) return 0;
    return this.io.stream?.remotePort ?? 0;
  }
  /** Nagle off (true, the default: Godot 4 sets it on every WebSocket connection) or on (false). */
  setNoDelay(enabled: boolean): void {
    this.noDelay = !!enabled;
    this.io.stream?.setNoDelay(this.noDelay);
  }
  /** Bytes sent and not yet handed to the OS (our coalescing queue plus the stream's buffer); 0 unless OPEN, as Godot 4.6. */
  getCurrentOutboundBufferedAmount(): number {
    if (this.readyState !== WebSocketState.STATE_OPEN) return 0;
    return this.link ? this.link.bufferedAmount : this.io.bufferedAmount;
  }

  /** Protocol counters (messages, pings, pongs, protocol errors) of the current connection. */
  getStats(): Readonly<WebSocketConnectionCore["stats"]> {
    return { ...(this.conn?.stats ?? { messagesReceived: 0, messagesSent: 0, messagesCompressed: 0, messagesInflated: 0, pingsReceived: 0, pongsReceived: 0, protocolErrors: 0 }) };
  }

  // ---- EventTarget ----

  /** Whether open/message/close/error listeners were ever added. */
  get hasListeners(): boolean {
    return this.listenerCount > 0;
  }

  // Overloads by event name, so that a listener reads e.data / e.code without a cast.
  override addEventListener(type: "open", listener: WebSocketListener<Event> | null, options?: AddEventListenerOptions | boolean): void;
  override addEventListener(type: "message", listener: WebSocketListener<WebSocketMessageEvent> | null, options?: AddEventListenerOptions | boolean): void;
  override addEventListener(type: "close", listener: WebSocketListener<WebSocketCloseEvent> | null, options?: AddEventListenerOptions | boolean): void;
  override addEventListener(type: "error", listener: WebSocketListener<WebSocketErrorEvent> | null, options?: AddEventListenerOptions | boolean): void;
  override addEventListener(type: string, listener: EventListenerOrEventListenerObject | null, options?: AddEventListenerOptions | boolean): void;
  override addEventListener(
    type: string,
    listener: EventListenerOrEventListenerObject | null,
    options?: AddEventListenerOptions | boolean,
  ): void {
    super.addEventListener(type, listener, options);
    if (listener === null) return;
    if (type === "message") {
      const once = typeof options === "object" && options.once === true;
      if (this.messageListeners === NO_MESSAGE_LISTENERS) this.messageListeners = new Map();
      this.messageListeners.set(listener, once);
      const signal = typeof options === "object" ? options.signal : undefined;
      signal?.addEventListener("abort", () => this.messageListeners.delete(listener), { once: true });
    }
    if (type === "open" || type === "message" || type === "close" || type === "error") {
      this.listenerCount++;
      this.autoPoll = true;
    }
  }

  override removeEventListener(type: "open", listener: WebSocketListener<Event> | null, options?: EventListenerOptions | boolean): void;
  override removeEventListener(type: "message", listener: WebSocketListener<WebSocketMessageEvent> | null, options?: EventListenerOptions | boolean): void;
  override removeEventListener(type: "close", listener: WebSocketListener<WebSocketCloseEvent> | null, options?: EventListenerOptions | boolean): void;
  override removeEventListener(type: "error", listener: WebSocketListener<WebSocketErrorEvent> | null, options?: EventListenerOptions | boolean): void;
  override removeEventListener(type: string, listener: EventListenerOrEventListenerObject | null, options?: EventListenerOptions | boolean): void;
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
function failureCloseReason(code: number): string | null {
  switch (code) {
    case CloseCode.PROTOCOL_ERROR:
      return "Protocol error";
    case CloseCode.INVALID_FRAME_PAYLOAD_DATA:
      return "Invalid frame payload data";
    case CloseCode.MESSAGE_TOO_BIG:
      return "Message too big";
    default:
      return null;
  }
}

function withoutGodot3Nul(reason: string): string {
  return reason.endsWith("\0") ? reason.slice(0, -1) : reason;
}

const EMPTY = new Uint8Array(0);
/** What Godot's String.strip_edges() removes from both ends: every character up to U+0020. */
const GODOT_STRIP_EDGES = /^[\u0000-\u0020]+|[\u0000-\u0020]+$/g;
/** The subprotocol and header lists of every peer that has none (the setters store new arrays; never written). */
const NO_STRINGS: readonly string[] = [];
/** The event queue of every peer with no event waiting (queueEvent makes a queue first; never written). */
const NO_PENDING: PendingEvent[] = [];
/** The "message" listeners of every peer that has none yet (a peer's own map is made on the first add; never written). */
const NO_MESSAGE_LISTENERS = new Map<unknown, boolean>();
