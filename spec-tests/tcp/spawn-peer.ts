// Spawn a peer process (python3 or another JS runtime) for interop tests, read the
// "PORT n" / "READY" line it prints, and make sure it dies with the test.
import { spawn, type ChildProcess } from "node:child_process";
import { fileURLToPath } from "node:url";
import { dirname, join } from "node:path";

export const ROOT = join(dirname(fileURLToPath(import.meta.url)), "..", "..");
export const PYTHON = "/usr/bin/python3";
export const PY_PEER = join(ROOT, "spec-tests", "tcp", "peers", "stream_peer.py");

export interface Peer {
  proc: ChildProcess;
  /** The first line matching `PORT n`/`READY ...`, once printed. */
  ready: Promise<string>;
  /** Exit code and the output once the process ends. */
  exited: Promise<{ code: number | null; stdout: string; stderr: string }>;
  kill(): void;
}

export function spawnPeer(cmd: string, args: string[], timeoutMs = 20_000): Peer {
  const proc = spawn(cmd, args, { cwd: ROOT, stdio: ["ignore", "pipe", "pipe"], env: { ...process.env, NO_COLOR: "1" } });
  let stdout = "";
  let stderr = "";
  let onReady: (line: string) => void = () => {};
  let onFail: (e: Error) => void = () => {};
  const ready = new Promise<string>((resolve, reject) => {
    onReady = resolve;
    onFail = reject;
  });
  ready.catch(() => {});
  proc.stdout!.setEncoding("utf8");
  proc.stderr!.setEncoding("utf8");
  proc.stdout!.on("data", (s: string) => {
    stdout += s;
    const m = /^(PORT \d+|READY.*)$/m.exec(stdout);
    if (m) onReady(m[1]);
  });
  proc.stderr!.on("data", (s: string) => (stderr += s));
  const killer = setTimeout(() => proc.kill("SIGKILL"), timeoutMs);
  const exited = new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => {
    proc.on("close", (code) => {
      clearTimeout(killer);
      onFail(new Error(`peer exited (${code}) before becoming ready: ${stderr || stdout}`));
      resolve({ code, stdout, stderr });
    });
    proc.on("error", (err) => {
      clearTimeout(killer);
      onFail(err);
      resolve({ code: -1, stdout, stderr: String(err) });
    });
  });
  return {
    proc,
    ready,
    exited,
    kill: () => {
      if (proc.exitCode === null && proc.signalCode === null) proc.kill("SIGKILL");
    },
  };
}

export function spawnPython(...args: string[]): Peer {
  return spawnPeer(PYTHON, [PY_PEER, ...args]);
}

export async function peerPort(peer: Peer): Promise<number> {
  const line = await peer.ready;
  return Number(line.slice(5));
}

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Wait until `cond()` holds, polling every few ms; throws after `timeoutMs`. */
export async function until(cond: () => boolean, what: string, timeoutMs = 5000): Promise<void> {
  const start = Date.now();
  while (!cond()) {
    if (Date.now() - start > timeoutMs) throw new Error(`timed out waiting for ${what}`);
    await sleep(2);
  }
}
