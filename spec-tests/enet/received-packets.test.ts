/**
 * Which received packets are views of their datagram (HostCore.handleDatagram's `owned`): only
 * one that takes more than half of a datagram the caller handed over, so no two packets ever
 * share an ArrayBuffer; everything else, and everything from a decompressed datagram, is a copy.
 */
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { createCompressor } from "../../src/compress/index.ts";
import { CompressionMode } from "../../src/compress/types.ts";
import { EventType, PacketFlags, PeerState } from "../../src/enet/enums.ts";
import { HostCore } from "../../src/enet/host-core.ts";

/** A connected client/server pair (datagrams handed over by hand) and one datagram of `sizes` reliable packets from the client. */
function oneDatagram(sizes: number[], compress = false): { server: HostCore; datagram: Uint8Array } {
  const server = new HostCore({ peerCount: 1 });
  const client = new HostCore({ peerCount: 1 });
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
  for (const size of sizes) client.send(peer, 0, new Uint8Array(size).fill(size & 0xff), PacketFlags.RELIABLE);
  client.flush(1);
  const t = client.pollTransmit();
  assert.ok(t !== null);
  assert.equal(client.pollTransmit(), null, "one datagram");
  return { server, datagram: t.data.slice() };
}

function received(server: HostCore): Uint8Array[] {
  const out: Uint8Array[] = [];
  for (let e = server.pollEvent(); e !== null; e = server.pollEvent()) if (e.type === EventType.RECEIVE) out.push(e.packet!);
  return out;
}

describe("received packets and the datagram they came in", () => {
  test("owned: the one packet larger than half the datagram is a view of it; the small ones are copies", () => {
    const { server, datagram } = oneDatagram([100, 1000, 100]);
    server.handleDatagram(2, datagram, "10.0.0.2", 7001, true);
    const [a, big, b] = received(server);
    assert.deepEqual([a!.length, big!.length, b!.length], [100, 1000, 100]);
    assert.equal(big!.buffer, datagram.buffer, "the large packet is a view of the datagram");
    assert.ok(big!.every((x) => x === (1000 & 0xff)));
    for (const small of [a!, b!]) {
      assert.notEqual(small.buffer, datagram.buffer);
      assert.equal(small.byteLength, small.buffer.byteLength, "a small packet has its own ArrayBuffer");
    }
  });

  test("two packets of half a datagram each are both copies", () => {
    const { server, datagram } = oneDatagram([600, 600]);
    server.handleDatagram(2, datagram, "10.0.0.2", 7001, true);
    for (const p of received(server)) assert.notEqual(p.buffer, datagram.buffer);
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
