/**
 * Which received packets are views of their datagram (HostCore.handleDatagram's `owned`). From a
 * datagram the caller handed over: a packet delivered at once that is over 64 B (what V8 copies on
 * its heap) and at least 1/32 of the datagram is a view, so packets of one datagram may share its
 * ArrayBuffer; a packet held for later (out of order) is a view only when it takes more than half
 * of the datagram. Everything else, and everything from a decompressed datagram, is a copy.
 */
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { createCompressor } from "../../src/compress/index.ts";
import { CompressionMode } from "../../src/compress/types.ts";
import { EventType, PacketFlags, PeerState } from "../../src/enet/enums.ts";
import { HostCore } from "../../src/enet/host-core.ts";
import type { PeerView } from "../../src/enet/peer-core.ts";

/** A connected client/server pair, datagrams handed over by hand (never owned). */
function connectedPair(compress = false, mtu?: number): { server: HostCore; client: HostCore; peer: PeerView } {
  const server = new HostCore({ peerCount: 1, mtu });
  const client = new HostCore({ peerCount: 1, mtu });
  if (compress) {
    server.compressor = createCompressor(CompressionMode.RANGE_CODER);
    client.compressor = createCompressor(CompressionMode.RANGE_CODER);
  }
  const peer = client.connect("10.0.0.1", 7000, 1, 0)!;
  const pass = (from: HostCore, to: HostCore, address: string, port: number): void => {
    from.flush(0);
    for (let t = from.pollTransmit(); t !== null; t = from.pollTransmit()) to.handleDatagram(0, t.data.slice(), address, port);
  };
  for (let i = 0; i < 3; i++) {
    pass(client, server, "10.0.0.2", 7001);
    pass(server, client, "10.0.0.1", 7000);
  }
  while (server.pollEvent() !== null);
  assert.equal(peer.state, PeerState.STATE_CONNECTED);
  return { server, client, peer };
}

/** The next datagram of the client: `sizes` reliable packets sent at `at`, all in one datagram. */
function datagramOf(client: HostCore, peer: PeerView, sizes: number[], at: number): Uint8Array {
  for (const size of sizes) client.send(peer, 0, new Uint8Array(size).fill(size & 0xff), PacketFlags.RELIABLE);
  client.flush(at);
  const t = client.pollTransmit();
  assert.ok(t !== null);
  assert.equal(client.pollTransmit(), null, "one datagram");
  return t.data.slice();
}

/** A connected pair and one datagram of `sizes` reliable packets from the client. */
function oneDatagram(sizes: number[], compress = false, mtu?: number): { server: HostCore; datagram: Uint8Array } {
  const { server, client, peer } = connectedPair(compress, mtu);
  return { server, datagram: datagramOf(client, peer, sizes, 1) };
}

function received(server: HostCore): Uint8Array[] {
  const out: Uint8Array[] = [];
  for (let e = server.pollEvent(); e !== null; e = server.pollEvent()) if (e.type === EventType.RECEIVE) out.push(e.packet!);
  return out;
}

describe("received packets and the datagram they came in", () => {
  test("owned: packets over 64 B delivered at once are views of the datagram; packets of up to 64 B are copies", () => {
    const { server, datagram } = oneDatagram([100, 1000, 64, 65]);
    server.handleDatagram(2, datagram, "10.0.0.2", 7001, true);
    const got = received(server);
    assert.deepEqual(got.map((p) => p.length), [100, 1000, 64, 65]);
    for (const p of got) assert.ok(p.every((x) => x === (p.length & 0xff)), `${p.length} B intact`);
    for (const view of [got[0]!, got[1]!, got[3]!]) assert.equal(view.buffer, datagram.buffer, `${view.length} B: a view of the datagram`);
    const small = got[2]!;
    assert.notEqual(small.buffer, datagram.buffer);
    assert.equal(small.byteLength, small.buffer.byteLength, "a 64 B packet has its own ArrayBuffer");
  });

  test("owned: a packet under 1/32 of its datagram is a copy, so a view never holds more than 32 times its own size", () => {
    const { server, datagram } = oneDatagram([3000, 90], false, 4096);
    assert.ok(90 * 32 < datagram.length, `datagram of ${datagram.length} B`);
    server.handleDatagram(2, datagram, "10.0.0.2", 7001, true);
    const [big, small] = received(server);
    assert.equal(big!.buffer, datagram.buffer, "the large packet is a view");
    assert.equal(small!.length, 90);
    assert.notEqual(small!.buffer, datagram.buffer, "the small one is a copy");
    assert.equal(small!.byteLength, small!.buffer.byteLength);
  });

  test("owned: a packet that arrives out of order and waits is a copy unless it takes more than half of its datagram", () => {
    const { server, client, peer } = connectedPair();
    const first = datagramOf(client, peer, [200], 1);
    const second = datagramOf(client, peer, [300, 900], 2);
    server.handleDatagram(3, second, "10.0.0.2", 7001, true);
    assert.equal(received(server).length, 0, "held until the first arrives");
    server.handleDatagram(4, first, "10.0.0.2", 7001, true);
    const [a, b, c] = received(server);
    assert.deepEqual([a!.length, b!.length, c!.length], [200, 300, 900]);
    assert.equal(a!.buffer, first.buffer, "delivered at once: a view");
    assert.notEqual(b!.buffer, second.buffer, "held, a third of its datagram: a copy");
    assert.equal(b!.byteLength, b!.buffer.byteLength);
    assert.equal(c!.buffer, second.buffer, "held, most of its datagram: a view");
    for (const p of [a!, b!, c!]) assert.ok(p.every((x) => x === (p.length & 0xff)), `${p.length} B intact`);
  });

  test("not owned (the default): every packet is a copy", () => {
    const { server, datagram } = oneDatagram([1000]);
    server.handleDatagram(2, datagram, "10.0.0.2", 7001);
    const [big] = received(server);
    assert.equal(big!.length, 1000);
    assert.notEqual(big!.buffer, datagram.buffer);
  });

  test("a compressed datagram is decompressed into scratch space, so its packets are copies even when owned", () => {
    const { server, datagram } = oneDatagram([1000], true);
    assert.ok((datagram[0]! & 0x40) !== 0, "the datagram is compressed");
    server.handleDatagram(2, datagram, "10.0.0.2", 7001, true);
    const [big] = received(server);
    assert.equal(big!.length, 1000);
    assert.notEqual(big!.buffer, datagram.buffer);
    assert.ok(big!.every((x) => x === (1000 & 0xff)));
  });
});
