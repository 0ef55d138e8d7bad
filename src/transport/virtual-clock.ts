import type { Clock } from "./types.ts";
import { scheduleMacrotask } from "./real-clock.ts";

/** One scheduled callback. Opaque to callers: it is the handle `setTimeout` returns. */
class VirtualTimer {
  constructor(
    readonly time: number,
    readonly seq: number,
    public callback: (() => void) | undefined,
  ) {}

  /** No-ops, so code written against Node's Timeout objects can call them (only auto-advance keeps a process busy, and only while timers are pending). */
  unref(): this {
    return this;
  }

  ref(): this {
    return this;
  }
}

export interface VirtualClockOptions {
  /**
   * Let virtual time pass by itself whenever the program is idle (default false for a
   * bare clock; MemoryNetwork defaults it to true). See `VirtualClock` for the rule.
   */
  autoAdvance?: boolean;
  /** Virtual time at construction, in milliseconds (default 0). Useful to test timestamp wrap-around. */
  startTime?: number;
}

/** Safety valve for `runUntilIdle()` without a time bound: a self-rescheduling timer would otherwise loop forever. */
const RUN_UNTIL_IDLE_MAX_FIRINGS = 10_000_000;

/** Below this many cancelled entries the heap is not worth compacting. */
const HEAP_COMPACT_MIN_DEAD = 1024;

/**
 * A Clock whose time only moves when told to, so protocol code runs deterministically
 * and a simulated minute costs microseconds per timer.
 *
 * Manual use: `advance(ms)` / `runUntilIdle()` fire due timers synchronously in time
 * order (ties in scheduling order), including timers that callbacks schedule.
 *
 * Auto-advance: while timers are pending, the clock keeps exactly one real macrotask
 * (setImmediate) scheduled. Each macrotask fires ONE timer: the next one in order,
 * jumping virtual time forward to it if nothing is due now. Because every promise
 * continuation (microtask) runs before the next macrotask, async code under test always
 * reaches its next `await` on a timer, socket or clock before virtual time moves again
 * — time passes only when the program is idle. When no timers are pending nothing real
 * is scheduled, so the process can exit.
 */
export class VirtualClock implements Clock {
  private currentTime: number;
  private heap: VirtualTimer[] = [];
  private nextSeq = 0;
  private live = 0;
  private firing = false;
  private macrotaskScheduled = false;
  private autoAdvanceEnabled: boolean;
  /** runFor/runUntil holds: they drive time even when autoAdvance is off. */
  private driveHolds = 0;
  /** Called whenever the program is idle; a hook returns true when it has settled its waiter. */
  private readonly idleHooks = new Set<() => boolean>();
  private fired = 0;
  private stopped = false;
  /** Settles every pending runFor/runUntil when the clock is stopped. */
  private readonly stopWaiters = new Set<() => void>();

  constructor(opts: VirtualClockOptions = {}) {
    const start = opts.startTime ?? 0;
    if (typeof start !== "number" || !Number.isFinite(start)) {
      throw new RangeError(`startTime must be a finite number of milliseconds, got ${String(start)}`);
    }
    this.currentTime = start;
    this.autoAdvanceEnabled = opts.autoAdvance ?? false;
  }

  now(): number {
    return this.currentTime;
  }

  setTimeout(cb: () => void, ms: number): unknown {
    if (typeof cb !== "function") throw new TypeError("setTimeout callback must be a function");
    // Like real timers: negative, NaN or infinite delays mean "as soon as possible".
    const delay = typeof ms === "number" && ms > 0 && Number.isFinite(ms) ? ms : 0;
    const timer = new VirtualTimer(this.currentTime + delay, this.nextSeq++, cb);
    this.heapPush(timer);
    this.live++;
    this.ensureDriven();
    return timer;
  }

  clearTimeout(handle: unknown): void {
    if (!(handle instanceof VirtualTimer) || handle.callback === undefined) return;
    handle.callback = undefined;
    this.live--;
    const dead = this.heap.length - this.live;
    if (dead > HEAP_COMPACT_MIN_DEAD && dead > this.live) this.compactHeap();
  }

  /** Number of timers scheduled and not yet fired or cleared. */
  pendingTimers(): number {
    return this.live;
  }

  /** Virtual time of the earliest pending timer, or undefined when none. */
  nextTimerAt(): number | undefined {
    const t = this.peekLive();
    return t?.time;
  }

  /** Timers fired since construction (a cheap measure of simulated work). */
  get firedTimers(): number {
    return this.fired;
  }

  get autoAdvance(): boolean {
    return this.autoAdvanceEnabled;
  }

  set autoAdvance(on: boolean) {
    this.autoAdvanceEnabled = on && !this.stopped;
    this.ensureDriven();
  }

  /**
   * Fire, synchronously and in time order, every timer due up to now+ms (including those
   * the callbacks schedule inside the window), then set the time to now+ms.
   * A callback's exception propagates after the clock is left consistent (time at that timer).
   */
  advance(ms: number): void {
    if (typeof ms !== "number" || !(ms >= 0) || !Number.isFinite(ms)) {
      throw new RangeError(`advance(ms): ms must be a finite number >= 0, got ${String(ms)}`);
    }
    const target = this.currentTime + ms;
    this.runTimersUntil(target, Number.POSITIVE_INFINITY);
    this.currentTime = target;
  }

  /**
   * Fire timers in order until none remain, or until the next one lies more than maxMs
   * of virtual time ahead (then the time is set to start+maxMs). Without maxMs a timer
   * that keeps rescheduling itself would never let this return, so it throws after
   * 10 million firings instead of hanging.
   */
  runUntilIdle(maxMs?: number): void {
    if (maxMs === undefined) {
      const fired = this.runTimersUntil(Number.POSITIVE_INFINITY, RUN_UNTIL_IDLE_MAX_FIRINGS);
      if (fired >= RUN_UNTIL_IDLE_MAX_FIRINGS && this.live > 0) {
        throw new Error(
          `runUntilIdle(): still busy after ${RUN_UNTIL_IDLE_MAX_FIRINGS} timers (a timer keeps rescheduling itself); pass maxMs`,
        );
      }
      return;
    }
    if (typeof maxMs !== "number" || !(maxMs >= 0)) {
      throw new RangeError(`runUntilIdle(maxMs): maxMs must be a number >= 0, got ${String(maxMs)}`);
    }
    const target = this.currentTime + maxMs;
    this.runTimersUntil(target, Number.POSITIVE_INFINITY);
    if (this.live > 0 && Number.isFinite(target)) this.currentTime = target;
  }

  /**
   * Let virtual time pass asynchronously: resolves once the clock reaches now+ms, with
   * every timer before it fired one macrotask at a time (so async code keeps up).
   * Works whether or not autoAdvance is on.
   */
  async runFor(ms: number): Promise<void> {
    if (typeof ms !== "number" || !(ms >= 0) || !Number.isFinite(ms)) {
      throw new RangeError(`runFor(ms): ms must be a finite number >= 0, got ${String(ms)}`);
    }
    if (this.stopped) return;
    this.driveHolds++;
    try {
      await new Promise<void>((resolve) => {
        const done = (): void => {
          this.stopWaiters.delete(done);
          resolve();
        };
        this.stopWaiters.add(done);
        this.setTimeout(done, ms);
      });
    } finally {
      this.driveHolds--;
    }
  }

  /**
   * Let virtual time pass until `pred()` is true (checked whenever the program is idle,
   * before each timer fires) or maxVirtualMs has passed. Resolves with the last value of pred.
   */
  async runUntil(pred: () => boolean, maxVirtualMs: number): Promise<boolean> {
    if (typeof pred !== "function") throw new TypeError("runUntil(pred): pred must be a function");
    if (typeof maxVirtualMs !== "number" || !(maxVirtualMs >= 0) || !Number.isFinite(maxVirtualMs)) {
      throw new RangeError(`runUntil: maxVirtualMs must be a finite number >= 0, got ${String(maxVirtualMs)}`);
    }
    if (pred() || this.stopped) return pred();
    this.driveHolds++;
    try {
      return await new Promise<boolean>((resolve, reject) => {
        let deadline: unknown;
        const finish = (value: boolean): void => {
          this.idleHooks.delete(hook);
          this.stopWaiters.delete(onStop);
          this.clearTimeout(deadline);
          resolve(value);
        };
        const onStop = (): void => {
          let value = false;
          try {
            value = pred();
          } catch {
            // stopping must not throw; the caller just sees "not reached"
          }
          finish(value);
        };
        this.stopWaiters.add(onStop);
        const hook = (): boolean => {
          try {
            if (!pred()) return false;
            finish(true);
          } catch (err) {
            this.idleHooks.delete(hook);
            this.stopWaiters.delete(onStop);
            this.clearTimeout(deadline);
            reject(err);
          }
          return true;
        };
        deadline = this.setTimeout(() => {
          this.idleHooks.delete(hook);
          this.stopWaiters.delete(onStop);
          let value = false;
          try {
            value = pred();
          } catch (err) {
            reject(err);
            return;
          }
          resolve(value);
        }, maxVirtualMs);
        this.idleHooks.add(hook);
      });
    } finally {
      this.driveHolds--;
    }
  }

  /**
   * End the simulation: cancel every pending timer, turn auto-advance off for good and settle
   * pending runFor/runUntil at once (runUntil with the predicate's current value). Timers set
   * afterwards only fire through advance()/runUntilIdle(). Nothing real stays scheduled, so a
   * forgotten periodic timer cannot keep the process busy.
   */
  stop(): void {
    this.stopped = true;
    this.autoAdvanceEnabled = false;
    for (const t of this.heap) t.callback = undefined;
    this.heap = [];
    this.live = 0;
    for (const settle of [...this.stopWaiters]) settle();
  }

  get isStopped(): boolean {
    return this.stopped;
  }

  // --- internals -------------------------------------------------------------------

  private runTimersUntil(target: number, maxFirings: number): number {
    if (this.firing) throw new Error("VirtualClock: advance/runUntilIdle called from inside a timer callback");
    let count = 0;
    this.firing = true;
    try {
      while (count < maxFirings) {
        const timer = this.peekLive();
        if (timer === undefined || timer.time > target) break;
        this.fireNext(timer);
        count++;
      }
    } finally {
      this.firing = false;
    }
    return count;
  }

  /** Pop `timer` (the live heap top), move time to it and run it. */
  private fireNext(timer: VirtualTimer): void {
    this.heapPop();
    const cb = timer.callback!;
    timer.callback = undefined;
    this.live--;
    if (timer.time > this.currentTime) this.currentTime = timer.time;
    this.fired++;
    cb();
  }

  private ensureDriven(): void {
    if (this.macrotaskScheduled || this.live === 0 || this.stopped) return;
    if (!this.autoAdvanceEnabled && this.driveHolds === 0) return;
    this.macrotaskScheduled = true;
    scheduleMacrotask(this.onMacrotask);
  }

  private readonly onMacrotask = (): void => {
    this.macrotaskScheduled = false;
    if (this.stopped || (!this.autoAdvanceEnabled && this.driveHolds === 0)) return;
    // The program is idle here (all microtasks drained): let waiting predicates look first.
    // If one settled, its continuation must run before time moves: fire nothing this turn.
    if (this.idleHooks.size > 0) {
      let settled = false;
      for (const hook of [...this.idleHooks]) if (hook()) settled = true;
      if (settled) {
        this.ensureDriven();
        return;
      }
    }
    const timer = this.peekLive();
    if (timer === undefined || this.firing) return;
    this.firing = true;
    try {
      this.fireNext(timer);
    } finally {
      this.firing = false;
      // Rescheduled even when the callback threw, so one faulty callback cannot stall time.
      this.ensureDriven();
    }
  };

  private peekLive(): VirtualTimer | undefined {
    const heap = this.heap;
    while (heap.length > 0 && heap[0]!.callback === undefined) this.heapPop();
    return heap[0];
  }

  private compactHeap(): void {
    const liveTimers = this.heap.filter((t) => t.callback !== undefined);
    this.heap = [];
    for (const t of liveTimers) this.heapPush(t);
  }

  private static before(a: VirtualTimer, b: VirtualTimer): boolean {
    return a.time < b.time || (a.time === b.time && a.seq < b.seq);
  }

  private heapPush(timer: VirtualTimer): void {
    const heap = this.heap;
    let i = heap.length;
    heap.push(timer);
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!VirtualClock.before(timer, heap[parent]!)) break;
      heap[i] = heap[parent]!;
      i = parent;
    }
    heap[i] = timer;
  }

  private heapPop(): void {
    const heap = this.heap;
    const last = heap.pop();
    if (last === undefined || heap.length === 0) return;
    let i = 0;
    const n = heap.length;
    for (;;) {
      const l = 2 * i + 1;
      if (l >= n) break;
      const r = l + 1;
      const child = r < n && VirtualClock.before(heap[r]!, heap[l]!) ? r : l;
      if (!VirtualClock.before(heap[child]!, last)) break;
      heap[i] = heap[child]!;
      i = child;
    }
    heap[i] = last;
  }
}
