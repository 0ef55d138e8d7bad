// A seeded RPC soak against a live Godot 4.6 SceneMultiplayer client (the official web build in
// headless Chromium, spec-tests/godot4/harness.ts): our SceneMultiplayer server calls random
// methods on random nodes with random Variant arguments, the Godot client calls each one back on
// the same node with the arguments it received, and every echo must arrive in order, on the node
// and method it went out on, with arguments that encode to the bytes we sent.
//
// Each seed draws the scene: up to 400 nodes (node ids past 255 travel as 16-bit ids, both ways,
// through both path caches) and a script of up to 300 RPC methods (method ids past 255 travel as
// 16-bit ids) whose names mix upper case, lower case, digits, "_" and a few non-ASCII letters (the
// method ids are the names' code-point order, and the path cache compares an MD5 of them), each
// method with 0-3 parameters, a transfer mode and a channel. The calls draw their arguments from
// spec-tests/variant/random-values.ts, with extra weight on the integers where the compressed
// integer form changes width and on a lone PackedByteArray (the raw, byte-only form).
//
// Used by rpc-soak.godot4.test.ts (a few seeds in npm test) and rpc-soak-run.ts
// (npm run soak:godot4-rpc, many seeds).
import { SeededRandom } from "../../src/util/prng.ts";
import { sameBytes } from "../../src/util/same-bytes.ts";
import { varToBytes } from "../../src/variant/index.ts";
import { GD_REPORT_AND_ARGS, type Godot4Session } from "../godot4/harness.ts";
import { RandomVariants } from "../variant/random-values.ts";
import { failureLog, liveSceneServer } from "./support.ts";

const TRANSFER_MODES = ["reliable", "unreliable", "unreliable_ordered"] as const;
type TransferModeName = (typeof TRANSFER_MODES)[number];

export interface SoakMethod {
  name: string;
  arity: number;
  transferMode: TransferModeName;
  channel: number;
}

export interface SoakCall {
  node: number;
  /** Index into SoakPlan.methods. */
  method: number;
  args: unknown[];
}

export interface SoakPlan {
  seed: number;
  nodeCount: number;
  /** In declaration order (not sorted: the method ids are both sides' own sorting). */
  methods: SoakMethod[];
  calls: SoakCall[];
  /**
   * Two Godot clients: the server calls the first, which calls each method on to the second through
   * the server's relay (Godot to Godot path caches, relayed), and the second calls back the server.
   */
  relay: boolean;
}

/** Integers at the edges of the compressed integer widths (8, 16, 32, 64 bits) of an RPC argument. */
const EDGE_INTEGERS: readonly (number | bigint)[] = [
  0, 1, -1, 127, 128, -128, -129, 255, 256, 32767, 32768, -32768, -32769, 65535, 65536,
  2147483647, 2147483648, -2147483648, -2147483649, 2 ** 53, -(2 ** 53), 9223372036854775807n, -9223372036854775808n,
];
const NAME_FIRST = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ_";
const NAME_REST = NAME_FIRST + "0123456789";
const NAME_RARE = "éßøÅ";

/** Picks a size from three bands: small, just around a 256 boundary, past it. */
function band(rng: SeededRandom, small: number, edgeFrom: number, edgeTo: number, max: number): number {
  const r = rng.nextInt(4);
  if (r < 2) return 1 + rng.nextInt(small);
  if (r === 2) return edgeFrom + rng.nextInt(edgeTo - edgeFrom + 1);
  return edgeTo + 1 + rng.nextInt(max - edgeTo);
}

function shuffled(rng: SeededRandom, n: number): number[] {
  const out = Array.from({ length: n }, (_, i) => i);
  for (let i = n - 1; i > 0; i--) {
    const j = rng.nextInt(i + 1);
    [out[i], out[j]] = [out[j]!, out[i]!];
  }
  return out;
}

/** Every name starts with "r" so no name meets a Node method or a GDScript keyword. */
function methodNames(rng: SeededRandom, count: number): string[] {
  const names = new Set<string>();
  while (names.size < count) {
    let name = "r" + NAME_FIRST[rng.nextInt(NAME_FIRST.length)]!;
    const extra = rng.nextInt(7);
    for (let i = 0; i < extra; i++) name += rng.chance(0.03) ? NAME_RARE[rng.nextInt(NAME_RARE.length)]! : NAME_REST[rng.nextInt(NAME_REST.length)]!;
    names.add(name);
  }
  return [...names];
}

/** The scene and the calls of one seed: `calls` RPCs, or one per node when there are more nodes. */
export function soakPlan(seed: number, calls: number): SoakPlan {
  const rng = new SeededRandom(seed);
  let nodeCount = band(rng, 20, 250, 270, 400);
  let methodCount = band(rng, 12, 250, 262, 300);
  // Both large would make Godot build a scene of 100,000 RPC configs: one of them shrinks.
  if (nodeCount * methodCount > 40_000) {
    if (rng.chance(0.5)) nodeCount = 1 + rng.nextInt(20);
    else methodCount = 1 + rng.nextInt(12);
  }
  const methods = methodNames(rng, methodCount).map((name) => ({
    name,
    arity: rng.nextInt(4),
    transferMode: TRANSFER_MODES[rng.nextInt(TRANSFER_MODES.length)]!,
    channel: rng.chance(0.5) ? 0 : rng.nextInt(8),
  }));
  const values = new RandomVariants(seed ^ 0x5eed);
  const argument = (): unknown => {
    const r = rng.nextInt(10);
    if (r === 0) return EDGE_INTEGERS[rng.nextInt(EDGE_INTEGERS.length)]!;
    if (r === 1) return rng.chance(0.5);
    return values.any(2);
  };
  // Half the calls go to the highest ids, where the wider forms are.
  const pickHigh = (n: number): number => (rng.chance(0.5) ? n - 1 - rng.nextInt(Math.min(n, 8)) : rng.nextInt(n));
  const sorted = methods.map((m, i) => ({ m, i })).sort((a, b) => (a.m.name < b.m.name ? -1 : a.m.name > b.m.name ? 1 : 0));
  const list: SoakCall[] = [];
  // Path-cache ids count up from 1 in the order nodes are first called: past 255 nodes, every node
  // is called once first (in random order), so the ids past 255 and their 16-bit form get used.
  const firstVisits = nodeCount > 255 ? shuffled(rng, nodeCount) : [];
  for (let c = 0; c < Math.max(calls, firstVisits.length); c++) {
    const method = sorted[pickHigh(sorted.length)]!.i;
    const arity = methods[method]!.arity;
    let args: unknown[];
    if (arity === 1 && rng.chance(0.2)) args = [Uint8Array.from({ length: 1 + rng.nextInt(rng.chance(0.2) ? 3000 : 40) }, () => rng.nextInt(256))];
    else args = Array.from({ length: arity }, argument);
    // A lone empty PackedByteArray goes out as a call with no arguments, from Godot as from us
    // (the byte-only form has no length), and Godot then refuses a one-parameter method.
    if (arity === 1 && args[0] instanceof Uint8Array && args[0].length === 0) args = [Uint8Array.of(0)];
    list.push({ node: firstVisits[c] ?? pickHigh(nodeCount), method, args });
  }
  return { seed, nodeCount, methods, calls: list, relay: rng.chance(0.4) };
}

/** GDScript of the nodes' script (res://soak_node.gd): every method calls back with its arguments. */
export function soakNodeScript(plan: SoakPlan): string {
  const lines = ["extends Node", "", "var main", ""];
  for (const m of plan.methods) {
    const params = Array.from({ length: m.arity }, (_, i) => `a${i}`);
    lines.push(`@rpc("any_peer", "call_remote", "${m.transferMode}", ${m.channel})`);
    lines.push(`func ${m.name}(${params.join(", ")}) -> void:`);
    lines.push(`\tmain.echo(self, &"${m.name}", [${params.join(", ")}])`);
    lines.push("");
  }
  return lines.join("\n");
}

/** GDScript of the client (res://main.gd, the main scene's root). User args: url=, nodes=, max_ms=, forward=0|1. */
export const SOAK_CLIENT = `extends Node

var opts := {"url": "", "nodes": "1", "max_ms": "60000", "forward": "0"}
var started := 0
var echoed := 0

${GD_REPORT_AND_ARGS}
func _ready() -> void:
	read_user_args(opts)
	started = Time.get_ticks_msec()
	var soak := Node.new()
	soak.name = "Soak"
	var node_script = load("res://soak_node.gd")
	for j in int(opts["nodes"]):
		var n := Node.new()
		n.name = "N%d" % j
		n.set_script(node_script)
		n.main = self
		soak.add_child(n)
	get_tree().root.add_child.call_deferred(soak)
	_connect.call_deferred()

func _connect() -> void:
	var mp := multiplayer as SceneMultiplayer
	mp.peer_packet.connect(func(_id, bytes):
		if bytes.get_string_from_utf8() == "bye":
			report({"ev": "bye", "echoed": echoed})
			get_tree().quit(0))
	mp.connected_to_server.connect(func(): report({"ev": "connected", "id": multiplayer.get_unique_id()}))
	mp.server_disconnected.connect(func():
		report({"ev": "server_disconnected"})
		get_tree().quit(2))
	var peer := WebSocketMultiplayerPeer.new()
	var err := peer.create_client(opts["url"])
	mp.multiplayer_peer = peer
	report({"ev": "ready", "err": err})

# Calls the method back on the server, or with forward=1 on the other client (through the relay).
func echo(node: Node, method: StringName, args: Array) -> void:
	echoed += 1
	var to := 1
	if opts["forward"] == "1":
		to = 0
		for p in multiplayer.get_peers():
			if p != 1:
				to = p
		if to == 0:
			report({"ev": "no_peer_to_forward_to"})
			return
	node.callv("rpc_id", [to, method] + args)

func _process(_delta: float) -> void:
	if Time.get_ticks_msec() - started > int(opts["max_ms"]):
		report({"ev": "timeout", "echoed": echoed})
		get_tree().quit(3)
`;

export interface SoakResult {
  seed: number;
  nodeCount: number;
  methodCount: number;
  calls: number;
  relay: boolean;
  /** Echoes that arrived (each one checked). */
  echoed: number;
  /** Calls whose node id (our path-cache id) or method id needed the 16-bit form. */
  wideNodeCalls: number;
  wideMethodCalls: number;
  bytesSent: number;
  ms: number;
  /** Empty when the seed passed. */
  failures: string[];
  godotErrors: string[];
}

/** Bytes the server keeps in flight to the Godot client, under its WebSocket inbound buffer (64 KiB). */
const IN_FLIGHT_BYTES = 24 * 1024;
const IN_FLIGHT_CALLS = 96;
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
const describeArgs = (args: readonly unknown[]): string => args.map((a) => Buffer.from(varToBytes(a)).toString("hex")).join(" | ");

/** Runs one seed on `godot` (an open harness session). Resolves with what happened; never throws for a failed check. */
export async function runRpcSoak(godot: Godot4Session, seed: number, calls: number, limitMs = 90_000): Promise<SoakResult> {
  const started = Date.now();
  const plan = soakPlan(seed, calls);
  const { failures, fail } = failureLog(10);
  const { peer, mp } = await liveSceneServer();
  const sortedNames = plan.methods.map((m) => m.name).sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  const methodId = new Map(sortedNames.map((n, i) => [n, i]));
  const encoded = plan.calls.map((c) => c.args.map((a) => varToBytes(a)));

  // The Godot clients: [0] is called by the server; with plan.relay, [0] calls [1] on, which calls back.
  const clients = Array.from({ length: plan.relay ? 2 : 1 }, () => ({ id: 0, lines: [] as Record<string, unknown>[], finished: false }));
  const echoer = clients[clients.length - 1]!;
  let received = 0;
  for (let j = 0; j < plan.nodeCount; j++) {
    const node = mp.node(`/root/Soak/N${j}`);
    for (const m of plan.methods) {
      node.rpcConfig(m.name, { rpcMode: "any_peer", transferMode: m.transferMode, channel: m.channel });
      node.on(m.name, (...args: unknown[]) => {
        const at = received++;
        const expected = plan.calls[at];
        if (expected === undefined) return fail(`echo ${at}: more echoes than calls (N${j}.${m.name})`);
        const want = `N${expected.node}.${plan.methods[expected.method]!.name}`;
        if (want !== `N${j}.${m.name}`) return fail(`echo ${at}: arrived on N${j}.${m.name}, sent to ${want}`);
        if (mp.getRemoteSenderId() !== echoer.id) return fail(`echo ${at} (${want}) came from peer ${mp.getRemoteSenderId()}, not ${echoer.id}`);
        const bytes = encoded[at]!;
        if (args.length !== bytes.length || args.some((a, i) => !sameBytes(varToBytes(a), bytes[i]!))) {
          fail(`echo ${at} (${want}): sent ${bytes.map((b) => Buffer.from(b).toString("hex")).join(" | ")}, got back ${describeArgs(args)}`);
        }
      });
    }
  }

  const abort = new AbortController();
  const runs = clients.map((client, i) => {
    const run = godot.run({
      script: SOAK_CLIENT,
      mainScene: true,
      files: { "soak_node.gd": soakNodeScript(plan) },
      args: [`url=ws://127.0.0.1:${peer.getLocalPort()}`, `nodes=${plan.nodeCount}`, `max_ms=${limitMs}`, `forward=${plan.relay && i === 0 ? 1 : 0}`],
      timeoutMs: limitMs + 30_000,
      signal: abort.signal,
      onLine: (line) => {
        if (!line.startsWith("{")) return;
        try {
          const event = JSON.parse(line) as Record<string, unknown>;
          client.lines.push(event);
          if (event.ev === "connected") client.id = event.id as number;
        } catch {
          // not ours
        }
      },
    });
    void run.finally(() => (client.finished = true));
    return run;
  });
  const lastLines = (): string => JSON.stringify(clients.map((c) => c.lines.slice(-3)));

  let sent = 0;
  let bytesSent = 0;
  const inFlight: number[] = [];
  let inFlightBytes = 0;
  let wideNodeCalls = 0;
  let wideMethodCalls = 0;
  // Our path-cache id of each node called so far: 1, 2, ... in order of first call.
  const cacheIds = new Map<number, number>();
  const godotErrors: string[] = [];
  const deadline = Date.now() + limitMs;
  // Calls start once every client is in (the first then knows the second: the server told it first).
  const allIn = (): boolean => clients.every((c) => c.id !== 0 && mp.getPeers().includes(c.id));
  const caller = clients[0]!;
  try {
    while (received < plan.calls.length && failures.length === 0) {
      mp.poll();
      if (clients.some((c) => c.finished)) {
        fail(`a Godot client quit after ${received} of ${plan.calls.length} echoes: ${lastLines()}`);
        break;
      }
      if (Date.now() > deadline) {
        fail(`timed out after ${received} of ${plan.calls.length} echoes (sent ${sent}): ${lastLines()}`);
        break;
      }
      if (allIn()) {
        // Sizes of the calls sent and not yet echoed, oldest first.
        while (inFlight.length > sent - received) inFlightBytes -= inFlight.shift()!;
        while (sent < plan.calls.length && inFlight.length < IN_FLIGHT_CALLS && (inFlightBytes < IN_FLIGHT_BYTES || inFlight.length === 0)) {
          const call = plan.calls[sent]!;
          const size = encoded[sent]!.reduce((n, b) => n + b.length, 16);
          const name = plan.methods[call.method]!.name;
          mp.node(`/root/Soak/N${call.node}`).rpcId(caller.id, name, ...call.args);
          if (!cacheIds.has(call.node)) cacheIds.set(call.node, cacheIds.size + 1);
          if (cacheIds.get(call.node)! > 255) wideNodeCalls++;
          if (methodId.get(name)! > 255) wideMethodCalls++;
          inFlight.push(size);
          inFlightBytes += size;
          bytesSent += size;
          sent++;
        }
      }
      await sleep(1);
    }
    if (failures.length === 0) {
      mp.sendBytes(new TextEncoder().encode("bye"), 0);
      const end = Date.now() + 10_000;
      while (!clients.every((c) => c.finished) && Date.now() < end) {
        mp.poll();
        await sleep(5);
      }
    }
  } finally {
    abort.abort();
    const results = await Promise.all(runs);
    peer.close();
    results.forEach((result, i) => {
      const client = clients[i]!;
      const bye = client.lines.find((l) => l.ev === "bye");
      if (failures.length > 0) return;
      if (result.exitCode !== 0 || bye === undefined) fail(`Godot client ${i} did not end with "bye": exit ${result.exitCode}, ${JSON.stringify(client.lines.slice(-3))}`);
      else if (bye.echoed !== plan.calls.length) fail(`Godot client ${i} called on ${String(bye.echoed)} calls, we made ${plan.calls.length}`);
    });
    godotErrors.push(...results.flatMap((r) => r.errors.filter((e) => e.trim() !== "")));
  }
  return {
    seed,
    nodeCount: plan.nodeCount,
    methodCount: plan.methods.length,
    relay: plan.relay,
    calls: plan.calls.length,
    echoed: received,
    wideNodeCalls,
    wideMethodCalls,
    bytesSent,
    ms: Date.now() - started,
    failures,
    godotErrors,
  };
}
