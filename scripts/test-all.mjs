#!/usr/bin/env node
// Runs the one spec suite (spec-tests/**/*.test.ts) on Node, then Deno, then Bun,
// and ends with one summary line per runtime. Exit code is non-zero if any runtime failed.
// PACKETPEER_RUNTIMES=node,deno limits the runtimes; extra arguments filter test files by substring.
import { spawnSync } from "node:child_process";
import { readdirSync, statSync } from "node:fs";
import { join, relative } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(fileURLToPath(import.meta.url), "..", "..");
const bin = (name) => join(root, "node_modules", ".bin", name);

function findTests(dir) {
  const out = [];
  for (const entry of readdirSync(dir)) {
    const p = join(dir, entry);
    if (statSync(p).isDirectory()) out.push(...findTests(p));
    else if (entry.endsWith(".test.ts")) out.push(relative(root, p));
  }
  return out.sort();
}

const filters = process.argv.slice(2);
const files = findTests(join(root, "spec-tests")).filter(
  (f) => filters.length === 0 || filters.some((x) => f.includes(x)),
);
if (files.length === 0) {
  console.error("no test files matched");
  process.exit(1);
}

const runtimes = (process.env.PACKETPEER_RUNTIMES ?? "node,deno,bun").split(",").map((s) => s.trim());
const commands = {
  node: [process.execPath, ["--import", "tsx", "--test", "--test-timeout=180000", "--test-concurrency=2", ...files]],
  deno: [bin("deno"), ["test", "-A", "--unstable-net", "--no-check", "--quiet", ...files]],
  bun: [bin("bun"), ["test", "--timeout", "180000", ...files.map((f) => "./" + f)]],
};

/** Upper bound for one runtime's whole run (the suite takes 1-2 minutes per runtime). */
const RUNTIME_TIMEOUT_MS = 15 * 60 * 1000;

const results = [];
for (const rt of runtimes) {
  const cmd = commands[rt];
  if (!cmd) {
    console.error(`unknown runtime ${rt}`);
    process.exit(2);
  }
  console.log(`\n===== ${rt}: ${files.length} spec files =====`);
  const started = Date.now();
  const r = spawnSync(cmd[0], cmd[1], {
    cwd: root,
    stdio: "inherit",
    env: { ...process.env, PACKETPEER_TEST_RUNTIME: rt, NO_COLOR: "1" },
    // Deno's test runner has no per-test timeout: a hang must still end the run.
    timeout: RUNTIME_TIMEOUT_MS,
    killSignal: "SIGKILL",
  });
  const seconds = ((Date.now() - started) / 1000).toFixed(1);
  results.push({ rt, ok: r.status === 0, status: r.status ?? r.signal, seconds });
}

console.log("\n===== summary =====");
for (const r of results) {
  console.log(`${r.rt}: ${r.ok ? "PASS" : `FAIL (exit ${r.status})`} in ${r.seconds}s`);
}
const failed = results.filter((r) => !r.ok).map((r) => r.rt);
console.log(failed.length === 0 ? `all ${results.length} runtimes passed` : `FAILED on: ${failed.join(", ")}`);
process.exit(failed.length === 0 ? 0 : 1);
