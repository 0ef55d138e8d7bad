/**
 * A randomized soak against real C ENet 1.3.17: one seed draws a whole session (who is the
 * client, 1-4 channels, range coder, checksums, bandwidth limits, loss, duplication and
 * reordering on a real UDP relay between them, a mix of reliable, unreliable, unsequenced and
 * unreliable-fragment packets of 5 B to 6 KB sent in bursts), and the far side echoes every
 * packet back with its flags. Both legs are checked against ENet's delivery rules:
 *
 * - every payload arrives intact, on the channel it was sent on, with its reliability;
 * - nothing arrives twice;
 * - reliable packets all arrive, in their channel's order;
 * - a sequenced unreliable packet arrives after every reliable packet sent before it on its
 *   channel, before any reliable packet sent after it, and after the unreliable ones sent before it
 *   that arrived (ENet drops the late ones);
 * - the session stays connected.
 *
 * `npm run soak:enet-c -- RUNS FIRST_SEED` runs many seeds; soak-c.test.ts keeps a seeded slice.
 */
import { ENetConnection, EventType, PacketFlags, type ENetPacketPeer } from "../../src/index.ts";
import { SeededRandom } from "../../src/util/prng.ts";
import { UdpCaptureRelay, type Direction } from "../tools/udp-relay.ts";
import { fnv1a, startCPeer, type JsonLineProcess } from "./harness.ts";
import { ConnectionPump } from "./pump.ts";

export type Kind = "reliable" | "unreliable" | "unsequenced" | "fragment";

/** One drawn session. */
export interface SoakPlan {
  seed: number;
  /** Who connects: our host (to a C server) or C ENet (to our server). */
  ourRole: "client" | "server";
  channels: number;
  rangeCoder: boolean;
  checksum: boolean;
  /** Host bandwidth limits (bytes/s, 0 = none) of both hosts, or none. */
  bandwidth: [number, number];
  loss: number;
  duplicate: number;
  reorder: number;
  messages: { channel: number; kind: Kind; size: number }[];
  /** Messages per burst; bursts are `burstGapMs` apart. */
  burst: number;
  burstGapMs: number;
}

export interface SoakScale {
  /** Most messages a seed draws (at least a quarter of it). */
  maxMessages: number;
  /** Highest loss rate drawn, per direction. */
  maxLoss: number;
}

export function drawPlan(seed: number, scale: SoakScale): SoakPlan {
  const rng = new SeededRandom(seed);
  const pick = <T>(items: readonly T[]): T => items[rng.nextInt(items.length)]!;
  const channels = 1 + rng.nextInt(4);
  const count = Math.floor(scale.maxMessages / 4) + rng.nextInt(Math.ceil((scale.maxMessages * 3) / 4));
  const weights: [Kind, number][] = [
    ["reliable", 1 + rng.nextInt(6)],
    ["unreliable", rng.nextInt(4)],
    ["unsequenced", rng.nextInt(3)],
    ["fragment", rng.nextInt(2)],
  ];
  const total = weights.reduce((n, [, w]) => n + w, 0);
  const messages: SoakPlan["messages"] = [];
  for (let i = 0; i < count; i++) {
    let r = rng.nextInt(total);
    let kind: Kind = "reliable";
    for (const [k, w] of weights) {
      if (r < w) {
        kind = k;
        break;
      }
      r -= w;
    }
    // Unreliable and unsequenced packets stay under one fragment (ENet sends a larger one as
    // reliable fragments); unreliable-fragment ones are mostly above it; reliable ones both.
    const size =
      kind === "reliable" ? (rng.nextInt(10) === 0 ? 1400 + rng.nextInt(4600) : 5 + rng.nextInt(700))
      : kind === "fragment" ? (rng.nextInt(4) === 0 ? 5 + rng.nextInt(1000) : 1400 + rng.nextInt(4600))
      : 5 + rng.nextInt(1000);
    messages.push({ channel: rng.nextInt(channels), kind, size });
  }
  const limited = rng.nextInt(5) === 0;
  return {
    seed,
    ourRole: rng.nextInt(2) === 0 ? "client" : "server",
    channels,
    rangeCoder: rng.nextInt(2) === 0,
    checksum: rng.nextInt(2) === 0,
    bandwidth: limited ? [pick([0, 200_000, 1_000_000]), pick([0, 200_000, 1_000_000])] : [0, 0],
    loss: rng.nextFloat() * scale.maxLoss,
    duplicate: pick([0, 0.02, 0.1]),
    reorder: pick([0, 0.05, 0.2]),
    messages,
    burst: pick([1, 8, 32, 64]),
    burstGapMs: pick([1, 5, 15]),
  };
}

const FLAGS: Record<Kind, number> = {
  reliable: PacketFlags.RELIABLE,
  unreliable: 0,
  unsequenced: PacketFlags.UNSEQUENCED,
  fragment: PacketFlags.UNRELIABLE_FRAGMENT,
};

/** Message `index`'s bytes: its index (u32 LE), then bytes drawn from the index. */
export function payloadOf(index: number, size: number): Uint8Array {
  const out = new Uint8Array(size);
  new DataView(out.buffer).setUint32(0, index, true);
  let x = (index * 2654435761 + 12345) >>> 0;
  for (let i = 4; i < size; i++) {
    x = (Math.imul(x, 1103515245) + 12345) >>> 0;
    out[i] = x >>> 24;
  }
  return out;
}

/** What one side received, in order: the message index (-1 for bytes no message has), channel, reliable bit. */
interface Arrival {
  index: number;
  channel: number;
  reliable: boolean;
}

export interface SoakResult {
  plan: SoakPlan;
  /** What broke a delivery rule (empty when the session passed). */
  failures: string[];
  ms: number;
  relay: UdpCaptureRelay["counts"];
  arrived: { there: number; back: number };
}

/**
 * Checks one leg: `sent` is the sender's order of message indices, `got` what the receiver
 * delivered, `complete` whether every reliable message must have arrived.
 */
export function checkLeg(leg: string, plan: SoakPlan, sent: readonly number[], got: readonly Arrival[], complete: boolean): string[] {
  const failures: string[] = [];
  const fail = (m: string): void => {
    if (failures.length < 10) failures.push(`${leg}: ${m}`);
  };
  const position = new Map<number, number>();
  sent.forEach((index, at) => position.set(index, at));
  const seen = new Set<number>();
  // Per channel: the send position of the last reliable delivered, and of the last unreliable delivered.
  const lastReliable = new Map<number, number>();
  const lastUnreliable = new Map<number, number>();
  // Per channel, the reliable messages in send order, to find the next one owed.
  const reliableOrder = new Map<number, number[]>();
  for (const index of sent) {
    const m = plan.messages[index]!;
    if (m.kind === "reliable") {
      const list = reliableOrder.get(m.channel) ?? [];
      list.push(position.get(index)!);
      reliableOrder.set(m.channel, list);
    }
  }
  const reliableCount = new Map<number, number>();
  for (const a of got) {
    const m = plan.messages[a.index];
    const at = position.get(a.index);
    if (m === undefined || at === undefined) {
      fail(`bytes that are no message sent on this leg (index ${a.index})`);
      continue;
    }
    if (seen.has(a.index)) fail(`message ${a.index} (${m.kind}) delivered twice`);
    seen.add(a.index);
    if (a.channel !== m.channel) fail(`message ${a.index} on channel ${a.channel}, sent on ${m.channel}`);
    if (a.reliable !== (m.kind === "reliable")) fail(`message ${a.index} (${m.kind}) delivered ${a.reliable ? "reliable" : "unreliable"}`);
    const order = reliableOrder.get(m.channel) ?? [];
    const done = reliableCount.get(m.channel) ?? 0;
    if (m.kind === "reliable") {
      if (order[done] !== at) fail(`reliable message ${a.index} on channel ${m.channel} out of order (expected send position ${order[done]}, got ${at})`);
      reliableCount.set(m.channel, done + 1);
      lastReliable.set(m.channel, at);
    } else if (m.kind === "unreliable" || m.kind === "fragment") {
      // Sent after `owed` reliable ones on its channel: all of them delivered first, none after it.
      const owed = order.filter((p) => p < at).length;
      if (done !== owed) fail(`unreliable message ${a.index} on channel ${m.channel} delivered after ${done} reliable ones; it was sent after ${owed}`);
      const last = lastUnreliable.get(m.channel) ?? -1;
      if (at < last) fail(`unreliable message ${a.index} on channel ${m.channel} delivered after a later one (send position ${at} < ${last})`);
      lastUnreliable.set(m.channel, at);
    }
  }
  if (complete)
    for (const [channel, order] of reliableOrder)
      if ((reliableCount.get(channel) ?? 0) !== order.length) fail(`channel ${channel}: ${reliableCount.get(channel) ?? 0} of ${order.length} reliable messages delivered`);
  return failures;
}

const TIMEOUTS: [number, number, number] = [1024, 60_000, 60_000];

function relayFor(plan: SoakPlan, targetPort: number): UdpCaptureRelay {
  const rng = new SeededRandom(plan.seed ^ 0x5eed);
  const schedule = (_dir: Direction): number[] => {
    if (rng.nextFloat() < plan.loss) return [];
    const first = rng.nextFloat() < plan.reorder ? 1 + rng.nextInt(30) : 0;
    return rng.nextFloat() < plan.duplicate ? [first, rng.nextInt(25)] : [first];
  };
  return new UdpCaptureRelay({ targetPort, schedule, keepRecords: false });
}

/** The C peer's receive events as arrivals (payloads are told apart by length and FNV-1a). */
function cArrivals(proc: JsonLineProcess, byDigest: Map<string, number>): Arrival[] {
  return proc.events
    .filter((e) => e.ev === "receive")
    .map((e) => ({ index: byDigest.get(`${e.len}:${e.fnv}`) ?? -1, channel: e.ch!, reliable: ((e.flags ?? 0) & PacketFlags.RELIABLE) !== 0 }));
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** Runs one drawn session to its end; never throws for a protocol failure (it is in `failures`). */
export async function runSoak(plan: SoakPlan, cPeerPath: string, deadlineMs = 90_000): Promise<SoakResult> {
  const payloads = plan.messages.map((m, i) => payloadOf(i, m.size));
  const byDigest = new Map<string, number>();
  payloads.forEach((p, i) => byDigest.set(`${p.length}:${fnv1a(p)}`, i));
  const cleanups: (() => unknown)[] = [];
  const failures: string[] = [];
  const started = performance.now();
  const cOptions = { channels: plan.channels, rangeCoder: plan.rangeCoder, checksum: plan.checksum, timeout: TIMEOUTS, hexLimit: 0, bandwidth: plan.bandwidth, maxRuntimeMs: deadlineMs + 20_000 };
  let relay: UdpCaptureRelay | undefined;
  let c: JsonLineProcess | undefined;
  const conn = new ENetConnection();
  try {
    if (plan.ourRole === "server") await conn.createHostBound("127.0.0.1", 0, { maxPeers: 2, maxChannels: plan.channels, checksum: plan.checksum, inBandwidth: plan.bandwidth[0], outBandwidth: plan.bandwidth[1] });
    else await conn.createHost({ maxPeers: 1, maxChannels: plan.channels, checksum: plan.checksum, inBandwidth: plan.bandwidth[0], outBandwidth: plan.bandwidth[1] });
    cleanups.push(() => conn.destroy());
    if (plan.rangeCoder) conn.compress(ENetConnection.COMPRESS_RANGE_CODER);
    const pump = new ConnectionPump(conn, 2);
    cleanups.push(() => pump.stop());
    const ours: Arrival[] = [];
    let ourPeer: ENetPacketPeer | null = null;
    let disconnected = false;
    pump.onEvent = (e) => {
      if (e.type === EventType.CONNECT && e.peer) {
        ourPeer = e.peer as ENetPacketPeer;
        ourPeer.setTimeout(...TIMEOUTS);
      } else if (e.type === EventType.DISCONNECT) disconnected = true;
      else if (e.type === EventType.RECEIVE && e.packet) {
        const index = e.packet.length >= 4 ? new DataView(e.packet.buffer, e.packet.byteOffset).getUint32(0, true) : -1;
        const expected = payloads[index];
        const intact = expected !== undefined && expected.length === e.packet.length && expected.every((b, i) => b === e.packet![i]);
        ours.push({ index: intact ? index : -1, channel: e.channel, reliable: ((e.flags ?? 0) & PacketFlags.RELIABLE) !== 0 });
        // Our server echoes what C sent, with its flags.
        if (plan.ourRole === "server") e.peer!.send(e.channel, e.packet, (e.flags ?? 0) & (PacketFlags.RELIABLE | PacketFlags.UNSEQUENCED | PacketFlags.UNRELIABLE_FRAGMENT));
      }
    };
    if (plan.ourRole === "server") {
      relay = relayFor(plan, conn.getLocalPort());
      cleanups.push(() => relay!.stop());
      const port = await relay.start();
      const started = await startCPeer(cPeerPath, { ...cOptions, connect: `127.0.0.1:${port}` });
      c = started.proc;
      cleanups.push(() => c!.kill());
    } else {
      const started = await startCPeer(cPeerPath, { ...cOptions, server: true, port: 0, echo: true, peers: 2 });
      c = started.proc;
      cleanups.push(() => c!.kill());
      relay = relayFor(plan, started.port);
      cleanups.push(() => relay!.stop());
      await conn.connectToHost("127.0.0.1", await relay.start(), { channels: plan.channels });
    }
    await c.waitFor((e) => e.ev === "connect", 15_000);
    while (ourPeer === null && performance.now() - started < 15_000) await sleep(5);
    if (ourPeer === null) throw new Error("our host saw no connect");
    const peer: ENetPacketPeer = ourPeer;
    // Send every message in bursts from the client side.
    const order = plan.messages.map((_, i) => i);
    for (let i = 0; i < order.length; i += plan.burst) {
      const burst = order.slice(i, i + plan.burst);
      if (plan.ourRole === "client") for (const index of burst) peer.send(plan.messages[index]!.channel, payloads[index]!, FLAGS[plan.messages[index]!.kind]);
      else c.command(...burst.map((index) => `send 0 ${plan.messages[index]!.channel} ${FLAGS[plan.messages[index]!.kind]} hex:${Buffer.from(payloads[index]!).toString("hex")}`), `sleep ${plan.burstGapMs}`);
      if (plan.ourRole === "client") await sleep(plan.burstGapMs);
    }
    // Wait for every reliable echo back at the sender, then a little for late unreliable ones.
    const reliableCount = plan.messages.filter((m) => m.kind === "reliable").length;
    const backAtSender = (): Arrival[] => (plan.ourRole === "client" ? ours : cArrivals(c!, byDigest));
    while (performance.now() - started < deadlineMs && !disconnected && !c.hasExited) {
      if (backAtSender().filter((a) => a.reliable).length >= reliableCount) break;
      await sleep(20);
    }
    await sleep(300);
    const there = plan.ourRole === "client" ? cArrivals(c, byDigest) : ours;
    const back = backAtSender();
    const complete = !disconnected && !c.hasExited;
    if (disconnected) failures.push("the session disconnected");
    if (c.hasExited) failures.push(`the C peer exited: ${c.stderr.join("").slice(-500)}`);
    if (pump.errors.length > 0) failures.push(`service() threw: ${String(pump.errors[0])}`);
    failures.push(...checkLeg("there", plan, order, there, complete));
    failures.push(...checkLeg("back", plan, there.filter((a) => a.index >= 0).map((a) => a.index), back, complete));
    if (performance.now() - started >= deadlineMs) failures.push(`not every reliable echo back within ${deadlineMs / 1000} s`);
    return { plan, failures, ms: performance.now() - started, relay: { ...relay.counts }, arrived: { there: there.length, back: back.length } };
  } catch (err) {
    failures.push(`run failed: ${(err as Error).stack ?? String(err)}`);
    return { plan, failures, ms: performance.now() - started, relay: relay ? { ...relay.counts } : { seen: 0, dropped: 0, duplicated: 0, delayed: 0 }, arrived: { there: 0, back: 0 } };
  } finally {
    for (const cleanup of cleanups.reverse()) {
      try {
        await cleanup();
      } catch {
        // best effort
      }
    }
  }
}

/** One line per seed, for the runner and the test's log. */
export function describeResult(r: SoakResult): string {
  const p = r.plan;
  const kinds = (["reliable", "unreliable", "unsequenced", "fragment"] as const).map((k) => `${p.messages.filter((m) => m.kind === k).length} ${k}`).join(", ");
  return (
    `seed ${p.seed}: our ${p.ourRole}, ${p.channels} ch, ${p.messages.length} messages (${kinds}), ` +
    `${p.rangeCoder ? "range coder" : "plain"}${p.checksum ? " + checksum" : ""}${p.bandwidth.some((b) => b > 0) ? `, bandwidth ${p.bandwidth.join("/")}` : ""}, ` +
    `loss ${(p.loss * 100).toFixed(1)} %, dup ${p.duplicate * 100} %, reorder ${p.reorder * 100} %, bursts of ${p.burst} every ${p.burstGapMs} ms: ` +
    `${r.arrived.there} there, ${r.arrived.back} back, relay ${r.relay.seen} datagrams (${r.relay.dropped} dropped, ${r.relay.duplicated} duplicated, ${r.relay.delayed} delayed), ` +
    `${(r.ms / 1000).toFixed(1)} s${r.failures.length > 0 ? `\n  FAILED:\n  ${r.failures.join("\n  ")}` : ""}`
  );
}
