import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { ENetConnection, EventType, GodotError, PacketFlags, PeerState } from "../../src/index.ts";
import { MemoryNetwork } from "../../src/transport/memory.ts";
import { collect } from "./collect.ts";

describe("ENetPacketPeer after its peer disconnected", () => {
  test("packets that arrived before the DISCONNECT stay readable with getPacket(), in order, once; send refuses", async () => {
    const net = new MemoryNetwork({ seed: 31, defaultLink: { latencyMs: 10 } });
    const server = new ENetConnection({ runtime: net.createRuntime("10.2.0.1") });
    await server.createHostBound("*", 9000, { maxPeers: 2 });
    const client = new ENetConnection({ runtime: net.createRuntime("10.2.0.2") });
    await client.createHost({ maxPeers: 1 });
    const sv = collect(server);
    const cl = collect(client);
    try {
      const toServer = await client.connectToHost("10.2.0.1", 9000, { channels: 2 });
      assert.ok(await net.runUntil(() => sv.events.some((e) => e.type === EventType.CONNECT), 5000), "connected");
      const handle = sv.events.find((e) => e.type === EventType.CONNECT)!.peer!;
      const sent = [1, 2, 3].map((n) => new Uint8Array(50 * n).fill(n));
      sent.forEach((p, i) => toServer.send(i % 2, p, PacketFlags.RELIABLE));
      toServer.peerDisconnectLater(9);
      assert.ok(await net.runUntil(() => sv.events.some((e) => e.type === EventType.DISCONNECT), 5000), "disconnected");
      // The collector saw every event and took none of the packets from the handle.
      assert.deepEqual(
        sv.events.map((e) => e.type),
        [EventType.CONNECT, EventType.RECEIVE, EventType.RECEIVE, EventType.RECEIVE, EventType.DISCONNECT],
      );
      assert.equal(sv.events.at(-1)!.data, 9);
      assert.equal(handle.isActive(), false);
      assert.equal(handle.getState(), PeerState.STATE_DISCONNECTED);
      assert.equal(handle.getAvailablePacketCount(), 3);
      for (const [i, p] of sent.entries()) {
        assert.equal(handle.getPacketChannel(), i % 2);
        assert.equal(handle.getPacketFlags() & PacketFlags.RELIABLE, PacketFlags.RELIABLE);
        assert.deepEqual(handle.getPacket(), p);
        assert.equal(handle.getPacketError(), GodotError.OK);
      }
      assert.equal(handle.getAvailablePacketCount(), 0);
      assert.equal(handle.getPacket().length, 0);
      assert.equal(handle.getPacketError(), GodotError.ERR_UNAVAILABLE);
      assert.equal(handle.send(0, new Uint8Array(1), PacketFlags.RELIABLE), GodotError.ERR_UNCONFIGURED);
    } finally {
      client.destroy();
      server.destroy();
      await Promise.all([sv.done, cl.done]);
      net.close();
    }
  });
});
