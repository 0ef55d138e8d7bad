import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { GodotError, NetError } from "../../src/errors.ts";
import { ConnectionStatus, MultiplayerPeer, MultiplayerPeerEvent, TransferMode, WebSocketMultiplayerPeer } from "../../src/multiplayer/index.ts";
import { MemoryNetwork } from "../../src/transport/memory.ts";
import type { Stream } from "../../src/transport/types.ts";
import { WebSocketState } from "../../src/websocket/connection-core.ts";
import { WebSocketPeer } from "../../src/websocket/peer.ts";
import { WebSocketServer } from "../../src/websocket/server.ts";
import { dec, drain, drive, enc, recordEvents, settle, texts, type Received } from "./support.ts";

const SERVER = "10.0.0.1";
const URL = `ws://${SERVER}:8080/`;

async function startServer(net: MemoryNetwork): Promise<WebSocketMultiplayerPeer> {
  const server = new WebSocketMultiplayerPeer({ runtime: net.createRuntime(SERVER) });
  await server.createServer(8080);
  return server;
}

async function startClient(net: MemoryNetwork, n: number, url = URL): Promise<WebSocketMultiplayerPeer> {
  const client = new WebSocketMultiplayerPeer({ runtime: net.createRuntime(`10.0.0.${n + 10}`) });
  await client.createClient(url);
  return client;
}

describe("WebSocketMultiplayerPeer, Godot 4 protocol, memory network", () => {
  test("three clients: ID message, events, targets >0 / 0 / <0, application relay", async () => {
    const net = new MemoryNetwork({ seed: 21, defaultLink: { latencyMs: 5 } });
    try {
      const server = await startServer(net);
      assert.equal(server.getUniqueId(), 1);
      assert.equal(server.getConnectionStatus(), ConnectionStatus.CONNECTION_CONNECTED);
      const serverLog = recordEvents(server);
      const clients = [await startClient(net, 1), await startClient(net, 2), await startClient(net, 3)];
      const logs = clients.map(recordEvents);
      for (const c of clients) assert.equal(c.getConnectionStatus(), ConnectionStatus.CONNECTION_CONNECTING);
      const all = [server, ...clients];
      await drive(net, all, () => serverLog.length === 3 && logs.every((l) => l.length === 1), "three connections");
      const ids = clients.map((c) => c.getUniqueId());
      assert.deepEqual([...serverLog].sort(), ids.map((id) => `+${id}`).sort(), "each client learnt the ID the server announced");
      for (const [i, c] of clients.entries()) {
        assert.deepEqual(logs[i], ["+1"]);
        assert.ok(ids[i]! >= 2);
        assert.equal(c.getConnectionStatus(), ConnectionStatus.CONNECTION_CONNECTED);
        assert.equal(server.getPeerAddress(ids[i]!), `10.0.0.${i + 11}`);
        assert.ok(server.getPeerPort(ids[i]!) > 0);
        assert.equal(server.getPeer(ids[i]!)?.getReadyState(), WebSocketState.STATE_OPEN);
      }

      server.setTargetPeer(ids[2]!);
      server.putPacket(enc("only-c"));
      server.setTargetPeer(0);
      server.putPacket(enc("everyone"));
      server.setTargetPeer(-ids[2]!);
      server.putPacket(enc("not-c"));
      const got: Received[][] = [[], [], []];
      await drive(net, all, () => clients.every((c, i) => drain(c, got[i]).length >= 2), "server packets");
      await settle(net, all, 30);
      clients.forEach((c, i) => drain(c, got[i]));
      assert.deepEqual(got[0]!.map((r) => r.text), ["everyone", "not-c"]);
      assert.deepEqual(got[1]!.map((r) => r.text), ["everyone", "not-c"]);
      assert.deepEqual(got[2]!.map((r) => r.text), ["only-c", "everyone"]);
      for (const r of got.flat()) assert.deepEqual([r.from, r.channel, r.mode], [1, 0, TransferMode.TRANSFER_MODE_RELIABLE]);

      // Application-level relay (Godot 4 relays in SceneMultiplayer, above MultiplayerPeer).
      clients[0]!.putPacket(enc("1a-to-b"));
      clients[1]!.putPacket(enc("*b-to-all"));
      const fromServer: Received[] = [];
      const relayed: Received[][] = [[], [], []];
      await drive(net, all, () => {
        for (const r of drain(server)) {
          fromServer.push(r);
          server.setTargetPeer(r.text[0] === "*" ? -r.from : ids[Number(r.text[0])]!);
          server.putPacket(enc(`${r.from}>${r.text.slice(1)}`));
        }
        clients.forEach((c, i) => drain(c, relayed[i]));
        return relayed.flat().length >= 3;
      }, "relay");
      assert.deepEqual(texts(fromServer), [`${ids[0]}:1a-to-b`, `${ids[1]}:*b-to-all`].sort());
      assert.deepEqual(relayed[0]!.map((r) => r.text), [`${ids[1]}>b-to-all`]);
      assert.deepEqual(relayed[1]!.map((r) => r.text), [`${ids[0]}>a-to-b`]);
      assert.deepEqual(relayed[2]!.map((r) => r.text), [`${ids[1]}>b-to-all`]);

      server.setTargetPeer(99);
      assert.equal(server.putPacket(enc("x")), GodotError.ERR_INVALID_PARAMETER);

      // Graceful and forced disconnects, client close.
      server.disconnectPeer(ids[0]!);
      await drive(net, all, () => serverLog.includes(`-${ids[0]}`) && logs[0]!.includes("-1"), "graceful disconnect");
      assert.equal(clients[0]!.getConnectionStatus(), ConnectionStatus.CONNECTION_DISCONNECTED);
      server.disconnectPeer(ids[1]!, true);
      assert.equal(server.getPeer(ids[1]!), null);
      await drive(net, all, () => logs[1]!.includes("-1"), "forced disconnect reaches the client");
      assert.ok(!serverLog.includes(`-${ids[1]}`), "forced: no event on the server (Godot 4)");
      clients[2]!.getPeer(1)!.close(-1); // abrupt: the TCP connection drops without a close frame
      await drive(net, all, () => serverLog.includes(`-${ids[2]}`) && logs[2]!.includes("-1"), "abrupt drop");
      assert.equal(clients[2]!.getConnectionStatus(), ConnectionStatus.CONNECTION_DISCONNECTED);
      server.close();
      assert.equal(server.getConnectionStatus(), ConnectionStatus.CONNECTION_DISCONNECTED);
    } finally {
      net.close();
    }
  });

  test("the server sends the ID as one 4-byte little-endian message, then raw payloads", async () => {
    const net = new MemoryNetwork({ seed: 22, defaultLink: { latencyMs: 2 } });
    try {
      const server = await startServer(net);
      const serverLog = recordEvents(server);
      const raw = new WebSocketPeer({ runtime: net.createRuntime("10.0.0.30") });
      raw.connectToUrl(URL);
      await drive(net, [server], () => {
        raw.poll();
        return raw.getAvailablePacketCount() > 0;
      }, "the ID message");
      const msg = raw.getPacket();
      assert.equal(raw.wasStringPacket(), false, "binary message");
      assert.equal(msg.length, 4);
      const id = new DataView(msg.buffer, msg.byteOffset, 4).getInt32(0, true);
      assert.deepEqual(serverLog, [`+${id}`]);
      raw.send(enc("raw-bytes"));
      const got: Received[] = [];
      await drive(net, [server], () => drain(server, got).length === 1, "raw payload");
      assert.deepEqual(got[0], { from: id, channel: 0, mode: TransferMode.TRANSFER_MODE_RELIABLE, text: "raw-bytes" });
      server.setTargetPeer(id);
      server.putPacket(enc("down"));
      await drive(net, [server], () => {
        raw.poll();
        return raw.getAvailablePacketCount() > 0;
      }, "payload down");
      assert.equal(dec(raw.getPacket()), "down");
      raw.send(new Uint8Array(0)); // Godot drops empty messages
      await drive(net, [server], () => server.getDropCounters().malformed === 1, "empty message dropped");
      raw.close();
      server.close();
    } finally {
      net.close();
    }
  });

  test("a client accepts only exactly 4 bytes with an ID >= 2", async () => {
    const net = new MemoryNetwork({ seed: 23, defaultLink: { latencyMs: 2 } });
    try {
      const cases: [string, Uint8Array, boolean][] = [
        ["3 bytes", new Uint8Array([5, 0, 0]), false],
        ["5 bytes", new Uint8Array([5, 0, 0, 0, 0]), false],
        ["ID 1", new Uint8Array([1, 0, 0, 0]), false],
        ["ID 0", new Uint8Array([0, 0, 0, 0]), false],
        ["negative ID", new Uint8Array([5, 0, 0, 0x80]), false],
        ["ID 0x01020304", new Uint8Array([4, 3, 2, 1]), true],
      ];
      for (const [i, [name, idBytes, ok]] of cases.entries()) {
        let idMsg: Uint8Array | null = idBytes;
        const rawServer = new WebSocketServer({}, { runtime: net.createRuntime(`10.0.3.${i + 1}`) });
        await rawServer.listen(9000, `10.0.3.${i + 1}`);
        const client = await startClient(net, 40 + i, `ws://10.0.3.${i + 1}:9000/`);
        const log = recordEvents(client);
        let serverSide: WebSocketPeer | null = null;
        await drive(net, [client], () => {
          serverSide ??= rawServer.takeConnection();
          if (serverSide && idMsg) {
            serverSide.send(idMsg);
            serverSide.send(enc("after"));
            idMsg = null;
          }
          serverSide?.poll();
          return client.getConnectionStatus() !== ConnectionStatus.CONNECTION_CONNECTING;
        }, name);
        if (ok) {
          assert.equal(client.getConnectionStatus(), ConnectionStatus.CONNECTION_CONNECTED, name);
          assert.equal(client.getUniqueId(), 0x01020304);
          assert.deepEqual(log, ["+1"]);
          await drive(net, [client], () => client.getAvailablePacketCount() === 1, "payload after the ID");
          assert.equal(dec(client.getPacket()), "after");
        } else {
          assert.equal(client.getConnectionStatus(), ConnectionStatus.CONNECTION_DISCONNECTED, name);
          assert.equal(client.getDropCounters().badIdMessage, 1, `${name}: counted`);
        }
        assert.equal(log.includes("-1"), false);
        client.close();
        await rawServer.stop();
      }
    } finally {
      net.close();
    }
  });

  test("handshake timeout drops silent pending peers (server) and ID-less servers (client); refuseNewConnections", async () => {
    const net = new MemoryNetwork({ seed: 24, defaultLink: { latencyMs: 2 } });
    try {
      const server = await startServer(net);
      assert.equal(server.handshakeTimeout, 3);
      const serverLog = recordEvents(server);
      const rt = net.createRuntime("10.0.0.50");
      const silent: Stream = await rt.streams.connect({ host: SERVER, port: 8080 });
      let closed = false;
      silent.onClose(() => (closed = true));
      await drive(net, [server], () => server.getPendingCount() === 1, "pending peer");
      const t0 = net.clock.now();
      await drive(net, [server], () => server.getPendingCount() === 0, "pending dropped", 10000, 20);
      const waited = net.clock.now() - t0;
      assert.ok(waited >= 2900 && waited <= 3200, `dropped after ${waited} ms`);
      assert.equal(server.getDropCounters().handshakeTimeouts, 1);
      await drive(net, [server], () => closed, "silent stream closed");
      assert.deepEqual(serverLog, []);

      // A client whose server never sends an ID gives up after handshakeTimeout.
      const mute = new WebSocketServer({}, { runtime: net.createRuntime("10.0.0.60") });
      await mute.listen(9000, "10.0.0.60");
      const client = new WebSocketMultiplayerPeer({ runtime: net.createRuntime("10.0.0.61") });
      client.handshakeTimeout = 1.5;
      await client.createClient("10.0.0.60:9000/"); // no scheme: ws://, as Godot's create_client
      const c0 = net.clock.now();
      await drive(net, [client], () => client.getConnectionStatus() === ConnectionStatus.CONNECTION_DISCONNECTED, "client timeout", 10000, 20);
      const cw = net.clock.now() - c0;
      assert.ok(cw >= 1400 && cw <= 1700, `client gave up after ${cw} ms`);
      assert.equal(client.getDropCounters().handshakeTimeouts, 1);
      await mute.stop();

      // A flood of connections is bounded: past maxPendingPeers, each new one evicts the oldest
      // waiting connection of the address holding the most (here the flood's own first).
      server.maxPendingPeers = 2;
      const floodRt = net.createRuntime("10.0.0.51");
      const flood: Stream[] = [];
      const floodClosed: boolean[] = [];
      for (let i = 0; i < 3; i++) {
        const st = await floodRt.streams.connect({ host: SERVER, port: 8080 });
        floodClosed.push(false);
        st.onClose(() => (floodClosed[i] = true));
        flood.push(st);
      }
      await drive(net, [server], () => floodClosed[0] === true, "first flood connection evicted");
      assert.equal(server.getPendingCount(), 2);
      assert.equal(server.getDropCounters().handshakeEvictions, 1);
      assert.equal(server.getDropCounters().refusedConnections, 1, "an eviction also counts as a refused connection");
      assert.deepEqual(floodClosed, [true, false, false]);
      for (const st of flood) st.close();
      await drive(net, [server], () => server.getPendingCount() === 0, "flood pending peers gone", 10000, 20);
      assert.equal(server.getDropCounters().handshakeFailures, 2, "dropped mid-handshake");
      // A request that is not a WebSocket handshake fails at once and is counted.
      const http = await floodRt.streams.connect({ host: SERVER, port: 8080 });
      http.write(new TextEncoder().encode("GET / HTTP/1.1\r\nHost: x\r\n\r\n"));
      await drive(net, [server], () => server.getDropCounters().handshakeFailures === 3, "plain HTTP request refused");
      http.close();
      server.maxPendingPeers = 256;
      assert.throws(() => (server.maxPendingPeers = 0), RangeError);

      server.refuseNewConnections = true;
      const refused = await startClient(net, 70);
      const rlog = recordEvents(refused);
      await drive(net, [server, refused], () => refused.getConnectionStatus() === ConnectionStatus.CONNECTION_DISCONNECTED, "refused", 10000, 10);
      assert.deepEqual(rlog, []);
      assert.ok(server.getDropCounters().refusedConnections >= 1);
      server.refuseNewConnections = false;
      const ok = await startClient(net, 71);
      await drive(net, [server, ok], () => ok.getConnectionStatus() === ConnectionStatus.CONNECTION_CONNECTED, "accepted again");
      assert.deepEqual(serverLog, [`+${ok.getUniqueId()}`]);
      assert.throws(() => (server.handshakeTimeout = 0), RangeError);
      ok.close();
      server.close();
    } finally {
      net.close();
    }
  });

  test("a client that loses its server emits peer_disconnected(1) while still connected, then closes (Godot 4.6 _poll_client)", async () => {
    const net = new MemoryNetwork({ seed: 25, defaultLink: { latencyMs: 3 } });
    try {
      const server = await startServer(net);
      const client = await startClient(net, 1);
      await drive(net, [server, client], () => client.getConnectionStatus() === ConnectionStatus.CONNECTION_CONNECTED && server.getPeerIds().length === 1, "connection");
      const id = client.getUniqueId();
      const seen: [number, ConnectionStatus, number, number[]][] = [];
      client.addEventListener("peer_disconnected", (e) => {
        seen.push([(e as MultiplayerPeerEvent).id, client.getConnectionStatus(), client.getUniqueId(), client.getPeerIds()]);
      });
      server.close();
      await drive(net, [client], () => client.getConnectionStatus() === ConnectionStatus.CONNECTION_DISCONNECTED, "server gone");
      assert.deepEqual(seen, [[1, ConnectionStatus.CONNECTION_CONNECTED, id, [1]]], "the handler still sees the session");
      assert.equal(client.getUniqueId(), 0);
    } finally {
      net.close();
    }
  });

  test("a server emits peer_disconnected while the peer is still in its table, then forgets it (Godot 4.6 _poll_server)", async () => {
    const net = new MemoryNetwork({ seed: 26, defaultLink: { latencyMs: 3 } });
    try {
      const server = await startServer(net);
      const client = await startClient(net, 1);
      await drive(net, [server, client], () => client.getConnectionStatus() === ConnectionStatus.CONNECTION_CONNECTED && server.getPeerIds().length === 1, "connection");
      const id = client.getUniqueId();
      const seen: [number, boolean, number[]][] = [];
      server.addEventListener("peer_disconnected", (e) => {
        const left = (e as MultiplayerPeerEvent).id;
        seen.push([left, server.getPeer(left) !== null, server.getPeerIds()]);
      });
      client.close();
      await drive(net, [server], () => seen.length === 1, "the leave");
      assert.deepEqual(seen, [[id, true, [id]]], "the handler still gets the peer");
      assert.equal(server.getPeer(id), null, "forgotten after the event");
      assert.deepEqual(server.getPeerIds(), []);
    } finally {
      net.close();
    }
  });

  test("API contract: defaults and argument errors", async () => {
    const mp = new WebSocketMultiplayerPeer();
    assert.ok(mp instanceof MultiplayerPeer);
    assert.equal(mp.handshakeTimeout, 3);
    assert.equal(mp.inboundBufferSize, 65535);
    assert.equal(mp.outboundBufferSize, 65535);
    assert.equal(mp.maxQueuedPackets, 4096);
    // Godot 4.6 still subtracts the 9-byte header of its Godot 3 protocol, though Godot 4 packets carry none.
    assert.equal(mp.getMaxPacketSize(), 65535 - 9);
    mp.outboundBufferSize = 1000;
    assert.equal(mp.getMaxPacketSize(), 1000 - 9);
    mp.outboundBufferSize = 65535;
    assert.deepEqual(mp.supportedProtocols, []);
    assert.deepEqual(mp.handshakeHeaders, []);
    assert.equal(mp.isServerRelaySupported(), true);
    assert.equal(mp.getConnectionStatus(), ConnectionStatus.CONNECTION_DISCONNECTED);
    assert.equal(mp.putPacket(enc("x")), GodotError.ERR_UNCONFIGURED);
    assert.throws(() => (mp.inboundBufferSize = 0), RangeError);
    assert.throws(() => (mp.supportedProtocols = ["bad protocol"]), Error);
    await assert.rejects(mp.createServer(-1), RangeError);
    await assert.rejects(mp.createClient("http://x/"), Error);
    assert.equal(mp.getConnectionStatus(), ConnectionStatus.CONNECTION_DISCONNECTED);
    mp.poll();
  });
});
