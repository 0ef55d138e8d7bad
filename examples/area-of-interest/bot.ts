/**
 * A TypeScript player of server.ts (a bot, a load tester, or a test): it joins, walks through its
 * waypoints and prints the other players as they come into view and leave it.
 * Run: `npx tsx examples/area-of-interest/bot.ts [ws://127.0.0.1:9080 | enet://127.0.0.1:9080] [x,y@ms ...] [--for=ms]`
 * Each waypoint `x,y@ms` is where to go, `ms` after joining (the first defaults to 0 ms); the bot
 * leaves after `--for` ms (default 3000).
 */
import { SceneMultiplayer, Vector2 } from "../../src/index.ts";
import { joinServer } from "../shared/join.ts";

const args = process.argv.slice(2);
const url = args.find((a) => a.includes("://")) ?? "ws://127.0.0.1:9080";
const stayMs = Number(args.find((a) => a.startsWith("--for="))?.slice(6) ?? 3000);
const waypoints = args
  .filter((a) => /^-?[\d.]+,-?[\d.]+(@\d+)?$/.test(a))
  .map((a) => {
    const [xy, at = "0"] = a.split("@");
    const [x, y] = xy!.split(",").map(Number);
    return { to: new Vector2(x, y), atMs: Number(at) };
  });

const peer = await joinServer(url);

const mp = new SceneMultiplayer();
// The same nodes as the server and client.gd.
const world = mp.node("/root/World");
world.rpcConfig("move_to", { rpcMode: "any_peer" });
mp.spawner("World/Spawner", {
  spawnPath: "../Players",
  // A player the server shows us: declare its synchronizer, as client.gd's spawn_function does.
  onSpawn: (node) => {
    mp.synchronizer(`${node.path}/Sync`, node.path, { properties: [{ path: ".:position" }] });
    if (node.getPath().endsWith(`/P${mp.getUniqueId()}`)) return;
    console.log(`P${mp.getUniqueId()} sees ${node.getPath().split("/").pop()}`);
  },
  onDespawn: (node) => console.log(`P${mp.getUniqueId()} lost ${node.getPath().split("/").pop()}`),
});
let joinedAt = 0;
mp.addEventListener("connected_to_server", () => {
  joinedAt = Date.now();
  console.log(`joined as P${mp.getUniqueId()}`);
});
mp.addEventListener("connection_failed", () => {
  console.error(`could not join ${url}`);
  process.exit(1);
});
mp.addEventListener("server_disconnected", () => {
  console.log("the server closed the connection");
  process.exit(1);
});
mp.multiplayerPeer = peer;

const deadline = Date.now() + stayMs + 10_000;
while (joinedAt === 0 || Date.now() - joinedAt < stayMs) {
  if (Date.now() > deadline) {
    console.error("timed out joining");
    process.exit(1);
  }
  while (joinedAt !== 0 && waypoints.length > 0 && Date.now() - joinedAt >= waypoints[0]!.atMs) {
    world.rpcId(1, "move_to", waypoints.shift()!.to);
  }
  mp.poll();
  await new Promise((r) => setTimeout(r, 16));
}
peer.close();
process.exit(0);
