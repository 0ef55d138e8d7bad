// Godot 3 protocol mode under hostile input, on the memory network: raw ENet / WebSocket peers
// speaking (and breaking) Godot 3's framing against our servers and clients. Every bad message
// is dropped and counted, nothing is thrown out of poll(), and the session carries on.
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { ENetConnection, EventType, PacketFlags } from "../../src/enet/index.ts";
import { GodotError, NetError } from "../../src/errors.ts";
import { ConnectionStatus, ENetMultiplayerPeer, WebSocketMultiplayerPeer } from "../../src/multiplayer/index.ts";
import { encodeGodot3EnetPacket, encodeGodot3EnetSysMsg } from "../../src/multiplayer/godot3-enet-framing.ts";
import { encodeGodot3WsMessage, encodeGodot3WsSys } from "../../src/multiplayer/godot3-websocket-framing.ts";
import { MAX_KNOWN_REMOTE_PEERS as MULTIPLAYER_MAX_KNOWN_REMOTE_PEERS } from "../../src/multiplayer/multiplayer-peer.ts";
import { MemoryNetwork } from "../../src/transport/memory.ts";
import { WebSocketPeer } from "../../src/websocket/peer.ts";
import { WebSocketServer } from "../../src/websocket/server.ts";
import { drain, drive, enc, recordEvents, settle, type Received } from "./support.ts";

const hex = (b: Uint8Array) => Array.from(b, (x) => x.toString(16).padStart(2, "0")).join("");

/** A raw ENet host with its received packets as { channel, flags, hex }. */
class RawEnet {
  readonly packets: { channel: number; flags: number; hex: string }[] = [];
  readonly events: EventType[] = [];
  constructor(readonly host: ENetConnection) {}
  pump(): void {
    for (let ev = this.host.poll(); ev.type !== EventType.NONE; ev = this.host.poll()) {
      this.events.push(ev.type);
      if (ev.type !== EventType.RECEIVE) continue;
      const flags = ev.peer!.getPacketFlags();
      ev.peer!.getPacket();
      this.packets.push({ channel: ev.channel, flags, hex: hex(ev.packet!) });
    }
  }
  get peer() {
    return this.host.getPeers()[0]!;
  }
}

describe("Godot 3 mode, hostile input (memory network)", () => {
  test("ENet server: bad channel, short, spoofed, unknown targets dropped and counted; relay and ADD/REMOVE exact", async () => {
    const net = new MemoryNetwork({ seed: 31, defaultLink: { latencyMs: 3 } });
    try {
      const server = new ENetMultiplayerPeer({ runtime: net.createRuntime("10.0.0.1"), protocol: "godot3" });
      await server.createServer(7777);
      assert.equal(server.getProtocol(), "godot3");
      const log = recordEvents(server);
      const raws: RawEnet[] = [];
      for (const [i, id] of [1000, 2000].entries()) {
        const h = new ENetConnection({ runtime: net.createRuntime(`10.0.0.${i + 2}`) });
        await h.createHost({ maxPeers: 1 });
        await h.connectToHost("10.0.0.1", 7777, { channels: 3, data: id });
        raws.push(new RawEnet(h));
      }
      const pumpAll = () => raws.forEach((r) => r.pump());
      await drive(net, [server], () => (pumpAll(), log.length === 2 && raws.every((r) => r.packets.length === 1)), "two raw clients");
      assert.deepEqual([...log].sort(), ["+1000", "+2000"]);
      assert.equal(server.host!.getPeers()[0]!.getChannels(), 3, "Godot 3's channel count");
      assert.deepEqual(raws[0]!.packets[0], { channel: 0, flags: PacketFlags.RELIABLE, hex: hex(encodeGodot3EnetSysMsg(0, 2000)) });
      assert.deepEqual(raws[1]!.packets[0], { channel: 0, flags: PacketFlags.RELIABLE, hex: hex(encodeGodot3EnetSysMsg(0, 1000)) });

      const x = raws[0]!.peer;
      x.send(0, encodeGodot3EnetSysMsg(0, 5), PacketFlags.RELIABLE); // system message from a client
      x.send(1, new Uint8Array(7), PacketFlags.RELIABLE); // shorter than the header
      x.send(1, encodeGodot3EnetPacket(2000, 1, enc("spoof")), PacketFlags.RELIABLE);
      x.send(1, encodeGodot3EnetPacket(2000, 2000, enc("spoof-relay")), PacketFlags.RELIABLE);
      x.send(1, encodeGodot3EnetPacket(1000, 999, enc("nobody")), PacketFlags.RELIABLE);
      x.send(1, encodeGodot3EnetPacket(1000, 1000, enc("myself")), PacketFlags.RELIABLE);
      x.send(1, encodeGodot3EnetPacket(1000, 1, enc("to-server")), PacketFlags.RELIABLE);
      x.send(2, encodeGodot3EnetPacket(1000, 2000, enc("to-y")), PacketFlags.UNSEQUENCED);
      x.send(1, encodeGodot3EnetPacket(1000, -1, enc("not-server")), PacketFlags.RELIABLE);
      x.send(1, encodeGodot3EnetPacket(1000, 0, enc("everyone")), PacketFlags.RELIABLE);
      x.send(1, encodeGodot3EnetPacket(1000, -2000, enc("not-y")), PacketFlags.RELIABLE);
      const got: Received[] = [];
      await drive(net, [server], () => (pumpAll(), drain(server, got).length >= 3 && raws[1]!.packets.length >= 4), "after the bad packets");
      await settle(net, [server], 30);
      pumpAll();
      drain(server, got);
      assert.deepEqual(got.map((r) => `${r.from}:${r.channel}:${r.text}`), ["1000:1:to-server", "1000:1:everyone", "1000:1:not-y"]);
      const d = server.getDropCounters();
      assert.deepEqual([d.badChannel, d.malformed, d.spoofedSource, d.unknownTarget], [1, 1, 2, 2]);
      // Relayed unchanged: same bytes (sender's header), same channel and flags.
      assert.deepEqual(raws[1]!.packets.slice(1), [
        { channel: 2, flags: PacketFlags.UNSEQUENCED, hex: hex(encodeGodot3EnetPacket(1000, 2000, enc("to-y"))) },
        { channel: 1, flags: PacketFlags.RELIABLE, hex: hex(encodeGodot3EnetPacket(1000, -1, enc("not-server"))) },
        { channel: 1, flags: PacketFlags.RELIABLE, hex: hex(encodeGodot3EnetPacket(1000, 0, enc("everyone"))) },
      ]);
      assert.equal(raws[0]!.packets.length, 1, "nothing echoed to the sender");

      // The server's own packets: [u32 1][i32 target]; unreliable goes unsequenced on channel 2.
      server.setTargetPeer(-1000);
      server.transferMode = 0;
      server.putPacket(enc("srv"));
      await drive(net, [server], () => (pumpAll(), raws[1]!.packets.length === 5), "server packet");
      assert.deepEqual(raws[1]!.packets[4], { channel: 2, flags: PacketFlags.UNSEQUENCED, hex: hex(encodeGodot3EnetPacket(1, -1000, enc("srv"))) });
      assert.equal(raws[0]!.packets.length, 1);

      raws[1]!.peer.peerDisconnect(0);
      await drive(net, [server], () => (pumpAll(), raws[0]!.packets.length === 2), "REMOVE");
      assert.deepEqual(raws[0]!.packets[1], { channel: 0, flags: PacketFlags.RELIABLE, hex: hex(encodeGodot3EnetSysMsg(1, 2000)) });
      assert.deepEqual([...log].sort(), ["+1000", "+2000", "-2000"]);
      assert.equal(log[2], "-2000");

      // close(): Godot 3 sends disconnect_now with our ID (1) as data.
      server.close();
      await settle(net, [], 20);
      pumpAll();
      assert.ok(raws[0]!.events.includes(EventType.DISCONNECT));
      for (const r of raws) r.host.destroy();
      assert.throws(() => new ENetMultiplayerPeer({ protocol: "godot3" }).createMesh(5), (e: unknown) => e instanceof NetError && e.code === GodotError.ERR_UNAVAILABLE);
      assert.throws(() => new ENetMultiplayerPeer().createMesh(5, { protocol: "godot3" }), (e: unknown) => e instanceof NetError && e.code === GodotError.ERR_UNAVAILABLE);
    } finally {
      net.close();
    }
  });

  test("ENet client: malformed, unknown and impossible system messages and headers dropped and counted", async () => {
    const net = new MemoryNetwork({ seed: 32, defaultLink: { latencyMs: 3 } });
    try {
      const raw = new RawEnet(new ENetConnection({ runtime: net.createRuntime("10.0.0.1") }));
      await raw.host.createHostBound("10.0.0.1", 7777, { maxPeers: 2, maxChannels: 3 });
      const client = new ENetMultiplayerPeer({ runtime: net.createRuntime("10.0.0.2") });
      await client.createClient("10.0.0.1", 7777, 0, 0, 0, 0, { protocol: "godot3" });
      const log = recordEvents(client);
      await drive(net, [client], () => (raw.pump(), client.getConnectionStatus() === ConnectionStatus.CONNECTION_CONNECTED && raw.events.length > 0), "connect");
      assert.equal(raw.peer.getChannels(), 3);
      const me = client.getUniqueId();
      const p = raw.peer;
      const sys = (m: number, id: number) => p.send(0, encodeGodot3EnetSysMsg(m, id), PacketFlags.RELIABLE);
      p.send(0, new Uint8Array(7), PacketFlags.RELIABLE); // short
      p.send(0, new Uint8Array(9), PacketFlags.RELIABLE); // long
      sys(2, 3000); // unknown message
      sys(0, 0);
      sys(0, 1);
      sys(0, me);
      sys(0, 0x80000000);
      sys(1, 4000); // remove of an unknown peer
      sys(0, 3000); // valid
      sys(0, 3000); // duplicate
      p.send(1, new Uint8Array(5), PacketFlags.RELIABLE);
      p.send(1, encodeGodot3EnetPacket(0, me, enc("src0")), PacketFlags.RELIABLE);
      p.send(1, encodeGodot3EnetPacket(me, me, enc("src-me")), PacketFlags.RELIABLE);
      p.send(2, encodeGodot3EnetPacket(3000, me, enc("from-3000")), 0);
      p.send(1, encodeGodot3EnetPacket(1, 0, enc("from-server")), PacketFlags.RELIABLE);
      sys(1, 3000); // valid remove
      const got: Received[] = [];
      await drive(net, [client], () => (raw.pump(), drain(client, got).length === 2 && log.length === 3), "valid traffic after the bad");
      assert.deepEqual(log, ["+1", "+3000", "-3000"]);
      assert.deepEqual(got.map((r) => `${r.from}:${r.channel}:${r.mode}:${r.text}`), ["3000:2:1:from-3000", "1:1:2:from-server"]);
      const d = client.getDropCounters();
      assert.deepEqual([d.badSystemMessage, d.malformed, d.spoofedSource], [9, 1, 2]);
      assert.equal(client.getConnectionStatus(), ConnectionStatus.CONNECTION_CONNECTED);
      // Targets must be known peers; the header carries our ID.
      client.setTargetPeer(3000);
      assert.equal(client.putPacket(enc("x")), GodotError.ERR_INVALID_PARAMETER);
      client.setTargetPeer(-1);
      client.transferMode = 1;
      client.putPacket(enc("up"));
      await drive(net, [client], () => (raw.pump(), raw.packets.length === 1), "client packet");
      assert.deepEqual(raw.packets[0], { channel: 2, flags: 0, hex: hex(encodeGodot3EnetPacket(me, -1, enc("up"))) });
      // The server leaves: the client closes and reports it.
      p.peerDisconnect(0);
      await drive(net, [client], () => (raw.pump(), log.includes("-1")), "server gone");
      assert.equal(client.getConnectionStatus(), ConnectionStatus.CONNECTION_DISCONNECTED);
      raw.host.destroy();
    } finally {
      net.close();
    }
  });

  test("WebSocket server: exact SYS_ID/SYS_ADD/SYS_DEL bytes; bad client messages dropped and counted; relay", async () => {
    const net = new MemoryNetwork({ seed: 33, defaultLink: { latencyMs: 3 } });
    try {
      const server = new WebSocketMultiplayerPeer({ runtime: net.createRuntime("10.0.0.1"), protocol: "godot3" });
      await server.createServer(8080);
      const log = recordEvents(server);
      const raws: WebSocketPeer[] = [];
      const seen: string[][] = [[], []];
      const pump = () =>
        raws.forEach((r, i) => {
          r.poll();
          while (r.getAvailablePacketCount() > 0) seen[i]!.push(hex(r.getPacket()));
        });
      for (let i = 0; i < 2; i++) {
        const r = new WebSocketPeer({ runtime: net.createRuntime(`10.0.0.${i + 2}`) });
        r.connectToUrl("ws://10.0.0.1:8080/");
        raws.push(r);
        await drive(net, [server], () => (pump(), seen[i]!.length >= 2), `raw client ${i}`);
      }
      await drive(net, [server], () => (pump(), seen[0]!.length >= 3 && seen[1]!.length >= 3), "ADDs");
      const id0 = Number(log[0]!.slice(1));
      const id1 = Number(log[1]!.slice(1));
      assert.deepEqual(seen[0], [hex(encodeGodot3WsSys(3, id0)), hex(encodeGodot3WsSys(1, 1)), hex(encodeGodot3WsSys(1, id1))]);
      assert.deepEqual(seen[1], [hex(encodeGodot3WsSys(3, id1)), hex(encodeGodot3WsSys(1, 1)), hex(encodeGodot3WsSys(1, id0))]);

      const x = raws[0]!;
      x.send(new Uint8Array(8)); // short
      x.send(encodeGodot3WsSys(1, 5)); // system message from a client
      x.send(encodeGodot3WsMessage(0, id1, 1, enc("spoof")));
      x.send(encodeGodot3WsMessage(0, id0, 777, enc("nobody")));
      x.send(encodeGodot3WsMessage(0, id0, id0, enc("myself")));
      x.send(encodeGodot3WsMessage(0, id0, 1, enc("to-server")));
      x.send(encodeGodot3WsMessage(0, id0, id1, enc("to-y")));
      x.send(encodeGodot3WsMessage(0, id0, -1, enc("not-server")));
      x.send(encodeGodot3WsMessage(0, id0, 0, enc("everyone")));
      const got: Received[] = [];
      await drive(net, [server], () => (pump(), drain(server, got).length >= 2 && seen[1]!.length >= 6), "valid traffic");
      await settle(net, [server], 20);
      pump();
      drain(server, got);
      assert.deepEqual(got.map((r) => `${r.from}:${r.text}`), [`${id0}:to-server`, `${id0}:everyone`]);
      const d = server.getDropCounters();
      assert.deepEqual([d.malformed, d.badSystemMessage, d.spoofedSource, d.unknownTarget], [1, 1, 1, 2]);
      assert.deepEqual(seen[1]!.slice(3), [
        hex(encodeGodot3WsMessage(0, id0, id1, enc("to-y"))),
        hex(encodeGodot3WsMessage(0, id0, -1, enc("not-server"))),
        hex(encodeGodot3WsMessage(0, id0, 0, enc("everyone"))),
      ]);
      assert.equal(seen[0]!.length, 3, "nothing echoed to the sender");
      raws[1]!.close();
      await drive(net, [server], () => (pump(), seen[0]!.length === 4), "SYS_DEL");
      assert.equal(seen[0]![3], hex(encodeGodot3WsSys(2, id1)));
      assert.ok(log.includes(`-${id1}`));
      server.close();
      x.close();
    } finally {
      net.close();
    }
  });

  test("WebSocket client: out-of-order, malformed and impossible system messages dropped and counted", async () => {
    const net = new MemoryNetwork({ seed: 34, defaultLink: { latencyMs: 3 } });
    try {
      const rawServer = new WebSocketServer({}, { runtime: net.createRuntime("10.0.0.1") });
      await rawServer.listen(9000, "10.0.0.1");
      const client = new WebSocketMultiplayerPeer({ runtime: net.createRuntime("10.0.0.2"), protocol: "godot3" });
      await client.createClient("ws://10.0.0.1:9000/");
      const log = recordEvents(client);
      let s: WebSocketPeer | null = null;
      await drive(net, [client], () => (s ??= rawServer.takeConnection()) !== null, "raw accept");
      const sv = s!;
      const ME = 4242;
      sv.send(encodeGodot3WsMessage(0, 1, 0, enc("too-early"))); // data before the ID
      sv.send(encodeGodot3WsSys(1, 1)); // ADD 1 before the ID
      sv.send(encodeGodot3WsSys(3, 1)); // ID 1 is the server's
      sv.send(new Uint8Array([3, 1, 0, 0, 0, 0, 0, 0, 0])); // system message without an ID
      sv.send(new Uint8Array(4)); // short
      sv.send(encodeGodot3WsSys(3, ME)); // valid ID
      sv.send(encodeGodot3WsSys(3, 777)); // second ID
      sv.send(encodeGodot3WsSys(1, 1)); // connected
      sv.send(encodeGodot3WsSys(9, 5)); // unknown type
      sv.send(encodeGodot3WsSys(1, ME)); // ourselves
      sv.send(encodeGodot3WsSys(2, 5000)); // unknown peer
      sv.send(encodeGodot3WsSys(1, 5000)); // valid
      sv.send(encodeGodot3WsMessage(0, 0, ME, enc("src0")));
      sv.send(encodeGodot3WsMessage(0, 5000, ME, enc("from-5000")));
      sv.send(encodeGodot3WsSys(2, 5000)); // valid
      const got: Received[] = [];
      await drive(net, [client], () => (sv.poll(), drain(client, got).length === 1 && log.length === 3), "valid traffic");
      assert.equal(client.getUniqueId(), ME);
      assert.deepEqual(log, ["+1", "+5000", "-5000"]);
      assert.deepEqual(got.map((r) => `${r.from}:${r.text}`), ["5000:from-5000"]);
      const d = client.getDropCounters();
      assert.deepEqual([d.spoofedSource, d.badSystemMessage, d.malformed], [2, 7, 1]);
      // A server announcing endless peers: the list stops at MULTIPLAYER_MAX_KNOWN_REMOTE_PEERS.
      for (let id = 10000; id < 10000 + MULTIPLAYER_MAX_KNOWN_REMOTE_PEERS + 10; id++) sv.send(encodeGodot3WsSys(1, id));
      await drive(net, [client], () => (sv.poll(), client.getDropCounters().badSystemMessage === 7 + 11), "ADD flood", 20000);
      assert.equal(client.getPeerIds().length, MULTIPLAYER_MAX_KNOWN_REMOTE_PEERS);
      client.setTargetPeer(-1);
      client.putPacket(enc("up"));
      await drive(net, [client], () => (sv.poll(), sv.getAvailablePacketCount() === 1), "client packet");
      assert.equal(hex(sv.getPacket()), hex(encodeGodot3WsMessage(0, ME, -1, enc("up"))));
      sv.close();
      await drive(net, [client], () => (sv.poll(), log.includes("-1")), "server gone");
      assert.equal(client.getConnectionStatus(), ConnectionStatus.CONNECTION_DISCONNECTED);
      await rawServer.stop();
    } finally {
      net.close();
    }
  });
});
