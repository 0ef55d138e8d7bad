// A seeded replication soak against a live Godot 4.6 SceneMultiplayer client (the official web
// build in headless Chromium, spec-tests/godot4/harness.ts), both ways at once:
//  - our server spawns, respawns, despawns, frees, hides and shows nodes through a spawner, and
//    changes their replicated properties at random moments;
//  - the Godot client, the authority of a spawner of its own, spawns, frees and changes nodes onto
//    our server at random moments, from its own seeded generator.
// Each seed draws the kinds of node: one or two MultiplayerSynchronizers, each with its replication
// and delta intervals and 1-5 properties of the node's script (p0..p15), each with its spawn flag
// and replication mode (never, always, on change). Once both sides are done and replication has settled, each side's copy of the other's
// nodes must be exactly the set of live, visible nodes, with every property as its authority has
// it (a never-replicated property left out of the spawn stays null), compared as Variant bytes;
// no drop may be counted here and Godot must print no error.
//
// Used by replication-soak.godot4.test.ts (a few seeds in npm test) and replication-soak-run.ts
// (npm run soak:godot4-replication, many seeds).
import type { WebSocketMultiplayerPeer } from "../../src/multiplayer/index.ts";
import { ReplicationMode, type SceneNode } from "../../src/scene/index.ts";
import { SeededRandom } from "../../src/util/prng.ts";
import type { GodotError } from "../../src/errors.ts";
import { NetworkCommand, SYNC_DELTA_FLAG } from "../../src/scene/protocol.ts";
import { GD_REPORT_AND_ARGS, type Godot4Session } from "../godot4/harness.ts";
import { RandomVariants } from "../variant/random-values.ts";
import { failureLog, liveSceneServer } from "./support.ts";
import { compareIgnoringPadding } from "../variant/support.ts";

/** Properties the node script declares (p0..p15). */
const PROPERTY_COUNT = 16;

export interface SoakProperty {
  index: number;
  spawn: boolean;
  mode: ReplicationMode;
}
/** One MultiplayerSynchronizer of a kind: its properties in order and its intervals (seconds, 0: every frame). */
export interface SoakSync {
  props: SoakProperty[];
  replicationInterval: number;
  deltaInterval: number;
}
/** A kind of node: its synchronizers (Sync0, Sync1). */
export type SoakKind = SoakSync[];

export interface ReplicationPlan {
  seed: number;
  kinds: SoakKind[];
  /** Operations our server makes. */
  serverOps: number;
  /** Operations the Godot client makes (from its own generator, seeded with `seed`). */
  clientOps: number;
}

export function replicationPlan(seed: number, serverOps: number, clientOps: number): ReplicationPlan {
  const rng = new SeededRandom(seed);
  const kinds: SoakKind[] = [];
  const kindCount = 1 + rng.nextInt(4);
  for (let k = 0; k < kindCount; k++) {
    const free = Array.from({ length: PROPERTY_COUNT }, (_, i) => i);
    const syncs: SoakSync[] = [];
    const syncCount = rng.chance(0.3) ? 2 : 1;
    for (let s = 0; s < syncCount; s++) {
      const props: SoakProperty[] = [];
      const count = 1 + rng.nextInt(5);
      for (let p = 0; p < count; p++) {
        const index = free.splice(rng.nextInt(free.length), 1)[0]!;
        props.push({ index, spawn: rng.chance(0.5), mode: rng.nextInt(3) as ReplicationMode });
      }
      const interval = (): number => (rng.chance(0.6) ? 0 : [0.016, 0.05, 0.1][rng.nextInt(3)]!);
      syncs.push({ props, replicationInterval: interval(), deltaInterval: interval() });
    }
    kinds.push(syncs);
  }
  return { seed, kinds, serverOps, clientOps };
}

/** res://actor.gd: the replicated node's script. */
export const ACTOR_SCRIPT = ["extends Node", "", ...Array.from({ length: PROPERTY_COUNT }, (_, i) => `var p${i}`), ""].join("\n");

/**
 * res://main.gd, the main scene's root. User args: url=, seed=, ops=, max_ms=, plan=. res://kinds.json is
 * the plan's kinds: per kind, per synchronizer [replication_interval, delta_interval, [[index,
 * spawn, mode], ...]].
 */
export const CLIENT_SCRIPT = `extends Node

var opts := {"url": "", "seed": "1", "ops": "0", "max_ms": "60000", "plan": ""}
# plan=spawn,set,free: these operations, one a frame, instead of ops random ones.
var plan: PackedStringArray
var kinds: Array = []
var started := 0
var rng := RandomNumberGenerator.new()
var actor_script
var actors: Node
var my_actors: Node
var mine: MultiplayerSpawner
var my_id := 0
var ops_left := 0
var serial := 0

${GD_REPORT_AND_ARGS}
func _ready() -> void:
	read_user_args(opts)
	started = Time.get_ticks_msec()
	kinds = JSON.parse_string(FileAccess.get_file_as_string("res://kinds.json"))
	rng.seed = int(opts["seed"])
	ops_left = int(opts["ops"])
	plan = opts["plan"].split(",", false)
	if not plan.is_empty():
		ops_left = plan.size()
	actor_script = load("res://actor.gd")
	var level := Node.new()
	level.name = "Level"
	actors = Node.new()
	actors.name = "Actors"
	level.add_child(actors)
	my_actors = Node.new()
	my_actors.name = "MyActors"
	level.add_child(my_actors)
	var spawner := MultiplayerSpawner.new()
	spawner.name = "Spawner"
	spawner.spawn_function = _spawn_actor
	level.add_child(spawner)
	spawner.spawn_path = NodePath("../Actors")
	mine = MultiplayerSpawner.new()
	mine.name = "Mine"
	mine.spawn_function = _spawn_actor
	level.add_child(mine)
	mine.spawn_path = NodePath("../MyActors")
	get_tree().root.add_child.call_deferred(level)
	_connect.call_deferred()

func _connect() -> void:
	var mp := multiplayer as SceneMultiplayer
	mp.peer_packet.connect(func(_id, bytes):
		if bytes.get_string_from_utf8() == "bye":
			_dump()
			get_tree().quit(0))
	mp.connected_to_server.connect(func():
		my_id = multiplayer.get_unique_id()
		mine.set_multiplayer_authority(my_id)
		report({"ev": "connected", "id": my_id}))
	mp.server_disconnected.connect(func():
		report({"ev": "server_disconnected"})
		get_tree().quit(2))
	var peer := WebSocketMultiplayerPeer.new()
	var err := peer.create_client(opts["url"])
	mp.multiplayer_peer = peer
	report({"ev": "ready", "err": err})

# data: [kind, authority, name]. On the authority (this client's own spawns) it also draws the
# node's first values; elsewhere they come with the spawn and the syncs.
func _spawn_actor(data: Variant) -> Node:
	var kind: int = data[0]
	var n := Node.new()
	n.set_script(actor_script)
	n.set_meta("kind", kind)
	var s := 0
	for sync_def in kinds[kind]:
		var sync := MultiplayerSynchronizer.new()
		sync.name = "Sync%d" % s
		s += 1
		sync.replication_interval = sync_def[0]
		sync.delta_interval = sync_def[1]
		var cfg := SceneReplicationConfig.new()
		for prop in sync_def[2]:
			var path := NodePath(".:p%d" % int(prop[0]))
			cfg.add_property(path)
			cfg.property_set_spawn(path, prop[1])
			cfg.property_set_replication_mode(path, int(prop[2]))
		sync.replication_config = cfg
		n.add_child(sync)
	if int(data[1]) != 1:
		n.name = data[2]
		n.set_multiplayer_authority(int(data[1]))
		if int(data[1]) == my_id:
			for sync_def in kinds[kind]:
				for prop in sync_def[2]:
					n.set("p%d" % int(prop[0]), rand_value())
	return n

func rand_value() -> Variant:
	match rng.randi() % 15:
		0: return rng.randi_range(-300, 300)
		1: return rng.randi() - 2147483648
		2: return (rng.randi() << 21) ^ rng.randi()
		3: return rng.randf_range(-1000.0, 1000.0)
		4: return float(rng.randi_range(-50, 50))
		5: return "s%d" % rng.randi()
		6: return Vector2(rng.randf_range(-10, 10), rng.randf_range(-10, 10))
		7: return Vector3i(rng.randi_range(-100, 100), 2, rng.randi_range(-100000, 100000))
		8: return Color(rng.randf(), rng.randf(), rng.randf(), 1.0)
		9: return [rng.randi_range(0, 9), "x", null]
		10: return {"k": rng.randi_range(0, 99), "v": Vector2.ONE}
		11: return PackedByteArray([rng.randi() % 256, 7])
		12: return rng.randf() < 0.5
		13: return StringName("n%d" % rng.randi_range(0, 9))
		_: return null

# A property of n that replicates after the spawn (mode always or on change), or "".
func changeable(n: Node) -> String:
	var names := []
	for sync_def in kinds[n.get_meta("kind")]:
		for prop in sync_def[2]:
			if int(prop[2]) != 0:
				names.append("p%d" % int(prop[0]))
	return "" if names.is_empty() else names[rng.randi() % names.size()]

func _process(_delta: float) -> void:
	if Time.get_ticks_msec() - started > int(opts["max_ms"]):
		report({"ev": "timeout"})
		get_tree().quit(3)
		return
	if my_id == 0 or ops_left <= 0 or (plan.is_empty() and rng.randf() < 0.3):
		return
	ops_left -= 1
	var live := my_actors.get_children().filter(func(c): return not c.is_queued_for_deletion())
	var r := rng.randf()
	if not plan.is_empty():
		var step := plan[0]
		plan.remove_at(0)
		r = 0.0 if step == "spawn" else (0.5 if step == "set" else 0.99)
	if r < 0.3 and live.size() < 8:
		serial += 1
		mine.spawn([rng.randi() % kinds.size(), my_id, "M%d" % serial])
	elif r < 0.85 and not live.is_empty():
		var n: Node = live[rng.randi() % live.size()]
		var prop := changeable(n)
		if prop != "":
			n.set(prop, rand_value())
	elif not live.is_empty():
		live[rng.randi() % live.size()].queue_free()
	if ops_left == 0:
		report({"ev": "ops_done"})

func _dump() -> void:
	for group in [actors, my_actors]:
		for n in group.get_children():
			if n.is_queued_for_deletion():
				continue
			var props := {}
			for sync_def in kinds[n.get_meta("kind")]:
				for prop in sync_def[2]:
					props[str(int(prop[0]))] = var_to_bytes(n.get("p%d" % int(prop[0]))).hex_encode()
			report({"ev": "node", "group": group.name, "name": str(n.name), "kind": n.get_meta("kind"), "props": props})
	report({"ev": "dumped"})
`;

export interface ReplicationSoakResult {
  seed: number;
  kinds: number;
  /** What our server did, and what the Godot client did as seen here. */
  serverOps: number;
  spawns: number;
  hides: number;
  theirSpawns: number;
  /** Nodes compared at the end (ours on Godot, Godot's here). */
  comparedOurs: number;
  comparedTheirs: number;
  /** SPAWN, DESPAWN and delta entries our server sent the client (checked against what it has). */
  sent: { spawns: number; despawns: number; deltas: number };
  ms: number;
  failures: string[];
  godotErrors: string[];
  /** Our operations, what the client's spawner did here and our replication packets, timed (ms). */
  trace: string[];
}

interface OurNode {
  kind: number;
  node: SceneNode;
  hidden: boolean;
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
const hexBytes = (hex: string): Uint8Array => new Uint8Array(Buffer.from(hex, "hex"));
const propertyName = (index: number): string => `p${index}`;
const baseName = (path: string): string => path.slice(path.lastIndexOf("/") + 1);
const kindOf = (data: unknown): number => (Array.isArray(data) ? Number(data[0]) : -1);

/**
 * Follows what our server sends the client as Godot's receiving side keeps it: the synchronizer
 * ids each SPAWN brings (net id -> its synchronizers' ids) and each DESPAWN takes away. A delta for
 * an id the client does not have is what Godot reports as "Ignoring delta for non-authority or
 * invalid synchronizer": a failure here, with the packet. Full syncs for one are counted (Godot
 * drops them silently).
 */
function watchReplicationPackets(peer: WebSocketMultiplayerPeer, fail: (why: string) => void, trace: (line: string) => void): { unknownSyncs: number; spawns: number; despawns: number; deltas: number } {
  const counts = { unknownSyncs: 0, spawns: 0, despawns: 0, deltas: 0 };
  const spawnedSyncs = new Map<number, number[]>();
  const known = new Set<number>();
  let target = 0;
  const setTargetPeer = peer.setTargetPeer.bind(peer);
  const putPacket = peer.putPacket.bind(peer);
  peer.setTargetPeer = (id: number): void => {
    target = id;
    setTargetPeer(id);
  };
  peer.putPacket = (packet: Uint8Array): GodotError => {
    if (target !== 1) {
      const view = new DataView(packet.buffer, packet.byteOffset, packet.byteLength);
      const command = packet[0]! & 0x0f;
      if (command === NetworkCommand.SPAWN && packet.length >= 18) {
        const netId = view.getUint32(6, true);
        const count = view.getUint32(10, true);
        const ids: number[] = [];
        for (let i = 0; i < count && 18 + 4 * i + 4 <= packet.length; i++) ids.push(view.getUint32(18 + 4 * i, true));
        spawnedSyncs.set(netId, ids);
        counts.spawns++;
        trace(`out SPAWN net ${netId} syncs ${ids.join(",")}`);
        for (const id of ids) known.add(id);
      } else if (command === NetworkCommand.DESPAWN && packet.length >= 5) {
        const netId = view.getUint32(1, true);
        for (const id of spawnedSyncs.get(netId) ?? []) known.delete(id);
        spawnedSyncs.delete(netId);
        counts.despawns++;
        trace(`out DESPAWN net ${netId}`);
      } else if (command === NetworkCommand.SYNC) {
        const delta = (packet[0]! & SYNC_DELTA_FLAG) !== 0;
        let at = delta ? 1 : 3;
        while (at + (delta ? 16 : 8) <= packet.length) {
          const id = view.getUint32(at, true);
          if (delta) {
            counts.deltas++;
            trace(`out delta sync ${id}`);
          }
          const size = view.getUint32(at + (delta ? 12 : 4), true);
          if (!(id & 0x80000000) && !known.has(id)) {
            if (delta) fail(`a delta for synchronizer ${id}, which the client does not have: ${Buffer.from(packet).toString("hex").slice(0, 120)}`);
            else counts.unknownSyncs++;
          }
          at += (delta ? 16 : 8) + size;
        }
      }
    }
    return putPacket(packet);
  };
  return counts;
}

/** Runs one seed on `godot` (an open harness session). Never throws for a failed check. */
export async function runReplicationSoak(godot: Godot4Session, seed: number, serverOps: number, clientOps: number, limitMs = 90_000): Promise<ReplicationSoakResult> {
  const started = Date.now();
  const plan = replicationPlan(seed, serverOps, clientOps);
  // The operations come from their own generator, the pauses between polls from another, so a
  // seed makes the same operations whatever the timing (only their interleaving with Godot varies).
  const rng = new SeededRandom(seed ^ 0x7e11);
  const pauses = new SeededRandom(seed ^ 0x9a05);
  const values = new RandomVariants(seed ^ 0x51ab, "godot4");
  const { failures, fail } = failureLog(12);
  const { peer, mp } = await liveSceneServer();
  // What happened, in order, for a failure's report (bounded: the last 4000 lines).
  const traceLines: string[] = [];
  const trace = (line: string): void => {
    traceLines.push(`${Date.now() - started} ${line}`);
    if (traceLines.length > 4000) traceLines.splice(0, 1000);
  };
  const sent = watchReplicationPackets(peer, fail, trace);
  const syncOptions = (kind: number, s: number) => {
    const sync = plan.kinds[kind]![s]!;
    return {
      properties: sync.props.map((p) => ({ path: `.:${propertyName(p.index)}`, spawn: p.spawn, replicationMode: p.mode })),
      replicationInterval: sync.replicationInterval,
      deltaInterval: sync.deltaInterval,
    };
  };
  const propsOf = (kind: number): SoakProperty[] => plan.kinds[kind]!.flatMap((sync) => sync.props);

  // Their nodes, as our server has them: name -> kind.
  const theirs = new Map<string, { kind: number; node: SceneNode }>();
  let theirSpawns = 0;
  const mineSpawner = mp.spawner("Level/Mine", {
    spawnPath: "../MyActors",
    onSpawn: (node, _scene, data) => {
      theirSpawns++;
      const kind = kindOf(data);
      trace(`in spawn ${node.path} ${JSON.stringify(data)}`);
      if (plan.kinds[kind] === undefined) return fail(`their spawn ${node.path} came with data ${JSON.stringify(data)}`);
      theirs.set(baseName(node.path), { kind, node });
      plan.kinds[kind]!.forEach((_, s) => mp.synchronizer(`${node.path}/Sync${s}`, node.path, syncOptions(kind, s)));
    },
    onDespawn: (node) => {
      trace(`in despawn ${node.path}`);
      theirs.delete(baseName(node.path));
    },
  });
  // The client takes the authority of its spawner once connected (Godot checks the sender is it).
  mp.addEventListener("peer_connected", (e) => {
    mineSpawner.node.multiplayerAuthority = e.id;
  });
  const spawner = mp.spawner("Level/Spawner", { spawnPath: "../Actors" });
  const ours = new Map<string, OurNode>();

  const lines: Record<string, unknown>[] = [];
  let clientId = 0;
  const abort = new AbortController();
  const kindsJson = JSON.stringify(plan.kinds.map((syncs) => syncs.map((sync) => [sync.replicationInterval, sync.deltaInterval, sync.props.map((p) => [p.index, p.spawn, p.mode])])));
  const run = godot.run({
    script: CLIENT_SCRIPT,
    mainScene: true,
    files: { "actor.gd": ACTOR_SCRIPT, "kinds.json": kindsJson },
    args: [`url=ws://127.0.0.1:${peer.getLocalPort()}`, `seed=${seed}`, `ops=${clientOps}`, `max_ms=${limitMs}`],
    timeoutMs: limitMs + 30_000,
    signal: abort.signal,
    onLine: (line, stream) => {
      if (stream === "err") trace(`godot error: ${line}`);
      if (!line.startsWith("{")) return;
      try {
        const event = JSON.parse(line) as Record<string, unknown>;
        lines.push(event);
        if (event.ev !== "node") trace(`godot ${line}`);
        if (event.ev === "connected") clientId = event.id as number;
      } catch {
        // not ours
      }
    },
  });
  let finished = false;
  void run.finally(() => (finished = true));

  let spawns = 0;
  let hides = 0;
  let serial = 0;
  const randomValue = (): unknown => (rng.chance(0.15) ? null : values.any(1));
  const pickOurs = (): [string, OurNode] | undefined => {
    const live = [...ours];
    return live.length === 0 ? undefined : live[rng.nextInt(live.length)];
  };
  const spawnOne = (name: string): void => {
    const kind = rng.nextInt(plan.kinds.length);
    trace(`op spawn ${name} kind ${kind}`);
    const entry: OurNode = { kind, node: undefined as unknown as SceneNode, hidden: false };
    entry.node = mp.spawn(spawner, name, {
      data: [kind, 1, name],
      synchronizers: plan.kinds[kind]!.map((_, s) => ({
        path: `Level/Actors/${name}/Sync${s}`,
        options: { ...syncOptions(kind, s), visibilityFilters: [() => !entry.hidden] },
      })),
      setup: (node) => {
        for (const p of propsOf(kind)) node.set(propertyName(p.index), randomValue());
      },
    });
    ours.set(name, entry);
    spawns++;
  };
  const serverStep = (): void => {
    const r = rng.nextFloat();
    const picked = pickOurs();
    if (r < 0.25 && ours.size < 12) {
      // Sometimes a name used before: Godot frees the old node and makes a new one.
      const reuse = rng.chance(0.2) && serial > 0;
      spawnOne(reuse ? `S${1 + rng.nextInt(serial)}` : `S${++serial}`);
    } else if (r < 0.3 && picked) {
      spawnOne(picked[0]); // spawned again while spawned: despawned, then spawned afresh
    } else if (r < 0.75 && picked) {
      const [, entry] = picked;
      const changeable = propsOf(entry.kind).filter((p) => p.mode !== ReplicationMode.NEVER);
      if (changeable.length > 0) {
        const p = changeable[rng.nextInt(changeable.length)]!;
        // Sometimes the value it has: an on-change property must then send nothing new.
        entry.node.set(propertyName(p.index), rng.chance(0.1) ? entry.node.get(propertyName(p.index)) : randomValue());
        trace(`op set ${picked[0]}.${propertyName(p.index)}`);
      }
    } else if (r < 0.87 && picked) {
      picked[1].hidden = !picked[1].hidden;
      hides++;
      trace(`op ${picked[1].hidden ? "hide" : "show"} ${picked[0]}`);
    } else if (picked) {
      const [name, entry] = picked;
      const free = !rng.chance(0.5);
      trace(`op ${free ? "free" : "despawn"} ${name}`);
      if (free) mp.freeNode(entry.node);
      else mp.despawn(entry.node);
      ours.delete(name);
    }
  };

  const deadline = Date.now() + limitMs;
  const clientDone = (): boolean => lines.some((l) => l.ev === "ops_done") || clientOps === 0;
  let opsDone = 0;
  let quietSince = 0;
  const godotErrors: string[] = [];
  const theirsAtEnd = new Map<string, { kind: number; props: Map<number, unknown> }>();
  let trackedAtEnd = 0;
  try {
    for (;;) {
      mp.poll();
      if (failures.length > 0) break;
      if (finished) {
        fail(`the Godot client quit early: ${JSON.stringify(lines.slice(-3))}`);
        break;
      }
      if (Date.now() > deadline) {
        fail(`timed out: server ops ${opsDone}/${serverOps}, client ${clientDone() ? "done" : "not done"}: ${JSON.stringify(lines.slice(-3))}`);
        break;
      }
      if (clientId !== 0 && mp.getPeers().includes(clientId)) {
        if (opsDone < serverOps) {
          const burst = 1 + pauses.nextInt(3);
          for (let i = 0; i < burst && opsDone < serverOps; i++, opsDone++) serverStep();
        } else if (clientDone()) {
          // Both sides done: let replication settle (full syncs go every poll, deltas as they change).
          if (quietSince === 0) quietSince = Date.now();
          else if (Date.now() - quietSince > 1500) break;
        }
      }
      await sleep(pauses.nextInt(12));
    }
    if (failures.length === 0) {
      // What we have of theirs now: once the client quits, its nodes are freed here (as in Godot).
      for (const [name, entry] of theirs) {
        const props = new Map(propsOf(entry.kind).map((p) => [p.index, entry.node.get(propertyName(p.index))]));
        theirsAtEnd.set(name, { kind: entry.kind, props });
      }
      trackedAtEnd = mineSpawner.trackedCount;
      mp.sendBytes(new TextEncoder().encode("bye"), 0);
      const end = Date.now() + 10_000;
      while (!finished && Date.now() < end) {
        mp.poll();
        await sleep(5);
      }
      if (!lines.some((l) => l.ev === "dumped")) fail(`the Godot client did not dump its nodes: ${JSON.stringify(lines.slice(-3))}`);
    }
  } finally {
    abort.abort();
    const result = await run;
    peer.close();
    godotErrors.push(...result.errors.filter((e) => e.trim() !== ""));
  }

  let comparedOurs = 0;
  let comparedTheirs = 0;
  if (failures.length === 0) {
    const dumped = lines.filter((l) => l.ev === "node") as { group: string; name: string; kind: number; props: Record<string, string> }[];
    // Ours, as the Godot client has them: every live node we did not hide, nothing else.
    const onGodot = new Map(dumped.filter((d) => d.group === "Actors").map((d) => [d.name, d]));
    const visible = [...ours].filter(([, e]) => !e.hidden);
    const missing = visible.filter(([name]) => !onGodot.has(name)).map(([name]) => name);
    const extra = [...onGodot.keys()].filter((name) => !visible.some(([n]) => n === name));
    if (missing.length > 0 || extra.length > 0) fail(`our nodes on Godot: missing ${missing.join(",") || "none"}, extra ${extra.join(",") || "none"}`);
    for (const [name, entry] of visible) {
      const theirCopy = onGodot.get(name);
      if (!theirCopy) continue;
      comparedOurs++;
      if (theirCopy.kind !== entry.kind) fail(`${name}: kind ${theirCopy.kind} on Godot, ${entry.kind} here`);
      for (const p of propsOf(entry.kind)) {
        const expected = p.mode === ReplicationMode.NEVER && !p.spawn ? null : entry.node.get(propertyName(p.index));
        const hex = theirCopy.props[String(p.index)];
        const diff = hex === undefined ? "absent" : compareIgnoringPadding(expected, hexBytes(hex));
        if (diff !== null) fail(`our ${name}.${propertyName(p.index)} (spawn ${p.spawn}, mode ${p.mode}) on Godot: ${diff}`);
      }
    }
    // Theirs, as we have them: every node the Godot client still has, with its values.
    const mineOnGodot = dumped.filter((d) => d.group === "MyActors");
    const names = new Set(mineOnGodot.map((d) => d.name));
    const here = [...theirsAtEnd.keys()];
    const missingHere = [...names].filter((n) => !theirsAtEnd.has(n));
    const extraHere = here.filter((n) => !names.has(n));
    if (missingHere.length > 0 || extraHere.length > 0) fail(`their nodes here: missing ${missingHere.join(",") || "none"}, extra ${extraHere.join(",") || "none"}`);
    for (const d of mineOnGodot) {
      const entry = theirsAtEnd.get(d.name);
      if (!entry) continue;
      comparedTheirs++;
      if (entry.kind !== d.kind) fail(`their ${d.name}: kind ${d.kind} on Godot, ${entry.kind} here`);
      for (const p of propsOf(d.kind)) {
        // A property never sent is absent here (undefined): null, as the Godot node's default.
        const value = entry.props.get(p.index) ?? null;
        const neverSent = p.mode === ReplicationMode.NEVER && !p.spawn;
        const godotHex = d.props[String(p.index)];
        let diff: string | null;
        if (neverSent) diff = value === null ? null : `never sent, yet it is ${String(value)}`;
        else diff = godotHex === undefined ? "absent from the dump" : compareIgnoringPadding(value, hexBytes(godotHex));
        if (diff !== null) fail(`their ${d.name}.${propertyName(p.index)} (spawn ${p.spawn}, mode ${p.mode}) here: ${diff}`);
      }
    }
    const drops = Object.entries(mp.getDropCounters()).filter(([, n]) => n !== 0);
    if (drops.length > 0) fail(`drops counted here: ${JSON.stringify(Object.fromEntries(drops))}`);
    if (sent.unknownSyncs > 0) fail(`${sent.unknownSyncs} full syncs went out for synchronizers the client did not have (Godot ignores them silently)`);
    if (trackedAtEnd !== theirsAtEnd.size) fail(`the Mine spawner tracked ${trackedAtEnd} nodes, ${theirsAtEnd.size} were here`);
    // The client's leaving freed its nodes here, each with onDespawn.
    if (theirs.size !== 0 || mineSpawner.trackedCount !== 0) fail(`after the client left: ${theirs.size} of its nodes still here, the spawner tracks ${mineSpawner.trackedCount}`);
  }
  return {
    seed,
    kinds: plan.kinds.length,
    serverOps: opsDone,
    spawns,
    hides,
    theirSpawns,
    comparedOurs,
    comparedTheirs,
    sent: { spawns: sent.spawns, despawns: sent.despawns, deltas: sent.deltas },
    ms: Date.now() - started,
    failures,
    godotErrors,
    trace: traceLines,
  };
}
