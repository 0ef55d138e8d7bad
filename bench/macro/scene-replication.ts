// SceneMultiplayer replication at scale, on the simulated network (MemoryNetwork, virtual clock;
// the CPU time measured is real): a server that is the authority of NODES spawned nodes, each with a
// MultiplayerSynchronizer (position ALWAYS, hp ON_CHANGE) behind a distance visibility filter,
// and PEERS client SceneMultiplayers over WebSocketMultiplayerPeer. Every round moves every node,
// changes a tenth of the hp values and polls everyone; the figure is the server's wall time
// inside poll() per round (visibility filters, spawns/despawns as nodes cross the radius, syncs
// and deltas, the WebSocket send path), the median round of ROUNDS after the warm-up. One JSON line.
// usage: scene-replication.ts [nodes=1000] [peers=8] [rounds=60]
import { WebSocketMultiplayerPeer } from "../../src/multiplayer/index.ts";
import { ReplicationMode, SceneMultiplayer, type SceneNode } from "../../src/scene/index.ts";
import { MemoryNetwork } from "../../src/transport/memory.ts";
import { Vector2 } from "../../src/variant/index.ts";

const NODES = Number(process.argv[2] ?? 1000);
const PEERS = Number(process.argv[3] ?? 8);
const ROUNDS = Number(process.argv[4] ?? 60);
const MAP = 1000;
const RADIUS = 300;
const clock = performance;

const net = new MemoryNetwork({ seed: 1, defaultLink: { latencyMs: 1 } });
const serverPeer = new WebSocketMultiplayerPeer({ runtime: net.createRuntime("10.0.0.1") });
await serverPeer.createServer(8080, "*");
const server = new SceneMultiplayer({ clock: net.clock });
server.multiplayerPeer = serverPeer;
const properties = [{ path: ".:position" }, { path: ".:hp", spawn: false, replicationMode: ReplicationMode.ON_CHANGE }];
const clients: SceneMultiplayer[] = [];
let spawnedOnClients = 0;
for (let i = 0; i < PEERS; i++) {
  const peer = new WebSocketMultiplayerPeer({ runtime: net.createRuntime(`10.0.1.${i + 1}`) });
  await peer.createClient("ws://10.0.0.1:8080/");
  const mp = new SceneMultiplayer({ clock: net.clock });
  mp.spawner("World/Spawner", {
    spawnPath: "../Units",
    onSpawn: (node) => {
      spawnedOnClients++;
      mp.synchronizer(`${node.path}/Sync`, node.path, { properties });
    },
  });
  mp.multiplayerPeer = peer;
  clients.push(mp);
}
const all = [server, ...clients];
async function step(): Promise<void> {
  for (const mp of all) mp.poll();
  await net.runFor(16);
}
while (server.getPeers().length < PEERS || !clients.every((c) => c.getPeers().includes(1))) await step();

// Each client "stands" at a point of the map; a unit is visible to the peers within RADIUS of it.
const ids = server.getPeers();
const viewer = new Map(ids.map((id, i) => [id, new Vector2(((i + 0.5) * MAP) / PEERS, MAP / 2)]));
const spawner = server.spawner("World/Spawner", { spawnPath: "../Units" });
const units: SceneNode[] = [];
let seed = 12345;
const random = (): number => ((seed = (seed * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff);
for (let i = 0; i < NODES; i++) {
  const at = new Vector2(random() * MAP, random() * MAP);
  units.push(
    server.spawn(spawner, `U${i}`, {
      setup: (n) => n.set("position", at).set("hp", 100),
      synchronizers: [
        {
          path: `World/Units/U${i}/Sync`,
          options: {
            properties,
            visibilityFilters: [
              (peer) => {
                const v = viewer.get(peer);
                const p = units[i]?.get("position") as Vector2 | undefined;
                return v !== undefined && p !== undefined && Math.hypot(v.x - p.x, v.y - p.y) <= RADIUS;
              },
            ],
          },
        },
      ],
    }),
  );
}
const times: number[] = [];
for (let round = 0; round < ROUNDS + 10; round++) {
  for (const [i, u] of units.entries()) {
    const p = u.get("position") as Vector2;
    u.set("position", new Vector2((p.x + 7 + (i % 5)) % MAP, p.y));
    if (i % 10 === round % 10) u.set("hp", round);
  }
  const t0 = clock.now();
  server.poll();
  const ms = clock.now() - t0;
  if (round >= 10) times.push(ms);
  for (const c of clients) c.poll();
  await net.runFor(16);
}
times.sort((a, b) => a - b);
const drops = Object.values(server.getDropCounters()).reduce((a, b) => a + b, 0) + clients.reduce((n, c) => n + Object.values(c.getDropCounters()).reduce((a, b) => a + b, 0), 0);
console.log(JSON.stringify({ nodes: NODES, peers: PEERS, serverMsPerPoll: Number(times[times.length >> 1]!.toFixed(3)), spawnsOnClients: spawnedOnClients, drops }));
net.close();
