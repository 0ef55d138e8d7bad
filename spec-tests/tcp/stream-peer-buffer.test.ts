// The StreamPeer typed API over StreamPeerBuffer: exact byte layouts in both
// byte orders (Godot's put_*/get_*), half-float conversion rules, strings and
// argument validation. Socket peers share this code; python-layout.test.ts
// checks the same layouts against a real peer.
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { GodotError, NetError, StreamPeerBuffer } from "../../src/index.ts";

const hex = (b: Uint8Array): string => Array.from(b, (x) => x.toString(16).padStart(2, "0")).join(" ");

function bytesOf(fill: (p: StreamPeerBuffer) => void, bigEndian = false): string {
  const p = new StreamPeerBuffer();
  p.bigEndian = bigEndian;
  fill(p);
  return hex(p.dataArray);
}

function reader(bytes: number[], bigEndian = false): StreamPeerBuffer {
  const p = new StreamPeerBuffer();
  p.setDataArray(Uint8Array.from(bytes));
  p.bigEndian = bigEndian;
  return p;
}

describe("StreamPeer typed puts: byte layouts", () => {
  test("integers, little endian (default) and big endian", () => {
    const all = (p: StreamPeerBuffer): void => {
      p.put8(-2);
      p.putU8(0xfe);
      p.put16(-0x1234);
      p.putU16(0xbeef);
      p.put32(-0x12345678);
      p.putU32(0xdeadbeef);
      p.put64(-0x0123456789abcdefn);
      p.putU64(0xfedcba9876543210n);
    };
    assert.equal(
      bytesOf(all),
      "fe fe cc ed ef be 88 a9 cb ed ef be ad de 11 32 54 76 98 ba dc fe 10 32 54 76 98 ba dc fe",
    );
    assert.equal(
      bytesOf(all, true),
      "fe fe ed cc be ef ed cb a9 88 de ad be ef fe dc ba 98 76 54 32 11 fe dc ba 98 76 54 32 10",
    );
  });

  test("64-bit puts accept safe-integer numbers and bigint extremes", () => {
    assert.equal(bytesOf((p) => p.put64(-1)), "ff ff ff ff ff ff ff ff");
    assert.equal(bytesOf((p) => p.put64(-(2n ** 63n))), "00 00 00 00 00 00 00 80");
    assert.equal(bytesOf((p) => p.putU64(2n ** 64n - 1n)), "ff ff ff ff ff ff ff ff");
    assert.equal(bytesOf((p) => p.putU64(Number.MAX_SAFE_INTEGER), true), "00 1f ff ff ff ff ff ff");
  });

  test("float and double in both byte orders", () => {
    assert.equal(bytesOf((p) => p.putFloat(1.5)), "00 00 c0 3f");
    assert.equal(bytesOf((p) => p.putFloat(1.5), true), "3f c0 00 00");
    assert.equal(bytesOf((p) => p.putDouble(-2.25)), "00 00 00 00 00 00 02 c0");
    assert.equal(bytesOf((p) => p.putDouble(-2.25), true), "c0 02 00 00 00 00 00 00");
    // putFloat narrows to float32 with round-to-nearest, as a C++ float parameter does.
    assert.equal(bytesOf((p) => p.putFloat(0.1)), "cd cc cc 3d");
  });

  test("half floats follow Godot's make_half_float (truncation, no subnormals)", () => {
    const half = (v: number): string => bytesOf((p) => p.putHalf(v), true);
    assert.equal(half(1), "3c 00");
    assert.equal(half(1.5), "3e 00");
    assert.equal(half(-2), "c0 00");
    assert.equal(half(65504), "7b ff");
    assert.equal(half(2 ** -14), "04 00"); // smallest normal half
    // Truncates: 1 + 0.9 ulp stays 1.0 (round-to-nearest would give 0x3c01).
    assert.equal(half(1 + 0.9 * 2 ** -10), "3c 00");
    // 65520 rounds up to infinity in IEEE; Godot truncates it to the largest finite half.
    assert.equal(half(65520), "7b ff");
    assert.equal(half(65536), "7c 00");
    assert.equal(half(-1e9), "fc 00");
    assert.equal(half(Infinity), "7c 00");
    // Subnormal range flushes to +0, the sign is dropped.
    assert.equal(half(1e-6), "00 00");
    assert.equal(half(-1e-6), "00 00");
    assert.equal(half(-0), "00 00");
    assert.equal(half(NaN), "7f ff");
    assert.equal(bytesOf((p) => p.putHalf(1.5)), "00 3e"); // little endian
  });

  test("getHalf decodes exactly, subnormals included", () => {
    assert.equal(reader([0x00, 0x3e]).getHalf(), 1.5);
    assert.equal(reader([0x7b, 0xff], true).getHalf(), 65504);
    assert.equal(reader([0x00, 0x01], true).getHalf(), 2 ** -24);
    assert.equal(reader([0xfc, 0x00], true).getHalf(), -Infinity);
    assert.ok(Number.isNaN(reader([0x7e, 0x00], true).getHalf()));
    assert.ok(Object.is(reader([0x80, 0x00], true).getHalf(), -0));
  });

  test("putString: u32 byte length then ASCII bytes, no terminator", () => {
    assert.equal(bytesOf((p) => p.putString("abc")), "03 00 00 00 61 62 63");
    assert.equal(bytesOf((p) => p.putString("abc"), true), "00 00 00 03 61 62 63");
    assert.equal(bytesOf((p) => p.putString("")), "00 00 00 00");
  });

  test("putUtf8String: u32 UTF-8 byte length then the bytes", () => {
    assert.equal(bytesOf((p) => p.putUtf8String("é€")), "05 00 00 00 c3 a9 e2 82 ac");
    assert.equal(bytesOf((p) => p.putUtf8String("😀"), true), "00 00 00 04 f0 9f 98 80");
  });
});

describe("StreamPeer typed gets", () => {
  test("round trip of every type in both byte orders", () => {
    for (const big of [false, true]) {
      const p = new StreamPeerBuffer();
      p.bigEndian = big;
      p.put8(-128);
      p.putU8(255);
      p.put16(-32768);
      p.putU16(65535);
      p.put32(-2147483648);
      p.putU32(4294967295);
      p.put64(-(2n ** 63n));
      p.putU64(2n ** 64n - 1n);
      p.putHalf(-0.5);
      p.putFloat(3.25);
      p.putDouble(Math.PI);
      p.putString("Godot");
      p.putUtf8String("ünïcødé ✓");
      p.seek(0);
      assert.equal(p.get8(), -128);
      assert.equal(p.getU8(), 255);
      assert.equal(p.get16(), -32768);
      assert.equal(p.getU16(), 65535);
      assert.equal(p.get32(), -2147483648);
      assert.equal(p.getU32(), 4294967295);
      assert.equal(p.get64(), -(2n ** 63n));
      assert.equal(p.getU64(), 2n ** 64n - 1n);
      assert.equal(p.getHalf(), -0.5);
      assert.equal(p.getFloat(), 3.25);
      assert.equal(p.getDouble(), Math.PI);
      assert.equal(p.getString(), "Godot");
      assert.equal(p.getUtf8String(), "ünïcødé ✓");
      assert.equal(p.getAvailableBytes(), 0);
    }
  });

  test("getString(n) reads n bytes as Latin-1 and stops at the first NUL, as Godot's String(const char*)", () => {
    const p = reader([0x41, 0xe9, 0x80, 0x00, 0x42, 0x43]);
    assert.equal(p.getString(6), "A\u00e9\u0080");
    assert.equal(p.getAvailableBytes(), 0);
  });

  test("getUtf8String drops a BOM and replaces malformed bytes with U+FFFD", () => {
    assert.equal(reader([5, 0, 0, 0, 0xef, 0xbb, 0xbf, 0x68, 0x69]).getUtf8String(), "hi");
    assert.equal(reader([0x61, 0xff, 0x62]).getUtf8String(3), "a\ufffdb");
  });

  test("a read that does not fit consumes nothing and throws a NetError", () => {
    const p = reader([10, 0, 0, 0, 0x61, 0x62]);
    assert.throws(() => p.getString(), (e: unknown) => e instanceof NetError && e.code === GodotError.ERR_FILE_EOF);
    assert.equal(p.getAvailableBytes(), 6);
    assert.throws(() => p.getU64(), NetError);
    assert.equal(p.getU32(), 10);
  });

  test("a length prefix above 2^31-1 is refused as invalid data", () => {
    const p = reader([0xff, 0xff, 0xff, 0xff, 0x61]);
    assert.throws(() => p.getUtf8String(), (e: unknown) => e instanceof NetError && e.code === GodotError.ERR_INVALID_DATA);
    assert.equal(p.getAvailableBytes(), 5);
  });

  test("getData / getPartialData: Godot 4.6's codes (ERR_INVALID_PARAMETER for a short get_data, OK and nothing at the end)", async () => {
    const p = reader([1, 2, 3]);
    assert.deepEqual(await p.getData(2), Uint8Array.of(1, 2));
    await assert.rejects(p.getData(2), (e: unknown) => e instanceof NetError && e.code === GodotError.ERR_INVALID_PARAMETER);
    assert.deepEqual(p.getPartialData(5), [GodotError.OK, Uint8Array.of(3)]);
    assert.deepEqual(p.getPartialData(5), [GodotError.OK, new Uint8Array(0)]);
    assert.deepEqual(p.getPartialData(0), [GodotError.OK, new Uint8Array(0)]);
  });

  test("duplicate copies the bytes only: cursor at 0 and little-endian, as Godot 4.6's", () => {
    const p = reader([1, 0, 0, 2], true);
    p.seek(2);
    const copy = p.duplicate();
    assert.equal(copy.bigEndian, false);
    assert.equal(copy.getPosition(), 0);
    assert.equal(copy.getU32(), 0x02000001);
    assert.equal(p.getPosition(), 2);
  });
});

describe("StreamPeer argument validation", () => {
  const p = new StreamPeerBuffer();
  test("integers out of range throw RangeError naming the method and range (the shared util/args checker)", () => {
    assert.throws(() => p.put8(128), /put8: value must be in -128\.\.127, got 128/);
    assert.throws(() => p.putU8(-1), RangeError);
    assert.throws(() => p.put16(40000), RangeError);
    assert.throws(() => p.putU16(65536), RangeError);
    assert.throws(() => p.put32(2 ** 31), RangeError);
    assert.throws(() => p.putU32(2 ** 32), /putU32: value must be in 0\.\.4294967295/);
    assert.throws(() => p.put64(2n ** 63n), RangeError);
    assert.throws(() => p.putU64(-1n), RangeError);
    assert.throws(() => p.put64(2 ** 60), /safe integer/);
  });
  test("wrong types (a non-integer for an integer too) throw TypeError", () => {
    assert.throws(() => p.putU32(1.5), /putU32: value must be an integer in 0\.\.4294967295, got 1\.5/);
    assert.throws(() => p.putU8("1" as unknown as number), TypeError);
    assert.throws(() => p.put64("1" as unknown as bigint), TypeError);
    assert.throws(() => p.putFloat(undefined as unknown as number), TypeError);
    assert.throws(() => p.putString(5 as unknown as string), TypeError);
    assert.throws(() => p.putData([1, 2] as unknown as Uint8Array), TypeError);
    assert.throws(() => p.getString(1.5), TypeError);
  });
  test("putString writes a space for each code point above U+007F and logs Godot's error, as Godot 4's String::ascii()", () => {
    const logged: string[] = [];
    const original = console.error;
    console.error = (...args: unknown[]) => void logged.push(args.join(" "));
    try {
      assert.equal(bytesOf((q) => q.putString("café")), "04 00 00 00 63 61 66 20");
      // One code point outside the BMP is one space (Godot's String is UTF-32), not two.
      assert.equal(bytesOf((q) => q.putString("a\u{1F600}b\u00FF")), "04 00 00 00 61 20 62 20");
    } finally {
      console.error = original;
    }
    assert.equal(logged.length, 2);
    assert.match(logged[0]!, /^Unicode parsing error: Invalid unicode codepoint \(e9\), cannot represent as ASCII\/Latin-1$/);
    assert.match(logged[1]!, /codepoint \(1f600\).*and 1 more/);
  });
  test("nothing was written by the failed calls", () => {
    assert.equal(p.getSize(), 0);
  });
});

describe("StreamPeerBuffer async typed reads", () => {
  test("resolve at once from the buffer, in order; a value past the end rejects like the synchronous read", async () => {
    const p = new StreamPeerBuffer();
    p.put32(-7);
    p.putUtf8String("hé");
    p.putDouble(1.5);
    p.seek(0);
    const [a, b, c] = await Promise.all([p.get32Async(), p.getUtf8StringAsync(), p.getDoubleAsync()]);
    assert.deepEqual([a, b, c], [-7, "hé", 1.5]);
    await p.waitAvailable(0);
    await assert.rejects(p.getU16Async(), NetError);
    await assert.rejects(p.waitAvailable(1), NetError);
  });
});
