/**
 * SceneMultiplayer (Godot 4.6's high-level multiplayer) over any MultiplayerPeer of ours:
 * RPCs on stand-in nodes (`node(path)`), raw bytes, authentication, the server relay, and
 * MultiplayerSpawner / MultiplayerSynchronizer replication. A thin binding: the protocol
 * is SceneSession's; this class reads the clock, drives the peer from poll() and turns
 * the session's callbacks into events named after Godot's signals.
 */
import { GodotError, NetError } from "../errors.ts";
import { ConnectionStatus, MultiplayerPeer, MultiplayerPeerEvent, parseProtocol, TransferMode, type MultiplayerProtocol } from "../multiplayer/multiplayer-peer.ts";
import { OfflineMultiplayerPeer } from "../multiplayer/offline-multiplayer-peer.ts";
import { Godot3Session } from "./godot3-session.ts";
import { checkBool, checkBytes, checkFunction, checkInt, checkNumber, checkString } from "../util/args.ts";
import { MIN_SYNC_MTU } from "./protocol.ts";
import { RPCMode } from "./rpc-config.ts";
import { MultiplayerSpawner, MultiplayerSynchronizer, type SpawnerOptions, type SynchronizerOptions } from "./replication-nodes.ts";
import { SceneSession, type SceneDropCounters, type ScenePort, type SessionEvents } from "./session.ts";
import { normalizeNodePath, SceneNode, type SceneNodeOwner } from "./scene-node.ts";

const INT32_MAX = 0x7fffffff;

/** The event names SceneMultiplayer dispatches: Godot's signal names, plus rpc_error for a handler that threw. */
export const SCENE_MULTIPLAYER_EVENTS = [
  "peer_connected",
  "peer_disconnected",
  "connected_to_server",
  "connection_failed",
  "server_disconnected",
  "peer_authenticating",
  "peer_authentication_failed",
  "peer_packet",
  "rpc_error",
  "packet_dropped",
] as const;

export type SceneMultiplayerEventType = (typeof SCENE_MULTIPLAYER_EVENTS)[number];

/**
 * The event of every SceneMultiplayer signal: `id` for the peer ones, `packet` for peer_packet,
 * `error` for rpc_error, `reason` for packet_dropped (with `id` the peer whose packet it was, 0 for
 * our own outgoing syncs).
 */
export class SceneMultiplayerEvent extends Event {
  readonly id: number;
  readonly packet: Uint8Array | null;
  readonly error: unknown;
  readonly method: string | null;
  /** packet_dropped: the drop counter that grew (getDropCounters() names and explains each). */
  readonly reason: keyof SceneDropCounters | null;
  constructor(type: SceneMultiplayerEventType, id = 0, packet: Uint8Array | null = null, error: unknown = null, method: string | null = null, reason: keyof SceneDropCounters | null = null) {
    super(type);
    this.id = id;
    this.packet = packet;
    this.error = error;
    this.method = method;
    this.reason = reason;
  }
}

/** A listener of SceneMultiplayer's signals: it always receives a SceneMultiplayerEvent. */
export type SceneMultiplayerListener = ((event: SceneMultiplayerEvent) => void) | { handleEvent(event: SceneMultiplayerEvent): void };

// Typed overloads, so that `mp.addEventListener("peer_connected", (e) => e.id)` needs no cast;
// the plain EventTarget signatures stay for any other event name.
export interface SceneMultiplayer {
  removeEventListener(type: SceneMultiplayerEventType, listener: SceneMultiplayerListener | null, options?: EventListenerOptions | boolean): void;
  removeEventListener(type: string, listener: EventListenerOrEventListenerObject | null, options?: EventListenerOptions | boolean): void;
}

export type AuthCallback = (id: number, data: Uint8Array) => void;

export interface SceneMultiplayerOptions {
  /** "godot4" (default, SceneMultiplayer) or "godot3" (Godot 3.2's MultiplayerAPI: rpc/rset by name, no auth or replication). Use a peer of the same protocol. */
  protocol?: MultiplayerProtocol;
  /** Time source in milliseconds (auth timeout, sync intervals). Default: performance.now(). */
  clock?: { now(): number };
}

export class SceneMultiplayer extends EventTarget {
  // MultiplayerAPI's class constants, as GDScript reads them (MultiplayerAPI.RPC_MODE_ANY_PEER).
  static readonly RPC_MODE_DISABLED = RPCMode.RPC_MODE_DISABLED;
  static readonly RPC_MODE_ANY_PEER = RPCMode.RPC_MODE_ANY_PEER;
  static readonly RPC_MODE_AUTHORITY = RPCMode.RPC_MODE_AUTHORITY;

  private peer: MultiplayerPeer | null = null;
  private lastStatus = ConnectionStatus.CONNECTION_DISCONNECTED;
  private readonly session: SceneSession;
  /** The Godot 3 MultiplayerAPI session when protocol is "godot3". */
  private readonly g3: Godot3Session | null;
  readonly protocol: MultiplayerProtocol;
  private readonly clock: { now(): number };
  private _authCallback: AuthCallback | null = null;
  private _rootPath = "/root";
  /** What our stand-ins call back into (freeNode tells ours from another SceneMultiplayer's). */
  private readonly nodeOwner: SceneNodeOwner;
  private readonly onPeerConnected = (e: Event): void => {
    const id = (e as MultiplayerPeerEvent).id;
    if (this.g3) this.g3.addPeer(id);
    else this.session.addPeer(id, this.clock.now());
  };
  /** Godot 3: the client's peer reported its server gone (see onPeerDisconnected). */
  private g3ServerLost = false;
  /** The sender of the packet being received, for packet_dropped (0 outside receiving). */
  private receivingFrom = 0;
  /** Whether a packet_dropped listener was ever added. */
  private dropsListened = false;
  private readonly onPeerDisconnected = (e: Event): void => {
    const id = (e as MultiplayerPeerEvent).id;
    if (!this.g3) {
      this.session.delPeer(id);
      return;
    }
    // A Godot 3 peer that lost its server reports every peer gone once it is closed. Godot 3.2's
    // peers emit only server_disconnected then (ENet), and its MultiplayerAPI passes no
    // network_peer_disconnected on: the session ends with server_disconnected (updateStatus).
    if ((e.target as MultiplayerPeer).getConnectionStatus() === ConnectionStatus.CONNECTION_DISCONNECTED) {
      if (id === 1) this.g3ServerLost = true;
      return;
    }
    this.g3.delPeer(id);
  };

  override addEventListener(type: SceneMultiplayerEventType, listener: SceneMultiplayerListener | null, options?: AddEventListenerOptions | boolean): void;
  override addEventListener(type: string, listener: EventListenerOrEventListenerObject | null, options?: AddEventListenerOptions | boolean): void;
  override addEventListener(type: string, listener: EventListenerOrEventListenerObject | SceneMultiplayerListener | null, options?: AddEventListenerOptions | boolean): void {
    if (type === "packet_dropped") this.dropsListened = true;
    super.addEventListener(type, listener as EventListenerOrEventListenerObject | null, options);
  }

  constructor(options: SceneMultiplayerOptions = {}) {
    super();
    this.clock = options.clock ?? performance;
    this.protocol = parseProtocol(options);
    const emit = (type: SceneMultiplayerEventType, id = 0): void => void this.dispatchEvent(new SceneMultiplayerEvent(type, id));
    const port: ScenePort = {
      getUniqueId: () => this.peer?.getUniqueId() ?? 0,
      isServerRelaySupported: () => this.peer?.isServerRelaySupported() ?? false,
      send: (target, packet, mode, channel) => {
        const p = this.peer;
        if (!p) return GodotError.ERR_UNCONFIGURED;
        p.setTargetPeer(target);
        p.setTransferMode(mode);
        if (channel !== null) p.setTransferChannel(channel);
        return p.putPacket(packet);
      },
      disconnectPeer: (id) => {
        try {
          this.peer?.disconnectPeer(id);
        } catch {
          // Already gone.
        }
      },
    };
    const events: SessionEvents = {
      peerConnected: (id) => emit("peer_connected", id),
      peerDisconnected: (id) => emit("peer_disconnected", id),
      connectedToServer: () => emit("connected_to_server"),
      peerAuthenticating: (id) => emit("peer_authenticating", id),
      peerAuthenticationFailed: (id) => emit("peer_authentication_failed", id),
      peerPacket: (id, packet) => void this.dispatchEvent(new SceneMultiplayerEvent("peer_packet", id, packet)),
      auth: () => this._authCallback,
      handlerError: (node, method, error) => void this.dispatchEvent(new SceneMultiplayerEvent("rpc_error", 0, null, error, node ? `${node.getPath()}:${method}` : method)),
      dropped: (counter) => {
        // An event per hostile packet costs, so only once someone listens.
        if (this.dropsListened) this.dispatchEvent(new SceneMultiplayerEvent("packet_dropped", this.receivingFrom, null, null, null, counter));
      },
    };
    const owner: SceneNodeOwner = {
      rpcp: (node, peer, method, args, unreliable = false) => {
        if (!this.peer && !this.g3) return GodotError.ERR_UNCONFIGURED;
        const connected = this.peer?.getConnectionStatus() === ConnectionStatus.CONNECTION_CONNECTED;
        return this.g3 ? this.g3.rpcp(node, peer, method, args, connected, unreliable) : this.session.rpcp(node, peer, method, args, connected);
      },
      rsetp: (node, peer, property, value, unreliable) => {
        if (!this.g3) return GodotError.ERR_UNAVAILABLE;
        return this.g3.rsetp(node, peer, property, value, unreliable, this.peer?.getConnectionStatus() === ConnectionStatus.CONNECTION_CONNECTED);
      },
      getUniqueId: () => this.getUniqueId(),
      getRootPath: () => this._rootPath,
    };
    this.nodeOwner = owner;
    this.session = new SceneSession(port, events, owner);
    this.g3 = this.protocol === "godot3" ? new Godot3Session(port, events, owner) : null;
    // Godot 4's SceneMultiplayer starts with an OfflineMultiplayerPeer (Godot 3.2's MultiplayerAPI with none).
    if (!this.g3) this.multiplayerPeer = new OfflineMultiplayerPeer();
  }

  // ---- the peer ----

  get multiplayerPeer(): MultiplayerPeer | null {
    return this.peer;
  }
  set multiplayerPeer(peer: MultiplayerPeer | null) {
    if (peer !== null && !(peer instanceof MultiplayerPeer)) throw new TypeError("multiplayerPeer must be a MultiplayerPeer or null");
    if (peer === this.peer) return;
    if (peer && peer.getConnectionStatus() === ConnectionStatus.CONNECTION_DISCONNECTED) {
      throw new NetError(GodotError.ERR_UNCONFIGURED, "multiplayerPeer: the peer must be connecting or connected (call createServer/createClient first)");
    }
    if (this.peer) {
      this.peer.removeEventListener("peer_connected", this.onPeerConnected);
      this.peer.removeEventListener("peer_disconnected", this.onPeerDisconnected);
      this.clear();
    }
    this.peer = peer;
    if (peer) {
      peer.addEventListener("peer_connected", this.onPeerConnected);
      peer.addEventListener("peer_disconnected", this.onPeerDisconnected);
    }
    this.updateStatus();
  }
  setMultiplayerPeer(peer: MultiplayerPeer | null): void {
    this.multiplayerPeer = peer;
  }
  getMultiplayerPeer(): MultiplayerPeer | null {
    return this.peer;
  }
  hasMultiplayerPeer(): boolean {
    return this.peer !== null;
  }

  private updateStatus(): void {
    const status = this.peer ? this.peer.getConnectionStatus() : ConnectionStatus.CONNECTION_DISCONNECTED;
    if (status === this.lastStatus) return;
    if (status === ConnectionStatus.CONNECTION_DISCONNECTED) {
      // As Godot 4.6's _update_status: the signal first (its handlers still see the session's
      // peers), then clear(). Godot 3.2's MultiplayerAPI only passes its peer's signals on, so a
      // peer closed here (close()) signals nothing, and server_disconnected means the server went.
      const failed = this.lastStatus === ConnectionStatus.CONNECTION_CONNECTING;
      if (!this.g3 || failed || this.g3ServerLost) this.dispatchEvent(new SceneMultiplayerEvent(failed ? "connection_failed" : "server_disconnected"));
      this.clear();
    }
    this.lastStatus = status;
  }

  /** Godot's clear(): forget peers, caches and replication state. */
  clear(): void {
    this.lastStatus = ConnectionStatus.CONNECTION_DISCONNECTED;
    this.g3ServerLost = false;
    this.session.clear();
    this.g3?.clear();
  }

  /**
   * Run the peer, then handle every received packet: auth, SYS (relay, peer lists), path
   * cache, RPCs (handlers run here), raw packets, replication; then auth timeouts and
   * outgoing syncs. Never throws for network input (see getDropCounters()).
   */
  poll(): GodotError {
    this.updateStatus();
    if (!this.peer || this.lastStatus === ConnectionStatus.CONNECTION_DISCONNECTED) return GodotError.OK;
    this.peer.poll();
    this.updateStatus();
    if (this.lastStatus !== ConnectionStatus.CONNECTION_CONNECTED) return GodotError.OK;
    // this.peer is read afresh for each packet: a handler may have set multiplayerPeer (to a
    // connected peer, so the loop goes on), and Godot's loop then reads the new peer, leaving the
    // old one's packets in it.
    for (let peer = this.peer; peer && peer.getAvailablePacketCount() > 0; peer = this.peer) {
      const from = peer.getPacketPeer();
      const channel = peer.getPacketChannel();
      const mode = peer.getPacketMode();
      const packet = peer.getPacket();
      this.receivingFrom = from;
      try {
        if (this.g3) this.g3.receive(from, packet);
        else this.session.receive(from, packet, mode, channel);
      } finally {
        this.receivingFrom = 0;
      }
      this.updateStatus();
      if (this.lastStatus !== ConnectionStatus.CONNECTION_CONNECTED) return GodotError.OK;
    }
    this.session.process(this.clock.now());
    this.updateStatus();
    return GodotError.OK;
  }

  // ---- identity ----

  getUniqueId(): number {
    return this.peer?.getUniqueId() ?? 0;
  }
  isServer(): boolean {
    return this.getUniqueId() === 1;
  }
  /** IDs of the connected (authenticated) peers. */
  getPeers(): number[] {
    return this.g3 ? this.g3.getPeers() : this.session.getPeers();
  }
  /** Inside an RPC handler: who called (our own ID for a callLocal run); 0 elsewhere. */
  getRemoteSenderId(): number {
    return this.g3 ? this.g3.getRemoteSenderId() : this.session.getRemoteSenderId();
  }

  // ---- nodes and replication ----

  /** The stand-in for the scene node at `path` ("/root/Lobby" or "Lobby"), created on first use. */
  node(path: string): SceneNode {
    return this.g3 ? this.g3.node(path) : this.session.node(path);
  }

  /**
   * MultiplayerAPI.rpc(peer, object, method, arguments): `node.rpcId(peer, method, ...args)`
   * for the node given as a stand-in or a path; peer 0 calls every peer as Node.rpc does.
   */
  rpc(peer: number, node: SceneNode | string, method: string, args: readonly unknown[] = []): GodotError {
    if (!Array.isArray(args)) throw new TypeError("args must be an array of the call's arguments");
    const target = typeof node === "string" ? this.node(node) : node;
    if (this.node(target.getPath()) !== target) throw new TypeError(`node ${target.getPath()} belongs to another SceneMultiplayer`);
    return peer === 0 ? target.rpc(method, ...args) : target.rpcId(peer, method, ...args);
  }

  private godot4Only(what: string): void {
    if (this.g3) throw new NetError(GodotError.ERR_UNAVAILABLE, `${what}: Godot 3's MultiplayerAPI has no replication`);
  }

  /** Declare the MultiplayerSpawner node at `path` (the same path as in the Godot scene). */
  spawner(path: string, options?: SpawnerOptions): MultiplayerSpawner {
    this.godot4Only("spawner");
    const spawner = new MultiplayerSpawner(this.node(path), options);
    this.session.replication.addSpawner(spawner);
    return spawner;
  }

  /**
   * Spawn a node named `name` under `spawner`'s spawn path on every peer (now and on later
   * joins): `scene` is the index of the scene in the spawner's spawnable scenes on the
   * Godot side, or omitted for a custom spawn (spawn_function) that receives `data`.
   * Declare the node's synchronizers before the next poll(), or before spawning when it should carry spawn state.
   * The spawn goes out at once to the peers that can see it, with the node's properties as they
   * are then: set them in `options.setup` (what a Godot spawn_function does), or on `node(path)` before the call.
   */
  spawn(
    spawner: MultiplayerSpawner,
    name: string,
    options: { scene?: number; data?: unknown; synchronizers?: { path: string; options: SynchronizerOptions }[]; setup?: (node: SceneNode) => void } = {},
  ): SceneNode {
    checkString(name, "name", { nonEmpty: true });
    if (!(spawner instanceof MultiplayerSpawner)) throw new TypeError("spawn: spawner must be a MultiplayerSpawner (from mp.spawner())");
    if (!this.session.replication.hasSpawner(spawner)) throw new NetError(GodotError.ERR_UNCONFIGURED, `spawn: the spawner at ${spawner.node.getPath()} was freed or replaced by another (Godot's spawner must be inside the tree)`);
    if (/[.:@/"%]/.test(name)) throw new RangeError(`name: a node name cannot contain . : @ / " %, got ${JSON.stringify(name)}`);
    const scene = options.scene ?? 0xff;
    checkInt(scene, "options.scene", 0, 0xff);
    const parent = spawner.parentPath();
    checkFunction(options.setup, "options.setup", { optional: true });
    const node = this.node(parent === "." ? name : `${parent}/${name}`);
    const replication = this.session.replication;
    // A node spawned already is spawned afresh: despawned first (DESPAWN to the peers that have it,
    // the synchronizers its spawn declared gone), as a Godot game frees a node and adds a new one
    // by that name (Godot itself refuses to spawn a node it tracks as spawned). Its slot in its
    // spawner's spawnLimit is free for the new spawn.
    const previous = replication.spawnerOf(node);
    if (spawner.isFull() && previous !== spawner) throw new NetError(GodotError.ERR_CANT_CREATE, `spawn: the spawner at ${spawner.node.getPath()} has reached its spawnLimit (${spawner.spawnLimit})`);
    if (previous) replication.despawn(node);
    // The synchronizers declared here belong to this spawn and go with its despawn; each replaces a
    // synchronizer declared at its path before (see addSynchronizer).
    const declared: MultiplayerSynchronizer[] = [];
    try {
      for (const s of options.synchronizers ?? []) declared.push(this.synchronizer(s.path, node.path, s.options));
      options.setup?.(node);
    } catch (error) {
      for (const s of declared) replication.removeSynchronizer(s);
      throw error;
    }
    replication.spawn(spawner, node, scene, options.data ?? null, declared);
    return node;
  }

  /** Despawn a node spawn() made (DESPAWN to every peer that has it). False if it was not spawned here. */
  despawn(node: SceneNode): boolean {
    return this.session.replication.despawn(node);
  }

  /**
   * Free the node at `node` (a stand-in or a path) and every node under its path, as Godot's
   * queue_free frees a node with its children (here at once): they leave the registry, children
   * before their parent; our spawns among them are despawned to the peers that have them (as
   * Godot's spawner does when a spawned node leaves the tree); synchronizers placed at or
   * replicating them go with their ids and per-peer state; a spawner among them goes and despawns
   * what it spawned elsewhere (those nodes stay, untracked); a peer's spawn among them is
   * forgotten here without `onDespawn` (its authority still has it: what it sends for it later is
   * dropped and counted, as in Godot); our path-cache ids for them are forgotten (and the ids of
   * the peers our spawns among them are despawned to; other peers' ids stay, as Godot's). A stand-in
   * kept from before is no longer this SceneMultiplayer's: `node(path)` makes a new one. False
   * when there is no node at or under the path. The root cannot be freed (RangeError).
   */
  freeNode(node: SceneNode | string): boolean {
    let path: string;
    if (typeof node === "string") {
      path = normalizeNodePath(node, "node", this._rootPath);
    } else if (node instanceof SceneNode) {
      if (!node.ownedBy(this.nodeOwner)) throw new TypeError(`freeNode: the node ${node.getPath()} belongs to another SceneMultiplayer`);
      path = node.path;
    } else {
      throw new TypeError(`freeNode: node must be a SceneNode or a node path, got ${node === null ? "null" : typeof node}`);
    }
    if (path === ".") throw new RangeError(`freeNode: the multiplayer root ${this._rootPath} cannot be freed`);
    this.godot4Only("freeNode");
    // A stand-in freed before (or replaced by a new one at its path) is not freed again.
    if (typeof node !== "string" && this.session.nodes.at(path) !== node) return false;
    return this.session.freeNode(path);
  }

  /** Declare the MultiplayerSynchronizer node at `path`, replicating properties of the node at `rootPath`. */
  synchronizer(path: string, rootPath: string, options: SynchronizerOptions): MultiplayerSynchronizer {
    this.godot4Only("synchronizer");
    const sync = new MultiplayerSynchronizer(this.node(path), this.node(rootPath), options);
    this.session.replication.addSynchronizer(sync);
    return sync;
  }

  // ---- raw bytes ----

  /** Godot's send_bytes: a raw packet to `id` (0 everyone, -id everyone but id), arriving as peer_packet. */
  sendBytes(bytes: Uint8Array, id = 0, mode: TransferMode = TransferMode.RELIABLE, channel = 0): GodotError {
    checkBytes(bytes, "bytes");
    checkInt(id, "id", -INT32_MAX, INT32_MAX);
    checkInt(mode, "mode", 0, 2);
    checkInt(channel, "channel", 0, 255);
    if (bytes.length === 0) return GodotError.ERR_INVALID_DATA;
    if (!this.peer || this.peer.getConnectionStatus() !== ConnectionStatus.CONNECTION_CONNECTED) return GodotError.ERR_UNCONFIGURED;
    return this.g3 ? this.g3.sendBytes(bytes, id, mode) : this.session.sendBytes(bytes, id, mode, channel);
  }

  // ---- authentication ----

  /** Godot's auth_callback: (id, data) for each auth message of a peer still authenticating; null = no authentication. */
  get authCallback(): AuthCallback | null {
    return this._authCallback;
  }
  set authCallback(cb: AuthCallback | null) {
    if (cb !== null && typeof cb !== "function") throw new TypeError("authCallback must be a function or null");
    this._authCallback = cb;
  }
  setAuthCallback(cb: AuthCallback | null): void {
    this.authCallback = cb;
  }
  getAuthCallback(): AuthCallback | null {
    return this._authCallback;
  }

  /** Seconds a peer may stay authenticating before it is disconnected (0 = forever; Godot's default 3). */
  get authTimeout(): number {
    return this.session.authTimeoutMs / 1000;
  }
  set authTimeout(seconds: number) {
    checkNumber(seconds, "authTimeout", 0, 2 ** 31);
    this.session.authTimeoutMs = Math.floor(seconds * 1000);
  }
  setAuthTimeout(seconds: number): void {
    this.authTimeout = seconds;
  }
  getAuthTimeout(): number {
    return this.authTimeout;
  }

  sendAuth(id: number, data: Uint8Array): GodotError {
    checkInt(id, "id", 1, INT32_MAX);
    checkBytes(data, "data");
    if (!this.peer || this.peer.getConnectionStatus() !== ConnectionStatus.CONNECTION_CONNECTED) return GodotError.ERR_UNCONFIGURED;
    if (this.g3) return GodotError.ERR_UNAVAILABLE;
    return this.session.sendAuth(id, data);
  }

  completeAuth(id: number): GodotError {
    checkInt(id, "id", 1, INT32_MAX);
    if (!this.peer || this.peer.getConnectionStatus() !== ConnectionStatus.CONNECTION_CONNECTED) return GodotError.ERR_UNCONFIGURED;
    if (this.g3) return GodotError.ERR_UNAVAILABLE;
    return this.session.completeAuth(id);
  }

  getAuthenticatingPeers(): number[] {
    return this.session.getAuthenticatingPeers();
  }

  /** Disconnect a peer without a peer_disconnected event (as Godot). */
  disconnectPeer(id: number): void {
    checkInt(id, "id", 1, INT32_MAX);
    if (!this.peer || this.peer.getConnectionStatus() !== ConnectionStatus.CONNECTION_CONNECTED) return;
    if (this.g3) this.g3.delPeer(id, true);
    else this.session.delPeer(id, true);
    try {
      this.peer.disconnectPeer(id);
    } catch {
      // Not directly connected (a relayed peer): nothing more to do, as Godot.
    }
  }

  // ---- settings ----

  get refuseNewConnections(): boolean {
    return this.peer?.refuseNewConnections ?? false;
  }
  set refuseNewConnections(refuse: boolean) {
    checkBool(refuse, "refuseNewConnections");
    if (!this.peer) throw new NetError(GodotError.ERR_UNCONFIGURED, "refuseNewConnections: no multiplayerPeer");
    this.peer.refuseNewConnections = refuse;
  }

  /** Relay clients' packets to each other and announce peers (Godot's default true). */
  get serverRelay(): boolean {
    return this.session.serverRelay;
  }
  set serverRelay(enabled: boolean) {
    checkBool(enabled, "serverRelay");
    this.session.serverRelay = enabled;
  }

  /** Decode whole objects in RPC arguments (Godot's default false: a peer could instantiate classes). */
  get allowObjectDecoding(): boolean {
    return this.session.allowObjectDecoding;
  }
  set allowObjectDecoding(enabled: boolean) {
    checkBool(enabled, "allowObjectDecoding");
    this.session.allowObjectDecoding = enabled;
    if (this.g3) this.g3.allowObjectDecoding = enabled;
  }

  get maxSyncPacketSize(): number {
    return this.session.replication.maxSyncPacketSize;
  }
  set maxSyncPacketSize(size: number) {
    checkInt(size, "maxSyncPacketSize", MIN_SYNC_MTU, INT32_MAX);
    this.session.replication.maxSyncPacketSize = size;
  }

  get maxDeltaPacketSize(): number {
    return this.session.replication.maxDeltaPacketSize;
  }
  set maxDeltaPacketSize(size: number) {
    checkInt(size, "maxDeltaPacketSize", MIN_SYNC_MTU, INT32_MAX);
    this.session.replication.maxDeltaPacketSize = size;
  }

  /**
   * Godot's root_path: the absolute path node paths on the wire are relative to ("/root", what
   * a SceneTree sets). Set it before declaring nodes: a node keeps the path it was declared with.
   */
  get rootPath(): string {
    return this._rootPath;
  }
  set rootPath(path: string) {
    checkString(path, "rootPath", { nonEmpty: true });
    if (!path.startsWith("/") || path.endsWith("/")) throw new RangeError(`rootPath: must be an absolute node path such as "/root/Game", got ${JSON.stringify(path)}`);
    this._rootPath = path;
  }
  setRootPath(path: string): void {
    this.rootPath = path;
  }
  getRootPath(): string {
    return this._rootPath;
  }

  // Godot's setter/getter method forms of the properties above.
  setRefuseNewConnections(refuse: boolean): void {
    this.refuseNewConnections = refuse;
  }
  isRefusingNewConnections(): boolean {
    return this.refuseNewConnections;
  }
  setServerRelayEnabled(enabled: boolean): void {
    this.serverRelay = enabled;
  }
  isServerRelayEnabled(): boolean {
    return this.serverRelay;
  }
  setAllowObjectDecoding(enabled: boolean): void {
    this.allowObjectDecoding = enabled;
  }
  isObjectDecodingAllowed(): boolean {
    return this.allowObjectDecoding;
  }
  setMaxSyncPacketSize(size: number): void {
    this.maxSyncPacketSize = size;
  }
  getMaxSyncPacketSize(): number {
    return this.maxSyncPacketSize;
  }
  setMaxDeltaPacketSize(size: number): void {
    this.maxDeltaPacketSize = size;
  }
  getMaxDeltaPacketSize(): number {
    return this.maxDeltaPacketSize;
  }

  /** What was refused from the network (see SceneDropCounters). */
  getDropCounters(): Readonly<SceneDropCounters> {
    return this.g3 ? this.g3.getDropCounters() : this.session.getDropCounters();
  }
}
