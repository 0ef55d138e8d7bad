// packet_dropped: each time a drop counter grows, SceneMultiplayer says which (reason) and whose
// packet it was (id), where Godot prints an error: a mismatched RPC config or node path is
// otherwise visible only as a number in getDropCounters().
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import type { MultiplayerPeer } from "../../src/multiplayer/index.ts";
import type { SceneDropCounters, SceneMultiplayerEvent } from "../../src/scene/index.ts";
import { drive, settle, world } from "./support.ts";

describe("SceneMultiplayer packet_dropped", () => {
  for (const protocol of ["godot4", "godot3"] as const) {
    test(`${protocol}: one event per counted drop, naming the counter and the sender; the counters agree`, async () => {
      const w = await world(1, () => {}, 11, protocol);
      try {
        await drive(w, () => w.server.getPeers().length === 1 && w.clients[0]!.getPeers().includes(1), "connection");
        const server = w.server;
        const seen: { reason: keyof SceneDropCounters | null; id: number }[] = [];
        server.addEventListener("packet_dropped", (e) => seen.push({ reason: e.reason, id: e.id }));
        const game = server.node("Game");
        if (protocol === "godot4") game.rpcConfig("open", { rpcMode: "any_peer" }).rpcConfig("admin", { rpcMode: "authority" });
        else game.rpcConfig("open", { rpcMode: "remote" }).rpcConfig("admin", { rpcMode: "master" });
        let opened = 0;
        game.on("open", () => opened++);
        game.on("admin", () => {});
        const raw = w.clients[0]!.multiplayerPeer as MultiplayerPeer;
        const clientId = raw.getUniqueId();
        const send = (bytes: number[]): void => {
          raw.setTargetPeer(1);
          raw.putPacket(Uint8Array.from(bytes));
        };
        // Godot 4: an RPC on a cache id never registered, then one shorter than its header. Godot 3:
        // a command byte it does not define, then a SIMPLIFY_PATH too short.
        if (protocol === "godot4") {
          send([0x00, 99, 0, 0]);
          send([0x00]);
        } else {
          send([0x40, 99, 0, 0, 0, 0, 0, 0, 0]);
          send([1, 2, 3]);
        }
        // A call the config allows still runs, with no event.
        const client = w.clients[0]!;
        client.node("Game").rpcConfig("open", { rpcMode: protocol === "godot4" ? "any_peer" : "remote" }).rpcConfig("admin", { rpcMode: protocol === "godot4" ? "authority" : "master" });
        client.node("Game").rpcId(1, "open");
        await drive(w, () => opened === 1 && seen.length >= 2, "the allowed call and two drops");
        await settle(w, 50);
        assert.equal(opened, 1);
        assert.ok(seen.length >= 2, `events: ${JSON.stringify(seen)}`);
        assert.ok(seen.every((e) => e.id === clientId), `every dropped packet was the client's (${clientId}): ${JSON.stringify(seen)}`);
        const counted = server.getDropCounters();
        const byReason = new Map<string, number>();
        for (const e of seen) byReason.set(e.reason!, (byReason.get(e.reason!) ?? 0) + 1);
        for (const [reason, n] of Object.entries(counted)) assert.equal(byReason.get(reason) ?? 0, n, `${reason}: ${n} counted, ${byReason.get(reason) ?? 0} events`);
        if (protocol === "godot4") assert.deepEqual([counted.unknownNode, counted.malformed], [1, 1], "the unknown cache id, the short packet");
        else assert.deepEqual([counted.badCommand, counted.malformed], [1, 1], "the unknown command byte, the short SIMPLIFY_PATH");
      } finally {
        w.net.close();
      }
    });
  }

  test("without a listener nothing is dispatched (a flood costs no events); the counters still count", async () => {
    const w = await world(1);
    try {
      await drive(w, () => w.server.getPeers().length === 1 && w.clients[0]!.getPeers().includes(1), "connection");
      let dispatched = 0;
      const original = w.server.dispatchEvent.bind(w.server);
      w.server.dispatchEvent = (e: Event): boolean => {
        if (e.type === "packet_dropped") dispatched++;
        return original(e);
      };
      const raw = w.clients[0]!.multiplayerPeer as MultiplayerPeer;
      raw.setTargetPeer(1);
      for (let i = 0; i < 20; i++) raw.putPacket(Uint8Array.from([0x00]));
      await drive(w, () => w.server.getDropCounters().malformed === 20, "20 drops");
      assert.equal(dispatched, 0);
      const seen: SceneMultiplayerEvent[] = [];
      w.server.addEventListener("packet_dropped", (e) => seen.push(e));
      raw.putPacket(Uint8Array.from([0x00]));
      await drive(w, () => seen.length === 1, "the event once listened to");
      assert.equal(dispatched, 1);
      assert.equal(seen[0]!.reason, "malformed");
    } finally {
      w.net.close();
    }
  });
});
