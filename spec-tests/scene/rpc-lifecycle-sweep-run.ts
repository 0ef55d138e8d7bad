/**
 * The long mode of rpc-lifecycle-sweep.ts: `npm run sweep:scene-rpc [-- SEEDS [FIRST_SEED [STEPS [KIND]]]]`
 * (default 100 seeds from 1, 300 steps each, every kind: enet, websocket, enet-godot3, websocket-godot3, enet-auth, websocket-auth). Prints each failing seed's problems; exits 1 if any.
 */
import { runRpcLifecycle, SCENE_SWEEP_KINDS, type SceneSweepKind } from "./rpc-lifecycle-sweep.ts";
import { runSweepCli } from "../support/sweep-runner.ts";

await runSweepCli<SceneSweepKind>({
  command: "sweep:scene-rpc",
  defaults: { seeds: 100, steps: 300 },
  kinds: SCENE_SWEEP_KINDS,
  run: runRpcLifecycle,
  describe: (t) =>
    `${t.clients} clients (auth kinds: ${t.authenticated} authenticated, ${t.impostors} impostors, ${t.refused} of them dropped), ${t.leaves} left, ${t.kicks} kicked, ${t.calls} calls, ${t.runs} runs, ${t.finalCalls} final calls`,
});
