/**
 * The long mode of lifecycle-sweep.ts: `npm run sweep:enet-lifecycle [-- SEEDS [FIRST_SEED [STEPS]]]`
 * (default 200 seeds from 1, 400 steps each). Prints each failing seed's problems; exits 1 if any.
 */
import { runLifecycle } from "./lifecycle-sweep.ts";
import { runSweepCli } from "../support/sweep-runner.ts";

await runSweepCli({
  command: "sweep:enet-lifecycle",
  defaults: { seeds: 200, steps: 400 },
  kinds: [""],
  progressEvery: 50,
  run: (_kind, seed, steps) => runLifecycle(seed, steps),
  describe: (t) =>
    `${((t.simulatedMs ?? 0) / 3_600_000).toFixed(1)} h simulated, ${t.connects} connects, ${t.disconnects} disconnects, ${t.sent} packets sent (${t.refused} refused by maxOutgoingData, ` +
    `${t.refusedByShare} of them by the host-wide share), ${t.received} received (${t.ambiguous} from an ended session of the same slot, endpoint and session ID)`,
});
