// 40,000 reliable messages (10,000 on each of 4 channels, 6 B..6 KB: every 50th one is cut into
// fragments) over a simulated link losing 40 % of datagrams, duplicating 5 % and reordering them
// with 30 ms of jitter: every message arrives exactly once, intact, in order on its channel.
// Virtual clock: the simulated time is reported, the wall time stays a few seconds. Datagrams are
// handed over as the receiver's to keep (as Node's transport does), so large packets are views.
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { runWorkload, type WorkloadProfile } from "./workload.ts";

const PER_CHANNEL = 10_000;
const ALL_RELIABLE_MIXED_SIZES: WorkloadProfile = {
  sizeOf: (i) => (i % 50 === 49 ? 1500 + ((i * 97) % 4500) : 6 + ((i * 37) % 400)),
  modeOf: () => 0,
};

describe("ENet under heavy loss (simulated network, virtual clock)", () => {
  test("40,000 reliable messages with fragments at 40 % loss, 5 % duplication, reordering: 0 lost, 0 duplicated, 0 out of order", () => {
    const started = performance.now();
    const r = runWorkload({ loss: 0.4, duplicate: 0.05, latency: 20, jitter: 30, seed: 40, ownedDelivery: true }, PER_CHANNEL, 86_400_000, true, ALL_RELIABLE_MIXED_SIZES);
    const wall = performance.now() - started;
    assert.equal(r.disconnected, false, "the connection survives (timeouts raised, as the API's setTimeout allows)");
    assert.equal(r.corrupt, 0, "no corrupted payloads");
    assert.equal(r.wrongChannel, 0);
    const expected = Array.from({ length: PER_CHANNEL }, (_, i) => i);
    for (let ch = 0; ch < 4; ch++) assert.deepEqual(r.reliable[ch], expected, `channel ${ch}: every message exactly once, in order`);
    const fragmented = Math.floor(PER_CHANNEL / 50) * 4;
    assert.ok(r.net.lost > 0.35 * (r.net.lost + r.net.delivered), `the link lost ${r.net.lost} of ${r.net.lost + r.net.delivered} datagrams`);
    for (const h of r.net.hosts) assert.equal(h.core.drops.internalErrors, 0);
    console.log(
      `heavy loss: 40,000 reliable messages (${fragmented} fragmented) delivered in ${(r.endTime / 1000).toFixed(1)} s of simulated time; ` +
        `${r.net.lost} of ${r.net.lost + r.net.delivered} datagrams lost; wall ${(wall / 1000).toFixed(1)} s`,
    );
  });
});
