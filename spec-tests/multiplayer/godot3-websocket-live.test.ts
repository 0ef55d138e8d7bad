// Live: WebSocketMultiplayerPeer({ protocol: "godot3" }) against Godot 3.2.3's WebSocket multiplayer
// peer (WebSocketServer.listen / WebSocketClient.connect_to_url with gd_mp_api = true, installed as
// the SceneTree's network_peer by spec-tests/godot/multiplayer/mp_node.gd): [u8 type][i32 from][i32 to]
// framing, SYS_ID / SYS_ADD / SYS_DEL, targets > 0 / 0 / < 0, relay between clients through the server;
// and a Godot wss:// server with the key and certificate its Crypto made, trusted by our client.
import { after, describe, test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { TLSOptions } from "../../src/crypto/tls-options.ts";
import { X509Certificate } from "../../src/crypto/x509-certificate.ts";
import { ConnectionStatus, WebSocketMultiplayerPeer } from "../../src/multiplayer/index.ts";
import { encodeGodot3WsMessage, encodeGodot3WsSys } from "../../src/multiplayer/godot3-websocket-framing.ts";
import { WebSocketPeer } from "../../src/websocket/peer.ts";
import { drain, enc, recordEvents, type Received } from "./support.ts";
import { freeTcpPort, godotAvailable, killAll, pollFor, receivedTexts, startNode, until, untilEvent, track, joinTwoClients, secondGodotClientTalks } from "./godot3-live.ts";
import { localhostAddress } from "../support/localhost.ts";

const available = godotAvailable();
const skip = available === true ? false : available.skip;
if (skip) console.log(`godot3-websocket-live: skipped: ${skip}`);

async function ourClient(port: number): Promise<WebSocketMultiplayerPeer> {
  const c = track(new WebSocketMultiplayerPeer({ protocol: "godot3" }));
  await c.createClient(`ws://127.0.0.1:${port}/`);
  return c;
}

describe("live: Godot 3.2.3 WebSocket multiplayer <-> WebSocketMultiplayerPeer godot3", { skip }, () => {
  after(killAll);

  test("Godot server, our two clients: SYS_ID/SYS_ADD, targets, relay, SYS_DEL, server stop", async () => {
    const port = await freeTcpPort();
    const godot = await startNode({ transport: "ws", role: "server", port, greet: 1, echo: 1 });
    // SYS_ID gives each client its ID, SYS_ADD 1 completes the connection, SYS_ADD tells each of the other.
    const { a, b, la, lb, ra, rb, idA, idB } = await joinTwoClients(godot, () => ourClient(port));
    assert.ok(idA >= 2 && idB >= 2, "SYS_ID gave both their IDs");
    assert.deepEqual(ra[0], { from: 1, channel: 0, mode: 2, text: `greet:${idA}` });

    a.setTargetPeer(1);
    a.putPacket(enc("echo:a1"));
    a.setTargetPeer(idB);
    a.putPacket(enc("to-b"));
    a.setTargetPeer(0);
    a.putPacket(enc("all-a"));
    a.setTargetPeer(-idB);
    a.putPacket(enc("not-b"));
    b.setTargetPeer(idA);
    b.putPacket(enc("b-to-a"));
    await until([a, b], () => {
      drain(a, ra);
      drain(b, rb);
      return ra.length >= 3 && rb.length >= 3 && receivedTexts(godot).length >= 3;
    }, "packets through the Godot server", 8000, [godot]);
    await pollFor([a, b], 150);
    drain(a, ra);
    drain(b, rb);
    assert.deepEqual(ra.slice(1).map((r) => `${r.from}:${r.text}`).sort(), [`1:echo:a1`, `${idB}:b-to-a`].sort());
    assert.deepEqual(rb.slice(1).map((r) => `${r.from}:${r.text}`).sort(), [`${idA}:all-a`, `${idA}:to-b`].sort());
    assert.deepEqual(receivedTexts(godot).sort(), [`${idA}:all-a`, `${idA}:echo:a1`, `${idA}:not-b`].sort());

    b.close();
    await until([a], () => la.includes(`-${idB}`), "SYS_DEL for B", 8000, [godot]);
    await untilEvent([a], godot, (e) => e.ev === "peer_disconnected" && e.id === idB, "Godot saw B leave");

    a.setTargetPeer(1);
    a.putPacket(enc("bye")); // the Godot server stops
    await until([a], () => la.includes("-1"), "server gone", 8000, [godot]);
    assert.equal(a.getConnectionStatus(), ConnectionStatus.CONNECTION_DISCONNECTED);
    const drops = a.getDropCounters();
    assert.deepEqual([drops.malformed, drops.spoofedSource, drops.badSystemMessage], [0, 0, 0]);
    await godot.exitPromise;
  });

  test("Godot server over wss:// with its own generate_rsa key and self-signed certificate: our client trusts that certificate (TLSOptions.client), gets its ID, echo", async () => {
    const port = await freeTcpPort();
    const certPath = join(tmpdir(), `packetpeer-godot3-wss-${process.pid}-${port}.crt`);
    try {
      // Our client goes by the certificate's name: Godot listens where "localhost" leads here.
      const godot = await startNode({ transport: "ws", role: "server", host: await localhostAddress(), port, greet: 1, echo: 1, tls_cert: certPath });
      await untilEvent([], godot, (e) => e.ev === "ready" && e.err === 0, "the Godot wss server");
      const cert = new X509Certificate();
      cert.loadFromString(readFileSync(certPath, "utf8"));
      const c = track(new WebSocketMultiplayerPeer({ protocol: "godot3" }));
      await c.createClient(`wss://localhost:${port}/`, TLSOptions.client(cert));
      const got: Received[] = [];
      await until([c], () => c.getConnectionStatus() === ConnectionStatus.CONNECTION_CONNECTED, "connected over wss", 8000, [godot]);
      assert.ok(c.getUniqueId() >= 2, "SYS_ID over TLS");
      c.setTargetPeer(1);
      c.putPacket(enc("echo:over-tls"));
      await until([c], () => drain(c, got).some((r) => r.text === "echo:over-tls"), "the echo over wss", 8000, [godot]);
      assert.deepEqual(got.map((r) => `${r.from}:${r.text}`), [`1:greet:${c.getUniqueId()}`, "1:echo:over-tls"]);
      c.close();
    } finally {
      rmSync(certPath, { force: true });
    }
  });

  test("our server, two Godot clients: IDs, relay between them, SYS_ADD/SYS_DEL, server close", async () => {
    const server = track(new WebSocketMultiplayerPeer({ protocol: "godot3" }));
    await server.createServer(0, "127.0.0.1");
    const port = server.getLocalPort();
    const log = recordEvents(server);
    const got: Received[] = [];
    const g1 = await startNode({ transport: "ws", role: "client", port, greet: 1, talk: 1, echo: 1 });
    const id1 = (await untilEvent([server], g1, (e) => e.ev === "connection_succeeded", "G1 connection_succeeded")).unique_id as number;
    assert.deepEqual(log, [`+${id1}`], "Godot took the ID from our SYS_ID");
    await until([server], () => drain(server, got).length >= 1, "hello from G1", 8000, [g1]);
    assert.deepEqual(got[0], { from: id1, channel: 0, mode: 2, text: `hello:${id1}` });

    server.setTargetPeer(id1);
    server.putPacket(enc("echo:srv"));
    server.setTargetPeer(0);
    server.putPacket(enc("srv-all"));
    await until([server], () => drain(server, got).length >= 2, "echo from G1", 8000, [g1]);
    assert.deepEqual(got[1], { from: id1, channel: 0, mode: 2, text: "echo:srv" });
    await untilEvent([server], g1, (e) => e.ev === "receive" && e.text === "srv-all" && e.from === 1, "broadcast at G1");

    // Each Godot client hears of the other through our SYS_ADD and talks to it.
    const { g2, id2 } = await secondGodotClientTalks(server, { transport: "ws", role: "client", port, greet: 1, talk: 1 }, g1, id1, got);

    server.setTargetPeer(id1);
    server.putPacket(enc("bye")); // G1 disconnects
    await until([server], () => log.includes(`-${id1}`), "G1 left", 8000, [g1]);
    await untilEvent([server], g2, (e) => e.ev === "peer_disconnected" && e.id === id1, "G2 told G1 left (SYS_DEL)");
    server.close();
    await untilEvent([], g2, (e) => e.ev === "connection_failed" || e.ev === "server_disconnected", "G2 sees the server go");
    await Promise.all([g1.exitPromise, g2.exitPromise]);
  });

  test("wire bytes: raw WebSocket clients see Godot's exact SYS_ID / SYS_ADD / SYS_DEL and data framing", async () => {
    const port = await freeTcpPort();
    const godot = await startNode({ transport: "ws", role: "server", port, greet: 1 });
    const hex = (b: Uint8Array) => Buffer.from(b).toString("hex");
    const raws: WebSocketPeer[] = [];
    const seen: string[][] = [[], []];
    const pump = (): void => {
      raws.forEach((r, i) => {
        r.poll();
        while (r.getAvailablePacketCount() > 0) seen[i]!.push(hex(r.getPacket()));
      });
    };
    try {
      for (let i = 0; i < 2; i++) {
        const r = new WebSocketPeer();
        r.connectToUrl(`ws://127.0.0.1:${port}/`);
        raws.push(r);
        await until([], () => {
          pump();
          return seen[i]!.length >= 3;
        }, "ID, ADD 1, greeting", 8000, [godot]);
      }
      const idOf = (m: string) => Buffer.from(m, "hex").readInt32LE(9);
      // Each client's SYS_ADD of the other: they go out on two connections, so either may be read first.
      await until([], () => {
        pump();
        return seen[0]!.includes(hex(encodeGodot3WsSys(1, idOf(seen[1]![0]!)))) && seen[1]!.includes(hex(encodeGodot3WsSys(1, idOf(seen[0]![0]!))));
      }, "the ADD messages for each other", 8000, [godot]);
      const id0 = idOf(seen[0]![0]!);
      const id1 = idOf(seen[1]![0]!);
      assert.equal(seen[0]![0], hex(encodeGodot3WsSys(3, id0)), "SYS_ID = 3: [03][from 1][to 0][id]");
      assert.equal(seen[0]![0]!.slice(0, 18), "030100000000000000");
      assert.equal(seen[0]![1], hex(encodeGodot3WsSys(1, 1)), "then SYS_ADD (1) of the server");
      assert.equal(seen[0]![2], hex(encodeGodot3WsMessage(0, 1, id0, enc(`greet:${id0}`))), "data: [00][from 1][to id]");
      assert.ok(seen[0]!.includes(hex(encodeGodot3WsSys(1, id1))), "existing client told of the new one");
      assert.ok(seen[1]!.includes(hex(encodeGodot3WsSys(1, id0))), "new client told of the existing one");
      // Relay keeps the header; a spoofed source is dropped.
      raws[0]!.send(encodeGodot3WsMessage(0, id0, id1, enc("raw-relay")));
      raws[0]!.send(encodeGodot3WsMessage(0, id1, id1, enc("spoofed")));
      raws[0]!.send(encodeGodot3WsMessage(0, id0, id1, enc("after")));
      await until([], () => {
        pump();
        return seen[1]!.includes(hex(encodeGodot3WsMessage(0, id0, id1, enc("after"))));
      }, "relayed packets", 8000, [godot]);
      assert.ok(seen[1]!.includes(hex(encodeGodot3WsMessage(0, id0, id1, enc("raw-relay")))));
      assert.ok(!seen[1]!.some((m) => m.endsWith(Buffer.from("spoofed").toString("hex"))));
      raws[1]!.close();
      await until([], () => {
        pump();
        return seen[0]!.includes(hex(encodeGodot3WsSys(2, id1)));
      }, "SYS_DEL (2)", 8000, [godot]);
    } finally {
      for (const r of raws) r.close(-1);
      godot.kill();
    }
  });
});
