// The Godot 4.6 harness itself: a pack Godot accepts, both program shapes (main loop, main scene
// root), user arguments, extra files, JSON lines, exit codes, timeouts, two runs in one browser.
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { godot4SkipReason, openGodot4, type Godot4Session } from "./harness.ts";

const skip = godot4SkipReason();

describe("live: Godot 4.6 harness", { skip }, () => {
  let godot: Godot4Session;
  before(async () => {
    godot = await openGodot4();
  });
  after(async () => {
    await godot?.close();
  });

  test("main loop and main scene run side by side; args, files, JSON lines, exit codes, timeout", async () => {
    const mainLoop = `extends SceneTree
var frames := 0
func _process(_delta: float) -> bool:
	frames += 1
	if frames == 2:
		var data := FileAccess.get_file_as_string("res://data/extra.txt")
		print(JSON.stringify({"version": Engine.get_version_info().string, "args": OS.get_cmdline_user_args(), "extra": data}))
		print("plain line")
		quit(42)
	return false
`;
    const scene = `extends Node
func _ready() -> void:
	print(JSON.stringify({"path": str(get_path())}))
	get_tree().quit(3)
`;
    const [a, b, c] = await Promise.all([
      godot.run({ script: mainLoop, args: ["k=v", "--x"], files: { "data/extra.txt": "héllo" } }),
      godot.run({ script: scene, mainScene: { name: "Pinger" } }),
      godot.run({ script: "extends SceneTree\n", timeoutMs: 2500 }),
    ]);
    assert.equal(a.exitCode, 42, a.errors.join("\n"));
    assert.deepEqual(a.json, [{ version: "4.6-stable (official)", args: ["k=v", "--x"], extra: "héllo" }]);
    assert.ok(a.lines.includes("plain line"));
    assert.equal(b.exitCode, 3, b.errors.join("\n"));
    assert.deepEqual(b.json, [{ path: "/root/Pinger" }]);
    assert.deepEqual(b.errors, []);
    assert.equal(c.timedOut, true);
    assert.equal(c.exitCode, null);
  });
});
