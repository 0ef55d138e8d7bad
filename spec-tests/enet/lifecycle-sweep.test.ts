// The seeded slice of lifecycle-sweep.ts in `npm test`; `npm run sweep:enet-lifecycle` runs more.
// Seeds 1000..1299 include the three that found the parked-handshake bugs fixed with this sweep
// (1006: a newer session's datagram to a freed slot brought back an older parked handshake of
// the same client; 1264: a CONNECT retransmitted after its eviction got a second slot, and the
// parked one came back beside it; 1274: the VERIFY_CONNECT of our own connect to that client,
// from the same slot, brought back the handshake parked there).
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { runLifecycle } from "./lifecycle-sweep.ts";

describe("ENet lifecycle sweep (random API sequences on random links)", () => {
  test("seeds 1000..1299, 800 steps each: every delivery and bookkeeping rule holds", () => {
    const failures: string[] = [];
    let sent = 0;
    for (let seed = 1000; seed < 1300; seed++) {
      const outcome = runLifecycle(seed, 800);
      sent += outcome.counts.sent;
      if (outcome.problems.length > 0) failures.push(`seed ${seed}: ${outcome.problems.slice(0, 3).join("; ")}`);
    }
    assert.deepEqual(failures, []);
    assert.ok(sent > 300_000, `the slice sent ${sent} packets`);
  });
});
