// WebSocketPeer against itself over real loopback sockets: our client, our server (WebSocketServer helper).
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { WebSocketPeer, WriteMode } from "../../src/websocket/peer.ts";
import { WebSocketServer } from "../../src/websocket/server.ts";
import { WebSocketState } from "../../src/websocket/connection-core.ts";
import { GodotError, NetError } from "../../src/errors.ts";
import { WebSocketCloseEvent, WebSocketMessageEvent } from "../../src/websocket/events.ts";
import { ipv6LoopbackMissing } from "../transport/support/ipv6.ts";
import { acceptPeer, binaryPayload, connectPeer, fromUtf8, nextPacket, pollUntil, sameBytes, utf8 } from "./support.ts";

async function withServer(opts: ConstructorParameters<typeof WebSocketServer>[0], fn: (server: WebSocketServer, url: string) => Promise<void>): Promise<void> {
  const server = new WebSocketServer(opts);
  await server.listen(0, "127.0.0.1");
  try {
    await fn(server, `ws://127.0.0.1:${server.getLocalPort()}`);
  } finally {
    await server.stop();
  }
}

describe("WebSocketPeer over loopback", () => {
  test("connect, text and binary both ways, subprotocol, path, close with code and reason", async () => {
    await withServer({ supportedProtocols: ["chat", "v2"] }, async (server, url) => {
      const client = await connectPeer(url + "/room/1?x=y", (p) => {
        p.supportedProtocols = ["v2", "chat"];
        p.handshakeHeaders = ["X-Game: demo"];
      });
      const srv = await acceptPeer(server);
      try {
        assert.equal(client.getSelectedProtocol(), "v2");
        assert.equal(srv.getSelectedProtocol(), "v2");
        assert.equal(srv.getRequestResource(), "/room/1?x=y");
        assert.equal(srv.getRequestHeaders().get("x-game"), "demo");
        assert.equal(client.getRequestedUrl(), url + "/room/1?x=y");
        assert.equal(client.getConnectedHost(), "127.0.0.1");
        assert.equal(client.getConnectedPort(), server.getLocalPort());
        assert.ok(client.isConnectedToHost());

        client.sendText("héllo");
        client.send(binaryPayload(1000), WriteMode.WRITE_MODE_BINARY);
        client.setWriteMode(WriteMode.WRITE_MODE_TEXT);
        client.putPacket(utf8("as text"));
        let p = await nextPacket(srv);
        assert.equal(fromUtf8(p.data), "héllo");
        assert.equal(p.isString, true);
        p = await nextPacket(srv);
        assert.ok(sameBytes(p.data, binaryPayload(1000)));
        assert.equal(p.isString, false);
        p = await nextPacket(srv);
        assert.equal(fromUtf8(p.data), "as text");
        assert.equal(p.isString, true);
        srv.send(new Uint8Array(0));
        p = await nextPacket(client);
        assert.equal(p.data.length, 0);
        assert.equal(client.getAvailablePacketCount(), 0);
        assert.deepEqual(client.getPacket(), new Uint8Array(0), "an empty queue gives an empty packet, as in Godot");
        assert.equal(client.getPacketError(), GodotError.ERR_UNAVAILABLE);

        client.close(4321, "see you");
        assert.equal(client.getReadyState(), WebSocketState.STATE_CLOSING);
        await pollUntil([client, srv], () => client.getReadyState() === 3 && srv.getReadyState() === 3, 3000, "close");
        assert.equal(srv.getCloseCode(), 4321);
        assert.equal(srv.getCloseReason(), "see you");
        assert.equal(client.getCloseCode(), 4321);
      } finally {
        client.close(-1);
        srv.close(-1);
      }
    });
  });

  test("limits: 1009 for a message over inboundBufferSize, ERR_OUT_OF_MEMORY beyond outboundBufferSize", async () => {
    await withServer({ inboundBufferSize: 1000 }, async (server, url) => {
      const client = await connectPeer(url, (p) => (p.outboundBufferSize = 4096));
      const srv = await acceptPeer(server);
      try {
        assert.equal(client.send(new Uint8Array(5000)), GodotError.ERR_OUT_OF_MEMORY);
        client.send(new Uint8Array(1000));
        assert.equal((await nextPacket(srv)).data.length, 1000);
        client.send(new Uint8Array(1001));
        await pollUntil([client, srv], () => client.getReadyState() === 3, 3000, "1009 close");
        // The server failed the connection and reports the code it sent, as Godot 4.6 does; the client received 1009.
        assert.equal(srv.getCloseCode(), 1009);
        assert.equal(client.getCloseCode(), 1009);
        assert.equal(client.getCloseReason(), "Message too big");
        assert.equal(client.send(new Uint8Array(1)), GodotError.FAILED);
      } finally {
        client.close(-1);
        srv.close(-1);
      }
    });
  });

  test("EventTarget use: open, message and close events without calling poll()", async () => {
    await withServer({}, async (server, url) => {
      server.addEventListener("connection", (ev) => {
        const peer = (ev as unknown as { peer: WebSocketPeer }).peer;
        peer.addEventListener("message", (m) => {
          const msg = m as WebSocketMessageEvent;
          if (msg.isString) peer.sendText(msg.text.toUpperCase());
          else peer.close(4000, "binary received");
        });
      });
      const client = new WebSocketPeer();
      const events: string[] = [];
      const closed = new Promise<WebSocketCloseEvent>((resolve) => client.addEventListener("close", (e) => resolve(e as WebSocketCloseEvent)));
      client.addEventListener("open", () => {
        events.push("open");
        client.sendText("shout");
      });
      client.addEventListener("message", (e) => {
        events.push(`message:${(e as WebSocketMessageEvent).text}`);
        client.send(new Uint8Array([1]));
      });
      client.connectToUrl(url);
      const ev = await closed;
      assert.deepEqual(events, ["open", "message:SHOUT"]);
      assert.equal(ev.code, 4000);
      assert.equal(ev.reason, "binary received");
      assert.equal(ev.wasClean, true);
      assert.equal(server.isConnectionAvailable(), false, "peers given to connection listeners are not also queued");
    });
  });

  test("a `once` message listener takes one message; later ones go to the getPacket() queue", async () => {
    await withServer({}, async (server, url) => {
      const client = await connectPeer(url);
      const srv = await acceptPeer(server);
      try {
        const first = new Promise<string>((resolve) => client.addEventListener("message", (e) => resolve((e as WebSocketMessageEvent).text), { once: true }));
        srv.sendText("one");
        srv.sendText("two");
        assert.equal(await first, "one");
        assert.equal(fromUtf8((await nextPacket(client)).data), "two");
      } finally {
        client.close(-1);
        srv.close(-1);
      }
    });
  });

  test("connecting to a closed port ends in CLOSED with an error event", async () => {
    const server = new WebSocketServer();
    await server.listen(0);
    const port = server.getLocalPort();
    await server.stop();
    const client = new WebSocketPeer();
    const errors: string[] = [];
    client.addEventListener("error", (e) => errors.push((e as unknown as { message: string }).message));
    client.connectToUrl(`ws://127.0.0.1:${port}/`);
    await pollUntil([client], () => client.getReadyState() === WebSocketState.STATE_CLOSED, 3000, "failed connect");
    assert.equal(client.getCloseCode(), -1);
    assert.equal(errors.length, 1);
  });

  test("IPv6 loopback: ws://[::1]:port with the Host header bracketed", { skip: ipv6LoopbackMissing() ?? undefined }, async () => {
    const server = new WebSocketServer();
    await server.listen(0, "::1");
    try {
      const client = await connectPeer(`ws://[::1]:${server.getLocalPort()}/v6`);
      const srv = await acceptPeer(server);
      try {
        assert.equal(srv.getRequestHeaders().get("host"), `[::1]:${server.getLocalPort()}`);
        assert.equal(srv.getRequestResource(), "/v6");
        // Godot's IPAddress text, as StreamPeerTCP.getConnectedHost gives it.
        assert.equal(client.getConnectedHost(), "0:0:0:0:0:0:0:1");
        assert.equal(srv.getConnectedHost(), "0:0:0:0:0:0:0:1");
        client.sendText("six");
        assert.equal(fromUtf8((await nextPacket(srv)).data), "six");
      } finally {
        client.close(-1);
        srv.close(-1);
      }
    } finally {
      await server.stop();
    }
  });

  test("a server listening on every address names an IPv4 client as Godot does, 127.0.0.1 (not ::ffff:127.0.0.1)", async () => {
    const server = new WebSocketServer();
    await server.listen(0, "*");
    try {
      const client = await connectPeer(`ws://127.0.0.1:${server.getLocalPort()}/`);
      const srv = await acceptPeer(server);
      try {
        assert.equal(srv.getConnectedHost(), "127.0.0.1");
        assert.equal(client.getConnectedHost(), "127.0.0.1");
      } finally {
        client.close(-1);
        srv.close(-1);
      }
    } finally {
      await server.stop();
    }
  });

  test("invalid arguments throw RangeError/TypeError naming them", () => {
    const p = new WebSocketPeer();
    assert.throws(() => p.connectToUrl("http://x"), TypeError);
    assert.throws(() => (p.inboundBufferSize = 0), /inboundBufferSize/);
    assert.throws(() => (p.heartbeatInterval = -1), /heartbeatInterval/);
    assert.throws(() => (p.handshakeHeaders = ["bad header"]), /handshakeHeaders/);
    assert.throws(() => p.close(65536), /code/);
    assert.throws(() => p.close(1.5), /code/);
    assert.throws(() => p.close(1000, "x".repeat(124)), /reason/);
    assert.equal(p.send(new Uint8Array(1)), GodotError.FAILED, "sending while closed returns FAILED, as Godot's send");
    assert.deepEqual(p.getPacket(), new Uint8Array(0));
    assert.equal(p.getPacketError(), GodotError.FAILED, "getPacket while not open: FAILED");
    assert.equal(p.getReadyState(), WebSocketState.STATE_CLOSED);
    assert.equal(p.inboundBufferSize, 65535);
    assert.equal(p.outboundBufferSize, 65535);
    assert.equal(p.maxQueuedPackets, 4096);
    assert.equal(p.heartbeatInterval, 0);
    assert.equal(p.getWriteMode(), WriteMode.WRITE_MODE_BINARY);
    assert.equal(WebSocketPeer.STATE_CLOSING, 2);
    assert.equal(WebSocketPeer.WRITE_MODE_TEXT, 0);
  });
});
