// Public surface of src/transport: re-exports only.
export { detectRuntime, registerRuntime, registeredRuntimes, resolveIo, type RuntimeCandidate } from "./registry.ts";
export { nodeRuntime } from "./node.ts";
export { denoRuntime } from "./deno.ts";
export { bunRuntime } from "./bun.ts";
export { realClock } from "./real-clock.ts";
export { MemoryNetwork } from "./memory.ts";
export type { MemoryNetworkOptions, MemoryNetworkStats, LinkOptions, TraceRecord, TraceFate } from "./memory.ts";
export { VirtualClock } from "./virtual-clock.ts";
export type { VirtualClockOptions } from "./virtual-clock.ts";
