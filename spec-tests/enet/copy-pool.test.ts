// The host's pool of large packet copies (src/enet/copy-pool.ts): a buffer is reused only after
// every command carrying it has finished, so packets sent from reused buffers arrive intact
// through loss and retransmission, unreliable fragments, broadcasts to several peers and resets.
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { LargeCopyPool, sharedLargeCopies } from "../../src/enet/copy-pool.ts";
import { EventType, PacketFlags } from "../../src/enet/enums.ts";
import type { HostCore } from "../../src/enet/host-core.ts";
import type { PeerView } from "../../src/enet/peer-core.ts";
import { SimNetwork, type SimHost } from "./sim.ts";

/** `length` bytes that differ from packet to packet (`seed`) and from byte to byte. */
function bytes(length: number, seed: number): Uint8Array {
  const b = new Uint8Array(length);
  for (let i = 0; i < length; i++) b[i] = (i * 131 + seed * 7919 + (i >> 8)) & 0xff;
  return b;
}

/**
 * Send a private copy of `packet` to each of `peers`, as sendCopy() / broadcast do, and return the
 * copy, so the test can see when the process-wide pool takes it back.
 */
function sendCopied(core: HostCore, peers: PeerView[], channel: number, packet: Uint8Array, flags: number): Uint8Array {
  const copy = core.queueCopy(packet);
  for (const p of peers) assert.equal(core.send(p, channel, copy, flags), 0);
  core.settleCopy(copy);
  return copy;
}

function received(h: SimHost, into: Uint8Array[]): void {
  for (let e = h.core.pollEvent(); e !== null; e = h.core.pollEvent()) if (e.type === EventType.RECEIVE) into.push(e.packet!);
}

describe("ENet: pooled copies of large outgoing packets", () => {
  test("the pool hands a buffer out again only after it is given back, and keeps views exact", () => {
    const pool = new LargeCopyPool();
    const a = pool.copy(bytes(5000, 1));
    pool.hold(a, 2);
    pool.settle(a);
    assert.ok(pool.owns(a));
    pool.release(a);
    // One command still carries it: a new copy must not get its buffer.
    const b = pool.copy(bytes(6000, 2));
    assert.notEqual(b.buffer, a.buffer);
    assert.deepEqual(a, bytes(5000, 1));
    pool.release(a);
    assert.equal(pool.owns(a), false);
    const c = pool.copy(bytes(7000, 3));
    assert.equal(c.buffer, a.buffer, "the same size class: its buffer is reused");
    assert.equal(c.length, 7000);
    assert.deepEqual(c, bytes(7000, 3));
    // A copy no command took goes back at once.
    pool.settle(b);
    assert.equal(pool.owns(b), false);
    assert.ok(pool.owns(c));
  });

  test("reliable packets from reused buffers arrive intact through 10 % loss, duplication and reordering; every copy is given back", () => {
    const net = new SimNetwork({ latency: 15, seed: 5, duplicate: 0.1, jitter: 25 });
    const a = net.addHost({ peerCount: 1 });
    const b = net.addHost({ peerCount: 1 });
    const { clientPeer } = net.connectPair(a, b, 2);
    net.opts.loss = 0.1;
    const got: Uint8Array[] = [];
    const copies: Uint8Array[] = [];
    const buffers = new Set<ArrayBufferLike>();
    let next = 0;
    const size = (i: number): number => 3000 + ((i * 7919) % 30_000);
    net.runUntil(net.now + 300_000, () => {
      // A few at a time, so buffers given back by acknowledged packets are reused by later ones.
      while (next < 120 && next - got.length < 4) {
        const packet = bytes(size(next), next);
        const copy = sendCopied(a.core, [clientPeer], next % 2, packet, PacketFlags.RELIABLE);
        copies.push(copy);
        buffers.add(copy.buffer);
        packet.fill(0); // the caller may reuse its array at once
        next++;
      }
      received(a, []);
      received(b, got);
      return got.length === 120 && copies.every((c) => !sharedLargeCopies.owns(c));
    });
    assert.equal(got.length, 120);
    const key = (p: Uint8Array): string => `${p.length}:${p.slice(0, 16).join(",")}:${p.slice(-16).join(",")}`;
    const expected = new Map<string, number>();
    for (let i = 0; i < 120; i++) expected.set(key(bytes(size(i), i)), i);
    const seen = new Set<number>();
    const lastOnChannel = [-1, -1];
    for (const p of got) {
      const i = expected.get(key(p));
      assert.ok(i !== undefined, `a packet of ${p.length} bytes that was never sent`);
      assert.deepEqual(p, bytes(size(i), i), `packet ${i} intact`);
      assert.ok(!seen.has(i), `packet ${i} once`);
      seen.add(i);
      assert.ok(i > lastOnChannel[i % 2]!, `packet ${i} in order on its channel`);
      lastOnChannel[i % 2] = i;
    }
    assert.ok(copies.every((c) => !sharedLargeCopies.owns(c)), "every pooled copy went back once its packet was acknowledged");
    assert.ok(buffers.size < 40, `buffers were reused: ${buffers.size} for 120 packets`);
    assert.ok(net.lost > 0);
  });

  test("unreliable fragments, a broadcast to three peers and a reset peer: copies go back, nothing arrives corrupted", () => {
    const net = new SimNetwork({ latency: 10, seed: 9 });
    const server = net.addHost({ peerCount: 3 });
    const clients = [net.addHost({ peerCount: 1 }), net.addHost({ peerCount: 1 }), net.addHost({ peerCount: 1 })];
    const views = clients.map((c) => net.connectPair(c, server, 1).serverPeer);
    const got: Uint8Array[][] = [[], [], []];
    const pump = (): boolean => {
      received(server, []);
      clients.forEach((c, i) => received(c, got[i]!));
      return false;
    };
    // Unreliable fragments: finished when written, their buffer reused by the next packet.
    for (let i = 0; i < 10; i++) {
      const copy = sendCopied(server.core, [views[0]!], 0, bytes(20_000, 100 + i), PacketFlags.UNRELIABLE_FRAGMENT);
      assert.ok(sharedLargeCopies.owns(copy));
      server.core.flush(net.now);
      assert.ok(!sharedLargeCopies.owns(copy), "given back once its fragments were written");
    }
    // A broadcast: one copy, held by every peer's commands until the last acknowledgement.
    const copy = sendCopied(server.core, views, 0, bytes(50_000, 200), PacketFlags.RELIABLE);
    net.runUntil(net.now + 2000, pump);
    for (let i = 0; i < 3; i++) assert.deepEqual(got[i]!.at(-1), bytes(50_000, 200), `peer ${i} got the broadcast intact`);
    assert.equal(got[0]!.length, 11);
    assert.deepEqual(got[0]!.slice(0, 10), Array.from({ length: 10 }, (_, i) => bytes(20_000, 100 + i)));
    assert.ok(!sharedLargeCopies.owns(copy));
    // A packet queued to a peer that is then reset: its copy goes back with the reset.
    net.cut = true;
    const stuck = sendCopied(server.core, [views[1]!], 0, bytes(30_000, 300), PacketFlags.RELIABLE);
    net.runUntil(net.now + 200, pump);
    assert.ok(sharedLargeCopies.owns(stuck), "still carried while unacknowledged");
    server.core.resetPeer(views[1]!);
    assert.ok(!sharedLargeCopies.owns(stuck));
    // A send that fails takes nothing from the pool.
    const refused = server.core.queueCopy(bytes(30_000, 301));
    assert.notEqual(server.core.send(views[1]!, 0, refused, PacketFlags.RELIABLE), 0);
    server.core.settleCopy(refused);
    assert.ok(!sharedLargeCopies.owns(refused));
    assert.notEqual(server.core.sendCopy(views[1]!, 0, bytes(30_000, 302), PacketFlags.RELIABLE), 0);
  });
});
