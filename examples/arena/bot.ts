/**
 * A TypeScript player of server.ts: it authenticates, steers through its Input synchronizer as
 * client.gd does, shoots, and prints what it sees.
 * Run: `npx tsx examples/arena/bot.ts [ws://127.0.0.1:9080 | enet://127.0.0.1:9080] [--name=bot]
 * [--token=letmein] [--move=x,y] [--shoot=x,y@ms ...] [--for=ms]`
 * `--move` is the direction it steers in from the start; each `--shoot=x,y@ms` shoots at x,y that
 * long after joining; it leaves after `--for` ms (default 3000).
 */
import { ReplicationMode, SceneMultiplayer, Vector2, varToBytes } from "../../src/index.ts";
import { joinServer } from "../shared/join.ts";

const args = process.argv.slice(2);
const option = (name: string): string | undefined => args.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3);
const url = args.find((a) => a.includes("://")) ?? "ws://127.0.0.1:9080";
const name = option("name") ?? "bot";
const stayMs = Number(option("for") ?? 3000);
const vec = (s: string): Vector2 => {
  const [x, y] = s.split(",").map(Number);
  return new Vector2(x!, y!);
};
const move = vec(option("move") ?? "0,0");
const shots = args
  .filter((a) => a.startsWith("--shoot="))
  .map((a) => {
    const [xy, at = "0"] = a.slice(8).split("@");
    return { at: vec(xy!), ms: Number(at) };
  });
if (!Number.isFinite(stayMs) || !Number.isFinite(move.x) || !Number.isFinite(move.y) || shots.some((s) => !Number.isFinite(s.at.x) || !Number.isFinite(s.at.y) || !Number.isFinite(s.ms))) {
  console.error("usage: npx tsx examples/arena/bot.ts [url] [--name=bot] [--token=letmein] [--move=x,y] [--shoot=x,y@ms ...] [--for=ms]");
  process.exit(2);
}

const peer = await joinServer(url);
const mp = new SceneMultiplayer();
mp.authCallback = (id) => mp.completeAuth(id);
mp.addEventListener("peer_authenticating", (e) => mp.sendAuth(e.id, varToBytes({ token: option("token") ?? "letmein", name })));
mp.addEventListener("peer_authentication_failed", () => console.log("refused by the server"));

// The same nodes and RPC config as server.ts and client.gd.
const arena = mp.node("/root/Arena");
arena.rpcConfig("shoot", { rpcMode: "any_peer" });
arena.rpcConfig("welcome", { rpcMode: "authority" });
arena.rpcConfig("hit", { rpcMode: "authority" });
arena.on("welcome", (id, rules) => console.log(`joined as P${String(id)} ${JSON.stringify(rules)}`));
arena.on("hit", (victim, hp, by) => console.log(`P${String(by)} hit P${String(victim)}: hp ${String(hp)}`));
mp.spawner("Arena/Spawner", {
  spawnPath: "../Players",
  // A player the server shows us: its two synchronizers in client.gd's order. Our own player's
  // Input is ours to send (client.gd: input.set_multiplayer_authority(id)).
  onSpawn: (node, _scene, data) => {
    const owner = (data as { id: number }).id;
    mp.synchronizer(`${node.path}/Sync`, node.path, {
      properties: [{ path: ".:position" }, { path: ".:hp", replicationMode: ReplicationMode.ON_CHANGE }, { path: ".:score", replicationMode: ReplicationMode.ON_CHANGE }],
    });
    mp.node(`${node.path}/Input`).multiplayerAuthority = owner;
    mp.synchronizer(`${node.path}/Input`, node.path, { properties: [{ path: ".:move" }] });
    if (owner === mp.getUniqueId()) node.set("move", move);
    else console.log(`sees P${owner} (${(data as { name: string }).name})`);
  },
  onDespawn: (node) => console.log(`lost ${node.path.split("/").pop()}`),
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
let joinedAt = 0;
while (joinedAt === 0 || Date.now() - joinedAt < stayMs) {
  if (Date.now() > deadline) {
    console.error("timed out joining");
    process.exit(1);
  }
  if (joinedAt === 0 && mp.getPeers().includes(1)) joinedAt = Date.now();
  while (joinedAt !== 0 && shots.length > 0 && Date.now() - joinedAt >= shots[0]!.ms) arena.rpcId(1, "shoot", shots.shift()!.at);
  mp.poll();
  await new Promise((r) => setTimeout(r, 16));
}
const me = mp.node(`Arena/Players/P${mp.getUniqueId()}`);
const at = me.get("position") as Vector2 | undefined;
console.log(`left at ${at ? `${Math.round(at.x)},${Math.round(at.y)}` : "?"} with hp ${String(me.get("hp"))} and score ${String(me.get("score"))}`);
peer.close();
process.exit(0);
