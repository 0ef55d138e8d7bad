/**
 * An authoritative game server with interest management, for Godot 4 clients (client.gd beside
 * this file) and TypeScript bots (bot.ts).
 * Run: `npx tsx examples/area-of-interest/server.ts [port] [--enet] [--radius=300] [--max=64]`.
 *
 * - Every client that joins gets a player node, /root/World/Players/P<id>, spawned by the server
 *   (a custom spawn whose data is the id) with a MultiplayerSynchronizer of its position.
 * - A client moves its player with `rpc_id(1, "move_to", Vector2)` on /root/World; the server
 *   keeps it inside the map and applies it.
 * - A visibility filter shows each player only to its owner and to the peers whose own player is
 *   within the radius: walking into range spawns the other player on that client, walking away
 *   despawns it, and its position syncs go only to the peers that see it.
 * - The spawner's spawnLimit caps the players; one more is told so and disconnected.
 */
import {
  ENetMultiplayerPeer,
  MultiplayerPeer,
  NetError,
  SceneMultiplayer,
  Vector2,
  WebSocketMultiplayerPeer,
  type SceneNode,
} from "../../src/index.ts";

const port = Number(process.argv[2] ?? 9080);
const useEnet = process.argv.includes("--enet");
const option = (name: string, fallback: number): number => Number(process.argv.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3) ?? fallback);
const radius = option("radius", 300);
const maxPlayers = option("max", 64);
const MAP_SIZE = 2000;

if (!Number.isInteger(port) || port < 0 || port > 65535 || !(radius > 0) || !Number.isInteger(maxPlayers) || maxPlayers < 1) {
  console.error("usage: npx tsx examples/area-of-interest/server.ts [port] [--enet] [--radius=300] [--max=64]   (radius > 0, max a whole number >= 1)");
  process.exit(2);
}

const peer: MultiplayerPeer = useEnet ? new ENetMultiplayerPeer() : new WebSocketMultiplayerPeer();
try {
  if (peer instanceof ENetMultiplayerPeer) {
    peer.setBindIp("127.0.0.1"); // Godot's default is "*", every interface
    await peer.createServer(port, maxPlayers + 1);
  } else await (peer as WebSocketMultiplayerPeer).createServer(port, "127.0.0.1");
} catch (err) {
  // A NetError: ERR_ALREADY_IN_USE when another program has the port, ...
  console.error(`cannot listen on 127.0.0.1:${port}: ${(err as Error).message}`);
  process.exit(1);
}

const mp = new SceneMultiplayer();
mp.multiplayerPeer = peer;

// The same nodes and RPC config as client.gd: /root/World (move_to), its Spawner and Players.
const world = mp.node("/root/World");
world.rpcConfig("move_to", { rpcMode: "any_peer" });
const spawner = mp.spawner("World/Spawner", { spawnPath: "../Players", spawnLimit: maxPlayers });
const players = new Map<number, SceneNode>();

function positionOf(id: number): Vector2 | null {
  const p = players.get(id)?.get("position");
  return p instanceof Vector2 ? p : null;
}

/** May `peer` see the player of `owner`? Godot asks about peer 0 ("everyone") too: nobody sees everything. */
function canSee(peer: number, owner: number): boolean {
  if (peer === owner) return true;
  const a = positionOf(peer);
  const b = positionOf(owner);
  return a !== null && b !== null && Math.hypot(a.x - b.x, a.y - b.y) <= radius;
}

world.on("move_to", (to) => {
  const player = players.get(mp.getRemoteSenderId());
  if (!player || !(to instanceof Vector2) || !Number.isFinite(to.x) || !Number.isFinite(to.y)) return;
  const clamp = (v: number): number => Math.min(MAP_SIZE, Math.max(0, v));
  player.set("position", new Vector2(clamp(to.x), clamp(to.y)));
});

mp.addEventListener("peer_connected", (e) => {
  const id = e.id;
  const name = `P${id}`;
  try {
    const player = mp.spawn(spawner, name, {
      data: id,
      setup: (node) => node.set("position", new Vector2(0, 0)),
      synchronizers: [{ path: `World/Players/${name}/Sync`, options: { properties: [{ path: ".:position" }], visibilityFilters: [(viewer) => canSee(viewer, id)] } }],
    });
    players.set(id, player);
    console.log(`${name} joined (${players.size} playing)`);
  } catch (err) {
    if (!(err instanceof NetError)) throw err;
    console.log(`${name} refused: ${err.message}`);
    mp.disconnectPeer(id);
  }
});
mp.addEventListener("peer_disconnected", (e) => {
  const id = e.id;
  const player = players.get(id);
  if (!player) return;
  mp.despawn(player);
  players.delete(id);
  console.log(`P${id} left (${players.size} playing)`);
});

console.log(`area-of-interest server on ${useEnet ? "enet" : "ws"}://127.0.0.1:${port}, radius ${radius}`);
setInterval(() => mp.poll(), 16);
