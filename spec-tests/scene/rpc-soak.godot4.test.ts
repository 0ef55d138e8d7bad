// The seeded RPC soak of rpc-soak.ts against live Godot 4.6 clients, a fixed slice of seeds chosen
// so that together they cross every id width, each with one client and with two (Godot to Godot
// through our relay): method ids past 255 (seeds 1; 9 relayed), path-cache node ids past 255 (5;
// 7 relayed), a small scene (10, relayed). Longer runs: npm run soak:godot4-rpc.
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { godot4SkipReason, openGodot4, type Godot4Session } from "../godot4/harness.ts";
import { runRpcSoak, soakPlan } from "./rpc-soak.ts";

const skip = godot4SkipReason();
const SEEDS = [1, 5, 7, 9, 10];
const CALLS = 300;

describe("live: seeded RPC soak, our SceneMultiplayer server <-> Godot 4.6 clients (web build)", { skip }, () => {
  let godot: Godot4Session;
  before(async () => {
    godot = await openGodot4();
  });
  after(async () => {
    await godot?.close();
  });

  test("the slice's scenes reach both 16-bit id forms", () => {
    const plans = SEEDS.map((s) => soakPlan(s, CALLS));
    assert.ok(plans.some((p) => p.methods.length > 256), "a seed with more than 256 methods");
    assert.ok(plans.some((p) => p.nodeCount > 256), "a seed with more than 256 nodes");
    for (const relay of [false, true]) {
      assert.ok(plans.some((p) => p.relay === relay && p.nodeCount > 256), `a seed with more than 256 nodes, relay ${relay}`);
      assert.ok(plans.some((p) => p.relay === relay && p.methods.length > 256), `a seed with more than 256 methods, relay ${relay}`);
    }
    // Every node of a large scene is called, so path-cache ids go past 255.
    for (const p of plans.filter((q) => q.nodeCount > 255)) assert.equal(new Set(p.calls.map((c) => c.node)).size, p.nodeCount);
  });

  for (const seed of SEEDS) {
    test(`seed ${seed}: every call echoed back in order, same node, same method, same argument bytes`, async () => {
      const r = await runRpcSoak(godot, seed, CALLS, 60_000);
      assert.deepEqual(r.failures, [], `seed ${seed}: ${r.nodeCount} nodes x ${r.methodCount} methods\n${r.godotErrors.join("\n")}`);
      assert.equal(r.echoed, r.calls);
      assert.deepEqual(r.godotErrors, [], "Godot reported no error");
      if (r.nodeCount > 256) assert.ok(r.wideNodeCalls > 0, "calls with 16-bit node ids were made");
      if (r.methodCount > 256) assert.ok(r.wideMethodCalls > 0, "calls with 16-bit method ids were made");
    });
  }
});
