// PackedByteArray.compress()/decompress()/decompress_dynamic() on real Godot 4.6 against ours,
// both directions, every FileAccess.CompressionMode, over a seeded corpus (0 B .. 64 KiB+).
// One Godot run: it compresses each corpus entry in every mode (we decode those) and decodes
// what we compressed (it reports whether the bytes came back).
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { compress, decompress, decompressDynamic, FileCompressionMode } from "../../src/compress/index.ts";
import { SeededRandom } from "../../src/util/prng.ts";
import { randomBytes, text } from "../compress/support/corpus.ts";
import { godot4SkipReason, runGodot4 } from "./harness.ts";

const skip = godot4SkipReason();
const MODES = [
  FileCompressionMode.COMPRESSION_FASTLZ,
  FileCompressionMode.COMPRESSION_DEFLATE,
  FileCompressionMode.COMPRESSION_ZSTD,
  FileCompressionMode.COMPRESSION_GZIP,
];
/** Godot 4.6's decompress_dynamic() handles these (and BROTLI, decode only); ours handles every mode. */
const GODOT_DYNAMIC_MODES = new Set([FileCompressionMode.COMPRESSION_DEFLATE, FileCompressionMode.COMPRESSION_GZIP]);

function corpus(): Map<string, Uint8Array> {
  const rng = new SeededRandom(0x60d04);
  const enc = new TextEncoder();
  const players = Array.from({ length: 40 }, (_, i) => ({ id: i + 1, name: `player${i}`, x: rng.nextInt(2000) - 1000, y: rng.nextInt(2000), hp: rng.nextInt(101), team: i % 2 ? "red" : "blue" }));
  // Game state: fixed-size records (id, position, velocity, flags) as a server would snapshot them.
  const state = new Uint8Array(6000);
  const view = new DataView(state.buffer);
  for (let off = 0; off + 20 <= state.length; off += 20) {
    view.setUint32(off, off / 20, true);
    view.setFloat32(off + 4, rng.nextInt(1000) / 4, true);
    view.setFloat32(off + 8, rng.nextInt(1000) / 4, true);
    view.setInt16(off + 12, rng.nextInt(200) - 100, true);
    view.setInt16(off + 14, rng.nextInt(200) - 100, true);
    view.setUint32(off + 16, rng.nextInt(8), true);
  }
  const big = new Uint8Array(70_000); // 64 KiB+: mixes text and noise so every codec works for it
  for (let off = 0; off < big.length; off += 1000) big.set((off / 1000) % 3 === 0 ? randomBytes(rng, 1000) : text(rng, 1000), off);
  return new Map([
    ["empty", new Uint8Array(0)],
    ["tiny", enc.encode("hi!")],
    ["fifteen", enc.encode("0123456789abcde")],
    ["text", text(rng, 3000)],
    ["json", enc.encode(JSON.stringify({ players, tick: 1234, map: "arena" }))],
    ["random", randomBytes(rng, 2500)],
    ["state", state],
    ["big", big],
    ["zeros", new Uint8Array(100_000)],
  ]);
}

const GODOT_SCRIPT = `extends SceneTree
# For each corpus entry: compress in every mode (hex out), and decode ours with decompress()
# and decompress_dynamic(); a JSON line per (entry, mode).
var done := false
func _process(_delta: float) -> bool:
	if done:
		return false
	done = true
	var names := FileAccess.get_file_as_string("res://names.txt").split("\\n", false)
	for n in names:
		var data := FileAccess.get_file_as_bytes("res://corpus/" + n)
		for mode in [0, 1, 2, 3]:
			var ours := FileAccess.get_file_as_bytes("res://ours/%s.%d" % [n, mode])
			var line := {"name": n, "mode": mode, "godot": data.compress(mode).hex_encode()}
			if data.size() > 0:
				line["decompress_ok"] = ours.decompress(data.size(), mode) == data
				line["dynamic_ok"] = ours.decompress_dynamic(-1, mode) == data
				line["dynamic_capped_size"] = ours.decompress_dynamic(max(1, data.size() / 2), mode).size()
			else:
				line["ours_size"] = ours.size()
			print(JSON.stringify(line))
	quit(0)
	return false
`;

const fromHex = (hex: string): Uint8Array => Uint8Array.from(hex.match(/../g) ?? [], (h) => Number.parseInt(h, 16));

describe("live: Godot 4.6 PackedByteArray.compress/decompress/decompress_dynamic vs ours", { skip }, () => {
  test("every mode, both directions, seeded corpus", async () => {
    const inputs = corpus();
    const files: Record<string, Uint8Array | string> = { "names.txt": [...inputs.keys()].join("\n") };
    for (const [name, data] of inputs) {
      files[`corpus/${name}`] = data;
      for (const mode of MODES) files[`ours/${name}.${mode}`] = compress(data, mode);
    }
    const run = await runGodot4({ script: GODOT_SCRIPT, files, timeoutMs: 30_000 });
    assert.equal(run.exitCode, 0, run.errors.join("\n"));
    const lines = run.json as { name: string; mode: FileCompressionMode; godot: string; decompress_ok?: boolean; dynamic_ok?: boolean; dynamic_capped_size?: number; ours_size?: number }[];
    assert.equal(lines.length, inputs.size * MODES.length);
    for (const line of lines) {
      const data = inputs.get(line.name)!;
      const label = `${line.name} (${data.length} B) ${FileCompressionMode[line.mode]}`;
      const godot = fromHex(line.godot);
      if (data.length === 0) {
        // Empty in, empty out, on both sides.
        assert.equal(godot.length, 0, label);
        assert.equal(line.ours_size, 0, label);
        continue;
      }
      // Godot 4.6's output, decoded by ours.
      assert.deepEqual(decompress(godot, data.length, line.mode), data, `ours decompress(godot) ${label}`);
      // Godot's FastLZ pads inputs under 16 bytes to 16 before compressing (decompress() with the
      // real size trims it); without the size, the stream's 16 bytes are what comes back.
      const padded = line.mode === FileCompressionMode.COMPRESSION_FASTLZ && data.length < 16 ? Uint8Array.from({ length: 16 }, (_, i) => data[i] ?? 0) : data;
      assert.deepEqual(decompressDynamic(godot, -1, line.mode), padded, `ours decompressDynamic(godot) ${label}`);
      // Ours, decoded by Godot 4.6.
      assert.equal(line.decompress_ok, true, `godot decompress(ours) ${label}`);
      assert.equal(line.dynamic_ok, GODOT_DYNAMIC_MODES.has(line.mode), `godot decompress_dynamic(ours) ${label}`);
      if (GODOT_DYNAMIC_MODES.has(line.mode) && data.length > 1) {
        // A cap below the real size fails in Godot (empty result); ours throws.
        assert.equal(line.dynamic_capped_size, 0, `godot decompress_dynamic capped ${label}`);
        assert.throws(() => decompressDynamic(godot, Math.max(1, Math.floor(data.length / 2)), line.mode), label);
      }
    }
  });
});
