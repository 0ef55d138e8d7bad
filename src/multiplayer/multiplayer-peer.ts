/**
 * MultiplayerPeer: Godot's abstract multiplayer PacketPeer. Subclasses bind it to a
 * transport (ENet, WebSocket); this base holds the session every one shares: the
 * transfer settings, the target and its routing, the peer table, the queue of received
 * packets with their source, channel and mode, unique ID generation, drop counters, the
 * order of events when a client loses its server, the Godot 3 relay and peer-list
 * system messages (decided by godot3-relay.ts), and the peer_connected /
 * peer_disconnected events (it is an EventTarget; events are dispatched from inside
 * poll(), like Godot's signals).
 */
import { GodotError, NetError } from "../errors.ts";
import { PacketPeerVariants, type PacketPeer } from "../core/packet-peer.ts";
import type { Variant, VariantOptions } from "../variant/index.ts";
import { checkBool, checkInt, checkOneOf } from "../util/args.ts";
import { IncomingPacketQueue } from "./incoming-queue.ts";
import {
  FORWARD_ALL,
  Godot3PeerListChange,
  godot3PeerListChange,
  isPlausibleGodot3Source,
  receivesGodot3Broadcast,
  routeGodot3ClientPacket,
} from "./godot3-relay.ts";
import { secureRandomU32 } from "../util/platform-sources.ts";

/** MultiplayerPeer.TransferMode: Godot's names and values (the short names are aliases). */
export enum TransferMode {
  UNRELIABLE = 0,
  UNRELIABLE_ORDERED = 1,
  RELIABLE = 2,
  TRANSFER_MODE_UNRELIABLE = 0,
  TRANSFER_MODE_UNRELIABLE_ORDERED = 1,
  TRANSFER_MODE_RELIABLE = 2,
}

/** MultiplayerPeer.ConnectionStatus: Godot's names and values (the short names are aliases). */
export enum ConnectionStatus {
  DISCONNECTED = 0,
  CONNECTING = 1,
  CONNECTED = 2,
  CONNECTION_DISCONNECTED = 0,
  CONNECTION_CONNECTING = 1,
  CONNECTION_CONNECTED = 2,
}

/**
 * Most remote peers a Godot 3 client keeps from the server's ADD messages (Godot 3 servers
 * take at most 4095 clients); more are dropped as bad system messages, so a hostile server
 * cannot grow the peer list without bound.
 */
export const MAX_KNOWN_REMOTE_PEERS = 4096;

export const TARGET_PEER_BROADCAST = 0;
export const TARGET_PEER_SERVER = 1;

/** Which multiplayer wire protocol a peer speaks: Godot 4's (default) or Godot 3.2's. */
export type MultiplayerProtocol = "godot4" | "godot3";

export interface MultiplayerProtocolOptions {
  /** "godot4" (default) or "godot3". */
  protocol?: MultiplayerProtocol;
}

/** The event of `peer_connected` / `peer_disconnected`; `id` is the peer's unique ID. */
export class MultiplayerPeerEvent extends Event {
  readonly id: number;
  constructor(type: "peer_connected" | "peer_disconnected", id: number) {
    super(type);
    this.id = id;
  }
}

/** A listener of `peer_connected` / `peer_disconnected`: it always receives a MultiplayerPeerEvent. */
export type MultiplayerPeerListener = ((event: MultiplayerPeerEvent) => void) | { handleEvent(event: MultiplayerPeerEvent): void };

/**
 * What a multiplayer peer refused from the network instead of delivering (each is also
 * why nothing was thrown out of poll()). Counters only grow; they reset on close().
 */
export interface MultiplayerDropCounters {
  /** Packets too short for the protocol's header (Godot 3 modes) or empty where Godot drops them. */
  malformed: number;
  /** A client claimed another source ID than its own (Godot 3 modes). */
  spoofedSource: number;
  /** System messages that were malformed, unknown, out of place or named an impossible peer. */
  badSystemMessage: number;
  /** Packets or system messages on a channel the protocol does not use that way. */
  badChannel: number;
  /** Packets addressed (or relayed) to a peer that does not exist. */
  unknownTarget: number;
  /** Connections refused: invalid or duplicate ID, refuseNewConnections was on, or evicted mid-handshake (see handshakeEvictions). */
  refusedConnections: number;
  /** Pending connections dropped because their handshake took longer than allowed. */
  handshakeTimeouts: number;
  /** Pending connections whose handshake failed otherwise (bad request, dropped mid-handshake). */
  handshakeFailures: number;
  /** Pending connections closed to make room for a new one when too many were in their handshake (WebSocket server; also counted in refusedConnections). */
  handshakeEvictions: number;
  /** A server's ID message that was not exactly 4 bytes with an ID >= 2 (the connection is closed). */
  badIdMessage: number;
  /** Received packets dropped because the receive queue was full (see incomingLimitPackets/Bytes). */
  queueFull: number;
  /** Relayed packets, system messages or broadcasts the transport refused (peer gone, buffer full, missing channel), and sends to a peer that connected without the channel. */
  sendFailed: number;
}

function zeroCounters(): MultiplayerDropCounters {
  return {
    malformed: 0,
    spoofedSource: 0,
    badSystemMessage: 0,
    badChannel: 0,
    unknownTarget: 0,
    refusedConnections: 0,
    handshakeTimeouts: 0,
    handshakeFailures: 0,
    handshakeEvictions: 0,
    badIdMessage: 0,
    queueFull: 0,
    sendFailed: 0,
  };
}


export function parseProtocol(opts: MultiplayerProtocolOptions | undefined): MultiplayerProtocol {
  const p = opts?.protocol ?? "godot4";
  checkOneOf(p, "protocol", ["godot4", "godot3"] as const);
  return p;
}

const INT32_MAX = 0x7fffffff;
const EMPTY_PACKET = new Uint8Array(0);

/**
 * `Link` is the transport's handle of one directly connected peer (an ENetPacketPeer, a
 * WebSocketPeer); null in the peer table marks a peer known only through the server.
 */
// Typed overloads, so that `peer.addEventListener("peer_connected", (e) => e.id)` needs no cast.
export interface MultiplayerPeer<Link extends object = object> {
  addEventListener(type: "peer_connected" | "peer_disconnected", listener: MultiplayerPeerListener | null, options?: AddEventListenerOptions | boolean): void;
  addEventListener(type: string, listener: EventListenerOrEventListenerObject | null, options?: AddEventListenerOptions | boolean): void;
  removeEventListener(type: "peer_connected" | "peer_disconnected", listener: MultiplayerPeerListener | null, options?: EventListenerOptions | boolean): void;
  removeEventListener(type: string, listener: EventListenerOrEventListenerObject | null, options?: EventListenerOptions | boolean): void;
}

export abstract class MultiplayerPeer<Link extends object = object> extends EventTarget implements PacketPeer {
  static readonly TARGET_PEER_BROADCAST = TARGET_PEER_BROADCAST;
  static readonly TARGET_PEER_SERVER = TARGET_PEER_SERVER;
  static readonly TRANSFER_MODE_UNRELIABLE = TransferMode.TRANSFER_MODE_UNRELIABLE;
  static readonly TRANSFER_MODE_UNRELIABLE_ORDERED = TransferMode.TRANSFER_MODE_UNRELIABLE_ORDERED;
  static readonly TRANSFER_MODE_RELIABLE = TransferMode.TRANSFER_MODE_RELIABLE;
  static readonly CONNECTION_DISCONNECTED = ConnectionStatus.CONNECTION_DISCONNECTED;
  static readonly CONNECTION_CONNECTING = ConnectionStatus.CONNECTION_CONNECTING;
  static readonly CONNECTION_CONNECTED = ConnectionStatus.CONNECTION_CONNECTED;
  static readonly TransferMode = TransferMode;
  static readonly ConnectionStatus = ConnectionStatus;

  private _transferMode = TransferMode.TRANSFER_MODE_RELIABLE;
  private _transferChannel = 0;
  private _refuseNewConnections = false;
  /** The set_target_peer value: > 0 one peer, 0 everyone, < 0 everyone but -target. */
  protected targetPeer = TARGET_PEER_BROADCAST;
  protected readonly incoming = new IncomingPacketQueue();
  protected drops: MultiplayerDropCounters = zeroCounters();
  private packetError = GodotError.OK;
  /** The wire protocol of the current (or last) session. */
  protected protocol: MultiplayerProtocol = "godot4";
  protected status = ConnectionStatus.CONNECTION_DISCONNECTED;
  /** 1 for a server, the client's own ID once known, the mesh's own ID; 0 when inactive. */
  protected uniqueId = 0;
  /** Peers by ID: a client has the server as 1 (and, in Godot 3, the other clients as null). */
  protected readonly peers = new Map<number, Link | null>();

  /** Received packets kept for getPacket() at most (older ones stay; newer ones are dropped and counted). */
  get incomingLimitPackets(): number {
    return this.incoming.limitPackets;
  }
  set incomingLimitPackets(n: number) {
    checkInt(n, "incomingLimitPackets", 1, 2 ** 24);
    this.incoming.limitPackets = n;
  }

  /** Bytes of received packets kept for getPacket() at most (default 32 MiB). */
  get incomingLimitBytes(): number {
    return this.incoming.limitBytes;
  }
  set incomingLimitBytes(n: number) {
    checkInt(n, "incomingLimitBytes", 1, INT32_MAX);
    this.incoming.limitBytes = n;
  }

  // ---- Godot properties ----

  get transferMode(): TransferMode {
    return this._transferMode;
  }
  set transferMode(mode: TransferMode) {
    checkInt(mode, "transferMode", 0, 2);
    this._transferMode = mode;
  }
  setTransferMode(mode: TransferMode): void {
    this.transferMode = mode;
  }
  getTransferMode(): TransferMode {
    return this._transferMode;
  }

  /** 0 = the transfer mode's default channel; 1..255 = a user channel. */
  get transferChannel(): number {
    return this._transferChannel;
  }
  set transferChannel(channel: number) {
    checkInt(channel, "transferChannel", 0, 255);
    this._transferChannel = channel;
  }
  setTransferChannel(channel: number): void {
    this.transferChannel = channel;
  }
  getTransferChannel(): number {
    return this._transferChannel;
  }

  get refuseNewConnections(): boolean {
    return this._refuseNewConnections;
  }
  set refuseNewConnections(refuse: boolean) {
    checkBool(refuse, "refuseNewConnections");
    this._refuseNewConnections = refuse;
    this.onRefuseNewConnectionsChanged(refuse);
  }
  setRefuseNewConnections(refuse: boolean): void {
    this.refuseNewConnections = refuse;
  }
  isRefusingNewConnections(): boolean {
    return this._refuseNewConnections;
  }

  /** Hook for subclasses that must tell their transport (ENet refuses at the protocol level). */
  protected onRefuseNewConnectionsChanged(_refuse: boolean): void {}

  /** Where putPacket() sends: a peer ID (> 0), TARGET_PEER_BROADCAST (0), or -ID for everyone but that peer. */
  setTargetPeer(id: number): void {
    checkInt(id, "id", -INT32_MAX, INT32_MAX);
    this.targetPeer = id;
  }

  // ---- received packets (PacketPeer) ----

  getAvailablePacketCount(): number {
    return this.incoming.count;
  }

  /**
   * Pop the oldest received packet. As in Godot, an empty Uint8Array when none is queued
   * (getPacketError() is then ERR_UNAVAILABLE); check getAvailablePacketCount() first.
   */
  getPacket(): Uint8Array {
    const p = this.incoming.shift();
    if (p === null) {
      this.packetError = GodotError.ERR_UNAVAILABLE;
      return EMPTY_PACKET;
    }
    this.packetError = GodotError.OK;
    return p.data;
  }

  /** The result of the last getPacket(): OK or ERR_UNAVAILABLE. */
  getPacketError(): GodotError {
    return this.packetError;
  }

  // ---- Variants (PacketPeer.put_var / get_var, shared with every packet peer) ----

  private readonly variants = new PacketPeerVariants(() => ({ protocol: this.protocol }));

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
  /** Godot's put_var: `value`'s Variant encoding as one packet (ERR_OUT_OF_MEMORY above encodeBufferMaxSize). Godot 3 Variants in a "godot3" session. */
  putVar(value: unknown, fullObjects = false, options?: VariantOptions): GodotError {
    return this.variants.putVar(this, value, fullObjects, options);
  }
  /** Godot's get_var: the next packet decoded; null when none is queued or it is not a valid Variant. */
  getVar(allowObjects = false, options?: VariantOptions): Variant {
    return this.variants.getVar(this, allowObjects, options);
  }

  /** ID of the peer that sent the packet getPacket() returns next; 1 when none is queued (Godot 4's value). */
  getPacketPeer(): number {
    return this.incoming.peek()?.from ?? TARGET_PEER_SERVER;
  }

  /** User channel of the next packet (0 = a default channel); 0 when none is queued. */
  getPacketChannel(): number {
    return this.incoming.peek()?.channel ?? 0;
  }

  /** Transfer mode of the next packet; TRANSFER_MODE_RELIABLE when none is queued (as Godot). */
  getPacketMode(): TransferMode {
    return this.incoming.peek()?.mode ?? TransferMode.TRANSFER_MODE_RELIABLE;
  }

  /** Largest packet putPacket() accepts. */
  getMaxPacketSize(): number {
    return 1 << 24;
  }

  // ---- identity ----

  /**
   * A random ID in 2..2^31-1 (Godot's generate_unique_id: never 0 or 1, never negative
   * because negative targets mean exclusion). Drawn from the platform CSPRNG.
   */
  generateUniqueId(): number {
    for (;;) {
      const id = secureRandomU32() & INT32_MAX;
      if (id >= 2) return id;
    }
  }

  /** Counters of what was dropped from the network (see MultiplayerDropCounters). */
  getDropCounters(): Readonly<MultiplayerDropCounters> {
    return { ...this.drops };
  }

  protected resetDropCounters(): void {
    this.drops = zeroCounters();
  }

  /** Queue a received packet, or drop and count it when the queue is full. */
  protected storePacket(data: Uint8Array, from: number, channel: number, mode: TransferMode): void {
    if (!this.incoming.push(data, from, channel, mode)) this.drops.queueFull++;
  }

  /** IDs of the peers currently known (a Godot 3 client also knows the other clients). */
  getPeerIds(): number[] {
    return [...this.peers.keys()];
  }

  getConnectionStatus(): ConnectionStatus {
    return this.status;
  }

  /** 1 for a server, the client's own ID once known, 0 when inactive. */
  getUniqueId(): number {
    return this.uniqueId;
  }

  /** The wire protocol of the current (or last) session. */
  getProtocol(): MultiplayerProtocol {
    return this.protocol;
  }

  /** A new session starts: counters, the receive queue and refuseNewConnections reset (Godot resets refusing on create). */
  protected beginSession(protocol: MultiplayerProtocol): void {
    this.protocol = protocol;
    this.resetDropCounters();
    this.incoming.clear();
    this.refuseNewConnections = false;
  }

  /** The session is over (the transport is closed): no peers, nothing queued, inactive. */
  protected clearSession(): void {
    this.peers.clear();
    this.incoming.clear();
    this.uniqueId = 0;
    this.status = ConnectionStatus.CONNECTION_DISCONNECTED;
  }

  // ---- the shared session (used by the transport bindings) ----

  /** The direct link of peer `id` for disconnectPeer(): argument and existence checked. */
  protected linkToDisconnect(id: number, force: boolean): Link {
    checkInt(id, "id", 1, INT32_MAX);
    checkBool(force, "force");
    const link = this.peers.get(id);
    if (link === undefined || this.getConnectionStatus() === ConnectionStatus.CONNECTION_DISCONNECTED) {
      throw new NetError(GodotError.ERR_INVALID_PARAMETER, `disconnectPeer: no peer with ID ${id}`);
    }
    if (link === null) throw new NetError(GodotError.ERR_INVALID_PARAMETER, `disconnectPeer: peer ${id} is not directly connected (only the server can disconnect it)`);
    return link;
  }

  /** The direct link putPacket() sends to for target `id` > 0; null when there is none (ERR_INVALID_PARAMETER). */
  protected directLink(id: number): Link | null {
    return this.peers.get(id) ?? null;
  }

  /** Every direct link a broadcast to `target` (0 everyone, -N everyone but N) reaches. */
  protected forEachBroadcastLink(target: number, send: (link: Link) => void): void {
    const exclude = -target;
    for (const [id, link] of this.peers) {
      if (id === exclude || link === null) continue;
      send(link);
    }
  }

  /**
   * A client lost its server. Godot 4: (if it had been connected) peer_disconnected(1) while the
   * session is still up, then the session ends, as Godot 4.6's ENet poll() and WebSocket
   * _poll_client() do, so a handler still sees its own ID and CONNECTED. Godot 3: the session
   * ends, then every other known peer is reported gone before the server itself.
   */
  protected loseServer(): void {
    const wasConnected = this.getConnectionStatus() === ConnectionStatus.CONNECTION_CONNECTED;
    if (this.protocol === "godot4") {
      if (wasConnected) this.emitPeerDisconnected(TARGET_PEER_SERVER);
      this.endSession();
      return;
    }
    const others: number[] = [];
    for (const id of this.peers.keys()) if (id !== TARGET_PEER_SERVER) others.push(id);
    this.endSession();
    if (!wasConnected) return;
    for (const id of others) this.emitPeerDisconnected(id);
    this.emitPeerDisconnected(TARGET_PEER_SERVER);
  }

  /** Close the transport and forget the session without events (close() of the binding). */
  protected abstract endSession(): void;

  /** A peer left: forget it, tell the other Godot 3 clients when relaying, emit peer_disconnected. */
  protected peerLeft(id: number): void {
    this.peers.delete(id);
    if (this.godot3Announces()) this.announceGodot3(false, id);
    this.emitPeerDisconnected(id);
  }

  /**
   * A peer whose link reported it gone (Godot 4): peer_disconnected while it is still in the table
   * (a handler can still getPeer(id)), then it goes, as Godot 4.6's ENet poll() and WebSocket
   * _poll_server emit, then erase. False when the handler already dropped or replaced it (or
   * closed the session), so the caller's own clean-up is not due.
   */
  protected peerLeftAfterEvent(id: number, link: Link | null): boolean {
    this.emitPeerDisconnected(id);
    if (this.peers.get(id) !== link) return false;
    this.peers.delete(id);
    return true;
  }

  /** Whether this session is a Godot 3 server that announces joins and leaves (bindings override). */
  protected godot3Announces(): boolean {
    return false;
  }

  /** Send one Godot 3 ADD/REMOVE system message about `id` on `link` (bindings that speak Godot 3 override). */
  protected sendGodot3PeerListMessage(_link: Link, _added: boolean, _id: number): void {}

  /**
   * Godot 3 server: a client joined (ADD both ways with every other client) or left (REMOVE to the
   * rest), going through the clients in ascending ID order as Godot 3.2's peer maps (Map<int, ...>)
   * do, so a newcomer hears of the others in that order.
   */
  protected announceGodot3(added: boolean, id: number): void {
    const joined = added ? this.peers.get(id) : undefined;
    for (const [other, link] of [...this.peers].sort((x, y) => x[0] - y[0])) {
      if (other === id || link === null) continue;
      this.sendGodot3PeerListMessage(link, added, id);
      if (joined) this.sendGodot3PeerListMessage(joined, true, other);
    }
  }

  /**
   * Godot 3 server: client `from` sent `payload` (framed as `raw`) claiming `source`,
   * addressed to `target`. Stores, forwards (`forward(link)` sends `raw` on it) or drops
   * and counts, as godot3-relay.ts decides.
   */
  protected relayGodot3(from: number, source: number, target: number, payload: Uint8Array, channel: number, mode: TransferMode, relaying: boolean, forward: (link: Link) => void): void {
    const route = routeGodot3ClientPacket(from, source, target, relaying, (id) => !!this.peers.get(id));
    if (route.drop !== null) {
      this.drops[route.drop]++;
      return;
    }
    if (route.deliver) this.storePacket(payload, from, channel, mode);
    if (route.forwardTo > 0) {
      const link = this.peers.get(route.forwardTo);
      if (link) forward(link);
    } else if (route.forwardTo === FORWARD_ALL) {
      for (const [id, link] of this.peers) {
        if (link !== null && receivesGodot3Broadcast(id, from, route)) forward(link);
      }
    }
  }

  /** Godot 3 client: a data packet from `source` (relayed by the server). */
  protected acceptGodot3Data(source: number, payload: Uint8Array, channel: number, mode: TransferMode): void {
    if (!isPlausibleGodot3Source(source, this.getUniqueId())) {
      this.drops.spoofedSource++;
      return;
    }
    this.storePacket(payload, source, channel, mode);
  }

  /** Godot 3 client: the server announced that client `id` joined (`added`) or left. */
  protected applyGodot3PeerList(added: boolean, id: number): void {
    switch (godot3PeerListChange(added, id, this.getUniqueId(), this.peers)) {
      case Godot3PeerListChange.ADD:
        this.peers.set(id, null);
        this.emitPeerConnected(id);
        break;
      case Godot3PeerListChange.REMOVE:
        this.peers.delete(id);
        this.emitPeerDisconnected(id);
        break;
      default:
        this.drops.badSystemMessage++;
    }
  }

  protected emitPeerConnected(id: number): void {
    this.dispatchEvent(new MultiplayerPeerEvent("peer_connected", id));
  }

  protected emitPeerDisconnected(id: number): void {
    this.dispatchEvent(new MultiplayerPeerEvent("peer_disconnected", id));
  }

  // ---- what each transport implements ----

  /** Run the transport: accept/drop peers, receive packets, dispatch events. Never throws for network input. */
  abstract poll(): void;
  /** Close every connection and return to CONNECTION_DISCONNECTED. */
  abstract close(): void;
  /** Disconnect one peer; `force` forgets it at once without a peer_disconnected event (as Godot 4). */
  abstract disconnectPeer(id: number, force?: boolean): void;
  abstract isServer(): boolean;
  abstract isServerRelaySupported(): boolean;
  /**
   * Send to the current target with the current transfer mode and channel. OK, or Godot's
   * failure code: ERR_UNCONFIGURED (not connected), ERR_INVALID_PARAMETER (unknown target),
   * the transport's (FAILED, ERR_OUT_OF_MEMORY, ...). A bad argument throws.
   */
  abstract putPacket(packet: Uint8Array): GodotError;
}
