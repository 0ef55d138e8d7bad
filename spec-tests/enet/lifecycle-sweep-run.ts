/**
 * The long mode of lifecycle-sweep.ts: `npm run sweep:enet-lifecycle [-- SEEDS [FIRST_SEED [STEPS]]]`
 * (default 200 seeds from 1, 400 steps each). Prints each failing seed's problems; exits 1 if any.
 */
import { runLifecycle } from "./lifecycle-sweep.ts";

const seeds = Number(process.argv[2] ?? 200);
const first = Number(process.argv[3] ?? 1);
const steps = Number(process.argv[4] ?? 400);
if (![seeds, first, steps].every(Number.isInteger) || seeds < 1 || steps < 1) {
  console.error("usage: npm run sweep:enet-lifecycle -- [SEEDS>=1] [FIRST_SEED] [STEPS>=1]");
  process.exit(2);
}
const started = performance.now();
const total = { connects: 0, disconnects: 0, sent: 0, refused: 0, refusedByShare: 0, received: 0, ambiguous: 0, simulatedMs: 0 };
let failing = 0;
for (let seed = first; seed < first + seeds; seed++) {
  const outcome = runLifecycle(seed, steps);
  for (const k of Object.keys(total) as (keyof typeof total)[]) total[k] += outcome.counts[k];
  if (outcome.problems.length > 0) {
    failing++;
    console.log(`seed ${seed}: ${outcome.problems.length} problem(s)\n  ${outcome.problems.join("\n  ")}`);
  }
  if ((seed - first + 1) % 50 === 0) console.log(`${seed - first + 1} seeds, ${failing} failing, ${((performance.now() - started) / 1000).toFixed(1)} s`);
}
console.log(
  `enet lifecycle sweep: seeds ${first}..${first + seeds - 1}, ${steps} steps each, ${(total.simulatedMs / 3_600_000).toFixed(1)} h simulated in ${((performance.now() - started) / 1000).toFixed(1)} s: ` +
    `${total.connects} connects, ${total.disconnects} disconnects, ${total.sent} packets sent (${total.refused} refused by maxOutgoingData, ${total.refusedByShare} of them by the host-wide share), ${total.received} received (${total.ambiguous} from an ended session of the same slot, endpoint and session ID); ` +
    (failing === 0 ? "no failure" : `${failing} failing seeds`),
);
process.exit(failing === 0 ? 0 : 1);
