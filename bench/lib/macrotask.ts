// The turn every loopback harness takes between refills: one macrotask (setImmediate; Deno and
// Bun provide it too), so the runtime's I/O callbacks run before the next packets are queued.

/** Resolves after the event loop has turned once. */
export const macrotask = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));
