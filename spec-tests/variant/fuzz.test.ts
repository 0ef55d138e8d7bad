// A seeded slice of the Variant decoder fuzzing (both protocols) on every run.
// The long run: `npm run fuzz:variant` (1,000,000 inputs per protocol), or set
// PACKETPEER_VARIANT_FUZZ_ITERATIONS for this file.
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { fuzzVariantDecoder } from "./fuzz.ts";

const env = (globalThis as { process?: { env?: Record<string, string | undefined> } }).process?.env;
const ITERATIONS = Number(env?.PACKETPEER_VARIANT_FUZZ_ITERATIONS ?? 15_000);
/** No single decode of these small inputs may take this long (generous for slow CI machines). */
const MAX_CASE_MS = 1500;

describe("Variant decoder under mutated input", () => {
  for (const protocol of ["godot4", "godot3"] as const) {
    test(`${protocol}: ${ITERATIONS} inputs decode or fail with NetError; decoded values re-encode canonically`, () => {
      const stats = fuzzVariantDecoder(protocol, protocol === "godot4" ? 0x4f22 : 0x3f22, ITERATIONS);
      assert.deepEqual(stats.failures, []);
      assert.equal(stats.inputs, ITERATIONS);
      assert.ok(stats.decoded > ITERATIONS / 20 && stats.rejected > ITERATIONS / 20, `both outcomes exercised: ${JSON.stringify(stats)}`);
      assert.ok(stats.maxCaseMs < MAX_CASE_MS, `slowest case ${stats.maxCaseMs.toFixed(1)} ms`);
    });
  }
});
