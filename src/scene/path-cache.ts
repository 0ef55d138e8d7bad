/**
 * The node path cache (SceneCacheInterface): a sender names a node by its path once
 * (SIMPLIFY_PATH with a cache id it chose and the node's RPC-config MD5), the receiver
 * answers CONFIRM_PATH, and later packets carry only the id. Ids are per sender; ours
 * count from 1 as Godot's do.
 */
import type { VariantWriter } from "../variant/writer.ts";
import { NetworkCommand, NODE_PATH_FLAG } from "./protocol.ts";
import type { SceneNode } from "./scene-node.ts";

/** Most cache ids one remote peer may register with us (Godot has no bound; a hostile peer could grow it forever). */
export const MAX_REMOTE_PATHS_PER_PEER = 16384;

const utf8 = new TextEncoder();

export class PathCache {
  /** The registered node at a normalized path, if there is one. */
  private readonly nodeAt: (path: string) => SceneNode | undefined;
  private lastSendId = 1;
  private readonly sendIds = new Map<SceneNode, number>();
  private readonly byId = new Map<number, SceneNode>();
  /** Per node: peers it was announced to, and whether each confirmed. */
  private readonly confirmed = new Map<SceneNode, Map<number, boolean>>();
  /**
   * Per remote peer: its cache ids -> the paths of our nodes they were registered for. Looked up
   * by path, as Godot 4.6's get_cached_object falls back to the path once the node it cached is
   * freed: a stand-in freed with a remotely spawned node is replaced by a new one when the node is
   * spawned again, and the sender keeps using the id it announced for that path. So an id outlives
   * the node it named, as in Godot, which keeps received ids for good since a peer may despawn a
   * node here through visibility and spawn it again without announcing it anew. At the per-peer
   * bound, the ids whose node went make room first (see register).
   */
  private readonly recv = new Map<number, Map<number, string>>();
  /** Per path: the peers that registered an id for it, and that id (the last one each registered). */
  private readonly recvByPath = new Map<string, Map<number, number>>();
  /**
   * Per remote peer: its ids whose node left the registry since, oldest first (a node back at the
   * path since is skipped, and listed again when it leaves). What a full table lets go of.
   */
  private readonly stale = new Map<number, Set<number>>();

  constructor(nodeAt: (path: string) => SceneNode | undefined) {
    this.nodeAt = nodeAt;
  }

  addPeer(id: number): void {
    this.recv.set(id, new Map());
    this.stale.set(id, new Set());
  }

  removePeer(id: number): void {
    for (const path of this.recv.get(id)?.values() ?? []) {
      const peers = this.recvByPath.get(path);
      peers?.delete(id);
      if (peers?.size === 0) this.recvByPath.delete(path);
    }
    this.recv.delete(id);
    this.stale.delete(id);
    for (const peers of this.confirmed.values()) peers.delete(id);
  }

  hasPeer(id: number): boolean {
    return this.recv.has(id);
  }

  clear(): void {
    this.lastSendId = 1;
    this.sendIds.clear();
    this.byId.clear();
    this.confirmed.clear();
    this.recv.clear();
    this.recvByPath.clear();
    this.stale.clear();
  }

  /** Godot's make_object_cache: our id for `node`, assigned on first use. */
  idOf(node: SceneNode): number {
    let id = this.sendIds.get(node);
    if (id === undefined) {
      id = this.lastSendId++;
      this.sendIds.set(node, id);
      this.byId.set(id, node);
    }
    return id;
  }

  /**
   * `node` leaves the registry. Our id for it goes, as Godot's cache forgets a node that leaves the
   * tree: a new stand-in at its path gets a new id, announced afresh. The ids peers registered for
   * its path stay (they may still name a node there later) but are the first a full table lets go.
   */
  forget(node: SceneNode): void {
    const id = this.sendIds.get(node);
    if (id !== undefined) {
      this.sendIds.delete(node);
      this.byId.delete(id);
      this.confirmed.delete(node);
    }
    for (const [peer, received] of this.recvByPath.get(node.path) ?? []) this.stale.get(peer)?.add(received);
  }

  /**
   * Forget the ids `peers` registered for `path`: they freed their node there (we despawned ours,
   * freed here, to them), and Godot's cache forgets a node's id when the node leaves the tree and
   * never reuses ids, so they cannot come again. A peer naming one anyway is answered as for an
   * unknown id.
   */
  forgetReceived(path: string, peers: Iterable<number>): void {
    const registered = this.recvByPath.get(path);
    if (registered === undefined) return;
    for (const peer of peers) {
      const id = registered.get(peer);
      if (id !== undefined) this.drop(peer, id);
    }
  }

  /** Let go of `peer`'s id `id`. */
  private drop(peer: number, id: number): void {
    const table = this.recv.get(peer);
    const path = table?.get(id);
    if (table === undefined || path === undefined) return;
    table.delete(id);
    this.stale.get(peer)?.delete(id);
    const registered = this.recvByPath.get(path);
    if (registered?.get(peer) !== id) return;
    registered.delete(peer);
    if (registered.size === 0) this.recvByPath.delete(path);
  }

  /** Let go of `peer`'s oldest id whose path has no node now; false when every id names a node. */
  private dropOldestStale(peer: number, table: Map<number, string>): boolean {
    const stale = this.stale.get(peer);
    if (stale === undefined) return false;
    for (const id of stale) {
      stale.delete(id);
      const path = table.get(id);
      if (path === undefined || this.nodeAt(path) !== undefined) continue;
      this.drop(peer, id);
      return true;
    }
    return false;
  }

  /** Whether `peer` confirmed our id for `node`. */
  isConfirmed(node: SceneNode, peer: number): boolean {
    return this.confirmed.get(node)?.get(peer) === true;
  }

  /**
   * Godot's send_object_cache for the given targets: which of them still need a
   * SIMPLIFY_PATH (first time), and whether every target has confirmed already.
   */
  prepare(node: SceneNode, targets: Iterable<number>): { id: number; announce: number[]; allConfirmed: boolean } {
    const id = this.idOf(node);
    let peers = this.confirmed.get(node);
    if (!peers) this.confirmed.set(node, (peers = new Map()));
    const announce: number[] = [];
    let allConfirmed = true;
    for (const p of targets) {
      const state = peers.get(p);
      if (state === undefined) {
        announce.push(p);
        peers.set(p, false);
        allConfirmed = false;
      } else if (!state) {
        allConfirmed = false;
      }
    }
    return { id, announce, allConfirmed };
  }

  /** The SIMPLIFY_PATH packet for `node`. */
  simplifyPacket(node: SceneNode): Uint8Array {
    const md5 = utf8.encode(node.rpcTable().md5);
    const path = utf8.encode(node.path);
    const out = new Uint8Array(1 + md5.length + 1 + 4 + path.length + 1);
    out[0] = NetworkCommand.SIMPLIFY_PATH;
    out.set(md5, 1);
    const at = 1 + md5.length + 1;
    new DataView(out.buffer).setUint32(at, this.idOf(node), true);
    out.set(path, at + 4);
    return out;
  }

  /**
   * A remote peer registered `id` for `node`. False when the id is taken, or the peer is at its
   * bound with every id naming a node (else its oldest id whose node went makes room: Godot keeps
   * them all, without a bound). A new id for a path the peer registered before takes the old
   * one's place: the sender has a new node there (Godot's sender forgets a node's id when the node
   * leaves its tree, and a node spawned again gets a new one), so a player that respawns does not
   * add an id each time.
   */
  register(peer: number, id: number, node: SceneNode): "ok" | "duplicate" | "full" | "unknown_peer" {
    const table = this.recv.get(peer);
    if (!table) return "unknown_peer";
    if (table.has(id)) return "duplicate";
    let registered = this.recvByPath.get(node.path);
    const previous = registered?.get(peer);
    if (previous !== undefined) this.drop(peer, previous);
    else if (table.size >= MAX_REMOTE_PATHS_PER_PEER && !this.dropOldestStale(peer, table)) return "full";
    table.set(id, node.path);
    registered = this.recvByPath.get(node.path);
    if (registered === undefined) this.recvByPath.set(node.path, (registered = new Map()));
    registered.set(peer, id);
    return "ok";
  }

  /** The node a remote peer's cache id names: the one now at the path it was registered for (none once that node was freed). */
  lookup(peer: number, id: number): SceneNode | undefined {
    const path = this.recv.get(peer)?.get(id);
    return path === undefined ? undefined : this.nodeAt(path);
  }

  /** A CONFIRM_PATH from `peer` for our id. False when we never announced it to that peer. */
  confirm(peer: number, id: number): boolean {
    const node = this.byId.get(id);
    if (!node) return true; // As Godot: the node may have gone meanwhile.
    const peers = this.confirmed.get(node);
    if (!peers?.has(peer)) return false;
    peers.set(peer, true);
    return true;
  }

  nodeOfId(id: number): SceneNode | undefined {
    return this.byId.get(id);
  }
}

export function confirmPacket(valid: boolean, id: number): Uint8Array {
  const out = new Uint8Array(6);
  out[0] = NetworkCommand.CONFIRM_PATH;
  out[1] = valid ? 1 : 0;
  new DataView(out.buffer).setUint32(2, id, true);
  return out;
}

/**
 * The two forms of a call (or Godot 3 set) whose node's path not every target has confirmed, from
 * the command written so far in `w` with a 32-bit node id at offset 1 (both protocols put it there):
 * `byId`, those bytes with the path's cache `id`, for the peers that confirmed it; `withPath`, the
 * path appended and, in the id's place, NODE_PATH_FLAG | the path's offset, for the others. As
 * Godot's _send_rpc (3.2 and 4.x). Leaves the path appended in `w`.
 */
export function callForms(w: VariantWriter, id: number, path: string): { byId: Uint8Array; withPath: Uint8Array } {
  const ofs = w.length;
  w.raw(utf8.encode(path));
  w.u8(0);
  const withPath = w.toBytes();
  const byId = withPath.slice(0, ofs);
  new DataView(byId.buffer).setUint32(1, id, true);
  new DataView(withPath.buffer).setUint32(1, (NODE_PATH_FLAG | ofs) >>> 0, true);
  return { byId, withPath };
}
