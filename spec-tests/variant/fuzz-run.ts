// The long Variant fuzz run: `npm run fuzz:variant [-- iterations [seed]]`
// (default 1,000,000 mutated inputs per protocol). Exits non-zero on a failure.
import { fuzzVariantDecoder } from "./fuzz.ts";

const argv = (globalThis as { process?: { argv?: string[] } }).process?.argv ?? [];
const iterations = Number(argv[2] ?? 1_000_000);
const seed = Number(argv[3] ?? Date.now() % 0x7fffffff);
let failed = false;
for (const protocol of ["godot4", "godot3"] as const) {
  const started = performance.now();
  const stats = fuzzVariantDecoder(protocol, seed, iterations);
  const seconds = (performance.now() - started) / 1000;
  console.log(
    `${protocol}: seed ${seed}, ${stats.inputs} inputs (${stats.decoded} decoded, ${stats.rejected} rejected), ` +
      `slowest ${stats.maxCaseMs.toFixed(1)} ms, ${seconds.toFixed(1)} s`,
  );
  for (const f of stats.failures) console.log(`  FAIL ${f}`);
  if (stats.failures.length) failed = true;
}
if (failed) (globalThis as { process?: { exitCode?: number } }).process!.exitCode = 1;
