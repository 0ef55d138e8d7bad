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
const fromHex = (h: string): Uint8Array => new Uint8Array(Buffer.from(h.replace(/\s+/g, ""), "hex"));
/**
 * Inputs Godot 3.2.3's decoder refuses, cuts or tolerates. `differs` marks the one documented
 * difference: Godot 3 keeps UTF-8-encoded surrogates and code points above U+10FFFF (its
 * strings are UTF-32); ours refuses them, as Godot 4 does.
 */
const HOSTILE: { input: Uint8Array; differs?: true }[] = [
  { input: fromHex("04000000 02000000 fffe0000") }, // invalid UTF-8
  { input: fromHex("04000000 02000000 c0af0000") }, // overlong encoding
  { input: fromHex("04000000 03000000 eda08000"), differs: true }, // an encoded surrogate
  { input: fromHex("04000000 04000000 f4908080"), differs: true }, // above U+10FFFF
  { input: fromHex("04000000 05000000 61626364") }, // string past the end
  { input: fromHex("04000000 03000000 61006200") }, // NUL inside: cut there
  { input: fromHex("04000000 04000000 efbbbf41") }, // leading byte order mark: dropped
  { input: fromHex("1b000000") }, // type 27: past Godot 3's table
  { input: fromHex("02000100 01000000") }, // truncated int64
  { input: fromHex("13000000 ffffff7f 00000000") }, // huge array count
  { input: fromHex("15000000 ffffff3f") }, // pool int count overflowing
  { input: fromHex("14000000 03000000 010203") }, // pool bytes without their padding at the end: accepted
  { input: fromHex("11000000 08000000 5265736f75726365 00000000") }, // a whole object: refused without allow_objects
  { input: fromHex("0f000000 01000000") }, // NodePath in the old string layout
  { input: fromHex("0f000000 01000080 00000000 02000000 01000000 61000000 01000000 62000000") }, // obsolete property flag
  { input: fromHex("01000000 07000000") }, // bool from a non-zero word
  { input: fromHex("0f000000 00000080 00000000 01000000") }, // "/": no names, absolute (Godot 3 drops the flag)
];
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
  const [[generated], [roundTripped], [streamLE, streamBE], [hostileBack]] = runGodot3VariantJobs([
    { op: "generate", seed: 0x9d3, perType: PER_TYPE },
    { op: "roundtrip", blobs: ours },
    { op: "streampeer", blobs: streamSample },
    { op: "tolerant", blobs: HOSTILE.map((h) => h.input) },
  ]) as [[Uint8Array[]], [Uint8Array[]], [Uint8Array[], Uint8Array[]], [Uint8Array[]]];

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

  test("hostile input: Godot's decoder (StreamPeerBuffer.get_var) accepts and refuses what ours does, one documented difference", () => {
    assert.equal(hostileBack!.length, HOSTILE.length);
    HOSTILE.forEach(({ input, differs }, i) => {
      let mine: Uint8Array;
      try {
        mine = varToBytes(bytesToVar(input, { protocol: "godot3" }), { protocol: "godot3" });
      } catch {
        mine = varToBytes(null); // get_var gives nil when decoding fails
      }
      if (differs) {
        assert.equal(hex(mine), "00000000", `input ${i}: ours refuses`);
        assert.equal(hex(hostileBack![i]!), hex(input), `input ${i}: Godot 3 keeps it`);
      } else {
        assert.equal(hex(mine), hex(hostileBack![i]!), `input ${i}: ${hex(input)}`);
      }
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
