// putVar/getVar on the real packet peers (ENetPacketPeer, the MultiplayerPeers), on the
// simulated network: one Variant per packet, the bytes varToBytes gives, Godot 3
// Variants in a "godot3" multiplayer session, encodeBufferMaxSize enforced.
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { ENetConnection, EventType } from "../../src/enet/index.ts";
import { GodotError } from "../../src/errors.ts";
import { ENetMultiplayerPeer, type MultiplayerPeer } from "../../src/multiplayer/index.ts";
import { MemoryNetwork } from "../../src/transport/memory.ts";
import { StringName, Vector2, Vector3, varToBytes, type VariantProtocol } from "../../src/variant/index.ts";
import type { PacketPeer } from "../../src/core/packet-peer.ts";
import { collect } from "../enet/collect.ts";
import { drive } from "../multiplayer/support.ts";
import { hex } from "./support.ts";

const VALUE = { pos: new Vector3(1, 2, 3), name: "p1", hits: [1, 2.5, null] };

describe("putVar / getVar on packet peers", () => {
  test("ENetPacketPeer: one reliable packet holding varToBytes(value); getVar decodes it; ERR_OUT_OF_MEMORY above encodeBufferMaxSize", async () => {
    const net = new MemoryNetwork({ seed: 5, defaultLink: { latencyMs: 5 } });
    try {
      const server = new ENetConnection({ runtime: net.createRuntime("10.0.0.1") });
      await server.createHostBound("10.0.0.1", 7777, { maxPeers: 2, maxChannels: 2 });
      const client = new ENetConnection({ runtime: net.createRuntime("10.0.0.2") });
      await client.createHost({ maxPeers: 1, maxChannels: 2 });
      const sv = collect(server);
      const cl = collect(client);
      const peer = await client.connectToHost("10.0.0.1", 7777, { channels: 2 });
      assert.ok(await net.runUntil(() => cl.events.length >= 1 && sv.events.length >= 1, 5000));
      assert.equal(peer.putVar(VALUE), GodotError.OK);
      peer.encodeBufferMaxSize = 1024;
      assert.equal(peer.putVar(new Uint8Array(1100)), GodotError.ERR_OUT_OF_MEMORY);
      assert.ok(await net.runUntil(() => sv.events.some((e) => e.type === EventType.RECEIVE), 5000));
      await net.runFor(50);
      const remote = sv.events[0]!.peer!;
      assert.equal(remote.getAvailablePacketCount(), 1, "the oversized value was not sent");
      assert.equal(hex(sv.events.find((e) => e.type === EventType.RECEIVE)!.packet!), hex(varToBytes(VALUE)));
      assert.deepEqual(remote.getVar(), VALUE);
      assert.equal(remote.getVar(), null, "nothing queued");
      server.destroy();
      client.destroy();
      await Promise.all([sv.done, cl.done]);
    } finally {
      net.close();
    }
  });

  for (const protocol of ["godot4", "godot3"] as const satisfies readonly VariantProtocol[]) {
    test(`ENetMultiplayerPeer (${protocol}): putVar/getVar speak the session's Variant format`, async () => {
      const net = new MemoryNetwork({ seed: 9, defaultLink: { latencyMs: 3 } });
      const server = new ENetMultiplayerPeer({ runtime: net.createRuntime("10.0.0.1") });
      const client = new ENetMultiplayerPeer({ runtime: net.createRuntime("10.0.0.11") });
      try {
        await server.createServer(7777, 4, 0, 0, 0, { protocol });
        await client.createClient("10.0.0.1", 7777, 0, 0, 0, 0, { protocol });
        const peers: MultiplayerPeer[] = [server, client];
        await drive(net, peers, () => client.getConnectionStatus() === 2, "connected");
        const generic: PacketPeer = client; // the interface every packet peer implements
        const value = protocol === "godot3" ? { at: new Vector2(1, 2), tags: ["a"] } : { at: new Vector2(1, 2), name: new StringName("n") };
        assert.equal(generic.putVar(value), GodotError.OK);
        await drive(net, peers, () => server.getAvailablePacketCount() > 0, "the packet");
        const raw = varToBytes(value, { protocol });
        assert.equal(hex(server.getPacket()), hex(raw));
        assert.equal(client.putVar(value), GodotError.OK);
        await drive(net, peers, () => server.getAvailablePacketCount() > 0, "the second packet");
        assert.deepEqual(server.getVar(), value);
      } finally {
        client.close();
        server.close();
        net.close();
      }
    });
  }
});
