// The seeded replication soak of replication-soak.ts against a live Godot 4.6 client: a fixed
// slice of seeds (one kind with one synchronizer, several kinds, two synchronizers per node), each
// both ways at once. Longer runs: npm run soak:godot4-replication.
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { godot4SkipReason, openGodot4, type Godot4Session } from "../godot4/harness.ts";
import { replicationPlan, runReplicationSoak } from "./replication-soak.ts";

const skip = godot4SkipReason();
const SEEDS = [1, 2, 3];
const SERVER_OPS = 200;
const CLIENT_OPS = 100;

describe("live: seeded replication soak, our SceneMultiplayer server <-> a Godot 4.6 client (web build)", { skip }, () => {
  let godot: Godot4Session;
  before(async () => {
    godot = await openGodot4();
  });
  after(async () => {
    await godot?.close();
  });

  test("the slice's kinds cover every replication mode, both spawn flags, intervals and two synchronizers per node", () => {
    const syncs = SEEDS.flatMap((s) => replicationPlan(s, SERVER_OPS, CLIENT_OPS).kinds.flat());
    const props = syncs.flatMap((sync) => sync.props);
    assert.ok(syncs.some((sync) => sync.replicationInterval > 0) && syncs.some((sync) => sync.deltaInterval > 0), "intervals other than every frame");
    for (const mode of [0, 1, 2]) for (const spawn of [false, true]) assert.ok(props.some((p) => p.mode === mode && p.spawn === spawn), `mode ${mode}, spawn ${spawn}`);
    assert.ok(SEEDS.some((s) => replicationPlan(s, SERVER_OPS, CLIENT_OPS).kinds.some((k) => k.length === 2)), "a kind with two synchronizers");
  });

  for (const seed of SEEDS) {
    test(`seed ${seed}: each side ends with the other's live nodes and their values`, async () => {
      const r = await runReplicationSoak(godot, seed, SERVER_OPS, CLIENT_OPS, 60_000);
      assert.deepEqual(r.failures, [], `seed ${seed}\n${r.godotErrors.join("\n")}`);
      assert.deepEqual(r.godotErrors, [], "Godot reported no error");
      assert.equal(r.serverOps, SERVER_OPS);
      assert.ok(r.spawns > 0 && r.hides > 0 && r.theirSpawns > 0, JSON.stringify(r));
      assert.ok(r.comparedOurs > 0 && r.comparedTheirs > 0, "nodes were compared both ways");
    });
  }
});
