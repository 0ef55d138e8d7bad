// godotengine/godot#109432 against a live Godot 4.6 client: when a Godot peer frees a node it
// spawned, it drops its registration of any remote synchronizer with the same net id as the
// freed node's synchronizer. Godot numbers its ids from 1, so with ids from 1 too, our server's
// first spawned synchronizer (id 2) shared its number with the client's first own one (id 2),
// and once the client freed its node, our node stopped updating there for good (Godot printed
// "Ignoring delta for non-authority or invalid synchronizer"; found by the replication soak).
// Our ids start at 2^30 (replicator.ts, nextNetId), which a Godot peer's count never reaches.
import { after, describe, test } from "node:test";
import assert from "node:assert/strict";
import { WebSocketMultiplayerPeer } from "../../src/multiplayer/index.ts";
import { ReplicationMode, SceneMultiplayer } from "../../src/scene/index.ts";
import { varToBytes } from "../../src/variant/index.ts";
import { godot4SkipReason, openGodot4, type Godot4Session } from "../godot4/harness.ts";
import { ACTOR_SCRIPT, CLIENT_SCRIPT } from "./replication-soak.ts";

const skip = godot4SkipReason();
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

describe("live: our synchronizers keep updating on a Godot 4.6 client that frees a node of its own (godot#109432)", { skip }, () => {
  let godot: Godot4Session | undefined;
  after(async () => {
    await godot?.close();
  });

  test("the client spawns a node and frees it; our node's later changes still reach it", async () => {
    // One kind: one synchronizer with one on-change property, on both sides.
    const kinds = [[[0, 0, [[0, true, ReplicationMode.ON_CHANGE]]]]];
    const peer = new WebSocketMultiplayerPeer();
    await peer.createServer(0, "127.0.0.1");
    const mp = new SceneMultiplayer();
    mp.multiplayerPeer = peer;
    const props = { properties: [{ path: ".:p0", spawn: true, replicationMode: ReplicationMode.ON_CHANGE }] };
    const theirs: string[] = [];
    const mine = mp.spawner("Level/Mine", {
      spawnPath: "../MyActors",
      onSpawn: (node) => {
        theirs.push(`spawn ${node.path}`);
        mp.synchronizer(`${node.path}/Sync0`, node.path, props);
      },
      onDespawn: (node) => theirs.push(`despawn ${node.path}`),
    });
    mp.addEventListener("peer_connected", (e) => {
      mine.node.multiplayerAuthority = e.id;
    });
    const spawner = mp.spawner("Level/Spawner", { spawnPath: "../Actors" });
    const errors: string[] = [];
    const dumped: Record<string, unknown>[] = [];
    let clientId = 0;
    godot = await openGodot4();
    const run = godot.run({
      script: CLIENT_SCRIPT,
      mainScene: true,
      files: { "actor.gd": ACTOR_SCRIPT, "kinds.json": JSON.stringify(kinds) },
      args: [`url=ws://127.0.0.1:${peer.getLocalPort()}`, "seed=1", "plan=spawn,free", "max_ms=40000"],
      timeoutMs: 60_000,
      onLine: (line, stream) => {
        if (stream === "err" && line.includes("ERROR")) errors.push(line);
        if (!line.startsWith("{")) return;
        const event = JSON.parse(line) as Record<string, unknown>;
        if (event.ev === "connected") clientId = event.id as number;
        if (event.ev === "node") dumped.push(event);
      },
    });
    let finished = false;
    void run.finally(() => (finished = true));
    const until = async (done: () => boolean, what: string): Promise<void> => {
      const end = Date.now() + 45_000;
      while (!done()) {
        mp.poll();
        if (finished || Date.now() > end) throw new Error(`timed out waiting for ${what}; theirs ${JSON.stringify(theirs)}, errors ${JSON.stringify(errors)}`);
        await sleep(4);
      }
    };
    await until(() => clientId !== 0 && mp.getPeers().includes(clientId), "the client");
    // Our node first: the first spawn and synchronizer of the session, as the client's will be of its.
    const node = mp.spawn(spawner, "S1", { data: [0, 1, "S1"], synchronizers: [{ path: "Level/Actors/S1/Sync0", options: props }], setup: (n) => n.set("p0", 1) });
    await until(() => theirs.length === 2, "the client to spawn and free its node");
    node.set("p0", 2);
    for (let i = 0; i < 100; i++) {
      mp.poll();
      await sleep(5);
    }
    mp.sendBytes(new TextEncoder().encode("bye"), 0);
    await until(() => finished, "the client to quit").catch(() => undefined);
    await run;
    peer.close();
    assert.deepEqual(theirs, ["spawn Level/MyActors/M1", "despawn Level/MyActors/M1"]);
    const s1 = dumped.find((d) => d.group === "Actors" && d.name === "S1") as { props: Record<string, string> } | undefined;
    assert.ok(s1, `S1 is on the client: ${JSON.stringify(dumped)}`);
    assert.equal(s1.props["0"], Buffer.from(varToBytes(2)).toString("hex"), "the change made after the client freed its node reached it");
    assert.deepEqual(errors, []);
  });
});
