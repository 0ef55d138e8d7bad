import type { Clock, IoOptions, RuntimeAdapter } from "./types.ts";
import { bunRuntime } from "./bun.ts";
import { denoRuntime } from "./deno.ts";
import { nodeRuntime } from "./node.ts";

let detected: RuntimeAdapter | undefined;

/**
 * The adapter for the runtime this code is running on: Deno when `globalThis.Deno`
 * exists, Bun when `globalThis.Bun` exists, otherwise Node. Cached after the first call.
 * Deno and Bun are checked first because both also provide Node-compatible globals.
 */
export function detectRuntime(): RuntimeAdapter {
  if (detected) return detected;
  const g = globalThis as { Deno?: unknown; Bun?: unknown };
  if (typeof g.Deno === "object" && g.Deno !== null) detected = denoRuntime;
  else if (typeof g.Bun === "object" && g.Bun !== null) detected = bunRuntime;
  else detected = nodeRuntime;
  return detected;
}

/** Resolve the runtime and clock a class should use: explicit choices win, the clock defaults to the runtime's. */
export function resolveIo(opts?: IoOptions): { runtime: RuntimeAdapter; clock: Clock } {
  const runtime = opts?.runtime ?? detectRuntime();
  const clock = opts?.clock ?? runtime.clock;
  return { runtime, clock };
}
