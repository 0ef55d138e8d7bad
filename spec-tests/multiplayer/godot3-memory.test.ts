// Godot 3 protocol mode between our own servers and clients on the memory network (both transports):
// peer lists from system messages, targets > 0 / 0 / < 0 relayed by the server, leave notifications,
// and random garbage from a rogue client that never breaks poll() or the session.
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { ENetConnection, PacketFlags } from "../../src/enet/index.ts";
import { ConnectionStatus, ENetMultiplayerPeer, WebSocketMultiplayerPeer, type MultiplayerPeer } from "../../src/multiplayer/index.ts";
import { encodeGodot3EnetPacket } from "../../src/multiplayer/godot3-enet-framing.ts";
import { encodeGodot3WsMessage } from "../../src/multiplayer/godot3-websocket-framing.ts";
import { MemoryNetwork } from "../../src/transport/memory.ts";
import { SeededRandom } from "../../src/util/prng.ts";
import { WebSocketPeer } from "../../src/websocket/peer.ts";
import { drain, drive, enc, recordEvents, settle, type Received } from "./support.ts";

type Kind = "enet" | "ws";

async function session(net: MemoryNetwork, kind: Kind, clients: number): Promise<{ server: MultiplayerPeer; clients: MultiplayerPeer[] }> {
  const rt = (n: number) => net.createRuntime(`10.0.0.${n}`);
  let server: MultiplayerPeer;
  const cs: MultiplayerPeer[] = [];
  if (kind === "enet") {
    const s = new ENetMultiplayerPeer({ runtime: rt(1), protocol: "godot3" });
    await s.createServer(7777);
    server = s;
    for (let i = 0; i < clients; i++) {
      const c = new ENetMultiplayerPeer({ runtime: rt(i + 2), protocol: "godot3" });
      await c.createClient("10.0.0.1", 7777);
      cs.push(c);
    }
  } else {
    const s = new WebSocketMultiplayerPeer({ runtime: rt(1), protocol: "godot3" });
    await s.createServer(8080);
    server = s;
    for (let i = 0; i < clients; i++) {
      const c = new WebSocketMultiplayerPeer({ runtime: rt(i + 2), protocol: "godot3" });
      await c.createClient("ws://10.0.0.1:8080/");
      cs.push(c);
    }
  }
  return { server, clients: cs };
}

/** More clients for the session of `session()` (addresses 10.0.0.20+). */
async function session2(net: MemoryNetwork, kind: Kind, n: number): Promise<MultiplayerPeer[]> {
  const out: MultiplayerPeer[] = [];
  for (let i = 0; i < n; i++) {
    const runtime = net.createRuntime(`10.0.0.${20 + i}`);
    if (kind === "enet") {
      const c = new ENetMultiplayerPeer({ runtime, protocol: "godot3" });
      await c.createClient("10.0.0.1", 7777);
      out.push(c);
    } else {
      const c = new WebSocketMultiplayerPeer({ runtime, protocol: "godot3" });
      await c.createClient("ws://10.0.0.1:8080/");
      out.push(c);
    }
  }
  return out;
}

describe("Godot 3 mode WebSocket server (memory network)", () => {
  test("a client that left is dropped before one that joins in the same poll is welcomed, as Godot 3.2's WSLServer::poll", async () => {
    const net = new MemoryNetwork({ seed: 45, defaultLink: { latencyMs: 2 } });
    try {
      const server = new WebSocketMultiplayerPeer({ runtime: net.createRuntime("10.0.0.1"), protocol: "godot3" });
      await server.createServer(8080);
      const a = new WebSocketMultiplayerPeer({ runtime: net.createRuntime("10.0.0.2"), protocol: "godot3" });
      await a.createClient("ws://10.0.0.1:8080/");
      await drive(net, [server, a], () => a.getConnectionStatus() === ConnectionStatus.CONNECTION_CONNECTED, "A connected");
      const idA = a.getUniqueId();
      const slog = recordEvents(server);
      const b = new WebSocketMultiplayerPeer({ runtime: net.createRuntime("10.0.0.3"), protocol: "godot3" });
      await b.createClient("ws://10.0.0.1:8080/");
      const blog = recordEvents(b);
      a.close();
      // B's handshake request and A's close frame both reach the server before its next poll.
      for (let i = 0; i < 20; i++) {
        b.poll();
        await net.runFor(2);
      }
      server.poll();
      assert.equal(slog.length, 2, "both in that one poll");
      assert.equal(slog[0], `-${idA}`, "A is dropped first");
      assert.match(slog[1]!, /^\+\d+$/, "then B joins");
      await drive(net, [server, b], () => b.getConnectionStatus() === ConnectionStatus.CONNECTION_CONNECTED, "B connected");
      await settle(net, [server, b], 50);
      assert.deepEqual(blog, ["+1"], "B never hears of A");
      server.close();
      b.close();
    } finally {
      net.close();
    }
  });
});

for (const kind of ["enet", "ws"] as Kind[]) {
  describe(`Godot 3 mode between our peers (${kind}, memory network)`, () => {
    test("three clients learn of each other, talk through the server's relay, and hear who leaves", async () => {
      const net = new MemoryNetwork({ seed: kind === "enet" ? 41 : 42, defaultLink: { latencyMs: 4, jitterMs: 1 } });
      try {
        const { server, clients } = await session(net, kind, 3);
        const slog = recordEvents(server);
        const logs = clients.map(recordEvents);
        const all = [server, ...clients];
        await drive(net, all, () => slog.length === 3 && logs.every((l) => l.length === 3), "everyone knows everyone");
        const ids = clients.map((c) => c.getUniqueId());
        for (const [i, l] of logs.entries()) {
          assert.equal(l[0], "+1");
          assert.deepEqual(l.slice(1).sort(), ids.filter((_, j) => j !== i).map((id) => `+${id}`).sort());
        }
        const [a, b, c] = clients as [MultiplayerPeer, MultiplayerPeer, MultiplayerPeer];
        a.setTargetPeer(ids[1]!);
        a.putPacket(enc("a>b"));
        a.setTargetPeer(0);
        a.putPacket(enc("a>all"));
        a.setTargetPeer(-ids[2]!);
        a.putPacket(enc("a>not-c"));
        a.setTargetPeer(-1);
        a.putPacket(enc("a>not-server"));
        b.setTargetPeer(1);
        b.putPacket(enc("b>server"));
        server.setTargetPeer(-ids[0]!);
        server.putPacket(enc("s>not-a"));
        const got: Received[][] = [[], [], [], []];
        const want = [3, 0, 5, 3];
        await drive(net, all, () => all.every((p, i) => drain(p, got[i]).length >= want[i]!), "all packets");
        await settle(net, all, 40);
        all.forEach((p, i) => drain(p, got[i]));
        // Nothing queued: Godot 3.2's NetworkedMultiplayerENet::get_packet_channel gives -1 (Godot 4.6's ENet peer 1).
        if (kind === "enet") assert.equal(server.getPacketChannel(), -1);
        const fmt = (r: Received[]) => r.map((x) => `${x.from}:${x.text}`).sort();
        const A = ids[0]!;
        assert.deepEqual(fmt(got[0]!), [`${A}:a>all`, `${A}:a>not-c`, `${ids[1]}:b>server`].sort(), "server keeps 1, 0 and -C, not -1 or A>B");
        assert.deepEqual(fmt(got[1]!), [], "A: excluded by the server, never echoed");
        assert.deepEqual(fmt(got[2]!), [`${A}:a>b`, `${A}:a>all`, `${A}:a>not-c`, `${A}:a>not-server`, "1:s>not-a"].sort());
        assert.deepEqual(fmt(got[3]!), [`${A}:a>all`, `${A}:a>not-server`, "1:s>not-a"].sort());
        b.close();
        await drive(net, all, () => slog.includes(`-${ids[1]}`) && logs[0]!.includes(`-${ids[1]}`) && logs[2]!.includes(`-${ids[1]}`), "B leaves");
        // A fourth client, kicked gracefully, and a fifth, kicked at once: the others hear of both.
        const more = await session2(net, kind, 2);
        const mlogs = more.map(recordEvents);
        await drive(net, [...all, ...more], () => slog.length === 6 && mlogs.every((l) => l.includes("+1")), "two more clients");
        const [d, e] = more as [MultiplayerPeer, MultiplayerPeer];
        const idD = d.getUniqueId();
        const idE = e.getUniqueId();
        const everyone = [...all, ...more];
        await drive(net, everyone, () => logs[0]!.includes(`+${idD}`) && logs[0]!.includes(`+${idE}`), "A knows D and E");
        (server as ENetMultiplayerPeer | WebSocketMultiplayerPeer).disconnectPeer(idD);
        await drive(net, everyone, () => slog.includes(`-${idD}`) && mlogs[0]!.includes("-1") && logs[0]!.includes(`-${idD}`), "D kicked gracefully");
        (server as ENetMultiplayerPeer | WebSocketMultiplayerPeer).disconnectPeer(idE, true);
        assert.ok(slog.includes(`-${idE}`), "Godot 3: a forced kick reports the leave at once");
        await drive(net, everyone, () => mlogs[1]!.includes("-1") && logs[0]!.includes(`-${idE}`) && logs[2]!.includes(`-${idE}`), "E kicked at once");
        server.close();
        await drive(net, [a, c], () => logs[0]!.includes("-1") && logs[2]!.includes("-1"), "server gone");
        assert.ok(logs[0]!.indexOf(`-${ids[2]}`) >= 0 && logs[0]!.indexOf(`-${ids[2]}`) < logs[0]!.indexOf("-1"), "others before the server");
        assert.equal(a.getConnectionStatus(), ConnectionStatus.CONNECTION_DISCONNECTED);
      } finally {
        net.close();
      }
    });

    test("a newcomer hears of the other clients in ascending ID order, whatever order they joined in", async () => {
      // Godot 3.2's servers go through their peer map (Map<int, ...>) in key order when they send a
      // newcomer its ADD messages (checked live: Godot 3.2.3's ENet server, clients 900, 500, 700, 600).
      const net = new MemoryNetwork({ seed: kind === "enet" ? 43 : 44, defaultLink: { latencyMs: 4 } });
      try {
        const order = [900, 500, 700, 600];
        const rt = (n: number) => net.createRuntime(`10.0.0.${n}`);
        let server: MultiplayerPeer;
        if (kind === "enet") {
          const s = new ENetMultiplayerPeer({ runtime: rt(1), protocol: "godot3" });
          await s.createServer(7777);
          server = s;
        } else {
          const s = new WebSocketMultiplayerPeer({ runtime: rt(1), protocol: "godot3" });
          await s.createServer(8080);
          const ids = [...order];
          s.generateUniqueId = () => ids.shift()!;
          server = s;
        }
        const all: MultiplayerPeer[] = [server];
        const atJoin: string[] = [];
        for (const [i, id] of order.entries()) {
          let c: MultiplayerPeer;
          if (kind === "enet") {
            const e = new ENetMultiplayerPeer({ runtime: rt(i + 2), protocol: "godot3" });
            e.generateUniqueId = () => id;
            await e.createClient("10.0.0.1", 7777);
            c = e;
          } else {
            const w = new WebSocketMultiplayerPeer({ runtime: rt(i + 2), protocol: "godot3" });
            await w.createClient("ws://10.0.0.1:8080/");
            c = w;
          }
          const log = recordEvents(c);
          all.push(c);
          await drive(net, all, () => log.length === i + 1, `client ${id} hears of the others`);
          assert.equal(c.getUniqueId(), id);
          atJoin.push(log.join(","));
        }
        assert.deepEqual(atJoin, ["+1", "+1,+900", "+1,+500,+900", "+1,+500,+700,+900"]);
        for (const p of all) p.close();
      } finally {
        net.close();
      }
    });

    test("a rogue client's random frames are dropped without breaking poll() or the session", async () => {
      const net = new MemoryNetwork({ seed: kind === "enet" ? 43 : 44, defaultLink: { latencyMs: 2 } });
      try {
        const { server, clients } = await session(net, kind, 2);
        const slog = recordEvents(server);
        const all = [server, ...clients];
        await drive(net, all, () => slog.length === 2 && clients.every((c) => c.getConnectionStatus() === ConnectionStatus.CONNECTION_CONNECTED), "two clients");
        const ids = clients.map((c) => c.getUniqueId());
        const rng = new SeededRandom(kind === "enet" ? 5 : 6);
        const rogueId = 77777;
        const pick = (): number => [0, 1, -1, ids[0]!, -ids[0]!, ids[1]!, rogueId, 999, rng.nextU32() | 0][rng.nextU32() % 9]!;
        const randomFrame = (): Uint8Array => {
          const len = rng.nextU32() % 24;
          const payload = new Uint8Array(len);
          for (let i = 0; i < len; i++) payload[i] = rng.nextU32() & 255;
          const r = rng.nextU32() % 3;
          if (r === 0) return payload; // pure garbage
          return kind === "enet" ? encodeGodot3EnetPacket(pick() >>> 0, pick(), payload) : encodeGodot3WsMessage(rng.nextU32() % 5, pick(), pick(), payload);
        };
        let send: (b: Uint8Array) => void;
        let rogueConn: ENetConnection | WebSocketPeer;
        if (kind === "enet") {
          const h = new ENetConnection({ runtime: net.createRuntime("10.0.0.99") });
          await h.createHost({ maxPeers: 1 });
          await h.connectToHost("10.0.0.1", 7777, { channels: 3, data: rogueId });
          rogueConn = h;
          send = (b) => h.getPeers()[0]!.send(rng.nextU32() % 3, b, PacketFlags.RELIABLE);
          await drive(net, all, () => (h.poll(), slog.includes(`+${rogueId}`)), "rogue connected");
        } else {
          const w = new WebSocketPeer({ runtime: net.createRuntime("10.0.0.99") });
          w.connectToUrl("ws://10.0.0.1:8080/");
          rogueConn = w;
          send = (b) => {
            if (w.getReadyState() !== 1) throw new Error(`rogue closed: ${w.getCloseCode()} ${w.getCloseReason()} server drops ${JSON.stringify(server.getDropCounters())}`);
            w.send(b);
          };
          await drive(net, all, () => (w.poll(), slog.length === 3 && w.getReadyState() === 1), "rogue connected");
        }
        const pumpRogue = () => {
          if (rogueConn instanceof ENetConnection) while (rogueConn.poll().type !== 0);
          else {
            rogueConn.poll();
            while (rogueConn.getAvailablePacketCount() > 0) rogueConn.getPacket();
          }
        };
        for (let round = 0; round < 20; round++) {
          for (let i = 0; i < 100; i++) send(randomFrame());
          await drive(net, all, () => (pumpRogue(), true), "round");
          await settle(net, all, 10);
          pumpRogue();
          for (const p of all) while (p.getAvailablePacketCount() > 0) p.getPacket();
        }
        await settle(net, all, 100);
        const d = server.getDropCounters();
        const dropped = d.malformed + d.spoofedSource + d.badSystemMessage + d.badChannel + d.unknownTarget;
        assert.ok(dropped > 500, `server dropped ${dropped} of 2000 random frames`);
        // The legitimate session carries on.
        clients[0]!.setTargetPeer(ids[1]!);
        clients[0]!.putPacket(enc("still here"));
        const got: Received[] = [];
        await drive(net, all, () => (pumpRogue(), drain(clients[1]!, got).some((r) => r.text === "still here")), "legit packet after the storm");
        assert.equal(got.find((r) => r.text === "still here")!.from, ids[0]);
        assert.equal(server.getConnectionStatus(), ConnectionStatus.CONNECTION_CONNECTED);
        for (const c of clients) assert.equal(c.getConnectionStatus(), ConnectionStatus.CONNECTION_CONNECTED);
        if (rogueConn instanceof ENetConnection) rogueConn.destroy();
        else rogueConn.close(-1);
        for (const p of all) p.close();
      } finally {
        net.close();
      }
    });
  });
}
