/**
 * WebSocketMultiplayerPeer: Godot's MultiplayerPeer over WebSocketPeer, server or client,
 * speaking Godot 4's wire protocol (default) or Godot 3.2's (`{ protocol: "godot3" }`).
 *
 * Godot 4: once a client's WebSocket is open the server sends it one binary message, its
 * ID as a 4-byte little-endian int32; the client accepts exactly 4 bytes with an ID >= 2
 * and then treats the server as peer 1. After that payloads are raw. The server is a
 * listening stream socket plus WebSocketPeer.acceptStream per connection, as in Godot 4.
 *
 * Godot 3: see godot3-websocket-framing.ts. Every message carries [u8 type][i32 from][i32 to];
 * the server assigns IDs with SYS_ID, announces peers with SYS_ADD / SYS_DEL, validates
 * the source of every client message and relays to other clients.
 *
 * The session (peer table, routing, relay, server loss) is the MultiplayerPeer base's;
 * this class binds it to WebSocketPeers and the ID handshake.
 */
import { GodotError, NetError } from "../errors.ts";
import { checkBytes, checkInt, checkNumber } from "../util/args.ts";
import { evictionCandidate } from "../util/handshake-eviction.ts";
import { resolveIo } from "../transport/registry.ts";
import type { Clock, IoOptions, Listener, RuntimeAdapter, Stream, TLSOptions } from "../transport/types.ts";
import { WebSocketState } from "../websocket/connection-core.ts";
import type { WebSocketMessageEvent } from "../websocket/events.ts";
import { type DeflateSettings, type PerMessageDeflateOptions, deflateOptionsOf, resolveDeflateOptions } from "../websocket/permessage-deflate.ts";
import {
  DEFAULT_HANDSHAKE_TIMEOUT,
  DEFAULT_INBOUND_BUFFER_SIZE,
  DEFAULT_MAX_QUEUED_PACKETS,
  DEFAULT_OUTBOUND_BUFFER_SIZE,
  WebSocketPeer,
} from "../websocket/peer.ts";
import {
  GODOT3_WS_PROTO_SIZE,
  GODOT3_WS_SYS_ADD,
  GODOT3_WS_SYS_DEL,
  GODOT3_WS_SYS_ID,
  GODOT3_WS_SYS_NONE,
  encodeGodot3WsMessage,
  encodeGodot3WsSys,
} from "./godot3-websocket-framing.ts";
import { readI32LE } from "./godot3-enet-framing.ts";
import { ConnectionStatus, MultiplayerPeer, TransferMode, parseProtocol } from "./multiplayer-peer.ts";
import type { MultiplayerProtocol, MultiplayerProtocolOptions } from "./multiplayer-peer.ts";

const INT32_MAX = 0x7fffffff;

/** Default cap on connections in their handshake at once (server); a further one evicts a waiting one. */
export const DEFAULT_MAX_PENDING_PEERS = 256;

export interface WebSocketMultiplayerPeerOptions extends IoOptions, MultiplayerProtocolOptions {}

interface PendingPeer {
  ws: WebSocketPeer;
  /** The remote address, for eviction (util/handshake-eviction.ts). */
  address: string;
  since: number;
}

export class WebSocketMultiplayerPeer extends MultiplayerPeer<WebSocketPeer> {
  private readonly runtime: RuntimeAdapter;
  private readonly clock: Clock;
  private readonly defaultProtocol: MultiplayerProtocol;

  private _supportedProtocols: string[] = [];
  private _handshakeHeaders: string[] = [];
  private _perMessageDeflate: DeflateSettings | null = null;
  private _inboundBufferSize = DEFAULT_INBOUND_BUFFER_SIZE;
  private _outboundBufferSize = DEFAULT_OUTBOUND_BUFFER_SIZE;
  private _maxQueuedPackets = DEFAULT_MAX_QUEUED_PACKETS;
  private _handshakeTimeout = DEFAULT_HANDSHAKE_TIMEOUT;
  private _maxPendingPeers = DEFAULT_MAX_PENDING_PEERS;

  private server = false;
  private starting = false;
  private listener: Listener | null = null;
  /** The server listens with TLS (accepted peers report wss:// URLs). */
  private secure = false;
  /** Bumped on every create/close so a listener of an old session drops its streams. */
  private session = 0;
  private readonly pending = new Map<number, PendingPeer>();
  /** Client: when the connection attempt started (the handshake timeout covers the ID message too). */
  private clientSince = 0;

  constructor(options: WebSocketMultiplayerPeerOptions = {}) {
    super();
    const r = resolveIo(options);
    this.runtime = r.runtime;
    this.clock = r.clock;
    this.defaultProtocol = parseProtocol(options);
  }

  // ---- properties (Godot 4's, applied to every WebSocketPeer created afterwards) ----

  get supportedProtocols(): string[] {
    return [...this._supportedProtocols];
  }
  set supportedProtocols(list: string[]) {
    const probe = new WebSocketPeer({ runtime: this.runtime, clock: this.clock });
    probe.supportedProtocols = list; // validates and strips as WebSocketPeer does
    this._supportedProtocols = probe.supportedProtocols;
  }

  get handshakeHeaders(): string[] {
    return [...this._handshakeHeaders];
  }
  set handshakeHeaders(list: string[]) {
    new WebSocketPeer({ runtime: this.runtime, clock: this.clock }).handshakeHeaders = list; // validates
    this._handshakeHeaders = [...list];
  }

  /** permessage-deflate for every connection made afterwards (WebSocketPeer.perMessageDeflate; not Godot's, off by default). */
  get perMessageDeflate(): PerMessageDeflateOptions | false {
    return deflateOptionsOf(this._perMessageDeflate);
  }
  set perMessageDeflate(o: boolean | PerMessageDeflateOptions) {
    this._perMessageDeflate = resolveDeflateOptions(o);
  }

  get inboundBufferSize(): number {
    return this._inboundBufferSize;
  }
  set inboundBufferSize(n: number) {
    checkInt(n, "inboundBufferSize", 1, INT32_MAX);
    this._inboundBufferSize = n;
  }

  get outboundBufferSize(): number {
    return this._outboundBufferSize;
  }
  set outboundBufferSize(n: number) {
    checkInt(n, "outboundBufferSize", 1, INT32_MAX);
    this._outboundBufferSize = n;
  }

  get maxQueuedPackets(): number {
    return this._maxQueuedPackets;
  }
  set maxQueuedPackets(n: number) {
    checkInt(n, "maxQueuedPackets", 1, 2 ** 24);
    this._maxQueuedPackets = n;
  }

  /** Seconds a connection may take from TCP accept/connect until its ID is settled (default 3). */
  get handshakeTimeout(): number {
    return this._handshakeTimeout;
  }
  set handshakeTimeout(seconds: number) {
    checkNumber(seconds, "handshakeTimeout (seconds)", Number.MIN_VALUE);
    this._handshakeTimeout = seconds;
  }

  /**
   * Connections allowed to be in their handshake at once (ours; Godot has no limit). A further
   * connection evicts a waiting one, the oldest of the address holding the most, counted in
   * `handshakeEvictions`: a connection flood is bounded and cannot hold the table.
   */
  get maxPendingPeers(): number {
    return this._maxPendingPeers;
  }
  set maxPendingPeers(n: number) {
    checkInt(n, "maxPendingPeers", 1, 65536);
    this._maxPendingPeers = n;
  }

  private makePeer(): WebSocketPeer {
    const ws = new WebSocketPeer({ runtime: this.runtime, clock: this.clock });
    ws.supportedProtocols = this._supportedProtocols;
    ws.handshakeHeaders = this._handshakeHeaders;
    ws.perMessageDeflate = deflateOptionsOf(this._perMessageDeflate);
    ws.inboundBufferSize = this._inboundBufferSize;
    ws.outboundBufferSize = this._outboundBufferSize;
    ws.maxQueuedPackets = this._maxQueuedPackets;
    ws.handshakeTimeout = this._handshakeTimeout;
    return ws;
  }

  // ---- creating ----

  /** Listen for WebSocket clients on `port` (0 = any free port, see getLocalPort()). `tlsOptions` (cert + key) serve wss://. */
  async createServer(port: number, bindAddress = "*", tlsOptions?: TLSOptions, options: MultiplayerProtocolOptions = {}): Promise<void> {
    checkInt(port, "port", 0, 65535);
    if (typeof bindAddress !== "string") throw new TypeError("bindAddress must be a string (\"*\" for all addresses)");
    if (tlsOptions !== undefined && (!tlsOptions.cert || !tlsOptions.key)) {
      throw new TypeError("tlsOptions must carry cert and key (PEM) for a server");
    }
    const protocol = parseProtocol({ protocol: options.protocol ?? this.defaultProtocol });
    this.checkInactive("createServer");
    this.starting = true;
    const session = ++this.session;
    let listener: Listener;
    try {
      const opts = tlsOptions ? { host: bindAddress, port, tls: tlsOptions } : { host: bindAddress, port };
      listener = await this.runtime.streams.listen(opts, (stream) => this.onStream(stream, session));
    } catch (err) {
      if (err instanceof NetError || err instanceof RangeError || err instanceof TypeError) throw err;
      throw new NetError(GodotError.ERR_CANT_CREATE, `createServer: cannot listen on ${bindAddress}:${port}`, { cause: err });
    } finally {
      this.starting = false;
    }
    this.beginSession(protocol);
    this.listener = listener;
    this.secure = tlsOptions !== undefined;
    this.server = true;
    this.uniqueId = 1;
    this.status = ConnectionStatus.CONNECTION_CONNECTED;
  }

  /** Connect to a ws:// or wss:// URL; poll() until getConnectionStatus() is CONNECTED (or DISCONNECTED on failure). */
  async createClient(url: string, tlsOptions?: TLSOptions, options: MultiplayerProtocolOptions = {}): Promise<void> {
    if (typeof url !== "string") throw new TypeError("url must be a string");
    const protocol = parseProtocol({ protocol: options.protocol ?? this.defaultProtocol });
    this.checkInactive("createClient");
    const ws = this.makePeer();
    ws.connectToUrl(url, tlsOptions);
    this.beginSession(protocol);
    this.peers.set(1, ws);
    this.clientSince = this.clock.now();
    this.server = false;
    this.uniqueId = 0;
    this.status = ConnectionStatus.CONNECTION_CONNECTING;
  }

  private checkInactive(what: string): void {
    if (this.status !== ConnectionStatus.CONNECTION_DISCONNECTED || this.starting) {
      throw new NetError(GodotError.ERR_ALREADY_IN_USE, `${what}: the multiplayer instance is already active`);
    }
  }

  private onStream(stream: Stream, session: number): void {
    if (session !== this.session || !this.server || this.refuseNewConnections) {
      if (session === this.session && this.server) this.drops.refusedConnections++;
      stream.close();
      return;
    }
    if (this.pending.size >= this._maxPendingPeers) {
      // Full: the oldest waiting connection of the address holding the most makes room.
      const victim = evictionCandidate(this.pending, ([, p]) => p.address, ([, p]) => p.since);
      if (victim === undefined) {
        this.drops.refusedConnections++;
        stream.close();
        return;
      }
      this.pending.delete(victim[0]);
      this.drops.refusedConnections++;
      this.drops.handshakeEvictions++;
      victim[1].ws.close(-1);
    }
    let id = this.generateUniqueId();
    while (this.pending.has(id) || this.peers.has(id)) id = this.generateUniqueId();
    const ws = this.makePeer();
    this.pending.set(id, { ws, address: stream.remoteAddress, since: this.clock.now() });
    ws.secureTransport = this.secure;
    ws.acceptStream(stream);
  }

  // ---- state ----

  isServer(): boolean {
    return this.server;
  }

  isServerRelaySupported(): boolean {
    return true;
  }

  /** The port the server listens on (useful after createServer(0)); 0 when not a server. */
  getLocalPort(): number {
    return this.listener?.port ?? 0;
  }

  /** The WebSocketPeer of peer `id` (a client has only peer 1); null when unknown. */
  getPeer(id: number): WebSocketPeer | null {
    return this.peers.get(id) ?? null;
  }

  getPeerAddress(id: number): string {
    return this.peers.get(id)?.getConnectedHost() ?? "";
  }

  getPeerPort(id: number): number {
    return this.peers.get(id)?.getConnectedPort() ?? 0;
  }

  /** Connections still in their handshake (server). */
  getPendingCount(): number {
    return this.pending.size;
  }

  /** outboundBufferSize - 9 in both protocols: Godot 4.6 still subtracts its Godot 3 header's size. */
  override getMaxPacketSize(): number {
    return this._outboundBufferSize - GODOT3_WS_PROTO_SIZE;
  }

  // ---- the loop ----

  poll(): void {
    if (this.status === ConnectionStatus.CONNECTION_DISCONNECTED) return;
    if (this.server) this.pollServer();
    else this.pollClient();
  }

  private pollServer(): void {
    // Godot 4.6's _poll_server takes in new peers first, then serves the connected ones; Godot 3.2's
    // WSLServer::poll serves (and drops) the connected peers first, then finishes pending
    // handshakes, so a client that left is gone before one that joins in the same poll is
    // announced to the others (and the newcomer never hears of it).
    if (this.protocol === "godot3") {
      if (!this.pollConnectedPeers()) return;
      this.pollPendingPeers();
      return;
    }
    if (!this.pollPendingPeers()) return;
    this.pollConnectedPeers();
  }

  /** Finish pending handshakes: welcome the peers that opened. False when a listener closed the session. */
  private pollPendingPeers(): boolean {
    const now = this.clock.now();
    const timeoutMs = this._handshakeTimeout * 1000;
    for (const [id, p] of [...this.pending]) {
      if (now - p.since >= timeoutMs) {
        this.pending.delete(id);
        this.drops.handshakeTimeouts++;
        p.ws.close(-1);
        continue;
      }
      p.ws.poll();
      const state = p.ws.getReadyState();
      if (state === WebSocketState.STATE_CONNECTING) continue;
      this.pending.delete(id);
      if (state !== WebSocketState.STATE_OPEN) {
        this.drops.handshakeFailures++; // bad request, or the connection dropped mid-handshake
        continue;
      }
      if (this.refuseNewConnections) {
        this.drops.refusedConnections++;
        this.retire(p.ws);
        continue;
      }
      if (!this.welcome(id, p.ws)) continue;
      if (this.status === ConnectionStatus.CONNECTION_DISCONNECTED) return false; // closed by a listener
    }
    return true;
  }

  /** Serve the connected peers: read their packets, then drop those whose connection went. False when a listener closed the session. */
  private pollConnectedPeers(): boolean {
    const gone: number[] = [];
    for (const [id, ws] of [...this.peers]) {
      if (ws === null || this.peers.get(id) !== ws) continue;
      ws.poll();
      if (ws.getReadyState() !== WebSocketState.STATE_OPEN) {
        gone.push(id);
        continue;
      }
      for (let n = ws.getAvailablePacketCount(); n > 0 && ws.getAvailablePacketCount() > 0 && ws.getReadyState() === WebSocketState.STATE_OPEN; n--) {
        const data = ws.getPacket();
        this.serverReceive(id, data);
      }
      if (this.status === ConnectionStatus.CONNECTION_DISCONNECTED) return false;
    }
    for (const id of gone) {
      const ws = this.peers.get(id);
      if (ws === undefined) continue;
      if (ws !== null) this.retire(ws);
      if (this.protocol === "godot4") this.peerLeftAfterEvent(id, ws);
      else this.peerLeft(id);
      if (this.status === ConnectionStatus.CONNECTION_DISCONNECTED) return false;
    }
    return true;
  }

  protected override godot3Announces(): boolean {
    return this.protocol === "godot3" && this.server;
  }

  protected override sendGodot3PeerListMessage(link: WebSocketPeer, added: boolean, id: number): void {
    this.sendTo(link, encodeGodot3WsSys(added ? GODOT3_WS_SYS_ADD : GODOT3_WS_SYS_DEL, id));
  }

  /** A pending peer is open: give it its ID. False when that failed (the peer is dropped). */
  private welcome(id: number, ws: WebSocketPeer): boolean {
    let sent: boolean;
    if (this.protocol === "godot4") {
      const msg = new Uint8Array(4);
      new DataView(msg.buffer).setInt32(0, id, true);
      sent = this.sendTo(ws, msg);
    } else {
      sent = this.sendTo(ws, encodeGodot3WsSys(GODOT3_WS_SYS_ID, id)) && this.sendTo(ws, encodeGodot3WsSys(GODOT3_WS_SYS_ADD, 1));
    }
    if (!sent) {
      this.retire(ws);
      return false;
    }
    this.peers.set(id, ws);
    if (this.protocol === "godot3") {
      // As Godot 3.2's WSLServer, whose wslay callbacks hand each message over as poll() reads it:
      // the messages a client sent before its close frame are served even when both arrive in one
      // poll (a queue read after the poll would find the peer closed and its messages gone).
      ws.addEventListener("message", (e) => {
        if (this.peers.get(id) === ws) this.serverReceive(id, (e as WebSocketMessageEvent).data);
      });
    }
    if (this.godot3Announces()) this.announceGodot3(true, id);
    this.emitPeerConnected(id);
    return true;
  }

  private serverReceive(id: number, data: Uint8Array): void {
    if (this.protocol === "godot4") {
      if (data.length === 0) {
        this.drops.malformed++; // Godot 4 drops empty messages too
        return;
      }
      this.storePacket(data, id, 0, TransferMode.TRANSFER_MODE_RELIABLE);
      return;
    }
    if (data.length < GODOT3_WS_PROTO_SIZE) {
      this.drops.malformed++;
      return;
    }
    if (data[0] !== GODOT3_WS_SYS_NONE) {
      this.drops.badSystemMessage++; // only the server sends system messages
      return;
    }
    const payload = data.subarray(GODOT3_WS_PROTO_SIZE);
    this.relayGodot3(id, readI32LE(data, 1), readI32LE(data, 5), payload, 0, TransferMode.TRANSFER_MODE_RELIABLE, true, (ws) => this.sendTo(ws, data));
  }

  private pollClient(): void {
    const ws = this.peers.get(1);
    if (!ws) {
      this.clear();
      return;
    }
    ws.poll();
    const state = ws.getReadyState();
    if (state === WebSocketState.STATE_OPEN) {
      if (this.protocol === "godot4") this.clientReceiveGodot4(ws);
      else this.clientReceiveGodot3(ws);
      if (this.status === ConnectionStatus.CONNECTION_DISCONNECTED) return;
    } else if (state === WebSocketState.STATE_CLOSED) {
      this.loseServer();
      return;
    }
    if (this.status === ConnectionStatus.CONNECTION_CONNECTING && this.clock.now() - this.clientSince >= this._handshakeTimeout * 1000) {
      this.drops.handshakeTimeouts++;
      this.clear();
    }
  }

  private clientReceiveGodot4(ws: WebSocketPeer): void {
    if (this.status === ConnectionStatus.CONNECTION_CONNECTING) {
      if (ws.getAvailablePacketCount() === 0) return; // still waiting for the ID
      const msg = ws.getPacket();
      const id = msg.length === 4 ? readI32LE(msg, 0) : 0;
      if (id < 2) {
        this.drops.badIdMessage++;
        ws.close(); // the next polls see it closed and end the session
        return;
      }
      this.uniqueId = id;
      this.status = ConnectionStatus.CONNECTION_CONNECTED;
      this.emitPeerConnected(1);
      if (this.peers.get(1) !== ws) return;
    }
    for (let n = ws.getAvailablePacketCount(); n > 0 && ws.getAvailablePacketCount() > 0 && ws.getReadyState() === WebSocketState.STATE_OPEN; n--) {
      const data = ws.getPacket();
      if (data.length === 0) {
        this.drops.malformed++;
        continue;
      }
      this.storePacket(data, 1, 0, TransferMode.TRANSFER_MODE_RELIABLE);
    }
  }

  private clientReceiveGodot3(ws: WebSocketPeer): void {
    for (let n = ws.getAvailablePacketCount(); n > 0 && ws.getAvailablePacketCount() > 0 && ws.getReadyState() === WebSocketState.STATE_OPEN; n--) {
      const data = ws.getPacket();
      if (data.length < GODOT3_WS_PROTO_SIZE) {
        this.drops.malformed++;
        continue;
      }
      const type = data[0];
      if (type === GODOT3_WS_SYS_NONE) {
        this.acceptGodot3Data(readI32LE(data, 1), data.subarray(GODOT3_WS_PROTO_SIZE), 0, TransferMode.TRANSFER_MODE_RELIABLE);
        continue;
      }
      if (data.length < GODOT3_WS_PROTO_SIZE + 4) {
        this.drops.badSystemMessage++;
        continue;
      }
      this.clientSystemMessage(type, readI32LE(data, GODOT3_WS_PROTO_SIZE));
      if (this.peers.get(1) !== ws) return; // closed by a listener
    }
  }

  private clientSystemMessage(type: number | undefined, id: number): void {
    const connected = this.status === ConnectionStatus.CONNECTION_CONNECTED;
    if (type === GODOT3_WS_SYS_ID && this.uniqueId === 0 && id >= 2) {
      this.uniqueId = id;
    } else if (type === GODOT3_WS_SYS_ADD && id === 1 && !connected && this.uniqueId !== 0) {
      this.status = ConnectionStatus.CONNECTION_CONNECTED;
      this.emitPeerConnected(1);
    } else if ((type === GODOT3_WS_SYS_ADD || type === GODOT3_WS_SYS_DEL) && connected) {
      this.applyGodot3PeerList(type === GODOT3_WS_SYS_ADD, id);
    } else {
      this.drops.badSystemMessage++;
    }
  }

  protected override endSession(): void {
    this.clear();
  }

  // ---- sending ----

  /**
   * Send to the target: OK, ERR_UNCONFIGURED when not connected, ERR_INVALID_PARAMETER for
   * an unknown target, or the WebSocketPeer's failure (FAILED, ERR_OUT_OF_MEMORY). A
   * broadcast that a peer refuses (full, closing) is counted in sendFailed, as Godot skips it.
   */
  putPacket(packet: Uint8Array): GodotError {
    checkBytes(packet, "packet");
    if (this.status !== ConnectionStatus.CONNECTION_CONNECTED) return GodotError.ERR_UNCONFIGURED;
    const target = this.targetPeer;
    const bytes = this.protocol === "godot3" ? encodeGodot3WsMessage(GODOT3_WS_SYS_NONE, this.uniqueId, target, packet) : packet;
    if (!this.server) {
      if (this.protocol === "godot3" && target !== 0 && !this.peers.has(Math.abs(target))) return GodotError.ERR_INVALID_PARAMETER;
      return this.directLink(1)?.send(bytes) ?? GodotError.ERR_BUG;
    }
    if (target > 0) {
      if (target === 1 && this.protocol === "godot3") return GodotError.OK; // Godot 3 servers do not send to themselves
      return this.directLink(target)?.send(bytes) ?? GodotError.ERR_INVALID_PARAMETER;
    }
    this.forEachBroadcastLink(target, (ws) => this.sendTo(ws, bytes));
    return GodotError.OK;
  }

  /** Send on behalf of the network or to many peers: a full or closed peer is counted, not thrown. */
  private sendTo(ws: WebSocketPeer, bytes: Uint8Array): boolean {
    if (ws.send(bytes) === GodotError.OK) return true;
    this.drops.sendFailed++;
    return false;
  }

  // ---- ending ----

  /**
   * Close peer `id`'s WebSocket (code 1000). Without `force`, peer_disconnected follows in a
   * later poll(); with `force` the peer is forgotten at once without an event (Godot 4) — a
   * Godot 3 server tells the other clients with SYS_DEL and fires peer_disconnected at once.
   */
  disconnectPeer(id: number, force = false): void {
    const ws = this.linkToDisconnect(id, force);
    ws.close();
    if (!force) return;
    this.retire(ws);
    if (!this.server) {
      this.peers.delete(id);
      this.clear();
      return;
    }
    // Godot 3 has no forced form: its server reports every leave, so the event fires here too.
    if (this.protocol === "godot3") this.peerLeft(id);
    else this.peers.delete(id);
  }

  /** Close every connection (code 1000) and stop listening. */
  close(): void {
    this.clear();
  }

  /** Let a peer we no longer poll finish its close handshake by itself. */
  private retire(ws: WebSocketPeer): void {
    if (ws.getReadyState() === WebSocketState.STATE_OPEN || ws.getReadyState() === WebSocketState.STATE_CONNECTING) ws.close();
    if (ws.getReadyState() !== WebSocketState.STATE_CLOSED) ws.autoPoll = true;
  }

  private clear(): void {
    this.session++;
    for (const p of this.pending.values()) p.ws.close(-1);
    this.pending.clear();
    for (const ws of this.peers.values()) if (ws !== null) this.retire(ws);
    const l = this.listener;
    this.listener = null;
    if (l) l.close().catch(() => undefined);
    this.clearSession();
    this.server = false;
  }
}
