import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { Buffer } from "node:buffer";
import {
  AABB,
  Basis,
  bytesToVar,
  bytesToVarWithObjects,
  Callable,
  Color,
  decodeVariantAt,
  EncodedObjectAsID,
  encodeVariantInto,
  Float,
  GodotObject,
  NodePath,
  PackedColorArray,
  PackedStringArray,
  PackedVector2Array,
  PackedVector3Array,
  PackedVector4Array,
  Plane,
  Projection,
  Quaternion,
  Rect2,
  Rect2i,
  RID,
  Signal,
  StringName,
  Transform2D,
  Transform3D,
  TypedArray,
  TypedDictionary,
  VariantType,
  VariantWriter,
  varToBytes,
  varToBytesWithObjects,
  Vector2,
  Vector2i,
  Vector3,
  Vector3i,
  Vector4,
  Vector4i,
} from "../../src/variant/index.ts";
import { GodotError, NetError } from "../../src/errors.ts";

const hex = (b: Uint8Array): string => Buffer.from(b).toString("hex");
const bytes = (h: string): Uint8Array => new Uint8Array(Buffer.from(h.replace(/\s+/g, ""), "hex"));

function roundTrip(value: unknown, options?: Parameters<typeof varToBytes>[1]): void {
  const encoded = varToBytes(value, options);
  assert.equal(encoded.length % 4, 0, "every encoding is a multiple of 4 bytes");
  const decoded = bytesToVar(encoded, options);
  assert.equal(hex(varToBytes(decoded, options)), hex(encoded), `re-encoding ${String(value)}`);
}

function rejects(input: Uint8Array, code: GodotError, options?: Parameters<typeof bytesToVar>[1]): void {
  assert.throws(
    () => bytesToVar(input, options),
    (e: unknown) => e instanceof NetError && e.code === code,
  );
}

describe("Variant encoding, Godot 4 layouts (core/io/marshalls.cpp)", () => {
  test("scalars: header then little-endian payload", () => {
    assert.equal(hex(varToBytes(null)), "00000000");
    assert.equal(hex(varToBytes(true)), "0100000001000000");
    assert.equal(hex(varToBytes(-2)), "02000000feffffff");
    // Outside int32: the 64-bit flag (1 << 16) and 8 bytes.
    assert.equal(hex(varToBytes(2 ** 31)), "020001000000008000000000");
    assert.equal(hex(varToBytes(-(2n ** 63n))), "020001000000000000000080");
    // A float exact in 32 bits is sent as 32 bits; otherwise 64 with the flag.
    assert.equal(hex(varToBytes(0.5)), "030000000000003f");
    assert.equal(hex(varToBytes(0.1)), "030001009a9999999999b93f");
    assert.equal(hex(varToBytes(new Float(3))), "0300000000004040");
    assert.equal(hex(varToBytes(-0)), "0300000000000080");
  });

  test("strings pad to 4; StringName has its own id; PackedStringArray elements carry a NUL", () => {
    assert.equal(hex(varToBytes("abcde")), "04000000050000006162636465000000");
    assert.equal(hex(varToBytes(new StringName("ab"))), "15000000020000006162" + "0000");
    assert.equal(hex(varToBytes(new PackedStringArray(["ab", "abc"]))), "22000000020000000300000061620000" + "0400000061626300");
  });

  test("NodePath: name count | 0x80000000, subname count, absolute flag, names", () => {
    assert.equal(
      hex(varToBytes(new NodePath("/a:b"))),
      "16000000" + "01000080" + "01000000" + "01000000" + "0100000061000000" + "0100000062000000",
    );
    const np = bytesToVar(varToBytes(new NodePath("x/y:z:w"))) as NodePath;
    assert.deepEqual([np.names, np.subnames, np.absolute, np.toString()], [["x", "y"], ["z", "w"], false, "x/y:z:w"]);
  });

  test("Basis is sent by rows while its x/y/z are columns", () => {
    const b = new Basis(new Vector3(1, 2, 3), new Vector3(4, 5, 6), new Vector3(7, 8, 9));
    const floats = [...new Float32Array(varToBytes(b).slice(4).buffer)];
    assert.deepEqual(floats, [1, 4, 7, 2, 5, 8, 3, 6, 9]);
  });

  test("typed containers: kind bits in the header, element type after it", () => {
    assert.equal(hex(varToBytes(new TypedArray(VariantType.INT, [7]))), "1c000100" + "02000000" + "01000000" + "0200000007000000");
    // Class-typed without full objects: sent as EncodedObjectAsID, as Godot does.
    const classTyped = varToBytes(new TypedArray({ className: "Node" }, []));
    assert.equal(hex(classTyped.subarray(0, 4)), "1c000200");
    assert.equal(Buffer.from(classTyped.subarray(8, 25)).toString(), "EncodedObjectAsID");
    const dict = varToBytes(new TypedDictionary(VariantType.STRING_NAME, VariantType.NIL, [[new StringName("k"), 1]]));
    assert.equal(hex(dict.subarray(0, 12)), "1b000100" + "15000000" + "01000000");
    // Object element types decode as Godot 4.6's bytes_to_var / bytes_to_var_with_objects read
    // them (each case checked against the live engine): without objects every one is the class
    // "EncodedObjectAsID"; with objects an empty class name is the builtin OBJECT (Array[Object]),
    // a script path must be a res:// path. The empty class name was found by npm run fuzz:variant.
    const str = (t: string): string => {
      const b = Buffer.from(t);
      return hex(Uint8Array.of(b.length, 0, 0, 0)) + b.toString("hex") + "00".repeat((4 - (b.length % 4)) % 4);
    };
    const typedArray = (kind: number, payload: string): Uint8Array => Uint8Array.from(Buffer.from(`1c00${kind.toString(16).padStart(2, "0")}00${payload}00000000`, "hex"));
    const cases: [string, Uint8Array, unknown, unknown][] = [
      ["class \"\"", typedArray(2, str("")), { className: "EncodedObjectAsID" }, VariantType.OBJECT],
      ["class Node", typedArray(2, str("Node")), { className: "EncodedObjectAsID" }, { className: "Node" }],
      ["builtin OBJECT", typedArray(1, "18000000"), { className: "EncodedObjectAsID" }, VariantType.OBJECT],
      ["script res://main.gd", typedArray(3, str("res://main.gd")), { className: "EncodedObjectAsID" }, { script: "res://main.gd" }],
      ["script \"\"", typedArray(3, str("")), { className: "EncodedObjectAsID" }, "ERR_INVALID_DATA"],
      ["script user://x.gd", typedArray(3, str("user://x.gd")), { className: "EncodedObjectAsID" }, "ERR_INVALID_DATA"],
    ];
    for (const [label, bytes, without, withObjects] of cases) {
      assert.deepEqual((bytesToVar(bytes) as TypedArray).elementType, without, `${label} without objects`);
      if (withObjects === "ERR_INVALID_DATA") assert.throws(() => bytesToVarWithObjects(bytes), (e: NetError) => e.code === GodotError.ERR_INVALID_DATA, label);
      else assert.deepEqual((bytesToVarWithObjects(bytes) as TypedArray).elementType, withObjects, `${label} with objects`);
      // What was decoded encodes again.
      varToBytes(bytesToVar(bytes));
    }
    assert.equal(hex(varToBytes(bytesToVarWithObjects(typedArray(2, str(""))))), "1c000100" + "18000000" + "00000000");
  });

  test("every Godot 4 type round-trips to the same bytes", () => {
    const values: unknown[] = [
      null, false, true, 0, 1, -1, 2 ** 31 - 1, -(2 ** 31), 2 ** 31, 2 ** 53 - 1, 2n ** 62n, -(2n ** 63n), 2n ** 63n - 1n,
      0.5, 0.1, NaN, Infinity, -Infinity, new Float(0), new Float(-0), new Float(1e20),
      "", "a", "héllo wörld ✓ 𝄞", new StringName(""), new StringName("name"),
      new Vector2(1.5, -2), new Vector2i(-1, 2 ** 31 - 1), new Rect2(new Vector2(1, 2), new Vector2(3, 4)),
      new Rect2i(), new Vector3(1, 2, 3), new Vector3i(1, 2, 3), new Transform2D(), new Vector4(1, 2, 3, 4),
      new Vector4i(1, 2, 3, 4), new Plane(new Vector3(0, 1, 0), 5), new Quaternion(), new AABB(),
      new Basis(), new Transform3D(), new Projection(), new Color(0.25, 0.5, 0.75, 1),
      new NodePath(""), new NodePath("/root/Main"), new NodePath(".:position:x"),
      new RID(0n), new RID(2n ** 64n - 1n), new EncodedObjectAsID(42n), new Callable(), new Signal("pressed", 99n),
      {}, { a: 1, b: { c: [1, "2", null] } }, new Map<unknown, unknown>([[1, "one"], [new Vector2(1, 1), [2]]]),
      { "1": "index-like key keeps its place", z: 2 },
      [], [[[]]], new TypedArray(VariantType.FLOAT, [0.5, new Float(1)]), new TypedArray({ className: "EncodedObjectAsID" }, []),
      new TypedDictionary(VariantType.INT, VariantType.STRING, [[1, "a"]]),
      new Uint8Array(), new Uint8Array([1, 2, 3, 4, 5]), new Int32Array([1, -1]), new BigInt64Array([1n, -(2n ** 63n)]),
      new Float32Array([0.5, -1]), new Float64Array([0.1, 2]), new PackedStringArray(["", "x", "日本"]),
      new PackedVector2Array([new Vector2(1, 2)]), new PackedVector3Array([new Vector3(1, 2, 3)]),
      new PackedColorArray([new Color(1, 1, 1, 1)]), new PackedVector4Array([new Vector4(1, 2, 3, 4)]),
    ];
    for (const v of values) roundTrip(v);
    for (const v of values) roundTrip(v, { precision: "double" });
  });

  test("decoded JS forms: int vs float, 64-bit ints as bigint only outside the safe range", () => {
    assert.equal(bytesToVar(varToBytes(3)), 3);
    assert.deepEqual(bytesToVar(varToBytes(new Float(3))), new Float(3));
    assert.equal(bytesToVar(varToBytes(2 ** 40)), 2 ** 40);
    assert.equal(bytesToVar(varToBytes(2n ** 60n)), 2n ** 60n);
    assert.ok(bytesToVar(varToBytes(new StringName("s"))) instanceof StringName);
    assert.equal(bytesToVar(varToBytes("s")), "s");
    const dict = bytesToVar(varToBytes(new Map<unknown, unknown>([["a", 1], [2, 3]])));
    assert.ok(dict instanceof Map);
    assert.deepEqual(bytesToVar(varToBytes({ a: 1 })), { a: 1 });
    // A null Object is sent as nil, as Godot does.
    assert.equal(hex(varToBytes(new EncodedObjectAsID(0n))), "00000000");
  });

  test("whole objects only with allowObjects", () => {
    const obj = new GodotObject("Resource", [["resource_name", "hi"], ["script", null]]);
    assert.throws(() => varToBytes(obj), TypeError);
    const encoded = varToBytesWithObjects(obj);
    rejects(encoded, GodotError.ERR_UNAUTHORIZED);
    const decoded = bytesToVarWithObjects(encoded) as GodotObject;
    assert.equal(decoded.className, "Resource");
    assert.equal(decoded.properties.get("resource_name"), "hi");
    assert.equal(hex(varToBytesWithObjects(decoded)), hex(encoded));
  });

  test("values with no Variant type throw TypeError; over-deep values RangeError", () => {
    assert.throws(() => varToBytes(undefined), TypeError);
    assert.throws(() => varToBytes(() => 1), TypeError);
    assert.throws(() => varToBytes(new Date()), TypeError);
    assert.throws(() => varToBytes(new Uint16Array(1)), TypeError);
    assert.throws(() => varToBytes(2n ** 63n), RangeError);
    const cyclic: unknown[] = [];
    cyclic.push(cyclic);
    assert.throws(() => varToBytes(cyclic), RangeError);
    assert.throws(() => varToBytes(1, { protocol: "godot5" as "godot4" }), RangeError);
  });

  test("hostile input: Godot's error codes, never a crash", () => {
    rejects(bytes(""), GodotError.ERR_INVALID_DATA);
    rejects(bytes("27000000"), GodotError.ERR_INVALID_DATA); // type 39 does not exist
    rejects(bytes("02000100 01000000"), GodotError.ERR_INVALID_DATA); // truncated int64
    rejects(bytes("04000000 05000000 61626364"), GodotError.ERR_FILE_EOF); // string past the end
    rejects(bytes("04000000 02000000 ff fe 0000"), GodotError.ERR_INVALID_DATA); // bad UTF-8
    rejects(bytes("1c000000 ffffff7f"), GodotError.ERR_INVALID_DATA); // 2^31-1 elements declared, none there
    rejects(bytes("1e000000 ffffff3f"), GodotError.ERR_INVALID_DATA); // packed int32 count overflowing
    rejects(bytes("18000000 00000000"), GodotError.ERR_UNAUTHORIZED); // whole object
    rejects(bytes("16000000 01000000"), GodotError.ERR_INVALID_DATA); // NodePath old layout
    // 1025 nested arrays decode (depth 0..1024), one more fails as in Godot.
    const nest = (n: number): Uint8Array => {
      const out = new Uint8Array(n * 8 + 4);
      const dv = new DataView(out.buffer);
      for (let i = 0; i < n; i++) {
        dv.setUint32(i * 8, VariantType.ARRAY, true);
        dv.setUint32(i * 8 + 4, 1, true);
      }
      return out;
    };
    assert.doesNotThrow(() => bytesToVar(nest(1024)));
    rejects(nest(1026), GodotError.ERR_OUT_OF_MEMORY);
  });

  test("a Buffer input (its slice() is a view, often into Node's shared pool) decodes to copies of its own", () => {
    const ints = new Int32Array([1, -2, 3]);
    const bytes = new Uint8Array([5, 6, 7]);
    const fromInts = Buffer.from(varToBytes(ints)); // small: carved from the shared pool, byteOffset > 0 on Node
    const fromBytes = Buffer.from(varToBytes(bytes));
    const gotInts = bytesToVar(fromInts) as Int32Array;
    const gotBytes = bytesToVar(fromBytes) as Uint8Array;
    assert.deepEqual([...gotInts], [1, -2, 3]);
    assert.deepEqual([...gotBytes], [5, 6, 7]);
    assert.equal(gotBytes.buffer.byteLength, 3, "a PackedByteArray has its own ArrayBuffer");
    assert.equal(Buffer.isBuffer(gotBytes), false);
    fromBytes.fill(0);
    assert.deepEqual([...gotBytes], [5, 6, 7], "and does not change with the input");
  });

  test("decodeVariantAt reports the bytes consumed; encodeVariantInto appends", () => {
    const w = new VariantWriter();
    w.u8(0xaa); // an unaligned prefix: string padding is relative to the Variant, not the buffer
    const n1 = encodeVariantInto(w, "abc");
    const n2 = encodeVariantInto(w, new Vector2(1, 2));
    assert.deepEqual([n1, n2], [12, 12]);
    const buf = w.toBytes();
    const first = decodeVariantAt(buf, 1);
    assert.deepEqual(first, { value: "abc", length: 12 });
    const second = decodeVariantAt(buf, 1 + first.length);
    assert.deepEqual(second, { value: new Vector2(1, 2), length: 12 });
  });
});

describe("Variant encoding, Godot 3 layouts (protocol: \"godot3\")", () => {
  const g3 = { protocol: "godot3" } as const;
  test("Godot 3 ids; RID carries no id; StringName is a String", () => {
    assert.equal(hex(varToBytes(new Vector3(), g3).subarray(0, 4)), "07000000");
    assert.equal(hex(varToBytes(new Color(), g3).subarray(0, 4)), "0e000000");
    assert.equal(hex(varToBytes(new RID(5n), g3)), "10000000");
    assert.equal(hex(varToBytes(new StringName("a"), g3)), hex(varToBytes("a", g3)));
    assert.equal(hex(varToBytes([1], g3).subarray(0, 4)), "13000000");
    assert.equal(hex(varToBytes(new TypedArray(VariantType.INT, [1]), g3)), hex(varToBytes([1], g3)));
  });
  test("a null Object by id: Godot 3 keeps the id-0 form (Godot 4 sends nil)", () => {
    const idZero = bytes("11000100 00000000 00000000");
    assert.equal(hex(varToBytes(bytesToVar(idZero, g3), g3)), hex(idZero));
    assert.equal(bytesToVar(bytes("18000100 00000000 00000000")), null);
  });
  test("types Godot 3 lacks throw TypeError", () => {
    for (const v of [new Vector2i(), new Vector4(), new Projection(), new Callable(), new Float64Array(1), new BigInt64Array(1)]) {
      assert.throws(() => varToBytes(v, g3), TypeError);
    }
  });
  test("every Godot 3 type round-trips", () => {
    const values: unknown[] = [
      null, true, 5, 2 ** 40, 0.5, 0.1, "s", new Vector2(1, 2), new Rect2(), new Vector3(), new Transform2D(), new Plane(),
      new Quaternion(), new AABB(), new Basis(), new Transform3D(), new Color(), new NodePath("/a/b:c"), new RID(),
      new EncodedObjectAsID(7n), { a: [1, { b: 2 }] }, [1, 2], new Uint8Array([9]), new Int32Array([1]), new Float32Array([1.5]),
      new PackedStringArray(["a"]), new PackedVector2Array([new Vector2()]), new PackedVector3Array([new Vector3()]),
      new PackedColorArray([new Color()]),
    ];
    for (const v of values) roundTrip(v, g3);
    rejects(bytes("1b000000"), GodotError.ERR_INVALID_DATA, g3); // 27 is past Godot 3's table
  });
});
