// The figures spec-tests/enet/throttle-unsequenced-run.test.ts expects of our sender, taken from
// libenet 1.3.17 itself: a C server whose peer's packetThrottle is set to 0, then to 32, queues 4
// unsequenced packets, one reliable and 2 unsequenced, and flushes once (throttle_peer.c
// unsequenced-run). At throttle 0 C ENet steps the counter once per run of unsequenced packets
// and drops the run (0 -> 14, none of 6 arrive); at 32 it judges and sends each (14 -> 24, all 6).
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { join } from "node:path";
import { freeUdpPort } from "./godot.ts";
import { buildCProgram, JsonLineProcess, repoRoot } from "./harness.ts";

const built = buildCProgram(join(repoRoot, "spec-tests", "enet-interop", "throttle_peer.c"));
const skip = "skip" in built ? built.skip : false;
if (skip) console.log(`throttle unsequenced run: skipped: ${skip}`);

describe("live: C ENet 1.3.17 drops a queued run of unsequenced packets with the first one the throttle drops", { skip }, () => {
  test("throttle 0 then 32, 4 unsequenced + 1 reliable + 2 unsequenced per flush: the counter steps and deliveries our test expects", async () => {
    const path = (built as { path: string }).path;
    // The port may be taken between the probe and the bind (the program then exits 2): another one.
    for (let attempt = 0; ; attempt++) {
      const proc = new JsonLineProcess(path, ["unsequenced-run", String(await freeUdpPort())]);
      const code = await proc.exitPromise;
      if (code === 2 && attempt < 2) continue;
      assert.equal(code, 0, proc.stderr.join(""));
      const rounds = proc.events.filter((e) => e.ev === "round").map(({ throttle, counterBefore, counterAfter, unsequenced, reliable }) => ({ throttle, counterBefore, counterAfter, unsequenced, reliable }));
      assert.deepEqual(rounds, [
        { throttle: 0, counterBefore: 0, counterAfter: 14, unsequenced: 0, reliable: 1 },
        { throttle: 32, counterBefore: 14, counterAfter: 24, unsequenced: 6, reliable: 1 },
      ]);
      return;
    }
  });
});
