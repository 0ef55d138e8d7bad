/**
 * Keep-alive pings on idle connections (PeerCore.pingDue / nextPingTime). C ENet pings from both
 * ends and answers each ping with a datagram of its own: four datagrams per interval. Here the
 * accepting side's ping rides on its acknowledgement of the remote's ping: three datagrams per
 * interval, one of them from the server. These tests hold that to its limits: both sides keep
 * measuring the round trip, the server pings on its own when the remote stops pinging, and a
 * vanished remote is still timed out.
 */
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { EventType, PeerState } from "../../src/enet/enums.ts";
import { ProtocolCommand } from "../../src/enet/wire.ts";
import { dissectDatagram } from "../../src/enet/dissect.ts";
import type { PeerCore } from "../../src/enet/peer-core.ts";
import { SimNetwork, type SimHost } from "./sim.ts";

const INTERVAL = 500; // ENET_PEER_PING_INTERVAL

interface Pair {
  net: SimNetwork;
  server: SimHost;
  client: SimHost;
  serverPeer: PeerCore;
  clientPeer: PeerCore;
  /** Datagrams and PINGs each side put on the wire since `count()` was last reset. */
  sent: { server: number; client: number; serverPings: number; clientPings: number };
  serverEvents: EventType[];
  drain: () => void;
}

function connectedPair(latency = 5): Pair {
  const net = new SimNetwork({ latency, seed: 7 });
  const server = net.addHost({ peerCount: 4, channelLimit: 2 }, "10.0.0.1", 7000);
  const client = net.addHost({ peerCount: 1, channelLimit: 2 }, "10.0.0.2", 7001);
  const clientPeer = client.core.slotOf(client.core.connect("10.0.0.1", 7000, 2, 0)!);
  const sent = { server: 0, client: 0, serverPings: 0, clientPings: 0 };
  net.tap = (data, from) => {
    const pings = dissectDatagram(data).commands.filter((c) => c.command.command === ProtocolCommand.PING).length;
    if (from === server) {
      sent.server++;
      sent.serverPings += pings;
    } else {
      sent.client++;
      sent.clientPings += pings;
    }
  };
  const serverEvents: EventType[] = [];
  const drain = (): void => {
    for (let e = server.core.pollEvent(); e; e = server.core.pollEvent()) serverEvents.push(e.type);
    while (client.core.pollEvent());
  };
  net.runUntil(1000, drain);
  const serverPeer = server.core.peers.find((p) => p.state === PeerState.STATE_CONNECTED)!;
  assert.ok(serverPeer && clientPeer.state === PeerState.STATE_CONNECTED, "connected");
  return { net, server, client, serverPeer, clientPeer, sent, serverEvents, drain };
}

function resetCounts(p: Pair): void {
  p.sent.server = p.sent.client = p.sent.serverPings = p.sent.clientPings = 0;
}

describe("keep-alive pings on idle connections", () => {
  test("between two of our hosts: three datagrams per interval, one from the accepting side, and both ends keep pinging", () => {
    const p = connectedPair();
    p.net.runUntil(3000, p.drain); // into the steady state
    resetCounts(p);
    const seconds = 20;
    p.net.runUntil(3000 + seconds * 1000, p.drain);
    const cycles = (seconds * 1000) / INTERVAL;
    assert.ok(p.sent.server <= cycles * 1.1, `server sent ${p.sent.server} datagrams in ${cycles} intervals`);
    assert.ok(p.sent.client <= cycles * 2.1, `client sent ${p.sent.client}`);
    assert.ok(p.sent.serverPings >= cycles * 0.8 && p.sent.clientPings >= cycles * 0.8, `pings: server ${p.sent.serverPings}, client ${p.sent.clientPings}`);
    // Each side hears acknowledgements of its own pings, so each still measures the round trip.
    for (const peer of [p.serverPeer, p.clientPeer]) {
      assert.ok(p.net.now + 1 - peer.lastReceiveTime <= 2 * INTERVAL, "acknowledged within the last two intervals");
      assert.ok(peer.roundTripTime <= 50, `round trip ${peer.roundTripTime} ms on a 10 ms link`);
    }
    assert.equal(p.serverPeer.state, PeerState.STATE_CONNECTED);
    assert.equal(p.clientPeer.state, PeerState.STATE_CONNECTED);
  });

  test("when the remote stops pinging, the accepting side pings on its own, at most half an interval later than C ENet", () => {
    const p = connectedPair();
    p.client.core.setPingInterval(p.clientPeer, 3_600_000); // the client still acknowledges, never pings
    p.net.runUntil(3000, p.drain);
    resetCounts(p);
    p.net.runUntil(13_000, p.drain);
    assert.equal(p.sent.clientPings, 0);
    const spacing = 10_000 / p.sent.serverPings;
    assert.ok(spacing <= INTERVAL * 1.5 + 20, `the server pinged every ${spacing.toFixed(0)} ms`);
    assert.equal(p.serverPeer.state, PeerState.STATE_CONNECTED);
  });

  test("a client that vanishes is still timed out: the server's own pings go unacknowledged", () => {
    const p = connectedPair();
    p.server.core.setTimeout(p.serverPeer, 4, 1000, 3000);
    p.net.runUntil(3000, p.drain);
    const vanished = p.net.now;
    p.net.opts.loss = 1; // nothing gets through any more
    p.net.runUntil(vanished + 3000 + 1.5 * INTERVAL + 1000, p.drain);
    assert.ok(p.serverEvents.includes(EventType.DISCONNECT), "the server reported the timeout");
  });

  test("a remote that pings but never acknowledges ours is timed out, not kept alive by its own pings", () => {
    const p = connectedPair();
    p.server.core.setTimeout(p.serverPeer, 4, 1000, 3000);
    p.net.runUntil(3000, p.drain);
    // From now on the client's datagrams carry its pings but none of its acknowledgements reach us.
    const deliver = p.server.core.handleDatagram.bind(p.server.core);
    p.server.core.handleDatagram = (now, data, address, port, owned) => {
      const cmds = dissectDatagram(data).commands;
      if (cmds.some((c) => c.command.command === ProtocolCommand.ACKNOWLEDGE)) return;
      deliver(now, data, address, port, owned);
    };
    p.net.runUntil(3000 + 3000 + 1.5 * INTERVAL + 1000, p.drain);
    assert.ok(p.serverEvents.includes(EventType.DISCONNECT), "the server reported the timeout");
  });
});
