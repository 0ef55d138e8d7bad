// Against real Godot: godot3-server (Godot 3.2.3 headless) runs
// peers/godot/stream_peer.gd, whose StreamPeerTCP connects to our TCPServer,
// writes put_* values in both byte orders (we compare its bytes with ours) and
// reads ours back with get_* (it checks the values). Godot 3 has no put_half;
// half floats are covered by the python and unit tests.
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { StreamPeerBuffer, StreamPeerSocketStatus as S, TCPServer, type StreamPeer } from "../../src/index.ts";
import { ROOT, spawnPeer, until, type Peer } from "./spawn-peer.ts";

const GODOT = "/usr/bin/godot3-server";
const PROJECT = join(ROOT, "spec-tests", "tcp", "peers", "godot");

// The same values, in the same order, as put_all() in stream_peer.gd.
function putAll(p: StreamPeer): void {
  p.put8(-2);
  p.putU8(255);
  p.put16(-32768);
  p.putU16(65535);
  p.put32(-2147483648);
  p.putU32(4294967295);
  p.put64(-81985529216486895n);
  p.putU64(9141386507638288912n);
  p.putFloat(1.5);
  p.putDouble(3.141592653589793);
  p.putString("Hello, Godot!");
  p.putUtf8String("h\u00e9llo w\u00f6rld \u65e5\u672c\u8a9e");
}

function expectedBytes(): Uint8Array {
  const b = new StreamPeerBuffer();
  b.bigEndian = false;
  putAll(b);
  b.bigEndian = true;
  putAll(b);
  return b.dataArray;
}

describe("byte layouts against real Godot", { skip: !existsSync(GODOT) && "godot3-server not installed" }, () => {
  test("Godot 3.2.3 StreamPeerTCP <-> TCPServer: put_*/get_* both ways, both byte orders", async () => {
    const server = new TCPServer();
    let godot: Peer | undefined;
    try {
      await server.listen(0, "127.0.0.1");
      godot = spawnPeer(GODOT, ["--path", PROJECT, "-s", "stream_peer.gd", `pp_port=${server.getLocalPort()}`], 30_000);
      await until(() => server.isConnectionAvailable(), "Godot to connect", 25_000);
      const peer = server.takeConnection()!;
      const expected = expectedBytes();
      const got = await peer.getData(expected.length);
      assert.deepEqual(got, expected, "Godot's put_* bytes differ from ours");
      peer.bigEndian = false;
      putAll(peer);
      peer.bigEndian = true;
      putAll(peer);
      const { stdout, stderr } = await godot.exited;
      assert.match(stdout, /GODOT OK/, `${stdout}\n${stderr}`);
      await until(() => (peer.poll(), peer.getStatus() !== S.STATUS_CONNECTED), "Godot's disconnect");
      assert.equal(peer.getStatus(), S.STATUS_NONE);
    } finally {
      server.stop();
      godot?.kill();
    }
  });
});
