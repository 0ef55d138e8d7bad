// Godot 4.6 live (official web build in headless Chromium), both directions, seeded
// random values of every Godot 4 type, in one Godot run:
//  - var_to_bytes of values Godot generates (all 39 types; objects by id and whole)
//    decode with ours and re-encode to Godot's bytes;
//  - ours decode in Godot (bytes_to_var) and var_to_bytes there gives our bytes back;
//  - StreamPeerBuffer.put_var in both byte orders equals our StreamPeer.putVar.
// Padding bytes are not compared: Godot leaves a NodePath name's padding uninitialized.
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { godot4SkipReason, runGodot4, type Godot4Result } from "../godot4/harness.ts";
import { StreamPeerBuffer } from "../../src/tcp/index.ts";
import { bytesToVar, VariantType, varToBytes, type VariantOptions } from "../../src/variant/index.ts";
import { GODOT4_ROUND_TRIP_TYPES, RandomVariants } from "./random-values.ts";
import { compareIgnoringPadding, hex, writeBlobs } from "./support.ts";

const JOBS = readFileSync(fileURLToPath(new URL("./godot4/variant_jobs.gd", import.meta.url)), "utf8");
const PER_TYPE_GODOT = 60; // x 39 types
const PER_TYPE_OURS = 60; // x 38 types
const G4: VariantOptions = { allowObjects: true };
const skip = godot4SkipReason();

const MAIN = `extends SceneTree
var frames := 0
func emit(tag: String, blobs: Array) -> void:
	for b in blobs:
		print(tag + " " + b.hex_encode())
func _process(_delta: float) -> bool:
	frames += 1
	if frames != 2:
		return false
	var jobs = load("res://variant_jobs.gd").new()
	var seed_value := int(OS.get_cmdline_user_args()[0])
	var per_type := int(OS.get_cmdline_user_args()[1])
	emit("gen", jobs.run_job(["generate", seed_value, per_type])[0])
	var ours = jobs.read_blobs(FileAccess.get_file_as_bytes("res://ours.bin"))
	emit("rt", jobs.run_job(["roundtrip", ours])[0])
	var stream = jobs.run_job(["streampeer", jobs.read_blobs(FileAccess.get_file_as_bytes("res://stream.bin"))])
	emit("le", stream[0])
	emit("be", stream[1])
	print("DONE")
	quit(0)
	return false
`;

function linesTagged(r: Godot4Result, tag: string): Uint8Array[] {
  return r.lines.filter((l) => l.startsWith(tag + " ") || l === tag).map((l) => new Uint8Array(Buffer.from(l.slice(tag.length + 1), "hex")));
}

describe("live: Variant encoding against Godot 4.6", { skip }, () => {
  const random = new RandomVariants(0x4e11, "godot4");
  const ours: Uint8Array[] = [];
  const oursTypes: VariantType[] = [];
  for (const type of GODOT4_ROUND_TRIP_TYPES) {
    for (let i = 0; i < PER_TYPE_OURS; i++) {
      ours.push(varToBytes(random.value(type, 3)));
      oursTypes.push(type);
    }
  }
  const streamSample = ours.filter((_, i) => i % 5 === 0);
  let result: Godot4Result | undefined;
  const run = async (): Promise<Godot4Result> => {
    result ??= await runGodot4({
      script: MAIN,
      args: [String(0x9d4), String(PER_TYPE_GODOT)],
      files: { "variant_jobs.gd": JOBS, "ours.bin": writeBlobs(ours), "stream.bin": writeBlobs(streamSample) },
      timeoutMs: 60_000,
    });
    assert.equal(result.exitCode, 0, `Godot run failed: ${result.errors.slice(0, 10).join("\n")}`);
    assert.ok(result.lines.includes("DONE"));
    return result;
  };

  test("var_to_bytes of random values of all 39 types decodes with ours and re-encodes to the same bytes", async () => {
    const generated = linesTagged(await run(), "gen");
    assert.equal(generated.length, 39 * PER_TYPE_GODOT);
    const seen = new Set<number>();
    for (const bytes of generated) {
      seen.add(bytes[0]!);
      const value = bytesToVar(bytes, G4);
      assert.equal(compareIgnoringPadding(value, bytes, G4), null, `Godot's ${hex(bytes).slice(0, 200)}`);
    }
    assert.equal(seen.size, 39, "every Godot 4 type id was exercised");
  });

  test("ours decodes in Godot (bytes_to_var) and var_to_bytes there gives our bytes back", async () => {
    const back = linesTagged(await run(), "rt");
    assert.equal(back.length, ours.length);
    ours.forEach((bytes, i) => {
      const value = bytesToVar(bytes);
      assert.equal(compareIgnoringPadding(value, back[i]!), null, `type ${VariantType[oursTypes[i]!]}: ours ${hex(bytes).slice(0, 200)}`);
    });
  });

  test("StreamPeerBuffer.put_var layouts equal StreamPeer.putVar in both byte orders", async () => {
    const r = await run();
    const le = linesTagged(r, "le");
    const be = linesTagged(r, "be");
    assert.equal(le.length, streamSample.length);
    assert.equal(be.length, streamSample.length);
    streamSample.forEach((bytes, i) => {
      const value = bytesToVar(bytes);
      for (const [bigEndian, theirs] of [[false, le[i]!], [true, be[i]!]] as const) {
        const spb = new StreamPeerBuffer();
        spb.bigEndian = bigEndian;
        spb.putVar(value);
        const mine = spb.getDataArray();
        assert.equal(hex(mine.subarray(0, 4)), hex(theirs.subarray(0, 4)), "length prefix");
        assert.equal(compareIgnoringPadding(value, theirs, undefined, 4), null);
        assert.equal(compareIgnoringPadding(value, mine, undefined, 4), null);
      }
    });
  });
});
