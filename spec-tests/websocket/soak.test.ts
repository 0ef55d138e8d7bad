// The seeded WebSocket soak of soak.ts against real peers: a fixed slice of seeds covering both
// peers (ws in this process, python3-websockets as a child), both of our roles, both readers,
// permessage-deflate with different parameters, closes by either side, and peer-fragmented text.
// Longer runs: npm run soak:websocket.
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { pythonPeerAvailable, runWebSocketSoak, websocketSoakPlan } from "./soak.ts";

const SEEDS = [28, 35, 91, 150];
const python = pythonPeerAvailable();

describe("live: seeded WebSocket soak against ws and python3-websockets", () => {
  test("the slice covers both peers in both roles, deflate, both readers, closes by each side and fragmented text", () => {
    const plans = SEEDS.map(websocketSoakPlan);
    for (const peer of ["ws", "python"] as const) {
      const of = plans.filter((p) => p.peer === peer);
      assert.deepEqual(new Set(of.map((p) => p.ourRole)), new Set(["client", "server"]), peer);
      assert.deepEqual(new Set(of.map((p) => p.closeBy)), new Set(["us", "peer"]), peer);
    }
    assert.deepEqual(new Set(plans.map((p) => p.reader)), new Set(["getPacket", "events"]));
    assert.ok(plans.filter((p) => p.ourDeflate !== null && p.peerDeflate !== null).length >= 3);
    assert.ok(plans.every((p) => p.theirs.messages.some((m) => m.text && m.fragments !== undefined)));
    assert.ok(plans.some((p) => p.closeReason.length > 0 && /[\u{10000}-\u{10ffff}]/u.test(p.closeReason)));
  });

  for (const seed of SEEDS) {
    const plan = websocketSoakPlan(seed);
    // ws runs under Deno and Bun through their npm compatibility too (as in ws-interop.test.ts).
    const skip = plan.peer === "python" && python !== true ? python.skip : false;
    test(`seed ${seed} (${plan.peer}, our ${plan.ourRole}): every message once, in order and intact both ways, pongs, the close code and reason on both sides`, { skip, timeout: 60_000 }, async () => {
      const r = await runWebSocketSoak(seed, 30_000);
      assert.deepEqual(r.failures, [], `seed ${seed}: rerun with npm run soak:websocket -- 1 ${seed}`);
      if (plan.ourDeflate !== null && plan.peerDeflate !== null && plan.ourRole === "server") assert.match(r.extensions, /^permessage-deflate/);
    });
  }
});
