// The seeded slice of lifecycle-sweep.ts in `npm test`; `npm run sweep:websocket` runs more.
// It found a WebSocketPeer nobody polled spinning its timer once a heartbeat deadline had passed
// (re-armed for the same past deadline, forever): virtual time stood still at seed 2; and a
// close() while the application still saw CONNECTING, after the handshake timer had let the core
// open, which the next poll() turned OPEN again (seeds 300, 393, 454 of `sweep:websocket -- 400 100`).
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { runWebSocketLifecycle } from "./lifecycle-sweep.ts";

describe("WebSocket lifecycle sweep (random connections, messages, closes and drops on random links)", () => {
  test("seeds 1..16, 300 steps each: delivery, event order and close rules hold", async () => {
    const failures: string[] = [];
    const total = { sent: 0, cleanCloses: 0, drops: 0 };
    for (let seed = 1; seed <= 16; seed++) {
      const outcome = await runWebSocketLifecycle(seed, 300);
      total.sent += outcome.counts.sent;
      total.cleanCloses += outcome.counts.cleanCloses;
      total.drops += outcome.counts.drops;
      if (outcome.problems.length > 0) failures.push(`seed ${seed}: ${outcome.problems.slice(0, 3).join("; ")}`);
    }
    console.log(`websocket lifecycle slice: ${JSON.stringify(total)}`);
    assert.deepEqual(failures, []);
    assert.ok(total.sent > 6_000 && total.cleanCloses > 150 && total.drops > 50, `the slice: ${JSON.stringify(total)}`);
  });
});
