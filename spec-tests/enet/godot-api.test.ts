// Godot 4 API fidelity of ENetConnection / ENetPacketPeer (issue 14): Godot's enum and constant
// names, the service() array, positional arguments, EVENT_ERROR, and the class-reference members.
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { CompressionMode, ENetConnection, ENetPacketPeer, EventType, GodotError, HostStatistic, PacketFlags, PeerState, PeerStatistic } from "../../src/index.ts";
import { MemoryNetwork } from "../../src/transport/memory.ts";
import type { DatagramTransport, RuntimeAdapter } from "../../src/transport/types.ts";
import { checkMembers, type GodotClassMembers } from "../tcp/godot-members.ts";
import { collect } from "./collect.ts";

// Godot 4.6 class reference (modules/enet/doc_classes/ENetConnection.xml, ENetPacketPeer.xml).
const ENET_CONNECTION: GodotClassMembers = {
  methods: [
    "bandwidth_limit", "broadcast", "channel_limit", "compress", "connect_to_host", "create_host", "create_host_bound", "destroy",
    "dtls_client_setup", "dtls_server_setup", "flush", "get_local_port", "get_max_channels", "get_peers", "pop_statistic",
    "refuse_new_connections", "service", "socket_send",
  ],
  constants: [
    "COMPRESS_NONE", "COMPRESS_RANGE_CODER", "COMPRESS_FASTLZ", "COMPRESS_ZLIB", "COMPRESS_ZSTD",
    "EVENT_ERROR", "EVENT_NONE", "EVENT_CONNECT", "EVENT_DISCONNECT", "EVENT_RECEIVE",
    "HOST_TOTAL_SENT_DATA", "HOST_TOTAL_SENT_PACKETS", "HOST_TOTAL_RECEIVED_DATA", "HOST_TOTAL_RECEIVED_PACKETS",
  ],
};
const ENET_PACKET_PEER: GodotClassMembers = {
  methods: [
    "get_channels", "get_remote_address", "get_remote_port", "get_state", "get_statistic", "is_active", "peer_disconnect",
    "peer_disconnect_later", "peer_disconnect_now", "ping", "ping_interval", "reset", "send", "set_timeout", "throttle_configure",
    // PacketPeer
    "get_available_packet_count", "get_packet", "get_packet_error", "put_packet", "get_var", "put_var", "get_encode_buffer_max_size", "set_encode_buffer_max_size",
  ],
  properties: ["encode_buffer_max_size"],
  constants: [
    "STATE_DISCONNECTED", "STATE_CONNECTING", "STATE_ACKNOWLEDGING_CONNECT", "STATE_CONNECTION_PENDING", "STATE_CONNECTION_SUCCEEDED",
    "STATE_CONNECTED", "STATE_DISCONNECT_LATER", "STATE_DISCONNECTING", "STATE_ACKNOWLEDGING_DISCONNECT", "STATE_ZOMBIE",
    "PEER_PACKET_LOSS", "PEER_PACKET_LOSS_VARIANCE", "PEER_PACKET_LOSS_EPOCH", "PEER_ROUND_TRIP_TIME", "PEER_ROUND_TRIP_TIME_VARIANCE",
    "PEER_LAST_ROUND_TRIP_TIME", "PEER_LAST_ROUND_TRIP_TIME_VARIANCE", "PEER_PACKET_THROTTLE", "PEER_PACKET_THROTTLE_LIMIT",
    "PEER_PACKET_THROTTLE_COUNTER", "PEER_PACKET_THROTTLE_EPOCH", "PEER_PACKET_THROTTLE_ACCELERATION", "PEER_PACKET_THROTTLE_DECELERATION",
    "PEER_PACKET_THROTTLE_INTERVAL", "PACKET_LOSS_SCALE", "PACKET_THROTTLE_SCALE", "FLAG_RELIABLE", "FLAG_UNSEQUENCED", "FLAG_UNRELIABLE_FRAGMENT",
  ],
};

describe("ENet: Godot 4 names and shapes", () => {
  test("every ENetConnection / ENetPacketPeer member of the class reference is present", async () => {
    const net = new MemoryNetwork({ seed: 1 });
    const server = new ENetConnection({ runtime: net.createRuntime("10.2.0.1") });
    await server.createHostBound("10.2.0.1", 7000, 2);
    const client = new ENetConnection({ runtime: net.createRuntime("10.2.0.2") });
    await client.createHost(1);
    const peer = await client.connectToHost("10.2.0.1", 7000);
    const rows = [
      ...checkMembers("ENetConnection", ENetConnection, client, ENET_CONNECTION),
      ...checkMembers("ENetPacketPeer", ENetPacketPeer, peer, ENET_PACKET_PEER),
    ];
    if (process.env.PACKETPEER_CONFORMANCE) console.log(rows.join("\n"));
    client.destroy();
    server.destroy();
  });

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
    let failing = false;
    const runtime: RuntimeAdapter = {
      ...inner,
      createDatagramTransport(): DatagramTransport {
        const t = inner.createDatagramTransport();
        return {
          bind: (a, p) => t.bind(a, p),
          send: (d, a, p) => {
            if (failing) throw new Error("simulated socket failure");
            t.send(d, a, p);
          },
          onDatagram: (cb) => t.onDatagram(cb),
          close: () => t.close(),
        };
      },
    };
    const client = new ENetConnection({ runtime });
    await client.createHost(1);
    failing = true;
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
});
