/**
 * The long mode of lifecycle-sweep.ts: `npm run sweep:websocket [-- SEEDS [FIRST_SEED [STEPS]]]`
 * (default 100 seeds from 1, 300 steps each). Prints each failing seed's problems; exits 1 if any.
 */
import { runWebSocketLifecycle } from "./lifecycle-sweep.ts";

const seeds = Number(process.argv[2] ?? 100);
const first = Number(process.argv[3] ?? 1);
const steps = Number(process.argv[4] ?? 300);
if (![seeds, first, steps].every(Number.isInteger) || seeds < 1 || steps < 1) {
  console.error("usage: npm run sweep:websocket -- [SEEDS>=1] [FIRST_SEED] [STEPS>=1]");
  process.exit(2);
}
const started = performance.now();
const total = { connections: 0, sent: 0, refused: 0, received: 0, cleanCloses: 0, drops: 0, heartbeatTimeouts: 0 };
let failing = 0;
for (let seed = first; seed < first + seeds; seed++) {
  const outcome = await runWebSocketLifecycle(seed, steps);
  for (const k of Object.keys(total) as (keyof typeof total)[]) total[k] += outcome.counts[k];
  if (outcome.problems.length > 0) {
    failing++;
    console.log(`seed ${seed}: ${outcome.problems.length} problem(s)\n  ${outcome.problems.join("\n  ")}`);
  }
  if ((seed - first + 1) % 25 === 0) console.log(`${seed - first + 1} seeds, ${failing} failing, ${((performance.now() - started) / 1000).toFixed(1)} s`);
}
console.log(
  `websocket lifecycle sweep: seeds ${first}..${first + seeds - 1}, ${steps} steps each, in ${((performance.now() - started) / 1000).toFixed(1)} s: ` +
    `${total.connections} connections, ${total.sent} messages sent (${total.refused} refused by the outbound limits), ${total.received} received; ` +
    `${total.cleanCloses} clean closes, ${total.drops} drops, ${total.heartbeatTimeouts} heartbeat timeouts; ` +
    (failing === 0 ? "no failure" : `${failing} failing seeds`),
);
process.exit(failing === 0 ? 0 : 1);
