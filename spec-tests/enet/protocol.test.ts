import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { EventType, PacketFlags, PeerState } from "../../src/enet/enums.ts";
import { SendResult, type HostEvent } from "../../src/enet/host-core.ts";
import { ProtocolCommand } from "../../src/enet/wire.ts";
import { SimNetwork, type LinkOptions, type SimHost } from "./sim.ts";

function connected(link: LinkOptions, serverOpts = {}, clientOpts = {}) {
  const net = new SimNetwork(link);
  const server = net.addHost({ peerCount: 4, channelLimit: 4, ...serverOpts });
  const client = net.addHost({ peerCount: 1, ...clientOpts });
  const peer = client.core.slotOf(client.core.connect(server.address, server.port, 4, 0)!);
  const events = new Map<SimHost, HostEvent[]>([
    [server, []],
    [client, []],
  ]);
  const drain = (): void => {
    for (const [h, list] of events) for (let e = h.core.pollEvent(); e; e = h.core.pollEvent()) list.push(e);
  };
  net.runUntil(net.now + 5000, drain);
  assert.equal(peer.state, PeerState.STATE_CONNECTED);
  const serverPeer = server.core.peers.find((p) => p.state === PeerState.STATE_CONNECTED)!;
  assert.ok(serverPeer);
  return { net, server, client, peer, serverPeer, events, drain };
}

function pattern(len: number, seed: number): Uint8Array {
  const b = new Uint8Array(len);
  let x = seed >>> 0 || 1;
  for (let i = 0; i < len; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    b[i] = x & 0xff;
  }
  return b;
}

describe("ENet protocol behaviour (sans-IO core, virtual time)", () => {
  test("1 MiB reliable packets reassemble intact under 20 % loss; unreliable fragments arrive whole or not at all", () => {
    const { net, client, peer, events, drain } = connected({ loss: 0.2, duplicate: 0.05, latency: 15, jitter: 20, seed: 5 });
    for (const [h] of events) for (const p of h.core.peers) if (p.state !== PeerState.STATE_DISCONNECTED) h.core.setTimeout(p, 1 << 20, 3_600_000, 3_600_000);
    const big = [pattern(1 << 20, 1), pattern(1 << 20, 2), pattern((1 << 20) + 17, 3)];
    const mid = [pattern(100_000, 4), pattern(50_000, 5)];
    big.forEach((b, i) => assert.equal(client.core.send(peer, i % 4, b, PacketFlags.RELIABLE), SendResult.OK));
    mid.forEach((b) => assert.equal(client.core.send(peer, 3, b, PacketFlags.UNRELIABLE_FRAGMENT), SendResult.OK));
    const serverEvents = [...events.values()][0]!;
    net.runUntil(net.now + 3_600_000, () => {
      drain();
      if (serverEvents.filter((e) => e.type === EventType.RECEIVE && e.flags === PacketFlags.RELIABLE).length === 3) net.cut = false;
    });
    const got = serverEvents.filter((e) => e.type === EventType.RECEIVE);
    const reliable = got.filter((e) => e.flags === PacketFlags.RELIABLE);
    assert.equal(reliable.length, 3);
    reliable.forEach((e, i) => {
      assert.equal(e.channelID, i % 4);
      assert.deepEqual(e.packet, big[i]);
    });
    for (const e of got.filter((e) => e.flags === PacketFlags.UNRELIABLE_FRAGMENT)) {
      assert.ok(mid.some((m) => m.length === e.packet!.length && Buffer.compare(Buffer.from(m), Buffer.from(e.packet!)) === 0), "unreliable fragmented packet intact");
    }
  });

  test("an unreliable packet larger than a fragment is sent as reliable fragments unless UNRELIABLE_FRAGMENT is set", () => {
    const { net, client, peer, events, drain } = connected({ latency: 10, seed: 2 });
    const seen: number[] = [];
    net.tap = (d) => {
      // Header without checksum: 2 or 4 bytes, then the first command.
      const off = d[0]! & 0x80 ? 4 : 2;
      if (d.length > off) seen.push(d[off]! & 0x0f);
    };
    client.core.send(peer, 0, pattern(5000, 9), 0);
    client.core.send(peer, 1, pattern(5000, 10), PacketFlags.UNRELIABLE_FRAGMENT);
    net.runUntil(net.now + 1000, drain);
    assert.ok(seen.includes(ProtocolCommand.SEND_FRAGMENT));
    assert.ok(seen.includes(ProtocolCommand.SEND_UNRELIABLE_FRAGMENT));
    const got = [...events.values()][0]!.filter((e) => e.type === EventType.RECEIVE);
    assert.deepEqual(got.map((e) => e.flags), [PacketFlags.RELIABLE, PacketFlags.UNRELIABLE_FRAGMENT]);
  });

  test("a vanished peer is detected within ENet's timeout bounds (5 s minimum, 30 s maximum)", () => {
    const { net, server, client, peer, events, drain } = connected({ latency: 20, seed: 3 });
    client.core.send(peer, 0, pattern(100, 1), PacketFlags.RELIABLE);
    net.runUntil(net.now + 2000, drain);
    const cutAt = net.now;
    net.cut = true;
    client.core.send(peer, 0, pattern(100, 2), PacketFlags.RELIABLE);
    const when = new Map<SimHost, number>();
    net.runUntil(cutAt + 60_000, () => {
      drain();
      for (const [h, list] of events) if (!when.has(h) && list.some((e) => e.type === EventType.DISCONNECT)) when.set(h, net.now - cutAt);
    });
    for (const h of [server, client]) {
      const t = when.get(h);
      assert.ok(t !== undefined, "timeout detected");
      assert.ok(t >= 5000 && t <= 32_000, `timeout after ${t} ms`);
    }
    assert.equal(peer.state, PeerState.STATE_DISCONNECTED);
  });

  test("setTimeout bounds are honoured (limit 4, minimum 1 s, maximum 2 s)", () => {
    const { net, client, peer, events, drain } = connected({ latency: 20, seed: 4 });
    client.core.setTimeout(peer, 4, 1000, 2000);
    const cutAt = net.now;
    net.cut = true;
    client.core.send(peer, 0, pattern(10, 1), PacketFlags.RELIABLE);
    let at = -1;
    net.runUntil(cutAt + 10_000, () => {
      drain();
      if (at < 0 && events.get(client)!.some((e) => e.type === EventType.DISCONNECT)) at = net.now - cutAt;
    });
    assert.ok(at >= 1000 && at <= 2500, `timeout after ${at} ms`);
  });

  test("RTT is measured and the packet throttle backs off when latency jumps, then recovers", () => {
    const { net, client, peer, drain } = connected({ latency: 10, seed: 6 });
    const tick = (ms: number): void => {
      const end = net.now + ms;
      while (net.now < end) {
        client.core.send(peer, 0, pattern(50, net.now), PacketFlags.RELIABLE);
        client.core.send(peer, 1, pattern(50, net.now), 0);
        net.runUntil(net.now + 20, drain);
      }
    };
    tick(6000);
    assert.ok(peer.roundTripTime >= 20 && peer.roundTripTime < 40, `rtt ${peer.roundTripTime}`);
    assert.equal(peer.packetThrottle, 32);
    (net.opts as { latency: number }).latency = 150;
    tick(600);
    assert.ok(peer.packetThrottle < 32, `throttle decelerated (${peer.packetThrottle})`);
    tick(10_000);
    (net.opts as { latency: number }).latency = 10;
    tick(12_000);
    assert.ok(peer.packetThrottle > 16, `throttle accelerated again (${peer.packetThrottle})`);
  });

  test("bandwidth limits: BANDWIDTH_LIMIT reaches the peer and unreliable traffic is throttled to it", () => {
    // As in C ENet, a peer declaring unlimited outgoing bandwidth is told "unlimited"; one declaring more than the server's share is told the share.
    const { net, server, client, peer, events, drain } = connected({ latency: 10, seed: 8 }, { incomingBandwidth: 20_000 }, { outgoingBandwidth: 100_000 });
    let limitCommands = 0;
    net.tap = (d, from) => {
      if (from !== server) return;
      for (let i = 0; i + 4 <= d.length; i++) if ((d[i]! & 0x0f) === ProtocolCommand.BANDWIDTH_LIMIT && d[i + 1] === 0xff && d.length - i >= 12) limitCommands++;
    };
    server.core.bandwidthLimit(20_000, 0);
    net.runUntil(net.now + 2500, drain);
    assert.ok(limitCommands > 0, "BANDWIDTH_LIMIT sent after bandwidthLimit()");
    assert.equal(peer.incomingBandwidth, 20_000, "the client learned the server's incoming limit");
    const received = (): number =>
      events.get(server)!.filter((e) => e.type === EventType.RECEIVE).reduce((n, e) => n + e.packet!.length, 0);
    // Offer 100 kB/s of unreliable data for 10 s.
    const start = net.now;
    let before = 0;
    while (net.now < start + 10_000) {
      for (let i = 0; i < 2; i++) client.core.send(peer, 0, pattern(500, net.now + i), 0);
      net.runUntil(net.now + 10, drain);
      if (net.now >= start + 5000 && before === 0) before = received();
    }
    const rate = (received() - before) / 5;
    assert.ok(peer.packetThrottleLimit < 32, `throttle limit lowered (${peer.packetThrottleLimit})`);
    assert.ok(rate < 40_000, `received ${rate} B/s with a 20,000 B/s limit, offered 100,000`);
    assert.ok(rate > 5_000, `still sending (${rate} B/s)`);
  });

  test("throttleConfigure reaches the remote peer; ping and pingInterval", () => {
    const { net, client, peer, serverPeer, drain } = connected({ latency: 10, seed: 9 });
    client.core.throttleConfigure(peer, 1000, 4, 3);
    client.core.setPingInterval(peer, 100);
    net.runUntil(net.now + 500, drain);
    assert.equal(serverPeer.packetThrottleInterval, 1000);
    assert.equal(serverPeer.packetThrottleAcceleration, 4);
    assert.equal(serverPeer.packetThrottleDeceleration, 3);
    assert.equal(peer.pingInterval, 100);
  });

  test("disconnectLater waits for queued reliable data; disconnectNow raises no local event", () => {
    const { net, server, client, peer, events, drain } = connected({ latency: 10, seed: 10 });
    for (let i = 0; i < 50; i++) client.core.send(peer, 0, pattern(1000, i), PacketFlags.RELIABLE);
    client.core.disconnectLater(peer, 5);
    assert.equal(peer.state, PeerState.STATE_DISCONNECT_LATER);
    net.runUntil(net.now + 3000, drain);
    const sev = events.get(server)!;
    assert.equal(sev.filter((e) => e.type === EventType.RECEIVE).length, 50);
    const d = sev.find((e) => e.type === EventType.DISCONNECT)!;
    assert.equal(d.data, 5);
    assert.ok(events.get(client)!.some((e) => e.type === EventType.DISCONNECT));

    const peer2 = client.core.connect(server.address, server.port, 2, 1)!;
    net.runUntil(net.now + 2000, drain);
    assert.equal(peer2.state, PeerState.STATE_CONNECTED);
    const before = events.get(client)!.length;
    client.core.disconnectNow(peer2, 77);
    assert.equal(peer2.state, PeerState.STATE_DISCONNECTED);
    net.runUntil(net.now + 1000, drain);
    assert.equal(events.get(client)!.length, before, "no local DISCONNECT event after disconnectNow");
    assert.equal(events.get(server)!.at(-1)!.type, EventType.DISCONNECT);
    assert.equal(events.get(server)!.at(-1)!.data, 77);
  });

  test("a full server ignores further CONNECTs; refuseConnections too; the client times out", () => {
    const net = new SimNetwork({ latency: 10, seed: 12 });
    const server = net.addHost({ peerCount: 1 });
    const a = net.addHost({ peerCount: 1 });
    const b = net.addHost({ peerCount: 1 });
    const pa = a.core.connect(server.address, server.port, 1, 0)!;
    net.runUntil(1000, () => {
      for (const h of net.hosts) while (h.core.pollEvent());
    });
    assert.equal(pa.state, PeerState.STATE_CONNECTED);
    const pb = b.core.connect(server.address, server.port, 1, 0)!;
    let bEvent: HostEvent | null = null;
    net.runUntil(40_000, () => {
      for (const h of [server, a]) while (h.core.pollEvent());
      for (let e = b.core.pollEvent(); e; e = b.core.pollEvent()) bEvent = e;
    });
    assert.equal((bEvent as HostEvent | null)?.type, EventType.DISCONNECT);
    assert.equal(pb.state, PeerState.STATE_DISCONNECTED);
    assert.ok(server.core.drops.commands > 0, "refused CONNECTs are counted");
  });

  test("the duplicate-peer limit refuses a second connection from the same IP address", () => {
    const net = new SimNetwork({ latency: 5, seed: 14 });
    const server = net.addHost({ peerCount: 4, duplicatePeers: 1 });
    const a = net.addHost({ peerCount: 1 }, "10.9.0.1", 5000);
    const b = net.addHost({ peerCount: 1 }, "10.9.0.1", 5001);
    const c = net.addHost({ peerCount: 1 }, "10.9.0.2", 5000);
    const pa = a.core.connect(server.address, server.port, 1, 0)!;
    net.runUntil(500, () => {
      for (const h of net.hosts) while (h.core.pollEvent());
    });
    const pb = b.core.connect(server.address, server.port, 1, 0)!;
    const pc = c.core.connect(server.address, server.port, 1, 0)!;
    b.core.setTimeout(pb, 4, 1000, 2000);
    net.runUntil(4000, () => {
      for (const h of net.hosts) while (h.core.pollEvent());
    });
    assert.equal(pa.state, PeerState.STATE_CONNECTED);
    assert.equal(pc.state, PeerState.STATE_CONNECTED, "another address is fine");
    assert.equal(pb.state, PeerState.STATE_DISCONNECTED, "same address refused, the client timed out");
  });

  test("MTU is negotiated down to the smaller side (1400 vs 1392) and checksums interoperate", () => {
    const { net, client, peer, serverPeer, events, drain } = connected({ latency: 5, seed: 13 }, { mtu: 1400, checksum: true }, { mtu: 1392, checksum: true });
    assert.equal(peer.mtu, 1392);
    assert.equal(serverPeer.mtu, 1392);
    let largest = 0;
    net.tap = (d) => (largest = Math.max(largest, d.length));
    client.core.send(peer, 0, pattern(10_000, 3), PacketFlags.RELIABLE);
    net.runUntil(net.now + 1000, drain);
    assert.ok(largest <= 1392 + 4, `datagram of ${largest} bytes`);
    assert.deepEqual([...events.values()][0]!.find((e) => e.type === EventType.RECEIVE)!.packet, pattern(10_000, 3));
  });
});

describe("sans-IO determinism", () => {
  test("the same seed gives the same datagrams byte for byte (the core reads no clock and no global randomness)", () => {
    const run = (): string => {
      const net = new SimNetwork({ loss: 0.1, duplicate: 0.05, latency: 15, jitter: 20, seed: 99 });
      let h = 0x811c9dc5;
      net.tap = (d) => {
        for (let i = 0; i < d.length; i++) h = Math.imul(h ^ d[i]!, 16777619) >>> 0;
      };
      const server = net.addHost({ peerCount: 2 });
      const client = net.addHost({ peerCount: 1 });
      const peer = client.core.connect(server.address, server.port, 2, 5)!;
      for (let t = 100; t <= 5000; t += 100) {
        net.runUntil(t, () => {
          for (const x of net.hosts) while (x.core.pollEvent());
        });
        if (peer.state === PeerState.STATE_CONNECTED) {
          client.core.send(peer, 0, pattern(100 + t / 10, t), PacketFlags.RELIABLE);
          client.core.send(peer, 1, pattern(3000, t), PacketFlags.UNRELIABLE_FRAGMENT);
        }
      }
      return `${h.toString(16)}/${net.delivered}`;
    };
    const a = run();
    assert.equal(run(), a);
  });
});

describe("sequence number wrap-around", () => {
  test("70,000 reliable packets on one channel (sequence numbers wrap past 65535) under 5 % loss arrive once, in order", () => {
    const net = new SimNetwork({ loss: 0.05, latency: 10, jitter: 10, seed: 31 });
    const server = net.addHost({ peerCount: 1, channelLimit: 1 });
    const client = net.addHost({ peerCount: 1 });
    const peer = client.core.slotOf(client.core.connect(server.address, server.port, 1, 0)!);
    const got: number[] = [];
    let queued = 0;
    const total = 70_000;
    const drain = (): void => {
      while (client.core.pollEvent());
      for (let e = server.core.pollEvent(); e; e = server.core.pollEvent()) {
        if (e.type === EventType.RECEIVE) got.push(new DataView(e.packet!.buffer, e.packet!.byteOffset).getUint32(0));
      }
      if (peer.state === PeerState.STATE_CONNECTED) {
        while (queued < total && peer.outgoingReliable.length - peer.outgoingReliableHead < 4000) {
          const m = new Uint8Array(8);
          new DataView(m.buffer).setUint32(0, queued++);
          client.core.send(peer, 0, m, PacketFlags.RELIABLE);
        }
      }
    };
    for (let t = 1000; got.length < total && t < 600_000; t += 1000) net.runUntil(t, drain);
    assert.equal(got.length, total);
    for (let i = 0; i < total; i++) if (got[i] !== i) assert.fail(`packet ${i} arrived as ${got[i]}`);
    assert.equal(server.core.drops.internalErrors, 0);
  });

  for (const [name, flags] of [["unsequenced", PacketFlags.UNSEQUENCED], ["sequenced unreliable (ENet switches to reliable at 65535)", 0]] as const) {
    test(`70,000 ${name} packets on a lossless link: each arrives exactly once, in order`, () => {
      const net = new SimNetwork({ latency: 5, seed: 32 });
      const server = net.addHost({ peerCount: 1, channelLimit: 1 });
      const client = net.addHost({ peerCount: 1 });
      const peer = client.core.connect(server.address, server.port, 1, 0)!;
      net.runUntil(500, () => {
        for (const h of net.hosts) while (h.core.pollEvent());
      });
      const got: number[] = [];
      const total = 70_000;
      let queued = 0;
      for (let t = 1000; got.length < total && t < 120_000; t += 20) {
        for (let k = 0; k < 500 && queued < total; k++) {
          const m = new Uint8Array(4);
          new DataView(m.buffer).setUint32(0, queued++);
          client.core.send(peer, 0, m, flags);
        }
        net.runUntil(t, () => {
          while (client.core.pollEvent());
          for (let e = server.core.pollEvent(); e; e = server.core.pollEvent()) {
            if (e.type === EventType.RECEIVE) got.push(new DataView(e.packet!.buffer, e.packet!.byteOffset).getUint32(0));
          }
        });
      }
      assert.equal(got.length, total);
      for (let i = 0; i < total; i++) if (got[i] !== i) assert.fail(`packet ${i} arrived as ${got[i]}`);
    });
  }
});
