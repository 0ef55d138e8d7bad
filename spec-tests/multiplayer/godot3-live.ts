/**
 * Running spec-tests/godot/multiplayer/mp_node.gd (Godot 3.2.3, godot3-server) for the live
 * multiplayer interop tests, and polling our peers in real time with bounded waits.
 */
import { createServer } from "node:net";
import { join } from "node:path";
import { JsonLineProcess, repoRoot, type PeerEvent } from "../enet-interop/harness.ts";
import type { MultiplayerPeer } from "../../src/multiplayer/index.ts";

export { godotAvailable, freeUdpPort } from "../enet-interop/godot.ts";
export type { PeerEvent, JsonLineProcess };

export const nodeProjectDir = join(repoRoot, "spec-tests", "godot", "multiplayer");

/** Every Godot process a test file started, killed in its after() hook whatever happened. */
export const started: JsonLineProcess[] = [];

/** Our own peers a test file created, closed in its after() hook so a failed test cannot keep the process alive. */
export const ours: MultiplayerPeer[] = [];

export function track<T extends MultiplayerPeer>(peer: T): T {
  ours.push(peer);
  return peer;
}

export function killAll(): void {
  for (const p of started) p.kill();
  for (const p of ours) p.close();
}

/** Run mp_node.gd with key=value arguments; resolves once it printed `ready` without an error. */
export async function startNode(args: Record<string, string | number>): Promise<JsonLineProcess> {
  const argv = ["--path", nodeProjectDir, "-s", "mp_node.gd", "--", ...Object.entries(args).map(([k, v]) => `${k}=${v}`)];
  const proc = new JsonLineProcess("godot3-server", argv, { cwd: nodeProjectDir });
  started.push(proc);
  const ready = await proc.waitFor((e) => e.ev === "ready", 15000);
  if (ready.err !== 0) throw new Error(`Godot node failed to start: ${JSON.stringify(ready)}`);
  return proc;
}

/** A TCP port that was free a moment ago. */
export function freeTcpPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once("error", reject);
    s.listen(0, "127.0.0.1", () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Poll our peers every 2 ms until `done()` holds; throws naming `what` (and the Godot output) after `ms`. */
export async function until(peers: MultiplayerPeer[], done: () => boolean, what: string, ms = 8000, procs: JsonLineProcess[] = []): Promise<void> {
  const end = Date.now() + ms;
  for (;;) {
    for (const p of peers) p.poll();
    if (done()) return;
    if (Date.now() > end) {
      const tail = procs.map((p, i) => `godot #${i}:\n${p.events.slice(-12).map((e) => JSON.stringify(e)).join("\n")}\n${p.stderr.join("").slice(-800)}`).join("\n");
      throw new Error(`timed out after ${ms} ms waiting for ${what}\n${tail}`);
    }
    await sleep(2);
  }
}

/** Poll our peers for `ms` real milliseconds. */
export async function pollFor(peers: MultiplayerPeer[], ms: number): Promise<void> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    for (const p of peers) p.poll();
    await sleep(2);
  }
}

export const has = (proc: JsonLineProcess, pred: (e: PeerEvent) => boolean): boolean => proc.events.some(pred);
export const receivedTexts = (proc: JsonLineProcess): string[] => proc.events.filter((e) => e.ev === "receive").map((e) => `${e.from}:${e.text}`);

/** Poll our peers until the Godot process printed an event matching `pred`. */
export async function untilEvent(peers: MultiplayerPeer[], proc: JsonLineProcess, pred: (e: PeerEvent) => boolean, what: string, ms = 8000): Promise<PeerEvent> {
  let found: PeerEvent | undefined;
  await until(peers, () => (found = proc.events.find(pred)) !== undefined, what, ms, [proc]);
  return found!;
}
