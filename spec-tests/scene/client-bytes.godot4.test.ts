/**
 * Our SceneMultiplayer as a CLIENT, byte for byte against a Godot 4.6 client (web build): both make
 * the same RPCs (every compressed-argument shape: none, booleans, ints of each size, floats,
 * strings, math types, containers, a lone PackedByteArray, null, names and packed arrays; another
 * method on channel 3, unreliable ordered) and a raw send_bytes to a server that only records what
 * arrives (no SceneMultiplayer, so no CONFIRM_PATH: every call carries its path). The server must
 * receive the same packets, in the same order, with the same channel and transfer mode, from both.
 * The server role is checked the other way round by scene-multiplayer.godot4.test.ts.
 */
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { WebSocketMultiplayerPeer, type MultiplayerPeer } from "../../src/multiplayer/index.ts";
import { SceneMultiplayer } from "../../src/scene/index.ts";
import { Color, Float, NodePath, PackedStringArray, Rect2, StringName, Vector2, Vector3i } from "../../src/variant/index.ts";
import { godot4SkipReason, openGodot4 } from "../godot4/harness.ts";

const skip = godot4SkipReason();
const SCRIPT = readFileSync(fileURLToPath(new URL("./godot4/rpc_sender.gd", import.meta.url)), "utf8");

/** rpc_sender.gd's calls, as our client makes them. */
const CALLS: unknown[][] = [
  [],
  [true, false],
  [0, 1, -1, 255],
  [256, -32769, 2147483648, 1099511627776],
  [1.5, new Float(2), -0.25, 3.0000001],
  ["héllo", ""],
  [new Vector2(1.5, -2), new Vector3i(1, 2, 3), new Color(0.5, 0.25, 1, 1), new Rect2(new Vector2(1, 2), new Vector2(3, 4))],
  [[1, "x", [2]], { k: 1, s: "v" }],
  [new Uint8Array([1, 2, 3])],
  [null],
  [new StringName("sn"), new NodePath("A/B:c"), PackedStringArray.from(["a", "b"]), Int32Array.from([7, -8])],
];

/** Every packet `server` received from `from`, as "channel/mode/hex". */
function takeFrom(server: MultiplayerPeer, into: Map<number, string[]>): void {
  while (server.getAvailablePacketCount() > 0) {
    const from = server.getPacketPeer();
    const line = `${server.getPacketChannel()}/${server.getPacketMode()}/${Buffer.from(server.getPacket()).toString("hex")}`;
    into.set(from, [...(into.get(from) ?? []), line]);
  }
}

describe("live: our SceneMultiplayer client sends what a Godot 4.6 client sends", { skip }, () => {
  test("RPCs of every argument shape, a second method on channel 3, send_bytes: the same bytes, channel and mode", async () => {
    const server = new WebSocketMultiplayerPeer();
    await server.createServer(0, "127.0.0.1");
    const url = `ws://127.0.0.1:${server.getLocalPort()}/`;
    const got = new Map<number, string[]>();
    const pump = setInterval(() => {
      server.poll();
      takeFrom(server, got);
    }, 2);
    const godot = await openGodot4();
    try {
      const run = await godot.run({ script: SCRIPT, mainScene: { name: "Chat" }, args: [`url=${url}`], timeoutMs: 60_000 }); // the web build's boot included (over 15 s on a loaded machine)
      const expectedResults = [...CALLS.map(() => "rpc 0"), "rpc 0", "raw 0"];
      assert.deepEqual(run.lines.filter((l) => /^(rpc|raw) /.test(l)), expectedResults, run.lines.join("\n") + run.errors.join("\n"));
      // Godot printed its results once its sends were queued: wait (bounded) for them to reach the
      // server instead of a fixed pause, which a loaded machine can outlast.
      const expectedCount = 1 + CALLS.length + 2;
      const arrived = Date.now() + 10_000;
      while (([...got.values()][0]?.length ?? 0) < expectedCount && Date.now() < arrived) await new Promise((r) => setTimeout(r, 5));
      assert.equal(got.size, 1, "one Godot client");
      const godotPackets = [...got.values()][0]!;
      // SIMPLIFY_PATH for /root/Chat, then every call (with its path: nothing confirms it) and the raw packet.
      assert.equal(godotPackets.length, expectedCount, godotPackets.join("\n"));
      got.clear();

      const peer = new WebSocketMultiplayerPeer();
      await peer.createClient(url);
      const mp = new SceneMultiplayer();
      const chat = mp.node("/root/Chat").rpcConfig("say", { rpcMode: "any_peer" }).rpcConfig("move", { rpcMode: "any_peer", transferMode: 1, channel: 3 });
      let sent = false;
      mp.addEventListener("connected_to_server", () => {
        for (const args of CALLS) assert.equal(chat.rpcId(1, "say", ...args), 0);
        assert.equal(chat.rpcId(1, "move", new Vector2(3, 4)), 0);
        assert.equal(mp.sendBytes(new Uint8Array([9, 8, 7]), 1), 0);
        sent = true;
      });
      mp.multiplayerPeer = peer;
      const end = Date.now() + 10_000;
      while (!(sent && [...got.values()][0]?.length === godotPackets.length) && Date.now() < end) {
        mp.poll();
        await new Promise((r) => setTimeout(r, 2));
      }
      const ours = [...got.values()][0] ?? [];
      assert.deepEqual(ours, godotPackets);
      mp.multiplayerPeer!.close();
    } finally {
      clearInterval(pump);
      await godot.close();
      server.close();
    }
  });
});
