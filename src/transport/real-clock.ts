import type { Clock } from "./types.ts";

/**
 * The global `performance`, looked up once: Node 20 defines it as a lazy accessor on globalThis
 * whose getter runs again on every read (about 300 instructions, measured with callgrind), and the
 * hosts read the clock for every datagram they receive and every service pass.
 */
let performanceObject: Performance | undefined;

/**
 * Wall-clock timers with a monotonic `now()` (performance.now(), milliseconds).
 * Date.now() is avoided because it jumps when the system clock is adjusted,
 * which would fire protocol timeouts early or late.
 */
export const realClock: Clock = {
  now: () => (performanceObject ??= performance).now(),
  setTimeout: (cb: () => void, ms: number): unknown => globalThis.setTimeout(cb, ms),
  clearTimeout: (handle: unknown): void => {
    globalThis.clearTimeout(handle as ReturnType<typeof globalThis.setTimeout>);
  },
};

/**
 * The real clock with `setImmediate`, for runtimes whose UDP sockets deliver the datagrams of one
 * read burst as back-to-back callbacks (Node's dgram, Bun's udpSocket): a waiting ENet service()
 * then runs once per burst. Deno hands datagrams over one awaited receive at a time, where that
 * batching was measured to save nothing, so its adapter keeps `realClock`.
 */
export const burstBatchingClock: Clock = {
  ...realClock,
  setImmediate: (cb: () => void): void => scheduleMacrotask(cb),
};

/**
 * Run `fn` in a macrotask of its own, after the I/O already received: setImmediate, which Node,
 * Deno and Bun have and which is not clamped; elsewhere setTimeout(0) (browsers clamp nested zero
 * timeouts to 4 ms, which only slows it down).
 */
export const scheduleMacrotask: (fn: () => void) => void = ((): ((fn: () => void) => void) => {
  const immediate = (globalThis as { setImmediate?: (fn: () => void) => unknown }).setImmediate;
  if (typeof immediate === "function") return (fn) => void immediate(fn);
  return (fn) => void globalThis.setTimeout(fn, 0);
})();
