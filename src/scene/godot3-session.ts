/**
 * Godot 3.2's MultiplayerAPI (core/io/multiplayer_api.cpp), sans-IO like SceneSession:
 * remote calls and remote sets by method/property name, the path cache (confirmed by
 * path), raw packets, and Godot 3's remote/master/puppet(/sync) rules. Relaying between
 * clients is the Godot 3 MultiplayerPeer's job (our peers' `protocol: "godot3"`), so this
 * layer only addresses peers. Commands: REMOTE_CALL 0, REMOTE_SET 1, SIMPLIFY_PATH 2,
 * CONFIRM_PATH 3, RAW 4. As Godot 3.2's, it sets the peer's target and transfer mode for each send
 * but never its transfer channel: everything goes on the channel the application set on the peer.
 */
import { GodotError } from "../errors.ts";
import { TransferMode } from "../multiplayer/multiplayer-peer.ts";
import { decodeVariantAt, encodeVariantInto, VariantWriter } from "../variant/index.ts";
import { callForms, MAX_REMOTE_PATHS_PER_PEER } from "./path-cache.ts";
import { NODE_PATH_FLAG } from "./protocol.ts";
import { Godot3RPCMode } from "./rpc-config.ts";
import type { SceneNode, SceneNodeOwner } from "./scene-node.ts";
import { deliverCall, NodeRegistry, readCString } from "./node-registry.ts";
import { countingDropCounters, type ScenePort, type SceneDropCounters, type SessionEvents } from "./session.ts";

/** Godot 3.2's MultiplayerAPI::NetworkCommands. */
export enum Godot3NetworkCommand {
  REMOTE_CALL = 0,
  REMOTE_SET = 1,
  SIMPLIFY_PATH = 2,
  CONFIRM_PATH = 3,
  RAW = 4,
}

const utf8Out = new TextEncoder();


/** Godot 3's _should_call_local: whether the caller runs it too, and whether it skips the network. */
function callLocally(mode: Godot3RPCMode, isMaster: boolean): { local: boolean; skipRemote: boolean } {
  switch (mode) {
    case Godot3RPCMode.RPC_MODE_MASTERSYNC:
      return { local: true, skipRemote: isMaster };
    case Godot3RPCMode.RPC_MODE_REMOTESYNC:
    case Godot3RPCMode.RPC_MODE_PUPPETSYNC:
      return { local: true, skipRemote: false };
    case Godot3RPCMode.RPC_MODE_MASTER:
      return { local: isMaster, skipRemote: isMaster };
    case Godot3RPCMode.RPC_MODE_PUPPET:
      return { local: !isMaster, skipRemote: false };
    default:
      return { local: false, skipRemote: false };
  }
}

/** Godot 3's _can_call_mode: may `from` call/set on this node? */
function remoteMayCall(node: SceneNode, mode: Godot3RPCMode, from: number): boolean {
  switch (mode) {
    case Godot3RPCMode.RPC_MODE_REMOTE:
    case Godot3RPCMode.RPC_MODE_REMOTESYNC:
      return true;
    case Godot3RPCMode.RPC_MODE_MASTER:
    case Godot3RPCMode.RPC_MODE_MASTERSYNC:
      return node.isNetworkMaster();
    case Godot3RPCMode.RPC_MODE_PUPPET:
    case Godot3RPCMode.RPC_MODE_PUPPETSYNC:
      return !node.isNetworkMaster() && from === node.networkMaster;
    default:
      return false;
  }
}

/**
 * Most path text (UTF-16 code units, all paths together) one remote peer may keep in our path
 * cache. Godot 3 stores whatever path a peer announces, node or not, so the id bound alone still
 * let one peer pin 16,384 paths of up to a whole packet each (about 1 GiB).
 */
export const MAX_REMOTE_PATH_CHARS_PER_PEER = 4 * 1024 * 1024;

/** One remote peer's announced paths by its cache ids, and their total length. */
interface RemotePaths {
  byId: Map<number, string>;
  chars: number;
}

interface SentPath {
  id: number;
  confirmed: Map<number, boolean>;
}

export class Godot3Session {
  private readonly port: ScenePort;
  private readonly events: SessionEvents;
  readonly nodes: NodeRegistry;
  private readonly connected = new Set<number>();
  private readonly sent = new Map<string, SentPath>();
  private readonly recv = new Map<number, RemotePaths>();
  private lastSendId = 1;
  private readonly writer = new VariantWriter(256);
  private readonly drops = countingDropCounters((counter) => this.events.dropped(counter));
  private remoteSenderId = 0;
  allowObjectDecoding = false;

  constructor(port: ScenePort, events: SessionEvents, owner: SceneNodeOwner) {
    this.port = port;
    this.events = events;
    this.nodes = new NodeRegistry(owner);
  }

  getDropCounters(): Readonly<SceneDropCounters> {
    return { ...this.drops };
  }
  getRemoteSenderId(): number {
    return this.remoteSenderId;
  }
  /** In ascending ID order, as Godot 3.2's get_network_connected_peers (connected_peers is a Set<int>). */
  getPeers(): number[] {
    return [...this.connected].sort((a, b) => a - b);
  }

  node(path: string): SceneNode {
    return this.nodes.get(path);
  }

  clear(): void {
    this.connected.clear();
    this.sent.clear();
    this.recv.clear();
    this.lastSendId = 1;
  }

  addPeer(id: number): void {
    this.connected.add(id);
    this.recv.set(id, { byId: new Map(), chars: 0 });
    // As Godot 3.2: the peer emits peer_connected(1), then connection_succeeded (ENet's CONNECT,
    // WebSocket's SYS_ADD 1), and MultiplayerAPI passes each on as it comes.
    this.events.peerConnected(id);
    if (id === 1) this.events.connectedToServer();
  }

  delPeer(id: number, quiet = false): void {
    if (!this.connected.delete(id)) return;
    this.recv.delete(id);
    for (const s of this.sent.values()) s.confirmed.delete(id);
    if (!quiet) this.events.peerDisconnected(id);
  }

  process(_now: number): void {}

  receive(from: number, p: Uint8Array): void {
    if (p.length < 1) {
      this.drops.malformed++;
      return;
    }
    // Godot 3.2's MultiplayerAPI serves a packet whatever its sender, so what a client sent just
    // before it left (handled after its network_peer_disconnected) still arrives: raw packets and
    // calls naming their node by path. Its path cache is gone with it, so calls by cache id fail
    // (unknownNode), as in Godot; path announcements from a peer not in the list are not kept.
    if (!this.connected.has(from) && (p[0] === Godot3NetworkCommand.SIMPLIFY_PATH || p[0] === Godot3NetworkCommand.CONFIRM_PATH)) {
      this.drops.unauthenticated++;
      return;
    }
    this.remoteSenderId = from;
    try {
      switch (p[0]) {
        case Godot3NetworkCommand.SIMPLIFY_PATH:
          return this.processSimplifyPath(from, p);
        case Godot3NetworkCommand.CONFIRM_PATH:
          return this.processConfirmPath(from, p);
        case Godot3NetworkCommand.REMOTE_CALL:
        case Godot3NetworkCommand.REMOTE_SET:
          return this.processCallOrSet(from, p);
        case Godot3NetworkCommand.RAW:
          if (p.length < 2) this.drops.malformed++;
          else this.events.peerPacket(from, p.slice(1));
          return;
        default:
          this.drops.badCommand++;
      }
    } finally {
      this.remoteSenderId = 0;
    }
  }

  private processSimplifyPath(from: number, p: Uint8Array): void {
    if (p.length < 5) {
      this.drops.malformed++;
      return;
    }
    const id = new DataView(p.buffer, p.byteOffset, p.byteLength).getUint32(1, true);
    const path = readCString(p, 5, p.length);
    const table = this.recv.get(from)!;
    const previous = table.byId.get(id);
    const chars = table.chars - (previous?.length ?? 0) + path.length;
    if ((previous === undefined && table.byId.size >= MAX_REMOTE_PATHS_PER_PEER) || chars > MAX_REMOTE_PATH_CHARS_PER_PEER) {
      this.drops.badPathCache++;
      return;
    }
    table.byId.set(id, path); // Godot 3 overwrites a known id and does not check the node exists.
    table.chars = chars;
    const name = utf8Out.encode(path);
    const out = new Uint8Array(name.length + 2);
    out[0] = Godot3NetworkCommand.CONFIRM_PATH;
    out.set(name, 1);
    this.port.send(from, out, TransferMode.RELIABLE, null);
  }

  private processConfirmPath(from: number, p: Uint8Array): void {
    if (p.length < 2) {
      this.drops.malformed++;
      return;
    }
    const sent = this.sent.get(readCString(p, 1, p.length));
    if (!sent?.confirmed.has(from)) {
      this.drops.badPathCache++;
      return;
    }
    sent.confirmed.set(from, true);
  }

  private processCallOrSet(from: number, p: Uint8Array): void {
    if (p.length < 6) {
      this.drops.malformed++;
      return;
    }
    const target = new DataView(p.buffer, p.byteOffset, p.byteLength).getUint32(1, true);
    let node: SceneNode | undefined;
    if (target & NODE_PATH_FLAG) {
      const at = target & 0x7fffffff;
      if (at >= p.length) {
        this.drops.malformed++;
        return;
      }
      node = this.nodes.find(readCString(p, at, p.length));
    } else {
      const path = this.recv.get(from)?.byId.get(target);
      node = path === undefined ? undefined : this.nodes.find(path);
    }
    if (!node) {
      this.drops.unknownNode++;
      return;
    }
    let end = 5;
    while (end < p.length && p[end] !== 0) end++;
    if (end >= p.length) {
      this.drops.malformed++;
      return;
    }
    const name = readCString(p, 5, end);
    let offset = end + 1;
    if (offset >= p.length) {
      this.drops.malformed++;
      return;
    }
    const opts = { protocol: "godot3" as const, allowObjects: this.allowObjectDecoding };
    if (p[0] === Godot3NetworkCommand.REMOTE_SET) {
      if (!remoteMayCall(node, node.rsetModeOf(name), from)) {
        this.drops.forbidden++;
        return;
      }
      let value: unknown;
      try {
        value = decodeVariantAt(p, offset, opts).value;
      } catch {
        this.drops.badArguments++;
        return;
      }
      try {
        node.applyRset(name, value);
      } catch (error) {
        this.drops.handlerErrors++;
        this.events.handlerError(node, name, error);
      }
      return;
    }
    const config = node.rpcConfigOf(name);
    if (!config) {
      this.drops.unknownMethod++;
      return;
    }
    if (!remoteMayCall(node, config.godot3Mode, from)) {
      this.drops.forbidden++;
      return;
    }
    const argc = p[offset]!;
    offset++;
    const args: unknown[] = [];
    try {
      for (let i = 0; i < argc; i++) {
        if (offset >= p.length) throw new Error("short");
        const r = decodeVariantAt(p, offset, opts);
        args.push(r.value);
        offset += r.length;
      }
    } catch {
      this.drops.badArguments++;
      return;
    }
    deliverCall(node, name, args, this.drops, this.events.handlerError);
  }

  /** Godot 3's rpcp. */
  rpcp(node: SceneNode, peer: number, method: string, args: unknown[], connected: boolean, unreliable = false): GodotError {
    if (!connected) return GodotError.ERR_CONNECTION_ERROR;
    const self = this.port.getUniqueId();
    let skip = peer === self;
    let local = false;
    if (peer === 0 || peer === self || (peer < 0 && peer !== -self)) {
      const mode = node.rpcConfigOf(method)?.godot3Mode ?? Godot3RPCMode.RPC_MODE_DISABLED;
      const r = callLocally(mode, node.isNetworkMaster());
      local = r.local;
      skip ||= r.skipRemote;
    }
    // As Godot 3.2's rpcp: a send that fails still makes the local call (Godot logs the failure).
    const sendError = skip ? GodotError.OK : this.send(node, peer, unreliable, false, method, args);
    if (local) {
      const before = this.remoteSenderId;
      this.remoteSenderId = self;
      try {
        const handler = node.handlerFor(method);
        if (!handler) return GodotError.FAILED;
        handler.apply(node, args);
      } finally {
        this.remoteSenderId = before;
      }
    }
    if (skip && !local) return GodotError.ERR_INVALID_PARAMETER;
    return sendError;
  }

  /** Godot 3's rsetp. */
  rsetp(node: SceneNode, peer: number, property: string, value: unknown, unreliable: boolean, connected: boolean): GodotError {
    if (!connected) return GodotError.ERR_CONNECTION_ERROR;
    const self = this.port.getUniqueId();
    let skip = peer === self;
    let local = false;
    if (peer === 0 || peer === self || (peer < 0 && peer !== -self)) {
      const r = callLocally(node.rsetModeOf(property), node.isNetworkMaster());
      local = r.local;
      skip ||= r.skipRemote;
    }
    // As Godot 3.2's rsetp: the local set first (its setter's exception reaches the caller once
    // the set has gone out too, as Godot logs it and sends all the same), then the send.
    let setterError: { error: unknown } | undefined;
    if (local) {
      const before = this.remoteSenderId;
      this.remoteSenderId = self;
      try {
        node.applyRset(property, value);
      } catch (error) {
        setterError = { error };
      } finally {
        this.remoteSenderId = before;
      }
    }
    const result = skip ? (local ? GodotError.OK : GodotError.ERR_INVALID_PARAMETER) : this.send(node, peer, unreliable, true, property, [value]);
    if (setterError !== undefined) throw setterError.error;
    return result;
  }

  private send(node: SceneNode, to: number, unreliable: boolean, isSet: boolean, name: string, args: unknown[]): GodotError {
    // Godot 3.2's _send_rpc refuses more than 255 arguments; rpcp makes the local call all the same.
    if (args.length > 255) return GodotError.ERR_INVALID_PARAMETER;
    if (to !== 0 && !this.connected.has(Math.abs(to))) return GodotError.ERR_INVALID_PARAMETER;
    if (node.path === ".") return GodotError.ERR_INVALID_PARAMETER; // Godot 3 cannot address its root this way.
    let sent = this.sent.get(node.path);
    if (!sent) this.sent.set(node.path, (sent = { id: this.lastSendId++, confirmed: new Map() }));
    const opts = { protocol: "godot3" as const, allowObjects: this.allowObjectDecoding };
    const w = this.writer;
    w.reset();
    w.u8(isSet ? Godot3NetworkCommand.REMOTE_SET : Godot3NetworkCommand.REMOTE_CALL);
    w.u32(sent.id);
    w.raw(utf8Out.encode(name));
    w.u8(0);
    if (isSet) encodeVariantInto(w, args[0], opts);
    else {
      w.u8(args.length);
      for (const a of args) encodeVariantInto(w, a, opts);
    }
    // Which targets still need the path (Godot's _send_confirm_path).
    const targets = [...this.connected].filter((p) => !(to < 0 && p === -to) && !(to > 0 && p !== to));
    let all = true;
    const path = utf8Out.encode(node.path);
    for (const p of targets) {
      const state = sent.confirmed.get(p);
      if (state === undefined) {
        const simplify = new Uint8Array(1 + 4 + path.length + 1);
        simplify[0] = Godot3NetworkCommand.SIMPLIFY_PATH;
        new DataView(simplify.buffer).setUint32(1, sent.id, true);
        simplify.set(path, 5);
        this.port.send(p, simplify, TransferMode.RELIABLE, null);
        sent.confirmed.set(p, false);
      }
      if (state !== true) all = false;
    }
    const mode = unreliable ? TransferMode.UNRELIABLE : TransferMode.RELIABLE;
    if (all) return this.port.send(to, w.toBytes(), mode, null);
    const { byId, withPath } = callForms(w, sent.id, node.path);
    for (const p of targets) this.port.send(p, sent.confirmed.get(p) ? byId : withPath, mode, null);
    return GodotError.OK;
  }

  sendBytes(data: Uint8Array, to: number, mode: TransferMode): GodotError {
    const out = new Uint8Array(data.length + 1);
    out[0] = Godot3NetworkCommand.RAW;
    out.set(data, 1);
    return this.port.send(to, out, mode, null);
  }
}
