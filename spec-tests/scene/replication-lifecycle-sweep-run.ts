/**
 * The long mode of replication-lifecycle-sweep.ts: `npm run sweep:scene-replication [-- SEEDS [FIRST_SEED [STEPS [enet|websocket]]]]`
 * (default 100 seeds from 1, 300 steps each, both transports). Prints each failing seed's problems; exits 1 if any.
 */
import { runReplicationLifecycle } from "./replication-lifecycle-sweep.ts";
import type { PeerKind } from "../multiplayer/seeded-peers.ts";
import { runSweepCli } from "../support/sweep-runner.ts";

await runSweepCli<PeerKind>({
  command: "sweep:scene-replication",
  defaults: { seeds: 100, steps: 300 },
  kinds: ["enet", "websocket"],
  run: runReplicationLifecycle,
  describe: (t) =>
    `${t.clients} clients, ${t.leaves} left, ${t.kicks} kicked, ${t.spawns} spawns (${t.respawns} of a name used before, ${t.owned} owned by a client), ${t.despawns} despawns, ${t.changes} changes (${t.ownerChanges} by an owning client), ${t.hides} hides, ${t.shows} shows, ${t.checked} nodes checked at the end`,
});
