import { GodotError, NetError } from "../errors.ts";
import type { Clock, IoOptions, RuntimeAdapter } from "./types.ts";

/**
 * One runtime an entry point offers: `isCurrent` says whether this code runs on it.
 * The adapter module is only referenced by the entry that registers it, so an entry
 * without a runtime (`packetpeer/core`) or with another one (the browser entry) never
 * loads `node:` modules.
 */
export interface RuntimeCandidate {
  readonly name: string;
  isCurrent(): boolean;
  readonly adapter: RuntimeAdapter;
}

const candidates: RuntimeCandidate[] = [];
let detected: RuntimeAdapter | undefined;

/**
 * Offer a runtime to `detectRuntime`. Candidates are asked in registration order, so an
 * entry registers the most specific first (Deno and Bun also provide Node's globals).
 * Registering a name again replaces the earlier candidate in place.
 */
export function registerRuntime(candidate: RuntimeCandidate): void {
  const at = candidates.findIndex((c) => c.name === candidate.name);
  if (at >= 0) candidates[at] = candidate;
  else candidates.push(candidate);
  detected = undefined;
}

/** The names of the registered runtimes, in the order they are asked. */
export function registeredRuntimes(): string[] {
  return candidates.map((c) => c.name);
}

/**
 * The adapter for the runtime this code is running on: the first registered candidate
 * that says it is current. Cached until the next registration. Throws
 * NetError(ERR_UNAVAILABLE) when no registered candidate matches, naming the fix.
 */
export function detectRuntime(): RuntimeAdapter {
  if (detected) return detected;
  for (const c of candidates) {
    if (c.isCurrent()) {
      detected = c.adapter;
      return detected;
    }
  }
  const offered = candidates.length === 0 ? "none is registered" : `registered: ${registeredRuntimes().join(", ")}, none matches`;
  throw new NetError(
    GodotError.ERR_UNAVAILABLE,
    `no runtime adapter for this JavaScript runtime (${offered}): import "packetpeer" (Node, Deno, Bun) or "packetpeer" ` +
      `through its browser condition, or pass { runtime } (for example a MemoryNetwork) to the class`,
  );
}

/** Resolve the runtime and clock a class should use: explicit choices win, the clock defaults to the runtime's. */
export function resolveIo(opts?: IoOptions): { runtime: RuntimeAdapter; clock: Clock } {
  const runtime = opts?.runtime ?? detectRuntime();
  const clock = opts?.clock ?? runtime.clock;
  return { runtime, clock };
}
