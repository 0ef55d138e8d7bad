/** Helpers for the SceneMultiplayer tests: a TS server and clients on the simulated network. */
import { ENetMultiplayerPeer, WebSocketMultiplayerPeer } from "../../src/multiplayer/index.ts";
import { SceneMultiplayer, SceneMultiplayerEvent } from "../../src/scene/index.ts";
import { MemoryNetwork } from "../../src/transport/memory.ts";

export const SERVER = "10.0.0.1";

/**
 * Drop counters that must stay 0 between our own peers, whatever joins and leaves (churn's own
 * drops, such as unknownNode, badPathCache, badRelay or badReplication for peers and nodes that
 * went meanwhile, are not among them).
 */
export const UNEXPECTED_SCENE_DROPS = ["malformed", "badCommand", "unknownMethod", "forbidden", "rpcChecksumMismatch", "badArguments", "noHandler", "handlerErrors"] as const;

/** `mp`'s counts among UNEXPECTED_SCENE_DROPS that are not 0, as "name count" (empty when none). */
export function unexpectedSceneDrops(mp: SceneMultiplayer): string[] {
  const d = mp.getDropCounters();
  return UNEXPECTED_SCENE_DROPS.filter((k) => d[k] > 0).map((k) => `${k} ${d[k]}`);
}

export interface World {
  net: MemoryNetwork;
  server: SceneMultiplayer;
  clients: SceneMultiplayer[];
  all: SceneMultiplayer[];
  log: string[];
}

/** Record every signal of `mp` as "name:id" into `log`, prefixed with `who`. */
export function record(mp: SceneMultiplayer, who: string, log: string[]): void {
  for (const t of ["peer_connected", "peer_disconnected", "connected_to_server", "connection_failed", "server_disconnected", "peer_authenticating", "peer_authentication_failed"]) {
    mp.addEventListener(t, (e) => log.push(`${who} ${t}:${(e as SceneMultiplayerEvent).id}`));
  }
}

/** A server SceneMultiplayer on WebSocket and `n` client SceneMultiplayers; `setup` runs on each before it connects. */
export async function world(n: number, setup: (mp: SceneMultiplayer, i: number) => void = () => {}, seed = 7, protocol: "godot4" | "godot3" = "godot4"): Promise<World> {
  const net = new MemoryNetwork({ seed, defaultLink: { latencyMs: 2 } });
  const log: string[] = [];
  const serverPeer = new WebSocketMultiplayerPeer({ runtime: net.createRuntime(SERVER) });
  await serverPeer.createServer(8080, "*", undefined, { protocol });
  const server = new SceneMultiplayer({ clock: net.clock, protocol });
  record(server, "S", log);
  setup(server, 0);
  server.multiplayerPeer = serverPeer;
  const clients: SceneMultiplayer[] = [];
  for (let i = 0; i < n; i++) {
    const peer = new WebSocketMultiplayerPeer({ runtime: net.createRuntime(`10.0.0.${i + 11}`) });
    await peer.createClient(`ws://${SERVER}:8080/`, undefined, { protocol });
    const mp = new SceneMultiplayer({ clock: net.clock, protocol });
    record(mp, `C${i + 1}`, log);
    setup(mp, i + 1);
    mp.multiplayerPeer = peer;
    clients.push(mp);
  }
  return { net, server, clients, all: [server, ...clients], log };
}

/**
 * A server SceneMultiplayer on ENetMultiplayerPeer (4 user channels) and one client per entry of
 * `userChannels`, each connecting with that many user channels. The caller closes `net`.
 */
export async function enetWorld(net: MemoryNetwork, userChannels: number[]): Promise<World & { serverPeer: ENetMultiplayerPeer }> {
  const serverPeer = new ENetMultiplayerPeer({ runtime: net.createRuntime(SERVER) });
  await serverPeer.createServer(7777, 8, 4);
  const server = new SceneMultiplayer({ clock: net.clock });
  server.multiplayerPeer = serverPeer;
  const clients: SceneMultiplayer[] = [];
  for (const [i, channels] of userChannels.entries()) {
    const peer = new ENetMultiplayerPeer({ runtime: net.createRuntime(`10.0.0.${i + 11}`) });
    await peer.createClient(SERVER, 7777, channels);
    const mp = new SceneMultiplayer({ clock: net.clock });
    mp.multiplayerPeer = peer;
    clients.push(mp);
  }
  return { net, server, clients, all: [server, ...clients], log: [], serverPeer };
}

/** Poll everyone and advance virtual time until `done()`; throws after `maxMs` virtual ms. */
export async function drive(w: World, done: () => boolean, what: string, maxMs = 5000): Promise<void> {
  const end = w.net.clock.now() + maxMs;
  for (;;) {
    for (const mp of w.all) mp.poll();
    if (done()) return;
    if (w.net.clock.now() >= end) throw new Error(`timed out waiting for ${what}`);
    await w.net.runFor(2);
  }
}

export async function settle(w: World, ms: number): Promise<void> {
  const end = w.net.clock.now() + ms;
  while (w.net.clock.now() < end) {
    for (const mp of w.all) mp.poll();
    await w.net.runFor(2);
  }
}

/**
 * The sizes of every replication table of `mp` (read through private fields, as the fuzzer reads
 * them), and the paths in its node registry: what spawning and despawning the same node again
 * and again must leave as it found it.
 */
export function replicationState(mp: SceneMultiplayer): {
  nodes: string[];
  spawners: number;
  synchronizers: number;
  syncsByRoot: number;
  syncsByNode: number;
  spawned: number;
  spawnedBy: number;
  remoteSpawns: number;
  nestedIn: number;
  trackedAsAuthority: number;
  recvNodes: number;
  recvSyncs: number;
  syncNodes: number;
  lastWatchUsec: number;
} {
  const session = Reflect.get(mp, "session") as object;
  const replication = Reflect.get(session, "replication") as object;
  const size = (name: string): number => {
    const table: unknown = Reflect.get(replication, name);
    if (!(table instanceof Map) && !(table instanceof Set)) throw new Error(`replicationState: the replication has no table "${name}" any more; update support.ts`);
    return table.size;
  };
  type PeerTables = { recvNodes: Map<unknown, unknown>; recvSyncs: Map<unknown, unknown>; syncNodes: Set<unknown>; lastWatchUsec: Map<unknown, unknown> };
  const peers = [...(Reflect.get(replication, "peerRepl") as Map<number, PeerTables>).values()];
  const sum = (pick: (r: PeerTables) => number): number => peers.reduce((n, r) => n + pick(r), 0);
  return {
    nodes: [...(Reflect.get(Reflect.get(session, "nodes") as object, "byPath") as Map<string, unknown>).keys()].sort(),
    spawners: size("spawners"),
    synchronizers: size("synchronizers"),
    syncsByRoot: size("syncsByRoot"),
    syncsByNode: size("syncsByNode"),
    spawned: size("spawned"),
    spawnedBy: size("spawnedBy"),
    remoteSpawns: size("remoteSpawns"),
    nestedIn: size("nestedIn"),
    trackedAsAuthority: size("trackedAsAuthority"),
    recvNodes: sum((r) => r.recvNodes.size),
    recvSyncs: sum((r) => r.recvSyncs.size),
    syncNodes: sum((r) => r.syncNodes.size),
    lastWatchUsec: sum((r) => r.lastWatchUsec.size),
  };
}

/** A failure list for a soak: `fail(why)` keeps the first `limit` reasons, so a broken run stays readable. */
export function failureLog(limit: number): { failures: string[]; fail: (why: string) => void } {
  const failures: string[] = [];
  return {
    failures,
    fail: (why) => {
      if (failures.length < limit) failures.push(why);
    },
  };
}

/** A SceneMultiplayer server on a real WebSocket port of 127.0.0.1 (the live Godot 4.6 soaks' side). */
export async function liveSceneServer(): Promise<{ peer: WebSocketMultiplayerPeer; mp: SceneMultiplayer }> {
  const peer = new WebSocketMultiplayerPeer();
  await peer.createServer(0, "127.0.0.1");
  const mp = new SceneMultiplayer();
  mp.multiplayerPeer = peer;
  return { peer, mp };
}
