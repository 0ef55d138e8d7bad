/**
 * The SceneMultiplayer hostile-input scenario shared by the suite's seeded slice
 * (scene-hostile-memory.test.ts) and the long run (`npm run fuzz:scene`, fuzz-run.ts), for the
 * Godot 4 protocol and for Godot 3's MultiplayerAPI.
 *
 * A TS server holds live state hostile input can reach: authentication (Godot 4), nodes with RPC
 * configs of every mode, spawners whose onSpawn declares synchronizers (ALWAYS and ON_CHANGE
 * properties), a visibility filter, an existing synchronized node, the server relay. One honest
 * client keeps a session going the whole time: it calls a numbered RPC every step and receives
 * the server's replication (Godot 3: RPCs and rsets), including short-lived uniquely named shots
 * the server spawns and frees with freeNode. Two hostile clients attack it:
 * - the insider is a real SceneMultiplayer that authenticates and acts honestly (RPCs of every
 *   argument shape, raw bytes, relays, spawns (also nested under its earlier ones, through the
 *   spawner the server's onSpawn declares in each), despawns or frees (freeNode, which takes what
 *   is nested under the node along), syncs and deltas as authority); every
 *   packet it puts on the wire is captured as a seed, and some are mutated on their way out;
 * - both the insider and the stranger (Godot 4: a client that never completes authentication)
 *   send, many per virtual-clock step, random bytes and mutations of the captured packets: bits
 *   flipped, bytes set, cut short, extended, spliced, structure fields (ids, counts, lengths,
 *   offsets) set to extremes, RPC id widths re-encoded, packets wrapped in relays; plus crafted
 *   packets that fill the path cache and the spawn tables with fresh ids. Under Godot 3 the
 *   WebSocket framing header (type, source, target) is damaged too.
 * Everyone talks over WebSocketMultiplayerPeer or ENetMultiplayerPeer (`transport`); over ENet the
 * hostile clients also write straight onto ENet channels (system and user ones, every delivery
 * flag), and the honest client has fewer channels than they do. The insider reconnects now and
 * then (its per-peer state must go), the stranger whenever the server drops it.
 *
 * With `victim: "client"` the roles turn: the server is the attacker (its own traffic damaged on
 * the way out, plus random, mutated and crafted packets and peer-list messages for the honest
 * client), and the honest client's receive path is checked by the same rules (its own calls must
 * still reach the server; what the server tells it is no longer checked for truth). Half of the
 * long runs decode whole objects (`allowObjects`). Returns what happened and every broken rule;
 * callers assert.
 *
 * Rules checked:
 * - nothing throws out of any poll() (server, honest client, hostile clients), nor out of the
 *   attackers' own sends;
 * - every handler error the attacked side counts (handlerErrors, rpc_error events) is one our own
 *   handlers threw on purpose for input they refuse: nothing else threw inside the library;
 * - the honest client stays connected, and its RPCs arrive at the server all, in order, intact;
 * - against hostile clients, the honest client's replication and the server's numbered calls
 *   (Godot 3: calls and rsets) arrive in order and end equal to the server's values;
 * - no received packet is left unread after a poll(); drop counters grew;
 * - on the attacked side, path-cache ids per remote peer stay within MAX_REMOTE_PATHS_PER_PEER
 *   (Godot 3: and their text within MAX_REMOTE_PATH_CHARS_PER_PEER), nodes a remote authority
 *   spawned within MAX_REMOTE_SPAWNS_PER_PEER and the spawner's spawnLimit, the peer list within
 *   MAX_KNOWN_REMOTE_PEERS, and the node registry, the spawners and the synchronizers within the
 *   declared ones plus what the live remote spawns brought;
 * - (Godot 4) the server's registry holds only its live shots, and against hostile clients the
 *   honest client saw each shot spawn once and each freed one go once.
 */
import { ConnectionStatus, MAX_KNOWN_REMOTE_PEERS, TransferMode, type MultiplayerDropCounters } from "../../src/multiplayer/multiplayer-peer.ts";
import { ENetMultiplayerPeer, WebSocketMultiplayerPeer } from "../../src/multiplayer/index.ts";
import { PacketFlags } from "../../src/enet/enums.ts";
import { Godot3RPCMode, ReplicationMode, SceneMultiplayer, SceneMultiplayerEvent, type MultiplayerSpawner, type SceneDropCounters, type SceneNode } from "../../src/scene/index.ts";
import { MAX_REMOTE_PATH_CHARS_PER_PEER } from "../../src/scene/godot3-session.ts";
import { MAX_REMOTE_PATHS_PER_PEER } from "../../src/scene/path-cache.ts";
import { MAX_REMOTE_SPAWNS_PER_PEER } from "../../src/scene/replicator.ts";
import { Color, EncodedObjectAsID, Float, GodotObject, NodePath, PackedStringArray, StringName, Vector2, Vector3i } from "../../src/variant/index.ts";
import { MemoryNetwork } from "../../src/transport/memory.ts";
import { SeededRandom } from "../../src/util/prng.ts";
import { SERVER } from "./support.ts";

export type SceneProtocol = "godot4" | "godot3";
/** The MultiplayerPeer under every SceneMultiplayer of the run. */
export type SceneTransport = "websocket" | "enet";

export interface SceneFuzzOptions {
  protocol: SceneProtocol;
  /** WebSocket (default; reliable, ordered) or ENet (channels, unreliable modes, system channels). */
  transport?: SceneTransport;
  /**
   * Whose receive path is attacked: "server" (default; the hostile clients attack the server) or
   * "client" (the server turns hostile: its traffic to the honest client is damaged on the way
   * out, and it sends the honest client random, mutated and crafted packets, peer-list messages
   * included; the insider still acts, so relayed traffic is part of what the server damages).
   */
  victim?: "server" | "client";
  seed: number;
  /** Hostile packets to put on the wire (the insider's mutated own traffic comes on top). */
  packets: number;
  /** Hostile packets per virtual-clock step (2 ms). */
  perStep?: number;
  /** Decode whole objects in arguments and state on every side (Godot's allow_object_decoding; default false). */
  allowObjects?: boolean;
  /** The insider reconnects after this many hostile packets (its per-peer state must be freed). */
  reconnectEvery?: number;
  /** Called about every `progressEvery` hostile packets (heap readings, progress lines). */
  onProgress?: (p: SceneFuzzProgress) => void;
  progressEvery?: number;
}

export interface SceneFuzzProgress {
  packets: number;
  honestCalls: number;
  drops: number;
  failures: number;
}

export interface SceneFuzzResult {
  protocol: SceneProtocol;
  transport: SceneTransport;
  victim: "server" | "client";
  seed: number;
  /** Hostile packets the clients' peers accepted for sending. */
  packets: number;
  /** Hostile packets by how they were made. */
  byGenerator: Record<string, number>;
  /** Message kinds captured from the honest traffic of the TS clients, with counts. */
  captured: Record<string, number>;
  honestCalls: number;
  honestDelivered: number;
  /** Replication (Godot 4) or server RPCs and rsets (Godot 3) the honest client applied. */
  honestUpdates: number;
  reconnects: number;
  /** Nodes freed with freeNode (Godot 4): the server's shots, and the insider's spawns. */
  freed: { shots: number; insider: number };
  /** Throws our own handlers made on purpose on the attacked side (its handlerErrors must equal it). */
  handlerThrows: number;
  /** The attacked side's drop counters, and its MultiplayerPeer's. */
  drops: SceneDropCounters;
  peerDrops: MultiplayerDropCounters;
  /** Largest number of path-cache ids one remote peer held on the attacked side, and of live nodes remote authorities spawned there. */
  maxRemotePaths: number;
  maxRemoteSpawns: number;
  /** Largest node count of the attacked side's registry, and the most peers it listed. */
  maxNodes: number;
  maxPeers: number;
  virtualSeconds: number;
  failures: string[];
}

const TOKEN = new TextEncoder().encode("let me in");
const WELCOME = new TextEncoder().encode("welcome");
/** How many nodes the limited spawner may have at once. */
const LIMITED_SPAWNS = 16;
/** The server's short-lived shots (Godot 4): uniquely named, spawned and freed with freeNode; at most SHOTS_ALIVE at once. */
const SHOT_PREFIX = "Level/Bots/Shot";
const SHOTS_ALIVE = 2;
const STEP_MS = 2;

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** The bytes the honest client's call number `n` carries. */
function honestPayload(n: number): Uint8Array {
  const out = new Uint8Array(n % 23);
  for (let i = 0; i < out.length; i++) out[i] = (n * 7 + i) & 0xff;
  return out;
}

/** Argument lists of every compressed-Variant shape: none, lone bytes (the raw form), bools, ints of each width, floats, and ordinary Variants. */
function argumentShapes(rng: SeededRandom, protocol: SceneProtocol, allowObjects: boolean): unknown[][] {
  const bytes = new Uint8Array(rng.nextInt(40)).map(() => rng.nextInt(256));
  const shapes: unknown[][] = [
    [],
    [bytes],
    [true, false],
    [rng.nextInt(200) - 100],
    [30000 - rng.nextInt(60000)],
    [2_000_000_000 - rng.nextInt(4_000_000)],
    [1n << 40n, -(1n << 62n)],
    [rng.nextFloat(), new Float(2)],
    ["text " + rng.nextInt(1000), null],
    [new Vector2(rng.nextFloat(), 3), new Color(0.1, 0.2, 0.3, 1)],
    [[1, "two", [3]], { key: "value", n: rng.nextInt(9) }],
    [bytes, bytes],
  ];
  if (protocol === "godot4") shapes.push([new StringName("name"), new NodePath("Level/World"), new Vector3i(1, -2, 3), new PackedStringArray(["a", "b"])]);
  shapes.push([new EncodedObjectAsID(BigInt(1 + rng.nextInt(1000)))]);
  if (allowObjects) shapes.push([new GodotObject("Node2D", { position: new Vector2(1, 2), name: "thing", inner: [new GodotObject("Resource", { n: 1 })] })]);
  return shapes;
}

/** The message kind of a packet as the session parses it (the capture pools are per kind). */
function kindOf(protocol: SceneProtocol, p: Uint8Array): string {
  if (p.length === 0) return "empty";
  if (protocol === "godot3") {
    const names = ["call", "set", "simplify", "confirm", "raw"];
    const name = names[p[0]!] ?? "unknown";
    if ((name === "call" || name === "set") && p.length >= 5 && p[4]! & 0x80) return `${name}/path`;
    return name;
  }
  const cmd = p[0]! & 7;
  switch (cmd) {
    case 0: {
      const width = ["id8", "id16", "id32"][(p[0]! >> 4) & 3] ?? "bad";
      const pathForm = width === "id32" && p.length >= 5 && p[4]! & 0x80 ? "/path" : "";
      return `rpc/${width}${pathForm}${p[0]! & 0x80 ? "/bytes-or-none" : "/args"}`;
    }
    case 7:
      return `sys/${["auth", "add", "del", "relay"][p[1] ?? 9] ?? "other"}`;
    case 6:
      return p[0]! & 0x10 ? "delta" : "sync";
    default:
      return ["rpc", "simplify", "confirm", "raw", "spawn", "despawn", "sync", "sys"][cmd]!;
  }
}

/** Values a length, count, id or offset field is set to: the edges of each width and of the packet. */
function extremeFor(rng: SeededRandom, packetLength: number): number {
  const picks = [0, 1, 2, 0x7f, 0x80, 0xff, 0x100, 0xffff, 0x10000, 0x7fffffff, 0x80000000, 0xffffffff, packetLength, packetLength - 1, packetLength + 1, MAX_REMOTE_PATHS_PER_PEER, rng.nextU32()];
  return picks[rng.nextInt(picks.length)]! >>> 0;
}

/**
 * Offsets of the structure fields of a packet (u32 unless noted by a width of 1 or 2), as the
 * receiver parses them: where a count, length, id or offset set to an extreme hits a check.
 */
function fieldsOf(protocol: SceneProtocol, p: Uint8Array): [offset: number, width: 1 | 2 | 4][] {
  const f: [number, 1 | 2 | 4][] = [];
  if (p.length === 0) return f;
  if (protocol === "godot3") {
    if (p[0]! <= 1) {
      f.push([1, 4]);
      let end = 5;
      while (end < p.length && p[end] !== 0) end++;
      f.push([end + 1, 1]); // argument count (calls)
      for (let at = end + 1; at + 4 <= p.length && f.length < 12; at += 4) f.push([at, 4]); // Variant headers and lengths
    } else if (p[0] === 2) f.push([1, 4]);
    return f;
  }
  const view = new DataView(p.buffer, p.byteOffset, p.byteLength);
  switch (p[0]! & 7) {
    case 0: {
      const nodeWidth = [1, 2, 4][(p[0]! >> 4) & 3] ?? 4;
      f.push([1, nodeWidth as 1 | 2 | 4], [1 + nodeWidth, p[0]! & 0x40 ? 2 : 1], [1 + nodeWidth + (p[0]! & 0x40 ? 2 : 1), 1]);
      for (let at = 3 + nodeWidth; at < p.length && f.length < 10; at += 1 + (p[at]! & 0xc0 ? 4 : 1)) f.push([at, 1]); // argument meta bytes
      break;
    }
    case 1:
      f.push([34, 4]);
      break;
    case 2:
      f.push([1, 1], [2, 4]);
      break;
    case 4: {
      f.push([1, 1], [2, 4], [6, 4], [10, 4], [14, 4]);
      if (p.length >= 18) {
        const syncs = view.getUint32(10, true);
        const nameLen = view.getUint32(14, true);
        for (let i = 0; i < Math.min(syncs, 4); i++) f.push([18 + 4 * i, 4]);
        const after = 18 + 4 * syncs + nameLen;
        if (syncs < 64 && nameLen < 256) f.push([after, 4], [after + 4, 1]);
      }
      break;
    }
    case 5:
      f.push([1, 4]);
      break;
    case 6: {
      const delta = (p[0]! & 0x10) !== 0;
      let at = delta ? 1 : 3;
      if (!delta) f.push([1, 2]);
      const header = delta ? 16 : 8;
      while (at + header <= p.length && f.length < 12) {
        f.push([at, 4], [at + header - 4, 4]);
        if (delta) f.push([at + 4, 4], [at + 8, 4]);
        at += header + view.getUint32(at + header - 4, true);
      }
      break;
    }
    case 7:
      f.push([1, 1], [2, 4]);
      break;
  }
  return f.filter(([at, w]) => at + w <= p.length);
}

function writeField(p: Uint8Array, at: number, width: 1 | 2 | 4, value: number): void {
  const view = new DataView(p.buffer, p.byteOffset, p.byteLength);
  if (width === 1) p[at] = value & 0xff;
  else if (width === 2) view.setUint16(at, value & 0xffff, true);
  else view.setUint32(at, value >>> 0, true);
}

/** A Godot 4 RPC re-encoded with another node-id width and method-id width (the receiver must read each form). */
function rewidenRpc(rng: SeededRandom, p: Uint8Array): Uint8Array {
  const nodeWidth = [1, 2, 4][(p[0]! >> 4) & 3];
  const nameWidth = p[0]! & 0x40 ? 2 : 1;
  if (nodeWidth === undefined || p.length < 1 + nodeWidth + nameWidth) return p;
  const view = new DataView(p.buffer, p.byteOffset, p.byteLength);
  const node = nodeWidth === 1 ? p[1]! : nodeWidth === 2 ? view.getUint16(1, true) : view.getUint32(1, true);
  const method = nameWidth === 1 ? p[1 + nodeWidth]! : view.getUint16(1 + nodeWidth, true);
  const newNodeCode = rng.nextInt(4); // 3 is not a width: the receiver must refuse it
  const newNodeWidth = [1, 2, 4, 4][newNodeCode]!;
  const newNameWide = rng.nextInt(2) === 1;
  const tail = p.subarray(1 + nodeWidth + nameWidth);
  const out = new Uint8Array(1 + newNodeWidth + (newNameWide ? 2 : 1) + tail.length);
  const ov = new DataView(out.buffer);
  out[0] = (p[0]! & 0x8f) | (newNodeCode << 4) | (newNameWide ? 0x40 : 0);
  if (newNodeWidth === 1) out[1] = node;
  else if (newNodeWidth === 2) ov.setUint16(1, node, true);
  else ov.setUint32(1, node, true);
  if (newNameWide) ov.setUint16(1 + newNodeWidth, method, true);
  else out[1 + newNodeWidth] = method;
  out.set(tail, 1 + newNodeWidth + (newNameWide ? 2 : 1));
  return out;
}

/** Per-kind pools of real packets, each kept to a bounded random sample. */
class CapturePool {
  private readonly pools = new Map<string, Uint8Array[]>();
  private readonly kinds: string[] = [];
  readonly counts: Record<string, number> = {};
  constructor(private readonly rng: SeededRandom) {}

  add(kind: string, p: Uint8Array): void {
    this.counts[kind] = (this.counts[kind] ?? 0) + 1;
    let pool = this.pools.get(kind);
    if (!pool) {
      this.pools.set(kind, (pool = []));
      this.kinds.push(kind);
    }
    if (pool.length < 48) pool.push(p.slice());
    else pool[this.rng.nextInt(pool.length)] = p.slice();
  }

  /** A copy of a captured packet; kinds are drawn evenly, so rare ones are mutated as often as common ones. */
  pick(): Uint8Array | null {
    if (this.kinds.length === 0) return null;
    const pool = this.pools.get(this.kinds[this.rng.nextInt(this.kinds.length)]!)!;
    return pool[this.rng.nextInt(pool.length)]!.slice();
  }
}

/** One hostile connection: its SceneMultiplayer (which may act honestly), its peer, and how to put raw bytes on the wire. */
interface HostileClient {
  mp: SceneMultiplayer;
  peer: WebSocketMultiplayerPeer | ENetMultiplayerPeer | null;
  address: string;
  /** The peer's putPacket as it was, before our capturing wrapper. */
  rawPut: ((p: Uint8Array) => number) | null;
  /** Packets this connection sent since it connected. */
  sentHere: number;
}

export async function runSceneFuzz(options: SceneFuzzOptions): Promise<SceneFuzzResult> {
  const { protocol, seed } = options;
  const godot4 = protocol === "godot4";
  const allowObjects = options.allowObjects ?? false;
  const clientVictim = options.victim === "client";
  /** Set once everyone is connected: from then on the attacking side damages its own traffic too. */
  let attackStarted = false;
  const perStep = options.perStep ?? 96;
  const reconnectEvery = options.reconnectEvery ?? 250_000;
  const progressEvery = options.progressEvery ?? 50_000;
  const rng = new SeededRandom(seed);
  const net = new MemoryNetwork({ seed: seed + 1, defaultLink: { latencyMs: 1 }, traceLimit: 0 });
  const failures: string[] = [];
  const fail = (what: string): void => {
    if (failures.length < 50) failures.push(what);
  };
  const byGenerator: Record<string, number> = {};
  const captures = new CapturePool(new SeededRandom(seed + 2));
  /** Throws of our own handlers, per SceneMultiplayer. */
  const throwsBy = new Map<SceneMultiplayer, number>();
  /** A handler that refuses input throws on purpose (what user code does); the library must count it, not pass it on. */
  const refuse = (mp: SceneMultiplayer, what: string): never => {
    throwsBy.set(mp, (throwsBy.get(mp) ?? 0) + 1);
    throw new Error(`fuzz handler refuses ${what}`);
  };

  // ---- the server ----
  // Peer IDs from the seed instead of the platform CSPRNG, so a seed replays the same run (a
  // WebSocket server picks its clients' IDs, an ENet client its own).
  const ids = new SeededRandom(seed + 3);
  const seeded = <T extends WebSocketMultiplayerPeer | ENetMultiplayerPeer>(peer: T): T => {
    peer.generateUniqueId = () => 2 + ids.nextInt(0x7ffffffe);
    return peer;
  };
  const enet = (options.transport ?? "websocket") === "enet";
  /** ENet: the channels of the server and of every client (Godot 4 keeps 2 for itself, Godot 3 3). */
  const ENET_CHANNELS = 6;
  /** ENet: the honest client asks for the fewest channels, the hostile ones for more (relays between them must fit). */
  const startClient = async (address: string, channels = ENET_CHANNELS): Promise<WebSocketMultiplayerPeer | ENetMultiplayerPeer> => {
    if (enet) {
      const peer = seeded(new ENetMultiplayerPeer({ runtime: net.createRuntime(address) }));
      await peer.createClient(SERVER, 7777, channels, 0, 0, 0, { protocol });
      return peer;
    }
    const peer = seeded(new WebSocketMultiplayerPeer({ runtime: net.createRuntime(address) }));
    await peer.createClient(`ws://${SERVER}:8080/`, undefined, { protocol });
    return peer;
  };
  const serverPeer = seeded(enet ? new ENetMultiplayerPeer({ runtime: net.createRuntime(SERVER) }) : new WebSocketMultiplayerPeer({ runtime: net.createRuntime(SERVER) }));
  if (serverPeer instanceof ENetMultiplayerPeer) await serverPeer.createServer(7777, 32, ENET_CHANNELS, 0, 0, { protocol });
  else await serverPeer.createServer(8080, "*", undefined, { protocol });
  const server = new SceneMultiplayer({ clock: net.clock, protocol });
  server.allowObjectDecoding = allowObjects;
  let serverRpcErrors = 0;
  server.addEventListener("rpc_error", () => serverRpcErrors++);
  let honestId = 0;
  let honestDelivered = 0;
  let honestCorrupt = 0;
  let honestLost = false;
  const declareGame = (mp: SceneMultiplayer): SceneNode => {
    const game = mp.node("Game");
    if (godot4) {
      game
        .rpcConfig("chat", { rpcMode: "any_peer" })
        .rpcConfig("ping", { rpcMode: "any_peer", callLocal: true, transferMode: "unreliable" })
        .rpcConfig("fast", { rpcMode: "any_peer", transferMode: "unreliable_ordered", channel: 3 })
        .rpcConfig("admin", { rpcMode: "authority" })
        .rpcConfig("off", { rpcMode: "disabled" })
        .rpcConfig("blob", { rpcMode: "any_peer", channel: 1 })
        .rpcConfig("relayed", { rpcMode: "any_peer", callLocal: true })
        .rpcConfig("tick", { rpcMode: "authority" });
    } else {
      game
        .rpcConfig("chat", { rpcMode: "remote" })
        .rpcConfig("ping", { rpcMode: "remotesync" })
        .rpcConfig("admin", { rpcMode: "master" })
        .rpcConfig("mine", { rpcMode: "puppet" })
        .rpcConfig("tick", { rpcMode: "puppet" })
        .rpcConfig("relayed", { rpcMode: "remote" })
        .rpcConfig("blob", { rpcMode: "mastersync" });
      game.rsetConfig("score", Godot3RPCMode.RPC_MODE_REMOTE).rsetConfig("secret", Godot3RPCMode.RPC_MODE_PUPPET).rsetConfig("shown", Godot3RPCMode.RPC_MODE_PUPPET);
    }
    // Every method runs a handler that takes anything but refuses argument lists longer than 3.
    for (const m of ["ping", "fast", "admin", "off", "blob", "relayed", "mine"]) {
      game.on(m, (...args: unknown[]) => {
        // Only remote calls are refused: a callLocal run of our own call throws into our own rpc().
        if (args.length > 3 && mp.getRemoteSenderId() !== mp.getUniqueId()) refuse(mp, `${m} with ${args.length} arguments`);
      });
    }
    mp.node("Level/A").rpcConfig("ping", { rpcMode: godot4 ? "any_peer" : "remote" });
    mp.node("Level/B");
    return game;
  };
  const serverGame = declareGame(server);
  serverGame.on("chat", function (this: SceneNode, ...args: unknown[]) {
    const from = server.getRemoteSenderId();
    if (from !== honestId) {
      if (typeof args[0] !== "number") refuse(server, "a chat without a number");
      return;
    }
    const [n, text, bytes] = args;
    if (n !== honestDelivered || text !== `honest ${String(n)}` || !(bytes instanceof Uint8Array) || !sameBytes(bytes, honestPayload(honestDelivered))) {
      honestCorrupt++;
      if (honestCorrupt <= 3) fail(`honest call ${honestDelivered} arrived as ${JSON.stringify([n, text, bytes instanceof Uint8Array ? [...bytes] : bytes])}`);
    }
    honestDelivered++;
  });

  // Replication state the hostile insider can reach (Godot 4).
  let liveRemoteSpawns = 0;
  let liveLimited = 0;
  let maxRemoteSpawns = 0;
  const serverBots: SceneNode[] = [];
  /** Short-lived uniquely named nodes the server spawns and frees (mp.freeNode), oldest first: at most SHOTS_ALIVE at once. */
  const serverShots: SceneNode[] = [];
  let shotSerial = 0;
  const freed = { shots: 0, insider: 0 };
  let serverSpawner: MultiplayerSpawner | null = null;
  let insiderId = 0;
  if (godot4) {
    server.authCallback = (id, data) => {
      if (data.length > 200) refuse(server, "a long auth message");
      if (sameBytes(data, TOKEN)) {
        server.sendAuth(id, WELCOME);
        server.completeAuth(id);
      }
    };
    // The insider's spawners: onSpawn declares a synchronizer, as a Godot scene's would; it
    // refuses custom data that is not a number, and onDespawn refuses nodes named ...7.
    const hostileSpawn = (limited: boolean) => (node: SceneNode, _scene: number, data: unknown) => {
      liveRemoteSpawns++;
      if (limited) liveLimited++;
      maxRemoteSpawns = Math.max(maxRemoteSpawns, liveRemoteSpawns);
      const sync = server.synchronizer(`${node.path}/Sync`, node.path, {
        properties: [{ path: ".:pos" }, { path: ".:hp", replicationMode: ReplicationMode.ON_CHANGE }, { path: ".:tag", spawn: false }],
      });
      // As a player scene's _enter_tree would: the spawning peer owns the synchronizer, also when
      // the spawn carried no id for it (else the server would replicate every hostile spawn itself).
      sync.node.multiplayerAuthority = node.multiplayerAuthority;
      // Like a player scene with a spawner of its own: what the insider spawns with it nests under
      // this node (at any depth) and must go with it.
      if (!limited) server.spawner(`${node.path}/Inner`, { spawnPath: "..", onSpawn: hostileSpawn(false), onDespawn: hostileDespawn(false) }).node.multiplayerAuthority = node.multiplayerAuthority;
      if (data !== null && typeof data !== "number") refuse(server, "spawn data that is not a number");
    };
    const hostileDespawn = (limited: boolean) => (node: SceneNode) => {
      liveRemoteSpawns--;
      if (limited) liveLimited--;
      if (node.path.endsWith("7")) refuse(server, "the despawn of a node named ...7");
    };
    server.spawner("Level/Hostile", { spawnPath: "../Arena", onSpawn: hostileSpawn(false), onDespawn: hostileDespawn(false) });
    server.spawner("Level/Limited", { spawnPath: "../Pen", spawnLimit: LIMITED_SPAWNS, onSpawn: hostileSpawn(true), onDespawn: hostileDespawn(true) });
    server.synchronizer("Level/Own/Sync", "Level/Own", { properties: [{ path: ".:pos" }, { path: ".:hp", replicationMode: ReplicationMode.ON_CHANGE }] });
    // The server's own replication, which the honest client follows.
    server.synchronizer("Level/World/Sync", "Level/World", {
      properties: [{ path: ".:tick" }, { path: ".:phase", replicationMode: ReplicationMode.ON_CHANGE }],
      visibilityFilters: [(peer) => peer !== 0 && (peer === honestId || peer % 2 === 0)],
    });
    const spawner = server.spawner("Level/Spawner", { spawnPath: "../Bots" });
    serverSpawner = spawner;
    for (let i = 0; i < 4; i++) {
      serverBots.push(
        server.spawn(spawner, `Bot${i}`, {
          data: i,
          synchronizers: [
            {
              path: `Level/Bots/Bot${i}/Sync`,
              options: {
                properties: [{ path: ".:pos" }, { path: ".:hp", replicationMode: ReplicationMode.ON_CHANGE }],
                visibilityFilters: [(peer) => peer !== 0 && (peer === honestId || (peer + i) % 3 !== 0)],
              },
            },
          ],
          setup: (n) => {
            n.set("pos", new Vector2(i, 0));
            n.set("hp", 100);
          },
        }),
      );
    }
  }
  server.multiplayerPeer = serverPeer;

  // ---- the honest client ----
  let honestUpdates = 0;
  let honestLiveSpawns = 0;
  /** The server's shots the honest client saw come and go. */
  const honestShots = { spawned: 0, despawned: 0 };
  let honestRpcErrors = 0;
  let lastServerTick = 0;
  const honest = new SceneMultiplayer({ clock: net.clock, protocol });
  honest.allowObjectDecoding = allowObjects;
  honest.addEventListener("rpc_error", () => honestRpcErrors++);
  const honestGame = declareGame(honest);
  honestGame.on("chat", () => {});
  if (godot4) {
    honest.authCallback = (id, data) => {
      if (id === 1 && sameBytes(data, WELCOME)) honest.completeAuth(1);
    };
    honest.addEventListener("peer_authenticating", (e) => {
      if ((e as SceneMultiplayerEvent).id === 1) honest.sendAuth(1, TOKEN);
    });
    honest.synchronizer("Level/World/Sync", "Level/World", {
      properties: [{ path: ".:tick" }, { path: ".:phase", replicationMode: ReplicationMode.ON_CHANGE }],
      onSynchronized: () => honestUpdates++,
      onDeltaSynchronized: () => honestUpdates++,
    });
    honest.spawner("Level/Spawner", {
      spawnPath: "../Bots",
      // Against a hostile server, a limit keeps the heap reading about leaks, not about the spawns
      // MAX_REMOTE_SPAWNS_PER_PEER allows.
      spawnLimit: clientVictim ? 2048 : 0,
      onSpawn: (node, _scene, data) => {
        honestLiveSpawns++;
        if (node.path.startsWith(SHOT_PREFIX)) honestShots.spawned++;
        honest.synchronizer(`${node.path}/Sync`, node.path, {
          properties: [{ path: ".:pos" }, { path: ".:hp", replicationMode: ReplicationMode.ON_CHANGE }],
          onSynchronized: () => honestUpdates++,
        });
        if (data !== null && typeof data !== "number") refuse(honest, "spawn data that is not a number");
      },
      onDespawn: (node) => {
        honestLiveSpawns--;
        if (node.path.startsWith(SHOT_PREFIX)) honestShots.despawned++;
        if (node.path.endsWith("7")) refuse(honest, "the despawn of a node named ...7");
      },
    });
  }
  // The server's numbered calls to the honest client: each must come, in order.
  honestGame.on("tick", (n: unknown) => {
    if (honest.getRemoteSenderId() !== 1 || clientVictim) return; // a hostile server forges ticks at will
    if (n !== lastServerTick + 1) fail(`the honest client got tick ${String(n)} after ${lastServerTick}`);
    lastServerTick = typeof n === "number" ? n : lastServerTick;
    honestUpdates++;
  });
  let honestEvents: string[] = [];
  for (const t of ["server_disconnected", "connection_failed"]) honest.addEventListener(t, () => honestEvents.push(t));
  server.addEventListener("peer_disconnected", (e) => {
    if ((e as SceneMultiplayerEvent).id === honestId && honestId !== 0) honestLost = true;
  });
  const honestPeer = await startClient("10.0.0.11", godot4 ? 1 : 3);
  /** Record what `peer` puts on the wire as seeds, damaging some of it while `mutateNow()`; returns the undamaged putPacket. */
  const capturing = (peer: WebSocketMultiplayerPeer | ENetMultiplayerPeer, mutateNow: () => boolean): ((p: Uint8Array) => number) => {
    const put = peer.putPacket.bind(peer);
    peer.putPacket = (packet: Uint8Array) => {
      captures.add(kindOf(protocol, packet), packet);
      if (mutateNow() && rng.chance(0.1)) {
        const damaged = mutatePacket(packet.slice());
        byGenerator["own traffic mutated"] = (byGenerator["own traffic mutated"] ?? 0) + 1;
        return put(damaged);
      }
      return put(packet);
    };
    return put;
  };
  capturing(honestPeer, () => false);
  honest.multiplayerPeer = honestPeer;
  // A hostile server damages its own traffic once the attack starts (the handshakes must get through).
  const serverRawPut = capturing(serverPeer, () => clientVictim && attackStarted);

  // ---- the hostile clients ----
  const makeHostile = (address: string): HostileClient => ({ mp: new SceneMultiplayer({ clock: net.clock, protocol }), peer: null, address, rawPut: null, sentHere: 0 });
  const insider = makeHostile("10.0.0.12");
  insider.mp.allowObjectDecoding = allowObjects; // so it can send whole objects
  const stranger = makeHostile("10.0.0.13");
  const insiderGame = declareGame(insider.mp);
  let insiderAuthenticated = false;
  const insiderSpawned: SceneNode[] = [];
  /** How each of insiderSpawned was spawned, so that it can be spawned again under its name. */
  const insiderSpawnedHow = new Map<SceneNode, { limited: boolean; parent: SceneNode | null }>();
  /** A few of the insider's despawned nodes, to spawn again under the same name (a player respawning). */
  const insiderDespawned: { name: string; limited: boolean; parent: SceneNode | null }[] = [];
  let insiderSpawnSerial = 0;
  if (godot4) {
    insider.mp.authCallback = (id, data) => {
      if (id === 1 && sameBytes(data, WELCOME)) insider.mp.completeAuth(1);
    };
    insider.mp.addEventListener("peer_authenticating", (e) => {
      if ((e as SceneMultiplayerEvent).id === 1) insider.mp.sendAuth(1, TOKEN);
    });
    insider.mp.addEventListener("connected_to_server", () => (insiderAuthenticated = true));
    insider.mp.spawner("Level/Spawner", { spawnPath: "../Bots", onSpawn: (n) => void insider.mp.synchronizer(`${n.path}/Sync`, n.path, { properties: [{ path: ".:pos" }, { path: ".:hp", replicationMode: ReplicationMode.ON_CHANGE }] }) });
    insider.mp.synchronizer("Level/World/Sync", "Level/World", { properties: [{ path: ".:tick" }, { path: ".:phase", replicationMode: ReplicationMode.ON_CHANGE }] });
    insider.mp.spawner("Level/Hostile", { spawnPath: "../Arena" });
    insider.mp.spawner("Level/Limited", { spawnPath: "../Pen", spawnLimit: LIMITED_SPAWNS });
    insider.mp.synchronizer("Level/Own/Sync", "Level/Own", { properties: [{ path: ".:pos" }, { path: ".:hp", replicationMode: ReplicationMode.ON_CHANGE }] });
    // The stranger answers nothing: it stays authenticating until the server times it out.
    stranger.mp.authCallback = () => {};
    server.authTimeout = 1;
  } else {
    insider.mp.addEventListener("connected_to_server", () => (insiderAuthenticated = true));
  }

  const connect = async (h: HostileClient): Promise<void> => {
    if (h.peer) h.peer.close();
    const peer = await startClient(h.address);
    // The insider's own traffic is damaged on its way out once it is in (its handshake must get through).
    h.rawPut = capturing(peer, () => h === insider && !clientVictim && insiderAuthenticated);
    h.peer = peer;
    h.sentHere = 0;
    if (h === insider) {
      insiderAuthenticated = false;
      insiderSpawned.length = 0;
      insiderSpawnedHow.clear();
      insiderDespawned.length = 0;
    }
    h.mp.multiplayerPeer = peer;
  };
  await connect(insider);
  await connect(stranger);

  // ---- mutation ----
  function mutatePacket(p: Uint8Array): Uint8Array {
    const r = rng.nextInt(9);
    if (p.length === 0) return Uint8Array.of(rng.nextInt(256));
    switch (r) {
      case 0: {
        for (let k = 1 + rng.nextInt(4); k > 0; k--) p[rng.nextInt(p.length)] ^= 1 << rng.nextInt(8);
        return p;
      }
      case 1: {
        for (let k = 1 + rng.nextInt(3); k > 0; k--) p[rng.nextInt(p.length)] = rng.nextInt(256);
        return p;
      }
      case 2:
        return p.subarray(0, rng.nextInt(p.length));
      case 3: {
        const extra = rng.chance(0.1) ? 1 + rng.nextInt(2000) : 1 + rng.nextInt(24);
        const out = new Uint8Array(p.length + extra);
        out.set(p);
        for (let i = p.length; i < out.length; i++) out[i] = rng.chance(0.5) ? 0 : rng.nextInt(256);
        return out;
      }
      case 4: {
        const other = captures.pick() ?? p;
        const cut = rng.nextInt(p.length + 1);
        const from = rng.nextInt(other.length + 1);
        const out = new Uint8Array(cut + other.length - from);
        out.set(p.subarray(0, cut));
        out.set(other.subarray(from), cut);
        return out;
      }
      case 5:
      case 6: {
        const fields = fieldsOf(protocol, p);
        if (fields.length === 0) return mutatePacket(p);
        for (let k = 1 + rng.nextInt(2); k > 0; k--) {
          const [at, width] = fields[rng.nextInt(fields.length)]!;
          writeField(p, at, width, extremeFor(rng, p.length));
        }
        return p;
      }
      case 7:
        if (godot4 && (p[0]! & 7) === 0) return rewidenRpc(rng, p);
        return mutatePacket(p);
      default: {
        // Wrapped in a relay (Godot 4 SYS RELAY; Godot 3 relays in the peer framing, see sendHostile).
        if (!godot4) return mutatePacket(p);
        const inner = rng.chance(0.5) ? mutatePacket(p.slice()) : p;
        const out = new Uint8Array(6 + inner.length);
        out[0] = 7;
        out[1] = 3;
        const targets = [0, 1, honestId, -honestId, -1, insiderId, rng.nextU32() | 0, 0x7fffffff, -0x80000000];
        new DataView(out.buffer).setInt32(2, targets[rng.nextInt(targets.length)]!, true);
        out.set(inner, 6);
        return out;
      }
    }
  }

  // ---- crafted packets that fill the per-peer tables ----
  const encoder = new TextEncoder();
  const knownPaths = ["Game", "Level/A", "Level/B", "Level/Hostile", "Level/Limited", "Level/Own", "Level/Own/Sync", "Level/World/Sync", "/root/Game", "Level/Spawner"];
  const craftFreshPath = (): Uint8Array => {
    const path = encoder.encode(knownPaths[rng.nextInt(knownPaths.length)]!);
    const id = rng.nextU32();
    if (!godot4) {
      // Godot 3 keeps any path string, node or not: some long ones (up to what a WebSocket message
      // carries), so the path cache's memory must be bounded in bytes, not only in ids.
      const long = rng.chance(0.1) ? encoder.encode("Level/" + "x".repeat(rng.nextInt(60_000))) : path;
      const out = new Uint8Array(5 + long.length + 1);
      out[0] = 2;
      new DataView(out.buffer).setUint32(1, id, true);
      out.set(long, 5);
      return out;
    }
    const out = new Uint8Array(38 + path.length + 1);
    out[0] = 1;
    out.fill(0x30, 1, 33);
    new DataView(out.buffer).setUint32(34, id, true);
    out.set(path, 38);
    return out;
  };
  /** A well-formed spawn on the insider's spawner (its cache id 1.. as the insider announced it) with a fresh net id and name. */
  const craftFreshSpawn = (): Uint8Array => {
    const name = encoder.encode(`F${rng.nextU32().toString(36)}${rng.nextInt(10)}`);
    const syncIds = rng.nextInt(3);
    const out = new Uint8Array(18 + 4 * syncIds + name.length + 1 + 2 + rng.nextInt(12));
    const v = new DataView(out.buffer);
    out[0] = 4;
    out[1] = rng.chance(0.5) ? 0xff : rng.nextInt(3);
    v.setUint32(2, 1 + rng.nextInt(8), true);
    v.setUint32(6, rng.nextU32(), true);
    v.setUint32(10, syncIds, true);
    v.setUint32(14, name.length + 1, true);
    for (let i = 0; i < syncIds; i++) v.setUint32(18 + 4 * i, rng.nextInt(3) === 0 ? rng.nextU32() : 1 + rng.nextInt(64), true);
    out.set(name, 18 + 4 * syncIds);
    let at = 18 + 4 * syncIds + name.length + 1;
    if (out[1] === 0xff && at + 6 <= out.length) {
      v.setUint32(at, 2, true);
      out[at + 4] = 2; // int8
      out[at + 5] = rng.nextInt(256);
      at += 6;
    }
    for (; at < out.length; at++) out[at] = rng.chance(0.5) ? 2 : rng.nextInt(256);
    return out;
  };
  const randomPacket = (): Uint8Array => {
    const out = new Uint8Array(rng.chance(0.05) ? rng.nextInt(1500) : rng.nextInt(48));
    for (let i = 0; i < out.length; i++) out[i] = rng.nextInt(256);
    if (out.length > 0 && rng.chance(0.5)) out[0] = godot4 ? rng.nextInt(8) | (rng.nextInt(16) << 4) : rng.nextInt(6);
    return out;
  };
  const nextHostilePacket = (): { bytes: Uint8Array; generator: string } => {
    const r = rng.nextInt(100);
    if (r < 20) return { bytes: randomPacket(), generator: "random bytes" };
    if (r < 28) return { bytes: craftFreshPath(), generator: "fresh path id" };
    if (godot4 && r < 34) return { bytes: craftFreshSpawn(), generator: "fresh spawn" };
    if (godot4 && clientVictim && r < 40) {
      // A hostile server's peer-list messages: SYS ADD_PEER / DEL_PEER for fresh ids.
      const out = new Uint8Array(6);
      out[0] = 7;
      out[1] = rng.chance(0.8) ? 1 : 2;
      new DataView(out.buffer).setInt32(2, rng.nextU32() | 0, true);
      return { bytes: out, generator: "fresh peer id" };
    }
    const seedPacket = captures.pick();
    if (!seedPacket) return { bytes: randomPacket(), generator: "random bytes" };
    if (r < 40) return { bytes: seedPacket, generator: "captured as is" };
    return { bytes: mutatePacket(seedPacket), generator: "captured mutated" };
  };

  /** Put hostile bytes on the wire from `h`; Godot 3 frames them itself now and then to damage the header. */
  const sendHostile = (h: HostileClient, bytes: Uint8Array, generator: string): boolean => {
    const peer = h.peer;
    if (!peer || !h.rawPut || peer.getConnectionStatus() !== ConnectionStatus.CONNECTION_CONNECTED) return false;
    let ok: boolean;
    const own = peer.getUniqueId();
    const source = (): number => (rng.chance(0.7) ? own : [0, 1, honestId, own + 1, -own, rng.nextU32() | 0][rng.nextInt(6)]!);
    const target = (): number => [1, 0, honestId, -honestId, -1, own, insiderId, rng.nextU32() | 0, -0x80000000][rng.nextInt(9)]!;
    if (peer instanceof WebSocketMultiplayerPeer && !godot4 && rng.chance(0.3)) {
      // Godot 3's WebSocket header: [u8 type][i32 source][i32 target].
      const link = peer.getPeer(1);
      if (!link) return false;
      const frame = new Uint8Array(9 + bytes.length);
      const v = new DataView(frame.buffer);
      frame[0] = rng.chance(0.8) ? 0 : rng.nextInt(5);
      v.setInt32(1, source(), true);
      v.setInt32(5, target(), true);
      frame.set(bytes, 9);
      ok = link.send(rng.chance(0.1) ? frame.subarray(0, rng.nextInt(frame.length)) : frame) === 0;
      generator = `${generator} (Godot 3 framing)`;
    } else if (peer instanceof ENetMultiplayerPeer && rng.chance(0.3)) {
      // Straight onto an ENet channel, system channels and unknown ones included; Godot 3 with its
      // header [u32 source][i32 target], damaged now and then.
      const link = peer.getPeer(1);
      // A link that just went down has no channels (ENetPacketPeer.send would throw for any).
      if (!link || link.getChannels() === 0) return false;
      let packet = bytes;
      if (!godot4) {
        packet = new Uint8Array(8 + bytes.length);
        const v = new DataView(packet.buffer);
        v.setInt32(0, source(), true);
        v.setInt32(4, target(), true);
        packet.set(bytes, 8);
        if (rng.chance(0.1)) packet = packet.subarray(0, rng.nextInt(packet.length));
      }
      const flags = [PacketFlags.RELIABLE, 0, PacketFlags.UNSEQUENCED, PacketFlags.UNRELIABLE_FRAGMENT][rng.nextInt(4)]!;
      ok = link.send(rng.nextInt(link.getChannels()), packet, flags) === 0;
      generator = `${generator} (ENet channel)`;
    } else {
      const targets = godot4 ? [1] : [1, 1, 1, 0, honestId, -honestId];
      peer.setTargetPeer(targets[rng.nextInt(targets.length)]!);
      peer.setTransferMode(rng.nextInt(3) as TransferMode);
      peer.setTransferChannel(rng.chance(0.7) ? 0 : rng.nextInt(5));
      ok = h.rawPut(bytes) === 0;
    }
    if (ok) {
      byGenerator[generator] = (byGenerator[generator] ?? 0) + 1;
      h.sentHere++;
    }
    return ok;
  };

  /**
   * A hostile server: bytes to the honest client through its own putPacket (the multiplayer peer
   * frames them), or, now and then, straight onto the link with a damaged Godot 3 header or peer
   * list message (WebSocket: [u8 type][i32 source][i32 target]; ENet: any channel, channel 0 the
   * [u32 message][u32 peer] system messages), fresh peer ids among them.
   */
  const sendFromServer = (bytes: Uint8Array, generator: string): boolean => {
    const freshPeer = (): number => (rng.chance(0.7) ? 2 + rng.nextInt(0x7ffffffe) : [0, 1, -1, honestId, insiderId, rng.nextU32() | 0][rng.nextInt(6)]!);
    let ok: boolean;
    if (serverPeer instanceof WebSocketMultiplayerPeer && !godot4 && rng.chance(0.3)) {
      const link = serverPeer.getPeer(honestId);
      if (!link) return false;
      const system = rng.chance(0.3);
      const payload = system ? new Uint8Array(4) : bytes;
      if (system) new DataView(payload.buffer).setInt32(0, freshPeer(), true);
      const frame = new Uint8Array(9 + payload.length);
      const v = new DataView(frame.buffer);
      frame[0] = system ? 1 + rng.nextInt(rng.chance(0.9) ? 2 : 4) : rng.chance(0.9) ? 0 : rng.nextInt(6);
      v.setInt32(1, [1, 1, insiderId, freshPeer(), honestId, 0][rng.nextInt(6)]!, true);
      v.setInt32(5, [honestId, 0, -1, freshPeer()][rng.nextInt(4)]!, true);
      frame.set(payload, 9);
      ok = link.send(rng.chance(0.05) ? frame.subarray(0, rng.nextInt(frame.length)) : frame) === 0;
      generator = `${generator} (Godot 3 framing${system ? ", peer list" : ""})`;
    } else if (serverPeer instanceof ENetMultiplayerPeer && rng.chance(0.3)) {
      const link = serverPeer.getPeer(honestId);
      if (!link || link.getChannels() === 0) return false;
      let packet = bytes;
      let channel = rng.nextInt(link.getChannels());
      if (!godot4 && rng.chance(0.3)) {
        channel = 0;
        packet = new Uint8Array(rng.chance(0.9) ? 8 : rng.nextInt(12));
        const v = new DataView(packet.buffer);
        if (packet.length >= 8) {
          v.setUint32(0, rng.chance(0.9) ? rng.nextInt(2) : rng.nextU32(), true);
          v.setInt32(4, freshPeer(), true);
        }
        generator = `${generator} (ENet system channel)`;
      } else if (!godot4) {
        packet = new Uint8Array(8 + bytes.length);
        const v = new DataView(packet.buffer);
        v.setInt32(0, [1, insiderId, freshPeer(), honestId, 0][rng.nextInt(5)]!, true);
        v.setInt32(4, [honestId, 0, -1, freshPeer()][rng.nextInt(4)]!, true);
        packet.set(bytes, 8);
        generator = `${generator} (ENet channel)`;
      } else {
        generator = `${generator} (ENet channel)`;
      }
      const flags = [PacketFlags.RELIABLE, 0, PacketFlags.UNSEQUENCED, PacketFlags.UNRELIABLE_FRAGMENT][rng.nextInt(4)]!;
      ok = link.send(channel, packet, flags) === 0;
    } else {
      serverPeer.setTargetPeer(honestId);
      serverPeer.setTransferMode(rng.nextInt(3) as TransferMode);
      // Within the honest client's channels over ENet (a transfer channel it lacks is the sender's mistake, and throws).
      serverPeer.setTransferChannel(rng.chance(0.7) ? 0 : rng.nextInt(enet ? (godot4 ? 2 : 3) : 5));
      ok = serverRawPut(bytes) === 0;
    }
    if (ok) byGenerator[generator] = (byGenerator[generator] ?? 0) + 1;
    return ok;
  };

  // ---- the insider's honest actions (the source of captured packets) ----
  /** A spawn of the insider's on the limited or the hostile spawner, or nested under `parent` (one of its arena nodes) through the inner spawner there. */
  const insiderSpawn = (limited: boolean, parent: SceneNode | null, shapes: unknown[][], again?: string): void => {
    const mp = insider.mp;
    const spawner = parent
      ? mp.spawner(`${parent.path}/Inner`, { spawnPath: ".." })
      : mp.spawner(limited ? "Level/Limited" : "Level/Hostile", { spawnPath: limited ? "../Pen" : "../Arena", spawnLimit: limited ? LIMITED_SPAWNS : 0 });
    spawner.node.multiplayerAuthority = mp.getUniqueId();
    // A name spawned before (despawned, or still spawned: spawn() despawns it first), or a new one.
    const name = again ?? `N${insiderSpawnSerial++}`;
    try {
      const node = mp.spawn(spawner, name, {
        ...(rng.chance(0.5) ? { data: rng.chance(0.8) ? rng.nextInt(1000) : "not a number" } : { scene: rng.nextInt(3) }),
        synchronizers: [{ path: `${parent ? parent.path : limited ? "Level/Pen" : "Level/Arena"}/${name}/Sync`, options: { properties: [{ path: ".:pos" }, { path: ".:hp", replicationMode: ReplicationMode.ON_CHANGE }, { path: ".:tag", spawn: false }] } }],
        setup: (n) => {
          // The insider is the authority of what it spawns, so its synchronizer's id and state go with the spawn.
          n.multiplayerAuthority = mp.getUniqueId();
          mp.node(`${n.path}/Sync`).multiplayerAuthority = mp.getUniqueId();
          n.set("pos", new Vector2(rng.nextFloat(), rng.nextFloat()));
          n.set("hp", rng.nextInt(100));
          n.set("tag", shapes[rng.nextInt(shapes.length)]![0] ?? null);
        },
      });
      if (!insiderSpawnedHow.has(node)) insiderSpawned.push(node);
      insiderSpawnedHow.set(node, { limited, parent });
    } catch {
      // The limited spawner is full.
    }
  };
  const insiderActs = (): void => {
    const mp = insider.mp;
    if (!insiderAuthenticated || mp.getUniqueId() === 0) return;
    const methods = godot4 ? ["chat", "ping", "fast", "admin", "off", "blob", "relayed"] : ["chat", "ping", "admin", "mine", "relayed", "blob", "tick"];
    const shapes = argumentShapes(rng, protocol, allowObjects);
    const args = shapes[rng.nextInt(shapes.length)]!;
    const method = methods[rng.nextInt(methods.length)]!;
    const targets = [1, 1, 0, honestId, -honestId];
    const target = targets[rng.nextInt(targets.length)]!;
    const node = rng.chance(0.9) ? insiderGame : mp.node(rng.chance(0.5) ? "Level/A" : "Level/B");
    switch (rng.nextInt(godot4 ? 6 : 4)) {
      case 0:
      case 1:
        node.rpcId(target, method, ...args);
        break;
      case 2:
        if (godot4) mp.sendBytes(Uint8Array.of(1, 2, rng.nextInt(256)), target === 0 ? 0 : Math.abs(target));
        else if (rng.chance(0.5)) mp.sendBytes(Uint8Array.of(1, 2, rng.nextInt(256)), target === 0 ? 0 : Math.abs(target));
        else insiderGame.rsetId(rng.chance(0.5) ? 1 : honestId, ["score", "secret", "shown"][rng.nextInt(3)]!, args[0] ?? rng.nextInt(100));
        break;
      case 3:
        if (godot4) {
          insiderGame.rpc(method, ...args);
        } else {
          insiderGame.rpcUnreliableId(1, method, ...args);
        }
        break;
      case 4: {
        // Spawn (custom data or a scene), or despawn one of ours; the limited spawner fills up.
        if (insiderSpawned.length > 24 || (insiderSpawned.length > 0 && rng.chance(0.4))) {
          const i = rng.nextInt(insiderSpawned.length);
          const gone = insiderSpawned[i]!;
          const how = insiderSpawnedHow.get(gone)!;
          insiderSpawned.splice(i, 1);
          insiderSpawnedHow.delete(gone);
          if (rng.chance(0.5)) {
            mp.despawn(gone);
          } else {
            // Freed, as a Godot game frees a player: despawned, and gone here with what it holds
            // (its synchronizer, the inner spawner, the insider's spawns nested under it).
            if (!mp.freeNode(gone)) fail(`the insider's freeNode of ${gone.path} found nothing`);
            freed.insider++;
            const under = `${gone.path}/`;
            for (let k = insiderSpawned.length - 1; k >= 0; k--) {
              const n = insiderSpawned[k]!;
              if (!n.path.startsWith(under)) continue;
              insiderSpawned.splice(k, 1);
              insiderSpawnedHow.delete(n);
            }
          }
          insiderDespawned.push({ name: gone.path.slice(gone.path.lastIndexOf("/") + 1), ...how });
          if (insiderDespawned.length > 8) insiderDespawned.shift();
          break;
        }
        // Or the same node again: one it despawned (its parent still spawned), or one still spawned.
        if (insiderDespawned.length > 0 && rng.chance(0.3)) {
          const again = insiderDespawned.splice(rng.nextInt(insiderDespawned.length), 1)[0]!;
          if (again.parent === null || insiderSpawnedHow.has(again.parent)) {
            insiderSpawn(again.limited, again.parent, shapes, again.name);
            break;
          }
        } else if (insiderSpawned.length > 0 && rng.chance(0.1)) {
          const live = insiderSpawned[rng.nextInt(insiderSpawned.length)]!;
          const how = insiderSpawnedHow.get(live)!;
          insiderSpawn(how.limited, how.parent, shapes, live.path.slice(live.path.lastIndexOf("/") + 1));
          break;
        }
        const limited = rng.chance(0.3);
        // Or nested: under one of its arena nodes, with the inner spawner the server declared there.
        const arena = limited ? [] : insiderSpawned.filter((n) => n.path.startsWith("Level/Arena/"));
        insiderSpawn(limited, arena.length > 0 && rng.chance(0.4) ? arena[rng.nextInt(arena.length)]! : null, shapes);
        break;
      }
      default: {
        // Properties change: syncs and deltas of the spawned nodes and of Level/Own go out on the next poll.
        const own = mp.node("Level/Own");
        own.multiplayerAuthority = mp.getUniqueId();
        mp.node("Level/Own/Sync").multiplayerAuthority = mp.getUniqueId();
        own.set("pos", new Vector2(rng.nextFloat(), 1));
        if (rng.chance(0.5)) own.set("hp", rng.nextInt(1000));
        for (const n of insiderSpawned) if (rng.chance(0.3)) n.set("hp", rng.nextInt(100));
      }
    }
  };

  // ---- the loop ----
  const everyone = (): SceneMultiplayer[] => [server, honest, insider.mp, stranger.mp];
  const pollAll = (): void => {
    for (const mp of everyone()) {
      try {
        mp.poll();
      } catch (error) {
        fail(`${mp === server ? "server" : mp === honest ? "honest client" : "hostile client"} poll() threw: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
      }
    }
    if (serverPeer.getAvailablePacketCount() !== 0) fail(`the server left ${serverPeer.getAvailablePacketCount()} packets unread after poll()`);
    if (honestPeer.getAvailablePacketCount() !== 0) fail(`the honest client left ${honestPeer.getAvailablePacketCount()} packets unread after poll()`);
  };
  let maxRemotePaths = 0;
  let maxNodes = 0;
  let maxPeers = 0;
  /** The side under attack, and the nodes a remote authority spawned there that are alive. */
  const victim = clientVictim ? honest : server;
  const victimLiveSpawns = (): number => (clientVictim ? honestLiveSpawns : liveRemoteSpawns);
  const inspect = (): void => {
    const state = inspectSession(victim);
    maxRemotePaths = Math.max(maxRemotePaths, state.maxRemotePaths);
    maxNodes = Math.max(maxNodes, state.nodes);
    if (state.maxRemotePathChars > MAX_REMOTE_PATH_CHARS_PER_PEER) fail(`a peer keeps ${state.maxRemotePathChars} characters of paths (limit ${MAX_REMOTE_PATH_CHARS_PER_PEER})`);
    if (state.maxRemotePaths > MAX_REMOTE_PATHS_PER_PEER) fail(`a peer holds ${state.maxRemotePaths} path-cache ids (limit ${MAX_REMOTE_PATHS_PER_PEER})`);
    if (state.maxRemoteSpawns > MAX_REMOTE_SPAWNS_PER_PEER) fail(`a peer spawned ${state.maxRemoteSpawns} nodes (limit ${MAX_REMOTE_SPAWNS_PER_PEER})`);
    if (liveLimited > LIMITED_SPAWNS) fail(`the limited spawner holds ${liveLimited} nodes (spawnLimit ${LIMITED_SPAWNS})`);
    // The server's own live shots: a node and a synchronizer each (on a client they are remote spawns).
    const shots = clientVictim ? 0 : serverShots.length;
    // Declared nodes (a few dozen) plus each live remote spawn, its synchronizer node and its inner spawner's node.
    if (state.nodes > 64 + 3 * victimLiveSpawns() + 2 * shots) fail(`the ${clientVictim ? "honest client" : "server"}'s registry holds ${state.nodes} nodes with ${victimLiveSpawns()} live remote spawns`);
    // The spawners and synchronizers declared before the attack, plus at most one inner spawner
    // and one synchronizer per live remote spawn: none stays behind when a spawn goes.
    if (state.spawners > declared.spawners + victimLiveSpawns()) fail(`the ${clientVictim ? "honest client" : "server"} holds ${state.spawners} spawners (${declared.spawners} declared) with ${victimLiveSpawns()} live remote spawns`);
    if (state.synchronizers > declared.synchronizers + victimLiveSpawns() + shots) fail(`the ${clientVictim ? "honest client" : "server"} holds ${state.synchronizers} synchronizers (${declared.synchronizers} declared) with ${victimLiveSpawns()} live remote spawns and ${shots} shots`);
    if (victim.getPeers().length > MAX_KNOWN_REMOTE_PEERS) fail(`the ${clientVictim ? "honest client" : "server"} lists ${victim.getPeers().length} peers (limit ${MAX_KNOWN_REMOTE_PEERS})`);
    maxPeers = Math.max(maxPeers, victim.getPeers().length);
    maxRemoteSpawns = Math.max(maxRemoteSpawns, victimLiveSpawns());
  };

  let honestCalls = 0;
  let serverTick = 0;
  let reconnects = 0;
  let sent = 0;
  let nextProgress = progressEvery;
  const drive = async (): Promise<void> => {
    pollAll();
    await net.runFor(STEP_MS);
  };
  // Connect and authenticate everyone who can.
  let connectSteps = 0;
  const everyoneIn = (): boolean => honest.getPeers().includes(1) && server.getPeers().includes(honestPeer.getUniqueId()) && insiderAuthenticated && server.getPeers().includes(insider.mp.getUniqueId());
  while (connectSteps++ < 2000 && !everyoneIn()) await drive();
  honestId = honestPeer.getUniqueId();
  if (!honest.getPeers().includes(1)) fail("the honest client never connected");
  attackStarted = true;
  /** The attacked side's replication before the attack, with no remote spawn alive yet. */
  const declared = inspectSession(victim);

  const honestStep = (): void => {
    if (honest.getPeers().includes(1) && honestGame.rpcId(1, "chat", honestCalls, `honest ${honestCalls}`, honestPayload(honestCalls)) === 0) honestCalls++;
  };
  const serverStep = (): void => {
    serverTick++;
    if (godot4) {
      const world = server.node("Level/World");
      world.set("tick", serverTick);
      if (serverTick % 16 === 0) world.set("phase", `phase ${serverTick >> 4}`);
      for (const [i, bot] of serverBots.entries()) {
        bot.set("pos", new Vector2(serverTick, i));
        if ((serverTick + i) % 8 === 0) bot.set("hp", serverTick);
      }
      // A shot every 4 ticks, each uniquely named, freed when SHOTS_ALIVE newer ones are out.
      if (serverTick % 4 === 0 && serverSpawner) {
        if (serverShots.length >= SHOTS_ALIVE) {
          const shot = serverShots.shift()!;
          if (!server.freeNode(shot)) fail(`the server's freeNode of ${shot.path} found nothing`);
          freed.shots++;
        }
        const name = `${SHOT_PREFIX.slice("Level/Bots/".length)}${shotSerial++}s`;
        serverShots.push(
          server.spawn(serverSpawner, name, {
            data: shotSerial,
            synchronizers: [{ path: `Level/Bots/${name}/Sync`, options: { properties: [{ path: ".:pos" }, { path: ".:hp", replicationMode: ReplicationMode.ON_CHANGE }] } }],
            setup: (n) => n.set("pos", new Vector2(serverTick, -1)).set("hp", serverTick),
          }),
        );
      }
      for (const shot of serverShots) shot.set("hp", serverTick);
    } else if (honestId !== 0) {
      serverGame.rsetId(honestId, "shown", serverTick);
    }
    const sent = serverGame.rpcId(honestId, "tick", serverTick);
    if (sent !== 0) fail(`the server's call to the honest client failed with ${sent}`);
  };

  while (sent < options.packets) {
    honestStep();
    serverStep();
    insiderActs();
    // The stranger (Godot 4: still authenticating) reconnects once the server dropped it.
    const strangerUp = stranger.peer?.getConnectionStatus() === ConnectionStatus.CONNECTION_CONNECTED;
    if (!strangerUp && stranger.peer?.getConnectionStatus() === ConnectionStatus.CONNECTION_DISCONNECTED) {
      await connect(stranger);
      reconnects++;
    }
    if (insider.sentHere >= reconnectEvery || insider.peer?.getConnectionStatus() === ConnectionStatus.CONNECTION_DISCONNECTED) {
      await connect(insider);
      reconnects++;
    }
    if (insiderId !== insider.mp.getUniqueId() && insiderAuthenticated) {
      // The server makes the insider the authority of its spawners and of Level/Own, as a game
      // gives a player its own nodes: its spawns and syncs then reach the deep parsing paths.
      insiderId = insider.mp.getUniqueId();
      if (godot4) for (const p of ["Level/Hostile", "Level/Limited", "Level/Own", "Level/Own/Sync"]) server.node(p).multiplayerAuthority = insiderId;
      // Its first spawns go out before this step's hostile packets: the server learns the
      // spawners' cache ids before mutated copies of the insider's earlier announcements can take
      // those ids for other paths. The arena node is a parent for nested spawns from the start.
      if (godot4) {
        const shapes = argumentShapes(rng, protocol, allowObjects);
        insiderSpawn(false, null, shapes);
        insiderSpawn(true, null, shapes);
        insiderSpawn(false, insiderSpawned[0] ?? null, shapes);
      }
      if (!godot4) serverGame.multiplayerAuthority = 1;
    }
    for (let k = 0; k < perStep && sent < options.packets; k++) {
      const { bytes, generator } = nextHostilePacket();
      try {
        if (clientVictim ? sendFromServer(bytes, generator) : sendHostile(rng.chance(0.8) ? insider : stranger, bytes, generator)) sent++;
      } catch (error) {
        // The attacker's own peer: its sends take any bytes, so a throw is the library's too.
        fail(`a hostile send threw: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
        sent++;
      }
    }
    await drive();
    if (serverTick % 64 === 0) inspect();
    if (!honest.getPeers().includes(1) || honestLost || honestEvents.length) {
      fail(`the honest client lost its session at hostile packet ${sent} (${honestEvents.join(", ") || "peer_disconnected on the server"})`);
      break;
    }
    if (sent >= nextProgress) {
      nextProgress += progressEvery;
      const d = victim.getDropCounters();
      options.onProgress?.({ packets: sent, honestCalls, drops: Object.values(d).reduce((a, b) => a + b, 0), failures: failures.length });
    }
    if (failures.length >= 50) break;
  }
  // Let the last honest calls and replication arrive (the server keeps updating meanwhile).
  for (let i = 0; i < 100; i++) {
    if (i < 50) serverStep();
    await drive();
  }
  inspect();

  // ---- the closing checks ----
  if (honestDelivered !== honestCalls) fail(`the server got ${honestDelivered} of the honest client's ${honestCalls} calls`);
  // Against a hostile server the honest client's view is whatever the server made it: only its own calls are checked.
  if (godot4 && !clientVictim) {
    const world = honest.node("Level/World");
    if (world.get("tick") !== serverTick) fail(`the honest client's Level/World tick is ${String(world.get("tick"))}, the server's ${serverTick}`);
    if (world.get("phase") !== server.node("Level/World").get("phase")) fail(`the honest client's Level/World phase is ${String(world.get("phase"))}`);
    for (const bot of serverBots) {
      const mine = honest.node(bot.path);
      const pos = mine.get("pos");
      const want = bot.get("pos") as Vector2;
      if (!(pos instanceof Vector2) || pos.x !== want.x || pos.y !== want.y) fail(`the honest client's ${bot.path} pos is ${String(pos)}, the server's ${String(want)}`);
      if (mine.get("hp") !== bot.get("hp")) fail(`the honest client's ${bot.path} hp is ${String(mine.get("hp"))}, the server's ${String(bot.get("hp"))}`);
    }
  }
  if (godot4) {
    // The freed shots left the server's registry: only the live ones (a node and its synchronizer each) are there.
    const shotNodes = [...mapOf(Reflect.get(Reflect.get(server, "session") as object, "nodes"), "byPath").keys()].filter((p) => String(p).startsWith(SHOT_PREFIX)).length;
    if (shotNodes !== 2 * serverShots.length) fail(`the server's registry holds ${shotNodes} shot nodes with ${serverShots.length} shots alive`);
    // Each shot reached the honest client once, and each freed one went once.
    if (!clientVictim && (honestShots.spawned !== shotSerial || honestShots.despawned !== shotSerial - serverShots.length)) {
      fail(`the honest client saw ${honestShots.spawned} of ${shotSerial} shots spawn and ${honestShots.despawned} of ${shotSerial - serverShots.length} go`);
    }
  }
  if (!clientVictim && lastServerTick !== serverTick) fail(`the honest client's last tick is ${lastServerTick}, the server's ${serverTick}`);
  if (!godot4 && !clientVictim) {
    if (honestGame.get("shown") !== serverTick) fail(`the honest client's rset value is ${String(honestGame.get("shown"))}, the server's ${serverTick}`);
  }
  const drops = { ...victim.getDropCounters() };
  const victimName = clientVictim ? "the honest client" : "the server";
  const rpcErrors = clientVictim ? honestRpcErrors : serverRpcErrors;
  if (drops.handlerErrors !== rpcErrors) fail(`${victimName} counted ${drops.handlerErrors} handler errors but raised ${rpcErrors} rpc_error events`);
  const victimThrows = throwsBy.get(victim) ?? 0;
  if (drops.handlerErrors !== victimThrows) fail(`${victimName} counted ${drops.handlerErrors} handler errors, our handlers threw ${victimThrows} times there`);
  const dropTotal = Object.values(drops).reduce((a, b) => a + b, 0);
  if (sent > 1000 && dropTotal < sent / 10) fail(`only ${dropTotal} drops counted for ${sent} hostile packets`);
  const result: SceneFuzzResult = {
    protocol,
    transport: enet ? "enet" : "websocket",
    victim: clientVictim ? "client" : "server",
    seed,
    packets: sent,
    byGenerator,
    captured: { ...captures.counts },
    honestCalls,
    honestDelivered,
    honestUpdates,
    reconnects,
    freed,
    handlerThrows: victimThrows,
    drops,
    peerDrops: { ...(clientVictim ? honestPeer : serverPeer).getDropCounters() },
    maxPeers,
    maxRemotePaths,
    maxRemoteSpawns,
    maxNodes,
    virtualSeconds: net.clock.now() / 1000,
    failures,
  };
  for (const h of [insider, stranger]) h.peer?.close();
  honestPeer.close();
  serverPeer.close();
  net.close();
  return result;
}

/** What one session holds (read from its private state, which the public API does not expose): for the bounds the docs promise. */
interface SessionState {
  maxRemotePaths: number;
  /** Godot 3: the most path text one remote peer keeps in the path cache. */
  maxRemotePathChars: number;
  maxRemoteSpawns: number;
  nodes: number;
  /** Godot 4: the spawners and synchronizers the replication holds (0 under Godot 3). */
  spawners: number;
  synchronizers: number;
}

function mapOf(owner: unknown, key: string): Map<unknown, unknown> {
  const m: unknown = owner !== null && typeof owner === "object" ? Reflect.get(owner, key) : undefined;
  if (!(m instanceof Map)) throw new Error(`fuzz: the session has no Map "${key}" any more; update inspectSession`);
  return m;
}

function inspectSession(mp: SceneMultiplayer): SessionState {
  const g3: unknown = Reflect.get(mp, "g3");
  const session: unknown = g3 ?? Reflect.get(mp, "session");
  const nodes = mapOf(Reflect.get(session as object, "nodes"), "byPath").size;
  const perPeerPaths = g3 ? mapOf(g3, "recv") : mapOf(Reflect.get(session as object, "cache"), "recv");
  let maxRemotePaths = 0;
  let maxRemotePathChars = 0;
  for (const table of perPeerPaths.values()) {
    // Godot 3 keeps each peer's path strings with their total length; Godot 4 maps ids to node paths.
    const ids = g3 ? mapOf(table, "byId") : (table as Map<unknown, unknown>);
    maxRemotePaths = Math.max(maxRemotePaths, ids.size);
    if (g3) maxRemotePathChars = Math.max(maxRemotePathChars, Number(Reflect.get(table as object, "chars")));
  }
  let maxRemoteSpawns = 0;
  let spawners = 0;
  let synchronizers = 0;
  if (!g3) {
    const replication: unknown = Reflect.get(session as object, "replication");
    for (const r of mapOf(replication, "peerRepl").values()) maxRemoteSpawns = Math.max(maxRemoteSpawns, mapOf(r, "recvNodes").size);
    spawners = mapOf(replication, "spawners").size;
    const syncSet: unknown = Reflect.get(replication as object, "synchronizers");
    if (!(syncSet instanceof Set)) throw new Error(`fuzz: the replication has no Set "synchronizers" any more; update inspectSession`);
    synchronizers = syncSet.size;
  }
  return { maxRemotePaths, maxRemotePathChars, maxRemoteSpawns, nodes, spawners, synchronizers };
}
