// The host-wide bound on received data held for the application (maximumHostWaitingData):
// C ENet bounds each peer (32 MiB) and nothing else, so many connected peers each sending
// reliable packets past a gap they never fill make a host hold peers x 32 MiB. Ours holds each
// peer to its share once the peers together reach the cap; a peer whose data is read as it
// comes keeps being served, and the host's sum stays the peers' own.
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { EventType, PacketFlags } from "../../src/enet/enums.ts";
import type { PeerCore } from "../../src/enet/peer-core.ts";
import { ProtocolCommand, encodeHeader, writeU16BE } from "../../src/enet/wire.ts";
import { ENetConnection, MemoryNetwork } from "../../src/index.ts";
import { SimNetwork, type SimHost } from "./sim.ts";

const KiB = 1024;
const MiB = 1024 * KiB;
const PAYLOAD = 1000;

/** A datagram from `p` carrying reliable packets of PAYLOAD bytes with the given sequence numbers on channel 0. */
function reliableDatagram(p: PeerCore, now: number, sequenceNumbers: number[]): Uint8Array {
  const d = new Uint8Array(4 + sequenceNumbers.length * (6 + PAYLOAD));
  let o = encodeHeader(d, 0, p.outgoingPeerID, p.outgoingSessionID, false, now & 0xffff, false);
  for (const seq of sequenceNumbers) {
    d[o] = ProtocolCommand.SEND_RELIABLE | 0x80;
    d[o + 1] = 0;
    writeU16BE(d, o + 2, seq);
    writeU16BE(d, o + 4, PAYLOAD);
    d.fill(seq & 0xff, o + 6, o + 6 + PAYLOAD);
    o += 6 + PAYLOAD;
  }
  return d;
}

function heldSum(server: SimHost): number {
  return server.core.peers.reduce((sum, p) => sum + p.totalWaitingData, 0);
}

/**
 * `attackers` peers connected to a server, each then sending reliable packets 2, 3, ... (never 1),
 * which the server must hold; an honest client sends in order meanwhile. Returns what the server held.
 */
function gapFlood(serverOptions: { maximumWaitingData: number; maximumHostWaitingData?: number }, attackers: number, packetsEach: number) {
  const net = new SimNetwork({ latency: 2, seed: 5 });
  const server = net.addHost({ peerCount: attackers + 1, channelLimit: 2, ...serverOptions });
  const honest = net.addHost({ peerCount: 1 });
  const sources = Array.from({ length: attackers }, () => net.addHost({ peerCount: 1 }));
  const { clientPeer: honestPeer } = net.connectPair(honest, server, 2);
  const peers = sources.map((s) => net.connectPair(s, server, 2).clientPeer);
  const received: Uint8Array[] = [];
  let sent = 0;
  let mostHeld = 0;
  const honestPacket = (n: number): Uint8Array => new Uint8Array(200).fill(n & 0xff);
  for (let round = 0; round < packetsEach / 10; round++) {
    for (let a = 0; a < attackers; a++) {
      const first = 2 + round * 10;
      server.core.handleDatagram(net.now, reliableDatagram(peers[a]!, net.now, Array.from({ length: 10 }, (_, k) => first + k)), sources[a]!.address, sources[a]!.port);
    }
    honest.core.send(honestPeer, 1, honestPacket(sent++), PacketFlags.RELIABLE);
    net.runUntil(net.now + 5, () => {
      for (let e = server.core.pollEvent(); e !== null; e = server.core.pollEvent()) {
        if (e.type === EventType.RECEIVE && e.peer.address === honest.address) received.push(e.packet!);
      }
      for (const h of [honest, ...sources]) while (h.core.pollEvent());
    });
    mostHeld = Math.max(mostHeld, server.core.waitingData);
    assert.equal(server.core.waitingData, heldSum(server), "the host's sum is its peers' own");
  }
  net.runUntil(net.now + 500, () => {
    for (let e = server.core.pollEvent(); e !== null; e = server.core.pollEvent()) {
      if (e.type === EventType.RECEIVE && e.peer.address === honest.address) received.push(e.packet!);
    }
    while (honest.core.pollEvent());
  });
  return { net, server, peers, received, sent, mostHeld, honestPacket };
}

describe("ENet host-wide waiting data", () => {
  test("many peers holding data past a gap: the host holds at most about twice its cap, not peers x the per-peer limit", () => {
    const perPeer = 256 * KiB;
    const cap = 1 * MiB;
    const attackers = 24;
    const { server, received, sent, mostHeld, honestPacket } = gapFlood({ maximumWaitingData: perPeer, maximumHostWaitingData: cap }, attackers, 400);
    // Each attacker offered 400 KB; C ENet's rule alone lets each keep its 256 KiB: 6 MiB in all.
    assert.ok(mostHeld >= cap, `the flood reached the cap (${mostHeld} bytes held at most)`);
    assert.ok(mostHeld <= 2 * cap + PAYLOAD * 10, `held at most ${mostHeld} bytes; the bound is about 2 x ${cap}`);
    assert.ok(server.core.drops.waitingDataShare > 0, "refusals by share are counted");
    assert.ok(server.core.drops.limits >= server.core.drops.waitingDataShare);
    // The honest peer's packets, read as they come, all arrived in order.
    assert.equal(received.length, sent);
    received.forEach((packet, i) => assert.deepEqual(packet, honestPacket(i)));
  });

  test("with the cap out of reach, C ENet's per-peer limit alone applies (the same flood, no refusal by share)", () => {
    const perPeer = 256 * KiB;
    const attackers = 8;
    const { server, mostHeld } = gapFlood({ maximumWaitingData: perPeer, maximumHostWaitingData: 64 * MiB }, attackers, 400);
    assert.equal(server.core.drops.waitingDataShare, 0);
    // Every attacker filled its own limit (the check comes before the add, as in C ENet: one packet over).
    assert.ok(mostHeld >= attackers * perPeer, `${mostHeld} bytes held`);
    assert.ok(server.core.drops.limits > 0);
  });

  test("what a peer held is given back when it leaves: the host's sum returns to zero", () => {
    const { net, server, peers } = gapFlood({ maximumWaitingData: 256 * KiB, maximumHostWaitingData: 1 * MiB }, 6, 100);
    assert.ok(server.core.waitingData > 0);
    for (const p of server.core.peers) if (p.totalWaitingData > 0) server.core.disconnectNow(p, 0);
    assert.equal(server.core.waitingData, 0);
    assert.equal(heldSum(server), 0);
    assert.ok(peers.length === 6 && net.now > 0);
  });

  test("ENetConnection takes maxHostWaitingData and refuses 0 (RangeError) and a fraction (TypeError)", async () => {
    const network = new MemoryNetwork({ seed: 1 });
    const host = new ENetConnection({ runtime: network.createRuntime("10.0.0.1") });
    await assert.rejects(host.createHostBound("10.0.0.1", 7000, { maxHostWaitingData: 0 }), RangeError);
    await assert.rejects(host.createHostBound("10.0.0.1", 7000, { maxHostWaitingData: 1.5 }), TypeError);
    await host.createHostBound("10.0.0.1", 7000, { maxHostWaitingData: 4 * MiB });
    assert.equal(host.getDropCounters().waitingDataShare, 0);
    host.destroy();
  });
});
