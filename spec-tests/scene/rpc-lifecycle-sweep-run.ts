/**
 * The long mode of rpc-lifecycle-sweep.ts: `npm run sweep:scene-rpc [-- SEEDS [FIRST_SEED [STEPS [enet|websocket]]]]`
 * (default 100 seeds from 1, 300 steps each, both transports). Prints each failing seed's problems; exits 1 if any.
 */
import { runRpcLifecycle, type RpcSweepKind } from "./rpc-lifecycle-sweep.ts";

const seeds = Number(process.argv[2] ?? 100);
const first = Number(process.argv[3] ?? 1);
const steps = Number(process.argv[4] ?? 300);
const only = process.argv[5];
if (![seeds, first, steps].every(Number.isInteger) || seeds < 1 || steps < 1 || (only !== undefined && only !== "enet" && only !== "websocket")) {
  console.error("usage: npm run sweep:scene-rpc -- [SEEDS>=1] [FIRST_SEED] [STEPS>=1] [enet|websocket]");
  process.exit(2);
}
const kinds: RpcSweepKind[] = only === undefined ? ["enet", "websocket"] : [only as RpcSweepKind];
const started = performance.now();
const total = { clients: 0, leaves: 0, kicks: 0, calls: 0, runs: 0, finalCalls: 0 };
let failing = 0;
for (const kind of kinds) {
  for (let seed = first; seed < first + seeds; seed++) {
    const outcome = await runRpcLifecycle(kind, seed, steps);
    for (const k of Object.keys(total) as (keyof typeof total)[]) total[k] += outcome.counts[k];
    if (outcome.problems.length > 0) {
      failing++;
      console.log(`${kind} seed ${seed}: ${outcome.problems.length} problem(s)\n  ${outcome.problems.join("\n  ")}`);
    }
    if ((seed - first + 1) % 25 === 0) console.log(`${kind}: ${seed - first + 1} seeds, ${failing} failing, ${((performance.now() - started) / 1000).toFixed(1)} s`);
  }
}
console.log(
  `scene RPC lifecycle sweep (${kinds.join(", ")}): seeds ${first}..${first + seeds - 1}, ${steps} steps each, in ${((performance.now() - started) / 1000).toFixed(1)} s: ` +
    `${total.clients} clients, ${total.leaves} left, ${total.kicks} kicked, ${total.calls} calls, ${total.runs} runs, ${total.finalCalls} final calls; ` +
    (failing === 0 ? "no failure" : `${failing} failing seeds`),
);
process.exit(failing === 0 ? 0 : 1);
