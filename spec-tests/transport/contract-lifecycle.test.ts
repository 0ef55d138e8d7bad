// Transport contract, lifecycle: after close() nothing keeps the process alive.
// A child process of this same runtime opens UDP, TCP, unix and TLS sockets through
// the default adapter, uses and closes them, and must then exit by itself.
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import { currentRuntime } from "./support/bounded.ts";

const CHILD = fileURLToPath(new URL("./support/lifecycle-child.ts", import.meta.url));
const ROOT = fileURLToPath(new URL("../..", import.meta.url));

/** Command line that runs a TypeScript file on the runtime running this test. */
function childCommand(args: string[], unstableNet = true): [string, string[]] {
  const rt = currentRuntime();
  if (rt === "deno") return [process.execPath, ["run", "-A", ...(unstableNet ? ["--unstable-net"] : []), CHILD, ...args]];
  if (rt === "bun") return [process.execPath, [CHILD, ...args]];
  return [process.execPath, ["--import", "tsx", CHILD, ...args]];
}

interface ChildResult {
  code: number | null;
  stdout: string;
  stderr: string;
  /** Milliseconds from printing "done" to the process exiting. */
  exitLagMs: number | null;
  killed: boolean;
}

function runChild(cmd: [string, string[]], limitMs: number): Promise<ChildResult> {
  return new Promise((resolve) => {
    const child = spawn(cmd[0], cmd[1], { cwd: ROOT, stdio: ["ignore", "pipe", "pipe"], env: { ...process.env, NO_COLOR: "1" } });
    let stdout = "";
    let stderr = "";
    let doneAt: number | null = null;
    let killed = false;
    child.stdout.on("data", (d: Buffer) => {
      stdout += d.toString();
      if (doneAt === null && /^done$/m.test(stdout)) doneAt = Date.now();
    });
    child.stderr.on("data", (d: Buffer) => {
      stderr += d.toString();
    });
    const timer = setTimeout(() => {
      killed = true;
      child.kill("SIGKILL");
    }, limitMs);
    child.on("close", (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr, exitLagMs: doneAt === null ? null : Date.now() - doneAt, killed });
    });
  });
}

describe(`transport lifecycle (${currentRuntime()})`, () => {
  test("after closing UDP, TCP, unix and TLS sockets the process exits by itself", async () => {
    const r = await runChild(childCommand(["all"]), 12000);
    assert.match(r.stdout, /^done$/m, `child finished its work (stdout: ${r.stdout} stderr: ${r.stderr})`);
    assert.equal(r.killed, false, `child still running ${r.exitLagMs} ms after closing everything: something keeps it alive`);
    assert.equal(r.code, 0, r.stderr);
    assert.ok(r.exitLagMs !== null && r.exitLagMs < 3000, `exit ${r.exitLagMs} ms after done`);
  });

  test("Deno without --unstable-net: UDP bind is NetError(ERR_UNAVAILABLE) naming the flag", { skip: currentRuntime() !== "deno" ? "Deno only" : false }, async () => {
    const r = await runChild(childCommand(["udp-probe"], false), 12000);
    assert.equal(r.killed, false);
    assert.match(r.stdout, /^ERR_UNAVAILABLE .*--unstable-net/m, r.stdout + r.stderr);
  });
});
