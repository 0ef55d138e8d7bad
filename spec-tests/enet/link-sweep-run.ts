/**
 * `npm run sweep:enet`: the random-link sweep of link-sweep.ts over many seeds (1,000 by default),
 * one line per failing seed and a closing summary; exit 1 on any failure.
 * Usage: npm run sweep:enet [-- SEEDS [FIRST_SEED]]
 */
import { describeCase, drawCase, runCase } from "./link-sweep.ts";

const seeds = Number(process.argv[2] ?? 1000);
const firstSeed = Number(process.argv[3] ?? 1000);
const started = performance.now();
let failures = 0;
let simulatedMs = 0;
for (let seed = firstSeed; seed < firstSeed + seeds; seed++) {
  const outcome = runCase(drawCase(seed));
  simulatedMs += outcome.simulatedMs;
  if (outcome.problems.length > 0) {
    failures++;
    console.log(`FAIL ${describeCase(outcome.case)}: ${outcome.problems.join("; ")}`);
  }
  if ((seed - firstSeed + 1) % 100 === 0) console.log(`${seed - firstSeed + 1} seeds, ${failures} failing, ${((performance.now() - started) / 1000).toFixed(1)} s`);
}
console.log(
  `enet link sweep: seeds ${firstSeed}..${firstSeed + seeds - 1}, ${(simulatedMs / 3_600_000).toFixed(1)} h simulated in ` +
    `${((performance.now() - started) / 1000).toFixed(1)} s; ${failures === 0 ? "no failure" : `${failures} FAILURES`}`,
);
process.exitCode = failures === 0 ? 0 : 1;
