import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { EventType, PacketFlags, PeerState } from "../../src/enet/enums.ts";
import { MAX_PENDING_UNRELIABLE_PER_CHANNEL, MAX_QUEUED_INCOMING_COMMANDS } from "../../src/enet/constants.ts";
import { ProtocolCommand, encodeHeader, writeU16BE, writeU32BE } from "../../src/enet/wire.ts";
import { SeededRandom } from "../../src/util/prng.ts";
import { SimNetwork } from "./sim.ts";
import { CompressionMode } from "../../src/compress/types.ts";
import { createCompressor } from "../../src/compress/compressors.ts";
import { runHostile } from "./fuzz-engine.ts";

// Extra seeds for local fuzzing: PACKETPEER_ENET_FUZZ_SEEDS=1,2,3
const extraSeeds = (globalThis as { process?: { env?: Record<string, string | undefined> } }).process?.env?.PACKETPEER_ENET_FUZZ_SEEDS;
const seeds = [424242, ...(extraSeeds ? extraSeeds.split(",").map(Number) : [])];

describe("hostile input", () => {
  for (const seed of seeds) test(`100,000 random and mutated datagrams (seed ${seed}): never throws, stays within limits, keeps serving the real peer, counts drops`, () => {
    const r = runHostile({ seed, datagrams: 100_000 });
    const { sent, received, corrupt, honestDisconnected, maxSeenWaiting, maxPending, maxWaiting, server } = r;
    const d = r.drops;
    assert.equal(d.internalErrors, 0, `no exception inside the host: ${String(server.lastInternalError)}`);
    assert.equal(corrupt, 0);
    assert.equal(r.honestSettled, true, "the honest session outlived the attack with everything acknowledged");
    assert.equal(honestDisconnected, true, "the honest peer finished with its own disconnect");
    assert.deepEqual(received, Array.from({ length: sent }, (_, i) => i * 3), "every honest message arrived once, in order");
    assert.ok(maxSeenWaiting <= maxWaiting + 2 * 1024 * 1024, `waiting data ${maxSeenWaiting} within the limit`);
    assert.ok(maxPending <= MAX_PENDING_UNRELIABLE_PER_CHANNEL);
    assert.ok(d.datagrams > 10_000, `dropped datagrams counted (${d.datagrams})`);
    assert.ok(d.commands > 100, `malformed commands counted (${d.commands})`);
    assert.ok(server.totalReceivedPackets >= 100_000);
  });

  // FASTLZ with checksums: Godot's FastLZ pads bodies under 16 bytes, which a checksum over the sent
  // length cannot match; a short datagram compressed anyway (a lone BANDWIDTH_LIMIT at ~1 s) was
  // dropped on every retransmission until the honest session timed out.
  for (const [compression, checksum] of [[CompressionMode.RANGE_CODER, true], [CompressionMode.ZSTD, false], [CompressionMode.FASTLZ, true]] as const) {
    test(`20,000 hostile datagrams with ${CompressionMode[compression]}${checksum ? " and checksums" : ""} on every host (the seeded slice of npm run fuzz)`, () => {
      const r = runHostile({ seed: 900 + compression, datagrams: 20_000, compression, checksum });
      assert.equal(r.drops.internalErrors, 0, String(r.server.lastInternalError));
      assert.equal(r.corrupt, 0);
      assert.equal(r.honestSettled, true, "the honest session outlived the attack with everything acknowledged");
      assert.equal(r.honestDisconnected, true);
      assert.deepEqual(r.received, Array.from({ length: r.sent }, (_, i) => i * 3));
      assert.ok(r.drops.datagrams > 10_000, `dropped ${r.drops.datagrams}`);
    });
  }

  test("a flood of empty out-of-order reliable packets is capped (they do not count as waiting data)", () => {
    const net = new SimNetwork({ latency: 5, seed: 2 });
    const server = net.addHost({ peerCount: 2, channelLimit: 4 });
    const attacker = net.addHost({ peerCount: 1 });
    const { clientPeer: p, serverPeer: victim } = net.connectPair(attacker, server, 4);
    const d = new Uint8Array(4 + 32 * 6);
    let sent = 0;
    for (let ch = 0; ch < 4; ch++) {
      // Skip sequence number 1 so nothing can be delivered; fill the receive windows.
      for (let seq = 2; seq < 2 + 7 * 4096 - 40; seq += 32) {
        encodeHeader(d, 0, p.outgoingPeerID, p.outgoingSessionID, false, net.now & 0xffff, false);
        for (let k = 0; k < 32; k++) {
          const o = 4 + k * 6;
          d[o] = ProtocolCommand.SEND_RELIABLE | 0x80;
          d[o + 1] = ch;
          writeU16BE(d, o + 2, seq + k);
          writeU16BE(d, o + 4, 0);
        }
        server.core.handleDatagram(net.now, d, attacker.address, attacker.port);
        sent += 32;
      }
    }
    assert.ok(sent > MAX_QUEUED_INCOMING_COMMANDS);
    assert.ok(victim.queuedIncomingCommands <= MAX_QUEUED_INCOMING_COMMANDS, `${victim.queuedIncomingCommands} queued`);
    assert.ok(server.core.drops.limits > 0);
    assert.equal(server.core.drops.internalErrors, 0);
  });

  test("wrong checksums are dropped and counted", () => {
    const net = new SimNetwork({ latency: 5, seed: 1 });
    const server = net.addHost({ checksum: true });
    const client = net.addHost({ checksum: true });
    let flip = false;
    net.tap = (d, from) => {
      if (flip && from === client) d[d.length - 1] ^= 0x01;
    };
    const p = client.core.connect(server.address, server.port, 1, 0)!;
    net.runUntil(1000, () => {
      for (const h of net.hosts) while (h.core.pollEvent());
    });
    assert.equal(p.state, PeerState.STATE_CONNECTED);
    flip = true;
    const before = server.core.drops.datagrams;
    client.core.send(p, 0, new Uint8Array([1, 2, 3]), PacketFlags.RELIABLE);
    let got = 0;
    net.runUntil(3000, () => {
      for (let e = server.core.pollEvent(); e; e = server.core.pollEvent()) if (e.type === EventType.RECEIVE) got++;
    });
    assert.equal(got, 0);
    assert.ok(server.core.drops.datagrams > before);
  });
});

describe("hostile compressed datagrams", () => {
  for (const mode of [CompressionMode.RANGE_CODER, CompressionMode.FASTLZ, CompressionMode.ZLIB, CompressionMode.ZSTD]) {
    test(`${CompressionMode[mode]}: 20,000 random and mutated COMPRESSED datagrams are dropped without exceptions`, () => {
      const rng = new SeededRandom(mode * 1000 + 7);
      const net = new SimNetwork({ latency: 5, seed: mode });
      const server = net.addHost({ peerCount: 2, channelLimit: 2 });
      const client = net.addHost({ peerCount: 1 });
      server.core.compressor = createCompressor(mode);
      client.core.compressor = createCompressor(mode);
      const real: Uint8Array[] = [];
      net.tap = (d, from) => {
        if (from === client && (d[0]! & 0x40) !== 0) real.push(d.slice());
      };
      const p = client.core.slotOf(client.core.connect(server.address, server.port, 2, 0)!);
      net.runUntil(1000, () => {
        for (const h of net.hosts) while (h.core.pollEvent());
      });
      assert.equal(p.state, PeerState.STATE_CONNECTED);
      for (let i = 0; i < 20; i++) client.core.send(p, 0, new TextEncoder().encode("compress me ".repeat(20 + i)), PacketFlags.RELIABLE);
      net.runUntil(2000, () => {
        for (const h of net.hosts) while (h.core.pollEvent());
      });
      assert.ok(real.length > 0, "saw compressed datagrams");
      for (let n = 0; n < 20_000; n++) {
        let d: Uint8Array;
        if (n % 2 === 0) {
          d = real[rng.nextInt(real.length)]!.slice();
          const flips = 1 + rng.nextInt(4);
          for (let f = 0; f < flips; f++) d[2 + rng.nextInt(d.length - 2)] ^= 1 << rng.nextInt(8);
          if (rng.nextInt(4) === 0) d = d.subarray(0, 2 + rng.nextInt(d.length - 1));
        } else {
          d = new Uint8Array(4 + rng.nextInt(600));
          for (let i = 0; i < d.length; i++) d[i] = rng.nextInt(256);
          d[0] = 0x40 | 0x80 | (p.outgoingSessionID << 4) | (p.outgoingPeerID >> 8);
          d[1] = p.outgoingPeerID & 0xff;
        }
        server.core.handleDatagram(net.now, d, client.address, client.port);
      }
      assert.equal(server.core.drops.internalErrors, 0, `decompressor threw: ${String(server.core.lastInternalError)}`);
      assert.ok(server.core.drops.datagrams > 1000);
    });
  }
});
