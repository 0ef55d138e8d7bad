/**
 * Interop with a real peer: Godot 3.2.3 (its bundled libzstd) decompresses
 * frames from our encoder through PoolByteArray.decompress(size, COMPRESSION_ZSTD),
 * the call Godot's own code paths use. Skipped when godot3-server is absent.
 */
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync, existsSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { zstdCompress } from "../../src/compress/zstd/encoder.ts";
import { mixedCorpus, textCorpus, zstdTestCorpus } from "./zstd-encoder-corpus.ts";

function hasGodot(): boolean {
  try {
    // --version prints e.g. "3.2.3.stable..." but exits non-zero.
    const r = spawnSync("godot3-server", ["--version"], { timeout: 20_000 });
    return /^3\./.test(String(r.stdout));
  } catch {
    return false;
  }
}

// Reads names from list.txt; for each, decompresses NAME.zst to its stated size and writes NAME.out.
const SCRIPT = `extends SceneTree
func _init():
	var dir = OS.get_environment("ZSTD_TEST_DIR")
	var list = File.new()
	list.open(dir + "/list.txt", File.READ)
	var done = 0
	while not list.eof_reached():
		var line = list.get_line().strip_edges()
		if line == "":
			continue
		var parts = line.split(" ")
		var f = File.new()
		f.open(dir + "/" + parts[0] + ".zst", File.READ)
		var frame = f.get_buffer(f.get_len())
		f.close()
		var out = frame.decompress(int(parts[1]), File.COMPRESSION_ZSTD)
		var o = File.new()
		o.open(dir + "/" + parts[0] + ".out", File.WRITE)
		o.store_buffer(out)
		o.close()
		done += 1
	list.close()
	print("ZSTD_DONE ", done)
	quit()
`;

describe("zstd encoder: Godot 3.2.3 decompresses our frames", { skip: !hasGodot() && "godot3-server not installed" }, () => {
  test("corpus at levels 1, 3 and 19, and a frame above the 2 MiB window", () => {
    const dir = mkdtempSync(join(tmpdir(), "packetpeer-zstd-godot-"));
    try {
      writeFileSync(join(dir, "project.godot"), "");
      writeFileSync(join(dir, "decompress.gd"), SCRIPT);
      const cases: { name: string; data: Uint8Array }[] = [];
      zstdTestCorpus().forEach((e, i) => {
        if (e.data.length === 0) return; // Godot rejects a zero-size decompression buffer
        for (const level of [1, 3, 19]) cases.push({ name: `c${i}-l${level}`, data: e.data });
      });
      cases.push({ name: "big", data: textCorpus(2 * 1024 * 1024 + 5000, 41) });
      cases.push({ name: "mixed4", data: mixedCorpus(4 * 1024 * 1024, 42) });
      const list: string[] = [];
      for (const c of cases) {
        const level = Number(/-l(\d+)$/.exec(c.name)?.[1] ?? 3);
        writeFileSync(join(dir, `${c.name}.zst`), zstdCompress(c.data, level));
        list.push(`${c.name} ${c.data.length}`);
      }
      writeFileSync(join(dir, "list.txt"), list.join("\n") + "\n");
      const r = spawnSync("godot3-server", ["--path", dir, "-s", "decompress.gd"], {
        env: { ...process.env, ZSTD_TEST_DIR: dir },
        timeout: 60_000,
        maxBuffer: 16 << 20,
      });
      assert.match(String(r.stdout), new RegExp(`ZSTD_DONE ${cases.length}`), `godot output: ${String(r.stdout)} ${String(r.stderr)}`);
      for (const c of cases) {
        const path = join(dir, `${c.name}.out`);
        assert.ok(existsSync(path), `${c.name}: output written`);
        const back = new Uint8Array(readFileSync(path));
        assert.equal(back.length, c.data.length, `${c.name}: Godot decompressed length`);
        assert.ok(back.every((b, i) => b === c.data[i]), `${c.name}: Godot decompressed bytes`);
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
