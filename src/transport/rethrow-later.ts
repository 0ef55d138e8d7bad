/**
 * Throw `err` from a task of its own. What the adapters call on a user's callback or stream sink
 * (a received datagram, stream data) must not throw into the runtime's socket machinery; the
 * error still surfaces, as an uncaught exception. Free of `node:` modules, for every adapter.
 */
export function rethrowLater(err: unknown): void {
  queueMicrotask(() => {
    throw err;
  });
}
