/**
 * An authoritative arena server for Godot 4 clients (client.gd beside this file) and bots (bot.ts).
 * Run: `npx tsx examples/arena/server.ts [port] [--enet] [--token=letmein]`.
 *
 * - Authentication: the client sends `var_to_bytes({"token": ..., "name": ...})`; a wrong token is
 *   refused at once (the Godot client gets peer_authentication_failed(1), then server_disconnected).
 * - Each player is a node the server spawns, /root/Arena/Players/P<id>, with two synchronizers:
 *   `Sync` (the server's: position always, hp and score on change, visible to players within
 *   RADIUS) and `Input` (the client's own: its `move` direction, which the server reads every tick
 *   to move the player: the client steers, the server decides where it is).
 * - RPCs on /root/Arena: `shoot(at: Vector2)` from a client hits every other player within
 *   HIT_RADIUS of `at` (hp -25; at 0 the player respawns at the centre with full hp and the
 *   shooter scores); `welcome(id, rules)` and `hit(victim, hp, by)` from the server.
 */
import { ENetMultiplayerPeer, ReplicationMode, SceneMultiplayer, Vector2, WebSocketMultiplayerPeer, bytesToVar, type MultiplayerPeer, type SceneNode } from "../../src/index.ts";

const port = Number(process.argv[2] ?? 9080);
const useEnet = process.argv.includes("--enet");
const token = process.argv.find((a) => a.startsWith("--token="))?.slice(8) ?? "letmein";
if (!Number.isInteger(port) || port < 0 || port > 65535) {
  console.error(`not a port: ${JSON.stringify(process.argv[2])}\nusage: npx tsx examples/arena/server.ts [port] [--enet] [--token=letmein]`);
  process.exit(2);
}
const RADIUS = 400;
const HIT_RADIUS = 50;
const SPEED = 200; // units a second
const MAP = 1000;

const peer: MultiplayerPeer = useEnet ? new ENetMultiplayerPeer() : new WebSocketMultiplayerPeer();
try {
  if (peer instanceof ENetMultiplayerPeer) {
    peer.setBindIp("127.0.0.1"); // Godot's default is "*", every interface
    await peer.createServer(port, 32);
  } else await (peer as WebSocketMultiplayerPeer).createServer(port, "127.0.0.1");
} catch (err) {
  console.error(`cannot listen on 127.0.0.1:${port}: ${(err as Error).message}`);
  process.exit(1);
}

const mp = new SceneMultiplayer();
const names = new Map<number, string>();
mp.authCallback = (id, data) => {
  let creds: { token?: unknown; name?: unknown } | null = null;
  try {
    creds = bytesToVar(data) as { token?: unknown; name?: unknown } | null;
  } catch {
    // Not a Variant: refused below.
  }
  const name = typeof creds?.name === "string" ? creds.name.slice(0, 24) : "";
  if (creds?.token !== token || name === "") {
    console.log(`refused ${id}`);
    mp.disconnectPeer(id);
    return;
  }
  names.set(id, name);
  mp.completeAuth(id);
};
// The client completes its side when it hears from us; any bytes will do.
mp.addEventListener("peer_authenticating", (e) => mp.sendAuth(e.id, new TextEncoder().encode("arena")));
mp.multiplayerPeer = peer;

// The same RPC config as client.gd's @rpc methods: all of them, since ids are the sorted names.
const arena = mp.node("/root/Arena");
arena.rpcConfig("shoot", { rpcMode: "any_peer" });
arena.rpcConfig("welcome", { rpcMode: "authority" });
arena.rpcConfig("hit", { rpcMode: "authority" });
const spawner = mp.spawner("Arena/Spawner", { spawnPath: "../Players" });
const players = new Map<number, SceneNode>();

function canSee(viewer: number, owner: number): boolean {
  if (viewer === owner) return true;
  const a = players.get(viewer)?.get("position") as Vector2 | undefined;
  const b = players.get(owner)?.get("position") as Vector2 | undefined;
  return !!a && !!b && Math.hypot(a.x - b.x, a.y - b.y) <= RADIUS;
}

arena.on("shoot", (at) => {
  const shooter = mp.getRemoteSenderId();
  if (!(at instanceof Vector2) || !players.has(shooter)) return;
  for (const [id, p] of players) {
    const pos = p.get("position") as Vector2;
    if (id === shooter || Math.hypot(pos.x - at.x, pos.y - at.y) > HIT_RADIUS) continue;
    let hp = (p.get("hp") as number) - 25;
    if (hp <= 0) {
      hp = 100;
      p.set("position", new Vector2(0, 0));
      const s = players.get(shooter)!;
      s.set("score", (s.get("score") as number) + 1);
    }
    p.set("hp", hp);
    arena.rpc("hit", id, hp, shooter);
    console.log(`${names.get(shooter)} hit ${names.get(id)}: hp ${hp}`);
  }
});

mp.addEventListener("peer_connected", (e) => {
  const id = e.id;
  const path = `Arena/Players/P${id}`;
  // The client drives its Input synchronizer, as client.gd's spawn_function sets with
  // set_multiplayer_authority(id); Sync stays the server's.
  mp.node(`${path}/Input`).multiplayerAuthority = id;
  const player = mp.spawn(spawner, `P${id}`, {
    data: { id, name: names.get(id) ?? "?" },
    setup: (n) => n.set("position", new Vector2(0, 0)).set("hp", 100).set("score", 0).set("move", new Vector2(0, 0)),
    synchronizers: [
      {
        path: `${path}/Sync`,
        options: {
          properties: [{ path: ".:position" }, { path: ".:hp", replicationMode: ReplicationMode.ON_CHANGE }, { path: ".:score", replicationMode: ReplicationMode.ON_CHANGE }],
          visibilityFilters: [(viewer) => canSee(viewer, id)],
        },
      },
      { path: `${path}/Input`, options: { properties: [{ path: ".:move" }] } },
    ],
  });
  players.set(id, player);
  arena.rpcId(id, "welcome", id, { map: MAP, radius: RADIUS, speed: SPEED });
  console.log(`${names.get(id)} joined as P${id}`);
});
mp.addEventListener("peer_disconnected", (e) => {
  const player = players.get(e.id);
  if (!player) return;
  mp.freeNode(player);
  players.delete(e.id);
  console.log(`${names.get(e.id)} left`);
  names.delete(e.id);
});

console.log(`arena server on ${useEnet ? "enet" : "ws"}://127.0.0.1:${port}`);
let last = performance.now();
setInterval(() => {
  const now = performance.now();
  const dt = (now - last) / 1000;
  last = now;
  mp.poll();
  for (const p of players.values()) {
    const move = p.get("move");
    if (!(move instanceof Vector2) || (move.x === 0 && move.y === 0)) continue;
    const len = Math.hypot(move.x, move.y);
    if (!Number.isFinite(len)) continue;
    const pos = p.get("position") as Vector2;
    const clamp = (v: number): number => Math.min(MAP, Math.max(-MAP, v));
    p.set("position", new Vector2(clamp(pos.x + (move.x / Math.max(1, len)) * SPEED * dt), clamp(pos.y + (move.y / Math.max(1, len)) * SPEED * dt)));
  }
}, 16);
