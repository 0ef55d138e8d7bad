// npm run soak:godot4-rpc -- [SEEDS] [FIRST] [CALLS]: the RPC soak of rpc-soak.ts against a live
// Godot 4.6 client, seeds FIRST..FIRST+SEEDS-1 (default 20 seeds from 1, 400 calls each), one
// browser for all of them. Prints a line per seed and exits 1 if any seed failed.
import "../register-runtimes.ts";
import { openGodot4OrExit } from "../godot4/harness.ts";
import { runRpcSoak } from "./rpc-soak.ts";
import { soakArgs } from "../support/soak-args.ts";

const [seeds, first, calls] = soakArgs("rpc-soak-run.ts [SEEDS] [FIRST] [CALLS]", [20, 1, 400]) as [number, number, number];
const godot = await openGodot4OrExit();
let failed = 0;
const t0 = Date.now();
let wideNodes = 0;
let wideMethods = 0;
try {
  for (let seed = first; seed < first + seeds; seed++) {
    const r = await runRpcSoak(godot, seed, calls);
    wideNodes += r.wideNodeCalls;
    wideMethods += r.wideMethodCalls;
    const scene = `${r.nodeCount} nodes x ${r.methodCount} methods${r.relay ? ", Godot to Godot through our relay" : ""}`;
    if (r.failures.length > 0) {
      failed++;
      console.log(`seed ${seed} FAILED (${scene}, ${r.echoed}/${r.calls} echoed):\n  ${r.failures.join("\n  ")}`);
      if (r.godotErrors.length > 0) console.log(`  Godot said:\n    ${r.godotErrors.slice(0, 10).join("\n    ")}`);
    } else {
      const noise = r.godotErrors.length > 0 ? `, ${r.godotErrors.length} Godot error lines: ${r.godotErrors[0]}` : "";
      console.log(`seed ${seed} ok: ${scene}, ${r.calls} calls (${r.wideNodeCalls} 16-bit node ids, ${r.wideMethodCalls} 16-bit method ids), ${(r.bytesSent / 1024).toFixed(0)} KiB, ${r.ms} ms${noise}`);
    }
  }
} finally {
  await godot.close();
}
console.log(`${seeds - failed}/${seeds} seeds passed in ${((Date.now() - t0) / 1000).toFixed(1)} s (${wideNodes} calls with 16-bit node ids, ${wideMethods} with 16-bit method ids)`);
process.exit(failed > 0 ? 1 : 0);
