// The seeded DTLS soak of openssl-soak.ts against openssl 3 through a lossy, duplicating,
// reordering UDP relay: a fixed slice of seeds covering both roles, the three ECDSA suites and
// MTUs that split the handshake flights (300-400 bytes on either side). Longer runs:
// npm run soak:dtls-openssl.
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { makeIdentity, opensslAvailable } from "./support.ts";
import { opensslSoakPlan, runOpensslSoak } from "./openssl-soak.ts";

const available = opensslAvailable();
const skip = available === true ? false : available.skip;
const SEEDS = [2, 5, 9, 13];

describe("live: DTLS soak against openssl through a lossy relay", { skip }, () => {
  const id = skip ? undefined : makeIdentity("localhost");

  test("the slice covers both roles, every suite and small MTUs on both sides", () => {
    const plans = SEEDS.map(opensslSoakPlan);
    assert.deepEqual(new Set(plans.map((p) => p.ourRole)), new Set(["client", "server"]));
    assert.equal(new Set(plans.map((p) => p.suite.openssl)).size, 3);
    assert.ok(plans.some((p) => p.ourMtu <= 400) && plans.some((p) => p.opensslMtu <= 400));
  });

  for (const seed of SEEDS) {
    test(`seed ${seed}: handshake, then every line that arrives arrives once and intact, both ways`, async () => {
      const r = await runOpensslSoak(seed, id!, 45_000);
      assert.deepEqual(r.failures, [], JSON.stringify(r.plan));
      assert.ok(r.handshakeMs >= 0 && r.toUs >= 10 && r.toOpenssl >= 10, JSON.stringify(r));
      assert.ok(r.relay.dropped > 0 || r.plan.loss < 0.02, "the relay dropped datagrams");
    });
  }
});
