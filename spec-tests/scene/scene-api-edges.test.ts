/**
 * SceneMultiplayer's public behaviour where a program ported from GDScript would notice a
 * difference from Godot 4.6 (modules/multiplayer/scene_multiplayer.cpp, scene_rpc_interface.cpp):
 * what poll() reads after a handler replaced the multiplayer peer, and the signals and return
 * codes around it. TS server and clients on the simulated network.
 */
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { GodotError, NetError } from "../../src/errors.ts";
import { OfflineMultiplayerPeer } from "../../src/multiplayer/index.ts";
import { SceneMultiplayer } from "../../src/scene/index.ts";
import { drive, world } from "./support.ts";

describe("SceneMultiplayer API edges (Godot 4.6 parity)", () => {
  test("a handler that sets multiplayerPeer mid-poll: the loop reads the new peer, the old one keeps its unread packets (Godot's poll reads multiplayer_peer afresh)", async () => {
    const w = await world(1);
    try {
      const [client] = w.clients;
      const calls: number[] = [];
      for (const mp of w.all) {
        mp.node("Game").rpcConfig("leave", {}).on("leave", (n) => {
          calls.push(n as number);
          // A "back to the menu" RPC: the game drops the session for an offline one.
          if (n === 1) mp.multiplayerPeer = new OfflineMultiplayerPeer();
        });
      }
      await drive(w, () => client!.getPeers().includes(1), "connection");
      const old = client!.multiplayerPeer!;
      assert.equal(w.server.node("Game").rpc("leave", 1), 0);
      assert.equal(w.server.node("Game").rpc("leave", 2), 0);
      await w.net.runFor(20);
      old.poll();
      assert.equal(old.getAvailablePacketCount(), 3, "the path announcement and both calls wait in the peer");
      assert.equal(client!.poll(), 0);
      assert.deepEqual(calls, [1]);
      assert.ok(client!.multiplayerPeer instanceof OfflineMultiplayerPeer);
      assert.equal(old.getAvailablePacketCount(), 1, "the second call is left in the old peer, not read into the new session");
      assert.equal(client!.getDropCounters().unauthenticated, 0);
      assert.equal(client!.getUniqueId(), 1);
      assert.deepEqual(client!.getPeers(), []);
    } finally {
      w.net.close();
    }
  });

  test("refuseNewConnections is the peer's (Godot's set/is_refusing_new_connections pass through): it stays with a replaced peer; with none it reads false and setting it throws", () => {
    const mp = new SceneMultiplayer();
    const first = mp.multiplayerPeer!;
    assert.equal(mp.refuseNewConnections, false);
    mp.refuseNewConnections = true;
    assert.equal(first.refuseNewConnections, true);
    assert.equal(mp.isRefusingNewConnections(), true);
    mp.multiplayerPeer = new OfflineMultiplayerPeer();
    assert.equal(mp.refuseNewConnections, false, "the new peer's");
    assert.equal(first.refuseNewConnections, true);
    mp.multiplayerPeer = null;
    assert.equal(mp.refuseNewConnections, false, "as Godot's getter without a peer");
    assert.throws(() => (mp.refuseNewConnections = true), (e: unknown) => e instanceof NetError && e.code === GodotError.ERR_UNCONFIGURED);
  });

  test("the local run of a callLocal method happens inside rpc(): its handler's exception reaches the caller after the send, and getRemoteSenderId() is back to 0", async () => {
    const w = await world(1);
    try {
      const [client] = w.clients;
      const got: number[] = [];
      for (const mp of w.all) {
        mp.node("Game").rpcConfig("boom", { rpcMode: "any_peer", callLocal: true }).on("boom", () => {
          got.push(mp.getRemoteSenderId());
          if (mp === w.server) throw new Error("local handler failed");
        });
      }
      await drive(w, () => client!.getPeers().includes(1), "connection");
      assert.throws(() => w.server.node("Game").rpc("boom"), /local handler failed/);
      assert.deepEqual(got, [1]);
      assert.equal(w.server.getRemoteSenderId(), 0);
      await drive(w, () => got.length === 2, "the call sent before the local run");
      assert.deepEqual(got, [1, 1]);
      assert.equal(w.server.getDropCounters().handlerErrors, 0, "not a network handler error");
    } finally {
      w.net.close();
    }
  });
});
