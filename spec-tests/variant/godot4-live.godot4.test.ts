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
import { bytesToVar, VariantType, varToBytes, varToBytesWithObjects, type VariantOptions } from "../../src/variant/index.ts";
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
	emit("hx", jobs.run_job(["roundtrip", jobs.read_blobs(FileAccess.get_file_as_bytes("res://hostile.bin"))])[0])
	emit("ho", jobs.run_job(["roundtrip_objects", jobs.read_blobs(FileAccess.get_file_as_bytes("res://hostile_objects.bin"))])[0])
	var stream = jobs.run_job(["streampeer", jobs.read_blobs(FileAccess.get_file_as_bytes("res://stream.bin"))])
	emit("le", stream[0])
	emit("be", stream[1])
	print("DONE")
	quit(0)
	return false
`;

const fromHex = (h: string): Uint8Array => new Uint8Array(Buffer.from(h.replace(/\s+/g, ""), "hex"));
function nested(levels: number): Uint8Array {
  const out = new Uint8Array(levels * 8 + 4);
  const dv = new DataView(out.buffer);
  for (let i = 0; i < levels; i++) {
    dv.setUint32(i * 8, VariantType.ARRAY, true);
    dv.setUint32(i * 8 + 4, 1, true);
  }
  return out;
}
/** Inputs where Godot's decoder refuses, truncates or tolerates: ours must agree on each. */
const HOSTILE: Uint8Array[] = [
  fromHex("04000000 02000000 fffe0000"), // invalid UTF-8
  fromHex("04000000 02000000 c0af0000"), // overlong encoding
  fromHex("04000000 03000000 eda08000"), // an encoded surrogate
  fromHex("04000000 04000000 f4908080"), // above U+10FFFF
  fromHex("04000000 05000000 61626364"), // string past the end
  fromHex("04000000 03000000 61006200"), // NUL inside: cut there
  fromHex("04000000 04000000 efbbbf41"), // leading byte order mark: dropped
  fromHex("27000000"), // type 39
  fromHex("02000100 01000000"), // truncated int64
  fromHex("1c000000 ffffff7f 00000000"), // huge array count
  fromHex("1e000000 ffffff3f"), // packed int32 count overflowing
  fromHex("1d000000 03000000 010203"), // packed bytes without their padding at the end: accepted
  fromHex("18000000 08000000 5265736f75726365 00000000"), // a whole object without allow_objects
  fromHex("16000000 01000000"), // NodePath in the old string layout
  fromHex("16000000 01000080 00000000 02000000 01000000 61000000 01000000 62000000"), // obsolete property flag
  fromHex("01000000 07000000"), // bool from a non-zero word
  fromHex("16000000 00000080 00000000 01000000"), // "/": no names, absolute (kept)
  fromHex("1c000300 08000000 72657320 2f2f782e 00000000"), // script-typed array without objects
  fromHex("1c000200 00000000 00000000"), // class-typed array, empty class name
  fromHex("1c000200 04000000 4e6f6465 00000000"), // Array[Node] by class name
  fromHex("1c000100 18000000 00000000"), // Array[Object] by builtin type
  fromHex("1c000300 00000000 00000000"), // script-typed array, empty path
  nested(1025), // at the recursion limit
  nested(1026), // past it
];

/** Object-typed containers decoded and encoded with objects (bytes_to_var_with_objects). */
const HOSTILE_OBJECTS: Uint8Array[] = [
  fromHex("1c000200 00000000 00000000"), // empty class name: Array[Object]
  fromHex("1c000200 04000000 4e6f6465 00000000"), // Array[Node]
  fromHex("1c000200 0b000000 4e6f5375 6368436c 61737300 00000000"), // a class Godot does not have: kept
  fromHex("1c000100 18000000 00000000"), // Array[Object] by builtin type
  fromHex("1c000300 00000000 00000000"), // empty script path: refused
  fromHex("1c000300 0b000000 75736572 3a2f2f78 2e676400 00000000"), // user://x.gd: refused
  fromHex("1b000600 00000000 04000000 00000000"), // Dictionary[Object, String] with an empty key class name
];

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
      files: { "variant_jobs.gd": JOBS, "ours.bin": writeBlobs(ours), "stream.bin": writeBlobs(streamSample), "hostile.bin": writeBlobs(HOSTILE), "hostile_objects.bin": writeBlobs(HOSTILE_OBJECTS) },
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

  test("hostile input: Godot's bytes_to_var accepts and refuses what ours does, with the same result", async () => {
    const theirs = linesTagged(await run(), "hx");
    assert.equal(theirs.length, HOSTILE.length);
    HOSTILE.forEach((input, i) => {
      let mine: Uint8Array;
      try {
        mine = varToBytes(bytesToVar(input));
      } catch {
        mine = varToBytes(null); // Godot's bytes_to_var gives nil when decoding fails
      }
      assert.equal(hex(mine), hex(theirs[i]!), `input ${i}: ${hex(input).slice(0, 80)}`);
    });
  });

  test("Object-typed containers with objects: Godot's bytes_to_var_with_objects accepts and refuses what ours does", async () => {
    const theirs = linesTagged(await run(), "ho");
    assert.equal(theirs.length, HOSTILE_OBJECTS.length);
    HOSTILE_OBJECTS.forEach((input, i) => {
      let mine: Uint8Array;
      try {
        mine = varToBytesWithObjects(bytesToVar(input, G4));
      } catch {
        mine = varToBytes(null);
      }
      assert.equal(hex(mine), hex(theirs[i]!), `input ${i}: ${hex(input).slice(0, 80)}`);
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
