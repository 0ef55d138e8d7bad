// The per-peer bound on what a sender holds for a remote (maximumOutgoingData): packets queued to
// it or sent and not yet acknowledged. C ENet queues without bound, so a remote that acknowledges
// just often enough to stay connected makes a server keep every packet the game sends it; ours
// refuses sends past the bound (ERR_OUT_OF_MEMORY on ENetPacketPeer.send), counts them, and the
// packets it took still arrive, once and in order.
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { EventType, PacketFlags } from "../../src/enet/enums.ts";
import { SendResult } from "../../src/enet/host-core.ts";
import { ConnectionStatus, ENetConnection, ENetMultiplayerPeer, GodotError, MemoryNetwork } from "../../src/index.ts";
import { collect, type Collector } from "./collect.ts";
import { SimNetwork } from "./sim.ts";

const KiB = 1024;
const MiB = 1024 * KiB;
const PACKET = 4000;

/** Packet `n`: PACKET bytes, its number in the first four. */
function packet(n: number): Uint8Array {
  const p = new Uint8Array(PACKET).fill(n & 0xff);
  new DataView(p.buffer).setUint32(0, n);
  return p;
}

/**
 * A server queueing a 4,000-byte reliable packet every 5 ms (800 KB/s) for 3 s to a client it
 * reaches at 100 KB/s: what the client has not acknowledged piles up at the server, as it does
 * behind a remote that acknowledges slowly. Then the server stops and the link drains.
 */
function slowLink(maximumOutgoingData: number) {
  const net = new SimNetwork({ latency: 5, seed: 11, bytesPerMs: 100 });
  const server = net.addHost({ peerCount: 2, channelLimit: 2, maximumOutgoingData });
  const client = net.addHost({ peerCount: 1 });
  const { serverPeer } = net.connectPair(client, server, 2);
  const accepted: number[] = [];
  const received: number[] = [];
  let refused = 0;
  let mostQueued = 0;
  const readClient = (): void => {
    for (let e = client.core.pollEvent(); e !== null; e = client.core.pollEvent()) {
      if (e.type === EventType.RECEIVE) received.push(new DataView(e.packet!.buffer, e.packet!.byteOffset).getUint32(0));
      else assert.fail(`client event ${EventType[e.type]}`);
    }
    while (server.core.pollEvent());
  };
  const sendUntil = net.now + 3000;
  for (let n = 0; net.now < sendUntil; n++) {
    const result = server.core.send(serverPeer, 0, packet(n), PacketFlags.RELIABLE);
    if (result === SendResult.OK) accepted.push(n);
    else {
      assert.equal(result, SendResult.OUTGOING_LIMIT);
      refused++;
    }
    mostQueued = Math.max(mostQueued, serverPeer.queuedOutgoingData);
    net.runUntil(net.now + 5, readClient);
  }
  const queuedWhenSendsStopped = serverPeer.queuedOutgoingData;
  net.runUntil(net.now + 60_000, readClient);
  return { server, serverPeer, accepted, received, refused, mostQueued, queuedWhenSendsStopped };
}

/**
 * A server sending a 4,000-byte reliable packet every 5 ms to each of eight clients for 1.5 s;
 * four of them are frozen (nothing they send reaches the server, as with a stopped game loop)
 * until 1 s after the sends stop, so what they have not acknowledged piles up at the server.
 */
function frozenClients(maximumHostOutgoingData: number | undefined) {
  const net = new SimNetwork({ latency: 5, seed: 12 });
  const server = net.addHost({ peerCount: 8, channelLimit: 1, maximumOutgoingData: 1 * MiB, maximumHostOutgoingData });
  const clients = Array.from({ length: 8 }, () => net.addHost({ peerCount: 1 }));
  const peers = clients.map((c) => net.connectPair(c, server, 1).serverPeer);
  const frozen = new Set(clients.slice(0, 4));
  let thawed = false;
  net.drop = (_data, from) => !thawed && frozen.has(from);
  const accepted = peers.map((): number[] => []);
  const received = clients.map((): number[] => []);
  const refusedAt = peers.map(() => 0);
  const disconnects: string[] = [];
  let mostHeld = 0;
  const readAll = (): void => {
    clients.forEach((c, i) => {
      for (let e = c.core.pollEvent(); e !== null; e = c.core.pollEvent()) {
        if (e.type === EventType.RECEIVE) received[i]!.push(new DataView(e.packet!.buffer, e.packet!.byteOffset).getUint32(0));
        else disconnects.push(`client ${i}: ${EventType[e.type]}`);
      }
    });
    for (let e = server.core.pollEvent(); e !== null; e = server.core.pollEvent()) disconnects.push(`server: ${EventType[e.type]}`);
  };
  const sendUntil = net.now + 1500;
  for (let n = 0; net.now < sendUntil; n++) {
    peers.forEach((peer, i) => {
      const result = server.core.sendCopy(peer, 0, packet(n), PacketFlags.RELIABLE);
      if (result === SendResult.OK) accepted[i]!.push(n);
      else {
        assert.equal(result, SendResult.OUTGOING_LIMIT);
        refusedAt[i]!++;
      }
    });
    mostHeld = Math.max(mostHeld, server.core.queuedOutgoingData);
    net.runUntil(net.now + 5, readAll);
  }
  const heldWhenSendsStopped = peers.map((p) => p.queuedOutgoingData);
  net.runUntil(net.now + 1000, readAll);
  thawed = true;
  net.runUntil(net.now + 30_000, readAll);
  return { server, peers, accepted, received, refusedAt, mostHeld, heldWhenSendsStopped, disconnects };
}

describe("ENet outgoing data per peer (maximumOutgoingData)", () => {
  test("packets queued faster than the remote acknowledges them: sends past the bound are refused and counted, what was taken arrives once and in order", () => {
    const bound = 1 * MiB;
    const r = slowLink(bound);
    assert.ok(r.refused > 0, "sends were refused once the bound was reached");
    assert.equal(r.server.core.drops.outgoingLimit, r.refused, "each refusal is counted");
    assert.ok(r.mostQueued <= bound, `held at most ${r.mostQueued} bytes for the peer (bound ${bound})`);
    assert.ok(r.mostQueued > bound - 2 * PACKET, `the bound was reached (${r.mostQueued} bytes)`);
    assert.deepEqual(r.received, r.accepted, "every packet taken arrived, once, in order");
    assert.equal(r.serverPeer.queuedOutgoingData, 0, "acknowledged packets are given back");
  });

  test("C ENet's rule (no bound) on the same link holds everything the game sent", () => {
    const r = slowLink(Number.POSITIVE_INFINITY);
    assert.equal(r.refused, 0);
    assert.ok(r.queuedWhenSendsStopped > 1.5 * MiB, `${r.queuedWhenSendsStopped} bytes held when the game stopped sending`);
    assert.deepEqual(r.received, r.accepted);
  });

  test("one packet of any size goes into an empty queue; unreliable packets leave the count once sent", () => {
    const net = new SimNetwork({ latency: 5, seed: 3 });
    const server = net.addHost({ peerCount: 1, channelLimit: 2, maximumOutgoingData: 10 * KiB });
    const client = net.addHost({ peerCount: 1 });
    const { serverPeer } = net.connectPair(client, server, 2);
    const big = new Uint8Array(50 * KiB).fill(9);
    assert.equal(server.core.send(serverPeer, 0, big, PacketFlags.RELIABLE), SendResult.OK, "into an empty queue");
    assert.equal(serverPeer.queuedOutgoingData, big.length);
    assert.equal(server.core.send(serverPeer, 0, new Uint8Array(1), PacketFlags.RELIABLE), SendResult.OUTGOING_LIMIT);
    assert.equal(server.core.send(serverPeer, 1, new Uint8Array(100), 0), SendResult.OUTGOING_LIMIT, "unreliable packets count too while queued");
    let got = 0;
    net.runUntil(net.now + 2000, () => {
      for (let e = client.core.pollEvent(); e !== null; e = client.core.pollEvent()) if (e.type === EventType.RECEIVE) got = e.packet!.length;
    });
    assert.equal(got, big.length);
    assert.equal(serverPeer.queuedOutgoingData, 0);
    assert.equal(server.core.send(serverPeer, 1, new Uint8Array(100), 0), SendResult.OK);
    assert.equal(serverPeer.queuedOutgoingData, 100);
    server.core.flush(net.now);
    assert.equal(serverPeer.queuedOutgoingData, 0, "an unreliable packet is done once written");
    assert.equal(server.core.drops.outgoingLimit, 2);
  });

  test("ENetConnection: maxOutgoingData, send's ERR_OUT_OF_MEMORY, getOutboundBufferedBytes, broadcast skipping a full peer", async () => {
    const net = new MemoryNetwork({ seed: 4, defaultLink: { latencyMs: 5 } });
    const server = new ENetConnection({ runtime: net.createRuntime("10.1.0.1") });
    await assert.rejects(server.createHostBound("10.1.0.1", 9000, { maxOutgoingData: 0 }), RangeError);
    await assert.rejects(server.createHostBound("10.1.0.1", 9000, { maxOutgoingData: 1.5 }), TypeError);
    await server.createHostBound("10.1.0.1", 9000, { maxPeers: 4, maxChannels: 2, maxOutgoingData: 64 * KiB });
    const sv = collect(server);
    const clients: Collector[] = [];
    const conns: ENetConnection[] = [server];
    for (let i = 0; i < 2; i++) {
      const conn = new ENetConnection({ runtime: net.createRuntime(`10.1.0.${i + 2}`) });
      await conn.createHost({ maxPeers: 1, maxChannels: 2 });
      conns.push(conn);
      clients.push(collect(conn));
      await conn.connectToHost("10.1.0.1", 9000, { channels: 2 });
    }
    assert.ok(await net.runUntil(() => sv.events.filter((e) => e.type === EventType.CONNECT).length === 2, 5000));
    const [full, other] = sv.events.filter((e) => e.type === EventType.CONNECT).map((e) => e.peer!);
    // Sends in one go, with no time passing: nothing can be acknowledged before the bound is reached.
    let taken = 0;
    for (;;) {
      const result = full!.send(0, new Uint8Array(4 * KiB), PacketFlags.RELIABLE);
      if (result !== GodotError.OK) {
        assert.equal(result, GodotError.ERR_OUT_OF_MEMORY);
        break;
      }
      taken++;
    }
    assert.equal(taken, 16);
    assert.equal(full!.getOutboundBufferedBytes(), 64 * KiB);
    assert.equal(other!.getOutboundBufferedBytes(), 0);
    server.broadcast(1, new Uint8Array(10), PacketFlags.RELIABLE);
    assert.equal(other!.getOutboundBufferedBytes(), 10, "the broadcast reached the peer with room");
    assert.equal(full!.getOutboundBufferedBytes(), 64 * KiB, "and skipped the full one");
    assert.equal(server.getDropCounters().outgoingLimit, 2);
    // Once the clients have acknowledged, the room is back.
    const received = (c: Collector): number => c.events.filter((e) => e.type === EventType.RECEIVE).length;
    assert.ok(await net.runUntil(() => full!.getOutboundBufferedBytes() === 0 && other!.getOutboundBufferedBytes() === 0, 5000));
    assert.deepEqual(clients.map(received).sort(), [1, 16], "16 packets to the full peer's client, the broadcast to the other's");
    assert.equal(full!.send(0, new Uint8Array(4 * KiB), PacketFlags.RELIABLE), GodotError.OK);
    full!.peerDisconnectNow();
    assert.equal(full!.getOutboundBufferedBytes(), 0, "0 once the peer is inactive");
    for (const c of conns) c.destroy();
    await Promise.all([sv, ...clients].map((c) => c.done));
    net.close();
  });

  test("ENetMultiplayerPeer passes maxOutgoingData to its host", async () => {
    const net = new MemoryNetwork({ seed: 5 });
    const server = new ENetMultiplayerPeer({ runtime: net.createRuntime("10.1.0.1") });
    await assert.rejects(server.createServer(9000, 4, 0, 0, 0, { maxOutgoingData: 0 }), RangeError);
    await server.createServer(9000, 4, 0, 0, 0, { maxOutgoingData: 8 * KiB });
    const client = new ENetMultiplayerPeer({ runtime: net.createRuntime("10.1.0.2") });
    await client.createClient("10.1.0.1", 9000);
    assert.ok(await net.runUntil(() => {
      server.poll();
      client.poll();
      return server.getHost()!.getPeers().length === 1 && client.getConnectionStatus() === ConnectionStatus.CONNECTION_CONNECTED;
    }, 5000));
    const peer = server.getHost()!.getPeers()[0]!;
    assert.equal(peer.send(0, new Uint8Array(8 * KiB), PacketFlags.RELIABLE), GodotError.OK);
    assert.equal(peer.send(0, new Uint8Array(1), PacketFlags.RELIABLE), GodotError.ERR_OUT_OF_MEMORY);
    server.close();
    client.close();
    net.close();
  });
});

describe("ENet outgoing data of all peers together (maximumHostOutgoingData)", () => {
  test("four frozen clients of eight: once the host holds its cap, each is held to its share and the others are served as before", () => {
    const cap = 1 * MiB;
    const r = frozenClients(cap);
    const share = cap / 8;
    assert.deepEqual(r.disconnects, [], "no peer was lost");
    assert.deepEqual(r.refusedAt.slice(4), [0, 0, 0, 0], "the clients that acknowledge lost no send");
    for (let i = 0; i < 4; i++) {
      assert.ok(r.refusedAt[i]! > 0, `frozen client ${i}: sends refused`);
      assert.ok(r.heldWhenSendsStopped[i]! > share && r.heldWhenSendsStopped[i]! <= 1 * MiB, `frozen client ${i}: ${r.heldWhenSendsStopped[i]} bytes held, past its share (${share}) as the host filled, within its own bound`);
    }
    const refused = r.refusedAt.reduce((a, b) => a + b, 0);
    console.log(`host-wide outgoing cap: at most ${r.mostHeld} bytes held, frozen clients held ${r.heldWhenSendsStopped.slice(0, 4).join(", ")} and were refused ${r.refusedAt.slice(0, 4).join(", ")} sends`);
    assert.equal(r.server.core.drops.outgoingShare, refused, "every refusal was the host-wide rule's");
    assert.equal(r.server.core.drops.outgoingLimit, refused);
    // The frozen four filled the cap together; a healthy peer's few packets in flight come on top.
    assert.ok(r.mostHeld <= cap + 8 * PACKET, `the host held at most ${r.mostHeld} bytes (cap ${cap})`);
    assert.ok(r.mostHeld > cap - 8 * PACKET, `the cap was reached (${r.mostHeld} bytes)`);
    r.received.forEach((got, i) => assert.deepEqual(got, r.accepted[i], `client ${i}: every packet taken arrived, once, in order`));
    assert.equal(r.server.core.queuedOutgoingData, 0, "acknowledged packets are given back");
  });

  test("without the host-wide cap the four frozen clients each fill maximumOutgoingData", () => {
    const r = frozenClients(Number.POSITIVE_INFINITY);
    assert.deepEqual(r.disconnects, []);
    assert.equal(r.server.core.drops.outgoingShare, 0);
    assert.ok(r.mostHeld > 4 * MiB - 4 * PACKET, `the host held ${r.mostHeld} bytes`);
    console.log(`without the host-wide cap: at most ${r.mostHeld} bytes held`);
    r.received.forEach((got, i) => assert.deepEqual(got, r.accepted[i]));
  });

  test("ENetConnection and ENetMultiplayerPeer check and pass maxHostOutgoingData", async () => {
    const net = new MemoryNetwork({ seed: 6 });
    const conn = new ENetConnection({ runtime: net.createRuntime("10.1.0.1") });
    await assert.rejects(conn.createHostBound("10.1.0.1", 9000, { maxHostOutgoingData: 0 }), RangeError);
    await assert.rejects(conn.createHostBound("10.1.0.1", 9000, { maxHostOutgoingData: 2.5 }), TypeError);
    const server = new ENetMultiplayerPeer({ runtime: net.createRuntime("10.1.0.2") });
    await assert.rejects(server.createServer(9000, 4, 0, 0, 0, { maxHostOutgoingData: -1 }), RangeError);
    await server.createServer(9000, 4, 0, 0, 0, { maxHostOutgoingData: 1 });
    server.close();
    net.close();
  });
});
