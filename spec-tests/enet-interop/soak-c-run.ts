// The long run of the randomized C ENet soak (soak-c.ts), outside `npm test`:
//   npm run soak:enet-c -- [RUNS=20] [FIRST_SEED=1] [MAX_MESSAGES=2000] [MAX_LOSS=0.15]
// One line per seed; exits 1 if any seed broke a delivery rule.
import { buildEnetPeer } from "./harness.ts";
import { describeResult, drawPlan, runSoak } from "./soak-c.ts";

const [runs = 20, first = 1, maxMessages = 2000, maxLoss = 0.15] = process.argv.slice(2).map(Number);
const built = buildEnetPeer();
if ("skip" in built) {
  console.error(`soak:enet-c needs the C harness: ${built.skip}`);
  process.exit(2);
}
let failed = 0;
const started = performance.now();
for (let seed = first; seed < first + runs; seed++) {
  const result = await runSoak(drawPlan(seed, { maxMessages, maxLoss }), built.path);
  console.log(describeResult(result));
  if (result.failures.length > 0) failed++;
}
console.log(`soak:enet-c: ${runs} seeds from ${first} in ${((performance.now() - started) / 1000).toFixed(1)} s; ${failed === 0 ? "no failure" : `${failed} failed`}`);
process.exit(failed === 0 ? 0 : 1);
