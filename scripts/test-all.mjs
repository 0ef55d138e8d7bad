#!/usr/bin/env node
// Runs the one spec suite (spec-tests/**/*.test.ts) on Node, then Deno, then Bun,
// and ends with one summary line per runtime. Exit code is non-zero if any runtime failed.
// PACKETPEER_RUNTIMES=node,deno limits the runtimes; extra arguments filter test files by substring.
// Live Godot 4.6 tests (*.godot4.test.ts: Godot's web build in headless Chromium, driven from Node
// by playwright-core) run once, in the Node run only; the build is fetched first when missing.
import { spawnSync } from "node:child_process";
import { existsSync, readdirSync, statSync } from "node:fs";
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

/** Files that drive the Godot 4.6 web build: Node only, once (the browser does not depend on the runtime). */
const isGodot4 = (f) => f.endsWith(".godot4.test.ts");
const everyRuntimeFiles = files.filter((f) => !isGodot4(f));
const godot4Files = files.filter(isGodot4);

const runtimes = (process.env.PACKETPEER_RUNTIMES ?? "node,deno,bun").split(",").map((s) => s.trim());
const runFiles = {
  node: files,
  deno: everyRuntimeFiles,
  bun: everyRuntimeFiles,
};
/** Registers the Node/Deno/Bun adapters before any spec (specs import modules by path, not the entry). */
const preload = "./spec-tests/register-runtimes.ts";
const commands = {
  node: [process.execPath, ["--import", "tsx", "--import", preload, "--test", "--test-timeout=180000", "--test-concurrency=2", ...runFiles.node]],
  deno: [bin("deno"), ["test", "-A", "--unstable-net", "--no-check", "--quiet", "--preload", preload, ...runFiles.deno]],
  bun: [bin("bun"), ["test", "--preload", preload, "--timeout", "180000", ...runFiles.bun.map((f) => "./" + f)]],
};

// A fresh clone has no Godot 4.6 build yet: fetch it (pinned, sha256-checked). Without network the
// live tests skip with the reason instead of failing.
if (runtimes.includes("node") && godot4Files.length > 0 && !existsSync(join(process.env.PACKETPEER_GODOT4_DIR ?? join(root, ".cache", "godot4"), "index.wasm"))) {
  const fetched = spawnSync(process.execPath, [join(root, "scripts", "fetch-godot4.mjs")], { cwd: root, stdio: "inherit" });
  if (fetched.status !== 0) console.warn("warning: could not fetch the Godot 4.6 web build; its live tests will skip");
}

/** Upper bound for one runtime's whole run (the suite takes 1-2 minutes per runtime). */
const RUNTIME_TIMEOUT_MS = 15 * 60 * 1000;

const results = [];
for (const rt of runtimes) {
  const cmd = commands[rt];
  if (!cmd) {
    console.error(`unknown runtime ${rt}`);
    process.exit(2);
  }
  if (runFiles[rt]?.length === 0) {
    console.log(`\n===== ${rt}: no spec files for this runtime =====`);
    results.push({ rt, ok: true, status: 0, seconds: "0.0" });
    continue;
  }
  console.log(`\n===== ${rt}: ${cmd[1].filter((a) => a.endsWith(".test.ts")).length} spec files =====`);
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
