// Live: the session-ID rule (RecentSessions in src/enet/admission.ts; spec-tests/enet/session-ids.test.ts
// on the simulated network) against real C ENet 1.3.17 clients. Our one-slot server resets a C
// client's session A without a word, so that client keeps sending on A. Three sessions of a second
// C client on the slot move C ENet's own choice of session ID round to A's again. Then the first
// client connects once more, from its other peer, to the same slot: session B, from the same
// address and port as A. The two differ only by session ID, so with C ENet's rule A's packets would
// be taken as B's. Ours gives B an ID A did not have; C ENet adopts it from VERIFY_CONNECT (every
// session here connects and carries packets), and B receives its own packets and none of A's.
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { ENetConnection, EventType, type ENetPacketPeer } from "../../src/index.ts";
import { buildEnetPeer, startCPeer } from "./harness.ts";
import { ConnectionPump, type OurEvent } from "./pump.ts";
import { cleanupsAfterSuite } from "../support/cleanups.ts";

const built = buildEnetPeer();
const skip = "skip" in built ? built.skip : false;
if (skip) console.log(`session IDs (C clients): skipped: ${skip}`);

const RELIABLE = 1;

describe("live: C ENet 1.3.17 clients and our session-ID rule", { skip }, () => {
  const cleanups = cleanupsAfterSuite();

  test("a client whose old session was reset without a word cannot feed it into its new session on the same slot", async () => {
    const server = new ENetConnection();
    await server.createHostBound("127.0.0.1", 0, { maxPeers: 1, maxChannels: 1 });
    cleanups.push(() => server.destroy());
    const pump = new ConnectionPump(server);
    cleanups.push(() => pump.stop());
    const port = server.getLocalPort();
    const path = (built as { path: string }).path;
    const ourConnects = (): OurEvent[] => pump.events.filter((e) => e.type === EventType.CONNECT);
    const ourDisconnects = (): number => pump.events.filter((e) => e.type === EventType.DISCONNECT).length;

    // Session A (the client connects as it starts), then reset at our end only (no DISCONNECT goes
    // out). Its timeouts are long enough that A stays up at the client for the whole test.
    const { proc: zombieSide } = await startCPeer(path, { connect: `127.0.0.1:${port}`, peers: 2, channels: 1, timeout: [32, 20_000, 30_000], maxRuntimeMs: 60_000 });
    cleanups.push(() => zombieSide.kill());
    await zombieSide.waitFor((e) => e.ev === "connect" && e.peer === 0, 5000);
    await pump.waitFor((e) => e.type === EventType.CONNECT, 5000, "session A");
    (ourConnects()[0]!.peer as ENetPacketPeer).reset();

    // Three sessions of the other client on the slot, each ended by the client.
    const { proc: other } = await startCPeer(path, { connect: `127.0.0.1:${port}`, peers: 1, channels: 1, maxRuntimeMs: 60_000 });
    cleanups.push(() => other.kill());
    for (let i = 1; i <= 3; i++) {
      if (i > 1) other.command(`connect 127.0.0.1 ${port}`);
      await other.waitForCount((e) => e.ev === "connect", i, 5000);
      await pump.waitForCount((e) => e.type === EventType.CONNECT, i + 1, 5000, "CONNECTs");
      other.command("disconnect 0");
      await other.waitForCount((e) => e.ev === "disconnect", i, 5000);
      await pump.waitForCount((e) => e.type === EventType.DISCONNECT, i, 5000, "DISCONNECTs");
    }

    // Session B: the first client again, from its other peer, to the same (only) slot.
    zombieSide.command(`connect 127.0.0.1 ${port}`);
    await zombieSide.waitFor((e) => e.ev === "connect" && e.peer === 1, 5000);
    await pump.waitForCount((e) => e.type === EventType.CONNECT, 5, 5000, "CONNECTs");
    assert.ok(!zombieSide.events.some((e) => e.ev === "disconnect"), "the client still holds session A as connected");

    // A's client sends on A and on B, interleaved; A's packets must not reach B.
    for (let n = 0; n < 5; n++) zombieSide.command(`send 0 0 ${RELIABLE} hex:a00${n}`, `send 1 0 ${RELIABLE} hex:b00${n}`);
    zombieSide.command("flush");
    const received = (): string[] =>
      pump.events.filter((e) => e.type === EventType.RECEIVE).map((e) => Buffer.from(e.packet!).toString("hex"));
    await pump.waitForCount((e) => e.type === EventType.RECEIVE, 5, 5000, "B's packets");
    // Time for A's packets (and their retransmissions) to arrive, had the server taken them.
    await new Promise((r) => setTimeout(r, 1200));
    console.log(`session IDs (C clients): B received ${received().join(" ")}; our events ${pump.describe()}`);
    assert.deepEqual(received(), ["b000", "b001", "b002", "b003", "b004"], "B got its own five packets, in order, and none of A's");
    assert.equal(ourDisconnects(), 3, "no session of ours ended besides the other client's three");
    assert.equal(pump.errors.length, 0);
  });
});
