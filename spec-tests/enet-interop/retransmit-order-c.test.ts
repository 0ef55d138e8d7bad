// Live: our sender's retransmission order (src/enet/peer-core.ts, requeueFront) against a real C
// ENet 1.3.17 receiver that holds at most 8 packets past a gap (its host's maximumWaitingData).
// Our first packet's first datagram is not sent; the others follow 10 ms later, and the receiver
// refuses, unacknowledged, those past its limit. Then our window shrinks to one MTU and stays so
// (a collapsed throttle). In C ENet's order the refused packets' retransmissions keep going out
// ahead of the first packet's, which never goes out again: C received 0 packets and our link timed
// out, 3 runs of 3 (with the raised timeouts below: still 0 after 60 s). In ours the first packet
// goes first and all 40 arrive in order (the limit is lifted once the first has arrived; see below). spec-tests/enet/retransmit-order.test.ts is the same on
// the simulated network.
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { PacketFlags, PeerState } from "../../src/enet/enums.ts";
import { HostCore } from "../../src/enet/host-core.ts";
import { detectRuntime } from "../../src/transport/registry.ts";
import { buildEnetPeer, fnv1a, pattern, startCPeer } from "./harness.ts";
import { cleanupsAfterSuite } from "../support/cleanups.ts";
import { carriesFirstReliablePacket } from "../support/enet-datagrams.ts";

const built = buildEnetPeer();
const skip = "skip" in built ? built.skip : false;
if (skip) console.log(`retransmission order (C receiver): skipped: ${skip}`);

const PACKETS = 40;
const SIZE = 1000;
const WAITING_LIMIT = 8 * SIZE;

describe("live: our retransmission order against a C ENet 1.3.17 receiver at its waiting-data limit", { skip }, () => {
  const cleanups = cleanupsAfterSuite();

  test(`the packet the receiver waits for goes out first through a one-MTU window: all ${PACKETS} arrive in order`, async () => {
    const { proc: c, port: cPort } = await startCPeer((built as { path: string }).path, { server: true, port: 0, channels: 1, maxRuntimeMs: 90_000 });
    cleanups.push(() => c.kill());
    c.command(`max_waiting ${WAITING_LIMIT}`);

    const transport = detectRuntime().createDatagramTransport();
    await transport.bind("127.0.0.1", 0);
    cleanups.push(() => transport.close());
    const core = new HostCore({ peerCount: 1, channelLimit: 1 });
    const now = (): number => Math.floor(performance.now());
    transport.onDatagram((data, address, from, owned) => core.handleDatagram(now(), data, address, from, owned));
    let firstHeld = false;
    const step = (): void => {
      core.service(now());
      for (let t = core.pollTransmit(); t !== null; t = core.pollTransmit()) {
        // The first packet's first datagram is lost: a gap the receiver fills only from a retransmission.
        if (!firstHeld && carriesFirstReliablePacket(t.data)) {
          firstHeld = true;
          continue;
        }
        transport.send(t.data, t.address, t.port);
      }
      core.releaseTransmits();
      while (core.pollEvent() !== null);
    };
    const run = async (until: () => boolean, ms: number): Promise<void> => {
      const deadline = performance.now() + ms;
      while (!until() && performance.now() < deadline) {
        step();
        await new Promise((r) => setTimeout(r, 1));
      }
    };

    const peer = core.slotOf(core.connect("127.0.0.1", cPort, 1, 0)!);
    await run(() => peer.state === PeerState.STATE_CONNECTED, 5000);
    assert.equal(peer.state, PeerState.STATE_CONNECTED, "connected to the C server");
    const received = (): number => c.events.filter((e) => e.ev === "receive").length;

    // The first packet 10 ms before the others, so it times out on a check of its own.
    core.send(peer, 0, pattern(SIZE, 0), PacketFlags.RELIABLE);
    await run(() => false, 10);
    for (let n = 1; n < PACKETS; n++) core.send(peer, 0, pattern(SIZE, n), PacketFlags.RELIABLE);
    // C acknowledges the packets it keeps past the gap; the rest it refuses stay in flight.
    await run(() => false, 15);
    assert.ok(firstHeld, "the first packet's datagram was held back");
    assert.equal(received(), 0, "nothing delivered before the gap is filled");
    peer.packetThrottle = 0;
    peer.packetThrottleLimit = 0;
    peer.packetThrottleAcceleration = 0;
    // Through a one-MTU window the refused packets come back one round trip at a time, each after
    // its own doubled retransmission timeout: on a loaded machine that can outlast ENet's default
    // give-up rule (seen: 13 of 40 delivered), which is not what this test is about. In C ENet's
    // order the first packet never goes out again, so the test still fails there.
    core.setTimeout(peer, 1024, 60_000, 60_000);

    // Once the first packet is in, the limit has done its part. C ENet 1.3.17 refuses every data
    // command at its limit, the one its queue waits for included, so a later gap that found C's
    // queue full for a moment (packets it had already delivered but its application had not yet
    // taken, counted until taken) could become permanent once the commands behind it filled the
    // room: C's own deadlock, whoever sends (2 of about 10 CI runs stopped at 11 of 40 so). The
    // limit is lifted only after the first packet arrived, which in C ENet's order never happens.
    let limitLifted = false;
    await run(() => {
      if (!limitLifted && received() >= 1) {
        limitLifted = true;
        c.command("max_waiting 100000000");
      }
      return received() >= PACKETS || peer.state !== PeerState.STATE_CONNECTED;
    }, 60_000);
    // What our sender was doing, for a failure (one run in CI, under load, stopped at 10 of 40
    // for the whole minute and could not be repeated here).
    const first = peer.firstSentReliable();
    c.command("stats 0");
    await run(() => c.events.some((e) => e.ev === "stats"), 1000);
    const state = (): string =>
      `ours: state ${PeerState[peer.state]}, in transit ${peer.reliableDataInTransit} B, ${peer.sentReliableCount} sent unacknowledged, ` +
      `queued ${peer.queuedOutgoingData} B, first unacknowledged #${first?.reliableSequenceNumber} sent ${first?.sendAttempts} times (timeout ${first?.roundTripTimeout} ms), ` +
      `rtt ${peer.roundTripTime}±${peer.roundTripTimeVariance} ms, sent ${core.totalSentPackets} datagrams, drops ${JSON.stringify(core.drops)}; ` +
      `C: ${JSON.stringify(c.events.filter((e) => e.ev === "stats").pop() ?? null)}, last events ${JSON.stringify(c.events.slice(-3)).slice(0, 400)}`;
    assert.equal(peer.state, PeerState.STATE_CONNECTED, `the link held (C received ${received()} packets); ${state()}`);
    const fnvs = c.events.filter((e) => e.ev === "receive").map((e) => e.fnv);
    assert.deepEqual(
      fnvs,
      Array.from({ length: PACKETS }, (_, n) => fnv1a(pattern(SIZE, n))),
      `C received every packet once, intact, in order (${fnvs.length} of ${PACKETS}); ${state()}`,
    );
    assert.ok(!c.events.some((e) => e.ev === "disconnect"), "C kept the link");
  });
});
