// StreamPeerGZIP: gzip and zlib ("deflate" in Godot's words) through the StreamPeer API, checked
// against node:zlib (present on Node, Deno and Bun) both ways; the output bound holding against a
// decompression bomb; Godot's error codes. Real Godot 4.6: spec-tests/godot4/stream-peer-gzip.godot4.test.ts.
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { gunzipSync, gzipSync, inflateSync, deflateSync } from "node:zlib";
import { GodotError, NetError, StreamPeerGZIP } from "../../src/index.ts";

const text = new TextEncoder().encode(Array.from({ length: 3000 }, (_, i) => `line ${i}: ${(i * 7919) % 1000}`).join("\n"));

/** Put all of `input` through `gz`, reading its output as it comes; returns the output. */
function through(gz: StreamPeerGZIP, input: Uint8Array, finish: boolean): Uint8Array {
  const parts: Uint8Array[] = [];
  for (let at = 0; at < input.length; ) {
    const [err, taken] = gz.putPartialData(input.subarray(at, at + 1000));
    assert.equal(err, GodotError.OK);
    at += taken;
    parts.push(gz.getPartialData(gz.getAvailableBytes())[1]);
  }
  if (finish) assert.equal(gz.finish(), GodotError.OK);
  parts.push(gz.getPartialData(gz.getAvailableBytes())[1]);
  return new Uint8Array(Buffer.concat(parts));
}

describe("StreamPeerGZIP", () => {
  test("compresses to gzip and zlib that node:zlib reads, and reads what node:zlib wrote", () => {
    for (const deflate of [false, true]) {
      const gz = new StreamPeerGZIP();
      assert.equal(gz.startCompression(deflate), GodotError.OK);
      const packed = through(gz, text, true);
      assert.ok(packed.length < text.length / 2);
      assert.deepEqual(new Uint8Array(deflate ? inflateSync(packed) : gunzipSync(packed)), text);
      const back = new StreamPeerGZIP();
      assert.equal(back.startDecompression(deflate), GodotError.OK);
      const theirs = deflate ? deflateSync(text) : gzipSync(text);
      assert.deepEqual(through(back, new Uint8Array(theirs), false), text);
    }
  });

  test("the output waits in a bounded buffer: a decompression bomb is taken only as fast as it is read", () => {
    const bomb = new Uint8Array(gzipSync(new Uint8Array(50 * 1024 * 1024)));
    const gz = new StreamPeerGZIP();
    gz.startDecompression(false, 65535);
    let at = 0;
    let out = 0;
    let largest = 0;
    while (at < bomb.length) {
      const [err, taken] = gz.putPartialData(bomb.subarray(at));
      assert.equal(err, GodotError.OK);
      at += taken;
      largest = Math.max(largest, gz.getAvailableBytes());
      // Godot's rule: input is taken only while more than 1 KiB of the 64 KiB buffer is free.
      assert.ok(gz.getAvailableBytes() <= 65536, `held ${gz.getAvailableBytes()}`);
      out += gz.getPartialData(1 << 20)[1].length;
    }
    out += gz.getPartialData(1 << 20)[1].length;
    assert.equal(out, 50 * 1024 * 1024);
    assert.ok(largest > 32 * 1024, "the buffer is used");
    // Unread, a put takes only what fits.
    const full = new StreamPeerGZIP();
    full.startDecompression(false, 65535);
    const [, taken] = full.putPartialData(bomb);
    assert.ok(taken < bomb.length && full.getAvailableBytes() <= 65536);
    assert.equal(full.putData(bomb), GodotError.ERR_OUT_OF_MEMORY);
  });

  test("Godot's error codes; typed reads of the output; corrupt input ends the stream until clear()", async () => {
    const gz = new StreamPeerGZIP();
    assert.deepEqual(gz.putPartialData(text), [GodotError.ERR_UNCONFIGURED, 0]);
    assert.equal(gz.putData(text), GodotError.ERR_UNCONFIGURED);
    // Godot 4.6's bindings answer an empty array with OK before the stream looks at it.
    assert.equal(gz.putData(new Uint8Array(0)), GodotError.OK);
    assert.deepEqual(gz.putPartialData(new Uint8Array(0)), [GodotError.OK, 0]);
    assert.equal(gz.finish(), GodotError.ERR_UNAVAILABLE);
    assert.equal(gz.startDecompression(true), GodotError.OK);
    assert.equal(gz.startCompression(), GodotError.ERR_ALREADY_IN_USE);
    assert.equal(gz.finish(), GodotError.ERR_UNAVAILABLE, "finish is for compression");
    // A zlib stream of a u32 and a string, read with the typed getters.
    const source = new Uint8Array([0x78, 0x56, 0x34, 0x12, 104, 105]);
    assert.equal(gz.putData(new Uint8Array(deflateSync(source))), GodotError.OK);
    assert.equal(gz.getU32(), 0x12345678);
    assert.deepEqual(await gz.getData(2), new Uint8Array([104, 105]));
    await assert.rejects(gz.getData(1), (e: unknown) => e instanceof NetError && e.code === GodotError.ERR_UNAVAILABLE);
    assert.throws(() => gz.getU8(), (e: unknown) => e instanceof NetError && e.code === GodotError.ERR_UNAVAILABLE);

    const bad = new StreamPeerGZIP();
    bad.startDecompression(false);
    assert.equal(bad.putData(new Uint8Array([0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 3, 0xff, 0xff, 0xff, 0xff])), GodotError.FAILED);
    assert.deepEqual(bad.putPartialData(new Uint8Array(4)), [GodotError.FAILED, 0]);
    bad.clear();
    assert.equal(bad.startCompression(true), GodotError.OK);
    const finished = through(bad, text, true);
    assert.deepEqual(new Uint8Array(inflateSync(finished)), text);
    // As Godot 4.6: finishing again is OK and adds nothing; putting more after the end is FAILED.
    assert.equal(bad.finish(), GodotError.OK);
    assert.equal(bad.getAvailableBytes(), 0);
    assert.equal(bad.putData(text), GodotError.FAILED);
    assert.throws(() => gz.startCompression(true, 0), RangeError);
    assert.throws(() => gz.startCompression("yes" as never), TypeError);
  });
});
