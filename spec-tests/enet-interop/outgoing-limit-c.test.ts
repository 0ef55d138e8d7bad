// Live: our sender's bound on what a peer has not acknowledged (maxOutgoingData, docs/enet.md)
// against a real C ENet 1.3.17 client whose whole program stops for 1.5 s (a frozen game loop), so
// it acknowledges nothing while our server keeps sending: sends past the bound are refused
// (ERR_OUT_OF_MEMORY, counted), what is held never passes the bound, and once the client runs
// again every packet that was taken arrives, once, intact and in order, both sides still connected.
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { ENetConnection, EventType, GodotError, PacketFlags, type ENetPacketPeer } from "../../src/index.ts";
import { buildEnetPeer, fnv1a, pattern, startCPeer } from "./harness.ts";
import { ConnectionPump } from "./pump.ts";
import { cleanupsAfterSuite } from "../support/cleanups.ts";

const built = buildEnetPeer();
const skip = "skip" in built ? built.skip : false;
if (skip) console.log(`outgoing bound (C client): skipped: ${skip}`);

const SIZE = 4000;
const BOUND = 128 * 1024;
const STALL_MS = 1500;

describe("live: a C ENet 1.3.17 client that stops acknowledging, against our maxOutgoingData", { skip }, () => {
  const cleanups = cleanupsAfterSuite();

  test("sends past the bound are refused while the client is stalled; every packet taken arrives in order once it runs again", async () => {
    const server = new ENetConnection();
    await server.createHostBound("127.0.0.1", 0, { maxPeers: 2, maxChannels: 1, maxOutgoingData: BOUND });
    cleanups.push(() => server.destroy());
    const pump = new ConnectionPump(server);
    cleanups.push(() => pump.stop());
    const { proc: c } = await startCPeer((built as { path: string }).path, { connect: `127.0.0.1:${server.getLocalPort()}`, channels: 1, maxRuntimeMs: 60_000 });
    cleanups.push(() => c.kill());
    const connected = await pump.waitFor((e) => e.type === EventType.CONNECT, 5000, "CONNECT");
    const peer = connected.peer as ENetPacketPeer;
    await c.waitFor((e) => e.ev === "connect");

    c.command(`stall ${STALL_MS}`);
    await new Promise((r) => setTimeout(r, 50));
    const accepted: number[] = [];
    let refused = 0;
    let mostHeld = 0;
    // Four packets every 5 ms (about 3 MB/s) for most of the stall: the bound is reached within
    // ten turns, however slowly a loaded machine runs the timers.
    const sendUntil = performance.now() + STALL_MS - 400;
    for (let n = 0; performance.now() < sendUntil; ) {
      for (let k = 0; k < 4; k++, n++) {
        const result = peer.send(0, pattern(SIZE, n), PacketFlags.RELIABLE);
        if (result === GodotError.OK) accepted.push(n);
        else {
          assert.equal(result, GodotError.ERR_OUT_OF_MEMORY);
          refused++;
        }
        mostHeld = Math.max(mostHeld, peer.getOutboundBufferedBytes());
      }
      await new Promise((r) => setTimeout(r, 5));
    }
    assert.ok(refused > 0, `sends were refused (${accepted.length} taken)`);
    assert.equal(server.getDropCounters().outgoingLimit, refused, "each refusal is counted");
    assert.ok(mostHeld <= BOUND && mostHeld > BOUND - 2 * SIZE, `held at most ${mostHeld} bytes for the stalled client (bound ${BOUND})`);

    console.log(`outgoing bound (C client): ${accepted.length} packets taken, ${refused} refused, at most ${mostHeld} bytes held`);
    await c.waitForCount((e) => e.ev === "receive", accepted.length, 20_000);
    const fnvs = c.events.filter((e) => e.ev === "receive").map((e) => e.fnv);
    assert.deepEqual(
      fnvs,
      accepted.map((n) => fnv1a(pattern(SIZE, n))),
      "the client received every packet taken, once, intact, in order",
    );
    const deadline = performance.now() + 5000;
    while (peer.getOutboundBufferedBytes() > 0 && performance.now() < deadline) await new Promise((r) => setTimeout(r, 10));
    assert.equal(peer.getOutboundBufferedBytes(), 0, "acknowledged packets are given back");
    assert.equal(peer.send(0, pattern(SIZE, 0), PacketFlags.RELIABLE), GodotError.OK, "and sends are taken again");
    assert.ok(!c.events.some((e) => e.ev === "disconnect"), "the C client kept the link");
    assert.ok(!pump.events.some((e) => e.type === EventType.DISCONNECT), "our server kept the link");
  });
});
