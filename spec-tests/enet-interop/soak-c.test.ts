// A seeded slice of the randomized C ENet soak (soak-c.ts; `npm run soak:enet-c` runs many seeds):
// real C ENet 1.3.17 and our host through a real UDP relay that drops, duplicates and reorders,
// every packet echoed back and both legs checked against ENet's delivery rules. The checker itself
// is checked first, on made-up arrival lists that break each rule.
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { buildEnetPeer } from "./harness.ts";
import { checkLeg, describeResult, drawPlan, runSoak, type Kind, type SoakPlan } from "./soak-c.ts";

const built = buildEnetPeer();
const g = globalThis as { Deno?: unknown; Bun?: unknown };
const skip = "skip" in built ? built.skip : false;
if (skip) console.log(`C ENet soak: skipped: ${skip}`);

function planOf(kinds: Kind[], channels = 1): SoakPlan {
  return {
    ...drawPlan(1, { maxMessages: 4, maxLoss: 0 }),
    channels,
    messages: kinds.map((kind, i) => ({ channel: channels === 1 ? 0 : i % channels, kind, size: 10 })),
  };
}
const arrival = (index: number, reliable: boolean, channel = 0): { index: number; channel: number; reliable: boolean } => ({ index, channel, reliable });

describe("the soak's delivery-rule checker", () => {
  const plan = planOf(["reliable", "unreliable", "reliable", "unreliable", "unsequenced"]);
  const sent = [0, 1, 2, 3, 4];
  test("accepts what ENet may deliver", () => {
    assert.deepEqual(checkLeg("t", plan, sent, [arrival(0, true), arrival(1, false), arrival(4, false), arrival(2, true), arrival(3, false)], true), []);
    // Unreliable and unsequenced packets may be lost; unsequenced ones may come in any order.
    assert.deepEqual(checkLeg("t", plan, sent, [arrival(4, false), arrival(0, true), arrival(2, true)], true), []);
  });
  test("refuses each broken rule", () => {
    const broken: [string, { index: number; channel: number; reliable: boolean }[], RegExp][] = [
      ["reliable out of order", [arrival(2, true), arrival(0, true)], /out of order/],
      ["reliable missing", [arrival(0, true)], /1 of 2 reliable/],
      ["duplicate", [arrival(0, true), arrival(4, false), arrival(4, false), arrival(2, true)], /twice/],
      ["unreliable before its reliable", [arrival(3, false), arrival(0, true), arrival(2, true)], /after 0 reliable ones; it was sent after 2/],
      ["unreliable after a later reliable", [arrival(0, true), arrival(2, true), arrival(1, false)], /after 2 reliable ones; it was sent after 1/],
      ["wrong channel", [arrival(0, true, 1), arrival(2, true)], /on channel 1, sent on 0/],
      ["reliability lost", [arrival(0, false), arrival(2, true)], /delivered unreliable/],
      ["unknown bytes", [arrival(-1, true), arrival(0, true), arrival(2, true)], /no message/],
    ];
    for (const [what, got, pattern] of broken) assert.match(checkLeg("t", plan, sent, got, true).join("\n"), pattern, what);
    const unreliables = planOf(["unreliable", "unreliable"]);
    assert.match(checkLeg("t", unreliables, [0, 1], [arrival(1, false), arrival(0, false)], true).join("\n"), /after a later one/);
  });
});

// Node only: one run of real sockets and a C process is enough for the slice; the runtimes' UDP is
// covered by live-c.test.ts.
describe("C ENet soak, seeded slice (drop, duplicate, reorder on a real relay)", { skip: skip || (g.Deno || g.Bun ? "run once, on Node" : false) }, () => {
  for (const seed of [1, 2, 3, 4, 5, 6]) {
    test(`seed ${seed}`, async () => {
      const result = await runSoak(drawPlan(seed, { maxMessages: 400, maxLoss: 0.1 }), (built as { path: string }).path, 60_000);
      console.log(`C ENet soak: ${describeResult(result)}`);
      assert.deepEqual(result.failures, [], describeResult(result));
      assert.ok(result.arrived.back > 0, "echoes came back");
    });
  }
});
