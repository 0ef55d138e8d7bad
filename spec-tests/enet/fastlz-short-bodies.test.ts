// Godot's FastLZ framing pads a body shorter than 16 bytes with zeros before compressing it, so the
// receiver decompresses 16 bytes: its last command is followed by zero padding, and a checksum
// taken over the sent length cannot match the padded one.
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { CompressionMode } from "../../src/compress/types.ts";
import { createCompressor } from "../../src/compress/compressors.ts";
import { ENET_PROTOCOL_HEADER_FLAG_COMPRESSED } from "../../src/enet/wire.ts";
import { SimNetwork } from "./sim.ts";

/** A client and server with FastLZ on both, and a lone BANDWIDTH_LIMIT (a 12-byte body that compresses) sent by the client. */
function loneBandwidthLimit(checksum: boolean) {
  const net = new SimNetwork({ latency: 5, seed: 3 });
  const server = net.addHost({ peerCount: 2, checksum });
  const client = net.addHost({ peerCount: 1, checksum });
  for (const h of [server, client]) h.core.compressor = createCompressor(CompressionMode.FASTLZ);
  const { clientPeer } = net.connectPair(client, server, 2);
  // Let the handshake's own traffic settle first.
  net.runUntil(net.now + 2000, () => {
    for (const h of net.hosts) while (h.core.pollEvent());
  });
  const before = { ...server.core.drops };
  const compressedShort: number[] = [];
  net.tap = (d, from) => {
    if (from !== client) return;
    const headerSize = (d[0]! & 0x80 ? 4 : 2) + (checksum ? 4 : 0);
    if (((d[0]! << 8) | d[1]!) & ENET_PROTOCOL_HEADER_FLAG_COMPRESSED) compressedShort.push(d.length - headerSize);
  };
  client.core.queueBandwidthLimit(clientPeer, 0, 0);
  net.runUntil(net.now + 3000, () => {
    for (const h of net.hosts) while (h.core.pollEvent());
  });
  return { clientPeer, before, after: { ...server.core.drops }, compressedShort };
}

describe("ENet FastLZ bodies under 16 bytes (Godot's zero padding)", () => {
  test("with checksums on, a short body goes uncompressed, so the server takes it (it was dropped on every retransmission until the session timed out)", () => {
    const r = loneBandwidthLimit(true);
    assert.deepEqual(r.compressedShort, [], "no compressed datagram from the client");
    assert.equal(r.after.datagrams - r.before.datagrams, 0, "no datagram dropped");
    assert.equal(r.clientPeer.sentReliableCount, 0, "the BANDWIDTH_LIMIT was acknowledged");
  });

  test("without checksums, a short body is compressed as Godot does, and the padding after its command is not counted as a bad command", () => {
    const r = loneBandwidthLimit(false);
    assert.ok(r.compressedShort.length > 0 && r.compressedShort.every((n) => n < 12), `compressed short bodies: ${r.compressedShort.join(", ")}`);
    assert.equal(r.after.datagrams - r.before.datagrams, 0, "no datagram dropped");
    assert.equal(r.after.commands - r.before.commands, 0, "no command counted as dropped");
    assert.equal(r.clientPeer.sentReliableCount, 0, "the BANDWIDTH_LIMIT was acknowledged");
  });
});
