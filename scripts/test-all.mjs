#!/usr/bin/env node
// Runs the one spec suite (spec-tests/**/*.test.ts) on Node, then on Deno and Bun side by side,
// and ends with one summary line per runtime. Exit code is non-zero if any runtime failed.
// PACKETPEER_RUNTIMES=node,deno limits the runtimes; extra arguments filter test files by substring.
// Live Godot 4.6 tests (*.godot4.test.ts: Godot's web build in headless Chromium, driven from Node
// by playwright-core) run once, in the Node run only; the build is fetched first when missing.
import { spawn, spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, readdirSync, rmSync, statSync } from "node:fs";
import { join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import sax from "sax";

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
/**
 * Each runtime also writes a JUnit report here, next to its usual console output, so that the
 * closing summary can name every failed test: a CI log is often read from its end, where the
 * first runtime's own failure list has long scrolled away.
 */
const reportDir = join(root, ".cache", "test-reports");
const reportOf = (rt) => join(reportDir, `${rt}.xml`);
/**
 * Node's --test-timeout bounds each spec file as a whole too (every file is a test of its own
 * process), not only each test in it: examples.test.ts, which starts dozens of processes, takes
 * about 90 s alone and took over 180 s on a loaded 2-core machine. A hang still ends here, and
 * SILENCE_LIMIT_MS ends a run that has stopped printing.
 */
const NODE_TEST_TIMEOUT_MS = 600_000;
const commands = {
  node: [process.execPath, ["--import", "tsx", "--import", preload, "--test", `--test-timeout=${NODE_TEST_TIMEOUT_MS}`, "--test-concurrency=2",
    "--test-reporter=spec", "--test-reporter-destination=stdout", "--test-reporter=junit", `--test-reporter-destination=${reportOf("node")}`,
    ...runFiles.node]],
  deno: [bin("deno"), ["test", "-A", "--unstable-net", "--no-check", "--quiet", `--junit-path=${reportOf("deno")}`, "--preload", preload, ...runFiles.deno]],
  bun: [bin("bun"), ["test", "--preload", preload, "--timeout", "180000", "--reporter=junit", `--reporter-outfile=${reportOf("bun")}`, ...runFiles.bun.map((f) => "./" + f)]],
};

// A fresh clone has no Godot 4.6 build yet: fetch it (pinned, sha256-checked). Without network the
// live tests skip with the reason instead of failing.
if (runtimes.includes("node") && godot4Files.length > 0 && !existsSync(join(process.env.PACKETPEER_GODOT4_DIR ?? join(root, ".cache", "godot4"), "index.wasm"))) {
  const fetched = spawnSync(process.execPath, [join(root, "scripts", "fetch-godot4.mjs")], { cwd: root, stdio: "inherit" });
  if (fetched.status !== 0) console.warn("warning: could not fetch the Godot 4.6 web build; its live tests will skip");
}

/**
 * A runtime's run is ended (SIGKILL) once it has printed nothing for this long: Deno's test runner
 * has no per-test timeout, so a hang must still end the run. Silence, not the length of the whole
 * run, because that length is the machine's: Node's run, the file groups timed one after another
 * on half of one CPU, came to about 16 minutes, past the 15-minute bound this replaced, with every
 * test passing. Longer than Node's --test-timeout, which ends a hung file first and names it.
 */
const SILENCE_LIMIT_MS = 15 * 60 * 1000;
/** And in any case after this long, should a runtime keep printing without end. */
const RUNTIME_LIMIT_MS = 90 * 60 * 1000;

/**
 * Runs one runtime's test command, its output passed through as it comes, or kept in `held` to be
 * printed later, and timed for SILENCE_LIMIT_MS either way. Resolves with its exit status or
 * signal, and why it was killed (null if it was not).
 */
function runRuntime(command, args, env, held = null) {
  return new Promise((resolve) => {
    const child = spawn(command, args, { cwd: root, stdio: ["inherit", "pipe", "pipe"], env });
    const started = Date.now();
    let lastOutput = started;
    let killed = null;
    const pass = (to) => (chunk) => {
      lastOutput = Date.now();
      if (held !== null) held.write(to, chunk);
      else to.write(chunk);
    };
    child.stdout.on("data", pass(process.stdout));
    child.stderr.on("data", pass(process.stderr));
    const minutes = (ms) => (ms / 60_000).toFixed(1);
    const watch = setInterval(() => {
      const now = Date.now();
      if (killed !== null) return;
      if (now - lastOutput > SILENCE_LIMIT_MS) killed = `after ${minutes(now - lastOutput)} minutes without output`;
      else if (now - started > RUNTIME_LIMIT_MS) killed = `after ${minutes(now - started)} minutes`;
      if (killed !== null) child.kill("SIGKILL");
    }, 5_000);
    let settled = false;
    let drainTimer;
    const settle = (status, signal) => {
      if (settled) return;
      settled = true;
      clearInterval(watch);
      clearTimeout(drainTimer);
      resolve({ status, signal, killed });
    };
    child.on("error", (err) => {
      console.error(`cannot run ${command}: ${err.message}`);
      settle(null, null);
    });
    // "close" waits for the output pipes, which a process the tests left behind may hold open:
    // after the exit, what is still in them gets a few seconds.
    child.on("exit", (status, signal) => {
      drainTimer = setTimeout(() => {
        child.stdout.destroy();
        child.stderr.destroy();
        settle(status, signal);
      }, 5_000);
    });
    child.on("close", (status, signal) => settle(status, signal));
  });
}

rmSync(reportDir, { recursive: true, force: true });
mkdirSync(reportDir, { recursive: true });

/**
 * Node's run goes first and alone: it already runs two files at a time (--test-concurrency=2),
 * and drives Chromium. Deno's and Bun's runners take one file at a time, so the two of them run
 * side by side after it, one core each: the same load as Node's run, in about the time of the
 * longer one instead of both (CI on this 2-core machine: Deno ~165 s and Bun ~120 s one after the
 * other). The second one's output is held and printed whole when the first has ended, so the log
 * reads one runtime at a time. PACKETPEER_SEQUENTIAL=1 runs them one after another instead.
 */
const sequential = process.env.PACKETPEER_SEQUENTIAL === "1";

/** A runtime's output kept back (write) until release(), which prints it and lets the rest through as it comes. */
class HeldOutput {
  chunks = [];
  released = false;
  write(to, chunk) {
    if (this.released) to.write(chunk);
    else this.chunks.push([to, chunk]);
  }
  release() {
    for (const [to, chunk] of this.chunks) to.write(chunk);
    this.chunks = [];
    this.released = true;
  }
}

/** One runtime's run, from its header to its result; `held` as in runRuntime. */
async function runOne(rt, held = null) {
  const cmd = commands[rt];
  const say = (line) => (held !== null ? held.write(process.stdout, line + "\n") : console.log(line));
  if (runFiles[rt]?.length === 0) {
    say(`\n===== ${rt}: no spec files for this runtime =====`);
    return { rt, ok: true, status: 0, seconds: "0.0" };
  }
  say(`\n===== ${rt}: ${cmd[1].filter((a) => a.endsWith(".test.ts")).length} spec files =====`);
  const started = Date.now();
  const r = await runRuntime(cmd[0], cmd[1], { ...process.env, PACKETPEER_TEST_RUNTIME: rt, NO_COLOR: "1" }, held);
  const seconds = ((Date.now() - started) / 1000).toFixed(1);
  if (r.killed !== null) say(`\n===== ${rt}: killed ${r.killed} =====`);
  return { rt, ok: r.status === 0, status: r.status ?? r.signal, seconds };
}

for (const rt of runtimes) {
  if (!commands[rt]) {
    console.error(`unknown runtime ${rt}`);
    process.exit(2);
  }
}
const results = [];
const alongside = sequential ? [] : runtimes.filter((rt) => rt === "deno" || rt === "bun");
for (const rt of runtimes.filter((r) => !alongside.includes(r))) results.push(await runOne(rt));
if (alongside.length > 0) {
  const [live, ...later] = alongside;
  const helds = later.map(() => new HeldOutput());
  const runs = [runOne(live), ...later.map((rt, i) => runOne(rt, helds[i]))];
  results.push(await runs[0]);
  for (let i = 0; i < later.length; i++) {
    helds[i].release();
    results.push(await runs[i + 1]);
  }
}

/**
 * Failed test cases of one JUnit report as "suite > ... > test: first line of the failure"
 * (testsuite nesting, and a testcase with a failure or error child, as all three writers emit);
 * a missing or unreadable report gives null, which the summary says.
 */
function failedTests(path) {
  let xml;
  try {
    xml = readFileSync(path, "utf8");
  } catch {
    return null;
  }
  const out = [];
  const suites = [];
  let current = null;
  const parser = sax.parser(true);
  parser.onopentag = ({ name, attributes, isSelfClosing }) => {
    if (name === "testsuite") {
      if (!isSelfClosing) suites.push(attributes.name ?? "");
    } else if (name === "testcase") {
      current = isSelfClosing ? null : { name: [...suites, attributes.name ?? "(unnamed)"].filter(Boolean).join(" > "), reported: false };
    } else if ((name === "failure" || name === "error") && current !== null && !current.reported) {
      current.reported = true;
      const message = attributes.message ?? "";
      // Deno also fails the parent of a failed step; the step itself is listed.
      if (!/^\d+ test steps? failed/.test(message)) out.push(`${current.name}: ${message.split("\n")[0].slice(0, 300)}`);
    }
  };
  parser.onclosetag = (name) => {
    if (name === "testsuite") suites.pop();
    else if (name === "testcase") current = null;
  };
  try {
    parser.write(xml).close();
  } catch {
    // A report cut short (the runtime was killed while writing it): keep what was read.
  }
  return out;
}

console.log("\n===== summary =====");
for (const r of results) {
  console.log(`${r.rt}: ${r.ok ? "PASS" : `FAIL (exit ${r.status})`} in ${r.seconds}s`);
  if (r.ok) continue;
  // Only a failed runtime's report is read.
  const failures = failedTests(reportOf(r.rt));
  if (failures === null) console.log("  (no JUnit report was written: the runtime stopped before its end)");
  else if (failures.length === 0) console.log("  (the JUnit report names no failed test: see the runtime's own output above)");
  for (const f of failures ?? []) console.log(`  failed: ${f}`);
}
const failed = results.filter((r) => !r.ok).map((r) => r.rt);
console.log(failed.length === 0 ? `all ${results.length} runtimes passed` : `FAILED on: ${failed.join(", ")}`);
process.exit(failed.length === 0 ? 0 : 1);
