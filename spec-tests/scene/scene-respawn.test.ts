/**
 * Spawning, despawning and spawning again the same node (a player that dies and respawns under
 * the same name) with `spawn(..., { synchronizers })`: in Godot the synchronizer is a node of the
 * spawned scene, freed with it, and each spawn instantiates a fresh one that gets a fresh net id.
 */
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { GodotError, NetError } from "../../src/errors.ts";
import { ReplicationMode, SceneMultiplayer, type MultiplayerSpawner, type SceneNode, type SynchronizerOptions } from "../../src/scene/index.ts";
import { drive, replicationState, settle, world, type World } from "./support.ts";

const HERO = "Level/Players/Hero";

const syncOptions = (): SynchronizerOptions => ({
  properties: [
    { path: ".:pos" },
    { path: ".:hp", replicationMode: ReplicationMode.ON_CHANGE },
    { path: ".:skin", replicationMode: ReplicationMode.NEVER },
  ],
});

/** A server and two clients, each with "Level/Spawner"; the clients' onSpawn declares the Godot scene's one synchronizer. */
async function respawnWorld(): Promise<{ w: World; spawner: MultiplayerSpawner; log: string[] }> {
  const log: string[] = [];
  let spawner: MultiplayerSpawner | null = null;
  const w = await world(2, (mp, i) => {
    const s = mp.spawner("Level/Spawner", {
      spawnPath: "../Players",
      onSpawn: (node, _scene, data) => {
        log.push(`${i}+${node.path}:${String(data)}`);
        mp.synchronizer(`${node.path}/Sync`, node.path, syncOptions());
      },
      onDespawn: (node) => log.push(`${i}-${node.path}`),
    });
    if (i === 0) spawner = s;
  });
  await drive(w, () => w.server.getPeers().length === 2 && w.clients.every((c) => c.getPeers().length === 2), "connection");
  return { w, spawner: spawner!, log };
}

/** Every SPAWN and SYNC the server sends, decoded enough to check ids. */
function watchServerSends(server: SceneMultiplayer): { spawns: { to: number; netId: number; syncIds: number[] }[]; syncs: number } {
  const seen = { spawns: [] as { to: number; netId: number; syncIds: number[] }[], syncs: 0 };
  const session = Reflect.get(server, "session") as { sendCommand(to: number, packet: Uint8Array, mode: number, channel: number): GodotError };
  const send = session.sendCommand.bind(session);
  session.sendCommand = (to, packet, mode, channel) => {
    const view = new DataView(packet.buffer, packet.byteOffset, packet.byteLength);
    if (packet[0] === 4) {
      const count = view.getUint32(10, true);
      seen.spawns.push({ to, netId: view.getUint32(6, true), syncIds: Array.from({ length: count }, (_, k) => view.getUint32(18 + 4 * k, true)) });
    }
    if ((packet[0]! & 7) === 6) seen.syncs++;
    return send(to, packet, mode, channel);
  };
  return seen;
}

const noDrops = new SceneMultiplayer().getDropCounters();

/** The stand-in at `path` if there is one (mp.node would make one, and a stand-in made here would make the spawn's path taken). */
function standIn(mp: SceneMultiplayer, path: string): SceneNode | undefined {
  const nodes = Reflect.get(Reflect.get(mp, "session") as object, "nodes") as { at(path: string): SceneNode | undefined };
  return nodes.at(path);
}

function peek(mp: SceneMultiplayer, path: string, property: string): unknown {
  return standIn(mp, path)?.get(property);
}

/** The sizes of `mp`'s path cache: our ids (and their confirmations) and the ids peers registered with us. */
function pathCacheSizes(mp: SceneMultiplayer): { sendIds: number; byId: number; confirmed: number; recv: number } {
  const cache = Reflect.get(Reflect.get(mp, "session") as object, "cache") as object;
  const size = (name: string): number => (Reflect.get(cache, name) as Map<unknown, unknown>).size;
  const recv = [...(Reflect.get(cache, "recv") as Map<number, Map<number, string>>).values()].reduce((n, t) => n + t.size, 0);
  return { sendIds: size("sendIds"), byId: size("byId"), confirmed: size("confirmed"), recv };
}

describe("SceneMultiplayer: re-spawning the same node with spawn(..., { synchronizers })", () => {
  test("each round the peers get the spawn with one fresh synchronizer id, its spawn state, syncs and deltas; the despawn leaves every table of every peer as it was", async () => {
    const { w, spawner, log } = await respawnWorld();
    try {
      const [server, c1, c2] = w.all as [SceneMultiplayer, SceneMultiplayer, SceneMultiplayer];
      const clients = [c1, c2];
      const sent = watchServerSends(server);
      const serverBefore = replicationState(server);
      const clientsBefore = clients.map(replicationState);
      const usedIds = new Set<number>();
      let serverAfterFirst: ReturnType<typeof replicationState> | null = null;
      let hero: SceneNode | null = null;
      for (let round = 1; round <= 5; round++) {
        sent.spawns.length = 0;
        const node = server.spawn(spawner, "Hero", {
          data: round,
          synchronizers: [{ path: `${HERO}/Sync`, options: syncOptions() }],
          setup: (n) => n.set("pos", round).set("hp", 100 + round).set("skin", `skin${round}`),
        });
        if (hero) assert.equal(node, hero, "the same stand-in each round");
        hero = node;
        await drive(w, () => clients.every((c) => peek(c, HERO, "skin") === `skin${round}` && peek(c, HERO, "pos") === round), `round ${round}: the spawn and its state`);
        // One SPAWN per client, each with exactly one synchronizer id, fresh this round.
        assert.equal(sent.spawns.length, 2, `round ${round}: one SPAWN per client`);
        for (const s of sent.spawns) {
          assert.equal(s.syncIds.length, 1, `round ${round}: the spawn carries one synchronizer id, got ${JSON.stringify(s.syncIds)}`);
          assert.deepEqual(s, { ...sent.spawns[0]!, to: s.to });
        }
        const { netId, syncIds } = sent.spawns[0]!;
        for (const id of [netId, syncIds[0]!]) {
          assert.ok(!usedIds.has(id), `round ${round}: net id ${id} was used by an earlier spawn`);
          usedIds.add(id);
        }
        assert.deepEqual(log.filter((x) => x.includes("+")).slice(-2).sort(), [`1+${HERO}:${round}`, `2+${HERO}:${round}`]);
        // Full syncs (pos) and deltas (hp) reach both.
        hero.set("pos", round * 10).set("hp", round * 1000);
        await drive(w, () => clients.every((c) => peek(c, HERO, "pos") === round * 10 && peek(c, HERO, "hp") === round * 1000), `round ${round}: sync and delta`);
        assert.equal(server.despawn(hero), true);
        await drive(w, () => clients.every((c) => peek(c, HERO, "pos") === undefined) && log.filter((x) => x.includes("-")).length === 2 * round, `round ${round}: the despawn`);
        // Changes after the despawn go nowhere: the synchronizer went with it.
        const syncsBefore = sent.syncs;
        hero.set("pos", -round).set("hp", -round);
        await settle(w, 40);
        assert.equal(sent.syncs, syncsBefore, `round ${round}: no sync or delta for a despawned node`);
        for (const mp of w.all) assert.deepEqual(mp.getDropCounters(), noDrops, `round ${round}: peer ${mp.getUniqueId()} dropped nothing`);
        // Nothing grows: the server keeps its stand-ins (mp.despawn frees none) but no synchronizer, id or per-peer state.
        const serverNow = replicationState(server);
        serverAfterFirst ??= serverNow;
        assert.deepEqual(serverNow, serverAfterFirst, `round ${round}: the server's tables are as after round 1`);
        assert.deepEqual({ ...serverNow, nodes: serverBefore.nodes }, serverBefore, `round ${round}: the server holds the synchronizers and per-peer state it held before the first spawn`);
        assert.deepEqual(clients.map(replicationState), clientsBefore, `round ${round}: the clients' tables are as before the first spawn`);
      }
      assert.equal(spawner.trackedCount, 0);
    } finally {
      w.net.close();
    }
  });

  test("a synchronizer declared again at the same path replaces the one there (one synchronizer per node, as in Godot); spawning a node that is still spawned despawns it first and declares its synchronizers afresh", async () => {
    const { w, spawner, log } = await respawnWorld();
    try {
      const [server, c1, c2] = w.all as [SceneMultiplayer, SceneMultiplayer, SceneMultiplayer];
      const clients = [c1, c2];
      const sent = watchServerSends(server);
      const before = replicationState(server);
      const count = (): number => replicationState(server).synchronizers;
      // Declared twice by hand: one synchronizer, the last one.
      const first = server.synchronizer(`${HERO}/Sync`, HERO, syncOptions());
      const second = server.synchronizer(`${HERO}/Sync`, HERO, syncOptions());
      assert.notEqual(first, second);
      assert.equal(count(), before.synchronizers + 1);
      assert.equal(replicationState(server).syncsByNode, before.syncsByNode + 1);
      // The spawn declares it once more: still one, and the spawn carries one id.
      const hero = server.spawn(spawner, "Hero", { data: 1, synchronizers: [{ path: `${HERO}/Sync`, options: syncOptions() }], setup: (n) => n.set("skin", "a") });
      assert.equal(count(), before.synchronizers + 1);
      await drive(w, () => clients.every((c) => peek(c, HERO, "skin") === "a"), "the spawn");
      assert.deepEqual(sent.spawns.map((s) => s.syncIds.length), [1, 1]);
      const firstIds = sent.spawns[0]!;
      // Spawned again while it is spawned: DESPAWN, then a SPAWN with fresh ids and one fresh synchronizer.
      sent.spawns.length = 0;
      server.spawn(spawner, "Hero", { data: 2, synchronizers: [{ path: `${HERO}/Sync`, options: syncOptions() }], setup: (n) => n.set("skin", "b") });
      assert.equal(count(), before.synchronizers + 1);
      assert.equal(spawner.trackedCount, 1);
      await drive(w, () => clients.every((c) => peek(c, HERO, "skin") === "b"), "the second spawn");
      assert.deepEqual(log.slice(-4).sort(), [`1+${HERO}:2`, `1-${HERO}`, `2+${HERO}:2`, `2-${HERO}`]);
      assert.equal(sent.spawns.length, 2);
      for (const s of sent.spawns) {
        assert.equal(s.syncIds.length, 1);
        assert.notEqual(s.netId, firstIds.netId);
        assert.notEqual(s.syncIds[0], firstIds.syncIds[0]);
      }
      hero.set("hp", 5);
      await drive(w, () => clients.every((c) => peek(c, HERO, "hp") === 5), "a delta after the second spawn");
      // The spawn's declaration replaced the hand-declared one, so the despawn takes it.
      assert.equal(server.despawn(hero), true);
      await drive(w, () => log.filter((x) => x.includes("-")).length === 4, "the despawn");
      assert.equal(count(), before.synchronizers);
      await settle(w, 20);
      for (const mp of w.all) assert.deepEqual(mp.getDropCounters(), noDrops);
      for (const [i, c] of clients.entries()) assert.equal(replicationState(c).synchronizers, 0, `client ${i + 1} holds no synchronizer`);
    } finally {
      w.net.close();
    }
  });

  test("a synchronizer declared by hand for a spawned node stays after the despawn (the stand-in outlives it) and the next spawn carries it with the same id; a spawn whose setup throws declares nothing", async () => {
    const { w, spawner, log } = await respawnWorld();
    try {
      const [server, c1, c2] = w.all as [SceneMultiplayer, SceneMultiplayer, SceneMultiplayer];
      const clients = [c1, c2];
      const sent = watchServerSends(server);
      const before = replicationState(server);
      const sync = server.synchronizer(`${HERO}/Sync`, HERO, syncOptions());
      const hero = server.node(HERO);
      for (let round = 1; round <= 3; round++) {
        sent.spawns.length = 0;
        server.spawn(spawner, "Hero", { data: round, setup: (n) => n.set("skin", `s${round}`) });
        await drive(w, () => clients.every((c) => peek(c, HERO, "skin") === `s${round}`), `round ${round}: the spawn`);
        assert.deepEqual(sent.spawns.map((s) => s.syncIds), [[sync.netId], [sync.netId]]);
        server.despawn(hero);
        await drive(w, () => log.filter((x) => x.includes("-")).length === 2 * round, `round ${round}: the despawn`);
        assert.equal(replicationState(server).synchronizers, before.synchronizers + 1);
      }
      assert.throws(() => server.spawn(spawner, "Hero", { synchronizers: [{ path: `${HERO}/Other`, options: syncOptions() }], setup: () => { throw new Error("setup fails"); } }), /setup fails/);
      assert.equal(replicationState(server).synchronizers, before.synchronizers + 1, "the failed spawn's synchronizer is not left declared");
      assert.equal(spawner.trackedCount, 0);
      await settle(w, 20);
      for (const mp of w.all) assert.deepEqual(mp.getDropCounters(), noDrops);
    } finally {
      w.net.close();
    }
  });

  test("a client-driven player (its synchronizer's authority is the client, so it syncs by path): each round the client announces its new synchronizer afresh and the server takes its syncs; neither side's path cache grows", async () => {
    let spawner: MultiplayerSpawner | null = null;
    const options = (): SynchronizerOptions => ({ properties: [{ path: ".:pos" }, { path: ".:hp", replicationMode: ReplicationMode.ON_CHANGE }] });
    const w = await world(1, (mp, i) => {
      const s = mp.spawner("Level/Spawner", {
        spawnPath: "../Players",
        // The Godot scene's spawn function hands the synchronizer to the player's peer.
        onSpawn: (node, _scene, data) => void (mp.synchronizer(`${node.path}/Sync`, node.path, options()).node.multiplayerAuthority = data as number),
      });
      if (i === 0) spawner = s;
    });
    try {
      await drive(w, () => w.server.getPeers().length === 1 && w.clients[0]!.getPeers().length === 1, "connection");
      const [server, client] = w.all as [SceneMultiplayer, SceneMultiplayer];
      const id = client.getUniqueId();
      let after: unknown = null;
      for (let round = 1; round <= 5; round++) {
        const hero = server.spawn(spawner!, "Hero", {
          data: id,
          synchronizers: [{ path: `${HERO}/Sync`, options: options() }],
          setup: () => void (server.node(`${HERO}/Sync`).multiplayerAuthority = id),
        });
        await drive(w, () => standIn(client, `${HERO}/Sync`) !== undefined, `round ${round}: the spawn`);
        standIn(client, HERO)!.set("pos", round).set("hp", round * 10);
        await drive(w, () => hero.get("pos") === round && hero.get("hp") === round * 10, `round ${round}: the client's sync and delta reach the server`);
        server.despawn(hero);
        await drive(w, () => standIn(client, HERO) === undefined, `round ${round}: the despawn`);
        await settle(w, 20);
        for (const mp of w.all) assert.deepEqual(mp.getDropCounters(), noDrops, `round ${round}: peer ${mp.getUniqueId()} dropped nothing`);
        const now = { server: pathCacheSizes(server), client: pathCacheSizes(client), serverTables: replicationState(server), clientTables: replicationState(client) };
        after ??= now;
        assert.deepEqual(now, after, `round ${round}: nothing grew since round 1`);
      }
    } finally {
      w.net.close();
    }
  });
});
