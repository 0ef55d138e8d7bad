/**
 * WebSocketServer: a small listening helper of ours (Godot 4 has no such class;
 * there a server is a TCPServer plus WebSocketPeer.acceptStream). It listens
 * through the runtime's stream transport, runs each accepted connection's
 * handshake (with the handshake timeout, so slowloris clients are dropped
 * even if nobody polls), and hands out peers that are OPEN through
 * `takeConnection()` or, while a (non-`once`) "connection" listener is attached,
 * the "connection" event instead (so event users do not pile up untaken peers).
 */
import { GodotError, NetError } from "../errors.ts";
import { resolveIo } from "../transport/registry.ts";
import { checkInt } from "../util/args.ts";
import { evictionCandidate } from "../util/handshake-eviction.ts";
import type { Clock, IoOptions, Listener, RuntimeAdapter, Stream, TLSOptions } from "../transport/types.ts";
import { WebSocketState } from "./connection-core.ts";
import { WebSocketPeer } from "./peer.ts";
import type { PerMessageDeflateOptions } from "./permessage-deflate.ts";
import { WebSocketErrorEvent, type WebSocketListener } from "./events.ts";

export class WebSocketConnectionEvent extends Event {
  readonly peer: WebSocketPeer;
  constructor(peer: WebSocketPeer) {
    super("connection");
    this.peer = peer;
  }
}

/** Settings copied onto every accepted peer. */
export interface WebSocketServerPeerOptions {
  supportedProtocols?: string[];
  handshakeHeaders?: string[];
  inboundBufferSize?: number;
  outboundBufferSize?: number;
  maxQueuedPackets?: number;
  heartbeatInterval?: number;
  handshakeTimeout?: number;
  /** permessage-deflate for accepted connections (WebSocketPeer.perMessageDeflate); off by default. */
  perMessageDeflate?: boolean | PerMessageDeflateOptions;
}

/**
 * Most connections allowed to be mid-handshake at once. A connection beyond it evicts a waiting
 * one: the oldest of the address holding the most (util/handshake-eviction.ts).
 */
export const DEFAULT_MAX_PENDING_HANDSHAKES = 256;

export class WebSocketServer extends EventTarget {
  /** Applied to each accepted peer before its handshake starts. */
  peerOptions: WebSocketServerPeerOptions;
  maxPendingHandshakes = DEFAULT_MAX_PENDING_HANDSHAKES;

  private readonly runtime: RuntimeAdapter;
  private readonly clock: Clock;
  private readonly io: IoOptions;
  private listener: Listener | null = null;
  private secure = false;
  /** Connections mid-handshake: the remote address and when the connection was accepted. */
  private readonly pendingPeers = new Map<WebSocketPeer, { address: string; since: number }>();
  private ready: WebSocketPeer[] = [];
  private readonly connectionListeners = new Set<unknown>();
  /** Connections dropped before or during the handshake (refused, timed out, evicted). */
  refusedCount = 0;
  /** Of those, connections evicted mid-handshake to make room for a new one (see maxPendingHandshakes). */
  evictedCount = 0;

  constructor(peerOptions: WebSocketServerPeerOptions = {}, io?: IoOptions) {
    super();
    const r = resolveIo(io);
    this.runtime = r.runtime;
    this.clock = r.clock;
    this.io = { runtime: this.runtime, clock: this.clock };
    this.peerOptions = peerOptions;
  }

  /**
   * Start listening. `port` 0 picks a free port (see getLocalPort()). `bindAddress` defaults to
   * loopback ("127.0.0.1"); pass "*" for every interface as Godot's TCPServer does by default.
   * `tls` (cert + key) serves wss://.
   */
  async listen(port: number, bindAddress = "127.0.0.1", tls?: TLSOptions): Promise<void> {
    checkInt(port, "port", 0, 65535);
    if (this.listener) throw new NetError(GodotError.ERR_ALREADY_IN_USE, "WebSocketServer is already listening");
    const opts = tls ? { host: bindAddress, port, tls } : { host: bindAddress, port };
    this.listener = await this.runtime.streams.listen(opts, (stream) => this.onStream(stream));
    this.secure = tls !== undefined;
  }

  isListening(): boolean {
    return this.listener !== null;
  }

  getLocalPort(): number {
    return this.listener?.port ?? 0;
  }

  isConnectionAvailable(): boolean {
    return this.ready.length > 0;
  }

  /** The next peer whose handshake completed, or null. The caller polls it from then on. */
  takeConnection(): WebSocketPeer | null {
    const peer = this.ready.shift() ?? null;
    if (peer && !peer.hasListeners) peer.autoPoll = false;
    return peer;
  }

  /** Peers still in their handshake. */
  getPendingCount(): number {
    return this.pendingPeers.size;
  }

  /** Stop listening and drop connections still in their handshake or not yet taken. */
  async stop(): Promise<void> {
    const l = this.listener;
    this.listener = null;
    for (const p of this.pendingPeers.keys()) p.close(-1);
    this.pendingPeers.clear();
    for (const p of this.ready) p.close(-1);
    this.ready = [];
    if (l) await l.close();
  }

  // Overloads by event name, so that a listener reads e.peer / e.message without a cast.
  override addEventListener(type: "connection", listener: WebSocketListener<WebSocketConnectionEvent> | null, options?: AddEventListenerOptions | boolean): void;
  override addEventListener(type: "error", listener: WebSocketListener<WebSocketErrorEvent> | null, options?: AddEventListenerOptions | boolean): void;
  override addEventListener(type: string, listener: EventListenerOrEventListenerObject | null, options?: AddEventListenerOptions | boolean): void;
  override addEventListener(
    type: string,
    listener: EventListenerOrEventListenerObject | null,
    options?: AddEventListenerOptions | boolean,
  ): void {
    super.addEventListener(type, listener, options);
    if (type === "connection" && listener !== null && !(typeof options === "object" && options.once)) {
      this.connectionListeners.add(listener);
    }
  }

  override removeEventListener(type: "connection", listener: WebSocketListener<WebSocketConnectionEvent> | null, options?: EventListenerOptions | boolean): void;
  override removeEventListener(type: "error", listener: WebSocketListener<WebSocketErrorEvent> | null, options?: EventListenerOptions | boolean): void;
  override removeEventListener(type: string, listener: EventListenerOrEventListenerObject | null, options?: EventListenerOptions | boolean): void;
  override removeEventListener(
    type: string,
    listener: EventListenerOrEventListenerObject | null,
    options?: EventListenerOptions | boolean,
  ): void {
    super.removeEventListener(type, listener, options);
    if (type === "connection") this.connectionListeners.delete(listener);
  }

  private onStream(stream: Stream): void {
    if (this.pendingPeers.size >= this.maxPendingHandshakes) {
      const victim = evictionCandidate(this.pendingPeers, ([, p]) => p.address, ([, p]) => p.since);
      if (victim === undefined) {
        this.refusedCount++;
        stream.close();
        return;
      }
      this.pendingPeers.delete(victim[0]);
      this.refusedCount++;
      this.evictedCount++;
      victim[0].close(-1);
    }
    const peer = new WebSocketPeer(this.io);
    const o = this.peerOptions;
    try {
      if (o.supportedProtocols) peer.supportedProtocols = o.supportedProtocols;
      if (o.handshakeHeaders) peer.handshakeHeaders = o.handshakeHeaders;
      if (o.inboundBufferSize !== undefined) peer.inboundBufferSize = o.inboundBufferSize;
      if (o.outboundBufferSize !== undefined) peer.outboundBufferSize = o.outboundBufferSize;
      if (o.maxQueuedPackets !== undefined) peer.maxQueuedPackets = o.maxQueuedPackets;
      if (o.heartbeatInterval !== undefined) peer.heartbeatInterval = o.heartbeatInterval;
      if (o.handshakeTimeout !== undefined) peer.handshakeTimeout = o.handshakeTimeout;
      if (o.perMessageDeflate !== undefined) peer.perMessageDeflate = o.perMessageDeflate;
    } catch (err) {
      // Bad peerOptions are a programming error, but this runs in a socket callback: refuse and report.
      stream.close();
      this.dispatchEvent(new WebSocketErrorEvent(err instanceof Error ? err.message : String(err)));
      return;
    }
    this.pendingPeers.set(peer, { address: stream.remoteAddress, since: this.clock.now() });
    // Pending handshakes run by themselves; the peer switches to the caller's polling once taken.
    peer.autoPoll = true;
    const settle = (): void => {
      if (!this.pendingPeers.has(peer)) return;
      const state = peer.getReadyState();
      if (state === WebSocketState.STATE_OPEN) {
        this.pendingPeers.delete(peer);
        peer.onStateChange = null; // settled: the closure (and what it holds) goes with it
        // With "connection" listeners the peer is theirs; otherwise it waits for takeConnection().
        if (this.connectionListeners.size > 0) this.dispatchEvent(new WebSocketConnectionEvent(peer));
        else this.ready.push(peer);
      } else if (state === WebSocketState.STATE_CLOSED) {
        this.pendingPeers.delete(peer);
        peer.onStateChange = null;
        this.refusedCount++;
      }
    };
    peer.onStateChange = settle;
    peer.secureTransport = this.secure;
    peer.acceptStream(stream);
    settle();
  }
}
