// Live, through a real lossy UDP relay on 127.0.0.1 (spec-tests/tools/udp-relay.ts dropping 20 % of
// datagrams in each direction, seeded): COUNT reliable packets (10 B..3 KB, 1 in 40 fragmented, 2
// channels) echoed back, C ENet 1.3.17 <-> C ENet, our client <-> C server and C client <-> our
// server. Every echo must come back intact and in order; the times are reported side by side
// (ratio against C <-> C on the same relay), not asserted: they depend on the machine.
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { ENetConnection, EventType, PacketFlags, type ENetPacketPeer } from "../../src/index.ts";
import { SeededRandom } from "../../src/util/prng.ts";
import { UdpCaptureRelay } from "../tools/udp-relay.ts";
import { buildEnetPeer, fnv1a, pattern, startCPeer, type JsonLineProcess } from "./harness.ts";
import { ConnectionPump } from "./pump.ts";
import { cleanupsAfterSuite } from "../support/cleanups.ts";

const built = buildEnetPeer();
const g = globalThis as { Deno?: unknown; Bun?: unknown };
// Node only: the relay shares the event loop with our host, and its timing is compared across runs.
const skip = "skip" in built ? built.skip : g.Deno || g.Bun ? "timed comparison, run once (on Node)" : false;
if (skip) console.log(`lossy relay: skipped: ${skip}`);
const cPath = (): string => (built as { path: string }).path;

// 500 in `npm test`; PACKETPEER_LOSSY_RELAY_COUNT=4000 for the full run (about 95 s: C ENet's
// unbounded retransmission backoff makes its own runs the slowest).
const COUNT = Number(process.env.PACKETPEER_LOSSY_RELAY_COUNT ?? 500);
const LOSS = 0.2;
// Generous timeouts on both sides (limit, minimum, maximum): at 20 % loss each way C ENet's defaults
// give up on a peer now and then, which is not what this compares.
const TIMEOUTS: [number, number, number] = [1024, 60_000, 60_000];
/**
 * How long a run with a C ENet host may take for its echoes. C's retransmission backoff doubles
 * without bound, so one of its packets (or the acknowledgement of it) lost a few times in a row can
 * hold a channel for tens of seconds; C gives the peer up at TIMEOUTS' 60 s maximum, so waiting a little
 * longer than that lets a slow C run finish and still fails one that never does. Usual runs take
 * 1-35 s (C <-> C) and 0.5-13 s (with our host).
 */
const C_CLIENT_WAIT_MS = 70_000;
const sizeOf = (i: number): number => (i % 40 === 39 ? 3000 : 10 + ((i * 37) % 900));
const channelOf = (i: number): number => i % 2;
/** Per channel, the [length, fnv] sequence every echo must come back in. */
function expected(): Map<number, string[]> {
  const m = new Map<number, string[]>([[0, []], [1, []]]);
  for (let i = 0; i < COUNT; i++) m.get(channelOf(i))!.push(`${sizeOf(i)}:${fnv1a(pattern(sizeOf(i), i & 255))}`);
  return m;
}

function lossyRelay(targetPort: number, seed: number): UdpCaptureRelay {
  const rng = new SeededRandom(seed);
  return new UdpCaptureRelay({ targetPort, filter: () => rng.nextFloat() >= LOSS });
}

/** One run's echoes per channel, its time from the first send, and whether every echo came back. */
interface RunResult {
  ms: number;
  got: Map<number, string[]>;
  finished: boolean;
}

const dropped = (r: UdpCaptureRelay): string => {
  const d = r.records.filter((x) => x.dropped).length;
  return `${d} of ${r.records.length} datagrams dropped`;
};

describe(`live: ${COUNT} reliable packets through a 20 % lossy relay, C ENet 1.3.17 and ours`, { skip }, () => {
  const cleanups = cleanupsAfterSuite();
  const times = new Map<string, number>();

  async function cServer(): Promise<{ port: number; proc: JsonLineProcess }> {
    const s = await startCPeer(cPath(), { server: true, port: 0, echo: true, channels: 2, timeout: TIMEOUTS, maxRuntimeMs: C_CLIENT_WAIT_MS + 20_000 });
    cleanups.push(() => s.proc.kill());
    return s;
  }

  /** A C client's echo run; a stall (not every echo back in C_CLIENT_WAIT_MS) ends it unfinished. */
  async function cClientRun(relayPort: number): Promise<RunResult> {
    const c = await startCPeer(cPath(), { connect: `127.0.0.1:${relayPort}`, channels: 2, timeout: TIMEOUTS, hexLimit: 0, maxRuntimeMs: C_CLIENT_WAIT_MS + 10_000 });
    cleanups.push(() => c.proc.kill());
    await c.proc.waitFor((e) => e.ev === "connect", 10_000);
    const started = performance.now();
    const commands: string[] = [];
    for (let i = 0; i < COUNT; i++) commands.push(`send 0 ${channelOf(i)} 1 pat:${sizeOf(i)}:${i & 255}`);
    c.proc.command(...commands);
    let finished = true;
    try {
      await c.proc.waitForCount((e) => e.ev === "receive", COUNT, C_CLIENT_WAIT_MS);
    } catch {
      finished = false;
    }
    const ms = performance.now() - started;
    const got = new Map<number, string[]>([[0, []], [1, []]]);
    for (const e of c.proc.events) if (e.ev === "receive") got.get(e.ch as number)!.push(`${e.len}:${e.fnv}`);
    c.proc.command("disconnect 0 0");
    return { ms, got, finished };
  }

  async function ourClientRun(relayPort: number): Promise<RunResult> {
    const conn = new ENetConnection();
    await conn.createHost(1, 2);
    cleanups.push(() => conn.destroy());
    const peer = await conn.connectToHost("127.0.0.1", relayPort, 2);
    peer.setTimeout(...TIMEOUTS);
    const got = new Map<number, string[]>([[0, []], [1, []]]);
    let connected = false;
    let received = 0;
    let started = 0;
    // The C server's echoes are under the same backoff as a C client's packets.
    const deadline = performance.now() + C_CLIENT_WAIT_MS;
    while (received < COUNT && performance.now() < deadline) {
      const ev = await conn.service(5);
      if (ev.type === EventType.EVENT_CONNECT) {
        connected = true;
        started = performance.now();
        for (let i = 0; i < COUNT; i++) peer.send(channelOf(i), pattern(sizeOf(i), i & 255), PacketFlags.RELIABLE);
      } else if (ev.type === EventType.EVENT_RECEIVE && ev.packet) {
        ev.peer!.getPacket();
        got.get(ev.channel)!.push(`${ev.packet.length}:${fnv1a(ev.packet)}`);
        received++;
      } else if (ev.type === EventType.EVENT_DISCONNECT) break;
    }
    assert.ok(connected, "connected through the relay");
    const ms = performance.now() - started;
    peer.peerDisconnect();
    conn.flush();
    return { ms, got, finished: received === COUNT };
  }

  /**
   * Runs a pairing with a C ENet host in it through a fresh relay (seed 1). C ENet's packets are
   * under its unbounded retransmission backoff whatever the other side: one of them (or its
   * acknowledgements) lost a few times in a row can go unacknowledged past C's 60 s give-up, and the
   * C host then drops the connection itself (seen once in CI, 2026-12-04: 92 of 500 echoes, then the
   * C client's own disconnect). Such a run is reported and the pairing runs once more through a fresh
   * relay with the next seed; a second stall fails, as does anything out of order or corrupt in either run.
   */
  async function withOneRerunOnStall(label: string, attempt: (seed: number) => Promise<{ run: RunResult; relay: UdpCaptureRelay }>): Promise<void> {
    for (let seed = 1; ; seed++) {
      const { run, relay } = await attempt(seed);
      const want = expected();
      for (const [channel, list] of run.got) assert.deepEqual(list, want.get(channel)!.slice(0, list.length), `channel ${channel}: echoes intact and in order`);
      if (!run.finished) {
        const arrived = [...run.got.values()].reduce((n, l) => n + l.length, 0);
        assert.ok(seed === 1, `${label}: stalled again, ${arrived} of ${COUNT} echoes (relay seed ${seed}); ${dropped(relay)}`);
        console.log(`lossy relay: ${label}: stalled, ${arrived} of ${COUNT} echoes in ${C_CLIENT_WAIT_MS / 1000} s (C ENet's backoff); ${dropped(relay)}; once more with relay seed ${seed + 1}`);
        continue;
      }
      assert.deepEqual(run.got, want, "every echo intact, in order on its channel");
      const ratio = times.has("C-C") ? ` (${(run.ms / times.get("C-C")!).toFixed(2)}x the C <-> C time)` : "";
      console.log(`lossy relay: ${label}: ${COUNT} echoes in ${run.ms.toFixed(0)} ms${ratio}; ${dropped(relay)}`);
      return;
    }
  }

  async function ourServer(): Promise<number> {
    const conn = new ENetConnection();
    await conn.createHostBound("127.0.0.1", 0, 4, 2);
    const pump = new ConnectionPump(conn, 2);
    pump.onEvent = (e) => {
      if (e.type === EventType.CONNECT && e.peer) (e.peer as ENetPacketPeer).setTimeout(...TIMEOUTS);
      if (e.type === EventType.RECEIVE && e.peer) e.peer.send(e.channel, e.packet!, e.flags!);
    };
    cleanups.push(async () => {
      await pump.stop();
      conn.destroy();
    });
    return conn.getLocalPort();
  }

  test("C client <-> C server (the reference)", async () => {
    const server = await cServer();
    const relay = lossyRelay(server.port, 1);
    cleanups.push(() => relay.stop());
    // C ENet doubles its retransmission timeout without bound, so at 20 % loss a run between two
    // C hosts can stall for tens of seconds (on a loaded machine it has taken over 50 s for 500
    // echoes). That is C's weakness, not ours: the reference only gives the others a time to
    // compare with, so a stalled run is reported, and what did arrive must still be intact and in order.
    const r = await cClientRun(await relay.start());
    const want = expected();
    for (const [channel, list] of r.got) assert.deepEqual(list, want.get(channel)!.slice(0, list.length), `channel ${channel}: echoes intact and in order`);
    if (!r.finished) {
      const arrived = [...r.got.values()].reduce((n, l) => n + l.length, 0);
      console.log(`lossy relay: C client <-> C server: stalled, ${arrived} of ${COUNT} echoes in ${C_CLIENT_WAIT_MS / 1000} s (C ENet's unbounded backoff); no reference time; ${dropped(relay)}`);
      return;
    }
    assert.deepEqual(r.got, want, "every echo intact, in order on its channel");
    times.set("C-C", r.ms);
    console.log(`lossy relay: C client <-> C server: ${COUNT} echoes in ${r.ms.toFixed(0)} ms; ${dropped(relay)}`);
  });

  test("our client <-> C server", async () => {
    await withOneRerunOnStall("our client <-> C server", async (seed) => {
      const server = await cServer();
      const relay = lossyRelay(server.port, seed);
      cleanups.push(() => relay.stop());
      return { run: await ourClientRun(await relay.start()), relay };
    });
  });

  test("C client <-> our server", async () => {
    await withOneRerunOnStall("C client <-> our server", async (seed) => {
      const port = await ourServer();
      const relay = lossyRelay(port, seed);
      cleanups.push(() => relay.stop());
      return { run: await cClientRun(await relay.start()), relay };
    });
  });
});
