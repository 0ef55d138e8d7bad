// Smoke test of the interop tooling itself: C ENet client <-> C ENet server through
// the recording relay. Needs no code from src/enet, so it pins down the tools the
// other interop tests and the reference captures rely on.
import { after, describe, test } from "node:test";
import assert from "node:assert/strict";
import { buildEnetPeer, fnv1a, pattern, startCPeer, type JsonLineProcess } from "./harness.ts";
import { fromHex, UdpCaptureRelay } from "../tools/udp-relay.ts";

const built = buildEnetPeer();
const skip = "skip" in built ? built.skip : false;
if (skip) console.log(`c-harness: skipped: ${skip}`);

describe("C ENet harness through the capture relay", { skip }, () => {
  const procs: JsonLineProcess[] = [];
  const relays: UdpCaptureRelay[] = [];
  after(() => {
    for (const p of procs) p.kill();
    for (const r of relays) r.stop();
  });

  test("client and server exchange every delivery mode; the relay records both directions", async () => {
    const bin = (built as { path: string }).path;
    const server = await startCPeer(bin, { server: true, port: 0, echo: true, channels: 4 });
    procs.push(server.proc);
    const relay = new UdpCaptureRelay({ targetPort: server.port });
    relays.push(relay);
    const relayPort = await relay.start();
    const client = await startCPeer(bin, {
      connect: `127.0.0.1:${relayPort}`,
      data: 42,
      channels: 4,
      script: [
        "wait connect",
        "send 0 0 1 str:hello",
        "send 0 1 0 pat:100:1",
        "send 0 2 2 pat:50:2",
        "send 0 3 1 pat:5000:3",
        "send 0 1 8 pat:3000:4",
        "wait receive 5",
        "disconnect 0 1234",
        "wait disconnect",
      ].join(";"),
    });
    procs.push(client.proc);

    const connected = await server.proc.waitFor((e) => e.ev === "connect");
    assert.equal(connected.data, 42);
    const echoes = await client.proc.waitForCount((e) => e.ev === "receive", 5, 5000);
    const byChannel = new Map(echoes.map((e) => [e.ch, e]));
    assert.equal(byChannel.get(0)!.hex, Buffer.from("hello").toString("hex"));
    assert.equal(byChannel.get(2)!.fnv, fnv1a(pattern(50, 2)));
    assert.equal(byChannel.get(2)!.flags, 2, "unsequenced keeps its flag");
    assert.equal(byChannel.get(3)!.len, 5000);
    assert.equal(byChannel.get(3)!.fnv, fnv1a(pattern(5000, 3)));
    const ch1 = echoes.filter((e) => e.ch === 1).map((e) => e.len).sort();
    assert.deepEqual(ch1, [100, 3000]);
    const disc = await server.proc.waitFor((e) => e.ev === "disconnect");
    assert.equal(disc.data, 1234);
    await client.proc.waitFor((e) => e.ev === "disconnect");
    await client.proc.close();
    assert.ok(client.proc.events.some((e) => e.ev === "exit"), "stdin EOF makes the harness finish its queue and exit");

    const recs = relay.datagrams();
    assert.ok(recs.some((r) => r.dir === "c2s") && recs.some((r) => r.dir === "s2c"));
    // The first datagram is the client's CONNECT: peer ID 0xFFF with the SENT_TIME flag,
    // then the command byte CONNECT (2) with the ACKNOWLEDGE flag (0x80) on channel 0xFF.
    const first = fromHex(recs[0]!.hex);
    assert.equal(recs[0]!.dir, "c2s");
    assert.equal(((first[0]! << 8) | first[1]!) & 0x8fff, 0x8fff);
    assert.equal(first[4], 0x82);
    assert.equal(first[5], 0xff);
    // The 5000-byte reliable packet crossed as several datagrams, none above the 1400-byte MTU.
    assert.ok(recs.every((r) => r.hex.length / 2 <= 1400));
    assert.ok(recs.filter((r) => r.dir === "c2s").length >= 6);
  });
});
