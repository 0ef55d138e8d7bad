// Exact byte layouts of every put_*/get_* against a real peer: python3's socket
// and struct modules (spec-tests/tcp/peers/stream_peer.py) check what we send
// and send the same values for us to decode, in both byte orders.
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { StreamPeerTCP, StreamPeerSocketStatus as S, TCPServer } from "../../src/index.ts";
import { exchange } from "./layout.ts";
import { peerPort, spawnPython, until } from "./spawn-peer.ts";
import { ipv6LoopbackMissing } from "../transport/support/ipv6.ts";

describe("byte layouts against python3 socket + struct", () => {
  test("StreamPeerTCP client -> python server (IPv4)", async () => {
    const py = spawnPython("server", "layout");
    const peer = new StreamPeerTCP();
    try {
      await peer.connectToHost("127.0.0.1", await peerPort(py));
      assert.equal(peer.getStatus(), S.STATUS_CONNECTED);
      await exchange(peer);
      peer.disconnectFromHost();
      const { code, stderr } = await py.exited;
      assert.equal(code, 0, stderr);
    } finally {
      peer.disconnectFromHost();
      py.kill();
    }
  });

  test("python client -> TCPServer listening on '*' (dual-stack, client on ::1)", { skip: ipv6LoopbackMissing() ?? false }, async () => {
    const server = new TCPServer();
    let py: ReturnType<typeof spawnPython> | undefined;
    try {
      await server.listen(0);
      assert.equal(server.isListening(), true);
      py = spawnPython("client", "layout", "::1", String(server.getLocalPort()));
      await until(() => server.isConnectionAvailable(), "python to connect");
      const peer = server.takeConnection()!;
      assert.equal(peer.getStatus(), S.STATUS_CONNECTED);
      assert.equal(peer.getConnectedHost(), "0:0:0:0:0:0:0:1"); // Godot's IPAddress text, as IP.getLocalAddresses()
      assert.ok(peer.getConnectedPort() > 0);
      assert.equal(peer.getLocalPort(), server.getLocalPort());
      await exchange(peer);
      peer.disconnectFromHost();
      const { code, stderr } = await py.exited;
      assert.equal(code, 0, stderr);
      assert.equal(server.takeConnection(), null);
    } finally {
      server.stop();
      py?.kill();
    }
  });
});
