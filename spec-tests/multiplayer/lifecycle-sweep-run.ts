/**
 * The long mode of lifecycle-sweep.ts: `npm run sweep:multiplayer [-- SEEDS [FIRST_SEED [STEPS [enet|websocket]]]]`
 * (default 100 seeds from 1, 300 steps each, both peers). Prints each failing seed's problems; exits 1 if any.
 */
import { runMultiplayerLifecycle } from "./lifecycle-sweep.ts";
import type { PeerKind } from "./seeded-peers.ts";
import { runSweepCli } from "../support/sweep-runner.ts";

await runSweepCli<PeerKind>({
  command: "sweep:multiplayer",
  defaults: { seeds: 100, steps: 300 },
  kinds: ["enet", "websocket"],
  run: runMultiplayerLifecycle,
  describe: (t) => `${t.connects} clients started, ${t.kicks} kicks, ${t.closes} closes, ${t.refusedConnects} clients never admitted, ${t.sent} packets sent, ${t.received} read`,
});
