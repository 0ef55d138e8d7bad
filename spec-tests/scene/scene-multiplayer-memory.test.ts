import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { GodotError, NetError } from "../../src/errors.ts";
import { ENetMultiplayerPeer, OfflineMultiplayerPeer, TransferMode, WebSocketMultiplayerPeer } from "../../src/multiplayer/index.ts";
import { MemoryNetwork } from "../../src/transport/memory.ts";
import { RPCMode, ReplicationMode, SceneMultiplayer, SceneMultiplayerEvent, VisibilityUpdateMode } from "../../src/scene/index.ts";
import { NodePath, StringName, Vector2, Vector3i, Color, Float, PackedStringArray } from "../../src/variant/index.ts";
import { drive, enetWorld, settle, world } from "./support.ts";

function connected(w: { server: SceneMultiplayer; clients: SceneMultiplayer[] }, n: number): () => boolean {
  return () => w.server.getPeers().length === n && w.clients.every((c) => c.getPeers().includes(1) && c.getPeers().length === n);
}

/**
 * A server and two clients, each with a "Spawner" whose remote spawns declare an hp synchronizer;
 * `seen` logs "<id>+<path>" for each spawn and "<id>-<path>" for each despawn on any of them.
 */
async function spawnerWorld(): Promise<{ w: Awaited<ReturnType<typeof world>>; seen: string[] }> {
  const seen: string[] = [];
  const w = await world(2, (mp) => {
    mp.spawner("Spawner", {
      onSpawn: (node) => {
        seen.push(`${mp.getUniqueId()}+${node.path}`);
        mp.synchronizer(`${node.path}/Sync`, node.path, { properties: [{ path: ".:hp" }] });
      },
      onDespawn: (node) => seen.push(`${mp.getUniqueId()}-${node.path}`),
    });
  });
  return { w, seen };
}

describe("SceneMultiplayer on the simulated network (TS both ends, Godot 4 protocol)", () => {
  test("RPCs both ways with many Variant types, call_local, method ids by sorted name, send_bytes", async () => {
    const w = await world(1);
    try {
      await drive(w, connected(w, 1), "connection");
      const [client] = w.clients as [SceneMultiplayer];
      const got: unknown[][] = [];
      const senders: number[] = [];
      const args = [true, false, 0, -1, 127, 128, -32769, 2 ** 40, 9007199254740993n, 1.5, new Float(2), "héllo", new Vector2(1.5, -2), new Vector3i(1, 2, 3), new Color(0.5, 0.25, 1, 1), new StringName("sn"), new NodePath("A/B:c"), [1, "x", [2]], { k: 1, s: "v" }, new Uint8Array([1, 2, 3]), PackedStringArray.from(["a", "b"]), null];
      // Both ends declare the same config; "zz" sorts after "ping" so ids differ from declaration order.
      for (const mp of w.all) {
        mp.node("/root/Game")
          .rpcConfig("zz", { rpcMode: "any_peer" })
          .rpcConfig("ping", { rpcMode: RPCMode.ANY_PEER, transferMode: TransferMode.RELIABLE })
          .rpcConfig("pong", { rpcMode: "authority", callLocal: true });
      }
      w.server.node("Game").on("ping", (...a) => {
        got.push(a);
        senders.push(w.server.getRemoteSenderId());
      });
      const pongs: [number, unknown][] = [];
      for (const mp of w.all) mp.node("Game").on("pong", (x) => pongs.push([mp.getUniqueId(), x]));
      assert.equal(client.node("Game").rpcId(1, "ping", ...args), GodotError.OK);
      assert.equal(client.node("Game").rpcId(1, "ping", new Uint8Array([9, 8])), GodotError.OK, "a lone PackedByteArray goes raw");
      assert.equal(client.node("Game").rpcId(1, "ping"), GodotError.OK);
      await drive(w, () => got.length === 3, "three pings");
      assert.deepEqual(got[0], args.map((a) => (a instanceof Float ? a : a)));
      assert.deepEqual(got[1], [new Uint8Array([9, 8])]);
      assert.deepEqual(got[2], []);
      assert.deepEqual(senders, [client.getUniqueId(), client.getUniqueId(), client.getUniqueId()]);
      // After confirmation the next call uses the 8-bit cached id (still arrives).
      client.node("Game").rpcId(1, "ping", 7);
      await drive(w, () => got.length === 4, "cached ping");
      assert.deepEqual(got[3], [7]);
      // The server (authority) calls pong on everyone, with call_local.
      assert.equal(w.server.node("Game").rpc("pong", "hi"), GodotError.OK);
      await drive(w, () => pongs.length === 2, "pong local + remote");
      assert.deepEqual(pongs.sort(), [[1, "hi"], [client.getUniqueId(), "hi"]].sort());
      // A send that fails still makes the local call, as Godot's rpcp does (Godot logs the failure
      // and returns OK; we return it): an unknown target, and more than 255 arguments.
      pongs.length = 0;
      assert.equal(w.server.node("Game").rpcId(-999, "pong", "unknown"), GodotError.ERR_INVALID_PARAMETER);
      assert.equal(w.server.node("Game").rpc("pong", ...new Array(256).fill(0)), GodotError.ERR_INVALID_PARAMETER);
      assert.deepEqual(pongs.map(([id, x]) => [id, x]), [[1, "unknown"], [1, 0]], "both local calls ran");
      pongs.length = 0;
      // Unknown method: refused locally.
      assert.equal(client.node("Game").rpcId(1, "nope"), GodotError.ERR_INVALID_PARAMETER);
      assert.equal(client.node("Game").rpcId(client.getUniqueId(), "ping"), GodotError.ERR_INVALID_PARAMETER, "rpc on yourself without call_local");
      // send_bytes both ways.
      const raw: string[] = [];
      for (const mp of w.all) mp.addEventListener("peer_packet", (e) => raw.push(`${mp.getUniqueId()}<${(e as SceneMultiplayerEvent).id}:${[...(e as SceneMultiplayerEvent).packet!].join(",")}`));
      assert.equal(client.sendBytes(new Uint8Array([1, 2]), 1), GodotError.OK);
      assert.equal(w.server.sendBytes(new Uint8Array([3]), 0, TransferMode.UNRELIABLE_ORDERED, 2), GodotError.OK);
      assert.equal(client.sendBytes(new Uint8Array(0)), GodotError.ERR_INVALID_DATA);
      await drive(w, () => raw.length === 2, "raw packets");
      assert.deepEqual(raw.sort(), [`1<${client.getUniqueId()}:1,2`, `${client.getUniqueId()}<1:3`].sort());
      assert.deepEqual(w.server.getDropCounters(), client.getDropCounters());
      assert.ok(Object.values(w.server.getDropCounters()).every((n) => n === 0));
    } finally {
      w.net.close();
    }
  });

  test("a new SceneMultiplayer holds an OfflineMultiplayerPeer, as Godot 4's: the server, alone; call_local RPCs run locally", () => {
    const mp = new SceneMultiplayer();
    assert.ok(mp.multiplayerPeer instanceof OfflineMultiplayerPeer);
    assert.equal(mp.getUniqueId(), 1);
    assert.equal(mp.isServer(), true);
    assert.deepEqual(mp.getPeers(), []);
    const calls: [number, unknown][] = [];
    mp.node("Game").rpcConfig("tick", { rpcMode: "authority", callLocal: true }).rpcConfig("remote_only", { rpcMode: "authority" });
    mp.node("Game").on("tick", (n) => calls.push([mp.getRemoteSenderId(), n]));
    mp.node("Game").on("remote_only", () => calls.push([-1, "remote_only"]));
    assert.equal(mp.node("Game").rpc("tick", 1), GodotError.OK);
    assert.equal(mp.node("Game").rpc("remote_only"), GodotError.OK, "to no one: nothing to do");
    assert.equal(mp.poll(), GodotError.OK);
    assert.deepEqual(calls, [[1, 1]]);
    const events: string[] = [];
    for (const t of ["connected_to_server", "connection_failed", "server_disconnected", "peer_connected"]) mp.addEventListener(t, () => events.push(t));
    // Replacing it fires nothing (Godot's set_multiplayer_peer clears first); null leaves none.
    mp.multiplayerPeer = null;
    assert.equal(mp.getUniqueId(), 0);
    assert.equal(mp.node("Game").rpc("tick", 2), GodotError.ERR_UNCONFIGURED);
    assert.deepEqual(events, []);
    assert.deepEqual(calls, [[1, 1]]);
    assert.equal(new SceneMultiplayer({ protocol: "godot3" }).multiplayerPeer, null, "Godot 3.2's MultiplayerAPI has none");
  });

  test("Godot 3 protocol: a send that fails still makes the local call of a remotesync method, as Godot 3.2's rpcp", async () => {
    const w = await world(1, () => {}, 7, "godot3");
    try {
      await drive(w, connected(w, 1), "connection");
      const calls: [number, unknown][] = [];
      for (const mp of w.all) mp.node("/root/Game").rpcConfig("announce", { rpcMode: "remotesync" }).on("announce", (x) => calls.push([mp.getUniqueId(), x]));
      assert.equal(w.server.node("Game").rpcId(-999, "announce", "unknown peer"), GodotError.ERR_INVALID_PARAMETER);
      assert.deepEqual(calls, [[1, "unknown peer"]], "the local call ran");
      assert.equal(w.server.node("Game").rpc("announce", "all"), GodotError.OK);
      await drive(w, () => calls.length === 3, "remotesync to the client");
      // More than 255 arguments: _send_rpc refuses them, rpcp still calls locally (to everyone and to self).
      calls.length = 0;
      const many = Array.from({ length: 256 }, (_, i) => i);
      assert.equal(w.server.node("Game").rpc("announce", ...many), GodotError.ERR_INVALID_PARAMETER);
      assert.equal(w.server.node("Game").rpcId(1, "announce", ...many), GodotError.OK, "to self: no send at all");
      await settle(w, 50);
      assert.deepEqual(calls.map(([id]) => id), [1, 1], "two local calls, nothing reached the client");
    } finally {
      w.net.close();
    }
  });

  test("Godot 3 protocol: closing our own peer signals nothing; losing the server signals server_disconnected alone, its handler seeing the peers", async () => {
    const w = await world(2, () => {}, 7, "godot3");
    try {
      await drive(w, connected(w, 2), "two clients");
      const [a, b] = w.clients as [SceneMultiplayer, SceneMultiplayer];
      const aId = a.getUniqueId();
      const bId = b.getUniqueId();
      // Godot 3.2's close_connection() and WebSocketClient disconnect emit nothing, and its
      // MultiplayerAPI only passes its peer's signals on.
      w.log.length = 0;
      a.multiplayerPeer!.close();
      await drive(w, () => !b.getPeers().includes(aId), "A's SYS_DEL at B");
      await settle(w, 50);
      assert.deepEqual(w.log, [`S peer_disconnected:${aId}`, `C2 peer_disconnected:${aId}`]);
      // The server goes: B gets server_disconnected alone (Godot 3.2's peers emit no
      // peer_disconnected then), and its handler still sees the server; then the list is cleared.
      let peersAtSignal: number[] = [];
      b.addEventListener("server_disconnected", () => (peersAtSignal = b.getPeers()));
      w.log.length = 0;
      w.server.multiplayerPeer!.close();
      await drive(w, () => w.log.includes("C2 server_disconnected:0"), "B loses the server");
      await settle(w, 50);
      assert.deepEqual(w.log, ["C2 server_disconnected:0"]);
      assert.deepEqual(peersAtSignal, [1]);
      assert.deepEqual(b.getPeers(), []);
      assert.ok(bId >= 2);
    } finally {
      w.net.close();
    }
  });

  test("Godot 3 protocol over ENet: a server link the application reset is a lost server (server_disconnected alone)", async () => {
    const net = new MemoryNetwork({ seed: 8, defaultLink: { latencyMs: 2 } });
    try {
      const server = new ENetMultiplayerPeer({ runtime: net.createRuntime("10.0.0.1"), protocol: "godot3" });
      await server.createServer(7777);
      const peer = new ENetMultiplayerPeer({ runtime: net.createRuntime("10.0.0.2"), protocol: "godot3" });
      await peer.createClient("10.0.0.1", 7777);
      const mp = new SceneMultiplayer({ clock: net.clock, protocol: "godot3" });
      const log: string[] = [];
      for (const t of ["peer_connected", "peer_disconnected", "connected_to_server", "connection_failed", "server_disconnected"]) {
        mp.addEventListener(t, (e) => log.push(`${t}:${(e as SceneMultiplayerEvent).id}:${mp.getPeers().join(",")}`));
      }
      mp.multiplayerPeer = peer;
      const end = net.clock.now() + 2000;
      while (!mp.getPeers().includes(1) && net.clock.now() < end) {
        server.poll();
        mp.poll();
        await net.runFor(2);
      }
      peer.getPeer(1)!.reset();
      mp.poll();
      assert.deepEqual(log, ["peer_connected:1:1", "connected_to_server:0:1", "server_disconnected:0:1"]);
      assert.equal(peer.getConnectionStatus(), 0);
      server.close();
    } finally {
      net.close();
    }
  });

  test("Godot 3 protocol over WebSocket: what a client sent just before it closed still arrives, after its peer_disconnected, as with Godot 3.2.3's server", async () => {
    const w = await world(1, (mp) => {
      mp.node("Game").rpcConfig("a", { rpcMode: "remote" });
      mp.node("Other").rpcConfig("b", { rpcMode: "remote" });
    }, 9, "godot3");
    try {
      await drive(w, connected(w, 1), "connection");
      const [c] = w.clients as [SceneMultiplayer];
      const got: string[] = [];
      w.server.node("Game").on("a", (x) => got.push(`a:${String(x)}:${w.server.getRemoteSenderId()}`));
      w.server.node("Other").on("b", (x) => got.push(`b:${String(x)}:${w.server.getRemoteSenderId()}`));
      w.server.addEventListener("peer_packet", (e) => got.push(`raw:${new TextDecoder().decode((e as SceneMultiplayerEvent).packet!)}:${w.server.getRemoteSenderId()}`));
      w.server.addEventListener("peer_disconnected", (e) => got.push(`left:${(e as SceneMultiplayerEvent).id}`));
      c.node("Game").rpcId(1, "a", 1);
      await drive(w, () => got.length === 1, "a first call, its path confirmed");
      await settle(w, 20);
      const id = c.getUniqueId();
      // Then, in one go: a call by cache id, a first call (by path), a raw packet, and the close.
      c.node("Game").rpcId(1, "a", 2);
      c.node("Other").rpcId(1, "b", 3);
      c.sendBytes(new TextEncoder().encode("bye"), 1);
      c.multiplayerPeer!.close();
      await w.net.runFor(20);
      w.server.poll();
      // As Godot 3.2.3 (checked live: a raw packet sent just before disconnect_from_host reaches its
      // server's network_peer_packet after network_peer_disconnected): the path cache went with the
      // peer, so the call by cache id is lost there too.
      assert.deepEqual(got, [`a:1:${id}`, `left:${id}`, `b:3:${id}`, `raw:bye:${id}`]);
      const drops = w.server.getDropCounters();
      assert.equal(drops.unknownNode, 1, "the call by cache id");
      assert.equal(drops.unauthenticated, 1, "the SIMPLIFY_PATH of Other, from a peer no longer listed");
    } finally {
      w.net.close();
    }
  });

  test("Godot 3 protocol: getPeers() lists the peers in ascending ID order, as Godot 3.2's get_network_connected_peers", async () => {
    const net = new MemoryNetwork({ seed: 5, defaultLink: { latencyMs: 2 } });
    try {
      const serverPeer = new WebSocketMultiplayerPeer({ runtime: net.createRuntime("10.0.0.1") });
      await serverPeer.createServer(8080, "*", undefined, { protocol: "godot3" });
      const ids = [900, 500, 700];
      serverPeer.generateUniqueId = () => ids.shift()!;
      const server = new SceneMultiplayer({ clock: net.clock, protocol: "godot3" });
      server.multiplayerPeer = serverPeer;
      const all = [server];
      for (let i = 0; i < 3; i++) {
        const peer = new WebSocketMultiplayerPeer({ runtime: net.createRuntime(`10.0.0.${i + 11}`) });
        await peer.createClient("ws://10.0.0.1:8080/", undefined, { protocol: "godot3" });
        const mp = new SceneMultiplayer({ clock: net.clock, protocol: "godot3" });
        mp.multiplayerPeer = peer;
        all.push(mp);
        const end = net.clock.now() + 2000;
        while (mp.getPeers().length < i + 1 && net.clock.now() < end) {
          for (const m of all) m.poll();
          await net.runFor(2);
        }
      }
      assert.deepEqual(server.getPeers(), [500, 700, 900]);
      assert.deepEqual(all[3]!.getUniqueId(), 700);
      assert.deepEqual(all[3]!.getPeers(), [1, 500, 900]);
      for (const m of all) m.multiplayerPeer!.close();
    } finally {
      net.close();
    }
  });

  test("Godot 3 protocol: calls, sets, path announcements and raw packets go on the peer's transfer channel, as Godot 3.2's MultiplayerAPI never sets it", async () => {
    // Checked live: a Godot 3.2.3 client with channel_count 4 and transfer_channel 3 sends its
    // SIMPLIFY_PATH, rpc_id, send_bytes and rpc_unreliable_id on ENet channel 3.
    const net = new MemoryNetwork({ seed: 6, defaultLink: { latencyMs: 2 } });
    try {
      const server = new ENetMultiplayerPeer({ runtime: net.createRuntime("10.0.0.1"), protocol: "godot3" });
      await server.createServer(7777, 8, 4);
      const peer = new ENetMultiplayerPeer({ runtime: net.createRuntime("10.0.0.2"), protocol: "godot3" });
      await peer.createClient("10.0.0.1", 7777, 4);
      const mp = new SceneMultiplayer({ clock: net.clock, protocol: "godot3" });
      mp.multiplayerPeer = peer;
      const node = mp.node("/root/Probe").rpcConfig("ping", { rpcMode: "remote" }).rsetConfig("score", 1);
      const got: string[] = [];
      const pump = async (done: () => boolean): Promise<void> => {
        const end = net.clock.now() + 2000;
        while (!done() && net.clock.now() < end) {
          server.poll();
          mp.poll();
          while (server.getAvailablePacketCount() > 0) {
            const channel = server.getPacketChannel();
            const mode = server.getPacketMode();
            got.push(`${server.getPacket()[0]}@${channel}/${mode}`);
          }
          await net.runFor(2);
        }
      };
      await pump(() => mp.getPeers().includes(1));
      peer.transferChannel = 3;
      node.rpcId(1, "ping");
      node.rsetId(1, "score", 1);
      mp.sendBytes(Uint8Array.of(7), 1);
      node.rpcUnreliableId(1, "ping");
      await pump(() => got.length >= 5);
      // SIMPLIFY_PATH (2), the call with its path (0), the set (1), raw (4): reliable; the unreliable call.
      assert.deepEqual(got, ["2@3/2", "0@3/2", "1@3/2", "4@3/2", "0@3/0"]);
      assert.equal(peer.transferChannel, 3, "left as the application set it");
      peer.transferChannel = 0;
      got.length = 0;
      node.rpcId(1, "ping");
      await pump(() => got.length >= 1);
      assert.deepEqual(got, ["0@1/2"], "channel 0: the transfer mode's own channel");
      peer.close();
      server.close();
    } finally {
      net.close();
    }
  });

  test("authentication: exchange and completion admit the peer; a refused one times out and is disconnected", async () => {
    const secrets = ["open sesame", "wrong"];
    let clientIndex = 0;
    const w = await world(2, (mp, i) => {
      mp.authTimeout = 0.5;
      if (i === 0) {
        mp.authCallback = (id, data) => {
          if (new TextDecoder().decode(data) === "open sesame") mp.completeAuth(id);
        };
      } else {
        const secret = secrets[clientIndex++]!;
        mp.authCallback = (id, data) => {
          if (new TextDecoder().decode(data) === "hello") mp.completeAuth(id);
        };
        mp.addEventListener("peer_authenticating", (e) => {
          mp.sendAuth((e as SceneMultiplayerEvent).id, new TextEncoder().encode(secret));
        });
      }
    });
    try {
      w.server.addEventListener("peer_authenticating", (e) => w.server.sendAuth((e as SceneMultiplayerEvent).id, new TextEncoder().encode("hello")));
      const [good, bad] = w.clients as [SceneMultiplayer, SceneMultiplayer];
      await drive(w, () => w.log.some((l) => l.startsWith("S peer_authentication_failed")) && w.server.getPeers().length === 1, "auth outcome", 3000);
      assert.deepEqual(w.server.getPeers(), [good.getUniqueId()]);
      assert.ok(w.log.includes(`S peer_connected:${good.getUniqueId()}`));
      assert.ok(w.log.includes("C1 connected_to_server:0"));
      assert.ok(w.log.includes(`S peer_authentication_failed:${bad.getUniqueId()}`));
      assert.ok(!w.log.includes(`S peer_connected:${bad.getUniqueId()}`));
      assert.equal(w.server.getAuthenticatingPeers().length, 0);
      // The refused client never got in, and a packet it sends while pending is dropped.
      await settle(w, 100);
      assert.ok(!bad.getPeers().includes(1));
    } finally {
      w.net.close();
    }
  });

  test("relay: two clients see each other through the server and call each other; the server processes broadcasts", async () => {
    const w = await world(2);
    try {
      await drive(w, connected(w, 2), "two clients");
      const [a, b] = w.clients as [SceneMultiplayer, SceneMultiplayer];
      assert.deepEqual(a.getPeers().sort(), [1, b.getUniqueId()].sort());
      const calls: string[] = [];
      for (const mp of w.all) {
        mp.node("Chat").rpcConfig("say", { rpcMode: "any_peer" }).on("say", (text) => calls.push(`${mp.getUniqueId()}<${mp.getRemoteSenderId()}:${String(text)}`));
      }
      a.node("Chat").rpcId(b.getUniqueId(), "say", "direct");
      await drive(w, () => calls.length === 1, "direct relayed call");
      assert.deepEqual(calls, [`${b.getUniqueId()}<${a.getUniqueId()}:direct`]);
      a.node("Chat").rpc("say", "all");
      await drive(w, () => calls.length === 3, "broadcast through the relay");
      assert.deepEqual(calls.slice(1).sort(), [`1<${a.getUniqueId()}:all`, `${b.getUniqueId()}<${a.getUniqueId()}:all`].sort());
      b.sendBytes(new Uint8Array([5]), a.getUniqueId());
      const raws: number[] = [];
      a.addEventListener("peer_packet", (e) => raws.push((e as SceneMultiplayerEvent).id));
      await drive(w, () => raws.length === 1, "relayed raw");
      assert.deepEqual(raws, [b.getUniqueId()]);
      // A leaves: B hears of it from the server.
      const aId = a.getUniqueId();
      a.multiplayerPeer!.close();
      await drive(w, () => !b.getPeers().includes(aId), "DEL_PEER");
      assert.ok(w.log.includes(`C2 peer_disconnected:${aId}`));
      assert.ok(w.log.includes("C1 server_disconnected:0"));
    } finally {
      w.net.close();
    }
  });

  test("replication: a spawn with spawn state, full syncs and deltas from the server authority", async () => {
    const spawnedOn: string[] = [];
    const w = await world(1, (mp, i) => {
      const spawner = mp.spawner("Level/Spawner", {
        spawnPath: "../Players",
        onSpawn: (node, sceneId, data) => {
          spawnedOn.push(`${node.path}:${sceneId}:${JSON.stringify(data)}`);
          mp.synchronizer(`${node.path}/Sync`, node.path, {
            properties: [
              { path: ".:position", spawn: true, replicationMode: ReplicationMode.ALWAYS },
              { path: ".:score", spawn: false, replicationMode: ReplicationMode.ON_CHANGE },
            ],
          });
        },
      });
      if (i === 0) (mp as unknown as { spawnerRef: unknown }).spawnerRef = spawner;
    });
    try {
      await drive(w, connected(w, 1), "connection");
      const [client] = w.clients as [SceneMultiplayer];
      const spawner = (w.server as unknown as { spawnerRef: Parameters<SceneMultiplayer["spawn"]>[0] }).spawnerRef;
      const hero = w.server.spawn(spawner, "Hero", {
        data: { kind: "knight" },
        synchronizers: [
          {
            path: "Level/Players/Hero/Sync",
            options: {
              properties: [
                { path: ".:position", spawn: true, replicationMode: ReplicationMode.ALWAYS },
                { path: ".:score", spawn: false, replicationMode: ReplicationMode.ON_CHANGE },
              ],
            },
          },
        ],
      });
      hero.set("position", new Vector2(1, 2)).set("score", 0);
      // The spawn went out at once with the position; the synchronizer was declared after: send again on next join only.
      await drive(w, () => spawnedOn.length === 1, "spawn");
      assert.deepEqual(spawnedOn, ['Level/Players/Hero:255:{"kind":"knight"}']);
      const remote = client.node("Level/Players/Hero");
      assert.equal(remote.multiplayerAuthority, 1);
      hero.set("position", new Vector2(5, 6));
      await drive(w, () => (remote.get("position") as Vector2 | undefined)?.x === 5, "full sync");
      hero.set("score", 10);
      await drive(w, () => remote.get("score") === 10, "delta");
      assert.ok(w.server.despawn(hero));
      await drive(w, () => !client.getDropCounters() || client.node("Level/Players/Hero") !== remote, "despawn");
      assert.deepEqual(client.getDropCounters().badReplication, 0);
    } finally {
      w.net.close();
    }
  });

  test("a received spawn hands its synchronizer ids to onSpawn's synchronizers in order: fewer is normal, more is refused", async () => {
    // The receiver always declares two synchronizers for a spawned node; the sender includes 0, 1 or 3.
    const w = await world(1, (mp, i) => {
      const spawner = mp.spawner("Level/Spawner", {
        spawnPath: "../Things",
        onSpawn: (node) => {
          for (const name of ["A", "B"]) mp.synchronizer(`${node.path}/${name}`, node.path, { properties: [{ path: `.:${name.toLowerCase()}` }] });
        },
      });
      if (i === 0) (mp as unknown as { spawnerRef: unknown }).spawnerRef = spawner;
    });
    try {
      await drive(w, connected(w, 1), "connection");
      const [client] = w.clients as [SceneMultiplayer];
      const spawner = (w.server as unknown as { spawnerRef: Parameters<SceneMultiplayer["spawn"]>[0] }).spawnerRef;
      const syncs = (names: string[], node: string) => names.map((n) => ({ path: `Level/Things/${node}/${n}`, options: { properties: [{ path: `.:${n.toLowerCase()}` }] } }));
      w.server.spawn(spawner, "None");
      w.server.spawn(spawner, "One", { setup: (n) => n.set("a", 7), synchronizers: syncs(["A"], "One") });
      w.server.spawn(spawner, "Three", { setup: (n) => n.set("a", 1).set("b", 2).set("c", 3), synchronizers: syncs(["A", "B", "C"], "Three") });
      await drive(w, () => client.getDropCounters().badReplication === 1 && client.node("Level/Things/One").get("a") === 7, "the three spawns");
      // "None" and "One" were taken: One's first synchronizer got the id, the state and the sender as its authority.
      assert.equal(client.node("Level/Things/One/A").multiplayerAuthority, 1);
      assert.equal(client.node("Level/Things/One").multiplayerAuthority, 1);
      // "Three" carried an id no declared synchronizer could take: refused, counted once.
      assert.equal(client.getDropCounters().badReplication, 1);
      assert.equal(client.node("Level/Things/Three").get("c"), undefined);
    } finally {
      w.net.close();
    }
  });

  test("when the server goes, a client frees the nodes other clients spawned on it (Godot's on_reset -> _free_remotes), so a later session can spawn them again", async () => {
    const log: string[] = [];
    const w = await world(2, (mp, i) => {
      mp.spawner("Spawner", {
        spawnLimit: 1,
        onSpawn: (node) => log.push(`${i}+${node.path}`),
        onDespawn: (node) => log.push(`${i}-${node.path}`),
      });
    });
    try {
      await drive(w, connected(w, 2), "connection");
      const [a, b] = w.clients as [SceneMultiplayer, SceneMultiplayer];
      const ia = a.getUniqueId();
      for (const mp of w.all) mp.node("Spawner").multiplayerAuthority = ia; // client A's spawner
      a.spawn(a.spawner("Spawner"), "Rock", { data: 1 });
      await drive(w, () => log.includes("2+Rock") && log.includes("0+Rock"), "B and the server get A's spawn (B through the relay)");
      // The server goes away: B never hears that A left, but its session is over. As in Godot,
      // server_disconnected comes before clear(): its handlers still see A among the peers.
      let peersAtSignal: number[] = [];
      b.addEventListener("server_disconnected", () => (peersAtSignal = b.getPeers()));
      w.server.multiplayerPeer!.close();
      await drive(w, () => w.log.includes("C2 server_disconnected:0"), "B loses the server");
      assert.deepEqual(peersAtSignal, [ia]);
      assert.deepEqual(b.getPeers(), []);
      assert.ok(log.includes("2-Rock"), "B freed the node A had spawned");
      // A new session on B: the same spawn is taken again (the name is free and spawnLimit 1 not used up).
      const serverPeer = new WebSocketMultiplayerPeer({ runtime: w.net.createRuntime("10.0.0.2") });
      await serverPeer.createServer(8080);
      const server2 = new SceneMultiplayer({ clock: w.net.clock });
      server2.spawner("Spawner");
      server2.multiplayerPeer = serverPeer;
      const peerB = new WebSocketMultiplayerPeer({ runtime: w.net.createRuntime("10.0.0.31") });
      await peerB.createClient("ws://10.0.0.2:8080/");
      b.multiplayerPeer = peerB;
      b.node("Spawner").multiplayerAuthority = 1; // the new server's spawner
      w.all.splice(0, w.all.length, server2, b);
      await drive(w, () => server2.getPeers().length === 1 && b.getPeers().includes(1), "B joins the second server");
      server2.spawn(server2.spawner("Spawner"), "Rock", { data: 2 });
      await drive(w, () => log.filter((x) => x === "2+Rock").length === 2, "B takes the new Rock");
      assert.equal(b.getDropCounters().badReplication, 0);
    } finally {
      w.net.close();
    }
  });

  test("peer order follows Godot's HashSet (a leaver's place goes to the last peer): getPeers() and the ADD_PEER messages a newcomer gets", async () => {
    const w = await world(4);
    try {
      await drive(w, connected(w, 4), "four clients");
      const order = w.server.getPeers();
      const leaver = w.clients.find((c) => c.getUniqueId() === order[1])!;
      leaver.multiplayerPeer!.close();
      await drive(w, () => w.server.getPeers().length === 3, "the second one left");
      const expected = [order[0]!, order[3]!, order[2]!];
      assert.deepEqual(w.server.getPeers(), expected, "Godot's HashSet moves the last id into the freed place");
      const peer = new WebSocketMultiplayerPeer({ runtime: w.net.createRuntime("10.0.0.30") });
      await peer.createClient("ws://10.0.0.1:8080/");
      const late = new SceneMultiplayer({ clock: w.net.clock });
      const joined: number[] = [];
      late.addEventListener("peer_connected", (e) => joined.push((e as SceneMultiplayerEvent).id));
      late.multiplayerPeer = peer;
      w.all.push(late);
      await drive(w, () => joined.length === 4, "the newcomer hears of everyone");
      assert.deepEqual(joined, [1, ...expected], "ADD_PEER in the server's connected_peers order");
    } finally {
      w.net.close();
    }
  });

  test("over ENetMultiplayerPeer too: a relayed call between two clients on user channel 2, unreliable", async () => {
    const net = new MemoryNetwork({ seed: 3, defaultLink: { latencyMs: 2 } });
    try {
      const w = await enetWorld(net, [4, 4]);
      const { server, clients } = w;
      await drive(w, connected(w, 2), "two ENet clients");
      const [a, b] = clients as [SceneMultiplayer, SceneMultiplayer];
      const got: string[] = [];
      for (const mp of w.all) mp.node("Chat").rpcConfig("shout", { rpcMode: "any_peer", transferMode: "unreliable", channel: 2 }).on("shout", (t) => got.push(`${mp.getUniqueId()}<${mp.getRemoteSenderId()}:${String(t)}`));
      a.node("Chat").rpcId(b.getUniqueId(), "shout", "over enet");
      await drive(w, () => got.length === 1, "relayed ENet call");
      assert.deepEqual(got, [`${b.getUniqueId()}<${a.getUniqueId()}:over enet`]);
    } finally {
      net.close();
    }
  });

  test("visibility: a spawn reaches only the peers its synchronizer is visible to; hiding despawns, showing spawns; syncs follow", async () => {
    const { w, seen } = await spawnerWorld();
    try {
      await drive(w, connected(w, 2), "two clients");
      const [a, b] = w.clients as [SceneMultiplayer, SceneMultiplayer];
      const [ia, ib] = [a.getUniqueId(), b.getUniqueId()];
      const spawner = w.server.spawner("Spawner");
      // The synchronizer declared first (private, visible to A), then the node spawned.
      const sync = w.server.synchronizer("Secret/Sync", "Secret", { properties: [{ path: ".:hp" }], publicVisibility: false, visibleTo: [ia] });
      const secret = w.server.spawn(spawner, "Secret");
      secret.set("hp", 5);
      // (node() would create the stand-in, and a spawn onto an existing name is refused as in Godot: look only after it arrived.)
      await drive(w, () => seen.includes(`${ia}+Secret`) && a.node("Secret").get("hp") === 5, "A gets the private node and its sync");
      await settle(w, 20);
      assert.deepEqual(seen, [`${ia}+Secret`]);
      // RPCs on the node only go where it is visible (Godot's is_rpc_visible).
      secret.rpcConfig("taunt", { rpcMode: "authority" });
      assert.equal(secret.rpcId(ib, "taunt"), GodotError.ERR_INVALID_PARAMETER);
      assert.equal(secret.rpcId(ia, "taunt"), GodotError.OK);
      sync.setVisibilityFor(ib, true);
      sync.setVisibilityFor(ia, false);
      secret.set("hp", 7);
      await drive(w, () => seen.length === 3 && b.node("Secret").get("hp") === 7, "B spawned and synced, A despawned");
      assert.deepEqual(seen.slice(1).sort(), [`${ia}-Secret`, `${ib}+Secret`].sort());
    } finally {
      w.net.close();
    }
  });

  test("a broadcast RPC checks each peer's visibility only when the node is not visible to peer 0 (Godot's _send_rpc 'restricted' rule)", async () => {
    const w = await world(2);
    try {
      await drive(w, connected(w, 2), "two clients");
      const [a, b] = w.clients as [SceneMultiplayer, SceneMultiplayer];
      const [ia, ib] = [a.getUniqueId(), b.getUniqueId()];
      const got: string[] = [];
      for (const mp of w.all) {
        for (const name of ["Board", "Slate"]) mp.node(name).rpcConfig("note", { rpcMode: "authority" });
      }
      for (const mp of w.clients) {
        for (const name of ["Board", "Slate"]) mp.node(name).on("note", () => got.push(`${name}@${mp.getUniqueId()}`));
      }
      // Board's filter lets peer 0 (and A) see it: is_rpc_visible(node, 0) holds, so a broadcast goes to every peer.
      w.server.synchronizer("Board/Sync", "Board", { properties: [{ path: ".:hp" }], visibilityFilters: [(peer) => peer === 0 || peer === ia] });
      // Slate's filter says no to peer 0: the broadcast is restricted and each peer is asked.
      w.server.synchronizer("Slate/Sync", "Slate", { properties: [{ path: ".:hp" }], visibilityFilters: [(peer) => peer === ia] });
      for (const name of ["Board", "Slate"]) w.server.node(name).set("hp", 1);
      assert.equal(w.server.node("Board").rpc("note"), GodotError.OK);
      assert.equal(w.server.node("Slate").rpc("note"), GodotError.OK);
      await drive(w, () => got.length >= 3, "the calls");
      await settle(w, 20);
      assert.deepEqual(got.sort(), [`Board@${ia}`, `Board@${ib}`, `Slate@${ia}`].sort());
      // rpc_id still asks the peer itself.
      assert.equal(w.server.node("Board").rpcId(ib, "note"), GodotError.ERR_INVALID_PARAMETER);
    } finally {
      w.net.close();
    }
  });

  test("visibility filters: re-run every poll (IDLE) or only on updateVisibility (NONE); a throwing or non-boolean filter hides and is counted", async () => {
    const { w, seen } = await spawnerWorld();
    try {
      await drive(w, connected(w, 2), "two clients");
      const [a, b] = w.clients as [SceneMultiplayer, SceneMultiplayer];
      const [ia, ib] = [a.getUniqueId(), b.getUniqueId()];
      const allowed = new Set([ia]);
      const asked = new Set<number>();
      const changed: number[] = [];
      const filter = (peer: number): boolean => {
        asked.add(peer);
        return allowed.has(peer);
      };
      const spawner = w.server.spawner("Spawner");
      const sync = w.server.synchronizer("Fog/Sync", "Fog", {
        properties: [{ path: ".:hp" }],
        visibilityFilters: [filter],
        onVisibilityChanged: (forPeer) => changed.push(forPeer),
      });
      assert.equal(sync.hasVisibilityFilters(), true);
      assert.equal(sync.visibilityUpdateMode, VisibilityUpdateMode.VISIBILITY_PROCESS_IDLE);
      const fog = w.server.spawn(spawner, "Fog");
      fog.set("hp", 1);
      await drive(w, () => seen.includes(`${ia}+Fog`) && a.node("Fog").get("hp") === 1, "A sees the node through the filter");
      await settle(w, 20);
      assert.deepEqual(seen, [`${ia}+Fog`], "B is filtered out although the node is public");
      assert.ok(asked.has(0) && asked.has(ia) && asked.has(ib), "the filter is asked about every peer (0 first) and each peer");
      assert.ok(changed.length > 0 && changed.every((p) => p === 0), "visibility_changed(0) on every poll in IDLE mode");
      assert.equal(w.server.node("Fog").rpcConfig("hello", { rpcMode: "authority" }).rpcId(ib, "hello"), GodotError.ERR_INVALID_PARAMETER, "RPCs follow the filter");

      // IDLE: a change in what the filter answers is picked up by the next poll.
      allowed.add(ib);
      fog.set("hp", 2);
      await drive(w, () => seen.includes(`${ib}+Fog`) && b.node("Fog").get("hp") === 2 && a.node("Fog").get("hp") === 2, "B spawned by the next poll");

      // NONE: nothing changes until updateVisibility() is called.
      sync.visibilityUpdateMode = VisibilityUpdateMode.VISIBILITY_PROCESS_NONE;
      allowed.delete(ia);
      const before = changed.length;
      await settle(w, 50);
      assert.equal(changed.length, before, "no automatic updates in NONE mode");
      assert.ok(!seen.includes(`${ia}-Fog`), "A keeps the node until updateVisibility()");
      sync.updateVisibility(ia);
      assert.deepEqual(changed.slice(before), [ia]);
      await drive(w, () => seen.includes(`${ia}-Fog`), "A despawned after updateVisibility(A)");
      fog.set("hp", 3);
      await drive(w, () => b.node("Fog").get("hp") === 3, "B still synced");

      // A filter that throws or answers a non-boolean hides the node from everyone and is reported.
      const errors: string[] = [];
      w.server.addEventListener("rpc_error", (e) => errors.push(String((e as SceneMultiplayerEvent).method)));
      const broken = (): boolean => {
        throw new Error("filter bug");
      };
      sync.addVisibilityFilter(broken);
      sync.updateVisibility();
      await drive(w, () => seen.includes(`${ib}-Fog`), "B despawned by the throwing filter");
      assert.ok(w.server.getDropCounters().handlerErrors >= 1);
      assert.ok(errors.some((m) => m.endsWith(":visibility filter")), `rpc_error names the filter: ${errors.join(", ")}`);
      sync.removeVisibilityFilter(broken);
      const notBoolean = ((): unknown => 1) as (peer: number) => boolean;
      sync.addVisibilityFilter(notBoolean);
      const counted = w.server.getDropCounters().handlerErrors;
      sync.updateVisibility(ib);
      assert.ok(w.server.getDropCounters().handlerErrors > counted, "a non-boolean answer is counted");
      sync.removeVisibilityFilter(notBoolean);
      sync.updateVisibility(ib);
      await drive(w, () => seen.filter((x) => x === `${ib}+Fog`).length === 2, "B spawned again once the bad filters are gone");
      assert.equal(seen.filter((x) => x.startsWith(`${ia}`)).length, 2, "A stays hidden (the filter says no)");
      assert.throws(() => sync.addVisibilityFilter(3 as unknown as (peer: number) => boolean), TypeError);
      assert.throws(() => (sync.visibilityUpdateMode = 5 as VisibilityUpdateMode), RangeError);
      // The clients hold no authority: their synchronizers never ask their filters.
      let clientAsked = 0;
      const clientSync = a.synchronizer("Other/Sync", "Other", { properties: [{ path: ".:hp" }], visibilityFilters: [() => (clientAsked++, true)] });
      await settle(w, 20);
      assert.equal(clientAsked, 0);
      assert.equal(clientSync.isVisibleTo(1), true);
    } finally {
      w.net.close();
    }
  });

  test("authority set after the synchronizer is declared (as Godot clients do): the new authority starts syncing, the old one stops", async () => {
    const w = await world(1);
    try {
      await drive(w, connected(w, 1), "connection");
      const [a] = w.clients as [SceneMultiplayer];
      const ia = a.getUniqueId();
      // Both ends declare the node; A then takes authority of it, the server learns the same.
      const mine = a.synchronizer("Mine/Sync", "Mine", { properties: [{ path: ".:hp" }] });
      mine.node.multiplayerAuthority = ia;
      const theirs = w.server.synchronizer("Mine/Sync", "Mine", { properties: [{ path: ".:hp" }] });
      theirs.node.multiplayerAuthority = ia;
      a.node("Mine").set("hp", 9);
      await drive(w, () => w.server.node("Mine").get("hp") === 9, "A's syncs reach the server");
      // Authority back to the server: A stops sending, the server's syncs reach A.
      // (A gives it up first, so that no sync of A's is still in flight when the server takes it back.)
      mine.node.multiplayerAuthority = 1;
      await settle(w, 50);
      theirs.node.multiplayerAuthority = 1;
      a.node("Mine").set("hp", 10);
      w.server.node("Mine").set("hp", 11);
      await drive(w, () => a.node("Mine").get("hp") === 11, "the server's syncs reach A");
      await settle(w, 20);
      assert.equal(w.server.node("Mine").get("hp"), 11, "A no longer syncs");
      assert.ok(Object.values(w.server.getDropCounters()).every((n) => n === 0), JSON.stringify(w.server.getDropCounters()));
    } finally {
      w.net.close();
    }
  });

  test("spawn limit (Godot's spawn_limit) on both sides, and the synchronized / delta_synchronized signals", async () => {
    const seen: string[] = [];
    const signals: string[] = [];
    const w = await world(1, (mp, i) => {
      mp.spawner("Spawner", {
        // The client allows two nodes at once from this spawner; the server's own limit is set below.
        spawnLimit: i === 1 ? 2 : 0,
        onSpawn: (node) => {
          seen.push(`+${node.path}`);
          mp.synchronizer(`${node.path}/Sync`, node.path, {
            properties: [{ path: ".:hp" }, { path: ".:name", spawn: false, replicationMode: ReplicationMode.ON_CHANGE }],
            onSynchronized: () => signals.push(`sync ${node.path}`),
            onDeltaSynchronized: () => signals.push(`delta ${node.path}`),
          });
        },
        onDespawn: (node) => seen.push(`-${node.path}`),
      });
    });
    try {
      await drive(w, connected(w, 1), "connection");
      const [a] = w.clients as [SceneMultiplayer];
      const spawner = w.server.spawner("Spawner");
      const syncOptions = { properties: [{ path: ".:hp" }, { path: ".:name", spawn: false, replicationMode: ReplicationMode.ON_CHANGE }] };
      const spawnOne = (name: string) => w.server.spawn(spawner, name, { synchronizers: [{ path: `${name}/Sync`, options: syncOptions }], setup: (n) => n.set("hp", 1).set("name", name) });
      const n1 = spawnOne("N1");
      spawnOne("N2");
      spawnOne("N3");
      await drive(w, () => seen.length === 2 && a.getDropCounters().badReplication >= 1, "two spawns taken, the third refused by the client's limit (its syncs and deltas count too)");
      assert.deepEqual(seen, ["+N1", "+N2"]);
      await drive(w, () => signals.includes("sync N1") && signals.includes("delta N1"), "synchronized and delta_synchronized on the client");
      assert.ok(!signals.some((x) => x.endsWith("N3")));
      // A despawn frees a slot: the next spawn is taken.
      w.server.despawn(n1);
      await drive(w, () => seen.includes("-N1"), "N1 despawned");
      spawnOne("N4");
      await drive(w, () => seen.includes("+N4"), "N4 taken");
      // The authority's own limit: spawn() throws once it is reached, and nothing is sent.
      spawner.spawnLimit = 3;
      assert.equal(spawner.spawnLimit, 3);
      assert.throws(() => spawnOne("N5"), (e: unknown) => e instanceof NetError && e.code === GodotError.ERR_CANT_CREATE && /spawnLimit \(3\)/.test(e.message));
      await settle(w, 20);
      assert.ok(!seen.includes("+N5"));
      assert.throws(() => (spawner.spawnLimit = -1), RangeError);
      // A throwing signal handler is counted, not thrown out of poll().
      const bad = a.synchronizer("Bad/Sync", "Bad", { properties: [{ path: ".:hp" }], onSynchronized: () => { throw new Error("handler bug"); } });
      assert.ok(bad);
      w.server.synchronizer("Bad/Sync", "Bad", { properties: [{ path: ".:hp" }] });
      w.server.node("Bad").set("hp", 3);
      await drive(w, () => a.getDropCounters().handlerErrors > 0 && a.node("Bad").get("hp") === 3, "the throwing handler counted");
    } finally {
      w.net.close();
    }
  });
});
