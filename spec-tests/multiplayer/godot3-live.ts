/**
 * Running spec-tests/godot/multiplayer/mp_node.gd (Godot 3.2.3, godot3-server) for the live
 * multiplayer interop tests, and polling our peers in real time with bounded waits.
 */
import { createServer } from "node:net";
import { join } from "node:path";
import { JsonLineProcess, repoRoot, type PeerEvent } from "../enet-interop/harness.ts";
import assert from "node:assert/strict";
import { ConnectionStatus, type MultiplayerPeer } from "../../src/multiplayer/index.ts";
import { drain, recordEvents, type Received } from "./support.ts";

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

/**
 * Our two clients join a Godot server one after the other: each is connected to the server (1)
 * and greeted by it, Godot reports A's ID, and each client learns of the other (Godot's ADD message).
 */
export async function joinTwoClients<T extends MultiplayerPeer>(godot: JsonLineProcess, connect: () => Promise<T>) {
  const a = await connect();
  const la = recordEvents(a);
  const ra: Received[] = [];
  await until([a], () => drain(a, ra).length >= 1, "A connected and greeted", 8000, [godot]);
  const idA = a.getUniqueId();
  assert.deepEqual(la, ["+1"], "A is connected to the server");
  assert.equal(a.getConnectionStatus(), ConnectionStatus.CONNECTION_CONNECTED);
  // Godot prints the event on stdout and greets A over the socket: two pipes, either may be read first.
  await untilEvent([a], godot, (e) => e.ev === "peer_connected" && e.id === idA, "Godot saw A's ID");

  const b = await connect();
  const lb = recordEvents(b);
  const rb: Received[] = [];
  await until([a, b], () => drain(b, rb).length >= 1 && la.length >= 2 && lb.length >= 2, "B connected; ADD messages both ways", 8000, [godot]);
  const idB = b.getUniqueId();
  assert.deepEqual(la, ["+1", `+${idB}`], "A learnt of B from Godot's ADD message");
  assert.deepEqual(lb, ["+1", `+${idA}`], "B learnt of A from Godot's ADD message");
  assert.equal(rb[0]!.text, `greet:${idB}`);
  return { a, b, la, lb, ra, rb, idA, idB };
}

/**
 * A second Godot client (started with `args`, `talk: 1`) joins our server, where G1 (`id1`) is
 * already connected and its first two packets are in `got`. Both hear of each other, and every
 * packet they send — to the server, to each other, to everyone, to everyone but one — arrives
 * where its target says, relayed by our server, and nowhere else.
 */
export async function secondGodotClientTalks(
  server: MultiplayerPeer & { getDropCounters(): { spoofedSource: number } },
  args: Record<string, string | number>,
  g1: JsonLineProcess,
  id1: number,
  got: Received[],
): Promise<{ g2: JsonLineProcess; id2: number }> {
  const g2 = await startNode(args);
  const id2 = (await untilEvent([server], g2, (e) => e.ev === "connection_succeeded", "G2 connection_succeeded")).unique_id as number;
  await untilEvent([server], g1, (e) => e.ev === "peer_connected" && e.id === id2, "G1 told of G2");
  await untilEvent([server], g2, (e) => e.ev === "peer_connected" && e.id === id1, "G2 told of G1");
  await until([server], () => {
    drain(server, got);
    // Every packet each client is to get (the targeted one is sent before the broadcast, and
    // Godot may print them in different frames): then a pause in which nothing else may arrive.
    const g1texts = receivedTexts(g1);
    const g2texts = receivedTexts(g2);
    return (
      got.length >= 7 &&
      g1texts.includes(`${id2}:to:${id1}:from:${id2}`) &&
      g1texts.includes(`${id2}:all:${id2}`) &&
      g2texts.includes(`${id1}:to:${id2}:from:${id1}`) &&
      g2texts.includes(`${id1}:all:${id1}`)
    );
  }, "relayed packets", 8000, [g1, g2]);
  await pollFor([server], 200);
  drain(server, got);
  const atServer = got.slice(2).map((r) => `${r.from}:${r.text}`).sort();
  assert.deepEqual(atServer, [`${id2}:hello:${id2}`, `${id1}:all:${id1}`, `${id1}:notyou:${id1}`, `${id2}:all:${id2}`, `${id2}:notyou:${id2}`].sort());
  const g1got = receivedTexts(g1).filter((t) => t.startsWith(`${id2}:`)).sort();
  const g2got = receivedTexts(g2).filter((t) => t.startsWith(`${id1}:`)).sort();
  assert.deepEqual(g1got, [`${id2}:all:${id2}`, `${id2}:to:${id1}:from:${id2}`].sort(), "G1 got G2's targeted and broadcast packets, not the -G1 one");
  assert.deepEqual(g2got, [`${id1}:all:${id1}`, `${id1}:to:${id2}:from:${id1}`].sort());
  assert.equal(server.getDropCounters().spoofedSource, 0);
  return { g2, id2 };
}
