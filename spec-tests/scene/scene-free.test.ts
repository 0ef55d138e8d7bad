/**
 * SceneMultiplayer.freeNode: freeing a stand-in and everything under its path, as Godot's
 * queue_free frees a node with its children. A server that spawns uniquely named nodes (Bullet_1,
 * Bullet_2, ...) and frees them must end where it began, on every side.
 */
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { GodotError, NetError } from "../../src/errors.ts";
import { ReplicationMode, SceneMultiplayer, type MultiplayerSpawner, type SceneNode, type SynchronizerOptions } from "../../src/scene/index.ts";
import { NodeRegistry } from "../../src/scene/node-registry.ts";
import { drive, replicationState, settle, world, type World } from "./support.ts";

const syncOptions = (): SynchronizerOptions => ({
  properties: [{ path: ".:pos" }, { path: ".:hp", replicationMode: ReplicationMode.ON_CHANGE }],
});

const noDrops = new SceneMultiplayer().getDropCounters();

/** The stand-in at `path` if there is one (mp.node would make one). */
function standIn(mp: SceneMultiplayer, path: string): SceneNode | undefined {
  const nodes = Reflect.get(Reflect.get(mp, "session") as object, "nodes") as { at(path: string): SceneNode | undefined };
  return nodes.at(path);
}

/** The sizes of `mp`'s path cache: our ids (and their confirmations), the ids peers registered with us, and those of them whose node went. */
function pathCacheSizes(mp: SceneMultiplayer): { sendIds: number; byId: number; confirmed: number; recv: number; recvByPath: number; stale: number } {
  const cache = Reflect.get(Reflect.get(mp, "session") as object, "cache") as object;
  const size = (name: string): number => (Reflect.get(cache, name) as Map<unknown, unknown>).size;
  const inner = (name: string): number => [...(Reflect.get(cache, name) as Map<unknown, Map<unknown, unknown> | Set<unknown>>).values()].reduce((n, t) => n + t.size, 0);
  return { sendIds: size("sendIds"), byId: size("byId"), confirmed: size("confirmed"), recv: inner("recv"), recvByPath: inner("recvByPath"), stale: inner("stale") };
}

function snapshot(mp: SceneMultiplayer): unknown {
  return { ...replicationState(mp), cache: pathCacheSizes(mp) };
}

describe("SceneMultiplayer.freeNode", () => {
  test("a server spawning and freeing 2,000 uniquely named nodes with synchronizers: every table on every side ends as it began, each client sees each spawn and despawn once", async () => {
    const seen = [new Map<string, number>(), new Map<string, number>()];
    const gone = [new Map<string, number>(), new Map<string, number>()];
    let hits = 0;
    let spawner: MultiplayerSpawner | null = null;
    const w: World = await world(2, (mp, i) => {
      const s = mp.spawner("Level/Spawner", {
        spawnPath: "../Bullets",
        onSpawn: (node) => {
          const m = seen[i - 1]!;
          m.set(node.path, (m.get(node.path) ?? 0) + 1);
          mp.synchronizer(`${node.path}/Sync`, node.path, syncOptions());
          // The client names the bullet in an RPC: its path goes into both sides' path caches.
          node.rpcConfig("hit", { rpcMode: "any_peer" });
          node.rpcId(1, "hit", i);
        },
        onDespawn: (node) => {
          const m = gone[i - 1]!;
          m.set(node.path, (m.get(node.path) ?? 0) + 1);
        },
      });
      if (i === 0) spawner = s;
    });
    try {
      const [server, c1, c2] = w.all as [SceneMultiplayer, SceneMultiplayer, SceneMultiplayer];
      await drive(w, () => server.getPeers().length === 2 && [c1, c2].every((c) => c.getPeers().length === 2), "connection");
      // Warm up: one bullet, so the spawner's path is in every cache before the baseline.
      const warm = server.spawn(spawner!, "Warm", { synchronizers: [{ path: "Level/Bullets/Warm/Sync", options: syncOptions() }], setup: (n) => n.rpcConfig("hit", { rpcMode: "any_peer" }).on("hit", () => hits++) });
      await drive(w, () => hits === 2, "the warm-up bullet's hits");
      assert.equal(server.freeNode(warm), true);
      await drive(w, () => gone.every((m) => m.get("Level/Bullets/Warm") === 1), "the warm-up bullet's despawn");
      hits = 0;
      const before = w.all.map(snapshot);

      const TOTAL = 2000;
      const BATCH = 100;
      for (let first = 1; first <= TOTAL; first += BATCH) {
        const bullets: SceneNode[] = [];
        for (let k = first; k < first + BATCH; k++) {
          bullets.push(
            server.spawn(spawner!, `Bullet_${k}`, {
              synchronizers: [{ path: `Level/Bullets/Bullet_${k}/Sync`, options: syncOptions() }],
              setup: (n) => n.set("pos", k).set("hp", 1).rpcConfig("hit", { rpcMode: "any_peer" }).on("hit", () => hits++),
            }),
          );
        }
        const last = `Level/Bullets/Bullet_${first + BATCH - 1}`;
        await drive(w, () => hits === 2 * (first + BATCH - 1) && [c1, c2].every((c) => standIn(c, last)?.get("pos") === first + BATCH - 1), `bullets ${first}..: spawns and hits`);
        // A delta each, so the synchronizers have per-peer state when they go.
        for (const b of bullets) b.set("hp", 0);
        await drive(w, () => [c1, c2].every((c) => standIn(c, last)?.get("hp") === 0), `bullets ${first}..: deltas`);
        for (const b of bullets) assert.equal(server.freeNode(b), true);
        await drive(w, () => gone.every((m) => m.get(last) === 1), `bullets ${first}..: despawns`);
      }
      await settle(w, 40);

      assert.equal(hits, 2 * TOTAL);
      for (const [c, m] of [...seen.entries(), ...gone.entries()]) {
        assert.equal(m.size, TOTAL + 1, `client ${c + 1}: every bullet once`);
        assert.ok([...m.values()].every((n) => n === 1), `client ${c + 1}: no bullet twice`);
      }
      // Registry, synchronizers, spawned map, per-peer state and path caches: as before the 2,000.
      assert.deepEqual(w.all.map(snapshot), before);
      assert.equal(replicationState(server).spawned, 0);
      for (const mp of w.all) assert.deepEqual(mp.getDropCounters(), noDrops);
    } finally {
      await w.net.close();
    }
  });

  test("the subtree goes children first: a nested spawn is despawned before its parent, synchronizers replicating a freed node go, nodes outside stay", async () => {
    const log: string[] = [];
    const spawners: MultiplayerSpawner[] = [];
    const w = await world(1, (mp, i) => {
      const declareGun = (tank: SceneNode): MultiplayerSpawner =>
        mp.spawner(`${tank.path}/Gun`, {
          spawnPath: "..",
          onSpawn: (node) => log.push(`${i}+${node.path}`),
          onDespawn: (node) => log.push(`${i}-${node.path}`),
        });
      const units = mp.spawner("Level/Spawner", {
        spawnPath: "../Units",
        onSpawn: (node) => {
          log.push(`${i}+${node.path}`);
          mp.synchronizer(`${node.path}/Sync`, node.path, syncOptions());
          declareGun(node);
        },
        onDespawn: (node) => log.push(`${i}-${node.path}`),
      });
      if (i === 0) spawners.push(units);
    });
    try {
      const [server, client] = w.all as [SceneMultiplayer, SceneMultiplayer];
      await drive(w, () => client.getPeers().length === 1, "connection");
      const before = w.all.map(replicationState);
      const beforePaths = replicationState(server).nodes;
      const tank = server.spawn(spawners[0]!, "Tank", { synchronizers: [{ path: "Level/Units/Tank/Sync", options: syncOptions() }], setup: (n) => n.set("pos", 1) });
      const gun = server.spawner("Level/Units/Tank/Gun", { spawnPath: ".." });
      server.spawn(gun, "Shell", { setup: (n) => n.set("pos", 2) });
      // A watcher outside the tank replicating it (shown to no peer: the client has none), and an RPC config on a child.
      const watcher = server.synchronizer("Level/Watchers/TankWatch", "Level/Units/Tank", { ...syncOptions(), publicVisibility: false });
      server.node("Level/Units/Tank/Turret").rpcConfig("aim", { rpcMode: "any_peer" });
      await drive(w, () => log.includes("1+Level/Units/Tank/Shell"), "the nested spawn");
      assert.equal(server.freeNode("/root/Level/Units/Tank"), true);
      await drive(w, () => log.includes("1-Level/Units/Tank"), "the despawn");
      await settle(w, 40);
      assert.deepEqual(log, ["1+Level/Units/Tank", "1+Level/Units/Tank/Shell", "1-Level/Units/Tank/Shell", "1-Level/Units/Tank"]);
      const after = replicationState(server);
      assert.deepEqual(after.nodes.filter((p) => p.startsWith("Level/Units/")), []);
      // The watcher replicated the freed node: it went; its own node is outside and stays.
      assert.deepEqual(after.nodes, [...beforePaths, "Level/Watchers/TankWatch"].sort());
      assert.equal(after.synchronizers, 0);
      assert.equal(server.despawn(tank), false, "the freed stand-in is no longer spawned");
      assert.equal(server.freeNode(tank), false, "freed already");
      assert.equal(server.freeNode("Level/Units/Tank"), false, "nothing at that path any more");
      assert.deepEqual(server.node("Level/Units/Tank/Turret").getRpcConfig(), {}, "a new stand-in, without the old RPC config");
      assert.notEqual(server.node("Level/Watchers/TankWatch"), null);
      assert.equal(watcher.node, standIn(server, "Level/Watchers/TankWatch"));
      server.freeNode("Level/Watchers");
      server.freeNode("Level/Units");
      assert.deepEqual(w.all.map(replicationState), before, "every replication table as before");
      // Our path-cache ids for the freed nodes went (the server keeps only the top spawner's).
      assert.equal(pathCacheSizes(server).sendIds, 1);
      for (const mp of w.all) assert.deepEqual(mp.getDropCounters(), noDrops);
    } finally {
      await w.net.close();
    }
  });

  test("a freed spawner despawns what it spawned elsewhere; those nodes stay here, untracked", async () => {
    const log: string[] = [];
    let armory: MultiplayerSpawner | null = null;
    const w = await world(1, (mp, i) => {
      const s = mp.spawner("Level/Armory/Spawner", {
        spawnPath: "../../Units",
        onSpawn: (node) => log.push(`${i}+${node.path}`),
        onDespawn: (node) => log.push(`${i}-${node.path}`),
      });
      if (i === 0) armory = s;
    });
    try {
      const [server, client] = w.all as [SceneMultiplayer, SceneMultiplayer];
      await drive(w, () => client.getPeers().length === 1, "connection");
      const crate = server.spawn(armory!, "Crate");
      await drive(w, () => log.includes("1+Level/Units/Crate"), "the spawn");
      assert.equal(server.freeNode("Level/Armory"), true);
      await drive(w, () => log.includes("1-Level/Units/Crate"), "the despawn");
      assert.equal(standIn(server, "Level/Units/Crate"), crate, "the crate stays here");
      assert.equal(standIn(server, "Level/Armory/Spawner"), undefined);
      assert.equal(server.despawn(crate), false, "no longer tracked");
      assert.equal(replicationState(server).spawners, 0);
      assert.equal(replicationState(server).spawned, 0);
      assert.throws(
        () => server.spawn(armory!, "Crate2"),
        (e: unknown) => e instanceof NetError && e.code === GodotError.ERR_UNCONFIGURED,
        "a freed spawner spawns nothing",
      );
      assert.equal(standIn(server, "Level/Units/Crate2"), undefined);
      for (const mp of w.all) assert.deepEqual(mp.getDropCounters(), noDrops);
    } finally {
      await w.net.close();
    }
  });

  test("a peer's spawn freed here goes without onDespawn; its authority still has it, and its later DESPAWN is counted", async () => {
    const log: string[] = [];
    let spawner: MultiplayerSpawner | null = null;
    const w = await world(1, (mp, i) => {
      const s = mp.spawner("Level/Spawner", {
        spawnPath: "../Units",
        onSpawn: (node) => {
          log.push(`${i}+${node.path}`);
          mp.synchronizer(`${node.path}/Sync`, node.path, syncOptions());
        },
        onDespawn: (node) => log.push(`${i}-${node.path}`),
      });
      if (i === 0) spawner = s;
    });
    try {
      const [server, client] = w.all as [SceneMultiplayer, SceneMultiplayer];
      await drive(w, () => client.getPeers().length === 1, "connection");
      const before = replicationState(client);
      const orc = server.spawn(spawner!, "Orc", { synchronizers: [{ path: "Level/Units/Orc/Sync", options: syncOptions() }], setup: (n) => n.set("pos", 1) });
      await drive(w, () => standIn(client, "Level/Units/Orc")?.get("pos") === 1, "the spawn");
      assert.equal(client.freeNode("Level/Units/Orc"), true);
      assert.deepEqual(replicationState(client), before, "the client forgot it, its synchronizer and their ids");
      assert.deepEqual(log, ["1+Level/Units/Orc"], "no onDespawn for a node the user freed");
      // The server's full syncs for it are dropped like any for an unknown id; its DESPAWN is counted.
      orc.set("pos", 2);
      await settle(w, 20);
      assert.equal(standIn(client, "Level/Units/Orc"), undefined);
      assert.equal(server.despawn(orc), true);
      await drive(w, () => client.getDropCounters().badReplication === 1, "the counted DESPAWN");
      // The same name can come again.
      server.spawn(spawner!, "Orc", { synchronizers: [{ path: "Level/Units/Orc/Sync", options: syncOptions() }], setup: (n) => n.set("pos", 3) });
      await drive(w, () => standIn(client, "Level/Units/Orc")?.get("pos") === 3, "the second spawn");
      assert.equal(log.length, 2);
    } finally {
      await w.net.close();
    }
  });

  test("argument errors, the root, nothing at the path, Godot 3", () => {
    const mp = new SceneMultiplayer();
    const other = new SceneMultiplayer();
    assert.throws(() => mp.freeNode("."), RangeError);
    assert.throws(() => mp.freeNode(""), RangeError);
    assert.throws(() => mp.freeNode("/root"), RangeError);
    assert.throws(() => mp.freeNode("/elsewhere/Node"), RangeError);
    mp.rootPath = "/root/Game";
    assert.throws(() => mp.freeNode("/root"), RangeError, "above the multiplayer root");
    assert.throws(() => mp.freeNode("/root/Game"), RangeError);
    mp.rootPath = "/root";
    for (const bad of [42, null, undefined, {}, { path: "Level" }]) assert.throws(() => mp.freeNode(bad as never), TypeError);
    assert.throws(() => mp.freeNode(other.node("Level")), TypeError, "another SceneMultiplayer's node");
    assert.equal(mp.freeNode("Nothing/Here"), false);
    // A node under the path is enough (stand-ins have no tree: the parent may never have been declared).
    const deep = mp.node("Level/Props/Barrel").rpcConfig("boom", { rpcMode: "any_peer" });
    assert.equal(mp.freeNode("/root/Level"), true);
    assert.equal(standIn(mp, "Level/Props/Barrel"), undefined);
    assert.equal(mp.freeNode(deep), false, "a stale stand-in");
    const again = mp.node("Level/Props/Barrel");
    assert.notEqual(again, deep);
    assert.equal(mp.freeNode(deep), false, "a stale stand-in whose path has a new node");
    assert.equal(standIn(mp, "Level/Props/Barrel"), again);
    // "Level/Pro" is not under "Level/Props".
    mp.node("Level/Pro");
    assert.equal(mp.freeNode("Level/Props"), true);
    assert.notEqual(standIn(mp, "Level/Pro"), undefined);
    assert.throws(() => mp.spawn(null as never, "X"), TypeError);
    const g3 = new SceneMultiplayer({ protocol: "godot3" });
    assert.throws(
      () => g3.freeNode(g3.node("Level")),
      (e: unknown) => e instanceof NetError && e.code === GodotError.ERR_UNAVAILABLE,
    );
  });
});

describe("SceneMultiplayer.freeNode: time in the subtree", () => {
  /** What subtree() answered when it scanned the whole registry: the same nodes in the same order. */
  function scanned(paths: Iterable<string>, path: string): string[] {
    const under = path === "." ? "" : `${path}/`;
    const found = [...paths].filter((p) => p === path || p.startsWith(under)).map((p) => ({ p, depth: p.split("/").length - 1 }));
    return found.sort((a, b) => b.depth - a.depth).map((x) => x.p);
  }

  test("the registry's subtree index lists what a scan of every stand-in would, in the same order, through declarations and frees in any order (nodes under paths no node holds too)", () => {
    const owner = { rpcp: () => GodotError.OK, rsetp: () => GodotError.OK, getUniqueId: () => 1, getRootPath: () => "/root" };
    const registry = new NodeRegistry(owner);
    const live: string[] = []; // In declaration order, as the registry's own map kept them.
    let seed = 12345;
    const next = (n: number): number => {
      seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
      return (seed >>> 8) % n;
    };
    const names = ["A", "B", "Ab", "C"];
    const randomPath = (): string => Array.from({ length: 1 + next(4) }, () => names[next(names.length)]).join("/");
    for (let step = 0; step < 4000; step++) {
      const path = randomPath();
      const op = next(3);
      if (op === 0) {
        registry.get(path);
        if (!live.includes(path)) live.push(path);
      } else if (op === 1) {
        registry.delete(path);
        const i = live.indexOf(path);
        if (i >= 0) live.splice(i, 1);
      } else {
        for (const p of [path, "."]) assert.deepEqual(registry.subtree(p).map((n) => n.path), scanned(live, p), `step ${step}: subtree(${p})`);
      }
    }
    for (const p of [...live]) registry.delete(p);
    assert.equal((Reflect.get(registry, "below") as Map<string, unknown>).size, 0, "nothing listed once every node went");
  });

  test("freeing a node, or a spawner with what it spawned elsewhere, looks at no more table entries among 100,000 spawned stand-ins than among 100", () => {
    // Work counted, not timed: every Map and Set iteration adds the size of what it iterates, so a
    // scan of the registry or of every spawn per free adds the crowd's size each time.
    const methods = [
      [Map.prototype, ["entries", "values", "keys", "forEach", Symbol.iterator]],
      [Set.prototype, ["entries", "values", "keys", "forEach", Symbol.iterator]],
    ] as const;
    const entriesLookedAt = (crowd: number): number => {
      const mp = new SceneMultiplayer();
      const crowdSpawner = mp.spawner("Crowd/Spawner", { spawnPath: ".." });
      for (let i = 0; i < crowd; i++) mp.spawn(crowdSpawner, `N_${i}`);
      let looked = 0;
      const originals: [object, PropertyKey, unknown][] = [];
      for (const [proto, names] of methods) {
        for (const name of names) {
          const original = Reflect.get(proto, name) as (this: { size: number }, ...args: unknown[]) => unknown;
          originals.push([proto, name, original]);
          Reflect.set(proto, name, function (this: { size: number }, ...args: unknown[]): unknown {
            looked += this.size;
            return original.apply(this, args);
          });
        }
      }
      try {
        for (let k = 0; k < 300; k++) {
          assert.equal(mp.freeNode(mp.node(`Shots/S_${k}`)), true);
          const gun = mp.spawner(`Guns/G_${k}`, { spawnPath: "../../Out" });
          const out = mp.spawn(gun, `O_${k}`);
          assert.equal(mp.freeNode(gun.node), true);
          assert.equal(mp.despawn(out), false, "despawned with its spawner");
          assert.equal(mp.freeNode(out), true);
        }
      } finally {
        for (const [proto, name, original] of originals) Reflect.set(proto, name, original);
      }
      return looked;
    };
    const small = entriesLookedAt(100);
    const large = entriesLookedAt(100_000);
    // A scan of the registry, or of every spawn, per free would add 100,000 entries each time.
    assert.ok(large <= small + 1000, `300 rounds looked at ${small} table entries among 100 stand-ins, ${large} among 100,000`);
  });
});
