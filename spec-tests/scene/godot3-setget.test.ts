// SceneNode.setget, Godot 3's `setget` setter for rset (protocol "godot3", simulated network): a
// received rset runs the setter with the value (nothing stored unless it stores), under the
// sender's id; a local one (remotesync) runs it under our own id; a setter that throws on a
// received rset is counted and reported, on a local one it reaches the caller after the send.
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { Godot3RPCMode, SceneMultiplayerEvent } from "../../src/scene/index.ts";
import { GodotError } from "../../src/errors.ts";
import { drive, world } from "./support.ts";

describe("SceneNode.setget (Godot 3 rset setters, simulated network)", () => {
  test("received and local rsets run the setter; its exceptions are reported or thrown", async () => {
    const w = await world(1, () => {}, 7, "godot3");
    try {
      await drive(w, () => w.clients[0]!.getPeers().includes(1), "connection");
      const clientId = w.clients[0]!.getUniqueId();
      const [server, client] = [w.server, w.clients[0]!];
      const calls: string[] = [];
      const serverNode = server.node("/root/Game").rsetConfig("score", Godot3RPCMode.RPC_MODE_REMOTESYNC).rsetConfig("plain", Godot3RPCMode.RPC_MODE_REMOTE);
      serverNode.setget("score", function (value) {
        calls.push(`server setter ${String(value)} from ${server.getRemoteSenderId()}`);
        if (value === 13) throw new Error("unlucky");
        this.set("score", Number(value) * 10);
      });
      const clientNode = client.node("/root/Game").rsetConfig("score", Godot3RPCMode.RPC_MODE_REMOTESYNC).rsetConfig("plain", Godot3RPCMode.RPC_MODE_REMOTE);
      clientNode.setget("score", (value) => calls.push(`client setter ${String(value)} from ${client.getRemoteSenderId()}`));
      const errors: unknown[] = [];
      server.addEventListener("rpc_error", (e) => errors.push((e as SceneMultiplayerEvent).error));

      // From the client to everyone: its own setter runs locally (remotesync), then the server's on arrival.
      assert.equal(clientNode.rset("score", 4), GodotError.OK);
      await drive(w, () => calls.length === 2, "the server's setter");
      assert.deepEqual(calls.splice(0), [`client setter 4 from ${clientId}`, `server setter 4 from ${clientId}`]);
      assert.equal(serverNode.get("score"), 40, "the setter stored its own value");
      assert.equal(clientNode.get("score"), undefined, "a setter that stores nothing leaves the property alone");

      // A property without a setter is stored as before.
      clientNode.rsetId(1, "plain", "x");
      await drive(w, () => serverNode.get("plain") === "x", "the plain set");

      // A setter throwing on a received rset: counted, reported, the session goes on.
      clientNode.rsetId(1, "score", 13);
      await drive(w, () => errors.length === 1, "the reported setter error");
      assert.equal(server.getDropCounters().handlerErrors, 1);
      assert.equal(serverNode.get("score"), 40);
      assert.deepEqual(calls.splice(0), [`server setter 13 from ${clientId}`], "rsetId to one peer runs no setter here");

      // A local one (to everyone, remotesync): the set still goes out, then the exception reaches the caller.
      assert.throws(() => serverNode.rset("score", 13), /unlucky/);
      await drive(w, () => calls.length === 2, "the client's setter");
      assert.deepEqual(calls.splice(0), ["server setter 13 from 1", "client setter 13 from 1"]);

      // null removes the setter; a bad setter is refused.
      serverNode.setget("score", null);
      clientNode.rsetId(1, "score", 5);
      await drive(w, () => serverNode.get("score") === 5, "the stored value");
      assert.throws(() => serverNode.setget("score", 42 as never), TypeError);
      assert.throws(() => serverNode.setget("", () => {}), RangeError);
    } finally {
      w.net.close();
    }
  });
});
