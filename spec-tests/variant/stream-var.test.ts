// StreamPeer.putVar/getVar (u32 length in the stream's endianness, Variant body
// little-endian) and the PacketPeer put_var/get_var helper.
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { GodotError, NetError } from "../../src/errors.ts";
import { StreamPeerBuffer, StreamPeerTCP, TCPServer } from "../../src/tcp/index.ts";
import { MemoryNetwork } from "../../src/transport/memory.ts";
import { PacketPeerVariants } from "../../src/core/packet-peer.ts";
import { StringName, Vector2, varToBytes, varToBytesWithObjects, GodotObject } from "../../src/variant/index.ts";
import { hex } from "./support.ts";

describe("StreamPeer.putVar / getVar", () => {
  test("length prefix follows bigEndian, the body stays little-endian", () => {
    const value = { pos: new Vector2(1, 2), name: new StringName("p") };
    const body = varToBytes(value);
    for (const bigEndian of [false, true]) {
      const spb = new StreamPeerBuffer();
      spb.bigEndian = bigEndian;
      spb.putVar(value);
      const data = spb.getDataArray();
      assert.equal(new DataView(data.buffer).getUint32(0, !bigEndian), body.length);
      assert.equal(hex(data.subarray(4)), hex(body));
      spb.seek(0);
      assert.deepEqual(spb.getVar(), value);
      assert.equal(spb.getAvailableBytes(), 0);
    }
  });

  test("getVar is atomic: the class's short-read error (a buffer's ERR_FILE_EOF) until the whole Variant is there, nothing consumed", () => {
    const full = new StreamPeerBuffer();
    full.putVar("hello");
    const bytes = full.getDataArray();
    const partial = new StreamPeerBuffer();
    partial.putData(bytes.subarray(0, bytes.length - 1));
    partial.seek(0);
    assert.throws(() => partial.getVar(), (e: unknown) => e instanceof NetError && e.code === GodotError.ERR_FILE_EOF);
    assert.equal(partial.getAvailableBytes(), bytes.length - 1);
  });

  test("getVarAsync waits for the bytes; an invalid body gives null (consumed), as Godot's get_var", async () => {
    const spb = new StreamPeerBuffer();
    spb.putVar([1, 2, 3], false, { protocol: "godot3" });
    spb.putU32(4);
    spb.putU32(0xff); // type 255: not a Variant
    spb.putVar(7);
    spb.seek(0);
    assert.deepEqual(await spb.getVarAsync(false, { protocol: "godot3" }), [1, 2, 3]);
    assert.equal(spb.getVar(), null);
    assert.equal(spb.getVar(), 7);
  });

  test("getVarAsync over TCP (simulated network) waits for a Variant sent in pieces, in call order with the other async reads", async () => {
    const net = new MemoryNetwork({ seed: 12 });
    net.setLink("10.0.0.1", "10.0.0.2", { latencyMs: 20 });
    const server = new TCPServer({ runtime: net.createRuntime("10.0.0.2") });
    await server.listen(7100);
    const client = new StreamPeerTCP({ runtime: net.createRuntime("10.0.0.1") });
    await client.connectToHost("10.0.0.2", 7100);
    await net.runUntil(() => server.isConnectionAvailable(), 1000);
    const peer = server.takeConnection()!;
    peer.bigEndian = client.bigEndian = true;
    const value = { pos: new Vector2(1, 2), list: [1, "two", 3.5] };
    const wire = new StreamPeerBuffer();
    wire.bigEndian = true;
    wire.putVar(value);
    wire.put32(-7);
    const bytes = wire.getDataArray();
    const gotVar = peer.getVarAsync();
    const got32 = peer.get32Async();
    for (let i = 0; i < bytes.length; i += 5) {
      client.putData(bytes.subarray(i, i + 5));
      await net.runFor(10);
    }
    await net.runFor(50);
    assert.deepEqual(await gotVar, value);
    assert.equal(await got32, -7);
    client.disconnectFromHost();
    server.stop();
    net.close();
  });

  test("whole objects need fullObjects to send and allowObjects to receive", () => {
    const obj = new GodotObject("Resource", { resource_name: "r" });
    const spb = new StreamPeerBuffer();
    assert.throws(() => spb.putVar(obj), TypeError);
    spb.putVar(obj, true);
    spb.putVar(obj, true);
    spb.seek(0);
    assert.equal(spb.getVar(), null, "refused without allowObjects (Godot: ERR_UNAUTHORIZED, nil)");
    const decoded = spb.getVar(true) as GodotObject;
    assert.equal(hex(varToBytesWithObjects(decoded)), hex(varToBytesWithObjects(obj)));
  });
});

describe("PacketPeer put_var / get_var (PacketPeerVariants)", () => {
  class Loopback {
    readonly queue: Uint8Array[] = [];
    readonly vars = new PacketPeerVariants();
    getAvailablePacketCount(): number {
      return this.queue.length;
    }
    getPacket(): Uint8Array {
      return this.queue.shift() ?? new Uint8Array(0);
    }
    putPacket(buffer: Uint8Array): GodotError {
      this.queue.push(buffer);
      return GodotError.OK;
    }
  }

  test("one Variant per packet; null when none is queued or it does not decode", () => {
    const peer = new Loopback();
    assert.equal(peer.vars.putVar(peer, { a: [1, "x"] }), GodotError.OK);
    assert.equal(hex(peer.queue[0]!), hex(varToBytes({ a: [1, "x"] })));
    assert.deepEqual(peer.vars.getVar(peer), { a: [1, "x"] });
    assert.equal(peer.vars.getVar(peer), null);
    peer.queue.push(new Uint8Array([1, 2, 3]));
    assert.equal(peer.vars.getVar(peer), null);
    assert.equal(peer.getAvailablePacketCount(), 0, "the bad packet was consumed");
  });

  test("encodeBufferMaxSize: Godot's 8 MiB default, 1 KiB..256 MiB rounded up to a power of two, ERR_OUT_OF_MEMORY above it", () => {
    const peer = new Loopback();
    assert.equal(peer.vars.encodeBufferMaxSize, 8 * 1024 * 1024);
    peer.vars.encodeBufferMaxSize = 1500;
    assert.equal(peer.vars.encodeBufferMaxSize, 2048);
    assert.throws(() => (peer.vars.encodeBufferMaxSize = 1000), RangeError);
    assert.throws(() => (peer.vars.encodeBufferMaxSize = 257 * 1024 * 1024), RangeError);
    assert.equal(peer.vars.putVar(peer, new Uint8Array(2040)), GodotError.OK); // 4 + 4 + 2040 = 2048
    assert.equal(peer.vars.putVar(peer, new Uint8Array(2041)), GodotError.ERR_OUT_OF_MEMORY);
    assert.equal(peer.queue.length, 1);
  });

  test("a default protocol applies unless the call overrides it", () => {
    const peer = new Loopback();
    const g3 = new PacketPeerVariants(() => ({ protocol: "godot3" }));
    g3.putVar(peer, new Vector2(1, 2));
    assert.equal(peer.queue[0]![0], 5);
    g3.putVar(peer, [], false, { protocol: "godot4" });
    assert.equal(peer.queue[1]![0], 28);
  });
});
