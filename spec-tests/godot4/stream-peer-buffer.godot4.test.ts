// StreamPeerBuffer layouts on real Godot 4.6 against ours, byte for byte: every put_* in both
// endiannesses (Godot's bytes must equal ours), and every get_* of Godot reading our bytes
// (the values must be the ones we put). One Godot run covers both endiannesses.
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { StreamPeerBuffer } from "../../src/tcp/index.ts";
import { Float, varToBytes, Vector2, Vector3i } from "../../src/variant/index.ts";
import { godot4SkipReason, runGodot4, GD_QUIT_ON_FIRST_FRAME } from "./harness.ts";

const skip = godot4SkipReason();

/** One put/get pair: the GDScript literal, our call, and how the read value is reported. */
interface Op {
  /** GDScript method suffix: put_<kind> / get_<kind>. */
  kind: "8" | "u8" | "16" | "u16" | "32" | "u32" | "64" | "u64" | "half" | "float" | "double" | "string" | "utf8_string" | "var" | "data";
  gd: string;
  put: (b: StreamPeerBuffer) => void;
  /** Write with put_<putAs> instead (a raw layout read back with get_<kind>). */
  putAs?: "u16";
  /** What Godot's get_<kind> must report for our bytes (ints/strings as text, floats as f64 hex, vars as var_to_bytes hex). */
  expect: string;
}

const f64hex = (x: number): string => {
  const b = new Uint8Array(8);
  new DataView(b.buffer).setFloat64(0, x, true);
  return Buffer.from(b).toString("hex");
};
const hex = (b: Uint8Array): string => Buffer.from(b).toString("hex");
const half = (bits: number): number => {
  const s = bits & 0x8000 ? -1 : 1;
  const e = (bits >> 10) & 0x1f;
  const m = bits & 0x3ff;
  if (e === 0) return s * m * 2 ** -24;
  if (e === 31) return m ? Number.NaN : s * Infinity;
  return s * (1 + m / 1024) * 2 ** (e - 15);
};

function ops(): Op[] {
  const list: Op[] = [];
  const int = (kind: Op["kind"], v: bigint | number, call: (b: StreamPeerBuffer, v: never) => void, expect = String(v)) =>
    list.push({ kind, gd: String(v), put: (b) => call(b, v as never), expect });
  for (const v of [-128, -1, 0, 127]) int("8", v, (b, x) => b.put8(x));
  for (const v of [0, 200, 255]) int("u8", v, (b, x) => b.putU8(x));
  for (const v of [-32768, -2, 4660, 32767]) int("16", v, (b, x) => b.put16(x));
  for (const v of [0, 0xbeef, 65535]) int("u16", v, (b, x) => b.putU16(x));
  for (const v of [-2147483648, -123456789, 0x12345678, 2147483647]) int("32", v, (b, x) => b.put32(x));
  for (const v of [0, 0xdeadbeef, 4294967295]) int("u32", v, (b, x) => b.putU32(x));
  for (const v of [-9223372036854775808n, -1234567890123n, 0x0102030405060708n, 9223372036854775807n]) {
    const gd = v === -9223372036854775808n ? "-9223372036854775807 - 1" : String(v);
    list.push({ kind: "64", gd, put: (b) => b.put64(v), expect: String(v) });
  }
  // GDScript ints are signed: put_u64(-1) writes all ones, and get_u64 reads it back as -1.
  list.push({ kind: "u64", gd: "-1", put: (b) => b.putU64(0xffffffffffffffffn), expect: "-1" });
  list.push({ kind: "u64", gd: "0x0102030405060708", put: (b) => b.putU64(0x0102030405060708n), expect: String(0x0102030405060708n) });
  // Half: exact, rounded, subnormal, overflow to infinity, largest finite, negative zero.
  const halves: [string, number, number][] = [
    ["1.5", 1.5, 0x3e00],
    ["0.1", 0.1, 0x2e66],
    ["-2.0", -2, 0xc000],
    ["65504.0", 65504, 0x7bff],
    ["100000.0", 100000, 0x7c00],
    // Godot makes no subnormal halves and drops the sign of what underflows.
    ["0.0000001", 0.0000001, 0x0000],
    ["-0.0", -0, 0x0000],
  ];
  for (const [gd, v, bits] of halves) list.push({ kind: "half", gd, put: (b) => b.putHalf(v), expect: f64hex(half(bits)) });
  // ... but it reads them: subnormal and negative-zero halves written as raw u16.
  for (const bits of [0x0002, 0x83ff, 0x8000]) {
    list.push({ kind: "half", gd: String(bits), putAs: "u16", put: (b) => b.putU16(bits), expect: f64hex(half(bits)) });
  }
  for (const [gd, v] of [["0.1", 0.1], ["-3.5", -3.5], ["1e39", 1e39], ["16777217.0", 16777217]] as [string, number][]) {
    list.push({ kind: "float", gd, put: (b) => b.putFloat(v), expect: f64hex(Math.fround(v)) });
  }
  for (const [gd, v] of [["0.1", 0.1], ["-2.718281828459045", -2.718281828459045], ["1e300", 1e300]] as [string, number][]) {
    list.push({ kind: "double", gd, put: (b) => b.putDouble(v), expect: f64hex(v) });
  }
  list.push({ kind: "string", gd: '""', put: (b) => b.putString(""), expect: "" });
  list.push({ kind: "string", gd: '"hello world"', put: (b) => b.putString("hello world"), expect: "hello world" });
  list.push({ kind: "utf8_string", gd: '"wörld ✓ 😀"', put: (b) => b.putUtf8String("wörld ✓ 😀"), expect: "wörld ✓ 😀" });
  list.push({ kind: "utf8_string", gd: '""', put: (b) => b.putUtf8String(""), expect: "" });
  const vars: [string, unknown][] = [
    ["null", null],
    ["true", true],
    ["7", 7],
    ["5000000000", 5000000000],
    ["1.5", 1.5],
    ["0.1", 0.1],
    ["2.0", new Float(2)],
    ['"héllo"', "héllo"],
    ["Vector2(1.5, -2)", new Vector2(1.5, -2)],
    ["Vector3i(1, -2, 3)", new Vector3i(1, -2, 3)],
    ['[1, "x", [true]]', [1, "x", [true]]],
    ['{"k": 3, "s": "v"}', { k: 3, s: "v" }],
    ["PackedByteArray([4, 5, 6])", new Uint8Array([4, 5, 6])],
  ];
  for (const [gd, v] of vars) list.push({ kind: "var", gd, put: (b) => b.putVar(v), expect: hex(varToBytes(v)) });
  return list;
}

/** Our get_<kind>, reported the way the Godot script reports it. */
function ourGet(b: StreamPeerBuffer, kind: Op["kind"]): string {
  switch (kind) {
    case "8": return String(b.get8());
    case "u8": return String(b.getU8());
    case "16": return String(b.get16());
    case "u16": return String(b.getU16());
    case "32": return String(b.get32());
    case "u32": return String(b.getU32());
    case "64": return String(b.get64());
    // GDScript ints are signed 64-bit: Godot's get_u64 shows the same bits as a signed int.
    case "u64": return String(BigInt.asIntN(64, b.getU64()));
    case "half": return f64hex(b.getHalf());
    case "float": return f64hex(b.getFloat());
    case "double": return f64hex(b.getDouble());
    case "string": return b.getString();
    case "utf8_string": return b.getUtf8String();
    case "var": return hex(varToBytes(b.getVar()));
    case "data": throw new Error("not used");
  }
}

function gdscript(list: Op[]): string {
  const puts = list.map((o) => `\tb.put_${o.putAs ?? o.kind}(${o.gd})`).join("\n");
  const gets = list
    .map((o) => {
      switch (o.kind) {
        case "half":
        case "float":
        case "double":
          return `\tout.append(f64(b.get_${o.kind}()))`;
        case "string":
        case "utf8_string":
          return `\tout.append(b.get_${o.kind}())`;
        case "var":
          return `\tout.append(var_to_bytes(b.get_var()).hex_encode())`;
        default:
          return `\tout.append(str(b.get_${o.kind}()))`;
      }
    })
    .join("\n");
  return `extends SceneTree
func f64(x: float) -> String:
	var t := PackedByteArray()
	t.resize(8)
	t.encode_double(0, x)
	return t.hex_encode()

func write(big: bool) -> String:
	var b := StreamPeerBuffer.new()
	b.big_endian = big
${puts}
	b.put_data(PackedByteArray([9, 8, 7]))
	return b.data_array.hex_encode()

func read(big: bool, bytes: PackedByteArray) -> Array:
	var b := StreamPeerBuffer.new()
	b.big_endian = big
	b.data_array = bytes
	var out := []
${gets}
	out.append(b.get_data(3)[1].hex_encode())
	out.append(b.get_available_bytes())
	return out

func _initialize() -> void:
	for big in [false, true]:
		var ours := FileAccess.get_file_as_bytes("res://ours_%d.bin" % int(big))
		print(JSON.stringify({"big": big, "bytes": write(big), "read": read(big, ours)}))

${GD_QUIT_ON_FIRST_FRAME}`;
}

describe("live: Godot 4.6 StreamPeerBuffer layouts vs ours", { skip }, () => {
  test("every put/get, both endiannesses, byte for byte", async () => {
    const list = ops();
    const ours = new Map<boolean, Uint8Array>();
    for (const big of [false, true]) {
      const b = new StreamPeerBuffer();
      b.bigEndian = big;
      for (const o of list) o.put(b);
      b.putData(new Uint8Array([9, 8, 7]));
      ours.set(big, b.getDataArray().slice());
    }
    const run = await runGodot4({
      script: gdscript(list),
      files: { "ours_0.bin": ours.get(false)!, "ours_1.bin": ours.get(true)! },
    });
    assert.equal(run.exitCode, 0, run.errors.join("\n"));
    const reports = run.json as { big: boolean; bytes: string; read: (string | number)[] }[];
    assert.equal(reports.length, 2);
    for (const r of reports) {
      const label = r.big ? "big-endian" : "little-endian";
      // Godot's layout equals ours, byte for byte.
      assert.equal(r.bytes, hex(ours.get(r.big)!), `${label}: Godot's put_* bytes vs ours`);
      // Godot reads our bytes back as the values we put.
      const expected = [...list.map((o) => o.expect), "090807", 0];
      for (let i = 0; i < list.length; i++) assert.equal(r.read[i], expected[i], `${label}: get_${list[i]!.kind}(${list[i]!.gd})`);
      assert.deepEqual(r.read.slice(list.length), expected.slice(list.length), `${label}: get_data and the end`);
    }
    // Our getters read our bytes as Godot's do.
    for (const big of [false, true]) {
      const b = new StreamPeerBuffer();
      b.bigEndian = big;
      b.setDataArray(ours.get(big)!);
      for (const o of list) assert.equal(ourGet(b, o.kind), o.expect, `ours ${big ? "BE" : "LE"} get_${o.kind}(${o.gd})`);
    }
    // The two endiannesses differ where they must (not a trivially equal layout).
    assert.notEqual(hex(ours.get(false)!), hex(ours.get(true)!));
  });
});
