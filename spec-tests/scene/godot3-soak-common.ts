// What the two seeded Godot 3.2.3 RPC soaks share: our server against a Godot client
// (godot3-rpc-soak.ts) and a Godot server against our clients (godot3-server-soak.ts).
//
// - The plan of a seed: the scene (node names, remote methods and properties with a Godot 3 RPC
//   keyword for the server's node and one for the client's), a delivery and an ENet channel per
//   member, a compression mode, the operations with their random Godot 3 Variant arguments.
// - The GDScript both Godot sides run: the soak node (every method and setter hands what arrived
//   to main.echo / main.echo_set) and the pieces of the SceneTree script that build the scene and
//   echo an operation back the way it came (same node, member, delivery and channel).
// - DeliveryLedger: what Godot 3.2 over ENet guarantees per stream (one sender, one receiver, one
//   ENet channel), checked on every arrival and against Godot's own report of what it received.
// - SendWindow: the pacing of one sender, so that operations stay well inside ENet's windows.
import { CompressionMode } from "../../src/compress/types.ts";
import { Godot3RPCMode, type SceneDropCounters, type SceneMultiplayer, type SceneNode } from "../../src/scene/index.ts";
import { SeededRandom } from "../../src/util/prng.ts";
import { sameBytes } from "../../src/util/same-bytes.ts";
import { Float, varToBytes } from "../../src/variant/index.ts";
import { godotAvailable } from "../enet-interop/godot.ts";
import type { JsonLineProcess } from "../enet-interop/harness.ts";
import type { Direction } from "../tools/udp-relay.ts";
import { RandomVariants } from "../variant/random-values.ts";

/** reliable: rpc_id/rset_id. unsequenced: rpc_unreliable_id (Godot 3's default). ordered: the same with always_ordered. */
export type Delivery = "reliable" | "unsequenced" | "ordered";

export type ClientKeyword = "remote" | "remotesync" | "puppet" | "puppetsync";
export type ServerKeyword = "remote" | "remotesync" | "master" | "mastersync";

export interface SoakMember {
  kind: "call" | "set";
  name: string;
  /** Random arguments of a call (an unreliable call has one more, its index, first). Sets: 1. */
  arity: number;
  delivery: Delivery;
  /** transfer_channel: 0 = the mode's default ENet channel (1 reliable, 2 unreliable), else 1..7. */
  channel: number;
  /** The keyword on a client's node (the server, its network master, calls it). */
  clientKeyword: ClientKeyword;
  /** The keyword on the server's node (a client calls it; the server is the node's master). */
  serverKeyword: ServerKeyword;
}

export interface SoakOp {
  node: number;
  member: number;
  /** What goes on the wire: a call's arguments, or a set's one value. */
  args: unknown[];
}

export interface SoakPlan {
  seed: number;
  nodeNames: string[];
  members: SoakMember[];
  ops: SoakOp[];
  compression: CompressionMode;
  loss: number;
  duplicate: number;
  reorder: number;
}

/** ENet channels on both ends (Godot 3's channel_count): the 3 system ones and 5 more. */
export const CHANNELS = 8;
const DELIVERIES: readonly Delivery[] = ["reliable", "reliable", "unsequenced", "ordered"];
const CLIENT_KEYWORDS: readonly ClientKeyword[] = ["remote", "remotesync", "puppet", "puppetsync"];
const SERVER_KEYWORDS: readonly ServerKeyword[] = ["remote", "remotesync", "master", "mastersync"];
/** The rset mode of each keyword (rpcConfig takes the keyword itself). */
export const SET_MODES: Record<ClientKeyword | ServerKeyword, Godot3RPCMode> = {
  remote: Godot3RPCMode.RPC_MODE_REMOTE,
  remotesync: Godot3RPCMode.RPC_MODE_REMOTESYNC,
  master: Godot3RPCMode.RPC_MODE_MASTER,
  mastersync: Godot3RPCMode.RPC_MODE_MASTERSYNC,
  puppet: Godot3RPCMode.RPC_MODE_PUPPET,
  puppetsync: Godot3RPCMode.RPC_MODE_PUPPETSYNC,
};

/**
 * Give every node every member of the plan, with our side's keyword (`side`): a call gets its RPC
 * mode and a handler, a property its rset mode and a setter (Godot 3's setget) that stores the
 * value too. `arrival(node index, member index, args)` hears each one that comes in.
 */
export function listenToMembers(nodes: readonly SceneNode[], members: readonly SoakMember[], side: "serverKeyword" | "clientKeyword", arrival: (nodeIndex: number, memberIndex: number, args: unknown[]) => void): void {
  nodes.forEach((node, j) => {
    members.forEach((m, i) => {
      if (m.kind === "call") {
        node.rpcConfig(m.name, { rpcMode: m[side] });
        node.on(m.name, (...args: unknown[]) => arrival(j, i, args));
      } else {
        node.rsetConfig(m.name, SET_MODES[m[side]]).setget(m.name, function (v) {
          arrival(j, i, [v]);
          this.set(m.name, v);
        });
      }
    });
  });
}
const COMPRESSIONS: readonly CompressionMode[] = [
  CompressionMode.NONE, CompressionMode.NONE, CompressionMode.RANGE_CODER, CompressionMode.FASTLZ, CompressionMode.ZLIB, CompressionMode.ZSTD,
];
/** Integers at the edges of Godot 3's 32/64-bit integer encoding, and floats at its 32/64-bit real one. */
const EDGE_VALUES: readonly unknown[] = [
  0, 1, -1, 2147483647, 2147483648, -2147483648, -2147483649, 2 ** 53, -(2 ** 53), 9223372036854775807n, -9223372036854775808n,
  new Float(0), new Float(16777216), new Float(16777217), 0.1, Math.fround(0.1), 3.4e38, 3.5e38,
];
// GDScript 3 identifiers are ASCII. Methods are "r" + an upper-case letter, digit or "_", so no
// name meets a Node/Object method (rpc, rset, remove_child, ...) or a GDScript keyword (return,
// remote, ...); properties are "r" + a lower-case letter + digit, apart from both.
const UPPER = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_";
const REST = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_";
/** Characters of the odd node names: non-ASCII ones travel as UTF-8 in the path announcements. */
const NODE_NAME_CHARS = "abcXYZ019_-éßø漢字";

/** ENet channel the member's packets use, both ways (Godot 3's put_packet, ours the same). */
export function enetChannel(m: SoakMember): number {
  if (m.channel > 0) return m.channel;
  return m.delivery === "reliable" ? 1 : 2;
}

function oddName(rng: SeededRandom, prefix: string, first: string): string {
  let name = prefix + first[rng.nextInt(first.length)]!;
  const r = rng.nextInt(10);
  const extra = r < 7 ? rng.nextInt(8) : r < 9 ? 8 + rng.nextInt(40) : 48 + rng.nextInt(100);
  for (let i = 0; i < extra; i++) name += REST[rng.nextInt(REST.length)]!;
  return name;
}

/** The scene, the relay's behaviour and the operations of one seed. */
export function soakPlan(seed: number, calls: number): SoakPlan {
  const rng = new SeededRandom(seed);
  const pick = <T>(items: readonly T[]): T => items[rng.nextInt(items.length)]!;
  const nodeCount = rng.chance(0.5) ? 1 + rng.nextInt(20) : 1 + rng.nextInt(300);
  const methodCount = rng.chance(0.5) ? 1 + rng.nextInt(8) : 1 + rng.nextInt(40);
  const propCount = rng.nextInt(5);
  // The network first, so that a seed's network does not change with the number of operations.
  const compression = pick(COMPRESSIONS);
  const loss = rng.nextFloat() * 0.2;
  const duplicate = pick([0, 0.02, 0.1]);
  const reorder = pick([0, 0.05, 0.2]);
  const nodeNames = Array.from({ length: nodeCount }, (_, j) => {
    if (!rng.chance(0.2)) return `N${j}`;
    let name = `N${j}_`;
    const n = 1 + rng.nextInt(rng.chance(0.2) ? 80 : 10);
    for (let i = 0; i < n; i++) name += NODE_NAME_CHARS[rng.nextInt(NODE_NAME_CHARS.length)]!;
    return name;
  });
  const members: SoakMember[] = [];
  const names = new Set<string>();
  const member = (kind: SoakMember["kind"]): SoakMember => {
    let name: string;
    do name = kind === "call" ? oddName(rng, "r", UPPER) : `r${"abcdefghijklmnopqrstuvwxyz"[rng.nextInt(26)]!}${rng.nextInt(10)}${oddName(rng, "", REST)}`;
    while (names.has(name));
    names.add(name);
    return {
      kind,
      name,
      arity: kind === "set" ? 1 : rng.nextInt(4),
      delivery: pick(DELIVERIES),
      channel: rng.chance(0.5) ? 0 : 1 + rng.nextInt(CHANNELS - 1),
      clientKeyword: pick(CLIENT_KEYWORDS),
      serverKeyword: pick(SERVER_KEYWORDS),
    };
  };
  for (let i = 0; i < methodCount; i++) members.push(member("call"));
  for (let i = 0; i < propCount; i++) members.push(member("set"));
  const values = new RandomVariants(seed ^ 0x5eed, "godot3");
  const value = (): unknown => {
    const r = rng.nextInt(12);
    if (r === 0) return pick(EDGE_VALUES);
    // Now and then a value above ENet's fragment size: reliable fragments, whatever the delivery.
    if (r === 1 && rng.chance(0.15)) return Uint8Array.from({ length: 1200 + rng.nextInt(3000) }, () => rng.nextInt(256));
    return values.any(2);
  };
  const ops: SoakOp[] = [];
  for (let c = 0; c < calls; c++) {
    // Sets are a minority: a fifth of the operations when the scene has properties.
    const pool = propCount > 0 && rng.chance(0.2) ? members.filter((m) => m.kind === "set") : members.filter((m) => m.kind === "call");
    const m = pick(pool);
    const index = members.indexOf(m);
    const random = Array.from({ length: m.arity }, value);
    const tagged = m.delivery !== "reliable";
    const args = m.kind === "set" ? [tagged ? [c, random[0]] : random[0]] : tagged ? [c, ...random] : random;
    ops.push({ node: rng.nextInt(nodeCount), member: index, args });
  }
  return {
    seed,
    nodeNames,
    members,
    ops,
    compression,
    loss,
    duplicate,
    reorder,
  };
}

/**
 * The relay's fate for each datagram of a leg: dropped (`loss`), delayed behind later ones
 * (`reorder`), duplicated (`duplicate`), from a random stream of its own. The seed fixes the
 * rates; which datagram meets which fate also depends on how the datagrams fall in time, so a
 * rerun of a seed sees the same kind of network, not the same datagrams.
 */
export function lossySchedule(seed: number, loss: number, duplicate: number, reorder: number): (dir: Direction) => number[] {
  const rng = new SeededRandom(seed);
  return () => {
    if (rng.nextFloat() < loss) return [];
    const first = rng.nextFloat() < reorder ? 1 + rng.nextInt(30) : 0;
    return rng.nextFloat() < duplicate ? [first, rng.nextInt(25)] : [first];
  };
}

const gdString = (s: string): string => JSON.stringify(s); // GDScript 3 reads JSON string escapes

const MODE_NUMBER: Record<Delivery, number> = { reliable: 0, unsequenced: 1, ordered: 2 };

/** res://soak_node.gd: every method and property setter hands what arrived to main.echo / main.echo_set. */
export function soakNodeScript(plan: SoakPlan, keywordOf: (m: SoakMember) => string): string {
  const lines = ["# Generated by spec-tests/scene/godot3-soak-common.ts for one seed.", "extends Node", "", "var main", ""];
  plan.members.forEach((m, i) => {
    const channel = m.channel === 0 ? -1 : m.channel;
    const mode = MODE_NUMBER[m.delivery];
    if (m.kind === "call") {
      const params = Array.from({ length: m.arity + (m.delivery === "reliable" ? 0 : 1) }, (_, k) => `a${k}`);
      lines.push(`${keywordOf(m)} func ${m.name}(${params.join(", ")}):`);
      lines.push(`\tmain.echo(self, ${gdString(m.name)}, [${params.join(", ")}], ${mode}, ${channel})`);
    } else {
      lines.push(`${keywordOf(m)} var ${m.name} setget _s${i}`);
      lines.push(`func _s${i}(v):`);
      lines.push(`\t${m.name} = v`);
      lines.push(`\tmain.echo_set(self, ${gdString(m.name)}, v, ${mode}, ${channel})`);
    }
    lines.push("");
  });
  return lines.join("\n");
}

/**
 * The start of res://main.gd (a SceneTree script): the node names, `opts` (defaults, then the
 * key=value user arguments), emit() for one JSON line per event, and build_scene(), which puts
 * the soak nodes under /root/Soak and returns the names Godot changed.
 */
export function mainScriptHead(plan: SoakPlan, generator: string, defaults: Record<string, string>): string {
  return `# Generated by spec-tests/scene/${generator} for seed ${plan.seed}.
extends SceneTree

const NAMES = [${plan.nodeNames.map(gdString).join(", ")}]
var opts = {${Object.entries(defaults).map(([k, v]) => `${gdString(k)}: ${gdString(v)}`).join(", ")}}
var peer
var started = 0
var setup_done = false

func emit(d):
	print(JSON.print(d))

func _init():
	for a in OS.get_cmdline_args():
		var eq = a.find("=")
		if eq > 0:
			opts[a.substr(0, eq)] = a.substr(eq + 1, a.length() - eq - 1)
	started = OS.get_ticks_msec()

func build_scene():
	var soak = Node.new()
	soak.name = "Soak"
	root.add_child(soak)
	var script = load("res://soak_node.gd")
	var renamed = []
	for n in NAMES:
		var node = Node.new()
		node.set_script(script)
		node.main = self
		node.name = n
		soak.add_child(node)
		if node.name != n:
			renamed.append(node.name)
	return renamed

func open_peer():
	peer = NetworkedMultiplayerENet.new()
	peer.channel_count = int(opts["channels"])
	peer.compression_mode = int(opts["compression"])
`;
}

/**
 * The end of res://main.gd: echo() and echo_set() send what arrived back to echo_target()
 * (0: echo nothing) after note(to, mode, tag) counted it, with the same node, member, delivery
 * and channel; _idle() runs setup() once and quits after max_ms.
 */
export const MAIN_SCRIPT_TAIL = `
# Where an echo goes (0: nowhere), once counted by note() and with its delivery and channel set on the peer.
func echo_route(mode, channel, tag):
	var to = echo_target()
	if to == 0:
		return 0
	note(to, mode, tag)
	peer.always_ordered = mode == 2
	peer.transfer_channel = channel
	return to

# Calls the method back with what arrived: same node, same delivery, same channel.
func echo(node, method, args, mode, channel):
	var tag = null
	if mode != 0:
		tag = args[0]
	var to = echo_route(mode, channel, tag)
	if to == 0:
		return
	if mode == 0:
		node.callv("rpc_id", [to, method] + args)
	else:
		node.callv("rpc_unreliable_id", [to, method] + args)

func echo_set(node, prop, value, mode, channel):
	var tag = null
	if mode != 0:
		tag = value[0]
	var to = echo_route(mode, channel, tag)
	if to == 0:
		return
	if mode == 0:
		node.rset_id(to, prop, value)
	else:
		node.rset_unreliable_id(to, prop, value)

func _idle(_delta):
	if not setup_done:
		setup_done = true
		setup()
	if OS.get_ticks_msec() - started > int(opts["max_ms"]):
		emit({"ev": "timeout", "reliable": reliable})
		quit(3)
	return false
`;

/** A throwaway project.godot for one seed. */
export function projectFile(name: string): string {
  return `; A throwaway project for one seed of spec-tests/scene/${name}.ts.
config_version=4

[application]

config/name="packetpeer-${name}"

[logging]

file_logging/enable_file_logging=false
file_logging/enable_file_logging.pc=false
`;
}

/** Argument bytes above which an unreliable operation travels as reliable ENet fragments both ways. */
export const BIG_UNRELIABLE = 1400;
/** Operations a sender keeps unanswered at once, and their bytes: well inside ENet's windows. */
const WINDOW_OPS = 48;
const WINDOW_BYTES = 32 * 1024;
/**
 * An unreliable operation stops counting against the window this long after it went out, echoed
 * or not (it may have been lost). Only pacing depends on it, never a verdict.
 */
const UNRELIABLE_SETTLE_MS = 400;
export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/**
 * What a soak run reports when an end gave up its link while Godot ran: ENet's give-up rule, C
 * ENet's and ours alike, ends a peer whose reliable command went unacknowledged through
 * timeoutLimit (32) doublings of its first retransmission timeout and timeoutMinimum (5 s); on a
 * lossy leg, a command or its acknowledgement lost five or six times in a row does it.
 */
export interface PeerTimeoutResult {
  failures: string[];
  /** Which end gave up, or null. */
  peerTimeout: string | null;
}

/**
 * `run(0)`, and `run(1)` once more if the first failed by a peer timeout alone (the relays' fates
 * come from other streams then: the same seeded ones would meet the same losses). `first` is the
 * run that timed out, for the caller to report; any other failure stands.
 */
export async function withOneRetry<R extends PeerTimeoutResult>(run: (attempt: number) => Promise<R>): Promise<{ result: R; first: R | null }> {
  const result = await run(0);
  if (result.peerTimeout === null || result.failures.length !== 1) return { result, first: null };
  return { result: await run(1), first: result };
}

/** A leg's relay seed: `attempt` > 0 draws other fates for the same leg. */
export const relaySeed = (seed: number, attempt: number): number => seed ^ Math.imul(attempt, 0x9e3779b1);
export const G3 = { protocol: "godot3" as const };
const hexOf = (b: Uint8Array): string => Buffer.from(b).toString("hex");

/** What Godot says it received from one sender: the reliable count and the unreliable indices in receive order. */
export type GodotReceipt = Readonly<Record<string, unknown>> & { reliable?: unknown; tags?: unknown };

/**
 * The delivery checks of a soak. Every operation belongs to one stream (a sender, a receiver, an
 * ENet channel: `streamOf`), and what Godot 3.2 over ENet guarantees holds per stream
 * (NetworkedMultiplayerENet::put_packet picks the channel and flags; ENet 1.3 delivers; a Godot
 * server's relay, NetworkedMultiplayerENet::poll, resends a packet on the channel it came on with
 * the flags it came with, in the order received):
 * - reliable: every one arrives, once, in the order sent on its stream.
 * - unsequenced (Godot 3's unreliable default): may be lost, arrives at most once, in any order.
 * - ordered (always_ordered, ENet's sequenced unreliable): may be lost, at most once, never after a
 *   later one of its stream, and exactly after the reliable ones sent before it on its stream
 *   (ENet drops it otherwise).
 * An unreliable operation whose arguments take more than BIG_UNRELIABLE bytes travels as reliable
 * fragments (neither Godot 3.2 nor we set UNRELIABLE_FRAGMENT), so it must arrive.
 * Reliable operations are named by their place in their stream; unreliable ones by their index,
 * their first argument.
 */
export class DeliveryLedger {
  readonly encoded: Uint8Array[][];
  /** Unreliable operations sent as reliable fragments: all must arrive. */
  readonly big: number[];
  readonly sent: Record<Delivery, number> = { reliable: 0, unsequenced: 0, ordered: 0 };
  readonly echoed: Record<Delivery, number> = { reliable: 0, unsequenced: 0, ordered: 0 };
  /** Unreliable operations that arrived. */
  readonly seenTags = new Set<number>();
  private readonly reliableQueue = new Map<number, number[]>();
  /** For every operation, how many reliable ones of its stream were sent before it. */
  private readonly reliableBefore: number[] = [];
  private readonly gotReliable = new Map<number, number>();
  private readonly lastOrdered = new Map<number, number>();

  constructor(
    private readonly plan: SoakPlan,
    /** The stream of each operation, in plan.ops order; a sender's operations are sent in index order. */
    readonly streamOf: readonly number[],
    private readonly fail: (why: string) => void,
  ) {
    this.encoded = plan.ops.map((op) => op.args.map((a) => varToBytes(a, G3)));
    plan.ops.forEach((op, i) => {
      const q = this.reliableQueue.get(streamOf[i]!) ?? [];
      this.reliableBefore.push(q.length);
      if (this.deliveryOf(i) === "reliable") q.push(i);
      this.reliableQueue.set(streamOf[i]!, q);
      this.sent[this.deliveryOf(i)]++;
    });
    this.big = plan.ops.map((_, i) => i).filter((i) => this.deliveryOf(i) !== "reliable" && this.encoded[i]!.reduce((n, b) => n + b.length, 0) > BIG_UNRELIABLE);
  }

  deliveryOf(i: number): Delivery {
    return this.plan.members[this.plan.ops[i]!.member]!.delivery;
  }

  /** Bytes an operation counts for in a send window. */
  size(i: number): number {
    return this.encoded[i]!.reduce((s, b) => s + b.length, 16);
  }

  /** Checks one arrival on `stream` at node `nodeIndex`, member `memberIndex`; `where` names it in failures. */
  arrival(where: string, stream: number, nodeIndex: number, memberIndex: number, args: unknown[]): void {
    const { plan, fail } = this;
    const { members, ops } = plan;
    const m = members[memberIndex]!;
    let at: number;
    if (m.delivery === "reliable") {
      const done = this.gotReliable.get(stream) ?? 0;
      const owed = this.reliableQueue.get(stream)?.[done];
      if (owed === undefined) return fail(`${where}: a reliable echo with none owed on its channel (${done} arrived)`);
      at = owed;
      this.gotReliable.set(stream, done + 1);
    } else {
      const tag = m.kind === "set" ? (Array.isArray(args[0]) ? (args[0] as unknown[])[0] : undefined) : args[0];
      if (typeof tag !== "number" || !Number.isInteger(tag) || tag < 0 || tag >= ops.length) return fail(`${where}: an unreliable echo without a valid index (${String(tag)})`);
      at = tag;
      if (this.seenTags.has(at)) return fail(`${where}: operation ${at} echoed twice`);
      this.seenTags.add(at);
      if (m.delivery === "ordered") {
        const last = this.lastOrdered.get(stream) ?? -1;
        if (at < last) fail(`${where}: sequenced operation ${at} arrived after ${last}, sent later on its channel`);
        this.lastOrdered.set(stream, Math.max(last, at));
        const done = this.gotReliable.get(stream) ?? 0;
        if (done !== this.reliableBefore[at]) fail(`${where}: sequenced operation ${at} arrived after ${done} reliable echoes of its channel; ${this.reliableBefore[at]} were sent before it`);
      }
    }
    const op = ops[at]!;
    if (op.node !== nodeIndex || op.member !== memberIndex) {
      return fail(`${where}: operation ${at} went to ${plan.nodeNames[op.node]}.${members[op.member]!.name}`);
    }
    if (this.streamOf[at] !== stream) return fail(`${where}: operation ${at} arrived from another sender or at another receiver than it was sent`);
    const want = this.encoded[at]!;
    if (args.length !== want.length || args.some((a, k) => !sameBytes(varToBytes(a, G3), want[k]!))) {
      return fail(`${where}: operation ${at} sent ${want.map(hexOf).join(" | ")}, got back ${args.map((a) => hexOf(varToBytes(a, G3))).join(" | ")}`);
    }
    this.echoed[m.delivery]++;
  }

  /** Reliable operation i has arrived when its stream's count has passed its place. */
  reliableDone(i: number): boolean {
    return (this.gotReliable.get(this.streamOf[i]!) ?? 0) > this.reliableBefore[i]!;
  }

  /** The oldest reliable operation of `stream` still owed, if any. */
  firstOwed(stream: number): number | undefined {
    return this.reliableQueue.get(stream)?.[this.gotReliable.get(stream) ?? 0];
  }

  /** Reliable operations still owed, all streams. */
  reliableLeft(): number {
    return [...this.reliableQueue].reduce((n, [stream, q]) => n + q.length - (this.gotReliable.get(stream) ?? 0), 0);
  }

  /** Every reliable operation and every fragmented unreliable one has arrived. */
  complete(): boolean {
    return this.reliableLeft() === 0 && this.big.every((i) => this.seenTags.has(i));
  }

  /**
   * The first leg, from Godot's own count of what it received of the operations `sentToGodot`
   * picks: all the reliable ones, the unreliable ones at most once (sequenced: in order per
   * stream), the fragmented ones all, and nothing came back that Godot did not get. `from`
   * prefixes the failures (empty with one sender). Returns how many unreliable ones Godot got.
   */
  checkReceipt(receipt: GodotReceipt, sentToGodot: (i: number) => boolean, from = ""): number {
    const fail = (why: string): void => this.fail(from + why);
    const ops = this.plan.ops.map((_, i) => i).filter(sentToGodot);
    const reliableSent = ops.filter((i) => this.deliveryOf(i) === "reliable").length;
    if (receipt.reliable !== reliableSent) fail(`Godot received ${String(receipt.reliable)} reliable operations, we sent ${reliableSent}`);
    const tags = Array.isArray(receipt.tags) ? (receipt.tags as unknown[]) : [];
    const there = new Set<number>();
    const lastThere = new Map<number, number>();
    for (const t of tags) {
      if (typeof t !== "number" || !Number.isInteger(t) || t < 0 || t >= this.plan.ops.length || !sentToGodot(t) || this.deliveryOf(t) === "reliable") {
        fail(`Godot reports unreliable operation ${String(t)}, which we did not send unreliably`);
        continue;
      }
      if (there.has(t)) fail(`Godot received unreliable operation ${t} twice`);
      there.add(t);
      if (this.deliveryOf(t) === "ordered") {
        const stream = this.streamOf[t]!;
        const last = lastThere.get(stream) ?? -1;
        if (t < last) fail(`Godot received sequenced operation ${t} after ${last} on channel ${enetChannel(this.plan.members[this.plan.ops[t]!.member]!)}`);
        lastThere.set(stream, Math.max(t, last));
      }
    }
    for (const t of this.seenTags) if (sentToGodot(t) && !there.has(t)) fail(`operation ${t} came back, but Godot never received it`);
    for (const t of this.big) if (sentToGodot(t) && !there.has(t)) fail(`Godot never received operation ${t}, unreliable but sent as reliable fragments`);
    return there.size;
  }
}

/**
 * The pacing of one sender over its operations (`order`, ascending indices): at most WINDOW_OPS
 * and WINDOW_BYTES unanswered, and never more than 4 windows past the oldest reliable operation
 * still owed (an unanswered one far back would otherwise stop counting).
 */
export class SendWindow {
  /** How many of `order` have gone out. */
  next = 0;
  private readonly sentAt: number[] = [];
  private readonly streams: Set<number>;
  private readonly place = new Map<number, number>();

  constructor(
    private readonly ledger: DeliveryLedger,
    readonly order: readonly number[],
  ) {
    this.streams = new Set(order.map((i) => ledger.streamOf[i]!));
    order.forEach((i, k) => this.place.set(i, k));
  }

  get finished(): boolean {
    return this.next === this.order.length;
  }

  /** Reliable operations still owed an arrival, and unreliable ones neither arrived nor settled. */
  private outstanding(now: number): number[] {
    const out: number[] = [];
    for (let k = Math.max(0, this.next - 4 * WINDOW_OPS); k < this.next; k++) {
      const i = this.order[k]!;
      if (this.ledger.deliveryOf(i) === "reliable" ? !this.ledger.reliableDone(i) : !this.ledger.seenTags.has(i) && now - this.sentAt[k]! < UNRELIABLE_SETTLE_MS) out.push(i);
    }
    return out;
  }

  /** How far back the oldest reliable operation this sender still owes is. */
  private oldestOwedDistance(): number {
    let oldest = this.next;
    for (const stream of this.streams) {
      const i = this.ledger.firstOwed(stream);
      const k = i === undefined ? undefined : this.place.get(i);
      if (k !== undefined && k < oldest) oldest = k;
    }
    return this.next - oldest;
  }

  /**
   * Sends what the window allows now: `send(i)` sends operation i and returns false when it may
   * not go yet (it is tried again next time). Returns the bytes sent.
   */
  pump(send: (i: number) => boolean): number {
    const now = Date.now();
    const pending = this.outstanding(now);
    let bytes = pending.reduce((n, i) => n + this.ledger.size(i), 0);
    let inFlight = pending.length;
    let sentBytes = 0;
    while (!this.finished && inFlight < WINDOW_OPS && (bytes < WINDOW_BYTES || inFlight === 0) && this.oldestOwedDistance() < 4 * WINDOW_OPS) {
      const i = this.order[this.next]!;
      if (!send(i)) break;
      const size = this.ledger.size(i);
      this.sentAt.push(Date.now());
      bytes += size;
      sentBytes += size;
      inFlight++;
      this.next++;
    }
    return sentBytes;
  }
}

/**
 * Nothing may be dropped while the other side is connected (`atDisconnect`: the counters when it
 * left, if it did). Returns the counters that changed after it left, for the caller to judge.
 */
export function dropsWhileConnected(mp: SceneMultiplayer, atDisconnect: SceneDropCounters | undefined, fail: (why: string) => void, who = ""): { now: SceneDropCounters; before: SceneDropCounters } {
  const now = mp.getDropCounters();
  const before = atDisconnect ?? now;
  const dropped = Object.entries(before).filter(([, n]) => n !== 0);
  if (dropped.length > 0) fail(`${who}our SceneMultiplayer dropped packets while Godot was connected: ${JSON.stringify(Object.fromEntries(dropped))}`);
  return { now, before };
}

/** Godot's stderr lines that say ERROR or WARNING (minus its locale notice). */
export function godotErrorLines(proc: JsonLineProcess): string[] {
  return proc.stderr
    .join("")
    .split("\n")
    .filter((l) => /ERROR|WARNING/.test(l) && !/locale/i.test(l));
}

/** Why the soak cannot run here (godot3-server missing), or null. */
export function godot3SoakSkipReason(): string | null {
  const a = godotAvailable();
  return a === true ? null : a.skip;
}
