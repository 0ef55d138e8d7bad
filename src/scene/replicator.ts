/**
 * Replication (Godot 4.6's SceneReplicationInterface): spawning nodes on peers with their
 * spawn state, full syncs (unreliable, per poll or replication interval) and deltas
 * (reliable, changed ON_CHANGE properties) from our authority; and the same received
 * from a remote authority, checked as Godot checks them (dropped and counted otherwise).
 * It sends through the session's send_command and shares its path cache and nodes.
 */
import type { GodotError } from "../errors.ts";
import { TransferMode } from "../multiplayer/multiplayer-peer.ts";
import { VariantWriter } from "../variant/index.ts";
import { readCompressedVariant, readCompressedVariants, writeCompressedVariants, type CompressOptions } from "./compressed-variant.ts";
import type { NodeRegistry } from "./node-registry.ts";
import { readCString } from "./node-registry.ts";
import type { PathCache } from "./path-cache.ts";
import { CUSTOM_SPAWN_SCENE_ID, DEFAULT_DELTA_MTU, DEFAULT_SYNC_MTU, DESPAWN_SIZE, NetworkCommand, NODE_PATH_FLAG, SPAWN_MIN_SIZE, SYNC_DELTA_FLAG, SYNC_MIN_SIZE } from "./protocol.ts";
import { despawnPacket, MultiplayerSpawner, MultiplayerSynchronizer, spawnPacket, VisibilityUpdateMode, type SpawnedNode } from "./replication-nodes.ts";
import type { SceneNode } from "./scene-node.ts";
import type { SceneDropCounters } from "./session.ts";

/** What the replicator needs of the session. */
export interface ReplicationHost {
  getUniqueId(): number;
  sendCommand(to: number, packet: Uint8Array, mode: TransferMode, channel: number): GodotError;
  isConnected(id: number): boolean;
  connectedPeers(): Iterable<number>;
  readonly cache: PathCache;
  readonly nodes: NodeRegistry;
  readonly drops: SceneDropCounters;
  opts(): CompressOptions;
  handlerError(node: SceneNode | null, method: string, error: unknown): void;
}

interface PeerReplication {
  lastSentSync: number;
  lastWatchUsec: Map<MultiplayerSynchronizer, number>;
  /** Remote spawns: their net id -> node. */
  recvNodes: Map<number, SceneNode>;
  recvSyncs: Map<number, MultiplayerSynchronizer>;
  /** Godot's sync_nodes: our synchronizers visible to this peer, as last updated. */
  syncNodes: Set<MultiplayerSynchronizer>;
}

/** A node a remote authority spawned here (Godot's tracked node with a remote_peer). */
interface RemoteSpawn {
  /** The peer that spawned it: its authority, and whose recvNodes holds it under `netId`. */
  readonly authority: number;
  readonly netId: number;
  readonly spawner: MultiplayerSpawner;
  /** The stand-in nodes onSpawn created under it; nodes declared under its path before the spawn are not listed. */
  created: readonly string[];
  /**
   * Spawns (a remote authority's or ours) made under this node while it was here, whose nearest
   * remotely spawned ancestor it is. A freed Godot node takes its children with it, so they go
   * when it goes. Made on the first nested spawn: most spawns have none.
   */
  nested: Set<SceneNode> | null;
}

const NOTHING_CREATED: readonly string[] = [];
/** Where our net ids start (see nextNetId): past any count of a Godot peer's own, below the path-based bit. */
const NET_ID_BASE = 0x40000000;
const NET_ID_SPAN = 0x40000000;
/** A client's ids start in one of these blocks, picked by its unique id. */
const CLIENT_ID_BLOCK_SIZE = 0x10000;
const CLIENT_ID_BLOCKS = 0x3fff;

/** Most nodes one remote authority may have spawned here at once (Godot has no bound). */
export const MAX_REMOTE_SPAWNS_PER_PEER = 65536;

/** Godot's validate_node_name refuses these characters in a node name. */
const INVALID_NODE_NAME = /[.:@/"%]/;

export class SceneReplicator {
  private readonly host: ReplicationHost;
  private readonly writer = new VariantWriter(256);
  /** One synchronizer's state while a sync or delta packet is assembled in `writer`. */
  private readonly stateWriter = new VariantWriter(64);
  private readonly spawners = new Map<SceneNode, MultiplayerSpawner>();
  /** In declaration order (the order a spawn lists a node's synchronizers in). */
  private readonly synchronizers = new Set<MultiplayerSynchronizer>();
  /** The same, by the node they replicate and by their own node: lookups per packet and per spawn stay O(1) with thousands of them. */
  private readonly syncsByRoot = new Map<SceneNode, MultiplayerSynchronizer[]>();
  private readonly syncsByNode = new Map<SceneNode, MultiplayerSynchronizer[]>();
  private readonly spawned = new Map<SceneNode, SpawnedNode>();
  /** The same, by spawner: a spawner that goes despawns its own without a look at every spawn. */
  private readonly spawnedBy = new Map<MultiplayerSpawner, Set<SceneNode>>();
  private readonly peerRepl = new Map<number, PeerReplication>();
  /**
   * Synchronizers whose visibility was last worked out while we were their authority. Godot
   * recomputes it when a synchronizer's authority changes; here authority is a plain node
   * property, so process() notices the change instead.
   */
  private readonly trackedAsAuthority = new Set<MultiplayerSynchronizer>();
  /**
   * Nodes we despawned that still have synchronizers (declared by hand: those spawn() declared go
   * with the despawn). Their syncs stop until the node is spawned again; at most one entry per
   * stand-in, and a stand-in that leaves the registry leaves this too.
   */
  private readonly despawnedRoots = new Set<SceneNode>();
  private lastNetId = 0;
  maxSyncPacketSize = DEFAULT_SYNC_MTU;
  maxDeltaPacketSize = DEFAULT_DELTA_MTU;

  constructor(host: ReplicationHost) {
    this.host = host;
  }

  /**
   * Forget peers and net ids (the session was cleared); declarations stay. Nodes remote
   * authorities spawned here are freed, as Godot 4.6's on_reset frees every peer's remotes
   * (_free_remotes), also those of peers that never left on their own (the other clients
   * when the server goes away).
   */
  clear(): void {
    for (const id of [...this.peerRepl.keys()]) this.freeRemotes(id);
    this.peerRepl.clear();
    this.trackedAsAuthority.clear();
    for (const s of this.synchronizers) s.reset();
    for (const s of this.spawned.values()) {
      s.netId = 0;
      s.peers.clear();
    }
    this.lastNetId = 0;
  }

  addSpawner(spawner: MultiplayerSpawner): void {
    this.spawners.set(spawner.node, spawner);
  }

  /**
   * Declare `sync`. A synchronizer is a node, so one declared at the node of another replaces it:
   * the old one goes as removeSynchronizer takes it (Godot frees a node and adds a new one there).
   */
  addSynchronizer(sync: MultiplayerSynchronizer): void {
    const there = this.syncsByNode.get(sync.node);
    if (there) for (const old of [...there]) this.removeSynchronizer(old);
    this.synchronizers.add(sync);
    listAdd(this.syncsByRoot, sync.root, sync);
    listAdd(this.syncsByNode, sync.node, sync);
    sync.visibilityHooks = {
      updated: (forPeer) => this.visibilityUpdated(sync, forPeer),
      filterFailed: (error) => {
        this.host.drops.handlerErrors++;
        this.host.handlerError(sync.node, "visibility filter", error);
      },
    };
    this.updateSyncVisibility(0, sync);
  }

  removeSynchronizer(sync: MultiplayerSynchronizer): void {
    if (!this.synchronizers.delete(sync)) return;
    listRemove(this.syncsByRoot, sync.root, sync);
    listRemove(this.syncsByNode, sync.node, sync);
    sync.visibilityHooks = null;
    this.trackedAsAuthority.delete(sync);
    // As Godot's on_replication_stop: a received net id no longer names it. Whatever id a spawn gave
    // it (a path-based one or 0 too: a hostile authority listing fresh ones each spawn would
    // otherwise grow the table), and only where it still names this one (a later spawn may have
    // taken the id for another synchronizer, which keeps it).
    for (const r of this.peerRepl.values()) {
      r.lastWatchUsec.delete(sync);
      r.syncNodes.delete(sync);
      if (r.recvSyncs.get(sync.netId) === sync) r.recvSyncs.delete(sync.netId);
    }
  }

  /** The synchronizers replicating `node`, in declaration order (a live list: copy it before removing any). */
  private syncsOf(node: SceneNode): readonly MultiplayerSynchronizer[] {
    return this.syncsByRoot.get(node) ?? NO_SYNCHRONIZERS;
  }

  /** The synchronizers replicating `node` or placed at it, as a copy (removing them changes the lists). */
  private syncsTouching(node: SceneNode): MultiplayerSynchronizer[] {
    return [...this.syncsOf(node), ...(this.syncsByNode.get(node) ?? NO_SYNCHRONIZERS)];
  }

  /**
   * The net id of our next spawn or spawned synchronizer. Godot numbers its own from 1 on every
   * peer, and a Godot 4.6 peer whose own synchronizer stops (it frees a node it spawned, a bullet
   * say) also drops its registration of any remote synchronizer with the same number
   * (godotengine/godot#109432: on_replication_stop erases that id from every peer's table): with
   * ids from 1, a client that frees one of its own nodes could freeze one of ours on its screen
   * for good. Ours count from NET_ID_BASE, which a Godot peer's own count never reaches: a server
   * from the base itself, a client from a block of 2^16 ids picked by its unique id, so two of our
   * clients on one Godot server rarely share ids either. Any id without bit 31 (the path-based
   * form) is valid on the wire.
   */
  private nextNetId(): number {
    const self = this.host.getUniqueId();
    const offset = self === 1 ? 0 : ((self % CLIENT_ID_BLOCKS) + 1) * CLIENT_ID_BLOCK_SIZE;
    this.lastNetId++;
    // Within [NET_ID_BASE, 2^31): no id repeats before 2^30 of them.
    return NET_ID_BASE + ((offset + this.lastNetId) % NET_ID_SPAN);
  }

  private hasAuthority(node: SceneNode): boolean {
    return node.multiplayerAuthority === this.host.getUniqueId();
  }

  /** Whether `spawner` is declared here (not freed, nor replaced by another at its node). */
  hasSpawner(spawner: MultiplayerSpawner): boolean {
    return this.spawners.get(spawner.node) === spawner;
  }

  /** Whether `node` is one of our spawns, not despawned since. */
  isSpawned(node: SceneNode): boolean {
    return this.spawned.has(node);
  }

  /** The spawner of one of our spawns. */
  spawnerOf(node: SceneNode): MultiplayerSpawner | undefined {
    return this.spawned.get(node)?.spawner;
  }

  /**
   * Spawn `node` (authority side) on every connected peer now and on every peer that joins later.
   * `syncs` are the synchronizers the spawn declared: they go with its despawn. The caller despawns
   * it first if it is spawned already.
   */
  spawn(spawner: MultiplayerSpawner, node: SceneNode, sceneId: number, data: unknown, syncs: readonly MultiplayerSynchronizer[] = []): void {
    if (this.spawned.has(node)) throw new Error(`bug: ${node.path} is spawned already`);
    const s: SpawnedNode = { node, spawner, sceneId, data, netId: 0, peers: new Set(), syncs };
    spawner.trackedCount++;
    this.spawned.set(node, s);
    const siblings = this.spawnedBy.get(spawner);
    if (siblings === undefined) this.spawnedBy.set(spawner, new Set([node]));
    else siblings.add(node);
    this.despawnedRoots.delete(node);
    this.nestUnderRemoteAncestor(node);
    this.updateSpawnVisibility(s, 0);
  }

  /**
   * Godot's is_rpc_visible: may an RPC on `node` go to `peer`? A node without synchronizers
   * always; one we spawned only to peers it is spawned on; one `peer` spawned here always;
   * otherwise when any of its synchronizers is visible to `peer`.
   */
  isRpcVisible(node: SceneNode, peer: number): boolean {
    const syncs = this.syncsOf(node);
    if (syncs.length === 0) return true;
    const spawned = this.spawned.get(node);
    if (spawned) {
      if (peer !== 0) return spawned.peers.has(peer);
      // Peer 0 (a broadcast): whether every peer has it.
      for (const p of this.peerRepl.keys()) if (!spawned.peers.has(p)) return false;
      return true;
    }
    if (this.remoteSpawns.get(node)?.authority === peer) return true;
    return syncs.some((s) => s.isVisibleTo(peer));
  }

  /**
   * Godot's _visibility_changed, what a synchronizer's update_visibility(forPeer) sets off on its
   * authority: the spawn of its root node and its own syncs follow the new visibility, then the
   * user's visibility_changed runs.
   */
  private visibilityUpdated(sync: MultiplayerSynchronizer, forPeer: number): void {
    if (!this.hasAuthority(sync.node)) return;
    const spawned = this.spawned.get(sync.root);
    if (spawned && forPeer !== this.host.getUniqueId()) this.updateSpawnVisibility(spawned, forPeer);
    this.updateSyncVisibility(forPeer, sync);
    if (!sync.onVisibilityChanged) return;
    try {
      sync.onVisibilityChanged(forPeer);
    } catch (error) {
      this.host.drops.handlerErrors++;
      this.host.handlerError(sync.node, "onVisibilityChanged", error);
    }
  }

  /**
   * Godot's _update_sync_visibility: which peers get this synchronizer's syncs and deltas (ours
   * only). For every peer (`forPeer` 0) the filters are asked about 0 first, and a yes there
   * covers every peer. A peer that stops seeing it starts its deltas afresh when it sees it again.
   */
  private updateSyncVisibility(forPeer: number, sync: MultiplayerSynchronizer): void {
    if (!this.hasAuthority(sync.node) || forPeer === this.host.getUniqueId()) return;
    if (forPeer !== 0) {
      const r = this.peerRepl.get(forPeer);
      if (r) setSyncVisible(r, sync, sync.isVisibleTo(forPeer));
      return;
    }
    this.trackedAsAuthority.add(sync);
    const visibleToAll = sync.isVisibleTo(0);
    for (const [peer, r] of this.peerRepl) setSyncVisible(r, sync, visibleToAll || sync.isVisibleTo(peer));
  }

  /**
   * Godot's _update_spawn_visibility: a spawned node is visible to a peer when any of its
   * synchronizers (that we are the authority of) is, or when it has none; spawn it where it
   * became visible, despawn it where it stopped being. For every peer (`forPeer` 0) a yes for 0
   * covers every peer, as in Godot.
   */
  private updateSpawnVisibility(s: SpawnedNode, forPeer: number): void {
    if (!this.hasAuthority(s.spawner.node)) return;
    if (forPeer !== 0) {
      if (this.peerRepl.has(forPeer)) this.setSpawnVisible(s, forPeer, this.spawnVisibleTo(s, forPeer));
      return;
    }
    const visibleToAll = this.spawnVisibleTo(s, 0);
    for (const peer of this.host.connectedPeers()) this.setSpawnVisible(s, peer, visibleToAll || this.spawnVisibleTo(s, peer));
  }

  /** Any of the node's synchronizers we are the authority of visible to `peer` (or none of them ours). */
  private spawnVisibleTo(s: SpawnedNode, peer: number): boolean {
    let ours = false;
    for (const x of this.syncsOf(s.node)) {
      if (!this.hasAuthority(x.node)) continue;
      if (x.isVisibleTo(peer)) return true;
      ours = true;
    }
    return !ours;
  }

  private setSpawnVisible(s: SpawnedNode, peer: number, visible: boolean): void {
    if (visible) this.spawnOn(s, peer);
    else if (s.peers.delete(peer)) this.host.sendCommand(peer, despawnPacket(s.netId), TransferMode.RELIABLE, 0);
  }

  despawn(node: SceneNode): boolean {
    const s = this.spawned.get(node);
    if (!s) return false;
    const packet = despawnPacket(s.netId);
    for (const p of s.peers) if (this.host.isConnected(p)) this.host.sendCommand(p, packet, TransferMode.RELIABLE, 0);
    s.spawner.trackedCount--;
    this.spawned.delete(node);
    const siblings = this.spawnedBy.get(s.spawner);
    siblings?.delete(node);
    if (siblings?.size === 0) this.spawnedBy.delete(s.spawner);
    this.unnest(node);
    // The synchronizers the spawn declared are nodes of the spawned scene in Godot, freed with it
    // (on_replication_stop): they go, with their net ids and per-peer state, and the next spawn
    // declares fresh ones that get fresh ids. (One replaced meanwhile is gone already.)
    for (const sync of s.syncs) this.removeSynchronizer(sync);
    // Those declared by hand stay with the stand-in, which outlives the despawn: they keep their
    // ids but send nothing until the node is spawned again, and then start their deltas afresh
    // (the peers' synchronizers are new).
    const kept = this.syncsOf(node);
    if (kept.length > 0) {
      this.despawnedRoots.add(node);
      for (const sync of kept) for (const r of this.peerRepl.values()) r.lastWatchUsec.delete(sync);
    }
    return true;
  }

  private spawnOn(s: SpawnedNode, peer: number): void {
    if (s.peers.has(peer)) return;
    if (s.netId === 0) s.netId = this.nextNetId();
    const syncs = this.syncsOf(s.node).filter((x) => this.hasAuthority(x.node));
    for (const x of syncs) if (x.netId === 0) x.netId = this.nextNetId();
    const { announce, id } = this.host.cache.prepare(s.spawner.node, [peer]);
    if (announce.length) this.host.sendCommand(peer, this.host.cache.simplifyPacket(s.spawner.node), TransferMode.RELIABLE, 0);
    const packet = spawnPacket(this.writer, s, id, syncs, this.host.opts());
    this.host.sendCommand(peer, packet, TransferMode.RELIABLE, 0);
    s.peers.add(peer);
  }

  peerAdded(id: number): void {
    this.peerRepl.set(id, { lastSentSync: 0, lastWatchUsec: new Map(), recvNodes: new Map(), recvSyncs: new Map(), syncNodes: new Set() });
    for (const s of this.spawned.values()) this.updateSpawnVisibility(s, id);
    for (const sync of this.synchronizers) this.updateSyncVisibility(id, sync);
  }

  peerRemoved(id: number): void {
    // First, so that our spawns nested under the leaver's nodes are despawned to the others only
    // (Godot frees those nodes after the peer is gone).
    for (const s of this.spawned.values()) s.peers.delete(id);
    this.freeRemotes(id);
    this.peerRepl.delete(id);
  }

  /** Godot's _free_remotes: the nodes peer `id` spawned here are gone (onDespawn tells the spawner's owner). */
  private freeRemotes(id: number): void {
    const r = this.peerRepl.get(id);
    if (!r) return;
    const nodes = [...r.recvNodes.values()];
    for (const node of nodes) this.freeRemoteSpawn(node);
    r.recvNodes.clear();
  }

  /** Nodes remote authorities spawned here. */
  private readonly remoteSpawns = new Map<SceneNode, RemoteSpawn>();
  /** A spawn made under a remotely spawned node -> that node (see RemoteSpawn.nested). */
  private readonly nestedIn = new Map<SceneNode, SceneNode>();

  /** Note `node`, just spawned (by a remote authority or by us), in the nearest remotely spawned node above it. */
  private nestUnderRemoteAncestor(node: SceneNode): void {
    this.unnest(node);
    const path = node.path;
    for (let cut = path.lastIndexOf("/"); cut > 0; cut = path.lastIndexOf("/", cut - 1)) {
      const ancestor = this.host.nodes.at(path.slice(0, cut));
      const remote = ancestor === undefined ? undefined : this.remoteSpawns.get(ancestor);
      if (remote === undefined) continue;
      (remote.nested ??= new Set()).add(node);
      this.nestedIn.set(node, ancestor!);
      return;
    }
  }

  private unnest(node: SceneNode): void {
    const ancestor = this.nestedIn.get(node);
    if (ancestor === undefined) return;
    this.nestedIn.delete(node);
    this.remoteSpawns.get(ancestor)?.nested?.delete(node);
  }

  /**
   * A remotely spawned node goes (its DESPAWN, its authority leaving, the session ending), with
   * what was spawned under it, as a freed Godot node takes its children: their nodes leave the
   * tree first (Godot's tree_exited runs children first), so nested remote spawns are forgotten
   * and get their onDespawn before this node's, and our own spawns under it are despawned to the
   * peers that have them (Godot's on_despawn when a spawned node leaves the tree).
   */
  private freeRemoteSpawn(node: SceneNode): void {
    if (!this.remoteSpawns.has(node)) return;
    for (const gone of this.nestedChildrenFirst(node)) {
      const spawn = this.remoteSpawns.get(gone);
      if (spawn === undefined) {
        this.freeNestedOwnSpawn(gone);
        continue;
      }
      this.forgetRemoteSpawn(gone, spawn);
      this.callOnDespawn(spawn.spawner, gone);
    }
  }

  /**
   * `node` and every spawn nested under it, each after the spawns nested under it and siblings in
   * the order they came. A loop, not recursion: how deep spawns nest is up to the peers when an
   * onSpawn declares a spawner under every node it gets. An onDespawn run meanwhile may change
   * the tables, so whoever frees them checks each node is still there.
   */
  private nestedChildrenFirst(node: SceneNode): SceneNode[] {
    const parentsFirst: SceneNode[] = [];
    const pending = [node];
    for (let next = pending.pop(); next !== undefined; next = pending.pop()) {
      parentsFirst.push(next);
      for (const child of this.remoteSpawns.get(next)?.nested ?? []) pending.push(child);
    }
    return parentsFirst.reverse();
  }

  /** One of our spawns whose remotely spawned parent went: despawned to its peers, its synchronizers and node gone with it. */
  private freeNestedOwnSpawn(node: SceneNode): void {
    if (!this.spawned.has(node)) return;
    // Its synchronizers first: despawn() would forget the ones the spawn declared, and their nodes with them.
    this.dropNode(node);
    this.despawnFreed(node);
  }

  private forgetRemoteSpawn(node: SceneNode, spawn: RemoteSpawn): void {
    this.remoteSpawns.delete(node);
    this.unnest(node);
    // Whatever a handler spawned under it after the children were freed stays, no longer nested.
    for (const child of spawn.nested ?? []) this.nestedIn.delete(child);
    spawn.spawner.trackedCount--;
    const r = this.peerRepl.get(spawn.authority);
    if (r?.recvNodes.get(spawn.netId) === node) r.recvNodes.delete(spawn.netId);
    // The nodes onSpawn created under it go too (a child with its own RPC config, synchronizer or
    // spawner); nodes that existed before the spawn stay.
    for (const path of spawn.created) {
      const child = this.host.nodes.at(path);
      if (child !== undefined) this.dropNode(child);
    }
    this.dropNode(node);
  }

  /**
   * A node freed as (or with) a remotely spawned node leaves the registry, and so do the
   * replication nodes declared on it: the synchronizers replicating it or placed at it (their
   * nodes under it go too: else every spawn and despawn would leave one behind), and a spawner at
   * it (else the spawners a player's onSpawn declares would pile up, one per spawn).
   */
  private dropNode(node: SceneNode): void {
    const under = `${node.path}/`;
    for (const s of this.syncsTouching(node)) {
      this.removeSynchronizer(s);
      if (s.node.path.startsWith(under)) this.forgetNode(s.node);
    }
    this.spawners.delete(node);
    this.despawnedRoots.delete(node);
    this.forgetNode(node);
  }

  /**
   * Free `nodes`, every stand-in at a path and under it, listed children before their parents (the
   * user's freeNode, Godot's queue_free of that subtree). In the order Godot's nodes leave the tree:
   * each node's synchronizers (placed at it or replicating it) go with their ids and per-peer state;
   * one of our spawns is despawned to the peers that have it (Godot's on_despawn on tree exit); a
   * peer's spawn is forgotten here without onDespawn (Godot frees it locally and emits no
   * `despawned`; its authority still has it); a spawner goes, and despawns to their peers the nodes
   * it spawned outside the subtree, which stay here as plain stand-ins (Godot's spawner untracks and
   * despawns its nodes when it leaves the tree); then the node leaves the registry with our
   * path-cache id for it, as Godot's cache forgets a node that leaves the tree (the ids peers
   * registered for it stay, see PathCache.forget, but those of the peers we despawn it to, see
   * despawnFreed). No user code runs meanwhile.
   */
  freeNodes(nodes: readonly SceneNode[]): void {
    for (const node of nodes) {
      for (const s of this.syncsTouching(node)) this.removeSynchronizer(s);
      this.despawnFreed(node);
      const spawner = this.spawners.get(node);
      if (spawner !== undefined) {
        this.spawners.delete(node);
        // Its spawns outside the subtree (a spawn path elsewhere); those under it were despawned
        // already, or are when their turn comes. A peer's spawns it made here stay until their
        // authority despawns them.
        for (const child of [...(this.spawnedBy.get(spawner) ?? [])]) this.despawn(child);
      }
      const remote = this.remoteSpawns.get(node);
      if (remote !== undefined) this.forgetRemoteSpawn(node, remote);
      this.despawnedRoots.delete(node);
      this.forgetNode(node);
    }
  }

  /**
   * Despawn `node`, if it is one of our spawns, as it is freed here. The peers it goes to free
   * their copy, and with it the cache id they named it by (Godot's cache forgets a node's id when
   * it leaves the tree and never reuses one), so their ids for it go now rather than waiting to be
   * let go as stale. Not when only despawned: the node stays here, and an RPC a peer sent by that
   * id before the DESPAWN reached it still arrives.
   */
  private despawnFreed(node: SceneNode): void {
    const s = this.spawned.get(node);
    if (s === undefined) return;
    const peers = [...s.peers].filter((p) => this.host.isConnected(p));
    this.despawn(node);
    this.host.cache.forgetReceived(node.path, peers);
  }

  /** A stand-in leaves the registry, and our path-cache id for it goes (its successor gets its own). */
  private forgetNode(node: SceneNode): void {
    if (this.host.nodes.at(node.path) === node) this.host.nodes.delete(node.path);
    this.host.cache.forget(node);
  }

  /** Godot's on_network_process: full syncs (unreliable) and deltas (reliable) to each peer. */
  process(usec: number): void {
    const mine: MultiplayerSynchronizer[] = [];
    for (const s of this.synchronizers) if (this.hasAuthority(s.node)) mine.push(s);
    this.followAuthorityChanges(mine);
    // Godot re-runs the filters every frame (update_visibility(0)) unless the mode is NONE.
    for (const s of mine) {
      if (s.hasVisibilityFilters() && s.visibilityUpdateMode !== VisibilityUpdateMode.VISIBILITY_PROCESS_NONE) s.updateVisibility(0);
    }
    if (mine.length === 0) return;
    for (const [peer, r] of this.peerRepl) {
      if (!this.host.isConnected(peer)) continue;
      const visible = mine.filter((s) => {
        const spawned = this.spawned.get(s.root);
        return r.syncNodes.has(s) && (spawned ? spawned.peers.has(peer) : !this.despawnedRoots.has(s.root));
      });
      if (visible.length === 0) continue;
      r.lastSentSync = (r.lastSentSync + 1) & 0xffff;
      this.sendSync(peer, visible, r.lastSentSync, usec);
      this.sendDelta(peer, visible, usec, r);
    }
  }

  /** Synchronizers that became ours get their visibility worked out; those no longer ours stop syncing. */
  private followAuthorityChanges(mine: MultiplayerSynchronizer[]): void {
    if (this.trackedAsAuthority.size > mine.length || mine.some((s) => !this.trackedAsAuthority.has(s))) {
      const ours = new Set(mine);
      for (const s of this.trackedAsAuthority) {
        if (ours.has(s)) continue;
        this.trackedAsAuthority.delete(s);
        for (const r of this.peerRepl.values()) {
          r.syncNodes.delete(s);
          r.lastWatchUsec.delete(s);
        }
      }
      for (const s of mine) if (!this.trackedAsAuthority.has(s)) this.updateSyncVisibility(0, s);
    }
  }

  /** The net id a synchronizer is sent with; false while its path-based id is unconfirmed by `peer`. */
  private verifySynchronizer(peer: number, sync: MultiplayerSynchronizer): boolean {
    if (sync.netId !== 0 && !(sync.netId & NODE_PATH_FLAG)) return true;
    const { id, announce, allConfirmed } = this.host.cache.prepare(sync.node, [peer]);
    if (announce.length) this.host.sendCommand(peer, this.host.cache.simplifyPacket(sync.node), TransferMode.RELIABLE, 0);
    if (sync.netId === 0) sync.netId = (id | NODE_PATH_FLAG) >>> 0;
    return allConfirmed;
  }

  private sendSync(peer: number, syncs: MultiplayerSynchronizer[], time: number, usec: number): void {
    const mtu = this.maxSyncPacketSize;
    const w = this.writer;
    const start = (): void => {
      w.reset();
      w.u8(NetworkCommand.SYNC);
      w.reserve(2);
      w.view.setUint16(1, time, true);
      w.length = 3;
    };
    start();
    const state = this.stateWriter;
    for (const s of syncs) {
      if (!s.takeSyncSlot(usec)) continue;
      if (!this.verifySynchronizer(peer, s)) continue;
      const props = s.syncProperties();
      state.reset();
      writeCompressedVariants(state, s.values(props), this.host.opts());
      if (state.length > mtu) {
        this.host.drops.oversizedSync++;
        continue;
      }
      if (w.length + 8 + state.length > mtu) {
        this.host.sendCommand(peer, w.toBytes(), TransferMode.UNRELIABLE, 0);
        start();
      }
      if (state.length) {
        w.u32(s.netId);
        w.u32(state.length);
        w.raw(state.written());
      }
    }
    if (w.length > 3) this.host.sendCommand(peer, w.toBytes(), TransferMode.UNRELIABLE, 0);
  }

  private sendDelta(peer: number, syncs: MultiplayerSynchronizer[], usec: number, r: PeerReplication): void {
    const mtu = this.maxDeltaPacketSize;
    const w = this.writer;
    w.reset();
    w.u8(NetworkCommand.SYNC | SYNC_DELTA_FLAG);
    const state = this.stateWriter;
    for (const s of syncs) {
      if (s.watchProperties().length === 0) continue;
      if (!this.verifySynchronizer(peer, s)) continue;
      const last = r.lastWatchUsec.get(s) ?? 0;
      const delta = s.deltaState(usec, last, this.host.opts(), state);
      if (delta.values.length === 0) continue;
      state.reset();
      writeCompressedVariants(state, delta.values, this.host.opts());
      if (state.length > mtu) {
        this.host.drops.oversizedSync++;
        continue;
      }
      if (w.length + 16 + state.length > mtu) {
        this.host.sendCommand(peer, w.toBytes(), TransferMode.RELIABLE, 0);
        w.reset();
        w.u8(NetworkCommand.SYNC | SYNC_DELTA_FLAG);
      }
      w.u32(s.netId);
      w.big64(delta.indexes);
      w.u32(state.length);
      w.raw(state.written());
      r.lastWatchUsec.set(s, usec);
    }
    if (w.length > 1) this.host.sendCommand(peer, w.toBytes(), TransferMode.RELIABLE, 0);
  }

  private findSynchronizer(peer: number, netId: number): MultiplayerSynchronizer | undefined {
    if (netId & NODE_PATH_FLAG) {
      const node = this.host.cache.lookup(peer, netId & 0x7fffffff);
      return node ? this.syncsByNode.get(node)?.[0] : undefined;
    }
    return this.peerRepl.get(peer)?.recvSyncs.get(netId);
  }

  receiveSync(from: number, p: Uint8Array): void {
    if (p.length < SYNC_MIN_SIZE) {
      this.host.drops.malformed++;
      return;
    }
    const view = new DataView(p.buffer, p.byteOffset, p.byteLength);
    const delta = (p[0]! & SYNC_DELTA_FLAG) !== 0;
    let ofs = delta ? 1 : 3;
    const time = delta ? 0 : view.getUint16(1, true);
    const header = delta ? 16 : 8;
    while (ofs + header < p.length) {
      const netId = view.getUint32(ofs, true);
      const indexes = delta ? view.getBigUint64(ofs + 4, true) : 0n;
      const size = view.getUint32(ofs + header - 4, true);
      ofs += header;
      if (size > p.length - ofs) {
        this.host.drops.malformed++;
        return;
      }
      const sync = this.findSynchronizer(from, netId);
      if (!sync || sync.node.multiplayerAuthority !== from) {
        if (sync || delta) this.host.drops.badReplication++;
        ofs += size;
        continue;
      }
      if (!delta && !sync.acceptSyncTime(time)) {
        ofs += size;
        continue;
      }
      const props = delta ? sync.deltaProperties(indexes) : sync.syncProperties();
      try {
        const r = readCompressedVariants(p, ofs, ofs + size, props.length, this.host.opts());
        if (delta && r.length !== size) throw new Error("delta size mismatch");
        props.forEach((prop, i) => sync.root.properties.set(prop.key, r.values[i]));
      } catch {
        this.host.drops.badArguments++;
        return;
      }
      ofs += size;
      const signal = delta ? sync.onDeltaSynchronized : sync.onSynchronized;
      if (signal) {
        try {
          signal();
        } catch (error) {
          this.host.drops.handlerErrors++;
          this.host.handlerError(sync.node, delta ? "onDeltaSynchronized" : "onSynchronized", error);
        }
      }
    }
  }

  receiveSpawn(from: number, p: Uint8Array): void {
    if (p.length < SPAWN_MIN_SIZE) {
      this.host.drops.malformed++;
      return;
    }
    const view = new DataView(p.buffer, p.byteOffset, p.byteLength);
    const sceneId = p[1]!;
    const spawnerNode = this.host.cache.lookup(from, view.getUint32(2, true));
    const spawner = spawnerNode ? this.spawners.get(spawnerNode) : undefined;
    // Godot refuses a spawn past the spawner's spawn_limit ("Spawn limit reached!").
    if (!spawner || spawner.node.multiplayerAuthority !== from || spawner.isFull()) {
      this.host.drops.badReplication++;
      return;
    }
    const netId = view.getUint32(6, true);
    const syncCount = view.getUint32(10, true);
    const nameLen = view.getUint32(14, true);
    let ofs = SPAWN_MIN_SIZE;
    if (nameLen < 1 || nameLen + syncCount * 4 > p.length - ofs) {
      this.host.drops.malformed++;
      return;
    }
    const syncIds: number[] = [];
    for (let i = 0; i < syncCount; i++, ofs += 4) syncIds.push(view.getUint32(ofs, true));
    const name = readCString(p, ofs, ofs + nameLen);
    ofs += nameLen;
    const r = this.peerRepl.get(from);
    const parent = spawner.parentPath();
    const path = parent === "." ? name : `${parent}/${name}`;
    if (!r || name === "" || INVALID_NODE_NAME.test(name) || this.host.nodes.has(path) || r.recvNodes.has(netId) || r.recvNodes.size >= MAX_REMOTE_SPAWNS_PER_PEER) {
      this.host.drops.badReplication++;
      return;
    }
    let data: unknown = null;
    try {
      if (sceneId === CUSTOM_SPAWN_SCENE_ID) {
        if (p.length - ofs < 4) throw new Error("no argument size");
        const argSize = view.getUint32(ofs, true);
        ofs += 4;
        if (argSize > p.length - ofs) throw new Error("argument past the end");
        data = readCompressedVariant(p, ofs, ofs + argSize, { allowObjects: false }).value;
        ofs += argSize;
      }
    } catch {
      this.host.drops.badArguments++;
      return;
    }
    const node = this.host.nodes.create(path);
    node.multiplayerAuthority = from;
    r.recvNodes.set(netId, node);
    const spawn: RemoteSpawn = { authority: from, netId, spawner, created: NOTHING_CREATED, nested: null };
    this.remoteSpawns.set(node, spawn);
    spawner.trackedCount++;
    // Known as remotely spawned before onSpawn runs, so a spawn onSpawn makes under it is nested in it.
    this.nestUnderRemoteAncestor(node);
    const declaredBefore = this.syncsOf(node).length;
    const created: string[] = [];
    try {
      this.host.nodes.recordCreations(created, () => spawner.onSpawn?.(node, sceneId, data));
    } catch (error) {
      this.host.drops.handlerErrors++;
      this.host.handlerError(node, "onSpawn", error);
    }
    const under = `${node.path}/`;
    const children = created.filter((childPath) => childPath.startsWith(under));
    if (children.length > 0) spawn.created = children;
    // The synchronizers onSpawn declared for the node take the spawn's ids in order, as Godot's do
    // while the node enters the tree. The sender includes only the synchronizers it is the authority
    // of, so fewer ids than synchronizers is normal, and each that takes an id has `from` as its
    // authority here too (as the node itself has, above); ids left over mean the two sides disagree.
    const syncs = this.syncsOf(node).slice(declaredBefore);
    if (syncIds.length > syncs.length) {
      this.host.drops.badReplication++;
      return;
    }
    try {
      syncIds.forEach((id, i) => {
        const s = syncs[i]!;
        s.netId = id;
        s.node.multiplayerAuthority = from;
        r.recvSyncs.set(id, s);
        const props = s.spawnProperties();
        const got = readCompressedVariants(p, ofs, p.length, props.length, this.host.opts());
        ofs += got.length;
        props.forEach((prop, j) => node.properties.set(prop.key, got.values[j]));
      });
    } catch {
      this.host.drops.badArguments++;
    }
  }

  receiveDespawn(from: number, p: Uint8Array): void {
    if (p.length < DESPAWN_SIZE) {
      this.host.drops.malformed++;
      return;
    }
    const netId = new DataView(p.buffer, p.byteOffset, p.byteLength).getUint32(1, true);
    const r = this.peerRepl.get(from);
    const node = r?.recvNodes.get(netId);
    if (!r || !node) {
      this.host.drops.badReplication++;
      return;
    }
    r.recvNodes.delete(netId);
    this.freeRemoteSpawn(node);
  }

  /** The spawner's onDespawn, counted and reported when it throws (a remote peer decides when it runs). */
  private callOnDespawn(spawner: MultiplayerSpawner, node: SceneNode): void {
    try {
      spawner.onDespawn?.(node);
    } catch (error) {
      this.host.drops.handlerErrors++;
      this.host.handlerError(node, "onDespawn", error);
    }
  }
}

const NO_SYNCHRONIZERS: readonly MultiplayerSynchronizer[] = [];

function listAdd<K, V>(map: Map<K, V[]>, key: K, value: V): void {
  const list = map.get(key);
  if (list) list.push(value);
  else map.set(key, [value]);
}

function listRemove<K, V>(map: Map<K, V[]>, key: K, value: V): void {
  const list = map.get(key);
  if (!list) return;
  const i = list.indexOf(value);
  if (i >= 0) list.splice(i, 1);
  if (list.length === 0) map.delete(key);
}

/** Start or stop a peer's syncs of `sync`; a peer that stops seeing it starts its deltas afresh. */
function setSyncVisible(r: PeerReplication, sync: MultiplayerSynchronizer, visible: boolean): void {
  if (visible) r.syncNodes.add(sync);
  else if (r.syncNodes.delete(sync)) r.lastWatchUsec.delete(sync);
}
