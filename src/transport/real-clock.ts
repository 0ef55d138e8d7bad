import type { Clock } from "./types.ts";

/**
 * Wall-clock timers with a monotonic `now()` (performance.now(), milliseconds).
 * Date.now() is avoided because it jumps when the system clock is adjusted,
 * which would fire protocol timeouts early or late.
 */
export const realClock: Clock = {
  now: () => performance.now(),
  setTimeout: (cb: () => void, ms: number): unknown => globalThis.setTimeout(cb, ms),
  clearTimeout: (handle: unknown): void => {
    globalThis.clearTimeout(handle as ReturnType<typeof globalThis.setTimeout>);
  },
};
