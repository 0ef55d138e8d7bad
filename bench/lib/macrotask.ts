// The turn every loopback harness takes between refills: one macrotask (setImmediate; Deno and
// Bun provide it too). On Node and Bun the sockets' callbacks run in every such turn; Deno checks
// its sockets only about every 59 turns while setImmediate keeps its loop busy (docs/enet.md, the
// Deno paragraph under Hot paths), for the bare loops and ENet alike.

/** Resolves after the event loop has turned once. */
export const macrotask = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));
