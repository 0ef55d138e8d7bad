// A live comparison of the ENet packet throttle: the same stream of small unreliable packets (one
// every INTERVAL ms, every RELIABLE_EVERY-th one reliable, each flushed at once as Godot 3's
// NetworkedMultiplayerENet::put_packet does) sent by our ENetConnection or by C ENet 1.3.17
// (throttle_peer.c), to a receiver that services its host once a frame and sleeps in between:
// a real Godot 3.2.3 headless client (NetworkedMultiplayerENet polled in _idle) or a C ENet client
// that sleeps SLEEP ms a frame. Its acknowledgements come once a frame, so the sender's RTT samples
// jump by up to a frame and enet_peer_throttle backs off; the question is whether ours drops the
// same share as C ENet does.
//
//   node --import tsx spec-tests/enet-interop/throttle-live.ts [RUNS] [COUNT] [INTERVAL] [RELIABLE_EVERY] [BURST] [SLEEP] [LONG_EVERY] [LONG_MS]
//
// prints one line per run (sender, receiver, unreliable sent, dropped by the sender's throttle,
// delivered) and a summary per pairing. Runs alternate between the pairings so a busy machine
// weighs on all of them alike.
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { ENetConnection, EventType, PacketFlags, PeerStatistic, type ENetPacketPeer } from "../../src/index.ts";
import { nodeRuntime } from "../../src/transport/node.ts";
import type { RuntimeAdapter } from "../../src/transport/types.ts";
import { scratchDir } from "../support/temp-dir.ts";
import { freeUdpPort, godotAvailable } from "./godot.ts";
import { buildCProgram, JsonLineProcess, repoRoot } from "./harness.ts";

export type Sender = "ours" | "c";
export type Receiver = "godot" | "c";

export interface ThrottleRunOptions {
  count: number;
  intervalMs: number;
  reliableEvery: number;
  /** Packets sent together every intervalMs. */
  burst: number;
  /** The C receiver's sleep per frame (Godot sleeps its own ~6.9 ms). */
  sleepMs: number;
  /** Every longEvery-th receiver frame (0: none) takes longMs instead (Godot: busy for longMs). */
  longEvery: number;
  longMs: number;
}

export interface ThrottleRunResult {
  sender: Sender;
  receiver: Receiver;
  unreliableSent: number;
  throttleDropped: number;
  unreliableReceived: number;
  reliableReceived: number;
  throttleMin: number;
  /** The throttle's reference at the first send: lastRoundTripTime / lastRoundTripTimeVariance (from the first RTT sample). */
  firstLastRtt: number;
  firstLastVariance: number;
  /** Sends before which the throttle had fallen since the previous send. */
  throttleFalls: number;
  /** Per throttle epoch: "lastRTT+-lastVariance:dropped/sent" (unreliable sends under that reference). */
  epochs: string;
  /** The sender's RTT samples by size: 0-1, 2-3, 4-7, 8-15, 16-31, 32+ ms, and the largest. */
  samples: string;
}

const CHANNELS = 8;
const PAYLOAD = 40;
const END = new Uint8Array([1, 0, 0, 0, 0, 0, 0, 0, 0x65, 0x6e, 0x64]); // Godot 3 header (from 1, to all) + "end"

const GODOT_PROJECT = `config_version=4

[application]

config/name="packetpeer-throttle-live"

[logging]

file_logging/enable_file_logging=false
`;

// Godot 3's own frame: the SceneTree's idle step polls the peer (as the MultiplayerAPI does).
const GODOT_RECEIVER = `extends SceneTree

var peer
var unreliable = 0
var reliable = 0
var long_every = 0
var long_ms = 0
var frame = 0

func _init():
	var port = 0
	for a in OS.get_cmdline_args():
		if a.begins_with("port="):
			port = int(a.substr(5, a.length() - 5))
		if a.begins_with("long_every="):
			long_every = int(a.substr(11, a.length() - 11))
		if a.begins_with("long_ms="):
			long_ms = int(a.substr(8, a.length() - 8))
	peer = NetworkedMultiplayerENet.new()
	peer.channel_count = ${CHANNELS}
	var err = peer.create_client("127.0.0.1", port)
	print(JSON.print({"ev": "ready", "err": err}))

func _idle(_delta):
	if peer == null:
		return false
	frame += 1
	if long_every > 0 and frame % long_every == 0:
		OS.delay_msec(long_ms)
	peer.poll()
	while peer.get_available_packet_count() > 0:
		var channel = peer.get_packet_channel()
		var data = peer.get_packet()
		if data.size() == 3 and data.get_string_from_ascii() == "end":
			print(JSON.print({"ev": "received", "unreliable": unreliable, "reliable": reliable}))
			peer.close_connection()
			peer = null
			quit(0)
			return false
		if channel == 2:
			unreliable += 1
		else:
			reliable += 1
	return false
`;

/**
 * The sender's RTT samples, as enet_protocol_handle_acknowledge takes them: the host's time when
 * it reads an ACKNOWLEDGE minus the sentTime it echoes (16 bits), at least 1.
 */
class SampleCounter {
  private readonly buckets = [0, 0, 0, 0, 0, 0];
  private max = 0;
  private pending: number[] = [];

  /** A datagram from the receiver: keep the sentTime of each ACKNOWLEDGE in it until the host reads it. */
  see(data: Uint8Array): void {
    if (data.length < 2) return;
    const flags = (data[0]! << 8) | data[1]!;
    if (flags & 0x4000) return; // compressed: not used here
    let at = flags & 0x8000 ? 4 : 2;
    while (at + 4 <= data.length) {
      const command = data[at]! & 0x0f;
      if (command === 1 && at + 8 <= data.length) {
        this.pending.push((data[at + 6]! << 8) | data[at + 7]!);
        at += 8;
      } else if (command === 5) at += 4;
      else break;
    }
  }

  /** The host has read what arrived so far, at `serviceTime`. */
  take(serviceTime: number): void {
    for (const sent of this.pending) {
      const sample = Math.max((serviceTime - sent) & 0xffff, 1);
      let b = 0;
      for (let edge = 2; b < 5 && sample >= edge; edge *= 2) b++;
      this.buckets[b]!++;
      this.max = Math.max(this.max, sample);
    }
    this.pending = [];
  }

  text(): string {
    return `${this.buckets.join(" ")} max ${this.max}`;
  }
}

function countingRuntime(counter: SampleCounter): RuntimeAdapter {
  return {
    ...nodeRuntime,
    createDatagramTransport() {
      const transport = nodeRuntime.createDatagramTransport();
      const onDatagram = transport.onDatagram.bind(transport);
      transport.onDatagram = (cb) =>
        onDatagram((data, address, port, owned) => {
          counter.see(data);
          cb(data, address, port, owned);
        });
      return transport;
    },
  };
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

function startReceiver(receiver: Receiver, port: number, opts: ThrottleRunOptions, cPath: string): JsonLineProcess {
  if (receiver === "c") return new JsonLineProcess(cPath, ["receive", String(port), String(opts.sleepMs), String(opts.longEvery), String(opts.longMs)]);
  const dir = scratchDir("throttle-live");
  writeFileSync(join(dir, "project.godot"), GODOT_PROJECT);
  writeFileSync(join(dir, "main.gd"), GODOT_RECEIVER);
  return new JsonLineProcess("godot3-server", ["--path", dir, "-s", "main.gd", "--", `port=${port}`, `long_every=${opts.longEvery}`, `long_ms=${opts.longMs}`], { cwd: dir });
}

/** Our ENetConnection as the sender: the loop throttle_peer.c runs (service every 1 ms, flush each send). */
async function sendFromOurs(port: number, opts: ThrottleRunOptions, startReceiverNow: () => JsonLineProcess): Promise<Omit<ThrottleRunResult, "receiver" | "unreliableReceived" | "reliableReceived"> & { proc: JsonLineProcess }> {
  const samples = new SampleCounter();
  const conn = new ENetConnection({ runtime: countingRuntime(samples) });
  const hostTime = (): number => (conn as unknown as { core: { serviceTime: number } }).core.serviceTime;
  await conn.createHostBound("127.0.0.1", port, { maxPeers: 4, maxChannels: CHANNELS });
  const proc = startReceiverNow();
  try {
    let peer: ENetPacketPeer | null = null;
    const giveUp = Date.now() + 20_000;
    while (peer === null) {
      const ev = await conn.service(10);
      if (ev.type === EventType.CONNECT) peer = ev.peer;
      if (Date.now() > giveUp) throw new Error(`no client connected: ${proc.stderr.join("").slice(-400)}`);
    }
    let unreliableSent = 0;
    let throttleDropped = 0;
    let throttleMin = 32;
    let previousThrottle = 32;
    let throttleFalls = 0;
    let firstLastRtt = 0;
    let firstLastVariance = 0;
    const epochs: { start: number; rtt: number; variance: number; sent: number; dropped: number }[] = [];
    const epochText = (): string => epochs.map((e) => `${e.rtt}+-${e.variance}:${e.dropped}/${e.sent}`).join(" ");
    let index = 0;
    let nextSend = Date.now();
    let endDeadline = 0;
    for (;;) {
      for (let ev = conn.poll(); ev.type !== EventType.NONE; ev = conn.poll()) {
        samples.take(hostTime());
        if (ev.type === EventType.DISCONNECT) return { sender: "ours", unreliableSent, throttleDropped, throttleMin, firstLastRtt, firstLastVariance, throttleFalls, epochs: epochText(), samples: samples.text(), proc };
      }
      samples.take(hostTime());
      const now = Date.now();
      for (let b = 0; b < opts.burst && index < opts.count && now >= nextSend; b++) {
        const reliable = opts.reliableEvery > 0 && index % opts.reliableEvery === opts.reliableEvery - 1;
        const packet = new Uint8Array(PAYLOAD);
        const view = new DataView(packet.buffer);
        view.setUint32(0, 1, true);
        view.setUint32(8, index, true);
        const throttle = peer.getStatistic(PeerStatistic.PEER_PACKET_THROTTLE);
        throttleMin = Math.min(throttleMin, throttle);
        if (throttle < previousThrottle) throttleFalls++;
        previousThrottle = throttle;
        const epochStart = peer.getStatistic(PeerStatistic.PEER_PACKET_THROTTLE_EPOCH);
        if (!reliable && (epochs.length === 0 || epochs[epochs.length - 1]!.start !== epochStart)) {
          epochs.push({
            start: epochStart,
            rtt: peer.getStatistic(PeerStatistic.PEER_LAST_ROUND_TRIP_TIME),
            variance: peer.getStatistic(PeerStatistic.PEER_LAST_ROUND_TRIP_TIME_VARIANCE),
            sent: 0,
            dropped: 0,
          });
        }
        if (index === 0) {
          firstLastRtt = peer.getStatistic(PeerStatistic.PEER_LAST_ROUND_TRIP_TIME);
          firstLastVariance = peer.getStatistic(PeerStatistic.PEER_LAST_ROUND_TRIP_TIME_VARIANCE);
        }
        const counterBefore = peer.getStatistic(PeerStatistic.PEER_PACKET_THROTTLE_COUNTER);
        peer.send(reliable ? 1 : 2, packet, reliable ? PacketFlags.RELIABLE : PacketFlags.UNSEQUENCED);
        conn.flush();
        samples.take(hostTime());
        if (!reliable) {
          unreliableSent++;
          // As in throttle_peer.c: the flush took one step of the counter; past the throttle is a drop.
          const dropped = (counterBefore + 7) % 32 > peer.getStatistic(PeerStatistic.PEER_PACKET_THROTTLE);
          if (dropped) throttleDropped++;
          const epoch = epochs[epochs.length - 1]!;
          epoch.sent++;
          if (dropped) epoch.dropped++;
        }
        index++;
        if (b === opts.burst - 1 || index === opts.count) nextSend += opts.intervalMs;
      }
      if (index === opts.count && endDeadline === 0) {
        peer.send(1, END, PacketFlags.RELIABLE);
        conn.flush();
        endDeadline = now + 10_000;
      }
      if (endDeadline !== 0 && now > endDeadline) return { sender: "ours", unreliableSent, throttleDropped, throttleMin, firstLastRtt, firstLastVariance, throttleFalls, epochs: epochText(), samples: samples.text(), proc };
      await sleep(1);
    }
  } finally {
    // Let the receiver's disconnect be acknowledged before the host goes.
    const until = Date.now() + 200;
    while (Date.now() < until) {
      conn.poll();
      await sleep(5);
    }
    conn.destroy();
  }
}

export async function throttleRun(sender: Sender, receiver: Receiver, opts: ThrottleRunOptions): Promise<ThrottleRunResult> {
  const built = buildCProgram(join(repoRoot, "spec-tests", "enet-interop", "throttle_peer.c"));
  if ("skip" in built) throw new Error(built.skip);
  const port = await freeUdpPort();
  let proc: JsonLineProcess;
  let sent: Omit<ThrottleRunResult, "sender" | "receiver" | "unreliableReceived" | "reliableReceived">;
  if (sender === "ours") {
    const r = await sendFromOurs(port, opts, () => startReceiver(receiver, port, opts, built.path));
    proc = r.proc;
    sent = r;
  } else {
    const c = new JsonLineProcess(built.path, ["send", String(port), String(opts.count), String(opts.intervalMs), String(opts.reliableEvery), String(opts.burst)]);
    await c.waitFor((e) => e.ev === "listening", 5000);
    proc = startReceiver(receiver, port, opts, built.path);
    const e = await c.waitFor((ev) => ev.ev === "sent", opts.count * opts.intervalMs + 40_000);
    sent = { unreliableSent: e.unreliable as number, throttleDropped: e.throttle_dropped as number, throttleMin: e.throttle_min as number,
      firstLastRtt: e.first_last_rtt as number,
      firstLastVariance: e.first_last_variance as number,
      throttleFalls: e.throttle_falls as number,
      epochs: e.epochs as string,
      samples: e.samples as string,
    };
    await c.exitPromise;
  }
  const got = await proc.waitFor((e) => e.ev === "received", 15_000);
  await proc.exitPromise;
  return {
    sender,
    receiver,
    ...sent,
    unreliableReceived: got.unreliable as number,
    reliableReceived: got.reliable as number,
  };
}

async function main(): Promise<void> {
  const [runs = 3, count = 300, intervalMs = 16, reliableEvery = 5, burst = 1, sleepMs = 7, longEvery = 0, longMs = 0] = process.argv.slice(2).map(Number);
  const opts: ThrottleRunOptions = { count, intervalMs, reliableEvery, burst, sleepMs, longEvery, longMs };
  // THROTTLE_RECEIVERS=c (or godot) runs one receiver only.
  const wanted = process.env.THROTTLE_RECEIVERS?.split(",") ?? ["godot", "c"];
  const receivers = (["godot", "c"] as const).filter((r) => wanted.includes(r) && (r === "c" || godotAvailable() === true));
  const results: ThrottleRunResult[] = [];
  for (let run = 0; run < runs; run++) {
    for (const receiver of receivers) {
      for (const sender of ["ours", "c"] as const) {
        const r = await throttleRun(sender, receiver, opts);
        results.push(r);
        console.log(
          `run ${run} ${sender.padEnd(4)} -> ${receiver.padEnd(5)} unreliable sent ${r.unreliableSent}, throttle dropped ${r.throttleDropped} ` +
            `(min throttle ${r.throttleMin}/32, fell ${r.throttleFalls} times, first reference ${r.firstLastRtt}+-${r.firstLastVariance} ms), delivered ${r.unreliableReceived}; reliable delivered ${r.reliableReceived}; epochs ${r.epochs}; samples ${r.samples}`,
        );
      }
    }
  }
  for (const receiver of receivers) {
    for (const sender of ["ours", "c"] as const) {
      const mine = results.filter((r) => r.sender === sender && r.receiver === receiver);
      const sent = mine.reduce((n, r) => n + r.unreliableSent, 0);
      const dropped = mine.reduce((n, r) => n + r.throttleDropped, 0);
      const delivered = mine.reduce((n, r) => n + r.unreliableReceived, 0);
      console.log(
        `${sender.padEnd(4)} -> ${receiver.padEnd(5)}: ${delivered} of ${sent} unreliable delivered (${((100 * (sent - delivered)) / sent).toFixed(1)} % lost), ` +
          `${dropped} dropped by the throttle; per run ${mine.map((r) => r.throttleDropped).join(", ")}`,
      );
      // The first reference (set by the first RTT sample, the handshake's) decides most of it: by reference.
      const byReference = new Map<string, { runs: number; sent: number; dropped: number }>();
      for (const r of mine) {
        const key = `${r.firstLastRtt}+-${r.firstLastVariance}`;
        const entry = byReference.get(key) ?? { runs: 0, sent: 0, dropped: 0 };
        entry.runs++;
        entry.sent += r.unreliableSent;
        entry.dropped += r.throttleDropped;
        byReference.set(key, entry);
      }
      const groups = [...byReference].sort((a, b) => parseInt(a[0]) - parseInt(b[0]));
      console.log(`    by first reference: ${groups.map(([k, e]) => `${k} ms: ${e.runs} runs, ${e.dropped}/${e.sent} dropped`).join("; ")}`);
    }
  }
}

if (process.argv[1] !== undefined && import.meta.url.endsWith(process.argv[1].replace(/^.*\//, ""))) {
  main().then(
    () => process.exit(0),
    (e: unknown) => {
      console.error(e);
      process.exit(1);
    },
  );
}
