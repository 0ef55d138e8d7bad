// A seeded RPC soak of a live Godot 3.2.3 server (godot3-server: NetworkedMultiplayerENet
// create_server + its MultiplayerAPI) with 1-3 clients written with our library (SceneMultiplayer
// with `protocol: "godot3"` over our ENetMultiplayerPeer): the bot or load-tester user story.
// godot3-rpc-soak.ts is the other way round; the plan, the GDScript pieces and the delivery checks
// are shared in godot3-soak-common.ts.
//
// Each seed draws the scene, the deliveries, channels and compression of godot3-rpc-soak.ts's plan
// (the Godot server's node takes a member's serverKeyword: remote, remotesync, master, mastersync;
// our clients' nodes its clientKeyword: remote, remotesync, puppet, puppetsync), then the number of
// our clients, each one's relay leg (spec-tests/tools/udp-relay.ts: 0-20 % loss, duplication,
// reordering, or lossless), and for every operation its sender and its target:
// - the Godot server (rpc_id(1, ...), rset_id(1, ...) and their unreliable forms): Godot echoes it
//   back to its sender the same way (same node, member, delivery and channel);
// - with 2+ clients, another client, for a member our clients take remotely (remote, remotesync;
//   a puppet one takes calls from the server only). Godot 3.2.3's server relays those itself
//   (NetworkedMultiplayerENet::poll: server_relay is on by default; a packet whose target is another
//   peer is resent to it with enet_peer_send, on the channel it came on, with the flags it came
//   with), so its MultiplayerAPI never sees them.
//
// Every arrival at one of our clients is checked against what Godot 3.2 over ENet guarantees per
// stream (godot3-soak-common.ts's DeliveryLedger): a stream is one sender, one receiver and one
// ENet channel; an echo belongs to the stream of its sender's operations to the server, a relayed
// call to the stream from its sender to its receiver. The relay keeps both hops' guarantees end to
// end: it resends in the order ENet delivered, so reliable ones keep their order and sequenced ones
// their place among the reliable ones of their stream. Godot also reports, per client on "bye",
// the reliable operations it received and the indices of the unreliable ones in receive order.
//
// And: every client gets connected_to_server after peer_connected 1, and peer_connected once for
// each other client (Godot's SYSMSG_ADD_PEER), nothing else while the soak runs; Godot's server
// sees each client connect once; our SceneMultiplayers drop nothing while connected
// (getDropCounters()); Godot prints no error or warning. A client calls another only once both list
// each other: Godot's ADD_PEER travels on channel 0 and a relayed packet on another, so a lost
// datagram can let the packet overtake it, and both Godot and we then refuse the path announcement
// of a peer not yet listed (see docs/scene-multiplayer.md).
//
// Used by godot3-server-soak.test.ts (a few seeds in npm test) and godot3-server-soak-run.ts (many).
import { rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { CompressionMode } from "../../src/compress/types.ts";
import { ENetMultiplayerPeer } from "../../src/multiplayer/index.ts";
import { SceneMultiplayer, SceneMultiplayerEvent, type SceneDropCounters, type SceneNode } from "../../src/scene/index.ts";
import { SeededRandom } from "../../src/util/prng.ts";
import { freeUdpPort } from "../enet-interop/godot.ts";
import { JsonLineProcess } from "../enet-interop/harness.ts";
import { scratchDir } from "../support/temp-dir.ts";
import { UdpCaptureRelay } from "../tools/udp-relay.ts";
import {
  CHANNELS,
  DeliveryLedger,
  MAIN_SCRIPT_TAIL,
  listenToMembers,
  SendWindow,
  dropsWhileConnected,
  enetChannel,
  godotErrorLines,
  lossySchedule,
  mainScriptHead,
  projectFile,
  relaySeed,
  sleep,
  soakNodeScript,
  soakPlan,
  type Delivery,
  type SoakPlan,
  withOneRetry,
} from "./godot3-soak-common.ts";

export { BIG_UNRELIABLE, godot3SoakSkipReason } from "./godot3-soak-common.ts";

/** One client's relay leg (all zero: lossless). */
export interface Leg {
  loss: number;
  duplicate: number;
  reorder: number;
}

export interface ServerSoakPlan {
  seed: number;
  /** The scene, members, compression and operations (its loss, duplicate and reorder are not used: see legs). */
  scene: SoakPlan;
  clients: number;
  legs: Leg[];
  /** Per operation: the client (0-based) that sends it. */
  senderOf: number[];
  /** Per operation: 0 = the Godot server, k = our client k-1 (through Godot's relay). */
  targetOf: number[];
}

/** Our clients that take a member's calls from another client (Godot 3's _can_call_mode: not a puppet one). */
const takesCallsFromClients = (keyword: string): boolean => keyword === "remote" || keyword === "remotesync";

/** The clients, their legs and each operation's sender and target of one seed, over soakPlan's scene. */
export function serverSoakPlan(seed: number, calls: number): ServerSoakPlan {
  const scene = soakPlan(seed, calls);
  // A stream of its own, so that the scene and operations are the other soak's for the same seed.
  const rng = new SeededRandom(seed ^ 0x5e7e3);
  const clients = 1 + rng.nextInt(3);
  const legs = Array.from({ length: clients }, (): Leg => {
    if (rng.chance(0.25)) return { loss: 0, duplicate: 0, reorder: 0 };
    return { loss: rng.nextFloat() * 0.2, duplicate: [0, 0.02, 0.1][rng.nextInt(3)]!, reorder: [0, 0.05, 0.2][rng.nextInt(3)]! };
  });
  const senderOf: number[] = [];
  const targetOf: number[] = [];
  for (const op of scene.ops) {
    const sender = rng.nextInt(clients);
    senderOf.push(sender);
    const relayable = clients > 1 && takesCallsFromClients(scene.members[op.member]!.clientKeyword);
    if (relayable && rng.chance(0.35)) targetOf.push(1 + ((sender + 1 + rng.nextInt(clients - 1)) % clients));
    else targetOf.push(0);
  }
  return { seed, scene, clients, legs, senderOf, targetOf };
}

/** res://main.gd for the Godot server: builds /root/Soak/<names>, serves, echoes to each sender. User args: port=, channels=, compression=, clients=, max_ms=. */
export function serverMainScript(plan: SoakPlan): string {
  return `${mainScriptHead(plan, "godot3-server-soak.ts", { port: "0", channels: "3", compression: "0", clients: "1", max_ms: "60000" })}
# Per client id: reliable operations received, unreliable indices in receive order, "bye" seen.
var reliable = {}
var tags = {}
var done = {}

func setup():
	var renamed = build_scene()
	open_peer()
	peer.set_bind_ip("127.0.0.1")
	var err = peer.create_server(int(opts["port"]), 8)
	if err == OK:
		network_peer = peer
	connect("network_peer_connected", self, "_on_peer_connected")
	connect("network_peer_disconnected", self, "_on_peer_disconnected")
	multiplayer.connect("network_peer_packet", self, "_on_packet")
	emit({"ev": "ready", "err": err, "renamed": renamed})
	if err != OK:
		quit(1)

func _on_peer_connected(id):
	emit({"ev": "peer_connected", "id": id})

func _on_peer_disconnected(id):
	emit({"ev": "peer_disconnected", "id": id})

func _on_packet(id, packet):
	if packet.get_string_from_utf8() == "bye" and not done.has(id):
		# Nothing is echoed to this client after its report, so every echo it gets is in it.
		done[id] = true
		emit({"ev": "bye", "from": id, "reliable": reliable.get(id, 0), "tags": tags.get(id, [])})
		if done.size() >= int(opts["clients"]):
			quit(0)

# Echoes go back to the caller, until its "bye".
func echo_target():
	var from = get_rpc_sender_id()
	if done.has(from):
		return 0
	return from

func note(to, mode, tag):
	if mode == 0:
		reliable[to] = reliable.get(to, 0) + 1
	else:
		if not tags.has(to):
			tags[to] = []
		tags[to].append(tag)
${MAIN_SCRIPT_TAIL}`;
}

export interface ServerSoakResult {
  seed: number;
  plan: ServerSoakPlan;
  /** Operations by delivery, and how many of each arrived (echoed by Godot, or relayed). */
  sent: Record<Delivery, number>;
  echoed: Record<Delivery, number>;
  /** Operations from one client to another, through Godot's relay. */
  relayed: number;
  /** Of those, by delivery: sent, and arrived. */
  relayedSent: Record<Delivery, number>;
  relayedArrived: Record<Delivery, number>;
  /** Unreliable operations above BIG_UNRELIABLE bytes of arguments (all arrived when the seed passed). */
  bigUnreliable: number;
  /** Unreliable operations Godot received (its reports), of those sent to it. */
  godotGotUnreliable: number;
  /** The longest gap between two turns of the soak's loop (the relays share its event loop). */
  maxLoopGapMs: number;
  /** Summed over the legs. */
  relay: UdpCaptureRelay["counts"];
  bytesSent: number;
  ms: number;
  /** Empty when the seed passed. */
  failures: string[];
  /**
   * Set when an end gave up its link while Godot ran (our client lost the server, or Godot dropped
   * a client): see PeerTimeoutResult. The failure says which.
   */
  peerTimeout: string | null;
  /** Godot's stderr lines that say ERROR or WARNING (a failure too). */
  godotErrors: string[];
}

const PORT_ATTEMPTS = 5;
/** How much longer than the seed's limit Godot runs before it quits on its own. */
const GODOT_GRACE_MS = 30_000;
const STREAM_CHANNELS = 16;

/** Our client's side of the soak. */
interface Bot {
  index: number;
  mp: SceneMultiplayer;
  peer: ENetMultiplayerPeer;
  relay: UdpCaptureRelay;
  nodes: SceneNode[];
  window: SendWindow;
  /** Every signal in order, as "name" (peer signals: "name:id"). */
  signals: string[];
  /** Its unique id, kept from connected_to_server on (getUniqueId() says 0 once the server is gone). */
  id: number;
  /** When it signalled connected_to_server, and when Godot said network_peer_connected for it (Date.now()). */
  connectedAt: number;
  godotConnectedAt: number;
  atDisconnect?: SceneDropCounters;
}

/**
 * Runs one seed (starts and always ends its own Godot process, relays and clients). Never throws
 * for a failed check. `attempt` > 0 draws the relays' fates from other streams: the same legs,
 * other datagrams.
 */
export async function runGodot3ServerSoak(seed: number, calls: number, limitMs = 90_000, attempt = 0): Promise<ServerSoakResult> {
  const started = Date.now();
  const plan = serverSoakPlan(seed, calls);
  const { scene, senderOf, targetOf } = plan;
  const { members, ops } = scene;
  const failures: string[] = [];
  const fail = (why: string): void => {
    if (failures.length < 12) failures.push(why);
  };
  const channelOf = members.map(enetChannel);
  // A stream: sender, receiver (0 = the Godot server), ENet channel.
  const stream = (sender: number, receiver: number, channel: number): number => (sender * 8 + receiver) * STREAM_CHANNELS + channel;
  const ledger = new DeliveryLedger(
    scene,
    ops.map((op, i) => stream(senderOf[i]!, targetOf[i]!, channelOf[op.member]!)),
    fail,
  );
  const { sent, echoed, big } = ledger;

  const bots: Bot[] = [];
  let godot: JsonLineProcess | undefined;
  let dir: string | undefined;
  let bytesSent = 0;
  let godotGotUnreliable = 0;
  let maxLoopGapMs = 0;
  let peerTimeout: string | null = null;
  try {
    dir = scratchDir("godot3-server-soak");
    writeFileSync(join(dir, "project.godot"), projectFile("godot3-server-soak"));
    writeFileSync(join(dir, "main.gd"), serverMainScript(scene));
    writeFileSync(join(dir, "soak_node.gd"), soakNodeScript(scene, (m) => m.serverKeyword));
    // Godot 3 cannot report the port it bound: a free one a moment ago, again if it was taken since.
    let godotPort = 0;
    for (let tries = 1; godot === undefined; tries++) {
      godotPort = await freeUdpPort();
      // Godot's own limit comes later than ours: its quitting would look like a link given up.
      const args = [`port=${godotPort}`, `channels=${CHANNELS}`, `compression=${scene.compression}`, `clients=${plan.clients}`, `max_ms=${limitMs + GODOT_GRACE_MS}`];
      const proc = new JsonLineProcess("godot3-server", ["--path", dir, "-s", "main.gd", "--", ...args], { cwd: dir });
      const ready = await proc.waitFor((e) => e.ev === "ready", 15_000).catch(() => undefined);
      if (ready?.err === 0) godot = proc;
      else {
        proc.kill();
        await proc.exitPromise;
        if (tries >= PORT_ATTEMPTS) throw new Error(`Godot's server did not start: ${JSON.stringify(ready)} ${proc.stderr.join("").slice(-400)}`);
      }
    }
    const proc = godot;
    const tail = (): string => `${proc.events.slice(-3).map((e) => JSON.stringify(e).slice(0, 300)).join(" ")} ${proc.stderr.join("").slice(-400)}`;
    const ready = proc.events.find((e) => e.ev === "ready");
    if (ready && (ready.renamed as string[]).length > 0) fail(`Godot renamed nodes: ${JSON.stringify(ready.renamed)}`);

    const idOf = (index: number): number => bots[index]?.id ?? 0;
    const indexOf = (id: number): number => bots.findIndex((b) => b.id === id);
    for (let c = 0; c < plan.clients; c++) {
      const leg = plan.legs[c]!;
      const relay = new UdpCaptureRelay({
        targetPort: godotPort,
        schedule: lossySchedule(relaySeed((seed ^ 0x7e1a7) + c, attempt), leg.loss, leg.duplicate, leg.reorder),
        keepRecords: process.env.G3SOAK_CAPTURE !== undefined,
      });
      const relayPort = await relay.start();
      const mp = new SceneMultiplayer({ protocol: "godot3" });
      let peer: ENetMultiplayerPeer | undefined;
      for (let tries = 1; peer === undefined; tries++) {
        const candidate = new ENetMultiplayerPeer();
        candidate.setBindIp("127.0.0.1");
        try {
          await candidate.createClient("127.0.0.1", relayPort, CHANNELS, 0, 0, await freeUdpPort(), { protocol: "godot3", compressionMode: scene.compression });
          peer = candidate;
        } catch (e) {
          candidate.close();
          if (tries >= PORT_ATTEMPTS) throw e; // the port was taken between the probe and the bind
        }
      }
      const window = new SendWindow(
        ledger,
        ops.map((_, i) => i).filter((i) => senderOf[i] === c),
      );
      const bot: Bot = { index: c, mp, peer, relay, nodes: scene.nodeNames.map((n) => mp.node(`/root/Soak/${n}`)), window, signals: [], id: 0, connectedAt: 0, godotConnectedAt: 0 };
      for (const type of ["peer_connected", "peer_disconnected", "connected_to_server", "connection_failed", "server_disconnected"]) {
        mp.addEventListener(type, (e) => {
          const id = (e as SceneMultiplayerEvent).id;
          bot.signals.push(type.startsWith("peer_") ? `${type}:${id}` : type);
        });
      }
      mp.addEventListener("connected_to_server", () => {
        bot.id = mp.getUniqueId();
        bot.connectedAt = Date.now();
      });
      mp.addEventListener("server_disconnected", () => (bot.atDisconnect ??= mp.getDropCounters()));
      const arrival = (nodeIndex: number, memberIndex: number, args: unknown[]): void => {
        const m = members[memberIndex]!;
        const from = mp.getRemoteSenderId();
        const ch = channelOf[memberIndex]!;
        const where = `client ${c}: ${scene.nodeNames[nodeIndex]}.${m.name} (${m.kind}, ${m.delivery}, ENet channel ${ch}) from ${from}`;
        // An echo is on the stream of this client's operations to the server; a relayed one on its sender's to this client.
        const sender = from === 1 ? c : indexOf(from);
        if (sender < 0 || sender === c && from !== 1) return fail(`${where}: came from a peer that is none of the others`);
        ledger.arrival(where, from === 1 ? stream(c, 0, ch) : stream(sender, c + 1, ch), nodeIndex, memberIndex, args);
      };
      listenToMembers(bot.nodes, members, "clientKeyword", arrival);
      mp.multiplayerPeer = peer;
      bots.push(bot);
    }

    const connected = (b: Bot): boolean => b.signals.includes("connected_to_server");
    const sees = (b: Bot, id: number): boolean => id !== 0 && b.mp.getPeers().includes(id);
    const send = (b: Bot, i: number): boolean => {
      const op = ops[i]!;
      const m = members[op.member]!;
      const target = targetOf[i]!;
      if (!connected(b)) return false;
      if (target !== 0 && !(sees(b, idOf(target - 1)) && sees(bots[target - 1]!, b.id))) return false;
      const to = target === 0 ? 1 : idOf(target - 1);
      b.peer.transferChannel = m.channel;
      b.peer.alwaysOrdered = m.delivery === "ordered";
      const node = b.nodes[op.node]!;
      const err =
        m.kind === "call"
          ? m.delivery === "reliable"
            ? node.rpcId(to, m.name, ...op.args)
            : node.rpcUnreliableId(to, m.name, ...op.args)
          : m.delivery === "reliable"
            ? node.rsetId(to, m.name, op.args[0])
            : node.rsetUnreliableId(to, m.name, op.args[0]);
      if (err !== 0) fail(`operation ${i} (${m.name}) from client ${b.index} to ${to}: our send returned error ${err}`);
      return true;
    };

    const deadline = Date.now() + limitMs;
    const progress = (): string =>
      `${echoed.reliable} of ${sent.reliable} reliable arrivals, sent ${bots.map((b) => `${b.window.next}/${b.window.order.length}`).join(" ")}, ` +
      `signals ${bots.map((b) => `[${b.signals.join(" ")}]`).join(" ")} (longest stall of our event loop ${maxLoopGapMs} ms); ` +
      bots.map((b) => `leg ${b.index} ${b.relay.describeFlow()}`).join("; ");
    let lastTurn = Date.now();
    while (failures.length === 0) {
      // The longest this loop (and the relays, which share its event loop) went unserved: a
      // loaded machine can stall it for seconds, long enough for an ENet peer to give up.
      const turn = Date.now();
      maxLoopGapMs = Math.max(maxLoopGapMs, turn - lastTurn);
      lastTurn = turn;
      for (const b of bots) {
        b.mp.poll();
        if (b.id !== 0 && b.godotConnectedAt === 0 && proc.events.some((e) => e.ev === "peer_connected" && e.id === b.id)) b.godotConnectedAt = Date.now();
      }
      if (proc.hasExited) {
        fail(`Godot quit early, ${Date.now() - started} ms in: ${progress()}: ${tail()}`);
        break;
      }
      // A link given up while Godot runs: ENet's give-up rule (see peerTimeout) at one end or the other.
      const lost = bots.find((b) => b.signals.some((s) => !s.startsWith("peer_connected") && !s.startsWith("connected_to_server")));
      const dropped = proc.events.find((e) => e.ev === "peer_disconnected");
      if (lost || dropped) {
        const leg = lost ? plan.legs[lost.index]! : undefined;
        // Godot's ENet (C ENet 1.3) discards a client's commands, unacknowledged, until its ACK of
        // VERIFY_CONNECT arrives: a late connection on Godot's side says the link lost that.
        const godotLate = (b: Bot): string => (b.godotConnectedAt === 0 ? "Godot never connected it" : `Godot connected it ${b.godotConnectedAt - b.connectedAt} ms after it connected`);
        peerTimeout = lost
          ? `client ${lost.index} (leg loss ${(leg!.loss * 100).toFixed(1)} %) lost the server, [${lost.signals.join(" ")}], ${godotLate(lost)}`
          : `Godot dropped client ${indexOf(dropped!.id as number)} (${String(dropped!.id)})`;
        fail(`${peerTimeout}, ${Date.now() - started} ms in: ${progress()}: ${tail()}`);
        break;
      }
      if (Date.now() > deadline) {
        const missing = big.filter((i) => !ledger.seenTags.has(i));
        fail(`timed out: ${progress()}, fragmented unreliable ones missing: [${missing.slice(0, 10).join(", ")}]: ${tail()}`);
        break;
      }
      if (bots.every((b) => b.window.finished) && ledger.complete()) break;
      for (const b of bots) bytesSent += b.window.pump((i) => send(b, i));
      await sleep(1);
    }

    if (failures.length === 0) {
      // Every client's peer list is complete (a client with no operation to the others may not have waited for it).
      const settle = Date.now() + 10_000;
      while (!bots.every((b) => b.mp.getPeers().length === plan.clients) && Date.now() < settle) {
        for (const b of bots) b.mp.poll();
        await sleep(2);
      }
      for (const b of bots) b.mp.sendBytes(new TextEncoder().encode("bye"), 1);
      const end = Date.now() + 15_000;
      while (!proc.hasExited && Date.now() < end) {
        for (const b of bots) b.mp.poll();
        await sleep(2);
      }
      if (!proc.hasExited) fail(`Godot did not report and quit after every client's "bye": ${tail()}`);
      else {
        const exitCode = await proc.exitPromise;
        if (exitCode !== 0) fail(`Godot exited with ${exitCode}: ${tail()}`);
      }
      const ids = bots.map((b) => b.id);
      // The first leg, from Godot's count of what each client sent it.
      for (const b of bots) {
        const bye = proc.events.find((e) => e.ev === "bye" && e.from === b.id);
        if (bye === undefined) fail(`client ${b.index} (${b.id}): Godot never reported its "bye"`);
        else godotGotUnreliable += ledger.checkReceipt(bye, (i) => senderOf[i] === b.index && targetOf[i] === 0, `client ${b.index}: `);
      }
      for (const e of proc.events) if (e.ev === "bye" && !ids.includes(e.from as number)) fail(`Godot reports a "bye" from ${String(e.from)}, none of our clients`);
      // The peer lists, as each side signalled them.
      const godotSaw = proc.events.filter((e) => e.ev === "peer_connected" || e.ev === "peer_disconnected").map((e) => `${e.ev}:${String(e.id)}`);
      const godotWanted = ids.map((id) => `peer_connected:${id}`);
      if (godotSaw.length !== ids.length || !godotWanted.every((s) => godotSaw.includes(s))) fail(`Godot's server signalled [${godotSaw.join(" ")}], wanted [${godotWanted.join(" ")}]`);
      for (const b of bots) {
        const others = ids.filter((id) => id !== b.id);
        const running = b.signals.filter((s) => s !== "server_disconnected");
        const wanted = ["peer_connected:1", "connected_to_server", ...others.map((id) => `peer_connected:${id}`)];
        const inOrder = running.slice(0, 2).join(" ") === wanted.slice(0, 2).join(" ");
        if (!inOrder || running.length !== wanted.length || !wanted.every((s) => running.includes(s))) {
          fail(`client ${b.index} (${b.id}) signalled [${b.signals.join(" ")}], wanted [${wanted.join(" ")}] (the first two in that order), then server_disconnected at most`);
        }
      }
    }
    for (const b of bots) {
      const { now, before } = dropsWhileConnected(b.mp, b.atDisconnect, fail, `client ${b.index}: `);
      const late = (Object.keys(now) as (keyof SceneDropCounters)[]).filter((k) => now[k] !== before[k]);
      if (late.length > 0) fail(`client ${b.index}: our SceneMultiplayer dropped packets after Godot left: ${late.map((k) => `${k} ${now[k] - before[k]}`).join(", ")}`);
    }
  } catch (e) {
    fail(`error: ${e instanceof Error ? e.stack ?? e.message : String(e)}`);
  } finally {
    godot?.kill();
    if (godot) await godot.exitPromise;
    for (const b of bots) b.relay.stop();
    // G3SOAK_CAPTURE=FILE keeps every leg's datagrams of the run (ms since the leg's relay started,
    // leg, direction, fate, bytes) in FILE; with "{seed}" in FILE, in one file per failed seed.
    const capture = process.env.G3SOAK_CAPTURE?.replaceAll("{seed}", String(seed));
    if (capture && (capture === process.env.G3SOAK_CAPTURE || failures.length > 0)) {
      const lines = bots.flatMap((b) => b.relay.datagrams().map((d) => ({ t: d.t, line: `${d.t.toFixed(1)} leg${b.index} ${d.dir}${d.dropped ? " DROP" : ""} ${d.hex}` })));
      writeFileSync(capture, lines.sort((a, b) => a.t - b.t).map((l) => l.line).join("\n") + "\n");
    }
    for (const b of bots) b.peer.close();
    // Now, not at exit: a run of many seeds would otherwise keep one project per seed.
    if (dir) rmSync(dir, { recursive: true, force: true });
  }
  const godotErrors = godot ? godotErrorLines(godot) : [];
  if (godotErrors.length > 0) fail(`Godot printed ${godotErrors.length} error or warning lines: ${godotErrors.slice(0, 3).join(" | ")}`);
  const relay = { seen: 0, dropped: 0, duplicated: 0, delayed: 0 };
  for (const b of bots) for (const k of Object.keys(relay) as (keyof typeof relay)[]) relay[k] += b.relay.counts[k];
  const relayedSent: Record<Delivery, number> = { reliable: 0, unsequenced: 0, ordered: 0 };
  const relayedArrived: Record<Delivery, number> = { reliable: 0, unsequenced: 0, ordered: 0 };
  ops.forEach((_, i) => {
    if (targetOf[i] === 0) return;
    const d = ledger.deliveryOf(i);
    relayedSent[d]++;
    if (d === "reliable" ? ledger.reliableDone(i) : ledger.seenTags.has(i)) relayedArrived[d]++;
  });
  return {
    seed,
    plan,
    sent,
    echoed,
    relayed: targetOf.filter((t) => t !== 0).length,
    relayedSent,
    relayedArrived,
    bigUnreliable: big.length,
    godotGotUnreliable,
    maxLoopGapMs,
    relay,
    bytesSent,
    ms: Date.now() - started,
    failures,
    peerTimeout,
    godotErrors,
  };
}

/** Runs a seed, and once more if it failed by a peer timeout alone (withOneRetry). */
export function runServerSoakWithOneRetry(seed: number, calls: number, limitMs?: number): Promise<{ result: ServerSoakResult; first: ServerSoakResult | null }> {
  return withOneRetry((attempt) => runGodot3ServerSoak(seed, calls, limitMs, attempt));
}

/** One line describing a seed's network and scene, for the runner and failures. */
export function describeServerSoak(plan: ServerSoakPlan): string {
  const s = plan.scene;
  const legs = plan.legs.map((l) => (l.loss === 0 && l.duplicate === 0 && l.reorder === 0 ? "lossless" : `loss ${(l.loss * 100).toFixed(1)} % dup ${l.duplicate} reorder ${l.reorder}`));
  return (
    `${plan.clients} client${plan.clients > 1 ? "s" : ""} [${legs.join("; ")}], ${s.nodeNames.length} nodes x ${s.members.filter((m) => m.kind === "call").length} methods + ` +
    `${s.members.filter((m) => m.kind === "set").length} properties, ${CompressionMode[s.compression]}`
  );
}
