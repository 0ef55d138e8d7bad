/** Test helper: drain an ENetConnection's events in the background (via async iteration) into an array. */
import type { ENetConnection, ENetEvent } from "../../src/enet/index.ts";

export interface Collector {
  events: ENetEvent[];
  /** Settles when the iteration ends (after destroy()). */
  done: Promise<void>;
}

export function collect(conn: ENetConnection, onEvent?: (e: ENetEvent) => void): Collector {
  const events: ENetEvent[] = [];
  const done = (async () => {
    for await (const e of conn) {
      events.push(e);
      onEvent?.(e);
    }
  })();
  return { events, done };
}
