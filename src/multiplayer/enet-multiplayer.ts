/**
 * ENetMultiplayerPeer: Godot's MultiplayerPeer over ENetConnection, as server, client or
 * mesh, speaking Godot 4's wire protocol (default) or Godot 3.2's NetworkedMultiplayerENet
 * protocol (`{ protocol: "godot3" }`).
 *
 * Godot 4: the client's CONNECT data is its random ID (>= 2); the server resets a connect
 * whose ID is < 2 or taken, or while refusing. ENet channel 0 is the reliable default,
 * 1 the unreliable one, user channel n is ENet channel n + 1. No per-packet header.
 *
 * Godot 3: see godot3-enet-framing.ts. Every data packet carries [u32 source][i32 target];
 * the server validates the source, relays to other clients and tells every client who
 * joined or left with system messages on channel 0.
 *
 * The session (peer table, routing, relay, server loss) is the MultiplayerPeer base's;
 * this class binds it to ENet hosts, channels and packet flags.
 */
import { CompressionMode } from "../compress/types.ts";
import { ENetConnection } from "../enet/connection.ts";
import type { TLSOptions } from "../crypto/tls-options.ts";
import type { DtlsServerLimits } from "../dtls/server-limits.ts";
import { EventType, PacketFlags, PeerState } from "../enet/enums.ts";
import type { ENetPacketPeer } from "../enet/packet-peer.ts";
import { GodotError, NetError } from "../errors.ts";
import { checkBool, checkBytes, checkInt } from "../util/args.ts";
import { ipFamily, isWildcardAll } from "../transport/addresses.ts";
import { resolveIo } from "../transport/registry.ts";
import type { Clock, IoOptions } from "../transport/types.ts";
import {
  GODOT3_ENET_HEADER_SIZE,
  GODOT3_ENET_SYSMSG_SIZE,
  GODOT3_SYSCH_CONFIG,
  GODOT3_SYSCH_MAX,
  GODOT3_SYSCH_RELIABLE,
  GODOT3_SYSCH_UNRELIABLE,
  GODOT3_SYSMSG_ADD_PEER,
  GODOT3_SYSMSG_REMOVE_PEER,
  encodeGodot3EnetPacket,
  encodeGodot3EnetSysMsg,
  readI32LE,
  readU32LE,
} from "./godot3-enet-framing.ts";
import { ConnectionStatus, MultiplayerPeer, TransferMode, parseProtocol } from "./multiplayer-peer.ts";
import type { MultiplayerProtocol, MultiplayerProtocolOptions } from "./multiplayer-peer.ts";

/** Godot 4's reserved ENet channels (SYSCH_RELIABLE, SYSCH_UNRELIABLE); user channels follow. */
const SYSCH_RELIABLE = 0;
const SYSCH_UNRELIABLE = 1;
const SYSCH_MAX = 2;

const INT32_MAX = 0x7fffffff;
const EMPTY = new Uint8Array(0);

enum Mode {
  NONE,
  SERVER,
  CLIENT,
  MESH,
}

export interface ENetMultiplayerOptions extends MultiplayerProtocolOptions {
  /** Per-datagram compression set on the host before anything is sent (Godot 3's compression_mode). */
  compressionMode?: CompressionMode;
  /** createServer: speak DTLS 1.2 with every client (Godot 4: `host.dtls_server_setup(options)`; Godot 3: use_dtls + dtls_key/dtls_certificate). */
  dtlsServerOptions?: TLSOptions;
  /** createServer with dtlsServerOptions: the DTLS server's session and handshake limits (ENetConnection.dtlsServerSetup's second argument). */
  dtlsServerLimits?: DtlsServerLimits;
  /** createClient: speak DTLS 1.2 to the server, verified with these options (Godot 4: `host.dtls_client_setup(hostname, options)`). */
  dtlsClientOptions?: TLSOptions;
  /** createClient with dtlsClientOptions: the name the server's certificate must carry (default: the address). */
  dtlsHostname?: string;
  /** createServer: the CONNECT-flood policy's half-open cap (ENetHostOptions.halfOpenLimit). */
  halfOpenLimit?: number;
  /** createServer: the CONNECT-flood policy's per-address/port interval in ms (ENetHostOptions.connectInterval). */
  connectInterval?: number;
  /** Bytes of packets one ENet peer may have queued or unacknowledged before sends to it fail with ERR_OUT_OF_MEMORY (ENetHostOptions.maxOutgoingData, default 64 MiB). */
  maxOutgoingData?: number;
  /** createServer: bytes of packets all ENet peers may have queued or unacknowledged before each is held to its share (ENetHostOptions.maxHostOutgoingData, default 256 MiB). */
  maxHostOutgoingData?: number;
}

export interface ENetMultiplayerPeerOptions extends IoOptions, ENetMultiplayerOptions {}

function modeFromFlags(flags: number): TransferMode {
  if (flags & PacketFlags.RELIABLE) return TransferMode.TRANSFER_MODE_RELIABLE;
  if (flags & PacketFlags.UNSEQUENCED) return TransferMode.TRANSFER_MODE_UNRELIABLE;
  return TransferMode.TRANSFER_MODE_UNRELIABLE_ORDERED;
}

export class ENetMultiplayerPeer extends MultiplayerPeer<ENetPacketPeer> {
  private readonly io: IoOptions;
  private readonly clock: Clock;
  private readonly defaults: ENetMultiplayerOptions;
  private mode = Mode.NONE;
  private creating = false;
  private bindIp = "*";
  /** Key 0: the server's or client's host; mesh: one host per peer ID. */
  private readonly hosts = new Map<number, ENetConnection>();
  private readonly idOf = new Map<ENetPacketPeer, number>();
  /** close() destroyed hosts whose sockets the runtime releases a turn later. */
  private releasingSockets = false;
  private _serverRelay = true;
  private _alwaysOrdered = false;

  constructor(options: ENetMultiplayerPeerOptions = {}) {
    super();
    const resolved = resolveIo(options);
    this.io = { runtime: resolved.runtime, clock: resolved.clock };
    this.clock = resolved.clock;
    parseProtocol(options);
    if (options.compressionMode !== undefined) checkInt(options.compressionMode, "compressionMode", 0, 4);
    this.defaults = { protocol: options.protocol, compressionMode: options.compressionMode };
  }

  // ---- Godot 3 settings ----

  /** Godot 3 mode: the server relays client packets to other clients and announces peers (default true). Set while inactive. */
  get serverRelay(): boolean {
    return this._serverRelay;
  }
  set serverRelay(on: boolean) {
    checkBool(on, "serverRelay");
    if (this.mode !== Mode.NONE) throw new NetError(GodotError.ERR_ALREADY_IN_USE, "serverRelay can't be changed while the multiplayer instance is active");
    this._serverRelay = on;
  }

  /** Godot 3 mode: send TRANSFER_MODE_UNRELIABLE sequenced instead of unsequenced (Godot 3's always_ordered). */
  get alwaysOrdered(): boolean {
    return this._alwaysOrdered;
  }
  set alwaysOrdered(on: boolean) {
    checkBool(on, "alwaysOrdered");
    this._alwaysOrdered = on;
  }

  // ---- creating ----

  /** IP address (or "*") createServer/createClient bind to. */
  setBindIp(ip: string): void {
    if (typeof ip !== "string" || (!isWildcardAll(ip) && ipFamily(ip) === 0)) {
      throw new TypeError(`ip must be an IP address or "*", got ${String(ip)}`);
    }
    this.bindIp = isWildcardAll(ip) ? "*" : ip;
  }

  /**
   * Listen on `port` for up to `maxClients` clients. Godot 4: `maxChannels` user channels
   * (0 = as many as ENet allows). Godot 3: `maxChannels` is the total ENet channel count
   * (Godot 3's channel_count, >= 3; 0 = 3).
   */
  async createServer(port: number, maxClients = 32, maxChannels = 0, inBandwidth = 0, outBandwidth = 0, options: ENetMultiplayerOptions = {}): Promise<void> {
    checkInt(port, "port", 0, 65535);
    checkInt(maxClients, "maxClients", 1, 4095);
    checkInt(inBandwidth, "inBandwidth", 0, 0xffffffff);
    checkInt(outBandwidth, "outBandwidth", 0, 0xffffffff);
    const protocol = parseProtocol({ protocol: options.protocol ?? this.defaults.protocol });
    const enetChannels = this.channelsFor(protocol, maxChannels, "maxChannels");
    const host = await this.createHost(this.bindIp, port, maxClients, enetChannels, inBandwidth, outBandwidth, options, protocol);
    if (options.dtlsServerOptions !== undefined) {
      try {
        await host.dtlsServerSetup(options.dtlsServerOptions, options.dtlsServerLimits);
      } catch (err) {
        host.destroy();
        throw err;
      }
    }
    this.hosts.set(0, host);
    this.mode = Mode.SERVER;
    this.uniqueId = 1;
    this.status = ConnectionStatus.CONNECTION_CONNECTED;
  }

  /**
   * Connect to a server at `address`:`port` (an IP address or "localhost"). Godot 4:
   * `channelCount` user channels (0 = as many as ENet allows). Godot 3: the total ENet
   * channel count (>= 3; 0 = 3). `localPort` 0 picks a random port.
   */
  async createClient(address: string, port: number, channelCount = 0, inBandwidth = 0, outBandwidth = 0, localPort = 0, options: ENetMultiplayerOptions = {}): Promise<void> {
    if (typeof address !== "string" || address.length === 0) throw new TypeError("address must be a non-empty string");
    checkInt(port, "port", 1, 65535);
    checkInt(inBandwidth, "inBandwidth", 0, 0xffffffff);
    checkInt(outBandwidth, "outBandwidth", 0, 0xffffffff);
    checkInt(localPort, "localPort", 0, 65535);
    const protocol = parseProtocol({ protocol: options.protocol ?? this.defaults.protocol });
    const enetChannels = this.channelsFor(protocol, channelCount, "channelCount");
    // As Godot's create_client: the bind IP only applies with a local port; otherwise the host is
    // created unbound (create_host) and sends from whichever address routes to the server.
    const host = await this.createHost(localPort === 0 ? "*" : this.bindIp, localPort, 1, 0, inBandwidth, outBandwidth, options, protocol);
    const id = this.generateUniqueId();
    let peer: ENetPacketPeer;
    try {
      if (options.dtlsClientOptions !== undefined) await host.dtlsClientSetup(options.dtlsHostname ?? address, options.dtlsClientOptions);
      peer = await host.connectToHost(address, port, { channels: enetChannels, data: id });
    } catch (err) {
      host.destroy();
      throw err;
    }
    this.uniqueId = id;
    this.hosts.set(0, host);
    this.peers.set(1, peer);
    this.idOf.set(peer, 1);
    this.mode = Mode.CLIENT;
    this.status = ConnectionStatus.CONNECTION_CONNECTING;
  }

  /** Start a mesh with our own `uniqueId`; add peers with addMeshPeer(). Godot 4 protocol only (Godot 3 has no mesh). */
  createMesh(uniqueId: number, options: MultiplayerProtocolOptions = {}): void {
    checkInt(uniqueId, "uniqueId", 1, INT32_MAX);
    const protocol = parseProtocol({ protocol: options.protocol ?? this.defaults.protocol });
    if (this.mode !== Mode.NONE || this.creating) throw new NetError(GodotError.ERR_ALREADY_IN_USE, "createMesh: the multiplayer instance is already active");
    if (protocol !== "godot4") throw new NetError(GodotError.ERR_UNAVAILABLE, "createMesh: Godot 3 has no mesh mode");
    this.beginSession("godot4");
    this.mode = Mode.MESH;
    this.uniqueId = uniqueId;
    this.status = ConnectionStatus.CONNECTION_CONNECTED;
  }

  /** Add a mesh peer: `host` must have exactly one peer, connected. The peer then belongs to this multiplayer peer. */
  addMeshPeer(peerId: number, host: ENetConnection): void {
    checkInt(peerId, "peerId", 1, INT32_MAX);
    if (!(host instanceof ENetConnection)) throw new TypeError("host must be an ENetConnection");
    if (this.mode !== Mode.MESH) throw new NetError(GodotError.ERR_UNCONFIGURED, "addMeshPeer: call createMesh first");
    if (this.peers.has(peerId) || peerId === this.uniqueId) throw new NetError(GodotError.ERR_ALREADY_EXISTS, `addMeshPeer: peer ${peerId} already exists`);
    const hostPeers = host.getPeers();
    const only = hostPeers[0];
    if (hostPeers.length !== 1 || only === undefined || only.getState() !== PeerState.STATE_CONNECTED) {
      throw new NetError(GodotError.ERR_INVALID_PARAMETER, "addMeshPeer: the host must have exactly one peer in the connected state");
    }
    this.hosts.set(peerId, host);
    this.peers.set(peerId, only);
    this.idOf.set(only, peerId);
    this.emitPeerConnected(peerId);
  }

  private channelsFor(protocol: MultiplayerProtocol, count: number, name: string): number {
    if (protocol === "godot4") {
      checkInt(count, name, 0, 255 - SYSCH_MAX);
      return count > 0 ? count + SYSCH_MAX : 0;
    }
    if (count === 0) return GODOT3_SYSCH_MAX;
    checkInt(count, name, GODOT3_SYSCH_MAX, 255);
    return count;
  }

  private async createHost(
    bindIp: string,
    port: number,
    maxPeers: number,
    maxChannels: number,
    inBandwidth: number,
    outBandwidth: number,
    options: ENetMultiplayerOptions,
    protocol: MultiplayerProtocol,
  ): Promise<ENetConnection> {
    const compression = options.compressionMode ?? this.defaults.compressionMode;
    if (compression !== undefined) checkInt(compression, "compressionMode", 0, 4);
    if (this.mode !== Mode.NONE || this.creating) throw new NetError(GodotError.ERR_ALREADY_IN_USE, "the multiplayer instance is already active");
    this.creating = true;
    try {
      if (this.releasingSockets) {
        // Re-created right after close(): a runtime closes UDP sockets asynchronously, so the old
        // port is only free a turn later (Godot code often closes and re-creates on the same port).
        this.releasingSockets = false;
        await new Promise<void>((resolve) => this.clock.setTimeout(resolve, 0));
      }
      const host = new ENetConnection(this.io);
      if (compression !== undefined) host.compress(compression);
      await host.createHostBound(bindIp, port, {
        maxPeers,
        maxChannels,
        inBandwidth,
        outBandwidth,
        halfOpenLimit: options.halfOpenLimit,
        connectInterval: options.connectInterval,
        maxOutgoingData: options.maxOutgoingData,
        maxHostOutgoingData: options.maxHostOutgoingData,
      });
      this.beginSession(protocol);
      return host;
    } finally {
      this.creating = false;
    }
  }

  // ---- state ----

  isServer(): boolean {
    return this.mode === Mode.SERVER;
  }

  isServerRelaySupported(): boolean {
    return this.mode === Mode.SERVER || this.mode === Mode.CLIENT;
  }

  /** The server's or client's ENetConnection (null when inactive or a mesh). */
  get host(): ENetConnection | null {
    return this.mode === Mode.NONE || this.mode === Mode.MESH ? null : (this.hosts.get(0) ?? null);
  }
  getHost(): ENetConnection | null {
    return this.host;
  }

  /** The ENetPacketPeer of peer `id` (a client only has peer 1, the server); null when unknown. */
  getPeer(id: number): ENetPacketPeer | null {
    if (this.mode === Mode.NONE) return null;
    if (this.mode === Mode.CLIENT && id !== 1) return null;
    return this.peers.get(id) ?? null;
  }

  /**
   * Channel of the next packet (Godot 4: the user channel, 0 = a default one; Godot 3: the ENet
   * channel). None queued: 1 as Godot 4.6's ENetMultiplayerPeer, -1 as Godot 3.2's
   * NetworkedMultiplayerENet (each logs an error there).
   */
  override getPacketChannel(): number {
    if (this.getAvailablePacketCount() > 0) return super.getPacketChannel();
    return this.protocol === "godot3" ? -1 : 1;
  }

  protected override onRefuseNewConnectionsChanged(refuse: boolean): void {
    // As Godot 4.6's set_refuse_new_connections: the host is told (which only stops new DTLS
    // handshakes); a plain UDP host still completes the ENet handshake and the CONNECT event
    // is then reset in serverConnect, so the refused client sees a connection that times out.
    for (const host of this.hosts.values()) {
      try {
        host.refuseNewConnections(refuse);
      } catch {
        // A destroyed host has nothing to refuse.
      }
    }
  }

  // ---- the loop ----

  poll(): void {
    if (this.mode === Mode.NONE) return;
    this.disconnectInactivePeers();
    if (this.mode === Mode.MESH) {
      for (const [id, host] of [...this.hosts]) this.pollMeshHost(id, host);
      return;
    }
    const host = this.hosts.get(0);
    if (host === undefined) return;
    const isServer = this.mode === Mode.SERVER;
    // Bounded: a poll handles what is queued, not an endless stream.
    for (let i = 0; i < 100000; i++) {
      if (this.hosts.get(0) !== host) return; // closed from an event listener
      let ev;
      try {
        ev = host.poll();
      } catch {
        return; // the host was destroyed under us
      }
      if (ev.type === EventType.NONE) return;
      if (ev.type === EventType.ERROR) {
        // As Godot 4.6's poll(): an error from service() (the socket refused a send) closes the
        // whole session, without peer events; SceneMultiplayer then reports the disconnection.
        this.close();
        return;
      }
      const peer = ev.peer;
      if (peer === null) continue;
      if (ev.type === EventType.CONNECT) {
        if (isServer) this.serverConnect(peer, ev.data);
        else this.clientConnect();
      } else if (ev.type === EventType.DISCONNECT) {
        if (isServer) this.serverDisconnect(peer);
        else this.clientDisconnect(peer);
      } else if (ev.type === EventType.RECEIVE) {
        const flags = peer.getAvailablePacketCount() > 0 ? peer.getPacketFlags() : 0;
        if (peer.getAvailablePacketCount() > 0) peer.getPacket(); // the event carries it; don't let the handle's queue grow
        const packet = ev.packet ?? EMPTY; // a RECEIVE event always carries its packet
        if (isServer) this.serverReceive(peer, ev.channel, packet, flags, host);
        else this.clientReceive(peer, ev.channel, packet, flags);
      }
    }
  }

  private disconnectInactivePeers(): void {
    for (const [id, peer] of [...this.peers]) {
      if (peer === null || peer.isActive()) continue;
      if (this.mode === Mode.CLIENT) {
        // The server's peer went inactive without a DISCONNECT event (reset(), peerDisconnectNow()
        // or the host destroyed by the application). As Godot 4.6's _disconnect_inactive_peers and
        // poll(): forget it, emit peer_disconnected(1) (whatever the status), then close(). Godot 3.2
        // has no such check: its server loss (closed, then the peers reported) is the nearest.
        if (this.protocol === "godot3") {
          this.loseServer();
          return;
        }
        this.forgetPeer(id, peer);
        this.emitPeerDisconnected(id);
        if (this.mode === Mode.CLIENT) this.close();
        return;
      }
      this.idOf.delete(peer);
      if (this.mode === Mode.MESH) this.dropMeshHost(id);
      this.peerLeft(id);
      this.flushHosts();
    }
  }

  private forgetPeer(id: number, peer: ENetPacketPeer): void {
    this.peers.delete(id);
    this.idOf.delete(peer);
  }

  protected override godot3Announces(): boolean {
    return this.protocol === "godot3" && this._serverRelay && this.mode === Mode.SERVER;
  }

  protected override sendGodot3PeerListMessage(link: ENetPacketPeer, added: boolean, id: number): void {
    this.sendSys(link, added ? GODOT3_SYSMSG_ADD_PEER : GODOT3_SYSMSG_REMOVE_PEER, id);
  }

  private serverConnect(peer: ENetPacketPeer, data: number): void {
    if (this.refuseNewConnections || data < 2 || data > INT32_MAX || this.peers.has(data)) {
      this.drops.refusedConnections++;
      peer.reset();
      return;
    }
    const id = data;
    this.peers.set(id, peer);
    this.idOf.set(peer, id);
    this.emitPeerConnected(id);
    if (this.godot3Announces() && this.peers.get(id) === peer) {
      this.announceGodot3(true, id);
      this.flushHosts();
    }
  }

  private serverDisconnect(peer: ENetPacketPeer): void {
    const id = this.idOf.get(peer);
    if (id === undefined || this.peers.get(id) !== peer) return; // never fully connected, or forgotten
    this.idOf.delete(peer);
    if (this.protocol === "godot4") {
      this.leaveAfterEvent(id, peer);
      return;
    }
    this.peerLeft(id);
    this.flushHosts();
  }

  /** A peer's ENet DISCONNECT (server or mesh), Godot 4: reported, then forgotten; a mesh drops the peer's host after that. */
  private leaveAfterEvent(id: number, peer: ENetPacketPeer): void {
    if (!this.peerLeftAfterEvent(id, peer)) return;
    this.idOf.delete(peer);
    if (this.mode === Mode.MESH) this.dropMeshHost(id);
  }

  private serverReceive(peer: ENetPacketPeer, channel: number, packet: Uint8Array, flags: number, host: ENetConnection): void {
    const id = this.idOf.get(peer);
    if (id === undefined || this.peers.get(id) !== peer) {
      this.drops.unknownTarget++;
      return;
    }
    if (this.protocol === "godot4") {
      this.storePacket(packet, id, this.userChannel(channel), modeFromFlags(flags));
      return;
    }
    if (channel === GODOT3_SYSCH_CONFIG) {
      this.drops.badChannel++; // only the server sends system messages
      return;
    }
    if (packet.length < GODOT3_ENET_HEADER_SIZE) {
      this.drops.malformed++;
      return;
    }
    const source = readU32LE(packet, 0);
    const target = readI32LE(packet, 4);
    const payload = packet.subarray(GODOT3_ENET_HEADER_SIZE);
    this.relayGodot3(id, source, target, payload, channel, modeFromFlags(flags), this._serverRelay, (to) => this.sendRaw(to, channel, packet, flags));
    this.flushHost(host);
  }

  private clientConnect(): void {
    this.status = ConnectionStatus.CONNECTION_CONNECTED;
    this.emitPeerConnected(1);
  }

  private clientDisconnect(peer: ENetPacketPeer): void {
    if (this.peers.get(1) !== peer) return;
    this.loseServer();
  }

  protected override endSession(): void {
    this.close();
  }

  private clientReceive(peer: ENetPacketPeer, channel: number, packet: Uint8Array, flags: number): void {
    if (this.peers.get(1) !== peer) return;
    if (this.protocol === "godot4") {
      this.storePacket(packet, 1, this.userChannel(channel), modeFromFlags(flags));
      return;
    }
    if (channel === GODOT3_SYSCH_CONFIG) {
      this.clientSystemMessage(packet);
      return;
    }
    if (packet.length < GODOT3_ENET_HEADER_SIZE) {
      this.drops.malformed++;
      return;
    }
    this.acceptGodot3Data(readU32LE(packet, 0), packet.subarray(GODOT3_ENET_HEADER_SIZE), channel, modeFromFlags(flags));
  }

  private clientSystemMessage(packet: Uint8Array): void {
    if (packet.length !== GODOT3_ENET_SYSMSG_SIZE) {
      this.drops.badSystemMessage++;
      return;
    }
    const message = readU32LE(packet, 0);
    if (message !== GODOT3_SYSMSG_ADD_PEER && message !== GODOT3_SYSMSG_REMOVE_PEER) {
      this.drops.badSystemMessage++;
      return;
    }
    this.applyGodot3PeerList(message === GODOT3_SYSMSG_ADD_PEER, readU32LE(packet, 4));
  }

  private pollMeshHost(id: number, host: ENetConnection): void {
    for (let i = 0; i < 100000; i++) {
      if (this.hosts.get(id) !== host) return;
      let ev;
      try {
        ev = host.poll();
      } catch {
        ev = { type: EventType.ERROR, peer: null };
      }
      if (ev.type === EventType.NONE) return;
      if (ev.type === EventType.CONNECT) {
        ev.peer?.reset(); // a mesh host takes no new connections
        this.drops.refusedConnections++;
      } else if (ev.type === EventType.RECEIVE && ev.peer !== null) {
        const flags = ev.peer.getAvailablePacketCount() > 0 ? ev.peer.getPacketFlags() : 0;
        if (ev.peer.getAvailablePacketCount() > 0) ev.peer.getPacket();
        if (this.peers.get(id) === ev.peer) this.storePacket(ev.packet ?? EMPTY, id, this.userChannel(ev.channel), modeFromFlags(flags));
      } else {
        // Disconnect or error: the mesh peer is gone.
        const peer = this.peers.get(id);
        if (peer) this.leaveAfterEvent(id, peer);
        else this.dropMeshHost(id);
        return;
      }
    }
  }

  private dropMeshHost(id: number): void {
    const host = this.hosts.get(id);
    this.hosts.delete(id);
    host?.destroy();
  }

  // ---- sending ----

  /**
   * Send to the target: OK, ERR_UNCONFIGURED when inactive or not connected yet,
   * ERR_INVALID_PARAMETER for an unknown target (or one without a direct link), or the
   * ENet peer's failure (ERR_INVALID_PARAMETER too for a target that connected with fewer
   * channels than transferChannel needs). Throws for a packet above getMaxPacketSize() or, on a
   * client, a transferChannel its own connection lacks (the caller's mistake).
   */
  putPacket(packet: Uint8Array): GodotError {
    checkBytes(packet, "packet", this.getMaxPacketSize());
    if (this.mode === Mode.NONE || this.status !== ConnectionStatus.CONNECTION_CONNECTED) return GodotError.ERR_UNCONFIGURED;
    const target = this.targetPeer;
    // (Checked before framing: a Godot 3 client may address clients it only knows of.)
    if (target !== 0 && !this.peers.has(Math.abs(target))) return GodotError.ERR_INVALID_PARAMETER;
    const { channel, flags } = this.protocol === "godot4" ? this.godot4Route() : this.godot3Route();
    const bytes = this.protocol === "godot3" ? encodeGodot3EnetPacket(this.uniqueId, target, packet) : packet;
    let result: GodotError = GodotError.OK;
    if (this.mode === Mode.CLIENT || target > 0) {
      const to = this.directLink(this.mode === Mode.CLIENT ? 1 : target);
      result = to ? this.sendChecked(to, channel, bytes, flags) : GodotError.ERR_INVALID_PARAMETER;
    } else {
      // Broadcast: a peer that connected with fewer channels (its choice) is skipped and counted.
      this.forEachBroadcastLink(target, (peer) => this.sendRaw(peer, channel, bytes, flags));
    }
    this.flushHosts();
    return result;
  }

  private godot4Route(): { channel: number; flags: number } {
    let channel = SYSCH_RELIABLE;
    let flags: number = PacketFlags.RELIABLE;
    switch (this.transferMode) {
      case TransferMode.TRANSFER_MODE_UNRELIABLE:
        flags = PacketFlags.UNSEQUENCED | PacketFlags.UNRELIABLE_FRAGMENT;
        channel = SYSCH_UNRELIABLE;
        break;
      case TransferMode.TRANSFER_MODE_UNRELIABLE_ORDERED:
        flags = PacketFlags.UNRELIABLE_FRAGMENT;
        channel = SYSCH_UNRELIABLE;
        break;
    }
    if (this.transferChannel > 0) channel = SYSCH_MAX + this.transferChannel - 1;
    return { channel, flags };
  }

  private godot3Route(): { channel: number; flags: number } {
    let channel = GODOT3_SYSCH_RELIABLE;
    let flags: number = PacketFlags.RELIABLE;
    switch (this.transferMode) {
      case TransferMode.TRANSFER_MODE_UNRELIABLE:
        flags = this._alwaysOrdered ? 0 : PacketFlags.UNSEQUENCED;
        channel = GODOT3_SYSCH_UNRELIABLE;
        break;
      case TransferMode.TRANSFER_MODE_UNRELIABLE_ORDERED:
        flags = 0;
        channel = GODOT3_SYSCH_UNRELIABLE;
        break;
    }
    if (this.transferChannel > GODOT3_SYSCH_CONFIG) channel = this.transferChannel;
    return { channel, flags };
  }

  /**
   * Send for the user. A client's own link lacking the channel is the caller's error (it chose the
   * channel count in createClient); a server's or mesh's peer lacking it chose so when it connected,
   * so, as a broadcast skips such a peer, a send to it alone fails with what Godot's
   * ENetPacketPeer.send returns (ERR_INVALID_PARAMETER) and is counted in sendFailed. SceneMultiplayer
   * sends a broadcast RPC one peer at a time (Godot's send_command): a throw there would stop the
   * broadcast at that peer.
   */
  private sendChecked(peer: ENetPacketPeer, channel: number, bytes: Uint8Array, flags: number): GodotError {
    const have = peer.getChannels();
    // A link that went down since the last poll() (a flush can read the server's disconnect) has
    // no channels left (a live one has at least one): that is the network, not the caller, and
    // ENet's own answer to a send on a link that is gone is ERR_UNCONFIGURED.
    if (have === 0 || !peer.isActive()) return GodotError.ERR_UNCONFIGURED;
    if (channel >= have) {
      if (this.mode !== Mode.CLIENT) {
        this.drops.sendFailed++;
        return GodotError.ERR_INVALID_PARAMETER;
      }
      throw new RangeError(`transferChannel ${this.transferChannel} needs ENet channel ${channel}, but the connection has ${have} channels`);
    }
    try {
      // (Whether ENetPacketPeer.send returns its error or throws it, it ends up here as a code.)
      const result: unknown = peer.send(channel, bytes, flags);
      return typeof result === "number" ? (result as GodotError) : GodotError.OK;
    } catch (err) {
      if (err instanceof NetError) return err.code;
      throw err;
    }
  }

  /** Send on behalf of the network (relay, system messages): failures are counted, never thrown. */
  private sendRaw(peer: ENetPacketPeer, channel: number, bytes: Uint8Array, flags: number): void {
    try {
      if (channel < peer.getChannels()) {
        const result: unknown = peer.send(channel, bytes, flags);
        if (result === undefined || result === GodotError.OK) return;
      }
    } catch {
      // fall through to the count
    }
    this.drops.sendFailed++;
  }

  private sendSys(peer: ENetPacketPeer, message: number, id: number): void {
    this.sendRaw(peer, GODOT3_SYSCH_CONFIG, encodeGodot3EnetSysMsg(message, id), PacketFlags.RELIABLE);
  }

  private userChannel(enetChannel: number): number {
    return enetChannel >= SYSCH_MAX ? enetChannel - SYSCH_MAX + 1 : 0;
  }

  private flushHost(host: ENetConnection): void {
    try {
      host.flush();
    } catch {
      // destroyed: nothing to flush
    }
  }

  private flushHosts(): void {
    for (const host of this.hosts.values()) this.flushHost(host);
  }

  // ---- ending ----

  /**
   * Disconnect peer `id`. Without `force` the peer is disconnected gracefully and
   * peer_disconnected follows in a later poll(); with `force` it is forgotten at once
   * without an event (Godot 4). Godot 3 server: `force` is Godot 3's `now` (disconnect_now,
   * the others are told, peer_disconnected at once); otherwise disconnect_later.
   */
  disconnectPeer(id: number, force = false): void {
    const peer = this.linkToDisconnect(id, force);
    if (this.protocol === "godot3" && this.mode === Mode.SERVER) {
      if (force) {
        peer.peerDisconnectNow(0);
        this.idOf.delete(peer);
        this.peerLeft(id);
      } else {
        peer.peerDisconnectLater(0);
      }
      this.flushHosts();
      return;
    }
    peer.peerDisconnect(0);
    this.flushHosts();
    if (!force) return;
    this.forgetPeer(id, peer);
    if (this.mode === Mode.MESH) this.dropMeshHost(id);
    if (this.mode === Mode.CLIENT) this.close();
  }

  /** Disconnect everyone at once (ENet disconnect_now; Godot 3 sends our ID as its data), destroy the hosts. */
  close(): void {
    if (this.mode === Mode.NONE) return;
    const data = this.protocol === "godot3" ? this.uniqueId : 0;
    for (const peer of this.peers.values()) {
      if (peer !== null && peer.getState() === PeerState.STATE_CONNECTED) peer.peerDisconnectNow(data);
    }
    for (const host of this.hosts.values()) {
      this.flushHost(host);
      host.destroy();
      this.releasingSockets = true;
    }
    this.hosts.clear();
    this.idOf.clear();
    this.clearSession();
    this.mode = Mode.NONE;
    this.refuseNewConnections = false;
  }
}
