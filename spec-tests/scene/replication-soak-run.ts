// npm run soak:godot4-replication -- [SEEDS] [FIRST] [SERVER_OPS] [CLIENT_OPS]: the replication
// soak of replication-soak.ts against a live Godot 4.6 client, seeds FIRST..FIRST+SEEDS-1 (default
// 20 seeds from 1, 300 server and 150 client operations each), one browser for all of them.
// Prints a line per seed and exits 1 if any seed failed.
import "../register-runtimes.ts";
import { openGodot4OrExit } from "../godot4/harness.ts";
import { writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { runReplicationSoak } from "./replication-soak.ts";
import { soakArgs } from "../support/soak-args.ts";

const [seeds, first, serverOps, clientOps] = soakArgs("replication-soak-run.ts [SEEDS] [FIRST] [SERVER_OPS] [CLIENT_OPS]", [20, 1, 300, 150]) as [number, number, number, number];
const godot = await openGodot4OrExit();
let failed = 0;
const t0 = Date.now();
try {
  for (let seed = first; seed < first + seeds; seed++) {
    const r = await runReplicationSoak(godot, seed, serverOps, clientOps);
    const what = `${r.kinds} kinds, ${r.serverOps} server ops (${r.spawns} spawns, ${r.hides} hide/show), ${r.theirSpawns} Godot spawns; compared ${r.comparedOurs} of ours, ${r.comparedTheirs} of theirs; sent ${r.sent.spawns} spawns, ${r.sent.despawns} despawns, ${r.sent.deltas} deltas`;
    if (r.failures.length > 0 || r.godotErrors.length > 0) {
      failed++;
      console.log(`seed ${seed} FAILED (${what}):\n  ${r.failures.join("\n  ")}`);
      if (r.godotErrors.length > 0) console.log(`  Godot said:\n    ${r.godotErrors.slice(0, 12).join("\n    ")}`);
      const file = join(tmpdir(), `replication-soak-${seed}.log`);
      writeFileSync(file, r.trace.join("\n") + "\n");
      console.log(`  trace: ${file}`);
    } else {
      console.log(`seed ${seed} ok: ${what}, ${r.ms} ms`);
    }
  }
} finally {
  await godot.close();
}
console.log(`${seeds - failed}/${seeds} seeds passed in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
process.exit(failed > 0 ? 1 : 0);
