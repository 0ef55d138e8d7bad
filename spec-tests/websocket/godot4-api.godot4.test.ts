// WebSocketPeer.supported_protocols is platform-independent code in Godot 4.6
// (websocket_peer.cpp, used by both the web and the native peer), so the official 4.6 web build
// shows it live: each entry is stripped of surrounding blanks, also through
// WebSocketMultiplayerPeer. No network involved.
import { test } from "node:test";
import assert from "node:assert/strict";
import { godot4SkipReason, runGodot4 } from "../godot4/harness.ts";
import { WebSocketPeer } from "../../src/websocket/peer.ts";
import { WebSocketMultiplayerPeer } from "../../src/multiplayer/index.ts";

const skip = godot4SkipReason();

const SCRIPT = `extends SceneTree
var done := false
func _process(_delta):
	if done:
		return false
	done = true
	var ws := WebSocketPeer.new()
	ws.supported_protocols = PackedStringArray([" chat ", "\\tgodot\\n"])
	var mp := WebSocketMultiplayerPeer.new()
	mp.supported_protocols = PackedStringArray(["  chat"])
	print(JSON.stringify({"peer": Array(ws.supported_protocols), "multiplayer": Array(mp.supported_protocols)}))
	quit(0)
	return false
`;

test("Godot 4.6 live: supported_protocols entries are stripped of surrounding blanks (WebSocketPeer and WebSocketMultiplayerPeer)", { skip }, async () => {
  const run = await runGodot4({ script: SCRIPT, timeoutMs: 60_000 }); // the web build's boot included (over 15 s on a loaded machine)
  assert.equal(run.exitCode, 0, run.errors.join("\n"));
  assert.deepEqual(run.json[0], { peer: ["chat", "godot"], multiplayer: ["chat"] });
  const ws = new WebSocketPeer();
  ws.supportedProtocols = [" chat ", "\tgodot\n"];
  const mp = new WebSocketMultiplayerPeer();
  mp.supportedProtocols = ["  chat"];
  assert.deepEqual({ peer: ws.supportedProtocols, multiplayer: mp.supportedProtocols }, run.json[0]);
});
