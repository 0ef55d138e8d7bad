/**
 * SceneMultiplayer (TS server) against real Godot 4.6 SceneMultiplayer clients (the official web
 * build in headless Chromium, spec-tests/godot4/harness.ts), all in one browser run of three
 * clients (godot4/scene_client.gd + godot4/game.gd): auth_callback exchange (two accepted, one
 * refused by timeout), RPCs both ways with 15 Variant types echoed back and compared on both
 * ends, the raw PackedByteArray RPC form, send_bytes both ways, an authority call_local
 * broadcast, two clients calling each other through our relay (an authority-only call refused by
 * Godot), a custom spawn with spawn state, full syncs and a delta from the TS authority, a scene
 * spawn (Godot instantiates res://player.tscn) with its spawn state, syncs and a delta, and
 * full syncs and a delta from a node each Godot client is the authority of, and a spawn behind a
 * visibility filter (one Godot client sees it, then the other: despawned and spawned by Godot).
 * A second run: a Godot client that is the authority of a spawner spawns three nodes onto our
 * server, whose spawner has spawnLimit 2: two arrive, the third is refused and counted.
 */
import { after, describe, test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { WebSocketMultiplayerPeer } from "../../src/multiplayer/index.ts";
import { ReplicationMode, SceneMultiplayer, SceneMultiplayerEvent } from "../../src/scene/index.ts";
import { Color, Float, NodePath, StringName, Vector2, Vector3i } from "../../src/variant/index.ts";
import { godot4SkipReason, openGodot4 } from "../godot4/harness.ts";

const skip = godot4SkipReason();
const dir = join(import.meta.dirname ?? new URL(".", import.meta.url).pathname, "godot4");
const SCRIPT = readFileSync(join(dir, "scene_client.gd"), "utf8");
const GAME = readFileSync(join(dir, "game.gd"), "utf8");
const PLAYER = readFileSync(join(dir, "player.tscn"), "utf8");
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

type Ev = Record<string, unknown> & { ev: string };

describe("live: SceneMultiplayer server <-> Godot 4.6 SceneMultiplayer clients (web build)", { skip }, () => {
  const closers: (() => unknown)[] = [];
  after(async () => {
    for (const c of closers.reverse()) await c();
  });

  test("auth, RPCs both ways, send_bytes, call_local broadcast, relay between two Godot clients, spawn + sync + delta", async () => {
    const peer = new WebSocketMultiplayerPeer();
    await peer.createServer(0, "127.0.0.1");
    closers.push(() => peer.close());
    const mp = new SceneMultiplayer();
    // The refused client is dropped at this timeout; the admitted ones must finish the exchange
    // within it, which takes some 20-150 ms, longer while the other pages boot on a loaded machine.
    mp.authTimeout = 3;
    mp.authCallback = (id, data) => {
      if (new TextDecoder().decode(data) === "open sesame") mp.completeAuth(id);
    };
    const signals: string[] = [];
    for (const t of ["peer_authenticating", "peer_authentication_failed", "peer_connected", "peer_disconnected"]) {
      mp.addEventListener(t, (e) => signals.push(`${t}:${(e as SceneMultiplayerEvent).id}`));
    }
    mp.addEventListener("peer_authenticating", (e) => mp.sendAuth((e as SceneMultiplayerEvent).id, new TextEncoder().encode("welcome")));
    const raws: string[] = [];
    mp.addEventListener("peer_packet", (e) => raws.push(`${(e as SceneMultiplayerEvent).id}:${Buffer.from((e as SceneMultiplayerEvent).packet!).toString("hex")}`));
    mp.addEventListener("peer_connected", (e) => {
      const id = (e as SceneMultiplayerEvent).id;
      mp.sendBytes(Uint8Array.of(1, 2, 3), id);
      // The node the client owns and synchronizes to us (a path-based synchronizer id).
      const sync = mp.synchronizer(`Level/Own/P${id}/Sync`, `Level/Own/P${id}`, {
        properties: [{ path: ".:position" }, { path: ".:rotation", replicationMode: ReplicationMode.ON_CHANGE }],
      });
      sync.node.multiplayerAuthority = id;
    });
    mp.multiplayerPeer = peer;

    const game = mp.node("/root/Game");
    game
      .rpcConfig("ping", { rpcMode: "any_peer" })
      .rpcConfig("pong", { rpcMode: "authority" })
      .rpcConfig("hello", { rpcMode: "any_peer" })
      .rpcConfig("admin_only", { rpcMode: "authority" })
      .rpcConfig("announce", { rpcMode: "authority", callLocal: true });
    const pings: { from: number; args: unknown[] }[] = [];
    game.on("ping", (...args) => {
      pings.push({ from: mp.getRemoteSenderId(), args });
      game.rpcId(mp.getRemoteSenderId(), "pong", ...args);
    });
    const announced: number[] = [];
    game.on("announce", () => announced.push(mp.getRemoteSenderId()));

    const spawner = mp.spawner("Level/Spawner", { spawnPath: "../Players" });
    const hero = mp.spawn(spawner, "Hero", {
      data: { kind: "knight" },
      synchronizers: [{ path: "Level/Players/Hero/Sync", options: { properties: [{ path: ".:position" }, { path: ".:rotation", spawn: false, replicationMode: ReplicationMode.ON_CHANGE }] } }],
    });
    hero.set("position", new Vector2(10, 20)).set("rotation", 0.5);
    // A scene spawn (spawnable scene 0, res://player.tscn on the Godot side): Godot instantiates
    // the scene itself, no spawn_function, and its synchronizer takes the spawn state.
    const knight = mp.spawn(spawner, "Knight", {
      scene: 0,
      setup: (k) => k.set("position", new Vector2(3, 4)).set("rotation", 0.25),
      synchronizers: [{ path: "Level/Players/Knight/Sync", options: { properties: [{ path: ".:position" }, { path: ".:rotation", replicationMode: ReplicationMode.ON_CHANGE }] } }],
    });

    // A node in the Godot scene from the start, not spawned, the server its authority.
    const world = mp.synchronizer("Level/World/Sync", "Level/World", { properties: [{ path: ".:position" }, { path: ".:rotation", replicationMode: ReplicationMode.ON_CHANGE }] });
    world.root.set("position", new Vector2(-1, -2)).set("rotation", 0.125);

    const url = `ws://127.0.0.1:${peer.getLocalPort()}`;
    const events: Ev[][] = [[], [], []];
    const godot = await openGodot4();
    closers.push(() => godot.close());
    const run = (i: number, secret: string) =>
      godot.run({
        script: SCRIPT,
        mainScene: true,
        files: { "game.gd": GAME, "player.tscn": PLAYER },
        args: [`url=${url}`, `secret=${secret}`, "greet=1", "max_ms=25000"],
        timeoutMs: 60_000, // the web build's boot included (over 15 s on a loaded machine)
        onLine: (line) => {
          if (line.startsWith("{")) {
            try {
              events[i]!.push(JSON.parse(line) as Ev);
            } catch {
              // not ours
            }
          }
        },
      });
    const runs = Promise.all([run(0, "open sesame"), run(1, "open sesame"), run(2, "wrong")]);
    let finished = false;
    void runs.finally(() => (finished = true));

    const has = (i: number, pred: (e: Ev) => boolean): boolean => events[i]!.some(pred);
    // The first wait includes the three pages' boot: up to (nearly) the runs' own limit.
    const poll = async (done: () => boolean, what: string, ms = 55_000): Promise<void> => {
      const end = Date.now() + ms;
      while (!done()) {
        mp.poll();
        if (Date.now() > end || finished) throw new Error(`timed out waiting for ${what}: ${JSON.stringify(events)}\nsignals ${signals}`);
        await sleep(4);
      }
    };
    let moved = false;
    // A node behind a visibility filter: first only the client called "first" sees it, then only the other.
    let scoutSeenBy = 0;
    let flipped = false;
    const clientId = (i: number): number | undefined => events[i]!.find((e) => e.ev === "connected")?.id as number | undefined;
    const scoutEvents = (i: number, ev: string): number => events[i]!.filter((e) => e.ev === ev && e.name === "Scout").length;
    await poll(() => {
      // Moved once both clients have the spawns and the static node's first full sync (it waits
      // for the client to confirm the node's path, as Godot's does).
      if (!moved && [0, 1].every((i) => has(i, (e) => e.ev === "spawned") && has(i, (e) => e.ev === "position" && e.name === "World" && e.value === "Vector2(-1, -2)"))) {
        moved = true;
        hero.set("position", new Vector2(30, 40)).set("rotation", 1.25);
        knight.set("position", new Vector2(5, 6)).set("rotation", 2.5);
        world.root.set("position", new Vector2(-3, -4)).set("rotation", 0.375);
        game.rpc("announce", "hello all");
        scoutSeenBy = clientId(0)!;
        mp.spawn(spawner, "Scout", {
          data: { kind: "scout" },
          setup: (scout) => scout.set("position", new Vector2(7, 8)).set("rotation", 0),
          synchronizers: [{ path: "Level/Players/Scout/Sync", options: { properties: [{ path: ".:position" }, { path: ".:rotation", spawn: false, replicationMode: ReplicationMode.ON_CHANGE }], visibilityFilters: [(p) => p === scoutSeenBy] } }],
        });
      }
      if (moved && !flipped && scoutEvents(0, "spawned") === 1) {
        flipped = true;
        scoutSeenBy = clientId(1)!;
      }
      return (
        flipped &&
        scoutEvents(0, "despawned") === 1 &&
        scoutEvents(1, "spawned") === 1 &&
        
        moved &&
        [0, 1].every((i) =>
          ["pong", "pong_bytes", "hello", "announce", "raw"].every((ev) => has(i, (e) => e.ev === ev)) &&
          has(i, (e) => e.ev === "position" && e.name === "Hero" && e.value === "Vector2(30, 40)") &&
          has(i, (e) => e.ev === "rotation" && e.name === "Hero" && e.value === 1.25) &&
          has(i, (e) => e.ev === "position" && e.name === "Knight" && e.value === "Vector2(5, 6)") &&
          has(i, (e) => e.ev === "rotation" && e.name === "Knight" && e.value === 2.5) &&
          has(i, (e) => e.ev === "position" && e.name === "World" && e.value === "Vector2(-3, -4)") &&
          has(i, (e) => e.ev === "rotation" && e.name === "World" && e.value === 0.375),
        ) &&
        has(2, (e) => e.ev === "server_disconnected") &&
        [0, 1].every((i) => {
          const id = events[i]!.find((e) => e.ev === "connected")?.id;
          return id !== undefined && mp.node(`Level/Own/P${String(id)}`).get("rotation") === 0.75 && mp.node(`Level/Own/P${String(id)}`).get("position") !== undefined;
        })
      );
    }, "every scenario on the three clients");
    mp.sendBytes(new TextEncoder().encode("bye"), 0);
    await poll(() => finished, "the clients to quit", 10_000).catch(() => undefined);
    const results = await runs;

    const idOf = (i: number): number => events[i]!.find((e) => e.ev === "connected")!.id as number;
    const [a, b] = [idOf(0), idOf(1)];
    // Auth: two admitted after the exchange, one refused by the timeout.
    assert.deepEqual(mp.getPeers().sort(), [a, b].sort().filter((id) => mp.getPeers().includes(id)));
    assert.ok(signals.includes(`peer_connected:${a}`) && signals.includes(`peer_connected:${b}`));
    assert.equal(signals.filter((s) => s.startsWith("peer_authentication_failed")).length, 1);
    assert.ok(!has(2, (e) => e.ev === "connected"), "the refused client never got in");
    for (const i of [0, 1, 2]) assert.ok(has(i, (e) => e.ev === "auth_data" && e.text === "welcome" && e.from === 1));
    // RPCs Godot -> TS: the arguments as JS values.
    const fromA = pings.filter((p) => p.from === a);
    assert.equal(fromA.length, 2);
    assert.deepEqual(fromA[1]!.args, [new Uint8Array([1, 2, 3])], "a lone PackedByteArray arrives in the raw form");
    const args = fromA[0]!.args;
    assert.deepEqual(args.slice(0, 4), [7, -100000, 5000000000, 1.25]);
    assert.deepEqual(args[4], new Float(2));
    assert.equal(args[5], "héllo");
    assert.deepEqual(args[6], new StringName("sn"));
    assert.deepEqual(args[7], new NodePath("A/B:c"));
    assert.deepEqual(args[8], new Vector2(1.5, -2));
    assert.deepEqual(args[9], new Vector3i(1, 2, 3));
    assert.deepEqual(args[10], new Color(0.5, 0.25, 1, 1));
    assert.deepEqual(args[13], new Uint8Array([4, 5]));
    assert.equal(args[14], null);
    // ... and back: Godot compared our pong with what it sent (var_to_str of all 15 values).
    for (const i of [0, 1]) {
      assert.equal(events[i]!.find((e) => e.ev === "pong")!.same, true, JSON.stringify(events[i]!.find((e) => e.ev === "pong")));
      assert.equal(events[i]!.find((e) => e.ev === "pong_bytes")!.hex, "010203");
      assert.deepEqual(events[i]!.find((e) => e.ev === "raw"), { ev: "raw", from: 1, hex: "010203" });
      assert.deepEqual(events[i]!.find((e) => e.ev === "announce"), { ev: "announce", from: 1, text: "hello all" });
    }
    assert.deepEqual(raws.sort(), [`${a}:090807`, `${b}:090807`].sort());
    assert.deepEqual(announced, [1], "call_local ran the announce handler here too");
    // Relay: each client saw the other and called it through us; the authority-only call was refused by Godot.
    assert.deepEqual(events[0]!.find((e) => e.ev === "hello"), { ev: "hello", from: b, claimed: b });
    assert.deepEqual(events[1]!.find((e) => e.ev === "hello"), { ev: "hello", from: a, claimed: a });
    for (const i of [0, 1]) assert.ok(!has(i, (e) => e.ev === "admin_only"));
    // Replication: custom spawn with its data and spawn state, then syncs and a delta.
    for (const i of [0, 1]) {
      assert.equal(events[i]!.find((e) => e.ev === "spawn_data")!.data, '{\n"kind": "knight"\n}');
      assert.deepEqual(events[i]!.find((e) => e.ev === "spawned" && e.name === "Hero"), { ev: "spawned", name: "Hero", position: "Vector2(10, 20)" });
      // The scene spawn: made from res://player.tscn with its spawn state (position and rotation),
      // the spawn function not called for it (its two calls are Hero's and Scout's).
      assert.deepEqual(events[i]!.find((e) => e.ev === "spawned" && e.name === "Knight"), { ev: "spawned", name: "Knight", position: "Vector2(3, 4)" });
      assert.equal(events[i]!.find((e) => e.ev === "rotation" && e.name === "Knight")!.value, 0.25);
      assert.equal(events[i]!.filter((e) => e.ev === "spawn_data").length, 2);
      // The static node: full syncs by its path id (the first values, then the moved ones) and the
      // delta of its ON_CHANGE rotation (deltas carry changes: the rotation set before the client
      // joined is not looked for).
      const worldSeen = events[i]!.filter((e) => e.name === "World").map((e) => `${e.ev}=${String(e.value)}`);
      assert.ok(worldSeen.indexOf("position=Vector2(-1, -2)") < worldSeen.indexOf("position=Vector2(-3, -4)"), worldSeen.join(" "));
      assert.ok(worldSeen.includes("rotation=0.375"), worldSeen.join(" "));
    }
    // The filtered spawn: the first client saw it (with its data and spawn state) until the filter
    // switched to the second, which then got it; neither saw it at the same time as the other.
    const scoutOrder = (i: number): string[] => events[i]!.filter((e) => e.name === "Scout" || (e.ev === "spawn_data" && String(e.data).includes("scout"))).map((e) => e.ev);
    assert.deepEqual(scoutOrder(0), ["spawn_data", "spawned", "despawned"]);
    assert.deepEqual(scoutOrder(1), ["spawn_data", "spawned"]);
    for (const i of [0, 1]) assert.deepEqual(events[i]!.find((e) => e.ev === "spawned" && e.name === "Scout"), { ev: "spawned", name: "Scout", position: "Vector2(7, 8)" });
    // Replication from a Godot authority: its full syncs and its delta decoded here.
    for (const id of [a, b]) {
      assert.deepEqual(mp.node(`Level/Own/P${id}`).get("position"), new Vector2(id % 1000, 5));
      assert.equal(mp.node(`Level/Own/P${id}`).get("rotation"), 0.75);
    }
    // Godot agreed with our RPC-config hashes (Game, Spawner, the synchronizer), and nothing was dropped.
    const drops = mp.getDropCounters();
    assert.deepEqual(Object.entries(drops).filter(([, n]) => n !== 0), []);
    for (const r of results.slice(0, 2)) assert.equal(r.exitCode, 0);
  });

  test("a Godot client spawning through its own spawner: our spawnLimit takes two of three and refuses the third", async () => {
    const peer = new WebSocketMultiplayerPeer();
    await peer.createServer(0, "127.0.0.1");
    closers.push(() => peer.close());
    const mp = new SceneMultiplayer();
    mp.node("/root/Game")
      .rpcConfig("ping", { rpcMode: "any_peer" })
      .rpcConfig("pong", { rpcMode: "authority" })
      .rpcConfig("hello", { rpcMode: "any_peer" })
      .rpcConfig("admin_only", { rpcMode: "authority" })
      .rpcConfig("announce", { rpcMode: "authority", callLocal: true });
    mp.spawner("Level/Spawner", { spawnPath: "../Players" });
    const made: string[] = [];
    const mine = mp.spawner("Level/Mine", {
      spawnPath: "../Made",
      spawnLimit: 2,
      onSpawn: (node, _scene, data) => {
        made.push(`${node.path}:${JSON.stringify(data)}`);
        mp.synchronizer(`${node.path}/Sync`, node.path, { properties: [{ path: ".:position" }, { path: ".:rotation", spawn: false, replicationMode: ReplicationMode.ON_CHANGE }] });
      },
    });
    mp.addEventListener("peer_connected", (e) => {
      const id = (e as SceneMultiplayerEvent).id;
      mine.node.multiplayerAuthority = id;
      mp.synchronizer(`Level/Own/P${id}/Sync`, `Level/Own/P${id}`, { properties: [{ path: ".:position" }, { path: ".:rotation", replicationMode: ReplicationMode.ON_CHANGE }] }).node.multiplayerAuthority = id;
    });
    mp.multiplayerPeer = peer;
    const events: Ev[] = [];
    const godot = await openGodot4();
    closers.push(() => godot.close());
    const run = godot.run({
      script: SCRIPT,
      mainScene: true,
      files: { "game.gd": GAME, "player.tscn": PLAYER },
      args: [`url=ws://127.0.0.1:${peer.getLocalPort()}`, "spawns=3", "max_ms=20000"],
      timeoutMs: 60_000, // the web build's boot included (over 15 s on a loaded machine)
      onLine: (line) => {
        if (line.startsWith("{")) {
          try {
            events.push(JSON.parse(line) as Ev);
          } catch {
            // not ours
          }
        }
      },
    });
    let finished = false;
    void run.finally(() => (finished = true));
    const end = Date.now() + 55_000; // the boot included
    // Godot spawned three; ours took what the limit allows and refused the rest.
    while (!(events.filter((e) => e.ev === "spawned_mine").length === 3 && made.length === 2 && mp.getDropCounters().badReplication >= 2)) {
      mp.poll();
      if (Date.now() > end || finished) throw new Error(`timed out: made ${JSON.stringify(made)}, drops ${JSON.stringify(mp.getDropCounters())}, Godot ${JSON.stringify(events)}`);
      await sleep(4);
    }
    // A little longer: no third node turns up late.
    for (let i = 0; i < 50; i++) {
      mp.poll();
      await sleep(4);
    }
    const names = events.filter((e) => e.ev === "spawned_mine").map((e) => String(e.name));
    assert.deepEqual(made, names.slice(0, 2).map((n, i) => `Level/Made/${n}:${JSON.stringify({ mine: i })}`));
    assert.equal(mine.trackedCount, 2);
    assert.equal(mine.isFull(), true);
    // Their spawn state (the client is the authority of their synchronizers): x is the spawn's number.
    names.slice(0, 2).forEach((n, i) => assert.deepEqual(mp.node(`Level/Made/${n}`).get("position"), new Vector2(i, 100)));
    // The refused spawn, and the one delta its node's synchronizer sent (its rotation, on change):
    // Godot too reports a delta for a synchronizer it does not know; full syncs for one are silent.
    assert.equal(mp.getDropCounters().badReplication, 2);
    assert.deepEqual(mp.getPeers().length, 1, "the client stays connected");
    mp.sendBytes(new TextEncoder().encode("bye"), 0);
    while (!finished) {
      mp.poll();
      await sleep(4);
    }
    assert.equal((await run).exitCode, 0);
  });
});
