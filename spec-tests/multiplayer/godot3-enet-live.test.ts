// Live: ENetMultiplayerPeer({ protocol: "godot3" }) against Godot 3.2.3's NetworkedMultiplayerENet
// (godot3-server running spec-tests/godot/multiplayer/mp_node.gd as the SceneTree's network_peer):
// a Godot server with two of our clients, and our server with two Godot clients, exchanging packets
// with targets > 0 / 0 / < 0, relayed between clients through the server, and peer add/remove
// notifications (SYSMSG_ADD_PEER / SYSMSG_REMOVE_PEER on channel 0) seen on both sides.
import { after, describe, test } from "node:test";
import assert from "node:assert/strict";
import { CompressionMode } from "../../src/compress/types.ts";
import { ENetConnection, EventType, PacketFlags } from "../../src/enet/index.ts";
import { ConnectionStatus, ENetMultiplayerPeer, TransferMode } from "../../src/multiplayer/index.ts";
import { encodeGodot3EnetPacket, encodeGodot3EnetSysMsg } from "../../src/multiplayer/godot3-enet-framing.ts";
import { drain, enc, recordEvents, type Received } from "./support.ts";
import { freeUdpPort, godotAvailable, killAll, pollFor, receivedTexts, startNode, until, untilEvent, track, joinTwoClients, secondGodotClientTalks } from "./godot3-live.ts";

const available = godotAvailable();
const skip = available === true ? false : available.skip;
if (skip) console.log(`godot3-enet-live: skipped: ${skip}`);

async function ourClient(port: number, compressionMode = CompressionMode.NONE): Promise<ENetMultiplayerPeer> {
  const c = track(new ENetMultiplayerPeer({ protocol: "godot3", compressionMode }));
  await c.createClient("127.0.0.1", port);
  return c;
}

describe("live: Godot 3.2.3 NetworkedMultiplayerENet <-> ENetMultiplayerPeer godot3", { skip }, () => {
  after(killAll);

  test("Godot server, our two clients: greetings, targets, relay, ADD/REMOVE, server close", async () => {
    const port = await freeUdpPort();
    const godot = await startNode({ transport: "enet", role: "server", port, greet: 1, echo: 1 });
    // SYSMSG_ADD_PEER tells each client of the other; Godot learns A's ID from the CONNECT data.
    const { a, b, la, lb, ra, rb, idA, idB } = await joinTwoClients(godot, () => ourClient(port));
    assert.deepEqual(ra[0], { from: 1, channel: 1, mode: TransferMode.TRANSFER_MODE_RELIABLE, text: `greet:${idA}` });

    // A -> server (echoed back), A -> B (relayed), A -> everyone, A -> all but B, unreliable to the server.
    a.setTargetPeer(1);
    a.putPacket(enc("echo:a1"));
    a.setTargetPeer(idB);
    a.putPacket(enc("to-b"));
    a.setTargetPeer(0);
    a.putPacket(enc("all-a"));
    a.setTargetPeer(-idB);
    a.putPacket(enc("not-b"));
    a.setTargetPeer(1);
    a.transferMode = TransferMode.TRANSFER_MODE_UNRELIABLE;
    a.putPacket(enc("unrel"));
    a.transferMode = TransferMode.TRANSFER_MODE_RELIABLE;
    b.setTargetPeer(idA);
    b.putPacket(enc("b-to-a"));
    await until(
      [a, b],
      () => {
        drain(a, ra);
        drain(b, rb);
        return ra.length >= 3 && rb.length >= 3 && receivedTexts(godot).length >= 4;
      },
      "packets through the Godot server",
      8000,
      [godot],
    );
    await pollFor([a, b], 150);
    drain(a, ra);
    drain(b, rb);
    assert.deepEqual(ra.slice(1).map((r) => `${r.from}:${r.channel}:${r.text}`).sort(), [`1:1:echo:a1`, `${idB}:1:b-to-a`].sort());
    assert.deepEqual(rb.slice(1).map((r) => `${r.from}:${r.channel}:${r.text}`).sort(), [`${idA}:1:all-a`, `${idA}:1:to-b`].sort());
    const atGodot = godot.events.filter((e) => e.ev === "receive").map((e) => `${e.from}:${e.ch}:${e.text}`).sort();
    assert.deepEqual(atGodot, [`${idA}:1:all-a`, `${idA}:1:echo:a1`, `${idA}:1:not-b`, `${idA}:2:unrel`].sort(), "the server keeps 1, 0 and -B packets, not A -> B");

    // B leaves: Godot tells A (SYSMSG_REMOVE_PEER).
    b.close();
    await until([a], () => la.includes(`-${idB}`), "REMOVE for B", 8000, [godot]);
    await untilEvent([a], godot, (e) => e.ev === "peer_disconnected" && e.id === idB, "Godot saw B leave");

    // "bye" makes the Godot server close_connection(): A loses the server.
    a.setTargetPeer(1);
    a.putPacket(enc("bye"));
    await until([a], () => la.includes("-1"), "server gone", 8000, [godot]);
    assert.equal(a.getConnectionStatus(), ConnectionStatus.CONNECTION_DISCONNECTED);
    const drops = a.getDropCounters();
    assert.deepEqual([drops.malformed, drops.spoofedSource, drops.badSystemMessage], [0, 0, 0]);
    await godot.exitPromise;
  });

  test("our server, two Godot clients: IDs, relay between them, ADD/REMOVE, server close", async () => {
    const server = track(new ENetMultiplayerPeer({ protocol: "godot3" }));
    await server.createServer(0, 8);
    const port = server.host!.getLocalPort();
    const log = recordEvents(server);
    const got: Received[] = [];
    const g1 = await startNode({ transport: "enet", role: "client", port, greet: 1, talk: 1, echo: 1 });
    await until([server], () => log.length === 1 && drain(server, got).length >= 1, "G1 connected and said hello", 8000, [g1]);
    const id1 = (await untilEvent([server], g1, (e) => e.ev === "connection_succeeded", "G1 connection_succeeded")).unique_id as number;
    assert.deepEqual(log, [`+${id1}`]);
    assert.deepEqual(got[0], { from: id1, channel: 1, mode: TransferMode.TRANSFER_MODE_RELIABLE, text: `hello:${id1}` });

    // Server -> G1 with [1][target] framing; G1 echoes.
    server.setTargetPeer(id1);
    server.putPacket(enc("echo:srv"));
    server.transferMode = TransferMode.TRANSFER_MODE_UNRELIABLE_ORDERED;
    server.setTargetPeer(0);
    server.putPacket(enc("srv-all"));
    server.transferMode = TransferMode.TRANSFER_MODE_RELIABLE;
    await until([server], () => drain(server, got).length >= 2, "echo from G1", 8000, [g1]);
    assert.deepEqual(got[1], { from: id1, channel: 1, mode: TransferMode.TRANSFER_MODE_RELIABLE, text: "echo:srv" });
    await untilEvent([server], g1, (e) => e.ev === "receive" && e.text === "srv-all" && e.from === 1 && e.ch === 2, "broadcast at G1");

    // Each Godot client hears of the other through our SYSMSG_ADD_PEER and talks to it.
    const { g2, id2 } = await secondGodotClientTalks(server, { transport: "enet", role: "client", port, greet: 1, talk: 1 }, g1, id1, got);

    // G1 leaves (close_connection): we notice at once, G2 hears SYSMSG_REMOVE_PEER from us.
    server.setTargetPeer(id1);
    server.putPacket(enc("bye"));
    await until([server], () => log.includes(`-${id1}`), "G1 left", 8000, [g1]);
    await untilEvent([server], g2, (e) => e.ev === "peer_disconnected" && e.id === id1, "G2 told G1 left");
    // Our server closes: G2 sees the server go.
    server.close();
    await g2.waitFor((e) => e.ev === "server_disconnected", 5000);
    await Promise.all([g1.exitPromise, g2.exitPromise]);
  });

  test("compression modes: our client with a Godot server in RANGE_CODER, FASTLZ, ZLIB, ZSTD", async () => {
    const big = "compressible godot payload ".repeat(60);
    await Promise.all(
      [CompressionMode.RANGE_CODER, CompressionMode.FASTLZ, CompressionMode.ZLIB, CompressionMode.ZSTD].map(async (mode) => {
        const port = await freeUdpPort();
        const godot = await startNode({ transport: "enet", role: "server", port, greet: 1, echo: 1, compression: mode });
        const c = await ourClient(port, mode);
        const got: Received[] = [];
        await until([c], () => drain(c, got).length >= 1, `greeting in mode ${mode}`, 8000, [godot]);
        c.setTargetPeer(1);
        c.putPacket(enc(`echo:${big}`));
        await until([c], () => drain(c, got).length >= 2, `echo in mode ${mode}`, 8000, [godot]);
        assert.equal(got[1]!.text, `echo:${big}`);
        c.putPacket(enc("bye"));
        await until([c], () => c.getConnectionStatus() === ConnectionStatus.CONNECTION_DISCONNECTED, `close in mode ${mode}`, 8000, [godot]);
        await godot.exitPromise;
      }),
    );
  });

  test("compression modes: two Godot clients talk through our server's relay in RANGE_CODER, FASTLZ, ZLIB, ZSTD", async () => {
    const big = "compressible server payload ".repeat(60);
    await Promise.all(
      [CompressionMode.RANGE_CODER, CompressionMode.FASTLZ, CompressionMode.ZLIB, CompressionMode.ZSTD].map(async (mode) => {
        const server = track(new ENetMultiplayerPeer({ protocol: "godot3", compressionMode: mode }));
        await server.createServer(0);
        try {
          const port = server.host!.getLocalPort();
          const g1 = await startNode({ transport: "enet", role: "client", port, greet: 1, talk: 1, echo: 1, compression: mode });
          const got: Received[] = [];
          await until([server], () => drain(server, got).length >= 1, `hello in mode ${mode}`, 8000, [g1]);
          const id1 = got[0]!.from;
          assert.equal(got[0]!.text, `hello:${id1}`);
          server.setTargetPeer(id1);
          server.putPacket(enc(`echo:${big}`));
          await until([server], () => drain(server, got).some((r) => r.text === `echo:${big}`), `echo in mode ${mode}`, 8000, [g1]);
          const g2 = await startNode({ transport: "enet", role: "client", port, talk: 1, compression: mode });
          const id2 = (await untilEvent([server], g2, (e) => e.ev === "connection_succeeded", `G2 in mode ${mode}`)).unique_id as number;
          await until([server], () => {
            drain(server, got);
            return receivedTexts(g1).includes(`${id2}:to:${id1}:from:${id2}`) && receivedTexts(g2).includes(`${id1}:to:${id2}:from:${id1}`);
          }, `relay between the Godot clients in mode ${mode}`, 8000, [g1, g2]);
          server.setTargetPeer(0);
          server.putPacket(enc("bye"));
          await until([server], () => g1.hasExited && g2.hasExited, `Godot clients done in mode ${mode}`, 8000, [g1, g2]);
        } finally {
          server.close();
        }
      }),
    );
  });

  test("wire bytes: raw ENet clients see Godot's exact SYSMSG_ADD_PEER / SYSMSG_REMOVE_PEER and data framing", async () => {
    const port = await freeUdpPort();
    const godot = await startNode({ transport: "enet", role: "server", port, greet: 1, echo: 1 });
    const ids = [0x11223344, 0x55667788 & 0x7fffffff];
    const hosts: ENetConnection[] = [];
    const seen: { who: number; channel: number; flags: number; hex: string }[][] = [[], []];
    const pump = (): void => {
      hosts.forEach((h, who) => {
        for (let ev = h.poll(); ev.type !== EventType.NONE; ev = h.poll()) {
          if (ev.type !== EventType.RECEIVE) continue;
          const flags = ev.peer!.getPacketFlags();
          ev.peer!.getPacket();
          seen[who]!.push({ who, channel: ev.channel, flags, hex: Buffer.from(ev.packet!).toString("hex") });
        }
      });
    };
    const hex = (b: Uint8Array) => Buffer.from(b).toString("hex");
    try {
      for (const id of ids) {
        const h = new ENetConnection();
        await h.createHost({ maxPeers: 1, maxChannels: 3 });
        await h.connectToHost("127.0.0.1", port, { channels: 3, data: id });
        hosts.push(h);
        await until([], () => {
          pump();
          return seen[hosts.length - 1]!.length >= 1;
        }, "greeting", 8000, [godot]);
      }
      await until([], () => {
        pump();
        return seen[0]!.length >= 2 && seen[1]!.length >= 2;
      }, "ADD messages", 8000, [godot]);
      // The greeting: data header [u32 source = 1][i32 target = our ID], reliable on channel 1.
      assert.deepEqual(seen[0]![0], { who: 0, channel: 1, flags: PacketFlags.RELIABLE, hex: hex(encodeGodot3EnetPacket(1, ids[0]!, enc(`greet:${ids[0]}`))) });
      // SYSMSG_ADD_PEER (0) on channel 0, reliable, [u32 msg][u32 id].
      assert.deepEqual(seen[0]![1], { who: 0, channel: 0, flags: PacketFlags.RELIABLE, hex: hex(encodeGodot3EnetSysMsg(0, ids[1]!)) });
      assert.ok(seen[1]!.some((m) => m.channel === 0 && m.hex === hex(encodeGodot3EnetSysMsg(0, ids[0]!))));
      assert.equal(hex(encodeGodot3EnetSysMsg(0, 0x11223344)), "0000000044332211");
      // A relayed packet keeps the sender's header; a spoofed source is dropped by Godot.
      hosts[0]!.getPeers()[0]!.send(1, encodeGodot3EnetPacket(ids[0]!, ids[1]!, enc("raw-relay")), PacketFlags.RELIABLE);
      hosts[0]!.getPeers()[0]!.send(1, encodeGodot3EnetPacket(ids[1]!, ids[1]!, enc("spoofed")), PacketFlags.RELIABLE);
      hosts[0]!.getPeers()[0]!.send(1, encodeGodot3EnetPacket(ids[0]!, 1, enc("echo:x")), PacketFlags.RELIABLE);
      await until([], () => {
        pump();
        return seen[0]!.some((m) => m.hex === hex(encodeGodot3EnetPacket(1, ids[0]!, enc("echo:x"))));
      }, "echo after the spoofed packet", 8000, [godot]);
      await pollFor([], 100);
      pump();
      assert.ok(seen[1]!.some((m) => m.channel === 1 && m.hex === hex(encodeGodot3EnetPacket(ids[0]!, ids[1]!, enc("raw-relay")))), "relayed unchanged");
      assert.ok(!seen[1]!.some((m) => m.hex.endsWith(Buffer.from("spoofed").toString("hex"))), "spoofed source not relayed");
      // The second client leaves: SYSMSG_REMOVE_PEER (1).
      hosts[1]!.getPeers()[0]!.peerDisconnect(0);
      await until([], () => {
        pump();
        return seen[0]!.some((m) => m.channel === 0 && m.hex === hex(encodeGodot3EnetSysMsg(1, ids[1]!)));
      }, "REMOVE message", 8000, [godot]);
    } finally {
      for (const h of hosts) h.destroy();
      godot.kill();
    }
  });
});
