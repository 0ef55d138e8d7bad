/**
 * CONNECT-flood policy (src/enet/admission.ts) on the simulated network: a flood of
 * CONNECTs from 32 source ports that never complete the handshake, and a real client
 * starting mid-flood that must still connect and exchange data.
 */
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { EventType, PacketFlags, PeerState } from "../../src/enet/enums.ts";
import { HostCore } from "../../src/enet/host-core.ts";
import { CONNECT_CONNECT_ID } from "../../src/enet/wire.ts";
import { SimNetwork } from "./sim.ts";

const CONNECT_COMMAND_SIZE = 48;

/** One real CONNECT datagram, built by a throwaway host; the flood varies its connect ID. */
function connectTemplate(): Uint8Array {
  const h = new HostCore({ peerCount: 1 });
  h.connect("10.0.0.1", 7000, 2, 0);
  h.flush(0);
  const t = h.pollTransmit();
  assert.ok(t !== null);
  return t.data.slice();
}

/** `sources` flooding ports (each CONNECT from the next one, round-robin) against a `peerCount`-slot server. */
function runFlood(options: { connectInterval?: number }, latency = 5, sources = 32, peerCount = 8, total = 100_000) {
  const net = new SimNetwork({ latency, seed: 3 });
  const server = net.addHost({ peerCount, ...options }, "10.0.0.1", 7000);
  const client = net.addHost({ peerCount: 1 }, "10.0.0.2", 7001);
  const template = connectTemplate();
  const at = template.length - CONNECT_COMMAND_SIZE + CONNECT_CONNECT_ID;
  let sent = 0;
  let connectedAt = -1;
  let received = 0;
  let clientPeer = null as ReturnType<HostCore["connect"]>;
  const flood = () => {
    // 50 CONNECTs per millisecond of simulated time, round-robin over the source ports.
    while (sent < Math.min(total, net.now * 50)) {
      const d = template.slice();
      new DataView(d.buffer).setUint32(at, (sent * 2654435761) >>> 0);
      net.inject(server, d, "10.9.9.9", 1024 + (sent % sources));
      sent++;
    }
    for (let e = client.core.pollEvent(); e !== null; e = client.core.pollEvent()) {
      if (e.type === EventType.CONNECT && connectedAt < 0) {
        connectedAt = net.now;
        client.core.send(e.peer, 0, new Uint8Array([1, 2, 3]), PacketFlags.RELIABLE);
      }
    }
    for (let e = server.core.pollEvent(); e !== null; e = server.core.pollEvent()) {
      if (e.type === EventType.RECEIVE && e.peer.address === "10.0.0.2") received++;
    }
    if (clientPeer === null && net.now >= 200) clientPeer = client.core.connect("10.0.0.1", 7000, 2, 7);
  };
  for (let t = 1; t <= 2500; t++) net.runUntil(t, flood);
  return { server: server.core, sent, connectedAt, received, clientState: clientPeer?.state };
}

describe("ENet CONNECT-flood policy (simulated network)", () => {
  test("a client starting mid-flood connects and delivers data; refusals and evictions are counted", () => {
    const r = runFlood({});
    assert.equal(r.sent, 100_000);
    assert.ok(r.connectedAt > 0, "the client connected during the flood");
    assert.equal(r.clientState, PeerState.STATE_CONNECTED);
    assert.equal(r.received, 1, "the server received the client's reliable packet");
    assert.ok(r.server.connectCounters.rateLimited > 90_000, `rate-limited ${r.server.connectCounters.rateLimited}`);
    assert.ok(r.server.connectCounters.evicted > 0, "flood half-open peers were evicted");
  });

  test("a slow client (300 ms round trip, longer than a flood peer lives half-open) still connects: eviction picks the flooding sockets", () => {
    // 32 flooding sockets at one new handshake per 100 ms each refill 8 slots every few ms; evicting
    // the oldest would reset the client's half-open slot long before its acknowledgement arrives.
    const r = runFlood({}, 150);
    assert.ok(r.connectedAt > 0, "the client connected during the flood");
    assert.equal(r.clientState, PeerState.STATE_CONNECTED);
    assert.equal(r.received, 1, "the server received the client's reliable packet");
    assert.ok(r.server.connectCounters.evicted > 0);
  });

  test("a flood from a fresh source port for every CONNECT: the client's evicted handshake is reinstated when it speaks", () => {
    // Nothing tells fresh ports apart, so the client's half-open slot is evicted within a
    // fraction of a millisecond, long before its acknowledgement arrives; the client believes
    // it is connected. Its first datagram to the slot brings the parked handshake back.
    for (const latency of [5, 150]) {
      const r = runFlood({}, latency, 60_000);
      assert.equal(r.clientState, PeerState.STATE_CONNECTED, `${latency} ms: the client connected`);
      assert.equal(r.received, 1, `${latency} ms: the server received the client's reliable packet`);
      assert.ok(r.server.connectCounters.reinstated >= 1, `${latency} ms: reinstated ${r.server.connectCounters.reinstated}`);
      assert.equal(r.server.connectCounters.rateLimited, 0, "fresh ports have no strikes to be slowed by");
    }
  });

  test("4,095 slots under a flood from 32 ports and from fresh ports: the client connects", () => {
    for (const sources of [32, 60_000]) {
      const r = runFlood({}, 150, sources, 4095, 30_000);
      assert.equal(r.clientState, PeerState.STATE_CONNECTED, `${sources} sources: the client connected`);
      assert.equal(r.received, 1, `${sources} sources: the server received the client's reliable packet`);
      assert.ok(r.server.connectCounters.evicted > 0, `${sources} sources: the half-open cap was reached`);
    }
  });

  test("a host opening 200 peers at once from one socket (a load tester, C ENet's duplicatePeers) is not slowed by the rate rule", () => {
    const net = new SimNetwork({ latency: 5, seed: 9 });
    const server = net.addHost({ peerCount: 256 }, "10.0.0.1", 7000);
    const client = net.addHost({ peerCount: 200 }, "10.0.0.2", 7001);
    for (let i = 0; i < 200; i++) client.core.connect("10.0.0.1", 7000, 2, i);
    let connected = 0;
    net.runUntil(200, () => {
      for (let e = server.core.pollEvent(); e !== null; e = server.core.pollEvent()) if (e.type === EventType.CONNECT) connected++;
    });
    assert.equal(connected, 200, "every peer connected within 200 ms of simulated time");
    assert.deepEqual(server.core.connectCounters, { rateLimited: 0, full: 0, evicted: 0, reinstated: 0, provenByCommand: 0, verifyAcksRepeated: 0 });
  });

  test("reinstating needs the parked address, port, slot and session, and never displaces a connected peer", () => {
    const tryReinstate = (mutate: (header: DataView, server: HostCore) => void, from = 7001): { server: HostCore; honest: ReturnType<HostCore["connect"]> } => {
      // One slot, one half-open at a time: the client's handshake is evicted by the next CONNECT.
      const server = new HostCore({ peerCount: 1, halfOpenLimit: 1 });
      const client = new HostCore({ peerCount: 1 });
      const honest = client.connect("10.0.0.1", 7000, 2, 5);
      client.flush(0);
      for (let t = client.pollTransmit(); t; t = client.pollTransmit()) server.handleDatagram(1, t.data.slice(), "10.0.0.2", 7001);
      client.releaseTransmits();
      server.flush(1);
      const verify: Uint8Array[] = [];
      for (let t = server.pollTransmit(); t; t = server.pollTransmit()) verify.push(t.data.slice());
      server.releaseTransmits();
      server.handleDatagram(2, connectTemplate(), "10.9.9.9", 1024); // evicts the client's half-open slot
      assert.equal(server.connectCounters.evicted, 1);
      for (const d of verify) client.handleDatagram(3, d, "10.0.0.1", 7000);
      assert.equal(honest!.state, PeerState.STATE_CONNECTED, "the client believes it is connected");
      client.flush(4);
      const ack = client.pollTransmit()!.data.slice();
      client.releaseTransmits();
      mutate(new DataView(ack.buffer), server);
      server.handleDatagram(5, ack, "10.0.0.2", from);
      return { server, honest };
    };
    const connects = (server: HostCore): number[] => {
      const data: number[] = [];
      for (let e = server.pollEvent(); e !== null; e = server.pollEvent()) if (e.type === EventType.CONNECT) data.push(e.data);
      return data;
    };

    const ok = tryReinstate(() => {});
    assert.equal(ok.server.connectCounters.reinstated, 1);
    assert.deepEqual(connects(ok.server), [5], "CONNECT with the client's data");
    assert.equal(ok.server.peers[0]!.address, "10.0.0.2");
    assert.equal(ok.server.connectCounters.evicted, 2, "the flood's half-open peer made room");

    const otherPort = tryReinstate(() => {}, 7002);
    assert.equal(otherPort.server.connectCounters.reinstated, 0);
    const wrongSession = tryReinstate((header) => header.setUint16(0, header.getUint16(0) ^ 0x1000));
    assert.equal(wrongSession.server.connectCounters.reinstated, 0);
    assert.deepEqual(connects(wrongSession.server), []);

    const taken = tryReinstate((_header, server) => {
      // The slot completed another connection meanwhile: make the flood's half-open peer connected.
      server.notifyConnect(server.peers[0]!);
    });
    assert.equal(taken.server.connectCounters.reinstated, 0);
    assert.equal(taken.server.peers[0]!.address, "10.9.9.9", "a connected peer is never displaced");
  });

  test("the half-open cap and interval are checked arguments", () => {
    assert.throws(() => new HostCore({ peerCount: 4, halfOpenLimit: 5 }), RangeError);
    assert.throws(() => new HostCore({ connectInterval: -1 }), RangeError);
  });
});
