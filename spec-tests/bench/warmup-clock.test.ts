// The warm-up rule every ENet loopback harness of `npm run bench` follows (bench/lib/warmup-clock.ts):
// the clock starts at the end of the first turn in which WARMUP packets have arrived, the timed
// figures count only the packets after that moment, and the warm-up phase is reported beside them.
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { WarmupClock } from "../../bench/lib/warmup-clock.ts";

/** A hand-moved clock in milliseconds. */
function handClock(): { now: () => number; at: number } {
  const c = { at: 1000, now: () => c.at };
  return c;
}

describe("bench warm-up clock", () => {
  test("starts at the end of the turn that crosses the warm-up and times only what follows", () => {
    const c = handClock();
    const timer = new WarmupClock(100, c.now);
    c.at = 1400;
    timer.observe(60);
    assert.equal(timer.started, false);
    c.at = 1500;
    // This turn overshoots the warm-up: the 120 already there are warm-up packets.
    timer.observe(120);
    assert.equal(timer.started, true);
    c.at = 1600;
    timer.observe(200); // later turns do not move the start
    const r = timer.result(320, 1700, 64);
    assert.equal(r.warmupPackets, 120);
    assert.equal(r.warmupSeconds, 0.5);
    assert.equal(r.warmupPacketsPerSecond, 240);
    assert.equal(r.received, 200);
    assert.equal(r.totalReceived, 320);
    assert.equal(r.seconds, 0.2);
    assert.equal(r.packetsPerSecond, 1000);
    assert.equal(r.megabytesPerSecond, (1000 * 64) / 1e6);
  });

  test("without a warm-up the clock runs from the first packet, as the harnesses did before", () => {
    const c = handClock();
    const timer = new WarmupClock(0, c.now);
    assert.equal(timer.started, true);
    const r = timer.result(500, 1500, 1200);
    assert.equal(r.received, 500);
    assert.equal(r.seconds, 0.5);
    assert.equal(r.warmupPackets, 0);
    assert.equal(r.warmupPacketsPerSecond, 0);
  });

  test("a run that ends inside its warm-up has no figures", () => {
    const c = handClock();
    const timer = new WarmupClock(1000, c.now);
    timer.observe(999);
    assert.throws(() => timer.result(999, 2000, 64), /ended in its warm-up: 999\/1000/);
  });
});
