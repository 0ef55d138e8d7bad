import type { RuntimeAdapter } from "./types.ts";
import { NetError, GodotError } from "../errors.ts";
import { realClock } from "./real-clock.ts";

// Work in progress: replaced by the real adapter in the next commits.
function unavailable(): never {
  throw new NetError(GodotError.ERR_UNAVAILABLE, "the bun adapter is not implemented yet");
}

export const bunRuntime: RuntimeAdapter = {
  name: "bun",
  createDatagramTransport: unavailable,
  streams: { connect: async () => unavailable(), listen: async () => unavailable() },
  clock: realClock,
};
