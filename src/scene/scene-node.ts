/**
 * A stand-in for one node of a Godot scene tree, at a path relative to the multiplayer
 * root (`/root`): what RPCs and replication address. It keeps the node's RPC config,
 * the functions that run when a peer calls a method, its multiplayer authority and the
 * property values synchronizers read and write.
 */
import { GodotError } from "../errors.ts";
import { checkFunction, checkInt, checkString } from "../util/args.ts";
import { Godot3RPCMode, normalizeRpcConfig, RpcConfigTable, type RpcConfig, type RpcConfigInput } from "./rpc-config.ts";

/** The function run for an incoming call; `this` is the node, the sender is multiplayer.getRemoteSenderId(). */
export type RpcHandler = (this: SceneNode, ...args: unknown[]) => void;
/** A Godot 3 `setget` setter (SceneNode.setget): runs for an rset of its property, with the value. */
export type RsetSetter = (this: SceneNode, value: unknown) => void;

/** What a node asks of the SceneMultiplayer that owns it. */
export interface SceneNodeOwner {
  rpcp(node: SceneNode, peer: number, method: string, args: unknown[], unreliable?: boolean): GodotError;
  /** Godot 3's rset (the Godot 4 protocol has none: ERR_UNAVAILABLE). */
  rsetp(node: SceneNode, peer: number, property: string, value: unknown, unreliable: boolean): GodotError;
  getUniqueId(): number;
  /** The multiplayer root's absolute path ("/root" unless rootPath was set). */
  getRootPath(): string;
}

const INT32_MAX = 0x7fffffff;

/**
 * Node paths are relative to the multiplayer root (`root`, Godot's root_path, "/root" by
 * default): with the default, "/root/Lobby/Chat" and "Lobby/Chat" name the same node.
 */
export function normalizeNodePath(path: string, name = "path", root = "/root"): string {
  checkString(path, name);
  let p = path;
  if (p === root) p = "";
  else if (p.startsWith(`${root}/`)) p = p.slice(root.length + 1);
  else if (p.startsWith("/")) throw new RangeError(`${name}: an absolute path must start with the multiplayer root ${root}, got ${JSON.stringify(path)}`);
  p = p.split("/").filter((part) => part !== "" && part !== ".").join("/");
  return p === "" ? "." : p;
}

export class SceneNode {
  /** Path relative to the multiplayer root ("." is the root itself). */
  readonly path: string;
  private readonly owner: SceneNodeOwner;
  private readonly configs = new Map<string, RpcConfig>();
  private table: RpcConfigTable | null = null;
  private readonly handlers = new Map<string, RpcHandler>();
  private readonly rsetConfigs = new Map<string, Godot3RPCMode>();
  /** Godot 3 setget setters by property, made on first use (most nodes have none). */
  private setters: Map<string, RsetSetter> | undefined;
  private authority = 1;
  /** Property values by name (what synchronizers send and receive). */
  readonly properties = new Map<string, unknown>();

  constructor(owner: SceneNodeOwner, path: string) {
    this.owner = owner;
    this.path = path;
  }

  /** Whether this stand-in was made for `owner` (a SceneMultiplayer's node owner). */
  ownedBy(owner: SceneNodeOwner): boolean {
    return this.owner === owner;
  }

  /** Godot's get_path(): the absolute path. */
  getPath(): string {
    const root = this.owner.getRootPath();
    return this.path === "." ? root : `${root}/${this.path}`;
  }

  /** Godot's Node.rpc_config: configure `method` (null removes it). Method ids follow the sorted names, as in Godot. */
  rpcConfig(method: string, config: RpcConfigInput | null): this {
    checkString(method, "method", { nonEmpty: true });
    if (config === null) this.configs.delete(method);
    else this.configs.set(method, normalizeRpcConfig(method, config));
    this.table = null;
    return this;
  }

  /** Godot's get_rpc_config: every configured method. */
  getRpcConfig(): Record<string, RpcConfig> {
    return Object.fromEntries(this.configs);
  }

  /** The id table (sorted names, MD5) the wire uses; rebuilt after a config change. */
  rpcTable(): RpcConfigTable {
    this.table ??= new RpcConfigTable(this.configs.values());
    return this.table;
  }

  /** Register the function that runs when `method` is called on this node (by a peer, or locally with callLocal). */
  on(method: string, handler: RpcHandler): this {
    checkString(method, "method", { nonEmpty: true });
    if (typeof handler !== "function") throw new TypeError("handler must be a function");
    this.handlers.set(method, handler);
    return this;
  }

  handlerFor(method: string): RpcHandler | undefined {
    return this.handlers.get(method);
  }

  /** Godot's Node.rpc: call `method` on every peer (and here with callLocal). OK or Godot's error code. */
  rpc(method: string, ...args: unknown[]): GodotError {
    return this.owner.rpcp(this, 0, method, args);
  }

  /** Godot's Node.rpc_id: call `method` on one peer (or every peer but -id). */
  rpcId(peerId: number, method: string, ...args: unknown[]): GodotError {
    checkInt(peerId, "peerId", -INT32_MAX, INT32_MAX);
    return this.owner.rpcp(this, peerId, method, args);
  }

  // ---- Godot 3 (protocol "godot3") ----

  /** Godot 3's rset_config: who may set `property` remotely (a Godot3RPCMode; DISABLED removes it). */
  rsetConfig(property: string, mode: Godot3RPCMode): this {
    checkString(property, "property", { nonEmpty: true });
    checkInt(mode, "mode", 0, 6);
    if (mode === Godot3RPCMode.RPC_MODE_DISABLED) this.rsetConfigs.delete(property);
    else this.rsetConfigs.set(property, mode);
    return this;
  }
  rsetModeOf(property: string): Godot3RPCMode {
    return this.rsetConfigs.get(property) ?? Godot3RPCMode.RPC_MODE_DISABLED;
  }
  /**
   * Godot 3's `setget` setter of `property`: an rset of it (received, or run here by a
   * `remotesync`/`mastersync`/`puppetsync` mode) calls `setter` with the value instead of storing
   * it, as Godot calls the GDScript setter; `this.set(property, value)` inside stores it, and
   * `getRemoteSenderId()` names who set it. null removes it. Other writes (`set()`) do not call it.
   */
  setget(property: string, setter: RsetSetter | null): this {
    checkString(property, "property", { nonEmpty: true });
    if (setter !== null) checkFunction(setter, "setter");
    if (setter === null) this.setters?.delete(property);
    else (this.setters ??= new Map()).set(property, setter);
    return this;
  }
  /** @internal What an rset of `property` does: its setter's call, or storing the value. */
  applyRset(property: string, value: unknown): void {
    const setter = this.setters?.get(property);
    if (setter === undefined) this.properties.set(property, value);
    else setter.call(this, value);
  }
  rpcConfigOf(method: string): RpcConfig | undefined {
    return this.configs.get(method);
  }
  /** Godot 3's rpc_unreliable. */
  rpcUnreliable(method: string, ...args: unknown[]): GodotError {
    return this.owner.rpcp(this, 0, method, args, true);
  }
  /** Godot 3's rpc_unreliable_id. */
  rpcUnreliableId(peerId: number, method: string, ...args: unknown[]): GodotError {
    checkInt(peerId, "peerId", -INT32_MAX, INT32_MAX);
    return this.owner.rpcp(this, peerId, method, args, true);
  }
  /** Godot 3's rset: set `property` on every peer (value lands in properties / get()). */
  rset(property: string, value: unknown): GodotError {
    return this.owner.rsetp(this, 0, property, value, false);
  }
  rsetId(peerId: number, property: string, value: unknown): GodotError {
    checkInt(peerId, "peerId", -INT32_MAX, INT32_MAX);
    return this.owner.rsetp(this, peerId, property, value, false);
  }
  rsetUnreliable(property: string, value: unknown): GodotError {
    return this.owner.rsetp(this, 0, property, value, true);
  }
  rsetUnreliableId(peerId: number, property: string, value: unknown): GodotError {
    checkInt(peerId, "peerId", -INT32_MAX, INT32_MAX);
    return this.owner.rsetp(this, peerId, property, value, true);
  }
  /** Godot 3's network master (the same value as multiplayerAuthority). */
  get networkMaster(): number {
    return this.authority;
  }
  set networkMaster(id: number) {
    this.multiplayerAuthority = id;
  }
  isNetworkMaster(): boolean {
    return this.isMultiplayerAuthority();
  }

  get multiplayerAuthority(): number {
    return this.authority;
  }
  set multiplayerAuthority(id: number) {
    checkInt(id, "multiplayerAuthority", 1, INT32_MAX);
    this.authority = id;
  }
  setMultiplayerAuthority(id: number): void {
    this.multiplayerAuthority = id;
  }
  getMultiplayerAuthority(): number {
    return this.authority;
  }
  isMultiplayerAuthority(): boolean {
    return this.authority === this.owner.getUniqueId();
  }

  /** Read a property a synchronizer replicates (undefined until set or received). */
  get(property: string): unknown {
    return this.properties.get(property);
  }
  /** Set a property a synchronizer replicates. */
  set(property: string, value: unknown): this {
    this.properties.set(property, value);
    return this;
  }
}
