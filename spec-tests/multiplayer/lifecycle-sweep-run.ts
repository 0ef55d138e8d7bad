/**
 * The long mode of lifecycle-sweep.ts: `npm run sweep:multiplayer [-- SEEDS [FIRST_SEED [STEPS [KIND]]]]`
 * (default 100 seeds from 1, 300 steps each, every kind: enet, websocket, enet-godot3, websocket-godot3). Prints each failing seed's problems; exits 1 if any.
 */
import { MULTIPLAYER_SWEEP_KINDS, runMultiplayerLifecycle, type MultiplayerSweepKind } from "./lifecycle-sweep.ts";
import { runSweepCli } from "../support/sweep-runner.ts";

await runSweepCli<MultiplayerSweepKind>({
  command: "sweep:multiplayer",
  defaults: { seeds: 100, steps: 300 },
  kinds: MULTIPLAYER_SWEEP_KINDS,
  run: runMultiplayerLifecycle,
  describe: (t) => `${t.connects} clients started, ${t.kicks} kicks, ${t.closes} closes, ${t.refusedConnects} clients never admitted, ${t.sent} packets sent, ${t.received} read`,
});
