/**
 * The long mode of lifecycle-sweep.ts: `npm run sweep:websocket [-- SEEDS [FIRST_SEED [STEPS]]]`
 * (default 100 seeds from 1, 300 steps each). Prints each failing seed's problems; exits 1 if any.
 */
import { runWebSocketLifecycle } from "./lifecycle-sweep.ts";
import { runSweepCli } from "../support/sweep-runner.ts";

await runSweepCli({
  command: "sweep:websocket",
  defaults: { seeds: 100, steps: 300 },
  kinds: [""],
  run: (_kind, seed, steps) => runWebSocketLifecycle(seed, steps),
  describe: (t) =>
    `${t.connections} connections, ${t.sent} messages sent (${t.refused} refused by the outbound limits), ${t.received} received; ` +
    `${t.cleanCloses} clean closes, ${t.drops} drops, ${t.heartbeatTimeouts} heartbeat timeouts`,
});
