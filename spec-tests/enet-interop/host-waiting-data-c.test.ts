// The host-wide waiting-data bound (maxHostWaitingData, docs/enet.md) against real C ENet 1.3.17
// senders. Six clients each send 80 reliable 1,000-byte packets to our host through a relay that
// drops every datagram carrying a client's first packet for 600 ms, so the rest wait behind the
// gap: what the host holds reaches its cap, and the peers over their share are refused,
// unacknowledged. C ENet must take that as loss and retransmit: once the first packets pass, every
// packet of every client arrives, once, intact and in order, and the host's sum goes back to zero.
//
// C ENet 1.3.17 puts each batch of timed-out commands ahead of those already waiting to go out
// again (docs/enet.md, "Retransmissions go out oldest first"). So a client whose refused packets
// fill its send window may never send the one that fills its gap again: it delivers nothing and
// C times the link out. That is C's sender, not the bound, and it can happen here whenever a
// client's window is smaller than what was refused: with 150 packets a client (up to 128 KB
// refused against a 64 KiB window, less when its throttle shrinks it) one clean-clone CI run
// failed so, a client with 0 received. So the scenario keeps C out of that trap: each client
// sends few enough packets that what can be refused, with the first packet, fits its window
// (WORST_IN_TRANSIT below), and our host sets every C client's throttle so it never shrinks
// that window (THROTTLE_CONFIGURE, deceleration 0), checked before the sending starts.
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { EventType, PeerState } from "../../src/enet/enums.ts";
import { HostCore } from "../../src/enet/host-core.ts";
import { detectRuntime } from "../../src/transport/registry.ts";
import { UdpCaptureRelay, type Direction } from "../tools/udp-relay.ts";
import { ENET_PEER_PACKET_THROTTLE_INTERVAL, ENET_PEER_PACKET_THROTTLE_SCALE } from "../../src/enet/constants.ts";
import { buildEnetPeer, fnv1a, pattern, startCPeer, type JsonLineProcess, type PeerEvent } from "./harness.ts";
import { cleanupsAfterSuite } from "../support/cleanups.ts";
import { carriesFirstReliablePacket } from "../support/enet-datagrams.ts";

const built = buildEnetPeer();
// On Deno the relay (node:dgram there, whose receive buffer cannot be enlarged) did not see some
// clients' first packets within 10 s, or saw the gaps too far apart to reach the cap, in 3 of 4
// runs on 2026-12-07. On Bun (node:dgram emulated, its buffer not enlarged either) the same showed
// a session later, on a slower day of this VM: 14 of 22 local runs on 2026-12-07 held 0 or 92,000
// bytes behind the gaps, never the cap; most likely the relay's socket overflowing under
// six clients' bursts. Node passed every run; the rule itself is exercised on every runtime by the
// simulated test (spec-tests/enet/host-waiting-data.test.ts).
const runtime = globalThis as { Deno?: unknown; Bun?: unknown };
const relayRuntime = runtime.Deno !== undefined ? "Deno" : runtime.Bun !== undefined ? "Bun" : null;
const skip = "skip" in built ? built.skip : relayRuntime !== null ? `the relay's UDP socket on ${relayRuntime} loses this burst (see above)` : false;
if (skip) console.log(`host waiting data (C clients): skipped: ${skip}`);

const CLIENTS = 6;
const PACKETS = 80;
const SIZE = 1000;
const PER_PEER = 64 * 1024;
const HOST_CAP = 128 * 1024;
/** C ENet's send window here: ENET_PROTOCOL_MAXIMUM_WINDOW_SIZE, neither side limiting bandwidth. */
const C_WINDOW = 65536;
/**
 * The most a client can have unacknowledged once its gap is all that holds it back: the first
 * packet, and every later one beyond those within its share (never refused by share).
 */
const WORST_IN_TRANSIT = SIZE + (PACKETS - 1 - Math.floor(HOST_CAP / CLIENTS / SIZE)) * SIZE;
if (WORST_IN_TRANSIT > C_WINDOW) throw new Error(`${WORST_IN_TRANSIT} bytes could be refused: more than C's window, so C could starve its first packet`);
/** How long the relay keeps each client's first packet from our host. */
const GAP_MS = 600;

describe("live: C ENet 1.3.17 senders against our host-wide waiting-data bound", { skip }, () => {
  const cleanups = cleanupsAfterSuite();

  test(`${CLIENTS} clients x ${PACKETS} reliable packets held behind a gap: refused by share, retransmitted by C ENet, all delivered in order`, async () => {
    const rt = detectRuntime();
    const transport = rt.createDatagramTransport();
    const { port } = await transport.bind("127.0.0.1", 0);
    const core = new HostCore({ peerCount: CLIENTS, channelLimit: 2, maximumWaitingData: PER_PEER, maximumHostWaitingData: HOST_CAP });
    const now = (): number => Math.floor(performance.now());
    transport.onDatagram((data, address, from, owned) => core.handleDatagram(now(), data, address, from, owned));
    cleanups.push(() => transport.close());
    let sending = false;
    /** When the relay first kept back each client's first packet (by the relay's client index). */
    const gapStarted = new Map<number, number>();
    const relay = new UdpCaptureRelay({
      targetPort: port,
      // Each client's own gap lasts GAP_MS from its first packet, however late the client starts
      // (a longer one would back C ENet's retransmission timer off further, and past 5 s C gives up).
      filter: (dir: Direction, data: Uint8Array, client: number) => {
        if (dir !== "c2s" || !sending || !carriesFirstReliablePacket(data)) return true;
        const started = gapStarted.get(client) ?? performance.now();
        gapStarted.set(client, started);
        return performance.now() - started >= GAP_MS;
      },
    });
    const relayPort = await relay.start();
    cleanups.push(() => relay.stop());

    let mostHeld = 0;
    /** The most one peer still under the per-peer limit was seen holding while the host held its cap. */
    let mostOnePeerAtCap = 0;
    /** Whether a peer held the per-peer limit while the host held its cap (it got there first). */
    let peerAtOwnLimitAtCap = false;
    const received = new Map<string, Uint8Array[]>();
    const step = (): void => {
      core.service(now());
      for (let t = core.pollTransmit(); t !== null; t = core.pollTransmit()) transport.send(t.data, t.address, t.port);
      core.releaseTransmits();
      for (let e = core.pollEvent(); e !== null; e = core.pollEvent()) {
        if (e.type !== EventType.RECEIVE) continue;
        const key = `${e.peer.address}:${e.peer.port}`;
        let list = received.get(key);
        if (list === undefined) received.set(key, (list = []));
        list.push(e.packet!.slice());
      }
      // With every delivered packet read, what is left is what waits behind the gaps.
      mostHeld = Math.max(mostHeld, core.waitingData);
      if (core.waitingData >= HOST_CAP)
        for (const p of core.peers) {
          if (p.totalWaitingData >= PER_PEER) peerAtOwnLimitAtCap = true;
          else mostOnePeerAtCap = Math.max(mostOnePeerAtCap, p.totalWaitingData);
        }
    };
    const run = async (until: () => boolean, ms: number): Promise<void> => {
      const deadline = performance.now() + ms;
      while (!until() && performance.now() < deadline) {
        step();
        await new Promise((r) => setTimeout(r, 1));
      }
    };

    const clients: JsonLineProcess[] = [];
    for (let c = 0; c < CLIENTS; c++) {
      const { proc } = await startCPeer((built as { path: string }).path, { connect: `127.0.0.1:${relayPort}`, channels: 2, maxRuntimeMs: 130_000 });
      clients.push(proc);
      cleanups.push(() => proc.kill());
    }
    await run(() => core.peers.filter((p) => p.state === PeerState.STATE_CONNECTED).length === CLIENTS, 10_000);
    // A client's window must not shrink under what can be refused (see the header): acceleration
    // to the full throttle at any steady round trip, and no deceleration. Each client then reports
    // the settings and its throttle at ENET_PEER_PACKET_THROTTLE_SCALE (its pings give the samples).
    for (const p of core.peers) core.throttleConfigure(p, ENET_PEER_PACKET_THROTTLE_INTERVAL, ENET_PEER_PACKET_THROTTLE_SCALE, 0);
    const lastStats = (c: JsonLineProcess): PeerEvent | undefined => c.events.filter((e) => e.ev === "stats").pop();
    const fullWindow = (c: JsonLineProcess): boolean => {
      const st = lastStats(c);
      return st?.throttleDeceleration === 0 && st.packetThrottle === ENET_PEER_PACKET_THROTTLE_SCALE && st.windowSize === C_WINDOW;
    };
    const settleBy = performance.now() + 10_000;
    while (!clients.every(fullWindow) && performance.now() < settleBy) {
      for (const c of clients) if (!fullWindow(c)) c.command("stats 0");
      await run(() => false, 100);
    }
    assert.ok(clients.every(fullWindow), `every C client's window stays whole: ${clients.map((c) => JSON.stringify(lastStats(c) ?? null)).join(" ")}`);
    // Once all are connected (so each peer's share stays the cap over CLIENTS), each client
    // queues all its packets at once (seed = packet number), and its first one is held back.
    sending = true;
    const sends = Array.from({ length: PACKETS }, (_, n) => `send 0 0 1 pat:${SIZE}:${n}`);
    for (const c of clients) c.command(...sends);
    await run(() => gapStarted.size === CLIENTS, 10_000);
    assert.equal(gapStarted.size, CLIENTS, "every client's first packet was kept back");
    const lastGapEnds = Math.max(...gapStarted.values()) + GAP_MS;
    await run(() => performance.now() >= lastGapEnds, GAP_MS + 100);
    const deliveredFrom = performance.now();
    assert.ok(mostHeld >= HOST_CAP, `the clients made the host hold ${mostHeld} bytes behind their gaps (cap ${HOST_CAP})`);
    assert.ok(mostHeld <= 2 * HOST_CAP + SIZE, `held at most ${mostHeld} bytes; the bound is 2 x ${HOST_CAP} + one packet`);
    // Refusals by share whenever a peer went past its share with the host at its cap. Whether one
    // does depends on how far each C client's window got past its gap (one Bun run in CI: the six
    // filled the cap evenly, each within its share, and nothing was refused); the simulated test
    // (spec-tests/enet/host-waiting-data.test.ts) exercises the rule every time.
    // A peer that reached the per-peer limit before the host reached its cap is refused by that
    // limit (C ENet's rule, checked first), not by its share (one Bun run in CI: 66,000 bytes on
    // one peer, refused by the per-peer limit only).
    const share = HOST_CAP / CLIENTS;
    const byPeerLimit = core.drops.limits - core.drops.waitingDataShare;
    console.log(`host waiting data (C clients): at most ${mostOnePeerAtCap} bytes at the cap on one peer under its own limit (share ${Math.floor(share)}), ${core.drops.waitingDataShare} refused by share; a peer at its own limit at the cap: ${peerAtOwnLimitAtCap}, ${byPeerLimit} refused by that limit`);
    if (mostOnePeerAtCap > share + SIZE) assert.ok(core.drops.waitingDataShare > 0, `a peer held ${mostOnePeerAtCap} bytes at the cap (share ${share}): peers over their share were refused`);
    if (peerAtOwnLimitAtCap) assert.ok(byPeerLimit > 0, `a peer held the per-peer limit (${PER_PEER}) at the cap: it was refused by that limit`);

    await run(() => received.size === CLIENTS && [...received.values()].every((l) => l.length >= PACKETS), 110_000);
    console.log(`delivered after ${((performance.now() - deliveredFrom) / 1000).toFixed(1)} s`);
    // What each side was doing, for a failure: our peers, the C clients, the relay.
    const state = (): string =>
      `drops ${JSON.stringify(core.drops)}; peers ${core.peers
        .map((p) => `[${p.address}:${p.port} state ${p.state} waiting ${p.totalWaitingData} queued ${p.queuedIncomingCommands} received ${received.get(`${p.address}:${p.port}`)?.length ?? 0}]`)
        .join(" ")}; clients ${clients.map((c, i) => `[${i}${c.hasExited ? " exited" : ""} ${JSON.stringify(c.events.slice(-2)).slice(0, 200)}]`).join(" ")}; ${relay.describeFlow()}`;
    assert.equal(received.size, CLIENTS, state());
    const expected = Array.from({ length: PACKETS }, (_, n) => fnv1a(pattern(SIZE, n)));
    for (const [from, packets] of received) {
      assert.equal(packets.length, PACKETS, `${from}: ${packets.length} packets; ${state()}`);
      assert.deepEqual(packets.map(fnv1a), expected, `${from}: every packet once, intact, in order`);
    }
    await run(() => core.waitingData === 0, 1000);
    assert.equal(core.waitingData, 0, "everything read: the host holds nothing");
    for (const c of clients) assert.ok(!c.events.some((e) => e.ev === "disconnect"), "no C client was disconnected");
  });
});
