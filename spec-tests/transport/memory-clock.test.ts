import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { VirtualClock } from "../../src/transport/virtual-clock.ts";
import { SeededRandom } from "../../src/util/prng.ts";

describe("VirtualClock (manual)", () => {
  test("advance fires due timers in time order, ties in scheduling order, and sets the time", () => {
    const clock = new VirtualClock();
    const log: string[] = [];
    clock.setTimeout(() => log.push(`c@${clock.now()}`), 30);
    clock.setTimeout(() => log.push(`a@${clock.now()}`), 10);
    clock.setTimeout(() => log.push(`b1@${clock.now()}`), 20);
    clock.setTimeout(() => log.push(`b2@${clock.now()}`), 20);
    assert.equal(clock.pendingTimers(), 4);
    clock.advance(25);
    assert.deepEqual(log, ["a@10", "b1@20", "b2@20"]);
    assert.equal(clock.now(), 25);
    assert.equal(clock.pendingTimers(), 1);
    clock.advance(5);
    assert.deepEqual(log, ["a@10", "b1@20", "b2@20", "c@30"]);
    assert.equal(clock.pendingTimers(), 0);
  });

  test("timers scheduled by callbacks inside the window fire in the same advance", () => {
    const clock = new VirtualClock();
    const times: number[] = [];
    const tick = (): void => {
      times.push(clock.now());
      clock.setTimeout(tick, 7);
    };
    clock.setTimeout(tick, 7);
    clock.advance(30);
    assert.deepEqual(times, [7, 14, 21, 28]);
    assert.equal(clock.pendingTimers(), 1);
    // A zero-delay timer from a callback runs at the same virtual instant.
    const clock2 = new VirtualClock();
    const seen: number[] = [];
    clock2.setTimeout(() => clock2.setTimeout(() => seen.push(clock2.now()), 0), 5);
    clock2.advance(5);
    assert.deepEqual(seen, [5]);
  });

  test("clearTimeout cancels, ignores foreign handles, and many cancellations do not leak", () => {
    const clock = new VirtualClock();
    let fired = 0;
    const h = clock.setTimeout(() => fired++, 5);
    clock.clearTimeout(h);
    clock.clearTimeout(h);
    clock.clearTimeout(undefined);
    clock.clearTimeout(42);
    assert.equal(clock.pendingTimers(), 0);
    clock.advance(10);
    assert.equal(fired, 0);
    for (let i = 0; i < 100_000; i++) clock.clearTimeout(clock.setTimeout(() => fired++, 1000));
    assert.equal(clock.pendingTimers(), 0);
    assert.equal(clock.nextTimerAt(), undefined);
    clock.advance(2000);
    assert.equal(fired, 0);
  });

  test("negative, NaN and infinite delays mean 'as soon as possible'", () => {
    const clock = new VirtualClock({ startTime: 100 });
    const seen: number[] = [];
    clock.setTimeout(() => seen.push(clock.now()), -5);
    clock.setTimeout(() => seen.push(clock.now()), Number.NaN);
    clock.setTimeout(() => seen.push(clock.now()), Number.POSITIVE_INFINITY);
    clock.advance(0);
    assert.deepEqual(seen, [100, 100, 100]);
  });

  test("runUntilIdle drains everything, honours maxMs, and refuses to spin forever", () => {
    const clock = new VirtualClock();
    const seen: number[] = [];
    clock.setTimeout(() => seen.push(clock.now()), 500);
    clock.setTimeout(() => clock.setTimeout(() => seen.push(clock.now()), 1000), 100);
    clock.runUntilIdle();
    assert.deepEqual(seen, [500, 1100]);
    assert.equal(clock.now(), 1100);
    clock.setTimeout(() => seen.push(clock.now()), 300);
    clock.runUntilIdle(200);
    assert.equal(clock.now(), 1300);
    assert.equal(seen.length, 2);
    const again = (): void => void clock.setTimeout(again, 1);
    again();
    assert.throws(() => clock.runUntilIdle(), /keeps rescheduling/);
    clock.runUntilIdle(10);
  });

  test("bad arguments throw RangeError/TypeError naming them; advance inside a callback is refused", () => {
    const clock = new VirtualClock();
    assert.throws(() => clock.advance(-1), RangeError);
    assert.throws(() => clock.advance(Number.NaN), /ms must be/);
    assert.throws(() => clock.setTimeout(undefined as unknown as () => void, 1), TypeError);
    assert.throws(() => new VirtualClock({ startTime: Number.NaN }), /startTime/);
    let inner: unknown;
    clock.setTimeout(() => {
      try {
        clock.advance(1);
      } catch (e) {
        inner = e;
      }
    }, 1);
    clock.advance(1);
    assert.match(String(inner), /inside a timer callback/);
  });

  test("a throwing callback propagates but leaves the clock consistent", () => {
    const clock = new VirtualClock();
    const seen: number[] = [];
    clock.setTimeout(() => {
      throw new Error("boom");
    }, 5);
    clock.setTimeout(() => seen.push(clock.now()), 6);
    assert.throws(() => clock.advance(10), /boom/);
    assert.equal(clock.now(), 5);
    clock.advance(5);
    assert.deepEqual(seen, [6]);
  });

  test("manual mode never moves time by itself", async () => {
    const clock = new VirtualClock({ autoAdvance: false });
    let fired = false;
    clock.setTimeout(() => (fired = true), 1);
    await new Promise((r) => setTimeout(r, 5));
    assert.equal(fired, false);
    assert.equal(clock.now(), 0);
    await clock.runFor(1);
    assert.equal(fired, true);
  });
});

describe("VirtualClock (auto-advance)", () => {
  test("time moves only when idle: a chain of awaits completes before the next timer", async () => {
    const clock = new VirtualClock({ autoAdvance: true });
    const sleep = (ms: number): Promise<void> => new Promise((r) => clock.setTimeout(r, ms));
    const log: string[] = [];
    const worker = async (name: string, period: number): Promise<void> => {
      for (let i = 0; i < 3; i++) {
        await sleep(period);
        // Several microtask hops between wake-up and the next wait: all must run at the same virtual time.
        const t = clock.now();
        await Promise.resolve();
        await Promise.resolve();
        await null;
        assert.equal(clock.now(), t);
        log.push(`${name}@${t}`);
      }
    };
    await Promise.all([worker("a", 10), worker("b", 15)]);
    // At 30 both are due: b's timer was scheduled first (at 15, a's at 20), so b runs first.
    assert.deepEqual(log, ["a@10", "b@15", "a@20", "b@30", "a@30", "b@45"]);
    assert.equal(clock.pendingTimers(), 0);
  });

  test("ten virtual minutes of 10 ms ticks (60,000 timers) run in well under a second of real time", async () => {
    const clock = new VirtualClock({ autoAdvance: true });
    let ticks = 0;
    const started = performance.now();
    await new Promise<void>((resolve) => {
      const tick = (): void => {
        ticks++;
        if (clock.now() >= 600_000) resolve();
        else clock.setTimeout(tick, 10);
      };
      clock.setTimeout(tick, 10);
    });
    const realMs = performance.now() - started;
    assert.equal(ticks, 60_000);
    // Typically ~50 ms; the bound leaves room for a loaded CI machine.
    assert.ok(realMs < 2000, `took ${realMs} ms`);
  });

  test("runUntil resolves when the predicate holds, or false at the virtual deadline", async () => {
    const clock = new VirtualClock({ autoAdvance: true });
    let counter = 0;
    const h = { t: undefined as unknown };
    const tick = (): void => {
      counter++;
      h.t = clock.setTimeout(tick, 100);
    };
    h.t = clock.setTimeout(tick, 100);
    assert.equal(await clock.runUntil(() => counter >= 5, 10_000), true);
    assert.equal(clock.now(), 500);
    assert.equal(await clock.runUntil(() => counter >= 1000, 1000), false);
    assert.equal(clock.now(), 1500);
    clock.clearTimeout(h.t);
    assert.equal(clock.pendingTimers(), 0);
  });

  test("switching autoAdvance off stops time; runFor still drives it", async () => {
    const clock = new VirtualClock({ autoAdvance: true });
    clock.autoAdvance = false;
    let fired = 0;
    clock.setTimeout(() => fired++, 50);
    clock.setTimeout(() => fired++, 150);
    await new Promise((r) => setTimeout(r, 5));
    assert.equal(fired, 0);
    await clock.runFor(100);
    assert.equal(fired, 1);
    assert.equal(clock.now(), 100);
    clock.autoAdvance = true;
    await clock.runUntil(() => fired === 2, 1000);
    assert.equal(clock.now(), 150);
  });
});

describe("SeededRandom", () => {
  test("same seed, same sequence; different seeds differ; floats are in [0,1)", () => {
    const a = new SeededRandom(42);
    const b = new SeededRandom(42);
    const c = new SeededRandom(43);
    const sa = Array.from({ length: 64 }, () => a.nextU32());
    const sb = Array.from({ length: 64 }, () => b.nextU32());
    const sc = Array.from({ length: 64 }, () => c.nextU32());
    assert.deepEqual(sa, sb);
    assert.notDeepEqual(sa, sc);
    // Pinned values: the sequence must never change, or recorded traces stop reproducing.
    const one = new SeededRandom(1);
    assert.deepEqual([one.nextU32(), one.nextU32(), one.nextU32(), one.nextU32()], [393288148, 2174103013, 3814759091, 2092745082]);
    const r = new SeededRandom(7);
    let sum = 0;
    for (let i = 0; i < 100_000; i++) {
      const f = r.nextFloat();
      assert.ok(f >= 0 && f < 1);
      sum += f;
    }
    assert.ok(Math.abs(sum / 100_000 - 0.5) < 0.01);
    const counts = new Array<number>(6).fill(0);
    for (let i = 0; i < 60_000; i++) counts[r.nextInt(6)]++;
    for (const n of counts) assert.ok(Math.abs(n - 10_000) < 500, `bucket ${n}`);
    assert.throws(() => r.nextInt(0), RangeError);
    assert.throws(() => new SeededRandom(Number.NaN), /seed/);
  });
});
