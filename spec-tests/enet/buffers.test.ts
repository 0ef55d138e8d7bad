// The copies and buffers behind the hot paths: packet copies carved from slabs, and datagrams
// assembled in place in the host's arena, which must never change under a caller holding them.
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { Buffer } from "node:buffer";
import { ByteSlab, SLAB_MAX_COPY, SLAB_SIZE, type SlabLife } from "../../src/enet/byte-slab.ts";
import { EventType, PacketFlags } from "../../src/enet/enums.ts";
import { HostCore, SendResult } from "../../src/enet/host-core.ts";
import type { PeerCore } from "../../src/enet/peer-core.ts";

function pattern(length: number, seed: number): Uint8Array {
  const out = new Uint8Array(length);
  for (let i = 0; i < length; i++) out[i] = (i * 31 + seed * 7) & 0xff;
  return out;
}

describe("ByteSlab", () => {
  test("copies are equal to their source, independent of it and of each other, across slab boundaries", () => {
    const slab = new ByteSlab();
    const sources: Uint8Array[] = [];
    const copies: Uint8Array[] = [];
    for (let n = 0; n < 200; n++) {
      const src = pattern([0, 1, 7, 16, 17, 64, 65, 1200, SLAB_MAX_COPY][n % 9]!, n);
      sources.push(src.slice());
      copies.push(slab.copy(src, 0, src.length));
      src.fill(0xee); // the caller reuses its array
    }
    for (let n = 0; n < copies.length; n++) assert.deepEqual(copies[n], sources[n], `copy ${n}`);
    for (const c of copies) c.fill(0x55); // writing one copy must not touch another
    const again = slab.copy(pattern(100, 3), 10, 90);
    assert.deepEqual(again, pattern(100, 3).subarray(10, 90));
    for (const c of copies) assert.ok(c.every((b) => b === 0x55));
  });

  test("a Buffer source (whose slice() is a view of the same memory) is copied at every size", () => {
    const slab = new ByteSlab();
    for (const length of [1, 64, 65, 1200, SLAB_MAX_COPY, SLAB_MAX_COPY + 1, 5000]) {
      const src = Buffer.from(pattern(length, length));
      const want = pattern(length, length);
      const copy = slab.copy(src, 0, src.length);
      src.fill(0xee); // the application reuses its Buffer
      assert.deepEqual(copy, want, `${length} bytes`);
      assert.equal(Buffer.isBuffer(copy), false, `${length} bytes: a plain Uint8Array`);
    }
  });

  test("large copies get a buffer of their own; copies filling several slabs never overlap", () => {
    const slab = new ByteSlab();
    const big = pattern(SLAB_MAX_COPY + 1, 1);
    const copy = slab.copy(big, 0, big.length);
    assert.deepEqual(copy, big);
    assert.equal(copy.byteOffset, 0);
    assert.equal(copy.buffer.byteLength, big.length);
    const copies: { copy: Uint8Array; want: Uint8Array }[] = [];
    for (let i = 0; i < 3 * (SLAB_SIZE / 1000); i++) {
      const want = pattern(1000 + (i % 7), i + 2);
      copies.push({ copy: slab.copy(want, 0, want.length), want });
    }
    for (const [i, { copy, want }] of copies.entries()) assert.deepEqual(copy, want, `copy ${i}`);
  });
});

describe("ByteSlab reuse", () => {
  /** One copy as queueCopy() makes it: copied, held by `commands` commands, settled; returns it and its life. */
  const queued = (slab: ByteSlab, seed: number, commands: number): { copy: Uint8Array; life: SlabLife | null } => {
    const copy = slab.copy(pattern(1000, seed), 0, 1000);
    const life = slab.lifeOf(copy);
    if (life !== null && commands > 0) slab.hold(life, commands);
    slab.settle(copy);
    return { copy, life };
  };
  const perSlab = Math.floor(SLAB_SIZE / 1000);

  test("lifeOf tells only the copy made last and not yet settled", () => {
    const slab = new ByteSlab();
    const a = slab.copy(pattern(1000, 1), 0, 1000);
    assert.ok(slab.lifeOf(a) !== null);
    assert.equal(slab.lifeOf(pattern(1000, 1)), null, "an array that is not a copy");
    const b = slab.copy(pattern(1000, 2), 0, 1000);
    assert.equal(slab.lifeOf(a), null, "no longer the last copy");
    slab.settle(b);
    assert.equal(slab.lifeOf(b), null, "settled");
    assert.equal(slab.lifeOf(slab.copy(pattern(10, 1), 0, 10)), null, "a copy of up to 64 B has a buffer of its own");
  });

  test("a full slab is reused once its commands are finished, not before", () => {
    const slab = new ByteSlab();
    const first = Array.from({ length: perSlab }, (_, i) => queued(slab, 1 + i, i === 0 ? 1 : 0)); // one command holds the first copy
    const firstBuffer = first[0]!.copy.buffer;
    const second = Array.from({ length: 2 * perSlab }, (_, i) => queued(slab, 100 + i, 0)); // moves on twice
    assert.ok(second.every((q) => q.copy.buffer !== firstBuffer), "a slab with a live copy is not reused");
    assert.deepEqual(first[0]!.copy, pattern(1000, 1), "the live copy is intact");
    slab.releaseLife(first[0]!.life!); // its command finished: the slab is idle now
    const third = Array.from({ length: 3 * perSlab }, (_, i) => queued(slab, 200 + i, 1));
    assert.ok(third.some((q) => q.copy.buffer === firstBuffer), "the idle slab is reused");
    for (const [i, q] of third.entries()) assert.deepEqual(q.copy, pattern(1000, 200 + i), `held copy ${i} intact`);
  });

  test("a slab starting over is a new life: a stray release of the old one cannot free the new one's bytes", () => {
    const slab = new ByteSlab();
    const old = queued(slab, 1, 0); // nothing holds it: the current slab starts over
    const next = queued(slab, 2, 1);
    assert.equal(next.copy.buffer, old.copy.buffer);
    assert.notEqual(next.life, old.life);
    slab.releaseLife(old.life!);
    slab.releaseLife(old.life!);
    const later = queued(slab, 3, 1);
    assert.ok(later.copy.byteOffset >= next.copy.byteOffset + next.copy.length, "the held copy's bytes are not handed out again");
    assert.deepEqual(next.copy, pattern(1000, 2));
  });

  test("copies never settled or released stay intact however much is copied after them", () => {
    const slab = new ByteSlab();
    const kept = Array.from({ length: perSlab + 3 }, (_, i) => slab.copy(pattern(1000, 7 + i), 0, 1000)); // e.g. their host was dropped
    for (let round = 0; round < 20; round++) for (let i = 0; i < perSlab; i++) queued(slab, 1000 + round, 0);
    for (const [i, c] of kept.entries()) assert.deepEqual(c, pattern(1000, 7 + i), `kept copy ${i}`);
  });
});

/** Two connected host cores on a perfect in-memory wire. */
function connectedPair(): { client: HostCore; server: HostCore; peer: PeerCore; pump: (now: number) => void } {
  let seed = 1;
  const randomU32 = (): number => (seed = (Math.imul(seed, 1103515245) + 12345) >>> 0);
  const client = new HostCore({ peerCount: 1, channelLimit: 2, randomU32 });
  const server = new HostCore({ peerCount: 2, channelLimit: 2, randomU32 });
  const pump = (now: number): void => {
    for (let round = 0; round < 6; round++) {
      client.service(now);
      for (let t = client.pollTransmit(); t; t = client.pollTransmit()) server.handleDatagram(now, t.data.slice(), "client", 2);
      client.releaseTransmits();
      server.service(now);
      for (let t = server.pollTransmit(); t; t = server.pollTransmit()) client.handleDatagram(now, t.data.slice(), "server", 1);
      server.releaseTransmits();
    }
  };
  const peer = client.slotOf(client.connect("server", 1, 2, 0)!);
  pump(100);
  let connects = 0;
  for (let e = client.pollEvent(); e; e = client.pollEvent()) if (e.type === EventType.CONNECT) connects++;
  for (let e = server.pollEvent(); e; e = server.pollEvent()) if (e.type === EventType.CONNECT) connects++;
  assert.equal(connects, 2);
  return { client, server, peer, pump };
}

describe("datagrams assembled in the host's arena", () => {
  test("without releaseTransmits() every datagram handed out keeps its bytes, however many follow", () => {
    const { client, peer } = connectedPair();
    const held: { view: Uint8Array; bytes: Uint8Array }[] = [];
    for (let batch = 0; batch < 4; batch++) {
      // Unreliable 1000 B packets: one datagram each and no window, so one flush writes ~100 KB.
      for (let i = 0; i < 100; i++) assert.equal(client.send(peer, 1, pattern(1000, batch * 100 + i), 0), SendResult.OK);
      client.flush(200 + batch);
      for (let t = client.pollTransmit(); t; t = client.pollTransmit()) held.push({ view: t.data, bytes: t.data.slice() });
    }
    assert.ok(held.length >= 400);
    for (let i = 0; i < held.length; i++) assert.deepEqual(held[i]!.view, held[i]!.bytes, `datagram ${i}`);
  });

  test("with releaseTransmits() after each drain, 300 reliable packets, some fragmented, arrive intact although the caller reused its arrays", () => {
    const { client, server, peer, pump } = connectedPair();
    const sent: Uint8Array[] = [];
    for (let i = 0; i < 300; i++) {
      const p = pattern(1 + ((i * 37) % 3000), i);
      sent.push(p.slice());
      assert.equal(client.send(peer, 0, client.copyPacket(p), PacketFlags.RELIABLE), SendResult.OK);
      p.fill(0); // the application reuses its array
    }
    const got: Uint8Array[] = [];
    for (let now = 300; now < 2000 && got.length < sent.length; now += 10) {
      pump(now);
      for (let e = server.pollEvent(); e; e = server.pollEvent()) if (e.type === EventType.RECEIVE) got.push(e.packet!);
    }
    assert.equal(got.length, sent.length);
    for (let i = 0; i < sent.length; i++) assert.deepEqual(got[i], sent[i], `packet ${i}`);
  });
});

describe("datagrams fed to the sans-IO host as Node Buffers", () => {
  test("received packets are copies the caller's reuse of its Buffer cannot change, and plain Uint8Arrays", () => {
    const { client, server, peer } = connectedPair();
    const payloads = [pattern(3, 1), pattern(40, 2), pattern(100, 3)];
    for (const p of payloads) assert.equal(client.send(peer, 0, p, PacketFlags.RELIABLE), SendResult.OK);
    client.flush(300);
    const buffers: Buffer[] = [];
    for (let t = client.pollTransmit(); t; t = client.pollTransmit()) {
      // One pooled Buffer per datagram, as a reader that reuses its memory would pass it.
      const b = Buffer.allocUnsafe(t.data.length);
      b.set(t.data);
      buffers.push(b);
      server.handleDatagram(300, b, "client", 2);
    }
    client.releaseTransmits();
    for (const b of buffers) b.fill(0xee); // the caller reuses its Buffers
    const got: Uint8Array[] = [];
    for (let e = server.pollEvent(); e; e = server.pollEvent()) if (e.type === EventType.RECEIVE) got.push(e.packet!);
    assert.equal(got.length, payloads.length);
    for (let i = 0; i < payloads.length; i++) {
      assert.deepEqual(got[i], payloads[i], `packet ${i}`);
      assert.equal(Buffer.isBuffer(got[i]), false, `packet ${i} is a plain Uint8Array`);
    }
  });
});

describe("an idle peer's acknowledgement room", () => {
  test("is given back when the peer pings, and a peer acknowledging a stream keeps it meanwhile", () => {
    const { client, server, peer, pump } = connectedPair();
    const serverPeer = server.peers.find((p) => p.state === peer.state)!;
    // A burst of reliable packets: the server acknowledges them and keeps the room it grew.
    for (let i = 0; i < 40; i++) assert.equal(client.send(peer, 0, pattern(100, i), PacketFlags.RELIABLE), SendResult.OK);
    pump(200);
    let received = 0;
    for (let e = server.pollEvent(); e; e = server.pollEvent()) if (e.type === EventType.RECEIVE) received++;
    assert.equal(received, 40);
    assert.equal(serverPeer.acknowledgementsEnd, 0, "every acknowledgement went out");
    assert.ok(serverPeer.acknowledgements.length > 0, "the room stays while the stream may go on");
    // Then nothing but keep-alive pings. Each side acknowledges the other's pings, so at any moment
    // one of them may hold the room of the last acknowledgement; each gives it back when it pings.
    const pingsBefore = [client, server].map((h) => h.peers.reduce((n, p) => n + p.packetsSent, 0));
    const gaveBack = [false, false];
    for (let now = 300; now <= 3300; now += 100) {
      pump(now);
      [peer, serverPeer].forEach((p, i) => {
        if (gaveBack[i]) assert.ok(p.acknowledgements.length <= 4, "once idle, a peer holds one acknowledgement's room at most");
        if (p.acknowledgements.length === 0) gaveBack[i] = true;
      });
    }
    assert.equal(serverPeer.state, peer.state, "still connected");
    assert.notDeepEqual([client, server].map((h) => h.peers.reduce((n, p) => n + p.packetsSent, 0)), pingsBefore, "pings went out");
    assert.deepEqual(gaveBack, [true, true], "both peers gave their room back");
  });
});
