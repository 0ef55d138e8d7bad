// Godot 4's server pattern: a TCPServer hands out StreamPeerTCPs and
// WebSocketPeer.acceptStream(tcpPeer) runs the WebSocket server handshake on them.
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { TCPServer } from "../../src/tcp/server.ts";
import { StreamPeerTCP } from "../../src/tcp/tcp.ts";
import { StreamPeerSocketStatus } from "../../src/tcp/stream-peer-socket.ts";
import { WebSocketPeer } from "../../src/websocket/peer.ts";
import { WebSocketState } from "../../src/websocket/connection-core.ts";
import { GodotError, NetError } from "../../src/errors.ts";
import { nextPacket, pollUntil, sleep } from "./support.ts";

async function takeTcp(server: TCPServer, ms = 5000): Promise<StreamPeerTCP> {
  const end = Date.now() + ms;
  for (;;) {
    const peer = server.takeConnection();
    if (peer) return peer;
    if (Date.now() > end) throw new Error(`no TCP connection within ${ms} ms`);
    await sleep(1);
  }
}

describe("WebSocketPeer.acceptStream(StreamPeerTCP)", () => {
  test("TCPServer.takeConnection() -> acceptStream: handshake, text and binary both ways, clean close", async () => {
    const tcpServer = new TCPServer();
    await tcpServer.listen(0, "127.0.0.1");
    const client = new WebSocketPeer();
    const serverPeer = new WebSocketPeer();
    try {
      client.connectToUrl(`ws://127.0.0.1:${tcpServer.getLocalPort()}/game`);
      // Let the client's handshake request arrive before the connection is taken.
      await pollUntil([client], () => tcpServer.isConnectionAvailable(), 5000, "the TCP connection");
      await sleep(20);
      const tcp = await takeTcp(tcpServer);
      assert.equal(tcp.getStatus(), StreamPeerSocketStatus.STATUS_CONNECTED);
      const tcpPort = tcp.getConnectedPort();
      assert.equal(serverPeer.acceptStream(tcp), GodotError.OK);
      // Godot's state: the StreamPeerTCP stays CONNECTED (the WebSocketPeer holds a reference to it) ...
      assert.equal(tcp.getStatus(), StreamPeerSocketStatus.STATUS_CONNECTED, "the TCP peer stays CONNECTED while the WebSocket uses it");
      assert.equal(tcp.getConnectedPort(), tcpPort);
      assert.equal(tcp.getAvailableBytes(), 0, "the WebSocket, not the TCP peer, reads the connection");
      assert.equal(tcp.putData(new Uint8Array([1])), GodotError.FAILED, "nor does it write to it");
      await pollUntil([client, serverPeer], () => client.getReadyState() === WebSocketState.STATE_OPEN && serverPeer.getReadyState() === WebSocketState.STATE_OPEN, 5000, "both OPEN");
      assert.equal(serverPeer.getRequestResource(), "/game");
      assert.equal(serverPeer.getRequestedUrl(), `ws://127.0.0.1:${tcpServer.getLocalPort()}/game`, "Godot's requested URL: ws:// + Host + path");

      client.sendText("hello from the client");
      const a = await nextPacket(serverPeer);
      assert.equal(new TextDecoder().decode(a.data), "hello from the client");
      assert.equal(a.isString, true);
      serverPeer.send(new Uint8Array([1, 2, 3, 250]));
      const b = await nextPacket(client);
      assert.deepEqual([...b.data], [1, 2, 3, 250]);
      assert.equal(b.isString, false);

      client.close(4000, "bye");
      await pollUntil([client, serverPeer], () => client.getReadyState() === WebSocketState.STATE_CLOSED && serverPeer.getReadyState() === WebSocketState.STATE_CLOSED, 5000, "both CLOSED");
      assert.equal(serverPeer.getCloseCode(), 4000);
      assert.equal(serverPeer.getCloseReason(), "bye");
      // ... and goes to NONE once the WebSocketPeer has closed the connection.
      await pollUntil([serverPeer], () => tcp.getStatus() === StreamPeerSocketStatus.STATUS_NONE, 5000, "the TCP peer to be NONE");
    } finally {
      client.close(-1);
      serverPeer.close(-1);
      tcpServer.stop();
    }
  });

  test("bytes the StreamPeerTCP already received (the client's handshake) are handed over with the connection", async () => {
    const tcpServer = new TCPServer();
    await tcpServer.listen(0, "127.0.0.1");
    const client = new WebSocketPeer();
    const serverPeer = new WebSocketPeer();
    try {
      client.connectToUrl(`ws://127.0.0.1:${tcpServer.getLocalPort()}/buffered`);
      await pollUntil([client], () => tcpServer.isConnectionAvailable(), 5000, "the TCP connection");
      const tcp = await takeTcp(tcpServer);
      // Let the TCP peer read the whole request into its own buffer before the hand-over.
      // (A client request with its Sec-WebSocket-Key header is well over 150 bytes.)
      await pollUntil([client], () => tcp.getAvailableBytes() >= 150, 5000, "the handshake request in the TCP peer's buffer");
      await sleep(20);
      const buffered = tcp.getAvailableBytes();
      assert.equal(serverPeer.acceptStream(tcp), GodotError.OK);
      await pollUntil([client, serverPeer], () => client.getReadyState() === WebSocketState.STATE_OPEN && serverPeer.getReadyState() === WebSocketState.STATE_OPEN, 5000, `both OPEN after handing over ${buffered} buffered bytes`);
      assert.equal(serverPeer.getRequestResource(), "/buffered");
      client.sendText("after the hand-over");
      assert.equal(new TextDecoder().decode((await nextPacket(serverPeer)).data), "after the hand-over");
    } finally {
      client.close(-1);
      serverPeer.close(-1);
      tcpServer.stop();
    }
  });

  test("a StreamPeerTCP that is not connected is taken as Godot 4.6's accept_stream takes it: OK and CONNECTING, CLOSED at the next poll()", () => {
    const peer = new WebSocketPeer();
    assert.equal(peer.acceptStream(new StreamPeerTCP()), GodotError.OK);
    assert.equal(peer.getReadyState(), WebSocketState.STATE_CONNECTING);
    peer.poll();
    assert.equal(peer.getReadyState(), WebSocketState.STATE_CLOSED);
    assert.equal(peer.getCloseCode(), -1);
  });
});
