/**
 * The SceneMultiplayer session (Godot 4.6's SceneMultiplayer + SceneRPCInterface +
 * SceneCacheInterface + SceneReplicationInterface), sans-IO: packets come in through
 * receive(from, bytes, mode, channel), time through `now` (ms), packets go out through
 * the ScenePort, events through SessionEvents. It reads no clock and opens nothing.
 * Network input never throws out of it: what Godot refuses is dropped and counted.
 */
import { GodotError } from "../errors.ts";
import { MAX_KNOWN_REMOTE_PEERS, TransferMode } from "../multiplayer/multiplayer-peer.ts";
import { VariantWriter } from "../variant/index.ts";
import { readCompressedVariants, writeCompressedVariants, type CompressOptions } from "./compressed-variant.ts";
import { callForms, confirmPacket, PathCache } from "./path-cache.ts";
import {
  BYTE_ONLY_OR_NO_ARGS_FLAG,
  CMD_MASK,
  CONFIRM_PATH_SIZE,
  NAME_ID_COMPRESSION_FLAG,
  NAME_ID_COMPRESSION_SHIFT,
  NetworkCommand,
  NETWORK_NODE_ID_COMPRESSION_16,
  NETWORK_NODE_ID_COMPRESSION_32,
  NETWORK_NODE_ID_COMPRESSION_8,
  NODE_ID_COMPRESSION_MASK,
  NODE_ID_COMPRESSION_SHIFT,
  NODE_PATH_FLAG,
  SIMPLIFY_PATH_MIN_SIZE,
  SYS_CMD_SIZE,
  SysCommand,
} from "./protocol.ts";
import { SceneReplicator } from "./replicator.ts";
import { RPCMode } from "./rpc-config.ts";
import type { SceneNode, SceneNodeOwner } from "./scene-node.ts";
import { deliverCall, NodeRegistry, readCString } from "./node-registry.ts";
import { copyBytes } from "../util/copy-bytes.ts";

/** What the session needs of the MultiplayerPeer under it. */
export interface ScenePort {
  getUniqueId(): number;
  isServerRelaySupported(): boolean;
  /**
   * put_packet to `target` (> 0 one peer) with this mode and channel; a null channel leaves the
   * peer's transfer channel as it is (Godot 3.2's MultiplayerAPI never sets it).
   */
  send(target: number, packet: Uint8Array, mode: TransferMode, channel: number | null): GodotError;
  disconnectPeer(id: number): void;
}

/** Godot's signals, as callbacks (SceneMultiplayer turns them into events). */
export interface SessionEvents {
  peerConnected(id: number): void;
  peerDisconnected(id: number): void;
  connectedToServer(): void;
  peerAuthenticating(id: number): void;
  peerAuthenticationFailed(id: number): void;
  peerPacket(id: number, packet: Uint8Array): void;
  /** The current auth_callback; null = no authentication. */
  auth(): ((id: number, data: Uint8Array) => void) | null;
  /** A registered RPC handler threw (counted; the session goes on). */
  handlerError(node: SceneNode | null, method: string, error: unknown): void;
  /** A drop counter grew (the packet being received, or an outgoing sync, was refused for `counter`). */
  dropped(counter: keyof SceneDropCounters): void;
}

/** What the session refused from the network (never thrown out of poll()). Counters only grow until clear(). */
export interface SceneDropCounters {
  /** Packets too short or inconsistent for their command. */
  malformed: number;
  /** Commands Godot does not define, or a SYS command where it is not allowed. */
  badCommand: number;
  /** Packets from a peer that has not completed authentication, or from an unknown peer. */
  unauthenticated: number;
  /** SIMPLIFY_PATH / RPC naming a node path this side has no node for, or an unknown cache id. */
  unknownNode: number;
  /** Path cache ids a peer registered twice, confirmations of ids never announced, or past the per-peer bound while every id it holds names a node. */
  badPathCache: number;
  /** RPCs naming a method id the node's config does not have. */
  unknownMethod: number;
  /** RPCs the method's rpc_mode forbids for that sender (disabled, or authority-only from a non-authority). */
  forbidden: number;
  /**
   * Path announcements (SIMPLIFY_PATH) or confirmations (CONFIRM_PATH valid = 0) showing the two
   * ends' RPC configs of a node differ (the MD5 of the method names). Not dropped — Godot only
   * logs it — but the method ids may then disagree.
   */
  rpcChecksumMismatch: number;
  /** Arguments (or spawn/sync state) that are not valid compressed Variants. */
  badArguments: number;
  /** RPCs for a configured method that has no registered handler. */
  noHandler: number;
  /** Relays to a peer that is not connected, or relay/peer-list messages where Godot refuses them. */
  badRelay: number;
  /** Spawn/despawn/sync messages refused (unknown spawner or net id, not from the authority, bad name). */
  badReplication: number;
  /** Sync states we did not send because they exceed maxSyncPacketSize / maxDeltaPacketSize. */
  oversizedSync: number;
  /** RPC handlers that threw. */
  handlerErrors: number;
}

export function zeroSceneDropCounters(): SceneDropCounters {
  return {
    malformed: 0,
    badCommand: 0,
    unauthenticated: 0,
    unknownNode: 0,
    badPathCache: 0,
    rpcChecksumMismatch: 0,
    unknownMethod: 0,
    forbidden: 0,
    badArguments: 0,
    noHandler: 0,
    badRelay: 0,
    badReplication: 0,
    oversizedSync: 0,
    handlerErrors: 0,
  };
}

/**
 * Drop counters that tell `onDrop` the counter's name each time one grows: every drop site stays a
 * plain `drops.x++`, and a SceneMultiplayer can say what it refused and from whom (Godot prints
 * an error there; without a word, a mismatched RPC config or node path is hard to find).
 */
export function countingDropCounters(onDrop: (counter: keyof SceneDropCounters) => void): SceneDropCounters {
  const values = zeroSceneDropCounters();
  const counters = {} as SceneDropCounters;
  for (const key of Object.keys(values) as (keyof SceneDropCounters)[]) {
    Object.defineProperty(counters, key, {
      enumerable: true,
      get: () => values[key],
      set: (value: number) => {
        const grew = value > values[key];
        values[key] = value;
        if (grew) onDrop(key);
      },
    });
  }
  return counters;
}

/**
 * Peer ids in the order Godot 4's HashSet (SceneMultiplayer's connected_peers) iterates them:
 * insertion order, except that erasing an id moves the last one into its place. The order shows
 * on the wire in the ADD_PEER messages a server sends a newcomer, and in getPeers().
 */
class PeerSet implements Iterable<number> {
  private readonly ids: number[] = [];
  private readonly at = new Map<number, number>();

  get size(): number {
    return this.ids.length;
  }

  has(id: number): boolean {
    return this.at.has(id);
  }

  add(id: number): void {
    if (this.at.has(id)) return;
    this.at.set(id, this.ids.length);
    this.ids.push(id);
  }

  delete(id: number): boolean {
    const i = this.at.get(id);
    if (i === undefined) return false;
    this.at.delete(id);
    const last = this.ids.pop()!;
    if (i < this.ids.length) {
      this.ids[i] = last;
      this.at.set(last, i);
    }
    return true;
  }

  clear(): void {
    this.ids.length = 0;
    this.at.clear();
  }

  [Symbol.iterator](): Iterator<number> {
    return this.ids[Symbol.iterator]();
  }
}

interface PendingPeer {
  local: boolean;
  remote: boolean;
  since: number;
}


export class SceneSession {
  private readonly port: ScenePort;
  private readonly events: SessionEvents;
  readonly cache: PathCache;
  private readonly connected = new PeerSet();
  private readonly pending = new Map<number, PendingPeer>();
  private readonly writer = new VariantWriter(256);
  private readonly drops = countingDropCounters((counter) => this.events.dropped(counter));
  serverRelay = true;
  allowObjectDecoding = false;
  /** Milliseconds; 0 = no timeout. */
  authTimeoutMs = 3000;
  private remoteSenderId = 0;
  private remoteSenderOverride = 0;
  readonly replication: SceneReplicator;

  readonly nodes: NodeRegistry;

  constructor(port: ScenePort, events: SessionEvents, owner: SceneNodeOwner) {
    this.port = port;
    this.events = events;
    this.nodes = new NodeRegistry(owner);
    this.cache = new PathCache((path) => this.nodes.at(path));
    this.replication = new SceneReplicator({
      getUniqueId: () => this.port.getUniqueId(),
      sendCommand: (to, packet, mode, channel) => this.sendCommand(to, packet, mode, channel),
      isConnected: (id) => this.connected.has(id),
      connectedPeers: () => this.connected,
      cache: this.cache,
      nodes: this.nodes,
      drops: this.drops,
      opts: () => this.opts,
      handlerError: (node, method, error) => this.events.handlerError(node, method, error),
    });
  }

  private get opts(): CompressOptions {
    return { allowObjects: this.allowObjectDecoding };
  }

  getDropCounters(): Readonly<SceneDropCounters> {
    return { ...this.drops };
  }

  getRemoteSenderId(): number {
    return this.remoteSenderOverride || this.remoteSenderId;
  }

  getPeers(): number[] {
    return [...this.connected];
  }

  getAuthenticatingPeers(): number[] {
    return [...this.pending.keys()];
  }

  isConnectedPeer(id: number): boolean {
    return this.connected.has(id);
  }

  /** The stand-in node at `path` (relative to /root), created on first use. */
  node(path: string): SceneNode {
    return this.nodes.get(path);
  }

  /** Free the stand-ins at `path` (normalized, not the root) and under it; false when there are none. */
  freeNode(path: string): boolean {
    const nodes = this.nodes.subtree(path);
    if (nodes.length === 0) return false;
    this.replication.freeNodes(nodes);
    return true;
  }

  /** Forget every peer and cache (Godot's clear(), on disconnection). */
  clear(): void {
    this.pending.clear();
    this.connected.clear();
    this.cache.clear();
    this.replication.clear();
  }

  // ---- peers and authentication ----

  /** The MultiplayerPeer reported a new peer. */
  addPeer(id: number, now: number): void {
    if (this.events.auth()) {
      this.pending.set(id, { local: false, remote: false, since: now });
      this.events.peerAuthenticating(id);
      return;
    }
    this.admitPeer(id);
  }

  private admitPeer(id: number): void {
    if (this.relaysAsServer()) {
      const buf = new Uint8Array(SYS_CMD_SIZE);
      const view = new DataView(buf.buffer);
      buf[0] = NetworkCommand.SYS;
      buf[1] = SysCommand.ADD_PEER;
      for (const p of this.connected) {
        view.setInt32(2, id, true);
        this.port.send(p, buf, TransferMode.RELIABLE, 0);
        view.setInt32(2, p, true);
        this.port.send(id, buf, TransferMode.RELIABLE, 0);
      }
    }
    this.connected.add(id);
    this.cache.addPeer(id);
    this.replication.peerAdded(id);
    if (id === 1) this.events.connectedToServer();
    this.events.peerConnected(id);
  }

  /** The MultiplayerPeer reported a peer gone (or the server said so). `quiet` = no peer_disconnected. */
  delPeer(id: number, quiet = false): void {
    if (this.pending.has(id)) {
      this.pending.delete(id);
      if (!quiet) this.events.peerAuthenticationFailed(id);
      return;
    }
    if (!this.connected.has(id)) return;
    if (this.relaysAsServer()) {
      const buf = new Uint8Array(SYS_CMD_SIZE);
      buf[0] = NetworkCommand.SYS;
      buf[1] = SysCommand.DEL_PEER;
      new DataView(buf.buffer).setInt32(2, id, true);
      for (const p of this.connected) if (p !== id) this.port.send(p, buf, TransferMode.RELIABLE, 0);
    }
    this.replication.peerRemoved(id);
    this.cache.removePeer(id);
    this.connected.delete(id);
    if (!quiet) this.events.peerDisconnected(id);
  }

  private relaysAsServer(): boolean {
    return this.serverRelay && this.port.getUniqueId() === 1 && this.port.isServerRelaySupported();
  }

  sendAuth(to: number, data: Uint8Array): GodotError {
    const p = this.pending.get(to);
    if (!p || data.length === 0) return GodotError.ERR_INVALID_PARAMETER;
    if (p.local || p.remote) return GodotError.ERR_FILE_CANT_WRITE;
    const out = new Uint8Array(data.length + 2);
    out[0] = NetworkCommand.SYS;
    out[1] = SysCommand.AUTH;
    out.set(data, 2);
    return this.port.send(to, out, TransferMode.RELIABLE, 0);
  }

  completeAuth(id: number): GodotError {
    const p = this.pending.get(id);
    if (!p) return GodotError.ERR_INVALID_PARAMETER;
    if (p.local) return GodotError.ERR_FILE_CANT_WRITE;
    p.local = true;
    const err = this.port.send(id, Uint8Array.of(NetworkCommand.SYS, SysCommand.AUTH), TransferMode.RELIABLE, 0);
    if (p.remote) {
      this.pending.delete(id);
      this.admitPeer(id);
    }
    return err;
  }

  // ---- incoming ----

  /** One packet from the MultiplayerPeer. Never throws for its content. */
  receive(from: number, packet: Uint8Array, mode: TransferMode, channel: number): void {
    const pending = this.pending.get(from);
    if (pending) {
      if (packet.length < 2 || (packet[0]! & CMD_MASK) !== NetworkCommand.SYS || packet[1] !== SysCommand.AUTH) {
        this.drops.unauthenticated++;
        return;
      }
      if (packet.length > 2) {
        this.callAuth(from, copyBytes(packet, 2));
      } else {
        pending.remote = true;
        if (pending.local) {
          this.pending.delete(from);
          this.admitPeer(from);
        }
      }
      return;
    }
    if (!this.connected.has(from)) {
      this.drops.unauthenticated++;
      return;
    }
    if (packet.length > 0 && (packet[0]! & CMD_MASK) === NetworkCommand.SYS) {
      if (packet.length > 1 && packet[1] === SysCommand.AUTH) {
        if (packet.length !== 2) this.drops.malformed++;
        return; // A late completion notice: nothing to do.
      }
      this.processSys(from, packet, mode, channel);
      return;
    }
    this.remoteSenderId = from;
    try {
      this.processPacket(from, packet, 0, packet.length);
    } finally {
      this.remoteSenderId = 0;
    }
  }

  private callAuth(from: number, data: Uint8Array): void {
    try {
      this.events.auth()?.(from, data);
    } catch (error) {
      this.drops.handlerErrors++;
      this.events.handlerError(null, "authCallback", error);
    }
  }

  /** Auth timeouts and replication, once per poll (Godot's end of poll()). */
  process(now: number): void {
    if (this.pending.size && this.authTimeoutMs > 0) {
      const expired: number[] = [];
      for (const [id, p] of this.pending) if (p.since + this.authTimeoutMs <= now) expired.push(id);
      for (const id of expired) this.port.disconnectPeer(id);
      for (const id of expired) {
        if (!this.pending.delete(id)) continue;
        this.events.peerAuthenticationFailed(id);
      }
    }
    this.replication.process(Math.floor(now * 1000));
  }

  private processSys(from: number, p: Uint8Array, mode: TransferMode, channel: number): void {
    if (p.length < SYS_CMD_SIZE) {
      this.drops.malformed++;
      return;
    }
    const view = new DataView(p.buffer, p.byteOffset, p.byteLength);
    let peer = view.getInt32(2, true);
    const relayOk = this.serverRelay && this.port.isServerRelaySupported();
    switch (p[1]) {
      case SysCommand.ADD_PEER:
      case SysCommand.DEL_PEER:
        if (!relayOk || this.port.getUniqueId() === 1 || from !== 1 || peer < 2 || peer === this.port.getUniqueId()) {
          this.drops.badRelay++;
          return;
        }
        if (p[1] === SysCommand.ADD_PEER) {
          // The bound the Godot 3 peers keep too: a hostile server cannot grow the peer list (and
          // the path-cache and replication state each peer gets) without limit.
          if (this.connected.has(peer) || this.connected.size >= MAX_KNOWN_REMOTE_PEERS) {
            this.drops.badRelay++;
            return;
          }
          this.admitPeer(peer);
        } else {
          this.delPeer(peer);
        }
        return;
      case SysCommand.RELAY: {
        if (!relayOk || p.length < SYS_CMD_SIZE + 1) {
          this.drops.badRelay++;
          return;
        }
        const payload = p.subarray(SYS_CMD_SIZE);
        let process = false;
        if (this.port.getUniqueId() === 1) {
          if (peer > 0 && !this.connected.has(peer)) {
            this.drops.badRelay++; // Gone meanwhile, or never there.
            return;
          }
          const out = new Uint8Array(p.length);
          out.set(p);
          new DataView(out.buffer).setInt32(2, from, true);
          if (peer > 0) {
            this.forward(peer, out, mode, channel);
          } else {
            for (const q of this.connected) if (q !== from && q !== -peer) this.forward(q, out, mode, channel);
            if (peer !== -1) {
              process = true;
              peer = from;
            }
          }
        } else {
          if (from !== 1) {
            this.drops.badRelay++;
            return;
          }
          process = true;
        }
        if (process) {
          this.remoteSenderId = peer;
          try {
            this.processPacket(peer, payload, 0, payload.length);
          } finally {
            this.remoteSenderId = 0;
          }
        }
        return;
      }
      default:
        this.drops.badCommand++;
    }
  }

  /**
   * Relay a client's packet on the channel it came on. The target may be unable to take it (an
   * ENet client that connected with fewer channels: ERR_INVALID_PARAMETER; a peer whose link just
   * went down); the sender is the network, so a relay that fails or throws is dropped and counted.
   */
  private forward(to: number, packet: Uint8Array, mode: TransferMode, channel: number): void {
    let result: GodotError;
    try {
      result = this.port.send(to, packet, mode, channel);
    } catch {
      result = GodotError.FAILED;
    }
    if (result !== GodotError.OK) this.drops.badRelay++;
  }

  private processPacket(from: number, p: Uint8Array, _start: number, len: number): void {
    if (len < 1) {
      this.drops.malformed++;
      return;
    }
    switch (p[0]! & CMD_MASK) {
      case NetworkCommand.SIMPLIFY_PATH:
        return this.processSimplifyPath(from, p);
      case NetworkCommand.CONFIRM_PATH:
        return this.processConfirmPath(from, p);
      case NetworkCommand.REMOTE_CALL:
        return this.processRpc(from, p);
      case NetworkCommand.RAW:
        if (p.length < 2) {
          this.drops.malformed++;
          return;
        }
        this.events.peerPacket(from, p.slice(1));
        return;
      case NetworkCommand.SPAWN:
        return this.replication.receiveSpawn(from, p);
      case NetworkCommand.DESPAWN:
        return this.replication.receiveDespawn(from, p);
      case NetworkCommand.SYNC:
        return this.replication.receiveSync(from, p);
      default:
        this.drops.badCommand++; // A SYS command inside a relay.
    }
  }

  // ---- path cache ----

  private processSimplifyPath(from: number, p: Uint8Array): void {
    if (p.length < SIMPLIFY_PATH_MIN_SIZE) {
      this.drops.malformed++;
      return;
    }
    const md5 = readCString(p, 1, 33);
    const id = new DataView(p.buffer, p.byteOffset, p.byteLength).getUint32(34, true);
    const path = readCString(p, 38, p.length);
    const node = this.nodes.find(path);
    if (!node) {
      this.drops.unknownNode++;
      return;
    }
    const result = this.cache.register(from, id, node);
    if (result !== "ok") {
      this.drops.badPathCache++;
      return;
    }
    const valid = node.rpcTable().md5 === md5;
    if (!valid) this.drops.rpcChecksumMismatch++;
    this.sendCommand(from, confirmPacket(valid, id), TransferMode.RELIABLE, 0);
  }

  private processConfirmPath(from: number, p: Uint8Array): void {
    if (p.length !== CONFIRM_PATH_SIZE) {
      this.drops.malformed++;
      return;
    }
    const id = new DataView(p.buffer, p.byteOffset, p.byteLength).getUint32(2, true);
    if (!this.cache.confirm(from, id)) this.drops.badPathCache++;
    else if (p[1] === 0) this.drops.rpcChecksumMismatch++;
  }

  // ---- RPC ----

  private processRpc(from: number, p: Uint8Array): void {
    const view = new DataView(p.buffer, p.byteOffset, p.byteLength);
    const meta = p[0]!;
    const nodeCompression = (meta & NODE_ID_COMPRESSION_MASK) >> NODE_ID_COMPRESSION_SHIFT;
    const nameCompression = (meta & NAME_ID_COMPRESSION_FLAG) >> NAME_ID_COMPRESSION_SHIFT;
    const nodeIdSize = nodeCompression === NETWORK_NODE_ID_COMPRESSION_8 ? 1 : nodeCompression === NETWORK_NODE_ID_COMPRESSION_16 ? 2 : nodeCompression === NETWORK_NODE_ID_COMPRESSION_32 ? 4 : 0;
    if (nodeIdSize === 0) {
      this.drops.malformed++;
      return;
    }
    const nameIdSize = nameCompression === 0 ? 1 : 2;
    let offset = 1 + nodeIdSize + nameIdSize;
    if (p.length < offset) {
      this.drops.malformed++;
      return;
    }
    const target = nodeIdSize === 1 ? p[1]! : nodeIdSize === 2 ? view.getUint16(1, true) : view.getUint32(1, true);
    let end = p.length;
    let node: SceneNode | undefined;
    if (target & NODE_PATH_FLAG) {
      const pathAt = target & 0x7fffffff;
      if (pathAt >= p.length || pathAt < offset) {
        this.drops.malformed++;
        return;
      }
      node = this.nodes.find(readCString(p, pathAt, p.length));
      end = pathAt;
    } else {
      node = this.cache.lookup(from, target);
    }
    if (!node) {
      this.drops.unknownNode++;
      return;
    }
    const methodId = nameIdSize === 1 ? p[1 + nodeIdSize]! : view.getUint16(1 + nodeIdSize, true);
    const config = node.rpcTable().byId[methodId];
    if (!config) {
      this.drops.unknownMethod++;
      return;
    }
    const allowed = config.rpcMode === RPCMode.ANY_PEER || (config.rpcMode === RPCMode.AUTHORITY && from === node.multiplayerAuthority);
    if (!allowed) {
      this.drops.forbidden++;
      return;
    }
    let args: unknown[];
    try {
      if (meta & BYTE_ONLY_OR_NO_ARGS_FLAG) {
        args = offset < end ? [p.slice(offset, end)] : [];
      } else {
        if (offset >= end) throw new Error("no argument count");
        const argc = p[offset]!;
        offset++;
        args = readCompressedVariants(p, offset, end, argc, this.opts).values;
      }
    } catch {
      this.drops.badArguments++;
      return;
    }
    deliverCall(node, config.name, args, this.drops, this.events.handlerError);
  }

  /** Godot's rpcp: send a call of `method` on `node` to `peer` (0 all, -id all but id), and run it here with callLocal. */
  rpcp(node: SceneNode, peer: number, method: string, args: unknown[], connected: boolean): GodotError {
    if (!connected) return GodotError.ERR_CONNECTION_ERROR;
    const table = node.rpcTable();
    const id = table.ids.get(method);
    if (id === undefined) return GodotError.ERR_INVALID_PARAMETER;
    const config = table.byId[id]!;
    const self = this.port.getUniqueId();
    if (peer === self && !config.callLocal) return GodotError.ERR_INVALID_PARAMETER;
    const callLocal = config.callLocal && (peer === 0 || peer === self || (peer < 0 && peer !== -self));
    // As Godot 4.6's rpcp: a send that fails (an unknown or unseeing peer, more than 255
    // arguments) still makes the local call. Godot logs the failure and returns OK; we return it.
    let sendError = GodotError.OK;
    if (peer !== self) {
      sendError = args.length > 255 ? GodotError.ERR_INVALID_PARAMETER : this.sendRpc(node, peer, id, config.transferMode, config.channel, args);
    }
    if (callLocal) {
      this.remoteSenderOverride = self;
      try {
        const handler = node.handlerFor(method);
        if (!handler) return GodotError.FAILED;
        handler.apply(node, args);
      } finally {
        this.remoteSenderOverride = 0;
      }
    }
    return sendError;
  }

  private sendRpc(node: SceneNode, to: number, methodId: number, mode: TransferMode, channel: number, args: unknown[]): GodotError {
    if (to !== 0 && !this.connected.has(Math.abs(to))) return GodotError.ERR_INVALID_PARAMETER;
    const targets: number[] = [];
    if (to > 0) {
      if (!this.replication.isRpcVisible(node, to)) return GodotError.ERR_INVALID_PARAMETER;
      targets.push(to);
    } else {
      // As Godot 4.6's _send_rpc: visibility is checked per peer only when the node is not
      // visible to peer 0 (is_rpc_visible(oid, 0) false, "restricted").
      const restricted = !this.replication.isRpcVisible(node, 0);
      for (const p of this.connected) if (!(to < 0 && p === -to) && (!restricted || this.replication.isRpcVisible(node, p))) targets.push(p);
    }
    if (targets.length === 0) return GodotError.OK;
    const { id, announce, allConfirmed } = this.cache.prepare(node, targets);
    if (announce.length) {
      const simplify = this.cache.simplifyPacket(node);
      for (const p of announce) this.sendCommand(p, simplify, TransferMode.RELIABLE, 0);
    }
    const w = this.writer;
    w.reset();
    w.u8(0);
    let nodeCompression: number;
    if (allConfirmed && id <= 0xff) {
      nodeCompression = NETWORK_NODE_ID_COMPRESSION_8;
      w.u8(id);
    } else if (allConfirmed && id <= 0xffff) {
      nodeCompression = NETWORK_NODE_ID_COMPRESSION_16;
      w.reserve(2);
      w.view.setUint16(w.length, id, true);
      w.length += 2;
    } else {
      nodeCompression = NETWORK_NODE_ID_COMPRESSION_32;
      w.u32(id);
    }
    let nameCompression = 0;
    if (methodId <= 0xff) w.u8(methodId);
    else {
      nameCompression = 1;
      w.reserve(2);
      w.view.setUint16(w.length, methodId, true);
      w.length += 2;
    }
    let byteOnly = false;
    if (args.length === 0) byteOnly = true;
    else if (args.length === 1 && args[0] instanceof Uint8Array) {
      byteOnly = true;
      w.raw(args[0]);
    } else {
      w.u8(args.length);
      writeCompressedVariants(w, args, this.opts);
    }
    w.bytes[0] = NetworkCommand.REMOTE_CALL | (nodeCompression << NODE_ID_COMPRESSION_SHIFT) | (nameCompression << NAME_ID_COMPRESSION_SHIFT) | (byteOnly ? BYTE_ONLY_OR_NO_ARGS_FLAG : 0);
    // A broadcast goes peer by peer and carries on past a peer that cannot take it (Godot's
    // send_command); a call to one peer reports that peer's failure.
    let result = GodotError.OK;
    if (allConfirmed) {
      const packet = w.toBytes();
      for (const p of targets) result = this.sendCommand(p, packet, mode, channel);
      return to > 0 ? result : GodotError.OK;
    }
    const { byId, withPath } = callForms(w, id, node.path);
    for (const p of targets) result = this.sendCommand(p, this.cache.isConfirmed(node, p) ? byId : withPath, mode, channel);
    return to > 0 ? result : GodotError.OK;
  }

  // ---- raw bytes and the relay ----

  sendBytes(data: Uint8Array, to: number, mode: TransferMode, channel: number): GodotError {
    const out = new Uint8Array(data.length + 1);
    out[0] = NetworkCommand.RAW;
    out.set(data, 1);
    return this.sendCommand(to, out, mode, channel);
  }

  /** Godot's send_command: through the server's relay from a client, else to one peer or to every peer (but -to). */
  sendCommand(to: number, packet: Uint8Array, mode: TransferMode, channel: number): GodotError {
    const self = this.port.getUniqueId();
    if (this.serverRelay && self !== 1 && to !== 1 && this.port.isServerRelaySupported()) {
      const out = new Uint8Array(SYS_CMD_SIZE + packet.length);
      out[0] = NetworkCommand.SYS;
      out[1] = SysCommand.RELAY;
      new DataView(out.buffer).setInt32(2, to, true);
      out.set(packet, SYS_CMD_SIZE);
      return this.port.send(1, out, mode, channel);
    }
    if (to > 0) {
      if (!this.connected.has(to)) return GodotError.ERR_BUG;
      return this.port.send(to, packet, mode, channel);
    }
    for (const p of this.connected) if (!(to !== 0 && p === -to)) this.port.send(p, packet, mode, channel);
    return GodotError.OK;
  }

}
