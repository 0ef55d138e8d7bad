// Godot 3.2.3 live, both directions, seeded random values of every Godot 3 type:
// var2bytes output decodes with ours and re-encodes to the same bytes, and ours
// decodes in Godot (bytes2var) and re-encodes there (var2bytes) to the same
// bytes. Padding bytes are not compared: Godot leaves NodePath padding uninitialized.
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { bytesToVar, VariantType, varToBytes, type VariantOptions } from "../../src/variant/index.ts";
import { godot3UnavailableReason, runGodot3VariantJobs } from "./godot3.ts";
import { GODOT3_ROUND_TRIP_TYPES, RandomVariants } from "./random-values.ts";
import { compareIgnoringPadding, hex } from "./support.ts";
import { StreamPeerBuffer } from "../../src/tcp/index.ts";

const G3: VariantOptions = { protocol: "godot3", allowObjects: true };
const PER_TYPE = 120;
const missing = godot3UnavailableReason();
if (missing) console.log(`# skipping Godot 3.2.3 Variant live tests: ${missing}`);

describe("Variant encoding against Godot 3.2.3", { skip: missing ?? false }, () => {
  // Our values: PER_TYPE of each of the 26 non-object types, seeded.
  const random = new RandomVariants(0x3e11, "godot3");
  const ours: Uint8Array[] = [];
  const oursTypes: VariantType[] = [];
  for (const type of GODOT3_ROUND_TRIP_TYPES) {
    for (let i = 0; i < PER_TYPE; i++) {
      ours.push(varToBytes(random.value(type, 3), G3));
      oursTypes.push(type);
    }
  }
  const streamSample = ours.filter((_, i) => i % 7 === 0);
  const [[generated], [roundTripped], [streamLE, streamBE]] = runGodot3VariantJobs([
    { op: "generate", seed: 0x9d3, perType: PER_TYPE },
    { op: "roundtrip", blobs: ours },
    { op: "streampeer", blobs: streamSample },
  ]) as [[Uint8Array[]], [Uint8Array[]], [Uint8Array[], Uint8Array[]]];

  test("var2bytes of random values of all 27 types decodes with ours and re-encodes to the same bytes", () => {
    assert.equal(generated!.length, 27 * PER_TYPE);
    const seen = new Set<number>();
    for (const bytes of generated!) {
      seen.add(bytes[0]!);
      const value = bytesToVar(bytes, G3);
      const diff = compareIgnoringPadding(value, bytes, G3);
      assert.equal(diff, null, `Godot's ${hex(bytes).slice(0, 160)}`);
    }
    assert.equal(seen.size, 27, "every Godot 3 type id was exercised");
  });

  test("ours decodes in Godot (bytes2var) and Godot re-encodes it to the same bytes", () => {
    assert.equal(roundTripped!.length, ours.length);
    ours.forEach((bytes, i) => {
      const value = bytesToVar(bytes, G3);
      assert.equal(compareIgnoringPadding(value, roundTripped![i]!, G3), null, `type ${VariantType[oursTypes[i]!]}: ours ${hex(bytes)}`);
    });
  });

  test("StreamPeerBuffer.put_var layouts equal ours (StreamPeer.putVar) in both endiannesses", () => {
    assert.equal(streamLE!.length, streamSample.length);
    streamSample.forEach((bytes, i) => {
      const value = bytesToVar(bytes, G3);
      for (const [bigEndian, theirs] of [[false, streamLE![i]!], [true, streamBE![i]!]] as const) {
        const spb = new StreamPeerBuffer();
        spb.bigEndian = bigEndian;
        spb.putVar(value, true, { protocol: "godot3" });
        const ours = spb.getDataArray();
        assert.equal(hex(ours.subarray(0, 4)), hex(theirs.subarray(0, 4)), "length prefix");
        assert.equal(compareIgnoringPadding(value, theirs, G3, 4), null);
        assert.equal(compareIgnoringPadding(value, ours, G3, 4), null);
      }
    });
  });
});
