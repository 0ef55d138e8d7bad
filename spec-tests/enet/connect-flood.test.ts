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

function runFlood(options: { connectInterval?: number }, latency = 5) {
  const net = new SimNetwork({ latency, seed: 3 });
  const server = net.addHost({ peerCount: 8, ...options }, "10.0.0.1", 7000);
  const client = net.addHost({ peerCount: 1 }, "10.0.0.2", 7001);
  const template = connectTemplate();
  const at = template.length - CONNECT_COMMAND_SIZE + CONNECT_CONNECT_ID;
  let sent = 0;
  let connectedAt = -1;
  let received = 0;
  let clientPeer = null as ReturnType<HostCore["connect"]>;
  const flood = () => {
    // 50 CONNECTs per millisecond of simulated time, round-robin over 32 source ports.
    while (sent < Math.min(100_000, net.now * 50)) {
      const d = template.slice();
      new DataView(d.buffer).setUint32(at, (sent * 2654435761) >>> 0);
      net.inject(server, d, "10.9.9.9", 40000 + (sent % 32));
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
    assert.deepEqual(server.core.connectCounters, { rateLimited: 0, full: 0, evicted: 0 });
  });

  test("the half-open cap and interval are checked arguments", () => {
    assert.throws(() => new HostCore({ peerCount: 4, halfOpenLimit: 5 }), RangeError);
    assert.throws(() => new HostCore({ connectInterval: -1 }), RangeError);
  });
});
