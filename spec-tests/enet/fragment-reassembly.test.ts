// Fragment reassembly holds what arrived, not what the first fragment claims: a connected peer
// announcing 32 MiB packets in tiny datagrams costs the receiver what it sent; packets whose
// fragments do not tile them exactly are dropped and counted; the fragments one peer may hold
// are bounded; honest fragmented packets (in order, reordered, duplicated) still arrive intact.
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { EventType, PacketFlags } from "../../src/enet/enums.ts";
import { maximumHeldFragments } from "../../src/enet/constants.ts";
import { FragmentReassembly } from "../../src/enet/fragment-reassembly.ts";
import type { PeerCore } from "../../src/enet/peer-core.ts";
import { ProtocolCommand, encodeHeader, writeU16BE, writeU32BE } from "../../src/enet/wire.ts";
import { SimNetwork, type SimHost } from "./sim.ts";

const FRAGMENT_HEADER = 24;
const MiB = 1024 * 1024;

interface Fragment {
  reliable: boolean;
  channel?: number;
  reliableSeq: number;
  startSeq: number;
  count: number;
  number: number;
  total: number;
  offset: number;
  payload: Uint8Array;
}

/** One datagram from the attacker's peer carrying `fragments` (hand-made, valid header and session). */
function datagram(p: PeerCore, now: number, fragments: Fragment[]): Uint8Array {
  const size = 4 + fragments.reduce((n, f) => n + FRAGMENT_HEADER + f.payload.length, 0);
  const d = new Uint8Array(size);
  let o = encodeHeader(d, 0, p.outgoingPeerID, p.outgoingSessionID, false, now & 0xffff, false);
  for (const f of fragments) {
    d[o] = f.reliable ? ProtocolCommand.SEND_FRAGMENT | 0x80 : ProtocolCommand.SEND_UNRELIABLE_FRAGMENT;
    d[o + 1] = f.channel ?? 0;
    writeU16BE(d, o + 2, f.reliableSeq);
    writeU16BE(d, o + 4, f.startSeq);
    writeU16BE(d, o + 6, f.payload.length);
    writeU32BE(d, o + 8, f.count);
    writeU32BE(d, o + 12, f.number);
    writeU32BE(d, o + 16, f.total);
    writeU32BE(d, o + 20, f.offset);
    d.set(f.payload, o + FRAGMENT_HEADER);
    o += FRAGMENT_HEADER + f.payload.length;
  }
  return d;
}

function connected(options: { maximumWaitingData?: number } = {}) {
  const net = new SimNetwork({ latency: 5, seed: 3 });
  const server = net.addHost({ peerCount: 2, channelLimit: 2, ...options });
  const attacker = net.addHost({ peerCount: 1 });
  const { clientPeer: p, serverPeer: victim } = net.connectPair(attacker, server, 2);
  const received: Uint8Array[] = [];
  const drain = (): void => {
    for (let e = server.core.pollEvent(); e !== null; e = server.core.pollEvent()) if (e.type === EventType.RECEIVE) received.push(e.packet!);
  };
  const feed = (fragments: Fragment[]): void => {
    server.core.handleDatagram(net.now, datagram(p, net.now, fragments), attacker.address, attacker.port);
    drain();
  };
  return { net, server, attacker, p, victim, received, drain, feed };
}

const bytes = (n: number, seed: number): Uint8Array => Uint8Array.from({ length: n }, (_, i) => (i * 7 + seed) & 0xff);

describe("FragmentReassembly", () => {
  test("joins fragments that tile the packet, in any order, ignoring duplicates", () => {
    const packet = bytes(2500, 1);
    const r = new FragmentReassembly(2500, 3);
    assert.equal(r.add(2, 2000, packet.slice(2000, 2500)), true);
    assert.equal(r.add(0, 0, packet.slice(0, 1000)), true);
    assert.equal(r.add(0, 0, packet.slice(0, 1000)), false, "a duplicate");
    assert.equal(r.complete, false);
    assert.equal(r.fragmentsHeld, 2);
    r.add(1, 1000, packet.slice(1000, 2000));
    assert.equal(r.complete, true);
    assert.deepEqual(r.join(), packet);
  });

  test("refuses to join a packet with a gap or an overlap, or whose fragments are short of its length", () => {
    const src = bytes(100, 2);
    const gap = new FragmentReassembly(100, 2);
    gap.add(0, 0, src.slice(0, 40));
    gap.add(1, 50, src.slice(50, 100));
    assert.equal(gap.join(), null);
    const overlap = new FragmentReassembly(100, 2);
    overlap.add(0, 0, src.slice(0, 60));
    overlap.add(1, 50, src.slice(50, 100));
    assert.equal(overlap.join(), null);
    const short = new FragmentReassembly(100, 2);
    short.add(0, 0, src.slice(0, 30));
    short.add(1, 30, src.slice(30, 60));
    assert.equal(short.join(), null);
  });

  test("joins views of a datagram and copies alike into a packet of its own", () => {
    const datagramBytes = bytes(1400, 3);
    const r = new FragmentReassembly(1500, 2);
    r.add(0, 0, datagramBytes.subarray(30, 1330));
    r.add(1, 1300, datagramBytes.slice(30, 230));
    const packet = r.join()!;
    assert.deepEqual(packet.subarray(0, 1300), datagramBytes.subarray(30, 1330));
    assert.deepEqual(packet.subarray(1300), datagramBytes.subarray(30, 230));
    assert.notEqual(packet.buffer, datagramBytes.buffer);
  });
});

describe("ENet fragment reassembly under hostile fragments", () => {
  test("fragments claiming 32 MiB packets allocate only what was sent, deliver nothing, and are counted; the peer's next packet arrives", () => {
    const { net, victim, received, feed, attacker, p } = connected();
    const before = process.memoryUsage().arrayBuffers;
    for (let i = 0; i < 50; i++) {
      const payload = bytes(1000, i);
      // Two fragments of a "32 MiB" unreliable packet, both present: complete by count, a gap by bytes.
      feed([
        { reliable: false, reliableSeq: 0, startSeq: i + 1, count: 2, number: 0, total: 32 * MiB - 100, offset: 0, payload },
        { reliable: false, reliableSeq: 0, startSeq: i + 1, count: 2, number: 1, total: 32 * MiB - 100, offset: 32 * MiB - 1100, payload },
      ]);
    }
    // The start of a "32 MiB" reliable packet that never goes on: its claim is counted against
    // the peer's own waiting-data limit (as C ENet counts it), its memory is the one fragment.
    feed([{ reliable: true, reliableSeq: 1, startSeq: 1, count: 30000, number: 0, total: 32 * MiB - 100, offset: 0, payload: bytes(1000, 99) }]);
    const grown = process.memoryUsage().arrayBuffers - before;
    assert.ok(grown < 8 * MiB, `array buffers grew by ${grown} bytes (C ENet's upfront allocation would be 32 MiB for the reliable start alone)`);
    assert.equal(victim.totalWaitingData, 32 * MiB - 100);
    assert.equal(received.length, 0);
    assert.equal(victim.heldFragments, 1);
    assert.equal(net.hosts[0]!.core.drops.commands, 50);
    // The peer's channel 1 is untouched: a real packet on it arrives.
    attacker.core.send(p, 1, bytes(3000, 9), PacketFlags.RELIABLE);
    net.runUntil(net.now + 1000, () => {
      for (let e = net.hosts[0]!.core.pollEvent(); e !== null; e = net.hosts[0]!.core.pollEvent()) if (e.type === EventType.RECEIVE) received.push(e.packet!);
      while (attacker.core.pollEvent());
    });
    assert.deepEqual(received, [bytes(3000, 9)]);
  });

  test("a reliable packet whose fragments do not tile it is skipped in order; the channel goes on", () => {
    const { received, feed, server } = connected();
    const a = bytes(600, 1);
    feed([
      { reliable: true, reliableSeq: 1, startSeq: 1, count: 2, number: 0, total: 1200, offset: 0, payload: a },
      { reliable: true, reliableSeq: 2, startSeq: 1, count: 2, number: 1, total: 1200, offset: 500, payload: a },
    ]);
    assert.equal(server.core.drops.commands, 1);
    feed([
      { reliable: true, reliableSeq: 3, startSeq: 3, count: 2, number: 1, total: 1100, offset: 600, payload: a.subarray(0, 500) },
      { reliable: true, reliableSeq: 4, startSeq: 3, count: 2, number: 0, total: 1100, offset: 0, payload: a },
    ]);
    assert.equal(received.length, 1);
    assert.deepEqual(received[0], Uint8Array.from([...a, ...a.subarray(0, 500)]));
  });

  test("one peer holds at most maximumHeldFragments fragments, however small", () => {
    const { victim, feed, server } = connected();
    const cap = maximumHeldFragments(server.core.maximumWaitingData, server.core.maximumPacketSize);
    const one = new Uint8Array(1);
    // 1-byte fragments of one unreliable packet of 200,000 that never completes, 100 per datagram.
    for (let n = 0; n < cap + 500; n += 100) {
      feed(Array.from({ length: 100 }, (_, k) => ({ reliable: false, reliableSeq: 0, startSeq: 1, count: 200_000, number: n + k, total: 200_000, offset: n + k, payload: one })));
    }
    assert.equal(victim.heldFragments, cap);
    assert.ok(server.core.drops.limits > 0);
  });

  test("honest fragmented packets arrive intact through loss, duplication and reordering", () => {
    // Owned delivery: large fragments are kept as views of their datagrams.
    const net = new SimNetwork({ latency: 20, seed: 11, loss: 0.2, duplicate: 0.1, jitter: 30, ownedDelivery: true });
    const a = net.addHost({ peerCount: 1 });
    const b = net.addHost({ peerCount: 1 });
    const view = a.core.connect(b.address, b.port, 2, 0)!;
    const sent: Uint8Array[] = [];
    const got: Uint8Array[] = [];
    const pump = (h: SimHost): void => {
      for (let e = h.core.pollEvent(); e !== null; e = h.core.pollEvent()) {
        if (e.type === EventType.CONNECT && h === a) {
          for (let i = 0; i < 40; i++) {
            const packet = bytes(500 + i * 997, i);
            sent.push(packet);
            a.core.send(view, i % 2, packet, i % 3 === 0 ? PacketFlags.UNRELIABLE_FRAGMENT | PacketFlags.RELIABLE : PacketFlags.RELIABLE);
          }
        }
        if (e.type === EventType.RECEIVE) got.push(e.packet!);
      }
    };
    net.runUntil(120_000, () => {
      pump(a);
      pump(b);
    });
    assert.equal(got.length, sent.length);
    const key = (x: Uint8Array): string => `${x.length}:${x[0]}:${x[x.length - 1]}`;
    assert.deepEqual(got.map(key).sort(), sent.map(key).sort());
    for (const g of got) assert.deepEqual(g, sent.find((s) => key(s) === key(g)));
    assert.ok(net.lost > 0, "the link lost datagrams");
  });

  test("a packet larger than the waiting-data limit (maxPacketSize above it) still completes", () => {
    const net = new SimNetwork({ latency: 5, seed: 12 });
    const a = net.addHost({ peerCount: 1 });
    const b = net.addHost({ peerCount: 1, maximumWaitingData: 64 * 1024, maximumPacketSize: 1 * MiB });
    const { clientPeer } = net.connectPair(a, b, 1);
    const packet = bytes(300_000, 5);
    a.core.send(clientPeer, 0, packet, PacketFlags.RELIABLE);
    const got: Uint8Array[] = [];
    net.runUntil(net.now + 20_000, () => {
      for (let e = b.core.pollEvent(); e !== null; e = b.core.pollEvent()) if (e.type === EventType.RECEIVE) got.push(e.packet!);
      while (a.core.pollEvent());
    });
    assert.equal(got.length, 1);
    assert.deepEqual(got[0], packet);
  });
});
