/**
 * A node's RPC configuration as SceneRPCInterface sees it (Godot 4.6): method ids are the
 * indexes of the method names sorted by Godot's String `<` (code point order), and the
 * path cache carries the MD5 (hex) of the names concatenated in that order, so both ends
 * can tell whether they agree on the ids. Our stand-in nodes play GDScript's `@rpc`
 * (script) configs: ids without the native bit, the form a Godot client's script uses.
 */
import { md5 } from "@noble/hashes/legacy.js";
import { bytesToHex } from "@noble/hashes/utils.js";
import { checkBool, checkInt, checkOneOf } from "../util/args.ts";
import { TransferMode } from "../multiplayer/multiplayer-peer.ts";

/** MultiplayerAPI.RPCMode: Godot's names and values. */
export enum RPCMode {
  RPC_MODE_DISABLED = 0,
  RPC_MODE_ANY_PEER = 1,
  RPC_MODE_AUTHORITY = 2,
  DISABLED = 0,
  ANY_PEER = 1,
  AUTHORITY = 2,
}

/** Godot 3's MultiplayerAPI.RPCMode (the `remote`, `master`, `puppet`, `*sync` keywords): names and values of Godot 3.2. */
export enum Godot3RPCMode {
  RPC_MODE_DISABLED = 0,
  RPC_MODE_REMOTE = 1,
  RPC_MODE_MASTER = 2,
  RPC_MODE_PUPPET = 3,
  RPC_MODE_REMOTESYNC = 4,
  RPC_MODE_MASTERSYNC = 5,
  RPC_MODE_PUPPETSYNC = 6,
}

const GODOT3_WORDS = {
  remote: Godot3RPCMode.RPC_MODE_REMOTE,
  master: Godot3RPCMode.RPC_MODE_MASTER,
  puppet: Godot3RPCMode.RPC_MODE_PUPPET,
  remotesync: Godot3RPCMode.RPC_MODE_REMOTESYNC,
  mastersync: Godot3RPCMode.RPC_MODE_MASTERSYNC,
  puppetsync: Godot3RPCMode.RPC_MODE_PUPPETSYNC,
} as const;
type Godot3Word = keyof typeof GODOT3_WORDS;

/** What `Node.rpc_config(method, config)` takes (Godot's dictionary keys in camelCase; the `@rpc` annotation's words also work). */
export interface RpcConfigInput {
  /**
   * RPCMode or "authority" | "any_peer" | "disabled" (Godot 4; default authority), or for the
   * Godot 3 protocol one of Godot 3's keywords "remote" | "master" | "puppet" | "remotesync" |
   * "mastersync" | "puppetsync" (a Godot 4 mode maps to remote / puppet, +sync with callLocal).
   */
  rpcMode?: RPCMode | "authority" | "any_peer" | "disabled" | Godot3Word;
  /** TransferMode or "reliable" | "unreliable" | "unreliable_ordered" (default reliable). */
  transferMode?: TransferMode | "reliable" | "unreliable" | "unreliable_ordered";
  /** Also run the method locally when calling rpc() (default false). */
  callLocal?: boolean;
  /** Channel 0..255 (default 0). */
  channel?: number;
}

export interface RpcConfig {
  readonly name: string;
  readonly rpcMode: RPCMode;
  readonly transferMode: TransferMode;
  readonly callLocal: boolean;
  readonly channel: number;
  /** The mode under the Godot 3 protocol. */
  readonly godot3Mode: Godot3RPCMode;
}

const MODE_WORDS = { authority: RPCMode.AUTHORITY, any_peer: RPCMode.ANY_PEER, disabled: RPCMode.DISABLED } as const;
const TRANSFER_WORDS = {
  reliable: TransferMode.RELIABLE,
  unreliable: TransferMode.UNRELIABLE,
  unreliable_ordered: TransferMode.UNRELIABLE_ORDERED,
} as const;

/** Check and complete one method's config (argument errors throw naming the field). */
export function normalizeRpcConfig(name: string, input: RpcConfigInput): RpcConfig {
  if (input === null || typeof input !== "object") throw new TypeError("rpcConfig: config must be an object or null");
  let rpcMode = input.rpcMode ?? RPCMode.AUTHORITY;
  let godot3Mode: Godot3RPCMode | null = null;
  if (typeof rpcMode === "string") {
    checkOneOf(rpcMode, "rpcConfig: config.rpcMode", [...Object.keys(MODE_WORDS), ...Object.keys(GODOT3_WORDS)] as (keyof typeof MODE_WORDS | Godot3Word)[]);
    if (rpcMode in GODOT3_WORDS) {
      godot3Mode = GODOT3_WORDS[rpcMode as Godot3Word];
      rpcMode = rpcMode.startsWith("puppet") ? RPCMode.AUTHORITY : RPCMode.ANY_PEER;
    } else {
      rpcMode = MODE_WORDS[rpcMode as keyof typeof MODE_WORDS];
    }
  }
  checkInt(rpcMode, "rpcConfig: config.rpcMode", 0, 2);
  let transferMode = input.transferMode ?? TransferMode.RELIABLE;
  if (typeof transferMode === "string") {
    checkOneOf(transferMode, "rpcConfig: config.transferMode", Object.keys(TRANSFER_WORDS) as (keyof typeof TRANSFER_WORDS)[]);
    transferMode = TRANSFER_WORDS[transferMode];
  }
  checkInt(transferMode, "rpcConfig: config.transferMode", 0, 2);
  const callLocal = input.callLocal ?? false;
  checkBool(callLocal, "rpcConfig: config.callLocal");
  const channel = input.channel ?? 0;
  checkInt(channel, "rpcConfig: config.channel", 0, 255);
  godot3Mode ??=
    rpcMode === RPCMode.DISABLED
      ? Godot3RPCMode.RPC_MODE_DISABLED
      : rpcMode === RPCMode.ANY_PEER
        ? callLocal ? Godot3RPCMode.RPC_MODE_REMOTESYNC : Godot3RPCMode.RPC_MODE_REMOTE
        : callLocal ? Godot3RPCMode.RPC_MODE_PUPPETSYNC : Godot3RPCMode.RPC_MODE_PUPPET;
  return { name, rpcMode, transferMode, callLocal, channel, godot3Mode };
}

/** Godot's String `<`: code point by code point (JS `<` compares UTF-16 units, which differs past U+FFFF). */
export function compareGodotStrings(a: string, b: string): number {
  const ai = a[Symbol.iterator]();
  const bi = b[Symbol.iterator]();
  for (;;) {
    const x = ai.next();
    const y = bi.next();
    if (x.done || y.done) return x.done && y.done ? 0 : x.done ? -1 : 1;
    const cx = x.value.codePointAt(0) ?? 0;
    const cy = y.value.codePointAt(0) ?? 0;
    if (cx !== cy) return cx - cy;
  }
}

/** The id table of one node: configs by method id, ids by name, the MD5 both ends compare. */
export class RpcConfigTable {
  readonly byId: readonly RpcConfig[];
  readonly ids: ReadonlyMap<string, number>;
  readonly md5: string;

  constructor(configs: Iterable<RpcConfig>) {
    const sorted = [...configs].sort((a, b) => compareGodotStrings(a.name, b.name));
    this.byId = sorted;
    this.ids = new Map(sorted.map((c, i) => [c.name, i]));
    this.md5 = bytesToHex(md5(new TextEncoder().encode(sorted.map((c) => c.name).join(""))));
  }
}
