/**
 * The long mode of rpc-lifecycle-sweep.ts: `npm run sweep:scene-rpc [-- SEEDS [FIRST_SEED [STEPS [enet|websocket]]]]`
 * (default 100 seeds from 1, 300 steps each, both transports). Prints each failing seed's problems; exits 1 if any.
 */
import { runRpcLifecycle } from "./rpc-lifecycle-sweep.ts";
import type { PeerKind } from "../multiplayer/seeded-peers.ts";
import { runSweepCli } from "../support/sweep-runner.ts";

await runSweepCli<PeerKind>({
  command: "sweep:scene-rpc",
  defaults: { seeds: 100, steps: 300 },
  kinds: ["enet", "websocket"],
  run: runRpcLifecycle,
  describe: (t) => `${t.clients} clients, ${t.leaves} left, ${t.kicks} kicked, ${t.calls} calls, ${t.runs} runs, ${t.finalCalls} final calls`,
});
