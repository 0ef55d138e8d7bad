import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { CompressionMode, ENetConnection, ENetPacketPeer, EventType, GodotError, NetError, PacketFlags, PeerState, PeerStatistic } from "../../src/index.ts";
import { MemoryNetwork } from "../../src/transport/memory.ts";
import { collect, type Collector } from "./collect.ts";

interface Side {
  conn: ENetConnection;
  col: Collector;
}

async function setup(net: MemoryNetwork, serverOpts = {}, clients = 1, clientOpts = {}) {
  const server = new ENetConnection({ runtime: net.createRuntime("10.1.0.1") });
  await server.createHostBound("*", 9000, { maxPeers: 4, ...serverOpts });
  const sides: Side[] = [];
  for (let i = 0; i < clients; i++) {
    const conn = new ENetConnection({ runtime: net.createRuntime(`10.1.0.${i + 2}`) });
    await conn.createHost({ maxPeers: 2, ...clientOpts });
    sides.push({ conn, col: collect(conn) });
  }
  return { server, sv: collect(server), clients: sides };
}

const count = (c: Collector, t: EventType): number => c.events.filter((e) => e.type === t).length;

async function teardown(net: MemoryNetwork, conns: ENetConnection[], cols: Collector[]): Promise<void> {
  for (const c of conns) c.destroy();
  await Promise.all(cols.map((c) => c.done));
  net.close();
}

describe("ENetConnection / ENetPacketPeer API", () => {
  test("statistics, states, peer handles, getPeers, broadcast", async () => {
    const net = new MemoryNetwork({ seed: 21, defaultLink: { latencyMs: 10 } });
    const { server, sv, clients } = await setup(net, {}, 2);
    const peers: ENetPacketPeer[] = [];
    for (const c of clients) peers.push(await c.conn.connectToHost("10.1.0.1", 9000, { channels: 2 }));
    assert.ok(await net.runUntil(() => count(sv, EventType.CONNECT) === 2, 5000));
    assert.equal(server.getPeers().length, 2);
    const p = peers[0]!;
    assert.equal(p.getState(), PeerState.STATE_CONNECTED);
    assert.equal(p.getChannels(), 2);
    for (let i = 0; i < 20; i++) p.send(0, new Uint8Array(100), PacketFlags.RELIABLE);
    await net.runFor(2000);
    const expect: Array<[PeerStatistic, (v: number) => boolean]> = [
      [PeerStatistic.PEER_PACKET_LOSS, (v) => v === 0],
      [PeerStatistic.PEER_PACKET_LOSS_VARIANCE, (v) => v === 0],
      [PeerStatistic.PEER_PACKET_LOSS_EPOCH, (v) => v > 0],
      [PeerStatistic.PEER_ROUND_TRIP_TIME, (v) => v >= 20 && v < 100],
      [PeerStatistic.PEER_ROUND_TRIP_TIME_VARIANCE, (v) => v >= 0],
      [PeerStatistic.PEER_LAST_ROUND_TRIP_TIME, (v) => v > 0],
      [PeerStatistic.PEER_LAST_ROUND_TRIP_TIME_VARIANCE, (v) => v >= 1],
      [PeerStatistic.PEER_PACKET_THROTTLE, (v) => v === 32],
      [PeerStatistic.PEER_PACKET_THROTTLE_LIMIT, (v) => v === 32],
      [PeerStatistic.PEER_PACKET_THROTTLE_COUNTER, (v) => v >= 0 && v < 32],
      [PeerStatistic.PEER_PACKET_THROTTLE_EPOCH, (v) => v > 0],
      [PeerStatistic.PEER_PACKET_THROTTLE_ACCELERATION, (v) => v === 2],
      [PeerStatistic.PEER_PACKET_THROTTLE_DECELERATION, (v) => v === 2],
      [PeerStatistic.PEER_PACKET_THROTTLE_INTERVAL, (v) => v === 5000],
    ];
    for (const [s, ok] of expect) assert.ok(ok(p.getStatistic(s)), `${PeerStatistic[s]} = ${p.getStatistic(s)}`);
    assert.throws(() => p.getStatistic(14 as PeerStatistic), RangeError);

    server.broadcast(1, new TextEncoder().encode("all"), PacketFlags.RELIABLE);
    assert.ok(await net.runUntil(() => clients.every((c) => count(c.col, EventType.RECEIVE) === 1), 5000));
    for (const c of clients) assert.equal(new TextDecoder().decode(c.col.events.find((e) => e.type === EventType.RECEIVE)!.packet), "all");

    // The packet size limit is enforced on send (the host option maxPacketSize, default ENet's 32 MiB):
    // send returns Godot's error code (the return/throw rule), it does not throw.
    assert.equal(p.send(0, new Uint8Array(32 * 1024 * 1024 + 1), PacketFlags.RELIABLE), GodotError.ERR_OUT_OF_MEMORY);
    assert.equal(p.send(0, new Uint8Array(1), PacketFlags.RELIABLE), GodotError.OK);
    assert.equal(p.putPacket(new Uint8Array(1)), GodotError.OK);

    // Argument checks.
    assert.throws(() => p.send(2, new Uint8Array(1), 0), RangeError, "channel beyond the peer's count");
    assert.throws(() => p.send(-1, new Uint8Array(1), 0), RangeError);
    assert.throws(() => p.send(0, [1, 2] as unknown as Uint8Array, 0), TypeError);
    assert.throws(() => p.setTimeout(5000, 1000, 2000), RangeError);
    assert.throws(() => p.throttleConfigure(1000, -1, 2), RangeError);
    // Flags: Godot's send and broadcast take FLAG_RELIABLE | FLAG_UNSEQUENCED | FLAG_UNRELIABLE_FRAGMENT
    // (FLAG_ALLOWED) and refuse other bits (ENet's NO_ALLOCATE 4, 16, SENT 256) with ERR_INVALID_PARAMETER.
    for (const bad of [4, 5, 16, 0x40]) {
      assert.throws(() => p.send(0, new Uint8Array(1), bad), RangeError, `send flags ${bad}`);
      assert.throws(() => server.broadcast(0, new Uint8Array(1), bad), RangeError, `broadcast flags ${bad}`);
    }
    assert.equal(p.send(0, new Uint8Array(1), PacketFlags.RELIABLE | PacketFlags.UNSEQUENCED | PacketFlags.UNRELIABLE_FRAGMENT), GodotError.OK);
    // A broadcast channel must be below the host's channel limit (Godot logs and sends nothing).
    server.channelLimit(2);
    assert.throws(() => server.broadcast(2, new Uint8Array(1), 0), RangeError);
    server.channelLimit(0);

    // Reconnect on the same slot gives a new handle; the old one is inactive.
    const s0 = sv.events.find((e) => e.type === EventType.CONNECT)!.peer!;
    p.peerDisconnectNow(0);
    assert.equal(p.isActive(), false);
    assert.equal(p.getState(), PeerState.STATE_DISCONNECTED);
    // Godot's get_statistic on a peer that is gone returns 0 (its slot is reset, or another connection's).
    for (const [st] of expect) assert.equal(p.getStatistic(st), 0, `${PeerStatistic[st]} of an inactive peer`);
    assert.equal(p.send(0, new Uint8Array(1), 0), GodotError.ERR_UNCONFIGURED, "Godot: ERR_UNCONFIGURED on an inactive peer");
    assert.equal(p.putPacket(new Uint8Array(1)), GodotError.ERR_UNCONFIGURED);
    assert.ok(await net.runUntil(() => count(sv, EventType.DISCONNECT) === 1, 5000));
    assert.equal(s0.isActive(), false);
    const p2 = await clients[0]!.conn.connectToHost("10.1.0.1", 9000, { channels: 1 });
    assert.notEqual(p2, p);
    assert.ok(await net.runUntil(() => count(sv, EventType.CONNECT) === 3, 5000));
    await teardown(net, [server, ...clients.map((c) => c.conn)], [sv, ...clients.map((c) => c.col)]);
  });

  test("channelLimit, refuseNewConnections, socketSend, destroy sends nothing", async () => {
    const net = new MemoryNetwork({ seed: 22, defaultLink: { latencyMs: 5 } });
    const { server, sv, clients } = await setup(net);
    server.channelLimit(2);
    assert.equal(server.getMaxChannels(), 2);
    const c = clients[0]!;
    const p = await c.conn.connectToHost("10.1.0.1", 9000, { channels: 0 });
    await assert.rejects(c.conn.connectToHost("10.1.0.1", 9000), (e: unknown) => e instanceof NetError && e.code === GodotError.ERR_ALREADY_IN_USE, "Godot: already connected to a peer");
    assert.ok(await net.runUntil(() => count(c.col, EventType.CONNECT) === 1, 5000));
    assert.equal(p.getChannels(), 2, "the server's channel limit wins");
    p.peerDisconnect();
    assert.ok(await net.runUntil(() => count(c.col, EventType.DISCONNECT) === 1, 5000));

    // Godot's refuse_new_connections only acts on a DTLS server: a plain UDP host still accepts.
    server.refuseNewConnections(true);
    const accepted = await c.conn.connectToHost("10.1.0.1", 9000, { channels: 1 });
    assert.ok(await net.runUntil(() => count(c.col, EventType.CONNECT) === 2, 5000), "a plain host ignores refuseNewConnections, as Godot's does");
    accepted.peerDisconnect();
    assert.ok(await net.runUntil(() => count(c.col, EventType.DISCONNECT) === 2, 5000));
    server.refuseNewConnections(false);

    // socketSend: a raw datagram from the host's socket.
    const raw = net.createRuntime("10.1.0.9").createDatagramTransport();
    await raw.bind("10.1.0.9", 5555);
    const rawGot: Uint8Array[] = [];
    raw.onDatagram((d) => rawGot.push(d));
    server.socketSend("10.1.0.9", 5555, new Uint8Array([9, 9]));
    assert.ok(await net.runUntil(() => rawGot.length === 1, 1000));
    assert.deepEqual([...rawGot[0]!], [9, 9]);
    raw.close();

    const sentBefore = net.stats().sent;
    server.destroy();
    assert.equal(net.stats().sent, sentBefore, "destroy() sends nothing");
    await assert.rejects(server.service(0), (e: unknown) => e instanceof NetError && e.code === GodotError.ERR_UNCONFIGURED);
    await teardown(net, [server, c.conn], [sv, c.col]);
  });

  for (const mode of [CompressionMode.RANGE_CODER, CompressionMode.FASTLZ, CompressionMode.ZLIB, CompressionMode.ZSTD]) {
    test(`compression ${CompressionMode[mode]}: both sides exchange compressible and incompressible data`, async () => {
      const net = new MemoryNetwork({ seed: 23, defaultLink: { latencyMs: 5 } });
      const { server, sv, clients } = await setup(net);
      const c = clients[0]!;
      server.compress(mode);
      c.conn.compress(mode);
      const p = await c.conn.connectToHost("10.1.0.1", 9000, { channels: 1 });
      assert.ok(await net.runUntil(() => count(c.col, EventType.CONNECT) === 1, 5000));
      const text = new TextEncoder().encode("abcabcabc ".repeat(300));
      const noise = new Uint8Array(3000).map((_, i) => (i * 2654435761) >>> 24);
      p.send(0, text, PacketFlags.RELIABLE);
      p.send(0, noise, PacketFlags.RELIABLE);
      p.send(0, new Uint8Array(0), PacketFlags.RELIABLE);
      assert.ok(await net.runUntil(() => count(sv, EventType.RECEIVE) === 3, 5000));
      const got = sv.events.filter((e) => e.type === EventType.RECEIVE).map((e) => e.packet!);
      assert.deepEqual(got, [text, noise, new Uint8Array(0)]);
      assert.deepEqual(server.getDropCounters().datagrams, 0);
      await teardown(net, [server, c.conn], [sv, c.col]);
    });
  }
});

describe("service() timing on a virtual clock", () => {
  test("service(timeoutMs) waits that long when nothing happens and returns NONE; async iteration ends at destroy()", async () => {
    const net = new MemoryNetwork({ seed: 30 });
    try {
      const conn = new ENetConnection({ runtime: net.createRuntime("10.2.0.1") });
      await conn.createHost({ maxPeers: 1 });
      const t0 = net.clock.now();
      const ev = await conn.service(250);
      assert.equal(ev.type, EventType.NONE);
      assert.equal(ev.peer, null);
      assert.equal(net.clock.now() - t0, 250);
      assert.equal(conn.poll().type, EventType.NONE);
      const col = collect(conn);
      await net.runFor(3000);
      assert.equal(col.events.length, 0);
      conn.destroy();
      await col.done;
      assert.throws(() => conn.poll(), (e: unknown) => e instanceof NetError && e.code === GodotError.ERR_UNCONFIGURED);
    } finally {
      net.close();
    }
  });
});

describe("ENetPacketPeer packet queue", () => {
  test("keeps at most 32 MiB for getPacket(), dropping (and counting) the oldest", async () => {
    const { PeerCore } = await import("../../src/enet/peer-core.ts");
    const { HostCore } = await import("../../src/enet/host-core.ts");
    const owner = { core: new HostCore({ peerCount: 1 }), drainTransmits: () => {}, wake: () => {} };
    const handle = new ENetPacketPeer(owner, new PeerCore(0, 1392), 0);
    const big = new Uint8Array(12 * 1024 * 1024);
    for (let i = 0; i < 4; i++) handle.queuePacket(big.subarray(i), i === 3 ? PacketFlags.UNSEQUENCED : PacketFlags.RELIABLE, i);
    assert.equal(handle.droppedQueuedPackets, 2);
    assert.equal(handle.getAvailablePacketCount(), 2);
    assert.equal(handle.getPacketChannel(), 2);
    assert.equal(handle.getPacketFlags(), PacketFlags.RELIABLE);
    assert.equal(handle.getPacket().length, big.length - 2);
    assert.equal(handle.getPacketFlags(), PacketFlags.UNSEQUENCED);
    assert.equal(handle.getPacket().length, big.length - 3);
    assert.equal(handle.getAvailablePacketCount(), 0);
  });
});
