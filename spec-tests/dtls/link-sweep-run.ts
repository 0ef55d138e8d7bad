/**
 * `npm run sweep:dtls`: ENet over DTLS across random simulated links (link-sweep.ts), one line per
 * failing seed and a closing summary; exit 1 on any failure.
 * Usage: npm run sweep:dtls [-- SEEDS [FIRST_SEED]]
 */
import { describeDtlsCase, drawDtlsCase, runDtlsCase } from "./link-sweep.ts";

const seeds = Number(process.argv[2] ?? 200);
const firstSeed = Number(process.argv[3] ?? 1);
const started = performance.now();
let failures = 0;
let simulatedMs = 0;
for (let seed = firstSeed; seed < firstSeed + seeds; seed++) {
  const outcome = await runDtlsCase(drawDtlsCase(seed));
  simulatedMs += outcome.simulatedMs;
  if (outcome.problems.length > 0) {
    failures++;
    console.log(`FAIL ${describeDtlsCase(outcome.case)}: ${outcome.problems.slice(0, 5).join("; ")}`);
  }
  if ((seed - firstSeed + 1) % 25 === 0) console.log(`${seed - firstSeed + 1} seeds, ${failures} failing, ${((performance.now() - started) / 1000).toFixed(1)} s`);
}
console.log(
  `dtls link sweep: seeds ${firstSeed}..${firstSeed + seeds - 1}, ${(simulatedMs / 60_000).toFixed(1)} min simulated in ` +
    `${((performance.now() - started) / 1000).toFixed(1)} s; ${failures === 0 ? "no failure" : `${failures} FAILURES`}`,
);
process.exitCode = failures === 0 ? 0 : 1;
