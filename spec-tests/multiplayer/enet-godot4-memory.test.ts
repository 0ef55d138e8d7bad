import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { ENetConnection, EventType, PacketFlags } from "../../src/enet/index.ts";
import { GodotError, NetError } from "../../src/errors.ts";
import { ConnectionStatus, ENetMultiplayerPeer, MultiplayerPeer, MultiplayerPeerEvent, TransferMode } from "../../src/multiplayer/index.ts";
import { MemoryNetwork } from "../../src/transport/memory.ts";
import { failingSends } from "../support/failing-sends.ts";
import { dec, drain, drive, enc, recordEvents, settle, texts, type Received } from "./support.ts";

const SERVER = "10.0.0.1";

async function startServer(net: MemoryNetwork, maxChannels = 0): Promise<ENetMultiplayerPeer> {
  const server = new ENetMultiplayerPeer({ runtime: net.createRuntime(SERVER) });
  await server.createServer(7777, 8, maxChannels);
  return server;
}

async function startClient(net: MemoryNetwork, n: number, channelCount = 0): Promise<ENetMultiplayerPeer> {
  const client = new ENetMultiplayerPeer({ runtime: net.createRuntime(`10.0.0.${n + 10}`) });
  await client.createClient(SERVER, 7777, channelCount);
  return client;
}

/** Two raw ENet hosts, 10.0.2.1 connected to 10.0.2.2, both CONNECT events read: what addMeshPeer takes. */
async function connectedPair(net: MemoryNetwork): Promise<[ENetConnection, ENetConnection]> {
  const a = new ENetConnection({ runtime: net.createRuntime("10.0.2.1") });
  const b = new ENetConnection({ runtime: net.createRuntime("10.0.2.2") });
  await a.createHostBound("10.0.2.1", 9000, { maxPeers: 1 });
  await b.createHostBound("10.0.2.2", 9000, { maxPeers: 1 });
  await a.connectToHost("10.0.2.2", 9000);
  let connected = 0;
  await drive(net, [], () => {
    for (const h of [a, b]) for (let ev = h.poll(); ev.type !== EventType.NONE; ev = h.poll()) if (ev.type === EventType.CONNECT) connected++;
    return connected === 2;
  }, "raw pair");
  return [a, b];
}

describe("ENetMultiplayerPeer, Godot 4 protocol, memory network", () => {
  test("three clients: IDs, events, targets >0 / 0 / <0, application relay through the server", async () => {
    const net = new MemoryNetwork({ seed: 11, defaultLink: { latencyMs: 5, jitterMs: 2 } });
    try {
      const server = await startServer(net);
      assert.equal(server.getUniqueId(), 1);
      assert.equal(server.isServer(), true);
      assert.equal(server.getConnectionStatus(), ConnectionStatus.CONNECTION_CONNECTED);
      assert.equal(server.isServerRelaySupported(), true);
      const serverLog = recordEvents(server);
      const clients = [await startClient(net, 1), await startClient(net, 2), await startClient(net, 3)];
      const logs = clients.map(recordEvents);
      for (const c of clients) {
        assert.equal(c.getConnectionStatus(), ConnectionStatus.CONNECTION_CONNECTING);
        assert.ok(c.getUniqueId() >= 2 && c.getUniqueId() <= 0x7fffffff);
        assert.equal(c.isServer(), false);
      }
      const all = [server, ...clients];
      await drive(net, all, () => serverLog.length === 3 && logs.every((l) => l.length === 1), "three connections");
      const ids = clients.map((c) => c.getUniqueId());
      assert.deepEqual([...serverLog].sort(), ids.map((id) => `+${id}`).sort());
      for (const [i, c] of clients.entries()) {
        assert.deepEqual(logs[i], ["+1"]);
        assert.equal(c.getConnectionStatus(), ConnectionStatus.CONNECTION_CONNECTED);
        assert.ok(c.getPeer(1)?.isActive());
        assert.equal(server.getPeer(ids[i]!)?.getRemoteAddress(), `10.0.0.${i + 11}`);
      }

      // Server targets: one peer, everyone, everyone but one.
      server.setTargetPeer(ids[1]!);
      server.putPacket(enc("only-b"));
      server.setTargetPeer(0);
      server.putPacket(enc("everyone"));
      server.setTargetPeer(-ids[1]!);
      server.putPacket(enc("not-b"));
      const got: Received[][] = [[], [], []];
      await drive(net, all, () => clients.every((c, i) => drain(c, got[i]).length >= (i === 1 ? 2 : 2)), "server packets");
      await settle(net, all, 50);
      clients.forEach((c, i) => drain(c, got[i]));
      assert.deepEqual(got[0]!.map((r) => r.text), ["everyone", "not-b"]);
      assert.deepEqual(got[1]!.map((r) => r.text), ["only-b", "everyone"]);
      assert.deepEqual(got[2]!.map((r) => r.text), ["everyone", "not-b"]);
      for (const r of got.flat()) {
        assert.equal(r.from, 1);
        assert.equal(r.channel, 0);
        assert.equal(r.mode, TransferMode.TRANSFER_MODE_RELIABLE);
      }

      // Godot 4's MultiplayerPeer has no relay of its own: a client always sends to the server
      // (SceneMultiplayer relays above it). Here the application relays: first byte = target index.
      const relayed: Received[][] = [[], [], []];
      const fromServer: Received[] = [];
      clients[0]!.putPacket(enc("2hello-c"));
      clients[2]!.putPacket(enc("0hello-a"));
      clients[1]!.putPacket(enc("*to-all"));
      const relayStep = (): void => {
        for (const r of drain(server)) {
          fromServer.push(r);
          const body = r.text.slice(1);
          const target = r.text[0] === "*" ? -r.from : ids[Number(r.text[0])]!;
          server.setTargetPeer(target);
          server.putPacket(enc(`${r.from}>${body}`));
        }
      };
      await drive(
        net,
        all,
        () => {
          relayStep();
          clients.forEach((c, i) => drain(c, relayed[i]));
          return relayed.flat().length >= 4;
        },
        "relayed packets",
      );
      assert.deepEqual(texts(fromServer), [`${ids[0]}:2hello-c`, `${ids[1]}:*to-all`, `${ids[2]}:0hello-a`].sort());
      assert.deepEqual(relayed[0]!.map((r) => r.text).sort(), [`${ids[1]}>to-all`, `${ids[2]}>hello-a`].sort());
      assert.deepEqual(relayed[1]!.map((r) => r.text), []);
      assert.deepEqual(relayed[2]!.map((r) => r.text).sort(), [`${ids[0]}>hello-c`, `${ids[1]}>to-all`].sort());

      // A target that does not exist is refused synchronously.
      server.setTargetPeer(12345);
      assert.equal(server.putPacket(enc("x")), GodotError.ERR_INVALID_PARAMETER);
      clients[0]!.setTargetPeer(ids[1]!); // a Godot 4 client only knows the server
      assert.equal(clients[0]!.putPacket(enc("x")), GodotError.ERR_INVALID_PARAMETER);

      for (const p of all) p.close();
      assert.equal(server.getConnectionStatus(), ConnectionStatus.CONNECTION_DISCONNECTED);
      assert.equal(server.getUniqueId(), 0);
    } finally {
      net.close();
    }
  });

  test("transfer modes and channels map to ENet channels and flags; no per-packet header", async () => {
    const net = new MemoryNetwork({ seed: 5, defaultLink: { latencyMs: 3 } });
    try {
      // A raw ENet server shows exactly what the multiplayer client puts on the wire.
      const raw = new ENetConnection({ runtime: net.createRuntime(SERVER) });
      await raw.createHostBound(SERVER, 7777, { maxPeers: 4 });
      const client = await startClient(net, 1, 3);
      const events: { type: EventType; data: number; channel: number; flags: number; bytes: string; channels: number }[] = [];
      await drive(
        net,
        [client],
        () => {
          for (let ev = raw.poll(); ev.type !== EventType.NONE; ev = raw.poll()) {
            const flags = ev.type === EventType.RECEIVE ? ev.peer!.getPacketFlags() : 0;
            if (ev.type === EventType.RECEIVE) ev.peer!.getPacket();
            events.push({ type: ev.type, data: ev.data, channel: ev.channel, flags, bytes: ev.packet ? dec(ev.packet) : "", channels: ev.peer?.getChannels() ?? 0 });
          }
          return client.getConnectionStatus() === ConnectionStatus.CONNECTION_CONNECTED && events.length >= 1;
        },
        "raw connect",
      );
      assert.equal(events[0]!.type, EventType.CONNECT);
      assert.equal(events[0]!.data, client.getUniqueId(), "CONNECT data is the client's ID");
      assert.equal(events[0]!.channels, 3 + 2, "channelCount user channels + 2 reserved");
      const sends: [TransferMode, number, string][] = [
        [TransferMode.TRANSFER_MODE_RELIABLE, 0, "rel"],
        [TransferMode.TRANSFER_MODE_UNRELIABLE, 0, "unrel"],
        [TransferMode.TRANSFER_MODE_UNRELIABLE_ORDERED, 0, "ordered"],
        [TransferMode.TRANSFER_MODE_RELIABLE, 1, "rel-ch1"],
        [TransferMode.TRANSFER_MODE_UNRELIABLE, 3, "unrel-ch3"],
      ];
      for (const [mode, ch, text] of sends) {
        client.transferMode = mode;
        client.transferChannel = ch;
        client.putPacket(enc(text));
      }
      client.transferChannel = 4; // ENet channel 5 does not exist on this connection
      assert.throws(() => client.putPacket(enc("x")), RangeError);
      await drive(net, [client], () => {
        for (let ev = raw.poll(); ev.type !== EventType.NONE; ev = raw.poll()) {
          const flags = ev.type === EventType.RECEIVE ? ev.peer!.getPacketFlags() : 0;
          if (ev.type === EventType.RECEIVE) ev.peer!.getPacket();
          events.push({ type: ev.type, data: ev.data, channel: ev.channel, flags, bytes: ev.packet ? dec(ev.packet) : "", channels: 0 });
        }
        return events.length >= 6;
      }, "five packets");
      const rx = events.slice(1);
      const by = (t: string) => rx.find((e) => e.bytes === t)!;
      assert.equal(by("rel").channel, 0);
      assert.equal(by("rel").flags & PacketFlags.RELIABLE, PacketFlags.RELIABLE);
      assert.equal(by("unrel").channel, 1);
      assert.equal(by("unrel").flags & PacketFlags.UNSEQUENCED, PacketFlags.UNSEQUENCED);
      assert.equal(by("ordered").channel, 1);
      assert.equal(by("ordered").flags & (PacketFlags.RELIABLE | PacketFlags.UNSEQUENCED), 0);
      assert.equal(by("rel-ch1").channel, 2, "user channel n is ENet channel n + 1");
      assert.equal(by("unrel-ch3").channel, 4);
      assert.equal(by("unrel-ch3").flags & PacketFlags.UNSEQUENCED, PacketFlags.UNSEQUENCED);

      // And back: the client reports mode and user channel from what the server sent.
      const rawPeer = raw.getPeers()[0]!;
      rawPeer.send(0, enc("a"), PacketFlags.RELIABLE);
      rawPeer.send(1, enc("b"), PacketFlags.UNSEQUENCED);
      rawPeer.send(1, enc("c"), 0);
      rawPeer.send(3, enc("d"), PacketFlags.RELIABLE);
      const got: Received[] = [];
      await drive(net, [client], () => {
        raw.poll();
        return drain(client, got).length >= 4;
      }, "raw packets");
      const m = Object.fromEntries(got.map((r) => [r.text, [r.from, r.channel, r.mode]]));
      assert.deepEqual(m, {
        a: [1, 0, TransferMode.TRANSFER_MODE_RELIABLE],
        b: [1, 0, TransferMode.TRANSFER_MODE_UNRELIABLE],
        c: [1, 0, TransferMode.TRANSFER_MODE_UNRELIABLE_ORDERED],
        d: [1, 2, TransferMode.TRANSFER_MODE_RELIABLE],
      });
      client.close();
      raw.destroy();
    } finally {
      net.close();
    }
  });

  test("refused, invalid and duplicate IDs are reset; refuseNewConnections", async () => {
    const net = new MemoryNetwork({ seed: 7, defaultLink: { latencyMs: 4 } });
    try {
      const server = await startServer(net);
      const serverLog = recordEvents(server);
      const good = await startClient(net, 1);
      await drive(net, [server, good], () => serverLog.length === 1, "first client");
      const taken = good.getUniqueId();
      // Raw ENet clients choosing their own CONNECT data: 0, 1 and a taken ID.
      const raws: ENetConnection[] = [];
      for (const [i, data] of [0, 1, taken, 0x80000000].entries()) {
        const c = new ENetConnection({ runtime: net.createRuntime(`10.0.1.${i + 1}`) });
        await c.createHost({ maxPeers: 1 });
        await c.connectToHost(SERVER, 7777, { data });
        raws.push(c);
      }
      await drive(net, [server, good], () => {
        for (const r of raws) r.poll();
        return server.getDropCounters().refusedConnections === 4;
      }, "four refusals");
      assert.deepEqual(serverLog, [`+${taken}`], "no peer_connected for refused IDs");
      assert.equal(server.host!.getPeers().length, 1, "refused peers were reset");

      server.refuseNewConnections = true;
      assert.equal(server.isRefusingNewConnections(), true);
      const late = await startClient(net, 2);
      const lateLog = recordEvents(late);
      // As Godot 4.6 over plain UDP: the ENet handshake completes (the client sees peer 1 connect),
      // the server resets the peer on its CONNECT event without a word, and the client times out.
      await drive(net, [server, good, late], () => late.getConnectionStatus() === ConnectionStatus.CONNECTION_DISCONNECTED, "refused client gives up", 60000, 20);
      assert.deepEqual(lateLog, ["+1", "-1"], "a refused client connects at the ENet level, then times out");
      assert.deepEqual(serverLog, [`+${taken}`]);
      assert.equal(server.getDropCounters().refusedConnections, 5);
      server.refuseNewConnections = false;
      const later = await startClient(net, 3);
      await drive(net, [server, good, later], () => later.getConnectionStatus() === ConnectionStatus.CONNECTION_CONNECTED && serverLog.length === 2, "accepted again");
      // A client that asked for a single channel: broadcasts on channel 1 skip it (counted), others still get them.
      const narrow = new ENetConnection({ runtime: net.createRuntime("10.0.1.9") });
      await narrow.createHost({ maxPeers: 1 });
      await narrow.connectToHost(SERVER, 7777, { channels: 1, data: 4242 });
      await drive(net, [server, good, later], () => (narrow.poll(), serverLog.includes("+4242")), "narrow client");
      server.transferMode = TransferMode.TRANSFER_MODE_UNRELIABLE;
      server.setTargetPeer(0);
      server.putPacket(enc("wide"));
      assert.equal(server.getDropCounters().sendFailed, 1);
      server.setTargetPeer(4242);
      // The client chose its channel count: a send to it alone fails as Godot's ENetPacketPeer.send does, counted, no throw.
      assert.equal(server.putPacket(enc("x")), GodotError.ERR_INVALID_PARAMETER);
      assert.equal(server.getDropCounters().sendFailed, 2);
      await drive(net, [server, good, later], () => good.getAvailablePacketCount() === 1 && later.getAvailablePacketCount() === 1, "broadcast to the others");
      narrow.destroy();
      for (const r of raws) r.destroy();
      server.close();
      good.close();
      later.close();
    } finally {
      net.close();
    }
  });

  test("disconnectPeer (graceful and forced), close() and abrupt loss produce peer_disconnected", async () => {
    const net = new MemoryNetwork({ seed: 9, defaultLink: { latencyMs: 4 } });
    try {
      const server = await startServer(net);
      const serverLog = recordEvents(server);
      const clients = [await startClient(net, 1), await startClient(net, 2), await startClient(net, 3), await startClient(net, 4)];
      const logs = clients.map(recordEvents);
      const all = [server, ...clients];
      await drive(net, all, () => serverLog.length === 4, "four clients");
      const ids = clients.map((c) => c.getUniqueId());

      server.disconnectPeer(ids[0]!); // graceful: event in a later poll, on both sides
      await drive(net, all, () => serverLog.includes(`-${ids[0]}`) && logs[0]!.includes("-1"), "graceful disconnect");
      assert.equal(clients[0]!.getConnectionStatus(), ConnectionStatus.CONNECTION_DISCONNECTED);

      server.disconnectPeer(ids[1]!, true); // forced: forgotten now, no event (Godot 4)
      assert.equal(server.getPeer(ids[1]!), null);
      await drive(net, all, () => logs[1]!.includes("-1"), "forced disconnect reaches the client");
      assert.ok(!serverLog.includes(`-${ids[1]}`));

      clients[2]!.close(); // disconnect_now: the server hears it at once
      assert.equal(clients[2]!.getConnectionStatus(), ConnectionStatus.CONNECTION_DISCONNECTED);
      await drive(net, all, () => serverLog.includes(`-${ids[2]}`), "client close");

      clients[3]!.host!.destroy(); // vanishes without a word: the server times out
      // Its own peer 1 is inactive without a DISCONNECT event: as Godot 4.6's poll()
      // (_disconnect_inactive_peers), peer_disconnected(1) at the next poll, then close().
      clients[3]!.poll();
      assert.deepEqual(logs[3], ["+1", "-1"]);
      assert.equal(clients[3]!.getConnectionStatus(), ConnectionStatus.CONNECTION_DISCONNECTED);
      await drive(net, all, () => serverLog.includes(`-${ids[3]}`), "timeout", 60000, 20);
      assert.throws(() => server.disconnectPeer(ids[3]!), (e: unknown) => e instanceof NetError && e.code === GodotError.ERR_INVALID_PARAMETER);
      assert.throws(() => server.disconnectPeer(0), RangeError);
      server.close();
    } finally {
      net.close();
    }
  });

  test("a client that loses its server emits peer_disconnected(1) while still connected, then closes (Godot 4.6 poll())", async () => {
    const net = new MemoryNetwork({ seed: 23, defaultLink: { latencyMs: 3 } });
    try {
      const server = await startServer(net);
      const client = await startClient(net, 1);
      await drive(net, [server, client], () => client.getConnectionStatus() === ConnectionStatus.CONNECTION_CONNECTED && server.getPeerIds().length === 1, "connection");
      const id = client.getUniqueId();
      const seen: [number, ConnectionStatus, number, number[]][] = [];
      client.addEventListener("peer_disconnected", (e) => {
        seen.push([(e as MultiplayerPeerEvent).id, client.getConnectionStatus(), client.getUniqueId(), client.getPeerIds()]);
      });
      server.close(); // disconnect_now: the client gets a DISCONNECT event
      await drive(net, [client], () => client.getConnectionStatus() === ConnectionStatus.CONNECTION_DISCONNECTED, "server gone");
      assert.deepEqual(seen, [[1, ConnectionStatus.CONNECTION_CONNECTED, id, [1]]], "the handler still sees the session");
      assert.equal(client.getUniqueId(), 0);
      assert.equal(client.getPeer(1), null);
    } finally {
      net.close();
    }
  });

  test("server and mesh: peer_disconnected on an ENet DISCONNECT comes while the peer is still in the table (Godot 4.6 poll()); an inactive peer is dropped first", async () => {
    const net = new MemoryNetwork({ seed: 27, defaultLink: { latencyMs: 3 } });
    try {
      const server = await startServer(net);
      const clients = [await startClient(net, 1), await startClient(net, 2)];
      await drive(net, [server, ...clients], () => server.getPeerIds().length === 2, "two clients");
      const seen: string[] = [];
      const idA = clients[0]!.getUniqueId();
      server.addEventListener("peer_disconnected", (e) => {
        const id = (e as MultiplayerPeerEvent).id;
        seen.push(`${id === idA ? "a" : "b"}:${server.getPeer(id) !== null}:${server.getPeerIds().includes(id)}`);
      });
      clients[0]!.close(); // the server reads its DISCONNECT
      await drive(net, [server], () => seen.length === 1, "event");
      server.getPeer(clients[1]!.getUniqueId())!.reset(); // inactive without an event: _disconnect_inactive_peers
      server.poll();
      assert.deepEqual(seen, ["a:true:true", "b:false:false"]);
      assert.deepEqual(server.getPeerIds(), []);
      server.close();

      // Mesh: the same on the peer's DISCONNECT.
      const [a, b] = await connectedPair(net);
      const mesh = new ENetMultiplayerPeer({ runtime: net.createRuntime("10.0.2.1") });
      mesh.createMesh(10);
      mesh.addMeshPeer(20, a);
      const meshSeen: string[] = [];
      mesh.addEventListener("peer_disconnected", (e) => meshSeen.push(`${(e as MultiplayerPeerEvent).id}:${mesh.getPeer(20) !== null}`));
      b.getPeers()[0]!.peerDisconnect(0);
      await drive(net, [mesh], () => (b.poll(), meshSeen.length === 1), "mesh event");
      assert.deepEqual(meshSeen, ["20:true"]);
      assert.equal(mesh.getPeer(20), null);
      mesh.close();
      b.destroy();
    } finally {
      net.close();
    }
  });

  test("setBindIp applies to createServer and to createClient with a localPort; a client without one binds any address (Godot's create_host)", async () => {
    const net = new MemoryNetwork({ seed: 29, defaultLink: { latencyMs: 3 } });
    try {
      const server = new ENetMultiplayerPeer({ runtime: net.createRuntime(SERVER) });
      server.setBindIp(SERVER);
      await server.createServer(7777);
      const ids: number[] = [];
      server.addEventListener("peer_connected", (e) => ids.push((e as MultiplayerPeerEvent).id));
      const clients: ENetMultiplayerPeer[] = [];
      for (const localPort of [0, 5000]) {
        const client = new ENetMultiplayerPeer({ runtime: net.createRuntime("10.0.0.21") });
        client.setBindIp("10.0.9.9"); // another address the virtual host answers for
        await client.createClient(SERVER, 7777, 0, 0, 0, localPort);
        clients.push(client);
      }
      await drive(net, [server, ...clients], () => ids.length === 2, "two clients");
      const seen = ids.map((id) => `${server.getPeer(id)!.getRemoteAddress()}:${server.getPeer(id)!.getRemotePort() === 5000 ? "5000" : "random"}`);
      assert.deepEqual(seen.sort(), ["10.0.0.21:random", "10.0.9.9:5000"]);
      for (const c of [server, ...clients]) c.close();
    } finally {
      net.close();
    }
  });

  test("putPacket on a channel after the link went down, before poll() noticed: ERR_UNCONFIGURED, not a RangeError about 0 channels", async () => {
    const net = new MemoryNetwork({ seed: 5, defaultLink: { latencyMs: 2 } });
    try {
      const server = await startServer(net, 4);
      const client = await startClient(net, 1, 4);
      await drive(net, [server, client], () => server.getPeerIds().length === 1 && client.getConnectionStatus() === ConnectionStatus.CONNECTION_CONNECTED, "connection");
      server.disconnectPeer(client.getUniqueId(), true);
      for (let i = 0; i < 10; i++) {
        server.poll();
        await net.runFor(2);
      }
      client.setTargetPeer(1);
      client.transferChannel = 2;
      // The first send's flush reads the server's disconnect; the link is then gone, the status not yet updated.
      assert.equal(client.putPacket(enc("a")), GodotError.OK);
      assert.equal(client.getConnectionStatus(), ConnectionStatus.CONNECTION_CONNECTED);
      assert.equal(client.putPacket(enc("b")), GodotError.ERR_UNCONFIGURED);
      client.poll();
      assert.equal(client.getConnectionStatus(), ConnectionStatus.CONNECTION_DISCONNECTED);
    } finally {
      net.close();
    }
  });

  test("a socket that refuses a send closes the session (Godot 4.6 poll(): EVENT_ERROR -> close(), no peer events)", async () => {
    const net = new MemoryNetwork({ seed: 19, defaultLink: { latencyMs: 3 } });
    try {
      const server = await startServer(net);
      const inner = net.createRuntime("10.0.0.40");
      const { runtime, fail } = failingSends(inner);
      const client = new ENetMultiplayerPeer({ runtime });
      await client.createClient(SERVER, 7777);
      const log = recordEvents(client);
      await drive(net, [server, client], () => client.getConnectionStatus() === ConnectionStatus.CONNECTION_CONNECTED, "connected");
      assert.deepEqual(log, ["+1"]);
      fail(true);
      client.setTargetPeer(1);
      assert.equal(client.putPacket(enc("lost")), GodotError.OK); // the send fails inside ENet's flush
      client.poll(); // service() reports EVENT_ERROR: Godot closes the peer
      assert.equal(client.getConnectionStatus(), ConnectionStatus.CONNECTION_DISCONNECTED);
      assert.equal(client.getUniqueId(), 0);
      assert.deepEqual(log, ["+1"], "close() emits nothing");
      server.close();
    } finally {
      net.close();
    }
  });

  test("mesh: createMesh + addMeshPeer over connected ENetConnections", async () => {
    const net = new MemoryNetwork({ seed: 13, defaultLink: { latencyMs: 4 } });
    try {
      const [a, b] = await connectedPair(net);
      const ma = new ENetMultiplayerPeer({ runtime: net.createRuntime("10.0.2.1") });
      const mb = new ENetMultiplayerPeer({ runtime: net.createRuntime("10.0.2.2") });
      const la = recordEvents(ma);
      const lb = recordEvents(mb);
      assert.throws(() => ma.addMeshPeer(2, a), (e: unknown) => e instanceof NetError && e.code === GodotError.ERR_UNCONFIGURED);
      ma.createMesh(10);
      mb.createMesh(20);
      assert.equal(ma.isServerRelaySupported(), false);
      ma.addMeshPeer(20, a);
      mb.addMeshPeer(10, b);
      assert.deepEqual(la, ["+20"]);
      assert.deepEqual(lb, ["+10"]);
      ma.transferMode = TransferMode.TRANSFER_MODE_UNRELIABLE_ORDERED;
      ma.putPacket(enc("from-a"));
      mb.setTargetPeer(10);
      mb.putPacket(enc("from-b"));
      const ga: Received[] = [];
      const gb: Received[] = [];
      await drive(net, [ma, mb], () => drain(ma, ga).length === 1 && drain(mb, gb).length === 1, "mesh packets");
      assert.deepEqual(gb[0], { from: 10, channel: 0, mode: TransferMode.TRANSFER_MODE_UNRELIABLE_ORDERED, text: "from-a" });
      assert.deepEqual(ga[0], { from: 20, channel: 0, mode: TransferMode.TRANSFER_MODE_RELIABLE, text: "from-b" });
      ma.disconnectPeer(20);
      await drive(net, [ma, mb], () => la.includes("-20") && lb.includes("-10"), "mesh disconnect");
      ma.close();
      mb.close();
    } finally {
      net.close();
    }
  });

  test("under loss, duplication and reordering: reliable packets arrive complete, in order and intact; unreliable ones never twice", async () => {
    const net = new MemoryNetwork({ seed: 17, defaultLink: { latencyMs: 20, jitterMs: 10, loss: 0.15, duplicate: 0.05, reorder: 0.05 } });
    try {
      const server = await startServer(net);
      const client = await startClient(net, 1);
      await drive(net, [server, client], () => client.getConnectionStatus() === ConnectionStatus.CONNECTION_CONNECTED && server.getPeerIds().length === 1, "lossy connect", 30000, 5);
      const packet = (kind: number, i: number): Uint8Array => {
        const len = 3 + ((i * 997) % 2500); // up to ~2.5 kB: fragmented above the MTU
        const p = new Uint8Array(len);
        p[0] = kind;
        p[1] = i >> 8;
        p[2] = i & 255;
        for (let j = 3; j < len; j++) p[j] = (i * 31 + j * 7) & 255;
        return p;
      };
      const N = 200;
      const seen = new Map<number, number[]>([[0, []], [1, []], [2, []]]);
      let corrupt = 0;
      const modeMismatch: string[] = [];
      let sent = 0;
      await drive(net, [server, client], () => {
        // Send a few per step so unreliable packets are not all dropped by ENet's own throttle at once.
        for (let k = 0; k < 6 && sent < N; k++, sent++) {
          for (const mode of [TransferMode.TRANSFER_MODE_RELIABLE, TransferMode.TRANSFER_MODE_UNRELIABLE_ORDERED, TransferMode.TRANSFER_MODE_UNRELIABLE]) {
            client.transferMode = mode;
            client.putPacket(packet(mode, sent));
          }
        }
        while (server.getAvailablePacketCount() > 0) {
          const mode = server.getPacketMode();
          const p = server.getPacket();
          const i = (p[1]! << 8) | p[2]!;
          const expect = packet(p[0]!, i);
          if (p.length !== expect.length || !p.every((b, j) => b === expect[j])) corrupt++;
          // ENet sends an unsequenced packet bigger than one fragment as unreliable fragments, so it
          // arrives (and Godot reports it) as UNRELIABLE_ORDERED; everything else keeps its mode.
          if (p[0] !== mode && !(p[0] === TransferMode.TRANSFER_MODE_UNRELIABLE && mode === TransferMode.TRANSFER_MODE_UNRELIABLE_ORDERED && p.length > 1300)) {
            modeMismatch.push(`${p[0]}->${mode}:${p.length}`);
          }
          seen.get(p[0]!)!.push(i);
        }
        return sent === N && seen.get(TransferMode.TRANSFER_MODE_RELIABLE)!.length === N;
      }, "all reliable packets", 120000, 5);
      await settle(net, [server, client], 2000, 10);
      while (server.getAvailablePacketCount() > 0) {
        const p = server.getPacket();
        seen.get(p[0]!)!.push((p[1]! << 8) | p[2]!);
      }
      assert.equal(corrupt, 0);
      assert.deepEqual(modeMismatch, []);
      assert.deepEqual(seen.get(TransferMode.TRANSFER_MODE_RELIABLE), Array.from({ length: N }, (_, i) => i));
      const ordered = seen.get(TransferMode.TRANSFER_MODE_UNRELIABLE_ORDERED)!;
      assert.ok(ordered.every((v, i) => i === 0 || v > ordered[i - 1]!), "unreliable ordered: strictly increasing");
      const unseq = seen.get(TransferMode.TRANSFER_MODE_UNRELIABLE)!;
      assert.equal(new Set(unseq).size, unseq.length, "unsequenced: no duplicates");
      assert.ok(ordered.length > N / 4 && unseq.length > N / 4, `some unreliable packets got through (${ordered.length}, ${unseq.length})`);
      assert.ok(net.stats().lost > 0 && net.stats().duplicated > 0, "the network really was lossy");
      server.close();
      client.close();
    } finally {
      net.close();
    }
  });

  test("API contract: enums, defaults, argument errors, generateUniqueId", async () => {
    const mp = new ENetMultiplayerPeer();
    assert.ok(mp instanceof MultiplayerPeer && mp instanceof EventTarget);
    assert.equal(TransferMode.TRANSFER_MODE_UNRELIABLE, 0);
    assert.equal(TransferMode.UNRELIABLE_ORDERED, 1);
    assert.equal(TransferMode.RELIABLE, 2);
    assert.equal(ConnectionStatus.CONNECTION_CONNECTING, 1);
    assert.equal(MultiplayerPeer.TARGET_PEER_BROADCAST, 0);
    assert.equal(MultiplayerPeer.TARGET_PEER_SERVER, 1);
    assert.equal(mp.transferMode, TransferMode.TRANSFER_MODE_RELIABLE);
    assert.equal(mp.transferChannel, 0);
    assert.equal(mp.refuseNewConnections, false);
    assert.equal(mp.getConnectionStatus(), ConnectionStatus.CONNECTION_DISCONNECTED);
    assert.equal(mp.getUniqueId(), 0);
    assert.equal(mp.host, null);
    assert.equal(mp.getAvailablePacketCount(), 0);
    assert.deepEqual(mp.getPacket(), new Uint8Array(0), "an empty queue gives an empty packet, as in Godot");
    assert.equal(mp.getPacketError(), GodotError.ERR_UNAVAILABLE);
    assert.equal(mp.getPacketPeer(), 1, "Godot 4 reports peer 1 for an empty queue");
    assert.equal(mp.getPacketChannel(), 1, "and channel 1 (ENetMultiplayerPeer::get_packet_channel's error value)");
    assert.equal(mp.getPacketMode(), TransferMode.TRANSFER_MODE_RELIABLE);
    assert.equal(mp.putPacket(enc("x")), GodotError.ERR_UNCONFIGURED);
    assert.throws(() => (mp.transferMode = 3 as TransferMode), RangeError);
    assert.throws(() => (mp.transferChannel = 256), RangeError);
    assert.throws(() => mp.setTargetPeer(2 ** 31), RangeError);
    await assert.rejects(mp.createServer(70000), RangeError);
    await assert.rejects(mp.createServer(0, 0), RangeError);
    await assert.rejects(mp.createClient("127.0.0.1", 0), RangeError);
    await assert.rejects(mp.createServer(0, 32, 0, 0, 0, { protocol: "godot5" as "godot4" }), RangeError);
    assert.throws(() => mp.setBindIp("not an ip"), TypeError);
    mp.poll(); // inactive: nothing happens
    const seen = new Set<number>();
    for (let i = 0; i < 2000; i++) {
      const id = mp.generateUniqueId();
      assert.ok(Number.isInteger(id) && id >= 2 && id <= 0x7fffffff);
      seen.add(id);
    }
    assert.ok(seen.size > 1990, "IDs are random");
  });
});
