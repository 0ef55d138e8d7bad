// The examples' tests start the examples as child processes on 127.0.0.1: each child is bounded,
// its output collected, and any left running is ended with the test file (endChildren in after()).
import { spawn, type ChildProcessWithoutNullStreams } from "node:child_process";
import { createServer } from "node:net";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

export const root = join(fileURLToPath(import.meta.url), "..", "..", "..");

export interface Child {
  child: ChildProcessWithoutNullStreams;
  /** stdout and stderr so far, interleaved. */
  out: () => string;
  exit: Promise<number>;
}

const children: ChildProcessWithoutNullStreams[] = [];

/** Kill every child still running. */
export function endChildren(): void {
  for (const c of children) if (c.exitCode === null) c.kill("SIGKILL");
}

export function run(cmd: string, args: string[]): Child {
  const child = spawn(cmd, args, { cwd: root, env: { ...process.env, NO_COLOR: "1" } });
  children.push(child);
  let out = "";
  child.stdout.on("data", (d: Buffer) => (out += d.toString()));
  child.stderr.on("data", (d: Buffer) => (out += d.toString()));
  // A guard against a child outliving its test (endChildren ends any left as well): servers live
  // through their whole test, which on a loaded machine (a Godot web build booting beside them)
  // takes well over 30 s.
  const timer = setTimeout(() => child.kill("SIGKILL"), 120_000);
  // "close", not "exit": "exit" may come before the last of the child's output has been read.
  const exit = new Promise<number>((resolve) =>
    child.on("close", (code) => {
      clearTimeout(timer);
      resolve(code ?? -1);
    }),
  );
  return { child, out: () => out, exit };
}

/** A TypeScript file (and its arguments) run by Node through tsx, as the examples' README lines do. */
export const tsx = (args: string[]): Child => run(process.execPath, ["--import", "tsx", ...args]);

export async function until(what: string, check: () => boolean, ms = 20_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

/** A port free right now on 127.0.0.1, and port + 1 too (the browser example serves its page there). */
export async function freePort(): Promise<number> {
  for (;;) {
    const port = await new Promise<number>((resolve) => {
      const s = createServer().listen(0, "127.0.0.1", () => {
        const p = (s.address() as { port: number }).port;
        s.close(() => resolve(p));
      });
    });
    const next = await new Promise<boolean>((resolve) => {
      const s = createServer().once("error", () => resolve(false)).listen(port + 1, "127.0.0.1", () => s.close(() => resolve(true)));
    });
    if (next && port < 65535) return port;
  }
}
