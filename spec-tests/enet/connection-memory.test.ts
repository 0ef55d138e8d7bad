import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { ENetConnection, EventType, PacketFlags, PeerState } from "../../src/enet/index.ts";
import { MemoryNetwork } from "../../src/transport/memory.ts";
import { GodotError, NetError } from "../../src/errors.ts";
import { collect } from "./collect.ts";

async function pair(net: MemoryNetwork, channels = 4) {
  const server = new ENetConnection({ runtime: net.createRuntime("10.0.0.1") });
  await server.createHostBound("10.0.0.1", 7777, { maxPeers: 8, maxChannels: channels });
  const client = new ENetConnection({ runtime: net.createRuntime("10.0.0.2") });
  await client.createHost({ maxPeers: 1, maxChannels: channels });
  return { server, client };
}

describe("ENetConnection over the memory network", () => {
  test("connect, reliable send both ways, disconnect with data", async () => {
    const net = new MemoryNetwork({ seed: 3, defaultLink: { latencyMs: 5 } });
    try {
      const { server, client } = await pair(net);
      const sv = collect(server);
      const cl = collect(client);
      const peer = await client.connectToHost("10.0.0.1", 7777, { channels: 4, data: 42 });
      assert.equal(peer.getState(), PeerState.STATE_CONNECTING);
      assert.ok(await net.runUntil(() => cl.events.length >= 1 && sv.events.length >= 1, 5000));
      assert.equal(cl.events[0]!.type, EventType.CONNECT);
      assert.equal(cl.events[0]!.peer, peer);
      const s1 = sv.events[0]!;
      assert.equal(s1.type, EventType.CONNECT);
      assert.equal(s1.data, 42);
      assert.equal(s1.peer!.getRemoteAddress(), "10.0.0.2");
      assert.equal(s1.peer!.getChannels(), 4);
      assert.equal(peer.getState(), PeerState.STATE_CONNECTED);

      peer.send(2, new TextEncoder().encode("hello"), PacketFlags.RELIABLE);
      assert.ok(await net.runUntil(() => sv.events.length >= 2, 5000));
      const s2 = sv.events[1]!;
      assert.equal(s2.type, EventType.RECEIVE);
      assert.equal(s2.channel, 2);
      assert.equal(new TextDecoder().decode(s2.packet), "hello");
      assert.equal(s2.peer, s1.peer);
      assert.equal(s2.peer!.getAvailablePacketCount(), 1);
      assert.equal(s2.peer!.getPacketFlags(), PacketFlags.RELIABLE);
      assert.equal(new TextDecoder().decode(s2.peer!.getPacket()), "hello");
      assert.throws(() => s2.peer!.getPacket(), (e: unknown) => e instanceof NetError && e.code === GodotError.ERR_UNAVAILABLE);

      s2.peer!.putPacket(new Uint8Array([1, 2, 3]));
      assert.ok(await net.runUntil(() => cl.events.length >= 2, 5000));
      assert.equal(cl.events[1]!.type, EventType.RECEIVE);
      assert.deepEqual([...cl.events[1]!.packet!], [1, 2, 3]);

      peer.peerDisconnect(99);
      assert.ok(await net.runUntil(() => cl.events.length >= 3 && sv.events.length >= 3, 5000));
      assert.equal(sv.events[2]!.type, EventType.DISCONNECT);
      assert.equal(sv.events[2]!.data, 99);
      assert.equal(cl.events[2]!.type, EventType.DISCONNECT);
      assert.equal(peer.isActive(), false);
      server.destroy();
      client.destroy();
      await Promise.all([sv.done, cl.done]);
    } finally {
      net.close();
    }
  });

  test("argument checks and DTLS", async () => {
    const net = new MemoryNetwork({ seed: 1 });
    try {
      const c = new ENetConnection({ runtime: net.createRuntime("10.0.0.3") });
      await assert.rejects(c.service(0), (e: unknown) => e instanceof NetError && e.code === GodotError.ERR_UNCONFIGURED);
      await assert.rejects(c.createHost({ maxPeers: 0 }), RangeError);
      await assert.rejects(c.createHost({ maxPeers: 4096 }), RangeError);
      await assert.rejects(c.createHost({ maxChannels: 256 }), RangeError);
      await assert.rejects(c.createHost({ inBandwidth: -1 }), RangeError);
      await c.createHost();
      await assert.rejects(c.createHost(), (e: unknown) => e instanceof NetError && e.code === GodotError.ERR_ALREADY_IN_USE);
      await assert.rejects(c.connectToHost("10.0.0.1", 0), RangeError);
      await assert.rejects(c.connectToHost("10.0.0.1", 1, { channels: 256 }), RangeError);
      await assert.rejects(c.dtlsClientSetup("x"), (e: unknown) => e instanceof NetError && e.code === GodotError.ERR_UNAVAILABLE && /DTLS is not implemented/.test(e.message));
      await assert.rejects(c.dtlsServerSetup(), (e: unknown) => e instanceof NetError && e.code === GodotError.ERR_UNAVAILABLE);
      assert.equal(c.getMaxChannels(), 255);
      c.destroy();
    } finally {
      net.close();
    }
  });
});
