// WebSocketPeer members checked against what Godot 4 (modules/websocket/wsl_peer.cpp) does:
// scheme-less URLs, close codes passed as given, Nagle off on every connection,
// getRequestedUrl() on accepted peers, isConnectedToHost() until the close handshake ends,
// nothing readable once closing, and the acceptStream hand-over of a StreamPeerTCP.
// On the simulated network (virtual clock): exact, fast, no real sockets.
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { MemoryNetwork } from "../../src/transport/memory.ts";
import type { VirtualClock } from "../../src/transport/virtual-clock.ts";
import type { RuntimeAdapter, Stream } from "../../src/transport/types.ts";
import { WebSocketPeer } from "../../src/websocket/peer.ts";
import { WebSocketServer } from "../../src/websocket/server.ts";
import { WebSocketState } from "../../src/websocket/connection-core.ts";
import { computeAcceptKey } from "../../src/websocket/handshake.ts";
import { GodotError } from "../../src/errors.ts";
import { StreamPeerSocketStatus, StreamPeerTCP, TCPServer } from "../../src/index.ts";
import { describeFrame, parseFrames, splitHead } from "./raw-wire.ts";
import { Crypto } from "../../src/crypto/crypto.ts";
import { TLSOptions } from "../../src/crypto/tls-options.ts";
import { ConnectionStatus, WebSocketMultiplayerPeer } from "../../src/multiplayer/index.ts";

const S = WebSocketState;

function world() {
  const net = new MemoryNetwork({ seed: 11 });
  const serverRt = net.createRuntime("127.0.0.1");
  const clientRt = net.createRuntime("127.0.0.2");
  return { net, serverRt, clientRt, clock: serverRt.clock as VirtualClock };
}

/** A client OPEN with our WebSocketServer on `port`, and the server's peer for it. */
async function openPair(port: number) {
  const w = world();
  const server = new WebSocketServer({}, { runtime: w.serverRt });
  await server.listen(port);
  const client = new WebSocketPeer({ runtime: w.clientRt });
  client.connectToUrl(`ws://127.0.0.1:${port}/`);
  assert.ok(await w.clock.runUntil(() => (client.poll(), server.isConnectionAvailable()), 5000));
  const srv = server.takeConnection()!;
  assert.ok(await w.clock.runUntil(() => (client.poll(), client.getReadyState() === S.STATE_OPEN), 5000));
  return { ...w, server, client, srv };
}

/** A stream that records setNoDelay calls. */
function spied(stream: Stream, calls: boolean[]): Stream {
  return new Proxy(stream, {
    get(target, key) {
      if (key === "setNoDelay") return (on: boolean) => (calls.push(on), target.setNoDelay(on));
      const v = Reflect.get(target, key, target) as unknown;
      return typeof v === "function" ? (v as (...a: unknown[]) => unknown).bind(target) : v;
    },
  });
}

/** A raw server: answers the upgrade, then records what the client sends. */
async function rawServer(rt: RuntimeAdapter, port: number) {
  let received = new Uint8Array(0);
  const listener = await rt.streams.listen({ host: "127.0.0.1", port }, (s) => {
    s.onData((chunk) => {
      const all = new Uint8Array(received.length + chunk.length);
      all.set(received);
      all.set(chunk, received.length);
      received = all;
      if (received.length === all.length && /\r\n\r\n/.test(new TextDecoder().decode(all)) && !answered) {
        answered = true;
        const key = /Sec-WebSocket-Key: (\S+)/i.exec(new TextDecoder().decode(all))?.[1] ?? "";
        s.write(new TextEncoder().encode(`HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: ${computeAcceptKey(key)}\r\n\r\n`));
      }
    });
  });
  let answered = false;
  return {
    listener,
    frames: () => parseFrames(splitHead(received).rest).frames.map(describeFrame),
  };
}

describe("WebSocketPeer: Godot 4 parity", () => {
  test("a URL without a scheme is ws://; an accepted peer reports ws:// + Host + path as its requested URL", async () => {
    const { net, serverRt, clientRt, clock } = world();
    const server = new WebSocketServer({}, { runtime: serverRt });
    await server.listen(8090);
    const client = new WebSocketPeer({ runtime: clientRt });
    assert.equal(client.connectToUrl("127.0.0.1:8090/room?x=1"), GodotError.OK);
    assert.ok(await clock.runUntil(() => (client.poll(), server.isConnectionAvailable()), 5000));
    const srv = server.takeConnection()!;
    assert.equal(client.getRequestedUrl(), "127.0.0.1:8090/room?x=1", "the URL as given, like Godot");
    assert.equal(srv.getRequestedUrl(), "ws://127.0.0.1:8090/room?x=1");
    assert.equal(srv.getRequestResource(), "/room?x=1");
    client.close(-1);
    srv.close(-1);
    await server.stop();
    net.close();
  });

  test("close(code) puts the code on the wire as given (4999, 2000), and 0 as a close frame without a code", async () => {
    for (const [code, expected] of [[4999, "close:4999"], [2000, "close:2000"], [0, "close:none"]] as const) {
      const { net, serverRt, clientRt, clock } = world();
      const raw = await rawServer(serverRt, 8091);
      const client = new WebSocketPeer({ runtime: clientRt });
      client.connectToUrl("ws://127.0.0.1:8091/");
      assert.ok(await clock.runUntil(() => (client.poll(), client.getReadyState() === S.STATE_OPEN), 5000));
      client.close(code, "why");
      await clock.runFor(50);
      assert.deepEqual(raw.frames(), [expected], `close(${code})`);
      client.close(-1);
      await raw.listener.close();
      net.close();
    }
  });

  test("isConnectedToHost() stays true until the close handshake has finished; nothing is readable once closing", async () => {
    const { net, clock, server, client, srv } = await openPair(8092);
    srv.sendText("one");
    srv.sendText("two");
    assert.ok(await clock.runUntil(() => (client.poll(), client.getAvailablePacketCount() === 2), 5000));
    client.close(1000);
    assert.equal(client.getReadyState(), S.STATE_CLOSING);
    assert.equal(client.isConnectedToHost(), true, "CLOSING still counts as connected (Godot 3 / Redot)");
    assert.equal(client.getAvailablePacketCount(), 0, "Godot 4 counts nothing once closing (its close() clears the buffer)");
    assert.deepEqual(client.getPacket(), new Uint8Array(0));
    assert.equal(client.getPacketError(), GodotError.FAILED);
    assert.ok(await clock.runUntil(() => (client.poll(), srv.poll(), client.getReadyState() === S.STATE_CLOSED), 5000));
    assert.equal(client.isConnectedToHost(), false);
    assert.equal(client.getCloseCode(), 1000);
    srv.close(-1);
    await server.stop();
    net.close();
  });

  test("messages that arrive with the server's close frame stay readable: OPEN until they are taken, then the poll after ends it with the server's code (Godot 4.6 loses them: godotengine/godot#107442)", async () => {
    for (const ending of ["taken", "close()"] as const) {
      const { net, clock, server, client, srv } = await openPair(8093);
      // The last words and the close frame, all in before the client's next poll.
      srv.sendText("one");
      srv.sendText("two");
      srv.close(4000, "bye");
      await clock.runUntil(() => (srv.poll(), false), 200);
      client.poll();
      assert.equal(client.getReadyState(), S.STATE_OPEN, `${ending}: still OPEN while the messages before the close wait`);
      assert.equal(client.getAvailablePacketCount(), 2);
      assert.equal(new TextDecoder().decode(client.getPacket()), "one");
      assert.equal(client.sendText("too late"), GodotError.OK, "the connection has ended and this goes nowhere, as after a drop the next poll tells of");
      if (ending === "taken") {
        client.poll();
        assert.equal(client.getReadyState(), S.STATE_OPEN);
        assert.equal(new TextDecoder().decode(client.getPacket()), "two");
        assert.equal(client.getAvailablePacketCount(), 0);
        client.poll();
      } else {
        client.close(1000);
        assert.equal(client.getAvailablePacketCount(), 0, "close() discards what waited, as always");
      }
      assert.equal(client.getReadyState(), S.STATE_CLOSED);
      assert.equal(client.getCloseCode(), 4000, "the server's code: the connection had ended before close()");
      assert.equal(client.getCloseReason(), "bye");
      assert.ok(await clock.runUntil(() => (srv.poll(), srv.getReadyState() === S.STATE_CLOSED), 5000));
      await server.stop();
      net.close();
    }
  });

  test("connectToUrl while CLOSING drops the old connection and starts the new one (Godot allows it)", async () => {
    const { net, serverRt, clientRt, clock } = world();
    const server = new WebSocketServer({}, { runtime: serverRt });
    await server.listen(8095);
    const client = new WebSocketPeer({ runtime: clientRt });
    client.connectToUrl("ws://127.0.0.1:8095/first");
    assert.ok(await clock.runUntil(() => (client.poll(), client.getReadyState() === S.STATE_OPEN), 5000));
    client.close(1000);
    assert.equal(client.getReadyState(), S.STATE_CLOSING);
    assert.equal(client.connectToUrl("ws://127.0.0.1:8095/second"), GodotError.OK);
    assert.equal(client.getReadyState(), S.STATE_CONNECTING);
    assert.equal(client.getRequestedUrl(), "ws://127.0.0.1:8095/second");
    assert.ok(await clock.runUntil(() => (client.poll(), client.getReadyState() === S.STATE_OPEN), 5000));
    client.close(-1);
    await server.stop();
    net.close();
  });

  test("Nagle is off on every WebSocket connection, client and accepted (setNoDelay(false) turns it back on)", async () => {
    const { net, serverRt, clientRt, clock } = world();
    const clientCalls: boolean[] = [];
    const spiedRt: RuntimeAdapter = {
      ...clientRt,
      name: clientRt.name,
      createDatagramTransport: () => clientRt.createDatagramTransport(),
      clock: clientRt.clock,
      streams: {
        connect: async (o) => spied(await clientRt.streams.connect(o), clientCalls),
        listen: (o, cb) => clientRt.streams.listen(o, cb),
      },
    };
    const serverCalls: boolean[] = [];
    const accepted: WebSocketPeer[] = [];
    const listener = await serverRt.streams.listen({ host: "127.0.0.1", port: 8093 }, (s) => {
      const peer = new WebSocketPeer({ runtime: serverRt });
      accepted.push(peer);
      peer.acceptStream(spied(s, serverCalls));
    });
    const client = new WebSocketPeer({ runtime: spiedRt });
    client.connectToUrl("ws://127.0.0.1:8093/");
    assert.ok(await clock.runUntil(() => (client.poll(), accepted.forEach((p) => p.poll()), client.getReadyState() === S.STATE_OPEN), 5000));
    assert.deepEqual(clientCalls, [true]);
    assert.deepEqual(serverCalls, [true]);
    client.setNoDelay(false);
    assert.deepEqual(clientCalls, [true, false]);
    client.close(-1);
    for (const p of accepted) p.close(-1);
    await listener.close();
    net.close();
  });

  test("acceptStream(StreamPeerTCP) leaves the TCP peer CONNECTED while the WebSocket uses it, NONE after; connectToUrl/acceptStream while open return ERR_ALREADY_IN_USE", async () => {
    const { net, serverRt, clientRt, clock } = world();
    const tcpServer = new TCPServer({ runtime: serverRt });
    await tcpServer.listen(8094);
    const client = new WebSocketPeer({ runtime: clientRt });
    client.connectToUrl("ws://127.0.0.1:8094/tcp");
    assert.ok(await clock.runUntil(() => (client.poll(), tcpServer.isConnectionAvailable()), 5000));
    const tcp = tcpServer.takeConnection()!;
    const srv = new WebSocketPeer({ runtime: serverRt });
    assert.equal(srv.acceptStream(tcp), GodotError.OK);
    assert.equal(tcp.getStatus(), StreamPeerSocketStatus.STATUS_CONNECTED);
    assert.equal(tcp.getConnectedHost(), "127.0.0.2");
    assert.equal(new WebSocketPeer({ runtime: serverRt }).acceptStream(tcp), GodotError.FAILED, "a connection lent once cannot be lent again");
    assert.ok(await clock.runUntil(() => (client.poll(), srv.poll(), srv.getReadyState() === S.STATE_OPEN && client.getReadyState() === S.STATE_OPEN), 5000));
    assert.equal(srv.acceptStream(new StreamPeerTCP({ runtime: serverRt })), GodotError.ERR_ALREADY_IN_USE);
    assert.equal(client.connectToUrl("ws://127.0.0.1:8094/"), GodotError.ERR_ALREADY_IN_USE);
    // Godot: disconnect_from_host() on the TCP peer pulls the connection from under the WebSocket.
    tcp.disconnectFromHost();
    assert.equal(tcp.getStatus(), StreamPeerSocketStatus.STATUS_NONE);
    assert.ok(await clock.runUntil(() => (client.poll(), srv.poll(), client.getReadyState() === S.STATE_CLOSED), 5000));
    srv.close(-1);
    tcpServer.stop();
    net.close();
  });
  test("after failing a connection for a protocol error, getCloseCode()/getCloseReason() give the code sent and Godot's text (WSLPeer::poll)", async () => {
    const { net, serverRt, clientRt, clock } = world();
    const server = new WebSocketServer({}, { runtime: serverRt });
    await server.listen(8096);
    const client = new WebSocketPeer({ runtime: clientRt });
    client.connectToUrl("ws://127.0.0.1:8096/");
    assert.ok(await clock.runUntil(() => (client.poll(), server.isConnectionAvailable() && client.getReadyState() === S.STATE_OPEN), 5000));
    const srv = server.takeConnection()!;
    srv.inboundBufferSize = 10;
    assert.equal(client.send(new Uint8Array(11)), GodotError.OK);
    assert.ok(await clock.runUntil(() => (srv.poll(), srv.getReadyState() === S.STATE_CLOSED), 5000));
    assert.equal(srv.getCloseCode(), 1009);
    assert.equal(srv.getCloseReason(), "Message too big");
    // The receiving side of that close frame reads it as a clean close, as before.
    assert.ok(await clock.runUntil(() => (client.poll(), client.getReadyState() === S.STATE_CLOSED), 5000));
    assert.equal(client.getCloseCode(), 1009);
    await server.stop();
    net.close();
  });

  test("once CLOSED the connected host and port are gone (\"\", 0) and nothing counts as buffered outside OPEN; wasStringPacket() starts false on a new connection", async () => {
    const { net, serverRt, clientRt, clock } = world();
    const server = new WebSocketServer({}, { runtime: serverRt });
    await server.listen(8097);
    const client = new WebSocketPeer({ runtime: clientRt });
    client.connectToUrl("ws://127.0.0.1:8097/");
    assert.ok(await clock.runUntil(() => (client.poll(), server.isConnectionAvailable() && client.getReadyState() === S.STATE_OPEN), 5000));
    const srv = server.takeConnection()!;
    assert.equal(srv.sendText("t"), GodotError.OK);
    assert.ok(await clock.runUntil(() => (client.poll(), client.getAvailablePacketCount() === 1), 5000));
    client.getPacket();
    assert.equal(client.wasStringPacket(), true);
    assert.equal(client.getConnectedHost(), "127.0.0.1");
    client.close();
    assert.equal(client.getReadyState(), S.STATE_CLOSING);
    assert.equal(client.getCurrentOutboundBufferedAmount(), 0, "Godot counts only while OPEN");
    assert.equal(client.getConnectedHost(), "127.0.0.1", "still connected while CLOSING");
    assert.equal(client.getConnectedPort(), 8097);
    assert.ok(await clock.runUntil(() => (client.poll(), srv.poll(), client.getReadyState() === S.STATE_CLOSED), 5000));
    assert.equal(client.getConnectedHost(), "");
    assert.equal(client.getConnectedPort(), 0);
    assert.equal(client.wasStringPacket(), true, "kept after the close");
    assert.equal(client.connectToUrl("ws://127.0.0.1:8097/"), GodotError.OK);
    assert.equal(client.wasStringPacket(), false, "reset by a new connection");
    client.close(-1);
    await server.stop();
    net.close();
  });

  test("supportedProtocols entries lose surrounding blanks and control characters (Godot's strip_edges); inner ones are still refused", () => {
    const ws = new WebSocketPeer();
    ws.supportedProtocols = [" chat ", "\tgodot\r\n"];
    assert.deepEqual(ws.supportedProtocols, ["chat", "godot"]);
    assert.throws(() => (ws.supportedProtocols = ["two words"]), TypeError);
  });
  test("connectToUrl and createClient refuse TLSOptions.server (Godot: ERR_INVALID_PARAMETER; ours TypeError by the argument rule) and leave the peer untouched", async () => {
    const crypto = new Crypto();
    const key = crypto.generateEcdsa("P-256");
    const serverOptions = TLSOptions.server(key, crypto.generateSelfSignedCertificate(key, "CN=localhost"));
    const ws = new WebSocketPeer();
    assert.throws(() => ws.connectToUrl("wss://localhost:9/", serverOptions), TypeError);
    assert.equal(ws.getReadyState(), S.STATE_CLOSED);
    assert.equal(ws.getRequestedUrl(), "");
    const mp = new WebSocketMultiplayerPeer();
    await assert.rejects(mp.createClient("wss://localhost:9/", serverOptions), TypeError);
    assert.equal(mp.getConnectionStatus(), ConnectionStatus.CONNECTION_DISCONNECTED);
  });
});
