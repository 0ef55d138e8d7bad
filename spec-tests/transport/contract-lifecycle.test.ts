// Transport contract, lifecycle: after close() nothing keeps the process alive.
// A child process of this same runtime opens UDP, TCP, unix and TLS sockets through
// the default adapter, uses and closes them, and must then exit by itself.
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { spawn, spawnSync } from "node:child_process";
import { chmodSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
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

function runChild(cmd: [string, string[]], limitMs: number, extraEnv: Record<string, string> = {}): Promise<ChildResult> {
  return new Promise((resolve) => {
    const child = spawn(cmd[0], cmd[1], { cwd: ROOT, stdio: ["ignore", "pipe", "pipe"], env: { ...process.env, NO_COLOR: "1", ...extraEnv } });
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

const NOBODY = "65534";

/**
 * Why the permission test cannot run here, or null. It needs root (to drop to an
 * unprivileged user with setpriv), privileged ports below 1024, and a checkout
 * that user can read.
 */
function permissionTestBlocked(): string | null {
  if (process.platform !== "linux") return "needs Linux";
  if (process.getuid?.() !== 0) return "needs root to run a child as an unprivileged user";
  try {
    const start = Number(readFileSync("/proc/sys/net/ipv4/ip_unprivileged_port_start", "utf8").trim());
    if (start <= 1) return `ports from ${start} up are unprivileged on this machine`;
  } catch {
    // assume the classic 1024
  }
  const probe = spawnSync("setpriv", ["--reuid", NOBODY, "--regid", NOBODY, "--clear-groups", "test", "-r", CHILD], { encoding: "utf8" });
  if (probe.error) return "setpriv (util-linux) not found";
  if (probe.status !== 0) return `user ${NOBODY} cannot read ${CHILD}`;
  return null;
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

  const blocked = permissionTestBlocked();
  if (blocked) console.log(`skipping permission test: ${blocked}`);
  test("permission denied (privileged port, unwritable unix path) is NetError(ERR_UNAUTHORIZED)", { skip: blocked ?? false }, async () => {
    const scratch = mkdtempSync(join(tmpdir(), "packetpeer-nobody-"));
    // Writable by the unprivileged child for runtime caches; the unix path goes in a directory it may not write.
    chmodSync(scratch, 0o777);
    const forbidden = mkdtempSync(join(tmpdir(), "packetpeer-forbidden-"));
    chmodSync(forbidden, 0o755);
    try {
      const [cmd, args] = childCommand(["privileged", forbidden]);
      const r = await runChild(["setpriv", ["--reuid", NOBODY, "--regid", NOBODY, "--clear-groups", cmd, ...args]], 12000, {
        HOME: scratch,
        DENO_DIR: join(scratch, "deno"),
        TMPDIR: scratch,
      });
      assert.equal(r.killed, false);
      for (const kind of ["UDP", "TCP", "UNIX"]) {
        const line = r.stdout.split("\n").find((l) => l.startsWith(`${kind} `));
        assert.ok(line, `${kind} result missing (stdout: ${r.stdout} stderr: ${r.stderr})`);
        assert.match(line, /^\w+ ERR_UNAUTHORIZED /, line);
      }
      assert.match(r.stdout, /UDP .*127\.0\.0\.1:1\b/, "message names the address and port");
      assert.ok(r.stdout.includes(join(forbidden, "forbidden.sock")), "message names the path");
    } finally {
      rmSync(scratch, { recursive: true, force: true });
      rmSync(forbidden, { recursive: true, force: true });
    }
  });
});
