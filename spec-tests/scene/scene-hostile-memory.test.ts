import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { GodotError } from "../../src/errors.ts";
import { WebSocketMultiplayerPeer, type MultiplayerPeer } from "../../src/multiplayer/index.ts";
import { MAX_KNOWN_REMOTE_PEERS } from "../../src/multiplayer/multiplayer-peer.ts";
import { ReplicationMode, SceneMultiplayer, type MultiplayerSpawner, type SceneMultiplayerEvent, type SceneNode } from "../../src/scene/index.ts";
import { MemoryNetwork } from "../../src/transport/memory.ts";
import { drive, enetWorld, settle, world, type World } from "./support.ts";
import { runSceneFuzz } from "./fuzz-engine.ts";
import { MAX_REMOTE_PATH_CHARS_PER_PEER } from "../../src/scene/godot3-session.ts";

const u32 = (n: number): number[] => [n & 0xff, (n >>> 8) & 0xff, (n >>> 16) & 0xff, (n >>> 24) & 0xff];
const ascii = (s: string): number[] => [...new TextEncoder().encode(s)];

/** SIMPLIFY_PATH registering `id` for `path`, with a wrong (all-zero) config hash. */
const simplify = (id: number, path: string): number[] => [1, ...ascii("0".repeat(32)), 0, ...u32(id), ...ascii(path), 0];

/** What a SceneMultiplayer's replication holds (read through private fields, as the fuzzer reads them): what a freed spawn must not leave behind. */
function replicationTables(mp: SceneMultiplayer): { nodes: string[]; spawners: number; synchronizers: number; spawned: string[]; recvNodes: number; recvSyncs: number } {
  const session = Reflect.get(mp, "session");
  const replication = Reflect.get(session, "replication");
  const peers = [...(Reflect.get(replication, "peerRepl") as Map<number, { recvNodes: Map<number, unknown>; recvSyncs: Map<number, unknown> }>).values()];
  return {
    nodes: [...(Reflect.get(Reflect.get(session, "nodes"), "byPath") as Map<string, unknown>).keys()].sort(),
    spawners: (Reflect.get(replication, "spawners") as Map<unknown, unknown>).size,
    synchronizers: (Reflect.get(replication, "synchronizers") as Set<unknown>).size,
    spawned: [...(Reflect.get(replication, "spawned") as Map<SceneNode, unknown>).keys()].map((n) => n.path),
    recvNodes: peers.reduce((sum, r) => sum + r.recvNodes.size, 0),
    recvSyncs: peers.reduce((sum, r) => sum + r.recvSyncs.size, 0),
  };
}

/** Drive `w` until `done()` or until the server's poll() throws; returns what it threw (null for nothing). */
async function driveCatchingServerThrow(w: World, done: () => boolean, what: string): Promise<unknown> {
  let thrown: unknown = null;
  await drive(w, () => {
    try {
      w.server.poll();
    } catch (error) {
      thrown = error;
    }
    return thrown !== null || done();
  }, what);
  return thrown;
}

describe("SceneMultiplayer: hostile input is dropped, counted, never thrown from poll()", () => {
  test("malformed commands, unknown ids, out-of-range methods, forbidden calls, bad sync, bad relay", async () => {
    const w = await world(1);
    try {
      await drive(w, () => w.server.getPeers().length === 1 && w.clients[0]!.getPeers().includes(1), "connection");
      const server = w.server;
      const calls: string[] = [];
      server.node("Game").rpcConfig("open", { rpcMode: "any_peer" }).rpcConfig("admin", { rpcMode: "authority" }).rpcConfig("off", { rpcMode: "disabled" });
      for (const m of ["open", "admin", "off"]) server.node("Game").on(m, () => calls.push(m));
      const raw = w.clients[0]!.multiplayerPeer as MultiplayerPeer;
      const send = (bytes: number[]): void => {
        raw.setTargetPeer(1);
        raw.putPacket(Uint8Array.from(bytes));
      };
      // Method ids by sorted name: admin 0, off 1, open 2.
      send([0x00]); // RPC shorter than its header
      send([0x30, 1, 2]); // node id compression 3 does not exist
      send([1, 2, 3]); // SIMPLIFY_PATH too short
      send([2, 1, 0, 0]); // CONFIRM_PATH of the wrong size
      send([3]); // RAW without payload
      send([0x00, 99, 0, 0]); // RPC on cache id 99, never registered
      send(simplify(5, "Nowhere")); // path of no node
      send(simplify(1, "Game")); // ok (hash mismatch is only reported, as Godot)
      send(simplify(1, "Game")); // duplicate id
      send([0x00, 1, 200, 0]); // method id out of range
      send([0x00, 1, 0, 0]); // "admin": authority only
      send([0x00, 1, 1, 0]); // "off": disabled
      send([0x00, 1, 2, 3, 0x02]); // "open" with 3 args announced, a truncated int
      send([0x00, 1, 2, 1, 0x3f]); // "open" with an argument of type 63
      send([0x00, 1, 2, 0]); // "open", no args: runs
      send([6, 0, 0, ...u32(0x80000001), ...u32(1000), 1]); // SYNC whose state claims 1000 bytes
      send([7, 3, ...u32(12345), 3, 1]); // relay to a peer that does not exist
      send([7, 1, ...u32(77)]); // ADD_PEER from a client
      send([7, 9, 0, 0, 0, 0]); // unknown SYS command
      send([7, 3]); // SYS too short
      send([7, 3, ...u32(0), 7, 3, 0, 0, 0, 0, 0]); // a SYS command inside a relay
      send([4, ...new Array<number>(20).fill(0)]); // SPAWN from a peer with no spawner
      send([5, ...u32(4)]); // DESPAWN of a node never spawned
      await settle(w, 50);
      assert.deepEqual(calls, ["open"]);
      const d = server.getDropCounters();
      assert.deepEqual(
        { ...d },
        {
          malformed: 5 + 1 + 1, // 5 short commands, the oversized sync entry, the short SYS
          badCommand: 2, // unknown SYS + SYS inside a relay
          unauthenticated: 0,
          unknownNode: 2,
          badPathCache: 1,
          rpcChecksumMismatch: 1, // the test registers "Game" with an all-zero hash
          unknownMethod: 1,
          forbidden: 2,
          badArguments: 2,
          noHandler: 0,
          badRelay: 2, // relay to an unknown peer, ADD_PEER from a client
          badReplication: 2,
          oversizedSync: 0,
          handlerErrors: 0,
        },
      );
    } finally {
      w.net.close();
    }
  });

  test("a despawn whose onDespawn throws is counted and reported; poll() goes on with the packets after it", async () => {
    let spawned = 0;
    const w = await world(1, (mp) => {
      mp.spawner("Spawner", {
        onSpawn: () => void spawned++,
        onDespawn: () => {
          throw new Error("despawn handler failed");
        },
      });
    });
    try {
      await drive(w, () => w.server.getPeers().length === 1 && w.clients[0]!.getPeers().includes(1), "connection");
      const [server, client] = [w.server, w.clients[0]!];
      for (const mp of w.all) mp.node("Spawner").multiplayerAuthority = client.getUniqueId();
      const errors: string[] = [];
      server.addEventListener("rpc_error", (e) => errors.push((e as SceneMultiplayerEvent).method ?? ""));
      const raws: number[] = [];
      server.addEventListener("peer_packet", () => raws.push(1));
      const rock = client.spawn(client.spawner("Spawner"), "Rock", { data: 1 });
      await drive(w, () => spawned === 1, "the spawn");
      client.despawn(rock);
      client.sendBytes(Uint8Array.of(1)); // queued behind the despawn: must still be handled
      const thrown = await driveCatchingServerThrow(w, () => raws.length === 1, "the despawn and the raw packet");
      assert.equal(thrown, null);
      assert.deepEqual(errors, ["/root/Rock:onDespawn"]);
      assert.equal(server.getDropCounters().handlerErrors, 1);
    } finally {
      w.net.close();
    }
  });

  test("a despawned node's synchronizer node leaves with it (spawn and despawn from a peer do not grow the node registry)", async () => {
    const syncNodes: SceneNode[] = [];
    const w = await world(1, (mp, i) => {
      mp.spawner("Spawner", {
        onSpawn: (node) => {
          if (i === 0) syncNodes.push(mp.synchronizer(`${node.path}/Sync`, node.path, { properties: [{ path: ".:hp" }] }).node);
        },
      });
    });
    try {
      await drive(w, () => w.server.getPeers().length === 1 && w.clients[0]!.getPeers().includes(1), "connection");
      const [server, client] = [w.server, w.clients[0]!];
      for (const mp of w.all) mp.node("Spawner").multiplayerAuthority = client.getUniqueId();
      const nodes = (): number => (Reflect.get(Reflect.get(Reflect.get(server, "session"), "nodes"), "byPath") as Map<string, unknown>).size;
      const before = nodes();
      for (let round = 0; round < 3; round++) {
        const rock = client.spawn(client.spawner("Spawner"), "Rock", { data: round });
        await drive(w, () => syncNodes.length === round + 1, `spawn ${round}`);
        client.despawn(rock);
        await drive(w, () => nodes() === before, `despawn ${round}`);
      }
      // Each spawn got a fresh synchronizer node, not the one a freed node left behind.
      assert.equal(new Set(syncNodes).size, 3);
      assert.notEqual(server.node("Rock/Sync"), syncNodes[2]);
    } finally {
      w.net.close();
    }
  });

  test("the other nodes onSpawn declared under a despawned node leave with it (a child with its own RPC config and synchronizer); a node declared before the spawn stays", async () => {
    const guns: SceneNode[] = [];
    const w = await world(1, (mp, i) => {
      mp.spawner("Spawner", {
        onSpawn: (node) => {
          if (i !== 0) return;
          const gun = mp.node(`${node.path}/Gun`).rpcConfig("fire", { rpcMode: "any_peer" });
          mp.synchronizer(`${node.path}/Gun/Sync`, gun.path, { properties: [{ path: ".:ammo" }] });
          mp.node(`${node.path}/Hat`); // declared before the spawn (below): not the spawn's to take away
          guns.push(gun);
        },
      });
    });
    try {
      await drive(w, () => w.server.getPeers().length === 1 && w.clients[0]!.getPeers().includes(1), "connection");
      const [server, client] = [w.server, w.clients[0]!];
      for (const mp of w.all) mp.node("Spawner").multiplayerAuthority = client.getUniqueId();
      const hat = server.node("Rock/Hat");
      const registry = (): Map<string, unknown> => Reflect.get(Reflect.get(Reflect.get(server, "session"), "nodes"), "byPath") as Map<string, unknown>;
      const before = registry().size;
      for (let round = 0; round < 3; round++) {
        const rock = client.spawn(client.spawner("Spawner"), "Rock", { data: round });
        await drive(w, () => guns.length === round + 1, `spawn ${round}`);
        assert.ok(registry().has("Rock/Gun") && registry().has("Rock/Gun/Sync"));
        client.despawn(rock);
        await drive(w, () => !registry().has("Rock"), `despawn ${round}`);
        assert.equal(registry().has("Rock/Gun"), false);
        assert.equal(registry().has("Rock/Gun/Sync"), false);
        assert.equal(registry().size, before);
      }
      assert.equal(new Set(guns).size, 3, "each spawn declared a fresh Gun");
      assert.equal(server.node("Rock/Hat"), hat, "the node declared before the spawns is the same one");
    } finally {
      w.net.close();
    }
  });

  test("synchronizer ids a spawn lists that are path-based (bit 31) or 0 are let go with their synchronizers: spawning and despawning with fresh ones does not grow the received ids", async () => {
    const synced: SceneNode[] = [];
    const w = await world(1, (mp, i) => {
      mp.spawner("Spawner", {
        onSpawn: (node) => {
          if (i === 0) mp.synchronizer(`${node.path}/Sync`, node.path, { properties: [{ path: ".:hp" }], onSynchronized: () => synced.push(node) });
        },
      });
    });
    try {
      await drive(w, () => w.server.getPeers().length === 1 && w.clients[0]!.getPeers().includes(1), "connection");
      const [server, client] = [w.server, w.clients[0]!];
      for (const mp of w.all) mp.node("Spawner").multiplayerAuthority = client.getUniqueId();
      const raw = client.multiplayerPeer as MultiplayerPeer;
      const send = (bytes: number[]): void => {
        raw.setTargetPeer(1);
        raw.putPacket(Uint8Array.from(bytes));
      };
      const SPAWNER_ID = 1000;
      send(simplify(SPAWNER_ID, "Spawner"));
      const before = replicationTables(server);
      const ROUNDS = 40;
      for (let k = 1; k <= ROUNDS; k++) {
        // Scene 0, one synchronizer id, the name, and the spawn state (hp = false).
        const syncId = k === ROUNDS ? 0 : (0x80000000 | k) >>> 0;
        const name = ascii(`Rock${k}`);
        send([4, 0, ...u32(SPAWNER_ID), ...u32(k), ...u32(1), ...u32(name.length + 1), ...u32(syncId), ...name, 0, 0x01]);
        send([5, ...u32(k)]);
      }
      await drive(w, () => server.getDropCounters().badPathCache === 0 && replicationTables(server).nodes.every((p) => !p.startsWith("Rock")) && server.getDropCounters().rpcChecksumMismatch === 1, "the spawns and despawns");
      await settle(w, 20);
      assert.deepEqual(replicationTables(server), before);
      // A full sync naming id 0 once the node that took it went reaches no freed synchronizer.
      send([6, 1, 0, ...u32(0), ...u32(1), 0x01]);
      await settle(w, 20);
      assert.deepEqual(synced, []);
      assert.deepEqual({ ...server.getDropCounters(), rpcChecksumMismatch: 0 }, { ...new SceneMultiplayer().getDropCounters() });
    } finally {
      w.net.close();
    }
  });

  test("nested spawners: what later spawns put under a remotely spawned node goes with it, another peer's spawns too, children's onDespawn first; the same names spawn again", async () => {
    // A player (client 1's) whose scene holds a weapon spawner; client 1 spawns a sword with it,
    // client 2 a gem under the player with a spawner of its own. When client 1 despawns the
    // player, Godot frees the sword and the gem with it on every other peer.
    const log: string[] = [];
    const declareWeaponSpawner = (mp: SceneMultiplayer, i: number, player: SceneNode) => {
      const spawner = mp.spawner(`${player.path}/WeaponSpawner`, {
        onSpawn: (weapon) => {
          log.push(`${i}+${weapon.path}`);
          mp.synchronizer(`${weapon.path}/Sync`, weapon.path, { properties: [{ path: ".:ammo" }] });
        },
        onDespawn: (weapon) => log.push(`${i}-${weapon.path}`),
      });
      spawner.node.multiplayerAuthority = player.multiplayerAuthority;
      return spawner;
    };
    const playerSpawners: MultiplayerSpawner[] = [];
    const gemSpawners: MultiplayerSpawner[] = [];
    const w = await world(2, (mp, i) => {
      playerSpawners[i] = mp.spawner("Level/PlayerSpawner", {
        spawnPath: "../Players",
        onSpawn: (player) => {
          log.push(`${i}+${player.path}`);
          mp.synchronizer(`${player.path}/Sync`, player.path, { properties: [{ path: ".:hp" }] });
          declareWeaponSpawner(mp, i, player);
        },
        onDespawn: (player) => log.push(`${i}-${player.path}`),
      });
      gemSpawners[i] = mp.spawner("Level/GemSpawner", {
        spawnPath: "../Players/P1",
        onSpawn: (gem) => log.push(`${i}+${gem.path}`),
        onDespawn: (gem) => {
          log.push(`${i}-${gem.path}`);
          if (i === 0) throw new Error("the server's gem handler throws: counted, and the player still goes");
        },
      });
    });
    try {
      await drive(w, () => w.all.every((mp) => mp.getPeers().length === 2), "connection");
      const [server, c1, c2] = w.all as [SceneMultiplayer, SceneMultiplayer, SceneMultiplayer];
      const [id1, id2] = [c1.getUniqueId(), c2.getUniqueId()];
      for (const mp of w.all) {
        mp.node("Level/PlayerSpawner").multiplayerAuthority = id1;
        mp.node("Level/GemSpawner").multiplayerAuthority = id2;
      }
      const baseline = [server, c2].map(replicationTables);
      const P1 = "Level/Players/P1";
      // Client 1's stand-ins outlive its despawn (mp.despawn frees nothing), so it declares their
      // synchronizers and its weapon spawner once; the other peers build them afresh on each spawn.
      const player = c1.node(P1);
      player.multiplayerAuthority = id1;
      c1.synchronizer(`${P1}/Sync`, P1, { properties: [{ path: ".:hp" }] }).node.multiplayerAuthority = id1;
      const weaponSpawner = declareWeaponSpawner(c1, 1, player);
      c1.synchronizer(`${P1}/Sword/Sync`, `${P1}/Sword`, { properties: [{ path: ".:ammo" }] }).node.multiplayerAuthority = id1;
      for (let round = 1; round <= 3; round++) {
        log.length = 0;
        c1.spawn(playerSpawners[1]!, "P1", { data: round });
        c1.spawn(weaponSpawner, "Sword", { data: round });
        await drive(w, () => log.includes(`0+${P1}/Sword`) && log.includes(`2+${P1}/Sword`), `round ${round}: the player and its sword reach the server and client 2`);
        c2.spawn(gemSpawners[2]!, "Gem", { data: round });
        await drive(w, () => log.includes(`0+${P1}/Gem`) && log.includes(`1+${P1}/Gem`), `round ${round}: client 2's gem reaches the server and client 1`);
        assert.equal(replicationTables(server).recvNodes, 3);
        c1.despawn(player);
        await drive(w, () => log.includes(`0-${P1}`) && log.includes(`2-${P1}`) && log.includes(`1-${P1}/Gem`), `round ${round}: the player goes`);
        await settle(w, 20);
        // The server frees the sword and the gem before the player: Godot's children leave the tree first.
        assert.deepEqual(log.filter((x) => x.startsWith("0-")), [`0-${P1}/Sword`, `0-${P1}/Gem`, `0-${P1}`]);
        // Client 2 frees client 1's sword and despawns its own gem to the others (client 1 frees it on that DESPAWN).
        assert.deepEqual(log.filter((x) => x.startsWith("2-")), [`2-${P1}/Sword`, `2-${P1}`]);
        assert.deepEqual([server, c2].map(replicationTables), baseline, `round ${round}: nothing of the player, the sword or the gem is left`);
        assert.equal(server.getDropCounters().handlerErrors, round);
        // Client 2's DESPAWN of the gem reaches a server that freed it with the player: counted, as
        // Godot reports it. So does, from round 2, client 1's DESPAWN of the sword it still had as
        // spawned (its despawn of the player frees nothing on client 1): spawning the sword again
        // despawns it first, to the server and client 2, which freed it with the player.
        assert.equal(server.getDropCounters().badReplication, round + (round - 1));
        assert.equal(c2.getDropCounters().badReplication, round - 1);
      }
      assert.equal(c1.getDropCounters().badReplication, 0);
    } finally {
      w.net.close();
    }
  });

  test("our spawn under a remotely spawned node whose authority leaves is despawned to the peers left, its spawner and synchronizer go; a later peer gets nothing of it", async () => {
    const log: string[] = [];
    const itemSpawners: MultiplayerSpawner[] = [];
    const declareItemSpawner = (mp: SceneMultiplayer, i: number, player: SceneNode) => {
      const spawner = mp.spawner(`${player.path}/ItemSpawner`, {
        onSpawn: (item) => {
          log.push(`${i}+${item.path}`);
          mp.synchronizer(`${item.path}/Sync`, item.path, { properties: [{ path: ".:glow" }] });
        },
        onDespawn: (item) => log.push(`${i}-${item.path}`),
      });
      if (i === 0) itemSpawners.push(spawner);
    };
    const playerSpawners: MultiplayerSpawner[] = [];
    const w = await world(2, (mp, i) => {
      playerSpawners[i] = mp.spawner("Level/PlayerSpawner", {
        spawnPath: "../Players",
        onSpawn: (player) => {
          log.push(`${i}+${player.path}`);
          declareItemSpawner(mp, i, player);
        },
        onDespawn: (player) => log.push(`${i}-${player.path}`),
      });
    });
    try {
      await drive(w, () => w.all.every((mp) => mp.getPeers().length === 2), "connection");
      const [server, c1, c2] = w.all as [SceneMultiplayer, SceneMultiplayer, SceneMultiplayer];
      const [id1, id2] = [c1.getUniqueId(), c2.getUniqueId()];
      for (const mp of w.all) mp.node("Level/PlayerSpawner").multiplayerAuthority = id1;
      const baseline = replicationTables(server);
      const P1 = "Level/Players/P1";
      const player = c1.spawn(playerSpawners[1]!, "P1", { data: 0, setup: (n) => (n.multiplayerAuthority = id1) });
      declareItemSpawner(c1, 1, player);
      await drive(w, () => log.includes(`0+${P1}`) && log.includes(`2+${P1}`), "the player reaches the server and client 2");
      const item = server.spawn(itemSpawners[0]!, "Item", { data: 0, synchronizers: [{ path: `${P1}/Item/Sync`, options: { properties: [{ path: ".:glow" }] } }], setup: (n) => n.set("glow", 7) });
      await drive(w, () => log.includes(`1+${P1}/Item`) && log.includes(`2+${P1}/Item`), "the server's item reaches both clients");
      const despawnsSent: number[] = [];
      const session = Reflect.get(server, "session") as { sendCommand(to: number, packet: Uint8Array, mode: number, channel: number): GodotError };
      const send = session.sendCommand.bind(session);
      session.sendCommand = (to, packet, mode, channel) => {
        if (packet[0] === 5) despawnsSent.push(to);
        return send(to, packet, mode, channel);
      };
      c1.multiplayerPeer!.close();
      await drive(w, () => log.includes(`0-${P1}`) && log.includes(`2-${P1}`), "client 1 leaves: its player goes");
      await settle(w, 20);
      assert.deepEqual(despawnsSent, [id2], "the item is despawned to client 2, not to the peer that left");
      assert.equal(server.despawn(item), false, "the item is no longer ours to despawn");
      assert.equal(itemSpawners[0]!.trackedCount, 0);
      assert.deepEqual(replicationTables(server), baseline, "no player, item spawner, item or synchronizer left on the server");
      assert.deepEqual(log.filter((x) => x.startsWith("2-")), [`2-${P1}/Item`, `2-${P1}`]);
      // Client 2 freed the item with the player before the server's DESPAWN of it came: counted, as Godot reports it.
      assert.equal(c2.getDropCounters().badReplication, 1);
      // A peer that joins later gets no spawn of the item, and no sync of its synchronizer.
      const peer3 = new WebSocketMultiplayerPeer({ runtime: w.net.createRuntime("10.0.0.13") });
      await peer3.createClient("ws://10.0.0.1:8080/");
      const c3 = new SceneMultiplayer({ clock: w.net.clock });
      c3.multiplayerPeer = peer3;
      w.all.push(c3);
      await drive(w, () => server.getPeers().length === 2 && c3.getPeers().includes(1), "client 3 joins");
      await settle(w, 50);
      assert.deepEqual(c3.getDropCounters(), new SceneMultiplayer().getDropCounters(), "client 3 got nothing it could not place");
    } finally {
      w.net.close();
    }
  });

  test("a client lists at most MAX_KNOWN_REMOTE_PEERS peers however many ADD_PEER a server sends", async () => {
    const w = await world(1);
    try {
      await drive(w, () => w.server.getPeers().length === 1 && w.clients[0]!.getPeers().includes(1), "connection");
      const client = w.clients[0]!;
      const raw = w.server.multiplayerPeer as MultiplayerPeer;
      raw.setTargetPeer(client.getUniqueId());
      const extra = 10;
      for (let id = 100; id < 100 + MAX_KNOWN_REMOTE_PEERS + extra; id++) {
        raw.putPacket(Uint8Array.from([7, 1, ...u32(id)]));
        if (id % 256 === 0) await settle(w, 4);
      }
      await settle(w, 20);
      assert.equal(client.getPeers().length, MAX_KNOWN_REMOTE_PEERS, "the server (1) and the first 4095 announced peers");
      assert.equal(client.getDropCounters().badRelay, extra + 1);
      // A DEL_PEER makes room again.
      raw.putPacket(Uint8Array.from([7, 2, ...u32(100)]));
      raw.putPacket(Uint8Array.from([7, 1, ...u32(99)]));
      await settle(w, 20);
      assert.ok(client.getPeers().includes(99) && !client.getPeers().includes(100));
    } finally {
      w.net.close();
    }
  });

  test("over ENet, a relay on a channel the target client lacks is dropped and counted, not thrown out of the server's poll()", async () => {
    const net = new MemoryNetwork({ seed: 5, defaultLink: { latencyMs: 2 } });
    try {
      const w = await enetWorld(net, [4, 1]); // A: 4 user channels, B: 1
      const { server, clients } = w;
      await drive(w, () => server.getPeers().length === 2 && clients.every((c) => c.getPeers().length === 2), "two ENet clients");
      const [a, b] = clients as [SceneMultiplayer, SceneMultiplayer];
      const got: string[] = [];
      for (const mp of w.all) {
        mp.node("Chat").rpcConfig("high", { rpcMode: "any_peer", channel: 3 }).rpcConfig("low", { rpcMode: "any_peer" });
        mp.node("Chat").on("high", () => got.push("high")).on("low", () => got.push("low"));
      }
      a.node("Chat").rpcId(b.getUniqueId(), "high"); // relayed on user channel 3: B has only channel 1
      a.node("Chat").rpcId(b.getUniqueId(), "low");
      const thrown = await driveCatchingServerThrow(w, () => got.length > 0, "the relays");
      assert.equal(thrown, null);
      assert.deepEqual(got, ["low"]);
      assert.equal(server.getDropCounters().badRelay, 1);
    } finally {
      net.close();
    }
  });

  test("over ENet, a server's broadcast RPC on a channel one client lacks reaches the others (Godot's send_command goes peer by peer and carries on); an rpcId to that client fails with ERR_INVALID_PARAMETER", async () => {
    const net = new MemoryNetwork({ seed: 6, defaultLink: { latencyMs: 2 } });
    try {
      const w = await enetWorld(net, [1, 4, 1]); // the middle client alone has user channel 3
      const { server, serverPeer, clients } = w;
      const got: string[][] = [[], [], []];
      for (const [i, mp] of [server, ...clients].entries()) {
        mp.node("Chat").rpcConfig("high", { channel: 3 }).rpcConfig("low", {});
        if (i > 0) mp.node("Chat").on("high", () => got[i - 1]!.push("high")).on("low", () => got[i - 1]!.push("low"));
      }
      await drive(w, () => server.getPeers().length === 3, "three ENet clients");
      assert.equal(server.node("Chat").rpc("high"), GodotError.OK);
      assert.equal(server.node("Chat").rpc("low"), GodotError.OK);
      assert.equal(server.node("Chat").rpcId(clients[0]!.getUniqueId(), "high"), GodotError.ERR_INVALID_PARAMETER);
      await drive(w, () => got.every((g) => g.includes("low")), "the broadcasts");
      assert.deepEqual(got, [["low"], ["high", "low"], ["low"]]);
      assert.equal(serverPeer.getDropCounters().sendFailed, 3, "two skipped by the broadcast, one by the rpcId");
    } finally {
      net.close();
    }
  });

  test("an unauthenticated peer gets nothing through", async () => {
    const w = await world(1, (mp, i) => {
      if (i === 0) mp.authCallback = () => {};
      mp.authTimeout = 0;
    });
    try {
      const server: SceneMultiplayer = w.server;
      const calls: string[] = [];
      server.node("Game").rpcConfig("open", { rpcMode: "any_peer" }).on("open", () => calls.push("open"));
      const raws: number[] = [];
      server.addEventListener("peer_packet", () => raws.push(1));
      await drive(w, () => server.getAuthenticatingPeers().length === 1 && w.clients[0]!.getPeers().includes(1), "authenticating");
      const raw = w.clients[0]!.multiplayerPeer as MultiplayerPeer;
      raw.setTargetPeer(1);
      raw.putPacket(Uint8Array.from([3, 1, 2])); // raw bytes
      raw.putPacket(Uint8Array.from([...simplify(1, "Game")]));
      raw.putPacket(Uint8Array.from([0x00, 1, 0, 0]));
      raw.putPacket(Uint8Array.from([7, 3, ...u32(0), 3, 1])); // relay
      await settle(w, 50);
      assert.deepEqual(calls, []);
      assert.deepEqual(raws, []);
      assert.equal(server.getDropCounters().unauthenticated, 4);
      assert.deepEqual(server.getPeers(), []);
    } finally {
      w.net.close();
    }
  });
});

describe("SceneMultiplayer protocol godot3: hostile input is dropped and counted", () => {
  test("the path cache keeps at most MAX_REMOTE_PATH_CHARS_PER_PEER characters of one peer's paths (Godot 3 keeps any path, node or not)", async () => {
    const w = await world(1, () => {}, 9, "godot3");
    try {
      await drive(w, () => w.server.getPeers().length === 1 && w.clients[0]!.getPeers().includes(1), "connection");
      const server = w.server;
      const calls: string[] = [];
      server.node("Game").rpcConfig("open", { rpcMode: "remote" }).on("open", () => calls.push("open"));
      const raw = w.clients[0]!.multiplayerPeer as MultiplayerPeer;
      raw.setTargetPeer(1);
      // One at a time: a 60 KB message nearly fills the WebSocket's outbound buffer.
      const simplify3 = async (id: number, path: string): Promise<void> => {
        const text = new TextEncoder().encode(path);
        const packet = new Uint8Array(5 + text.length + 1);
        packet.set([2, ...u32(id)]);
        packet.set(text, 5);
        assert.equal(raw.putPacket(packet), 0);
        await settle(w, 4);
      };
      const long = "Level/" + "x".repeat(59_994); // 60,000 characters
      const fits = Math.floor(MAX_REMOTE_PATH_CHARS_PER_PEER / long.length);
      for (let id = 1; id <= fits + 3; id++) await simplify3(id, long);
      assert.equal(server.getDropCounters().badPathCache, 3, "the paths past the budget are refused");
      // Overwriting id 1 with a short path gives its characters back: one more long path fits, and id 1 names Game.
      await simplify3(1, "Game");
      await simplify3(fits + 4, long);
      raw.putPacket(Uint8Array.from([0, ...u32(1), ...ascii("open"), 0, 0]));
      await settle(w, 20);
      assert.equal(server.getDropCounters().badPathCache, 3);
      assert.deepEqual(calls, ["open"]);
    } finally {
      w.net.close();
    }
  });

  test("short commands, unknown cache ids and names, forbidden calls and sets, bad arguments, unknown commands", async () => {
    const w = await world(1, () => {}, 9, "godot3");
    try {
      await drive(w, () => w.server.getPeers().length === 1 && w.clients[0]!.getPeers().includes(1), "connection");
      const server = w.server;
      const calls: string[] = [];
      const game = server.node("Game");
      game.rpcConfig("open", { rpcMode: "remote" }).rpcConfig("mine", { rpcMode: "puppet" }).on("open", () => calls.push("open")).on("mine", () => calls.push("mine"));
      const raw = w.clients[0]!.multiplayerPeer as MultiplayerPeer;
      const send = (bytes: number[]): void => {
        raw.setTargetPeer(1);
        raw.putPacket(Uint8Array.from(bytes));
      };
      const call = (id: number, name: string, tail: number[]): number[] => [0, ...u32(id), ...ascii(name), 0, ...tail];
      send([]); // empty (the peer may drop it first)
      send([2, 1, 0]); // SIMPLIFY_PATH too short
      send([3]); // CONFIRM_PATH too short
      send([3, ...ascii("Nope"), 0]); // confirmation of a path never announced
      send([0, 1, 0, 0]); // call too short
      send(call(9, "open", [0])); // cache id never registered
      send([2, ...u32(1), ...ascii("Game"), 0]); // register id 1 = Game
      send([0, ...u32(1), ...ascii("open")]); // name without NUL
      send(call(1, "nothing", [0])); // method not configured
      send(call(1, "mine", [0])); // puppet method from a non-master (the server is master)
      send([1, ...u32(1), ...ascii("score"), 0, 2, 0, 0, 0, 1, 0, 0, 0]); // rset of a property with no rset config
      send(call(1, "open", [1, 0xff, 0, 0, 0])); // an argument of an unknown type
      send(call(1, "open", [0])); // ok
      send([9, 1, 2]); // unknown command
      send([4]); // RAW without payload
      await settle(w, 50);
      assert.deepEqual(calls, ["open"]);
      const d = server.getDropCounters();
      // SIMPLIFY short, CONFIRM short, call short, name without NUL, RAW short (+ the empty packet, unless the Godot 3 peer dropped it itself).
      assert.ok(d.malformed === 5 || d.malformed === 6, `malformed ${d.malformed}`);
      assert.equal(d.unknownNode, 1);
      assert.equal(d.badPathCache, 1);
      assert.equal(d.unknownMethod, 1);
      assert.equal(d.forbidden, 2);
      assert.equal(d.badArguments, 1);
      assert.equal(d.badCommand, 1);
    } finally {
      w.net.close();
    }
  });
});

// A seeded slice of the structure-aware receive-path fuzzing (fuzz-engine.ts) on every run: a server
// with auth, RPC modes, spawners, synchronizers, a visibility filter and the relay, one honest
// client keeping a session, two hostile clients sending random and mutated real packets.
// The long run: `npm run fuzz:scene` (1,000,000 packets per protocol).
describe("SceneMultiplayer: seeded fuzzing of the receive path", () => {
  const PACKETS = 6000;
  const kinds = {
    godot4: ["sys/auth", "simplify", "confirm", "rpc/id32/path/args", "rpc/id8/args", "rpc/id8/bytes-or-none", "raw", "spawn", "despawn", "sync", "delta", "sys/relay"],
    godot3: ["simplify", "confirm", "call/path", "call", "set", "raw"],
  };
  const runs = [
    ["godot4", "websocket", PACKETS],
    ["godot3", "websocket", PACKETS],
    ["godot4", "enet", PACKETS / 2],
    ["godot3", "enet", PACKETS / 2],
  ] as const;
  for (const [i, [protocol, transport, packets]] of runs.entries()) {
    test(`${protocol} over ${transport}: ${packets} random and mutated real packets at the server: nothing thrown, the honest session intact, tables within their bounds`, async () => {
      const r = await runSceneFuzz({ protocol, transport, seed: 41 + i, packets, perStep: 24, reconnectEvery: packets * 0.6, allowObjects: transport === "enet" });
      assert.deepEqual(r.failures, []);
      assert.equal(r.packets, packets);
      assert.ok(r.honestCalls > 100 && r.honestDelivered === r.honestCalls, `honest calls ${r.honestDelivered}/${r.honestCalls}`);
      assert.ok(r.honestUpdates > 100, `honest updates ${r.honestUpdates}`);
      // Seeds of every message kind came from the clients' own traffic.
      for (const kind of kinds[protocol]) assert.ok((r.captured[kind] ?? 0) > 0, `captured ${kind}: ${JSON.stringify(r.captured)}`);
      const dropped = Object.values(r.drops).reduce((a, b) => a + b, 0);
      assert.ok(dropped > packets / 4, `dropped ${dropped}`);
      assert.ok(r.handlerThrows > 0 && r.drops.handlerErrors === r.handlerThrows, "handlers refusing input were counted, not thrown out");
      assert.ok(r.reconnects >= 1, "the insider reconnected (its per-peer state was freed)");
    });
  }
  for (const [i, [protocol, transport]] of [["godot4", "websocket"], ["godot3", "enet"]].entries()) {
    test(`${protocol} over ${transport}: a hostile server's ${PACKETS / 2} packets at a client: nothing thrown, its calls still arrive, tables within their bounds`, async () => {
      const r = await runSceneFuzz({ protocol: protocol as "godot4", transport: transport as "enet", victim: "client", seed: 51 + i, packets: PACKETS / 2, perStep: 24 });
      assert.deepEqual(r.failures, []);
      assert.ok(r.honestCalls > 100 && r.honestDelivered === r.honestCalls, `honest calls ${r.honestDelivered}/${r.honestCalls}`);
      const dropped = Object.values(r.drops).reduce((a, b) => a + b, 0);
      assert.ok(dropped > PACKETS / 8, `dropped ${dropped}`);
      assert.ok(r.drops.handlerErrors === r.handlerThrows, "handlers refusing input were counted, not thrown out");
      assert.ok(r.maxPeers > 10, `peer-list messages reached the client: ${r.maxPeers} peers`);
    });
  }
});
