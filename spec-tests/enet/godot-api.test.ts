// Godot 4 API fidelity of ENetConnection / ENetPacketPeer (issue 14): Godot's enum and constant
// names, the service() array, positional arguments, EVENT_ERROR (members: spec-tests/conformance).
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { CompressionMode, ENetConnection, ENetPacketPeer, EventType, GodotError, HostStatistic, PacketFlags, PeerState, PeerStatistic } from "../../src/index.ts";
import { MemoryNetwork } from "../../src/transport/memory.ts";
import { failingSends } from "../support/failing-sends.ts";
import { collect } from "./collect.ts";

describe("ENet: Godot 4 names and shapes", () => {
  test("enums carry Godot's exact names and values; the short names are aliases; class statics match", () => {
    assert.equal(EventType.EVENT_ERROR, -1);
    assert.equal(EventType.EVENT_RECEIVE, 3);
    assert.equal(EventType.RECEIVE, EventType.EVENT_RECEIVE);
    assert.equal(EventType[3], "EVENT_RECEIVE", "reverse lookup gives Godot's name");
    assert.equal(CompressionMode.COMPRESS_ZSTD, 4);
    assert.equal(CompressionMode.ZSTD, CompressionMode.COMPRESS_ZSTD);
    assert.equal(CompressionMode[1], "COMPRESS_RANGE_CODER");
    assert.equal(PacketFlags.FLAG_UNRELIABLE_FRAGMENT, 8);
    assert.equal(ENetConnection.EVENT_RECEIVE, 3);
    assert.equal(ENetConnection.EVENT_ERROR, -1);
    assert.equal(ENetConnection.COMPRESS_ZSTD, 4);
    assert.equal(ENetConnection.COMPRESS_FASTLZ, 2);
    assert.equal(ENetConnection.HOST_TOTAL_RECEIVED_PACKETS, HostStatistic.HOST_TOTAL_RECEIVED_PACKETS);
    assert.equal(ENetPacketPeer.STATE_CONNECTED, PeerState.STATE_CONNECTED);
    assert.equal(ENetPacketPeer.STATE_ZOMBIE, 9);
    assert.equal(ENetPacketPeer.PEER_PACKET_THROTTLE_INTERVAL, PeerStatistic.PEER_PACKET_THROTTLE_INTERVAL);
    assert.equal(ENetPacketPeer.FLAG_RELIABLE, 1);
    assert.equal(ENetPacketPeer.PACKET_LOSS_SCALE, 65536);
    assert.equal(ENetPacketPeer.PACKET_THROTTLE_SCALE, 32);
  });

  test("positional createHost / createHostBound / connectToHost, and service()'s [type, peer, data, channel]", async () => {
    const net = new MemoryNetwork({ seed: 2, defaultLink: { latencyMs: 5 } });
    const server = new ENetConnection({ runtime: net.createRuntime("10.2.0.1") });
    await server.createHostBound("10.2.0.1", 7001, 3, 2, 0, 0); // maxPeers 3, maxChannels 2
    const client = new ENetConnection({ runtime: net.createRuntime("10.2.0.2") });
    await client.createHost(1, 4, 0, 0);
    assert.equal(server.getMaxChannels(), 2, "maxChannels came from the positional argument");
    assert.equal(client.core.peers.length, 1, "maxPeers came from the positional argument");
    const peer = await client.connectToHost("10.2.0.1", 7001, 2, 77); // channels 2, data 77
    const sv = collect(server);
    const cl = collect(client);
    assert.ok(await net.runUntil(() => sv.events.length >= 1 && cl.events.length >= 1, 5000));
    const ev = sv.events[0]!;
    // GDScript: var ev = conn.service(); ev[0] == ENetConnection.EVENT_CONNECT; ev[2] is the data.
    const [type, from, data, channel] = ev;
    assert.equal(type, ENetConnection.EVENT_CONNECT);
    assert.equal(data, 77);
    assert.equal(channel, 0);
    assert.ok(from instanceof ENetPacketPeer);
    assert.equal(ev[0], ev.type);
    assert.equal(ev[1], ev.peer);
    assert.equal(ev.length, 4, "the array form has Godot's four elements");
    assert.equal(peer.getChannels(), 2);
    // Mixing both forms is a programmer error.
    const other = new ENetConnection({ runtime: net.createRuntime("10.2.0.3") });
    await assert.rejects(other.createHost({ maxPeers: 1 } as never, 2), TypeError);
    await assert.rejects(other.createHost(0), RangeError, "maxPeers must be 1..4095 positionally too");
    client.destroy();
    server.destroy();
    await Promise.all([sv.done, cl.done]);
  });

  test("EVENT_ERROR when the socket fails to send; iteration ends after it", async () => {
    const net = new MemoryNetwork({ seed: 3 });
    const inner = net.createRuntime("10.2.0.2");
    const { runtime, fail } = failingSends(inner);
    const client = new ENetConnection({ runtime });
    await client.createHost(1);
    fail(true);
    await client.connectToHost("10.2.0.1", 7002); // its CONNECT cannot leave
    const [type, peer] = client.poll();
    assert.equal(type, EventType.EVENT_ERROR);
    assert.equal(peer, null);
    assert.equal(client.sendErrors, 1);
    assert.equal(client.poll().type, EventType.EVENT_NONE, "reported once per failure");
    const seen: EventType[] = [];
    for await (const e of client) seen.push(e.type); // the retransmission fails again, then the loop ends
    assert.deepEqual(seen, [EventType.EVENT_ERROR]);
    client.destroy();
  });

  test("send and putPacket return GodotError; getPacket on an empty queue returns an empty array and sets getPacketError", async () => {
    const net = new MemoryNetwork({ seed: 4, defaultLink: { latencyMs: 5 } });
    const server = new ENetConnection({ runtime: net.createRuntime("10.2.0.1") });
    await server.createHostBound("10.2.0.1", 7003, 2);
    const client = new ENetConnection({ runtime: net.createRuntime("10.2.0.2") });
    await client.createHost(1);
    const peer = await client.connectToHost("10.2.0.1", 7003, 1);
    assert.equal(peer.send(0, new Uint8Array(3), ENetPacketPeer.FLAG_RELIABLE), GodotError.FAILED, "not connected yet: enet_peer_send fails, Godot returns FAILED");
    assert.equal(peer.getPacket().length, 0);
    assert.equal(peer.getPacketError(), GodotError.ERR_UNAVAILABLE);
    client.destroy();
    server.destroy();
  });

  test("getPeers() lists a peer from connectToHost or its CONNECT event, not an incoming handshake the host has not reported (Godot's peer list)", async () => {
    const net = new MemoryNetwork({ seed: 6, defaultLink: { latencyMs: 5 } });
    const server = new ENetConnection({ runtime: net.createRuntime("10.2.0.1") });
    await server.createHostBound("10.2.0.1", 7005, 2);
    const client = new ENetConnection({ runtime: net.createRuntime("10.2.0.2") });
    await client.createHost(1);
    try {
      const peer = await client.connectToHost("10.2.0.1", 7005);
      assert.ok(client.getPeers().length === 1 && client.getPeers()[0] === peer, "an outgoing peer is listed at once, still connecting");
      client.poll(); // sends the CONNECT
      await net.runFor(10);
      assert.equal(server.poll().type, EventType.EVENT_NONE); // it answers with VERIFY_CONNECT
      assert.deepEqual(server.core.peers.map((p) => p.state).filter((st) => st !== PeerState.STATE_DISCONNECTED), [PeerState.STATE_ACKNOWLEDGING_CONNECT]);
      assert.equal(server.getPeers().length, 0, "a handshake without a CONNECT event is not listed");
      // The server may still make its own outgoing connection: its peer list is empty.
      const other = new ENetConnection({ runtime: net.createRuntime("10.2.0.3") });
      await other.createHostBound("10.2.0.3", 7006, 1);
      const out = await server.connectToHost("10.2.0.3", 7006);
      assert.ok(server.getPeers().length === 1 && server.getPeers()[0] === out);
      out.reset();
      other.destroy();
      let connect: ENetPacketPeer | null = null;
      for (let i = 0; i < 100 && connect === null; i++) {
        client.poll();
        const ev = server.poll();
        if (ev.type === EventType.EVENT_CONNECT) connect = ev.peer;
        else await net.runFor(5);
      }
      assert.ok(connect !== null && server.getPeers().length === 1 && server.getPeers()[0] === connect);
    } finally {
      client.destroy();
      server.destroy();
      net.close();
    }
  });

  test("a peer whose disconnect the host has read but not reported yet (its channels freed): send returns FAILED on any channel, as enet_peer_send fails in Godot, not a RangeError", async () => {
    const net = new MemoryNetwork({ seed: 5, defaultLink: { latencyMs: 5 } });
    const server = new ENetConnection({ runtime: net.createRuntime("10.2.0.1") });
    await server.createHostBound("10.2.0.1", 7004, 2, 2);
    const client = new ENetConnection({ runtime: net.createRuntime("10.2.0.2") });
    await client.createHost(1, 2);
    const peer = await client.connectToHost("10.2.0.1", 7004, 2);
    const sv = collect(server);
    try {
      const clientEvents: EventType[] = [];
      const pollClient = (): void => {
        for (let e = client.poll(); e.type !== EventType.EVENT_NONE; e = client.poll()) clientEvents.push(e.type);
      };
      assert.ok(await net.runUntil(() => (pollClient(), sv.events.length >= 1 && peer.getState() === PeerState.STATE_CONNECTED), 5000));
      assert.equal(peer.send(1, new Uint8Array(3), PacketFlags.RELIABLE), GodotError.OK);
      sv.events[0]!.peer!.peerDisconnect(7);
      await net.runFor(50); // the DISCONNECT reaches the client's socket; the client is not polled
      client.takeReceived(); // the host reads it: ENet resets the peer's queues and channels
      assert.equal(peer.getState(), PeerState.STATE_ACKNOWLEDGING_DISCONNECT, "enet_protocol_handle_disconnect on a connected peer, the command asking for an acknowledgement");
      assert.equal(peer.isActive(), true);
      assert.equal(peer.getChannels(), 0);
      assert.equal(peer.send(0, new Uint8Array(3), PacketFlags.RELIABLE), GodotError.FAILED);
      assert.equal(peer.send(1, new Uint8Array(3), PacketFlags.RELIABLE), GodotError.FAILED);
      pollClient();
      assert.ok(clientEvents.includes(EventType.EVENT_DISCONNECT));
      assert.equal(peer.send(0, new Uint8Array(3), PacketFlags.RELIABLE), GodotError.ERR_UNCONFIGURED, "once the event is out the peer is no longer active");
    } finally {
      client.destroy();
      server.destroy();
      await sv.done;
      net.close();
    }
  });
});
