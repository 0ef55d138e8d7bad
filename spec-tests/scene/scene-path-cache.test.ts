/**
 * The ids a peer registered in our path cache outlive the node they named, as in Godot 4.3+
 * (godotengine/godot#94984: its cache keeps received ids and looks a freed node's id up by path,
 * since a node despawned on a peer through visibility is spawned there again without a new
 * announcement). The per-peer bound lets go of the ids whose node went, oldest first, so a server
 * that calls uniquely named spawns for hours keeps reaching its clients.
 */
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { GodotError } from "../../src/errors.ts";
import { MAX_REMOTE_PATHS_PER_PEER } from "../../src/scene/path-cache.ts";
import { SceneMultiplayer, type MultiplayerSpawner, type SceneNode } from "../../src/scene/index.ts";
import { drive, settle, world } from "./support.ts";

const noDrops = new SceneMultiplayer().getDropCounters();

/** The path cache's tables, by size: our ids (and their confirmations), the ids peers registered with us, those gone stale. */
function pathCache(mp: SceneMultiplayer): { sendIds: number; byId: number; confirmed: number; recv: number; recvByPath: number; stale: number } {
  const cache = Reflect.get(Reflect.get(mp, "session") as object, "cache") as object;
  const size = (name: string): number => (Reflect.get(cache, name) as Map<unknown, unknown>).size;
  const inner = (name: string): number => [...(Reflect.get(cache, name) as Map<unknown, Map<unknown, unknown> | Set<unknown>>).values()].reduce((n, t) => n + t.size, 0);
  return { sendIds: size("sendIds"), byId: size("byId"), confirmed: size("confirmed"), recv: inner("recv"), recvByPath: inner("recvByPath"), stale: inner("stale") };
}

describe("SceneMultiplayer path cache: received ids outlive their node, within the bound", () => {
  test("a node hidden from a client and shown again, or freed there and spawned again, takes the server's RPCs by the id the client confirmed before", async () => {
    let pings = 0;
    let spawns = 0;
    let spawner: MultiplayerSpawner | null = null;
    const syncOptions = { properties: [{ path: ".:hp" }] };
    const w = await world(1, (mp, i) => {
      const s = mp.spawner("Level/Spawner", {
        spawnPath: "../Units",
        onSpawn: (node) => {
          spawns++;
          mp.synchronizer(`${node.path}/Sync`, node.path, syncOptions);
          node.rpcConfig("ping", { rpcMode: "authority" }).on("ping", () => pings++);
        },
      });
      if (i === 0) spawner = s;
    });
    try {
      const [server, client] = w.all as [SceneMultiplayer, SceneMultiplayer];
      await drive(w, () => client.getPeers().length === 1, "connection");
      const cid = client.getUniqueId();
      const sync = server.synchronizer("Level/Units/Secret/Sync", "Level/Units/Secret", { ...syncOptions, publicVisibility: false, visibleTo: [cid] });
      const secret = server.spawn(spawner!, "Secret", { setup: (n) => n.set("hp", 1).rpcConfig("ping", { rpcMode: "authority" }) });
      await drive(w, () => spawns === 1, "the spawn");
      assert.equal(secret.rpcId(cid, "ping"), GodotError.OK);
      await drive(w, () => pings === 1, "the first call, which announces the path");
      const confirmed = (): boolean => (Reflect.get(Reflect.get(server, "session") as object, "cache") as { isConfirmed(n: SceneNode, p: number): boolean }).isConfirmed(secret, cid);
      await drive(w, () => confirmed(), "the client's confirmation");

      // Hidden: DESPAWN, the client frees its node. Shown: SPAWN, a new node; the server, which kept
      // its node, names it by the id the client confirmed for the old one.
      sync.setVisibilityFor(cid, false);
      await settle(w, 20);
      sync.setVisibilityFor(cid, true);
      await drive(w, () => spawns === 2, "the spawn after showing");
      assert.equal(secret.rpcId(cid, "ping"), GodotError.OK);
      await drive(w, () => pings === 2, "the call by the confirmed id");

      // Freed on the client by its user; the server despawns it (counted there) and spawns it again.
      assert.equal(client.freeNode("Level/Units/Secret"), true);
      assert.equal(server.despawn(secret), true);
      await drive(w, () => client.getDropCounters().badReplication === 1, "the DESPAWN of a node the client freed");
      server.spawn(spawner!, "Secret", { setup: (n) => n.set("hp", 2) });
      await drive(w, () => spawns === 3, "the spawn again");
      assert.equal(secret.rpcId(cid, "ping"), GodotError.OK);
      await drive(w, () => pings === 3, "the call by the id confirmed before the client freed its node");
      assert.deepEqual({ ...client.getDropCounters(), badReplication: 0 }, noDrops);
      assert.deepEqual(server.getDropCounters(), noDrops);
    } finally {
      await w.net.close();
    }
  });

  test("a client called on 17,000 uniquely named spawns, each freed after its call: its table stops at the bound, letting go of the oldest ids whose node went; every call arrives, none is refused; an RPC by a let-go id is dropped and counted", async () => {
    let pings = 0;
    let despawns = 0;
    const notes: number[] = [];
    let spawner: MultiplayerSpawner | null = null;
    const declareBoard = (mp: SceneMultiplayer): SceneNode => mp.node("Level/Board").rpcConfig("note", { rpcMode: "authority" }).on("note", (n) => void notes.push(n as number));
    const w = await world(1, (mp, i) => {
      const s = mp.spawner("Level/Spawner", {
        spawnPath: "../Bullets",
        onSpawn: (node) => void node.rpcConfig("ping", { rpcMode: "authority" }).on("ping", () => pings++),
        onDespawn: () => void despawns++,
      });
      declareBoard(mp);
      if (i === 0) spawner = s;
    });
    try {
      const [server, client] = w.all as [SceneMultiplayer, SceneMultiplayer];
      await drive(w, () => client.getPeers().length === 1, "connection");
      const cid = client.getUniqueId();
      // A first bullet, so the spawner's path is in both caches before the baseline.
      server.freeNode(server.spawn(spawner!, "Bullet_0", { setup: (n) => n.rpcConfig("ping", { rpcMode: "authority" }) }));
      await drive(w, () => despawns === 1, "the first bullet");
      const board = server.node("Level/Board");
      board.rpcId(cid, "note", 1);
      await drive(w, () => notes.length === 1, "the first note, which announces the board's path");
      await settle(w, 10);

      // The client frees its board: the server's id for it stays, and names the board declared again.
      assert.equal(client.freeNode("Level/Board"), true);
      declareBoard(client);
      assert.equal(board.rpcId(cid, "note", 2), GodotError.OK);
      await drive(w, () => notes.length === 2, "the note to the board declared again");
      assert.equal(client.freeNode("Level/Board"), true);
      const before = w.all.map(pathCache);

      const TOTAL = 17_000;
      const BATCH = 1_000;
      for (let first = 1; first <= TOTAL; first += BATCH) {
        const bullets: SceneNode[] = [];
        for (let k = first; k < first + BATCH; k++) bullets.push(server.spawn(spawner!, `Bullet_${k}`, { setup: (n) => n.rpcConfig("ping", { rpcMode: "authority" }) }));
        for (const b of bullets) assert.equal(b.rpcId(cid, "ping"), GodotError.OK);
        await drive(w, () => pings === first + BATCH - 1, `bullets ${first}..: calls`);
        for (const b of bullets) assert.equal(server.freeNode(b), true);
        await drive(w, () => despawns === first + BATCH, `bullets ${first}..: despawns`);
      }
      await settle(w, 20);
      assert.equal(pings, TOTAL);
      assert.deepEqual(client.getDropCounters(), noDrops, "no announcement refused");
      assert.deepEqual(server.getDropCounters(), noDrops);
      // The server's caches as they were; the client holds as many of the server's ids as it may.
      assert.deepEqual(pathCache(server), before[0]);
      const after = pathCache(client);
      assert.deepEqual({ ...after, recv: 0, recvByPath: 0, stale: 0 }, { ...before[1]!, recv: 0, recvByPath: 0, stale: 0 });
      assert.equal(after.recv, MAX_REMOTE_PATHS_PER_PEER);
      assert.equal(after.recvByPath, MAX_REMOTE_PATHS_PER_PEER);
      assert.ok(after.stale <= after.recv);

      // The board's id went stale first, so it was let go first: the server still names the board by
      // it, and the call is dropped and counted on the client.
      declareBoard(client);
      assert.equal(board.rpcId(cid, "note", 3), GodotError.OK);
      await drive(w, () => client.getDropCounters().unknownNode === 1, "the call by a let-go id");
      await settle(w, 20);
      assert.deepEqual(notes, [1, 2]);
      assert.deepEqual(client.getDropCounters(), { ...noDrops, unknownNode: 1 });
    } finally {
      await w.net.close();
    }
  });
});
