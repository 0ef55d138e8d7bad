/**
 * Replication stand-ins (MultiplayerSpawner, MultiplayerSynchronizer, SceneReplicationConfig)
 * and the SPAWN / DESPAWN / SYNC packet layouts of SceneReplicationInterface (Godot 4.6):
 *
 *   SPAWN    u8 cmd, u8 scene id (255 = custom), u32 spawner path id, u32 net id,
 *            u32 sync count, u32 name length (with NUL), u32 sync net ids..., name + NUL,
 *            [custom: u32 arg size, compressed Variant], spawn state (compressed Variants)
 *   DESPAWN  u8 cmd, u32 net id
 *   SYNC     u8 cmd, u16 network time, then (u32 net id, u32 size, compressed Variants)...
 *   delta    u8 cmd|0x10, then (u32 net id, u64 changed-property bits, u32 size, Variants)...
 */
import { checkBool, checkFunction, checkInt, checkNumber, checkString } from "../util/args.ts";
import { VariantWriter } from "../variant/index.ts";
import { writeCompressedVariant, writeCompressedVariants, type CompressOptions } from "./compressed-variant.ts";
import { CUSTOM_SPAWN_SCENE_ID, NetworkCommand, SYNC_DELTA_FLAG } from "./protocol.ts";
import type { SceneNode } from "./scene-node.ts";
import { sameBytes } from "../util/same-bytes.ts";

/** SceneReplicationConfig.ReplicationMode: Godot's names and values. */
export enum ReplicationMode {
  REPLICATION_MODE_NEVER = 0,
  REPLICATION_MODE_ALWAYS = 1,
  REPLICATION_MODE_ON_CHANGE = 2,
  NEVER = 0,
  ALWAYS = 1,
  ON_CHANGE = 2,
}

/** MultiplayerSynchronizer.VisibilityUpdateMode: when visibility filters are re-run (Godot's names and values). */
export enum VisibilityUpdateMode {
  /** Every poll of the SceneMultiplayer (Godot: every idle frame). */
  VISIBILITY_PROCESS_IDLE = 0,
  /** Also every poll here: a SceneMultiplayer has no physics frames of its own. */
  VISIBILITY_PROCESS_PHYSICS = 1,
  /** Only when updateVisibility() is called. */
  VISIBILITY_PROCESS_NONE = 2,
  IDLE = 0,
  PHYSICS = 1,
  NONE = 2,
}

/**
 * Godot's visibility filter callable: called with a peer id (0 asks about every peer at once)
 * on the synchronizer's authority; the synchronizer is visible to a peer only when every filter
 * returns true. A filter that throws or returns a non-boolean counts as false (Godot: an error
 * and false), reported as an `rpc_error` event and counted in `handlerErrors`.
 */
export type VisibilityFilter = (peer: number) => boolean;

/** One property of a SceneReplicationConfig, in the order the Godot scene's config lists it. */
export interface ReplicatedPropertyInput {
  /** Godot's property path relative to the synchronizer's root: ".:position", ":score", "Sprite:modulate". */
  path: string;
  /** Sent with the spawn (default true, as add_property). */
  spawn?: boolean;
  /** ALWAYS (default, as add_property), ON_CHANGE (delta) or NEVER. */
  replicationMode?: ReplicationMode;
}

export interface ReplicatedProperty {
  readonly path: string;
  /** The key in SceneNode.properties: the property name for the root itself (".:position" -> "position"). */
  readonly key: string;
  readonly spawn: boolean;
  readonly replicationMode: ReplicationMode;
}

export interface SynchronizerOptions {
  properties: ReplicatedPropertyInput[];
  /** Seconds between full syncs (0 = every poll, Godot's default). */
  replicationInterval?: number;
  /** Seconds between delta checks (0 = every poll). */
  deltaInterval?: number;
  /** Godot's public_visibility (default true). */
  publicVisibility?: boolean;
  /** Peers it is visible to while not public (Godot's set_visibility_for). */
  visibleTo?: number[];
  /** Godot's add_visibility_filter, for each filter given. */
  visibilityFilters?: VisibilityFilter[];
  /** When the filters are re-run (default VISIBILITY_PROCESS_IDLE: every poll). */
  visibilityUpdateMode?: VisibilityUpdateMode;
  /**
   * Godot's visibility_changed signal: `forPeer` is the peer whose visibility was updated, 0 for
   * every peer. Emitted on the authority only, after replication has applied the change.
   */
  onVisibilityChanged?: (forPeer: number) => void;
  /** Godot's synchronized signal: a full sync from the remote authority was applied to the root node. */
  onSynchronized?: () => void;
  /** Godot's delta_synchronized signal: a delta from the remote authority was applied. */
  onDeltaSynchronized?: () => void;
}

/** What the replicator listens to on a synchronizer (internal). */
export interface SynchronizerVisibilityHooks {
  /** update_visibility(forPeer) was called. */
  updated(forPeer: number): void;
  /** A visibility filter threw or returned a non-boolean. */
  filterFailed(error: unknown): void;
}

/** Most properties one config may hold: delta packets name changed properties in a 64-bit mask. */
export const MAX_REPLICATED_PROPERTIES = 64;

function propertyKey(path: string): string {
  if (path.startsWith(".:")) return path.slice(2);
  if (path.startsWith(":")) return path.slice(1);
  return path;
}

/** A MultiplayerSynchronizer: `node` is the synchronizer's own node (its path is what the path cache names), `root` the node whose properties it replicates. */
export class MultiplayerSynchronizer {
  static readonly VISIBILITY_PROCESS_IDLE = VisibilityUpdateMode.VISIBILITY_PROCESS_IDLE;
  static readonly VISIBILITY_PROCESS_PHYSICS = VisibilityUpdateMode.VISIBILITY_PROCESS_PHYSICS;
  static readonly VISIBILITY_PROCESS_NONE = VisibilityUpdateMode.VISIBILITY_PROCESS_NONE;
  readonly node: SceneNode;
  readonly root: SceneNode;
  readonly properties: readonly ReplicatedProperty[];
  replicationInterval: number;
  deltaInterval: number;
  /** Godot's net id: 0 until assigned; a path-based id has bit 31 set. */
  netId = 0;
  lastSyncUsec = 0;
  lastInboundSync = 0;
  syncStarted = false;
  lastWatchUsec = -1;
  /** Per ON_CHANGE property: the last value's encoding and when it changed. */
  readonly watchers: { bytes: Uint8Array | null; changedUsec: number }[];

  constructor(node: SceneNode, root: SceneNode, options: SynchronizerOptions) {
    this.node = node;
    this.root = root;
    if (options === null || typeof options !== "object" || !Array.isArray(options.properties)) {
      throw new TypeError("synchronizer: options.properties must be an array");
    }
    if (options.properties.length > MAX_REPLICATED_PROPERTIES) {
      throw new RangeError(`synchronizer: options.properties holds at most ${MAX_REPLICATED_PROPERTIES} properties`);
    }
    this.properties = options.properties.map((p, i) => {
      checkString(p?.path, `synchronizer: options.properties[${i}].path`, { nonEmpty: true });
      const spawn = p.spawn ?? true;
      checkBool(spawn, `synchronizer: options.properties[${i}].spawn`);
      const replicationMode = p.replicationMode ?? ReplicationMode.ALWAYS;
      checkInt(replicationMode, `synchronizer: options.properties[${i}].replicationMode`, 0, 2);
      return { path: p.path, key: propertyKey(p.path), spawn, replicationMode };
    });
    this.replicationInterval = options.replicationInterval ?? 0;
    checkNumber(this.replicationInterval, "synchronizer: options.replicationInterval", 0);
    this.deltaInterval = options.deltaInterval ?? 0;
    checkNumber(this.deltaInterval, "synchronizer: options.deltaInterval", 0);
    this.spawnProps = this.properties.filter((p) => p.spawn);
    this.syncProps = this.properties.filter((p) => p.replicationMode === ReplicationMode.ALWAYS);
    this.watchProps = this.properties.filter((p) => p.replicationMode === ReplicationMode.ON_CHANGE);
    this.watchers = this.watchProps.map(() => ({ bytes: null, changedUsec: 0 }));
    const publicVisibility = options.publicVisibility ?? true;
    checkBool(publicVisibility, "synchronizer: options.publicVisibility");
    this.publicVisible = publicVisibility;
    for (const [i, peer] of (options.visibleTo ?? []).entries()) {
      checkInt(peer, `synchronizer: options.visibleTo[${i}]`, 1, 0x7fffffff);
      this.visibleTo.add(peer);
    }
    if (options.visibilityFilters !== undefined && !Array.isArray(options.visibilityFilters)) {
      throw new TypeError("synchronizer: options.visibilityFilters must be an array of functions");
    }
    for (const [i, filter] of (options.visibilityFilters ?? []).entries()) {
      checkFunction(filter, `synchronizer: options.visibilityFilters[${i}]`);
      this.filters.add(filter);
    }
    const mode = options.visibilityUpdateMode ?? VisibilityUpdateMode.VISIBILITY_PROCESS_IDLE;
    checkInt(mode, "synchronizer: options.visibilityUpdateMode", 0, 2);
    this.updateMode = mode;
    for (const name of ["onVisibilityChanged", "onSynchronized", "onDeltaSynchronized"] as const) checkFunction(options[name], `synchronizer: options.${name}`, { optional: true });
    this.onVisibilityChanged = options.onVisibilityChanged;
    this.onSynchronized = options.onSynchronized;
    this.onDeltaSynchronized = options.onDeltaSynchronized;
  }

  // The config never changes, so its three views are made once (they are read per peer on every poll).
  private readonly spawnProps: readonly ReplicatedProperty[];
  private readonly syncProps: readonly ReplicatedProperty[];
  private readonly watchProps: readonly ReplicatedProperty[];

  spawnProperties(): readonly ReplicatedProperty[] {
    return this.spawnProps;
  }
  syncProperties(): readonly ReplicatedProperty[] {
    return this.syncProps;
  }
  watchProperties(): readonly ReplicatedProperty[] {
    return this.watchProps;
  }

  /** The ON_CHANGE properties a delta's index bits name. */
  deltaProperties(indexes: bigint): ReplicatedProperty[] {
    return this.watchProperties().filter((_, i) => (indexes & (1n << BigInt(i))) !== 0n);
  }

  values(props: readonly ReplicatedProperty[]): unknown[] {
    return props.map((p) => this.root.properties.get(p.key) ?? null);
  }

  /** Godot's update_outbound_sync_time. */
  takeSyncSlot(usec: number): boolean {
    if (this.lastSyncUsec === usec) return true;
    if (usec < this.lastSyncUsec + this.replicationInterval * 1e6) return false;
    this.lastSyncUsec = usec;
    return true;
  }

  /** Godot's update_inbound_sync_time: false for a state older than the last one applied. */
  acceptSyncTime(time: number): boolean {
    if (!this.syncStarted) this.syncStarted = true;
    else if (time <= this.lastInboundSync && this.lastInboundSync - time < 32767) return false;
    this.lastInboundSync = time;
    return true;
  }

  /**
   * Godot's get_delta_state: changed ON_CHANGE values since `lastUsec` and their index bits.
   * `scratch` is a writer the caller lends for encoding the values (its contents are not kept).
   */
  deltaState(usec: number, lastUsec: number, opts: CompressOptions, scratch: VariantWriter): { values: unknown[]; indexes: bigint } {
    if (this.lastWatchUsec !== usec) {
      if (usec < lastUsec + this.deltaInterval * 1e6) return { values: [], indexes: 0n };
      const props = this.watchProperties();
      for (let i = 0; i < props.length; i++) {
        scratch.reset();
        writeCompressedVariant(scratch, this.root.properties.get(props[i]!.key) ?? null, opts);
        const watcher = this.watchers[i]!;
        // Compared in place; copied only when it changed.
        if (watcher.bytes === null || !sameBytes(watcher.bytes, scratch.written())) {
          watcher.bytes = scratch.toBytes();
          watcher.changedUsec = usec;
        }
      }
      this.lastWatchUsec = usec;
    }
    const values: unknown[] = [];
    let indexes = 0n;
    const props = this.watchProperties();
    this.watchers.forEach((w, i) => {
      const p = props[i];
      if (!p || w.changedUsec <= lastUsec) return;
      values.push(this.root.properties.get(p.key) ?? null);
      indexes |= 1n << BigInt(i);
    });
    return { values, indexes };
  }

  // ---- visibility (Godot's public_visibility, set_visibility_for, visibility filters) ----

  private publicVisible = true;
  private readonly visibleTo = new Set<number>();
  private readonly filters = new Set<VisibilityFilter>();
  private updateMode: VisibilityUpdateMode;
  /** Godot's visibility_changed signal (see SynchronizerOptions.onVisibilityChanged). */
  readonly onVisibilityChanged: ((forPeer: number) => void) | undefined;
  /** Godot's synchronized signal (see SynchronizerOptions.onSynchronized). */
  readonly onSynchronized: (() => void) | undefined;
  /** Godot's delta_synchronized signal (see SynchronizerOptions.onDeltaSynchronized). */
  readonly onDeltaSynchronized: (() => void) | undefined;
  /** @internal Set by the replicator that owns this synchronizer. */
  visibilityHooks: SynchronizerVisibilityHooks | null = null;

  /** Godot's public_visibility (default true): visible to every peer. */
  get publicVisibility(): boolean {
    return this.publicVisible;
  }
  set publicVisibility(visible: boolean) {
    checkBool(visible, "publicVisibility");
    this.setVisibilityFor(0, visible);
  }
  /** Godot's set_visibility_for: show or hide the node to one peer (0: to every peer, the same as publicVisibility). */
  setVisibilityFor(peer: number, visible: boolean): void {
    checkInt(peer, "peer", 0, 0x7fffffff);
    checkBool(visible, "visible");
    if (this.getVisibilityFor(peer) === visible) return;
    if (peer === 0) this.publicVisible = visible;
    else if (visible) this.visibleTo.add(peer);
    else this.visibleTo.delete(peer);
    this.updateVisibility(peer);
  }
  /** Godot's get_visibility_for: what setVisibilityFor set (filters aside; 0 is publicVisibility). */
  getVisibilityFor(peer: number): boolean {
    return peer === 0 ? this.publicVisible : this.visibleTo.has(peer);
  }
  /** Godot's add_visibility_filter (a filter added twice is kept once). */
  addVisibilityFilter(filter: VisibilityFilter): void {
    checkFunction(filter, "filter");
    this.filters.add(filter);
  }
  /** Godot's remove_visibility_filter. */
  removeVisibilityFilter(filter: VisibilityFilter): void {
    this.filters.delete(filter);
  }
  /** True while any visibility filter is set. */
  hasVisibilityFilters(): boolean {
    return this.filters.size > 0;
  }
  /** Godot's visibility_update_mode. */
  get visibilityUpdateMode(): VisibilityUpdateMode {
    return this.updateMode;
  }
  set visibilityUpdateMode(mode: VisibilityUpdateMode) {
    checkInt(mode, "visibilityUpdateMode", 0, 2);
    this.updateMode = mode;
  }
  /**
   * Godot's update_visibility: re-check visibility for `forPeer` (0: every peer), spawning or
   * despawning the root node and starting or stopping its syncs where it changed. Does nothing
   * unless this peer is the synchronizer's authority.
   */
  updateVisibility(forPeer = 0): void {
    checkInt(forPeer, "forPeer", 0, 0x7fffffff);
    this.visibilityHooks?.updated(forPeer);
  }
  /** Godot's is_visible_to: every filter says yes, and the node is public or shown to `peer`. */
  isVisibleTo(peer: number): boolean {
    for (const filter of this.filters) {
      let visible: unknown;
      try {
        visible = filter(peer);
      } catch (error) {
        this.visibilityHooks?.filterFailed(error);
        return false;
      }
      if (typeof visible !== "boolean") {
        this.visibilityHooks?.filterFailed(new TypeError(`a visibility filter returned ${typeof visible}, not a boolean`));
        return false;
      }
      if (!visible) return false;
    }
    return this.publicVisible || this.visibleTo.has(peer);
  }

  reset(): void {
    this.netId = 0;
    this.lastSyncUsec = 0;
    this.lastInboundSync = 0;
    this.syncStarted = false;
    this.lastWatchUsec = -1;
    for (const w of this.watchers) {
      w.bytes = null;
      w.changedUsec = 0;
    }
  }
}

export interface SpawnerOptions {
  /** Where spawned nodes go, relative to the spawner (Godot's spawn_path; default ".." = the spawner's parent). */
  spawnPath?: string;
  /**
   * Receiving side: called for each node a remote authority spawns (after the node exists,
   * before its spawn state is applied): declare its synchronizers here, in the order the
   * Godot scene adds them. `sceneId` is the index in the spawnable scenes, or
   * CUSTOM_SPAWN_SCENE_ID with `data` for a custom spawn.
   */
  onSpawn?: (node: SceneNode, sceneId: number, data: unknown) => void;
  /**
   * Receiving side: called when a remote authority despawns a node, and when a node a remote
   * authority spawned is freed because that authority left, the session ended, or a remotely
   * spawned node above it went (Godot frees it then without its despawned signal). The nodes
   * nested under a node that goes get theirs first, as their Godot nodes leave the tree first.
   */
  onDespawn?: (node: SceneNode) => void;
  /**
   * Godot's spawn_limit: most nodes this spawner may have spawned at once, counting ours and a
   * remote authority's (0, the default: no limit). Over it, spawn() throws and a received spawn
   * is dropped and counted in `badReplication`.
   */
  spawnLimit?: number;
}

/** A MultiplayerSpawner: `node` is the spawner's own node (the path cache names it). */
export class MultiplayerSpawner {
  readonly node: SceneNode;
  readonly spawnPath: string;
  readonly onSpawn: SpawnerOptions["onSpawn"];
  readonly onDespawn: SpawnerOptions["onDespawn"];

  constructor(node: SceneNode, options: SpawnerOptions = {}) {
    this.node = node;
    const spawnPath = options.spawnPath ?? "..";
    checkString(spawnPath, "spawner: options.spawnPath");
    this.spawnPath = spawnPath;
    checkFunction(options.onSpawn, "spawner: options.onSpawn", { optional: true });
    checkFunction(options.onDespawn, "spawner: options.onDespawn", { optional: true });
    this.onSpawn = options.onSpawn;
    this.onDespawn = options.onDespawn;
    this.spawnLimit = options.spawnLimit ?? 0;
  }

  private limit = 0;
  /** @internal Nodes this spawner has spawned that are still there (Godot's tracked_nodes), kept by the replicator. */
  trackedCount = 0;

  /** Godot's spawn_limit (0: no limit); see SpawnerOptions.spawnLimit. */
  get spawnLimit(): number {
    return this.limit;
  }
  set spawnLimit(limit: number) {
    checkInt(limit, "spawnLimit", 0, 0x7fffffff);
    this.limit = limit;
  }

  /** True when spawnLimit allows no more nodes. */
  isFull(): boolean {
    return this.limit !== 0 && this.trackedCount >= this.limit;
  }

  /** The path (relative to the root) of the parent spawned nodes get. */
  parentPath(): string {
    const parts = this.node.path === "." ? [] : this.node.path.split("/");
    for (const part of this.spawnPath.split("/")) {
      if (part === "" || part === ".") continue;
      if (part === "..") parts.pop();
      else parts.push(part);
    }
    return parts.length ? parts.join("/") : ".";
  }
}

/** One node we spawned (authority side). */
export interface SpawnedNode {
  readonly node: SceneNode;
  readonly spawner: MultiplayerSpawner;
  readonly sceneId: number;
  readonly data: unknown;
  netId: number;
  /** Peers it was spawned on. */
  readonly peers: Set<number>;
  /** The synchronizers spawn() declared for it (options.synchronizers): they go when it is despawned. */
  readonly syncs: readonly MultiplayerSynchronizer[];
}

export function spawnPacket(w: VariantWriter, spawn: SpawnedNode, spawnerPathId: number, syncs: MultiplayerSynchronizer[], opts: CompressOptions): Uint8Array {
  const name = new TextEncoder().encode(spawn.node.path.slice(spawn.node.path.lastIndexOf("/") + 1));
  w.reset();
  w.u8(NetworkCommand.SPAWN);
  w.u8(spawn.sceneId);
  w.u32(spawnerPathId);
  w.u32(spawn.netId);
  w.u32(syncs.length);
  w.u32(name.length + 1);
  for (const s of syncs) w.u32(s.netId);
  w.raw(name);
  w.u8(0);
  if (spawn.sceneId === CUSTOM_SPAWN_SCENE_ID) {
    const sizeAt = w.length;
    w.u32(0);
    writeCompressedVariant(w, spawn.data ?? null, { allowObjects: false });
    w.view.setUint32(sizeAt, w.length - sizeAt - 4, true);
  }
  for (const s of syncs) writeCompressedVariants(w, s.values(s.spawnProperties()), opts);
  return w.toBytes();
}

export function despawnPacket(netId: number): Uint8Array {
  const out = new Uint8Array(5);
  out[0] = NetworkCommand.DESPAWN;
  new DataView(out.buffer).setUint32(1, netId, true);
  return out;
}

export { SYNC_DELTA_FLAG };
