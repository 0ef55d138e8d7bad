// Received packets are also queued on the ENetPacketPeer for getPacket() (Godot parity).
// A program that only reads events never drains that queue, so it must stay bounded
// in packets as well as bytes: a flood of empty packets is the worst case.
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { ENetConnection, EventType, PacketFlags } from "../../src/enet/index.ts";
import { PEER_PACKET_QUEUE_LIMIT_PACKETS } from "../../src/enet/packet-peer.ts";
import { MemoryNetwork } from "../../src/transport/memory.ts";
import { collect } from "./collect.ts";

describe("ENetPacketPeer receive queue", () => {
  test("70,000 empty packets never read with getPacket(): the queue keeps the newest 65,536 and counts the rest", async () => {
    const net = new MemoryNetwork({ seed: 11, defaultLink: { latencyMs: 2 } });
    try {
      const server = new ENetConnection({ runtime: net.createRuntime("10.0.0.1") });
      await server.createHostBound("10.0.0.1", 7777, { maxPeers: 2, maxChannels: 1 });
      const client = new ENetConnection({ runtime: net.createRuntime("10.0.0.2") });
      await client.createHost({ maxPeers: 1, maxChannels: 1 });
      let received = 0;
      const sv = collect(server, (e) => {
        if (e.type === EventType.RECEIVE) received++;
      });
      const cl = collect(client);
      const peer = await client.connectToHost("10.0.0.1", 7777, { channels: 1 });
      assert.ok(await net.runUntil(() => sv.events.length >= 1, 5000));
      const total = 70_000;
      for (let sent = 0; sent < total; ) {
        for (let i = 0; i < 1000; i++, sent++) peer.send(0, new Uint8Array(0), PacketFlags.UNSEQUENCED);
        await net.runUntil(() => received >= sent, 5000);
      }
      assert.equal(received, total);
      const serverPeer = sv.events[0]!.peer!;
      assert.equal(serverPeer.getAvailablePacketCount(), PEER_PACKET_QUEUE_LIMIT_PACKETS);
      assert.equal(serverPeer.droppedQueuedPackets, total - PEER_PACKET_QUEUE_LIMIT_PACKETS);
      server.destroy();
      client.destroy();
      await Promise.all([sv.done, cl.done]);
    } finally {
      net.close();
    }
  });
});
