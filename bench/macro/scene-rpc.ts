// SceneMultiplayer RPC throughput over the loopback WebSocket multiplayer peer (Node,
// 127.0.0.1): a client SceneMultiplayer calls rpc_id(1, "move", <int>, <float>, "w") in
// batches of BATCH calls per poll round, the server's handler counts them. Reports calls
// per second end to end and the server's CPU time (wall time inside server.poll(), which
// includes the WebSocket receive path) per RPC. Prints one JSON line.
// usage: scene-rpc.ts [minSeconds] [batch]
import "../../src/transport/runtimes.ts"; // registers Node, Deno, Bun (the classes are imported from their own files)
import { WebSocketMultiplayerPeer } from "../../src/multiplayer/index.ts";
import { SceneMultiplayer } from "../../src/scene/index.ts";

const minMs = Number(process.argv[2] ?? 1) * 1000;
const BATCH = Number(process.argv[3] ?? 256);
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

const serverPeer = new WebSocketMultiplayerPeer();
await serverPeer.createServer(0, "127.0.0.1");
const server = new SceneMultiplayer();
server.multiplayerPeer = serverPeer;
const clientPeer = new WebSocketMultiplayerPeer();
await clientPeer.createClient(`ws://127.0.0.1:${serverPeer.getLocalPort()}/`);
const client = new SceneMultiplayer();
client.multiplayerPeer = clientPeer;

let received = 0;
for (const mp of [server, client]) mp.node("/root/World").rpcConfig("move", { rpcMode: "any_peer" });
server.node("World").on("move", () => {
  received++;
});
const deadline = Date.now() + 10_000;
while (!client.getPeers().includes(1) || server.getPeers().length !== 1) {
  server.poll();
  client.poll();
  if (Date.now() > deadline) throw new Error("no connection");
  await sleep(1);
}
const world = client.node("World");
// Warm-up (also confirms the path, so the steady state uses the 8-bit cached id).
for (let i = 0; i < 64; i++) world.rpcId(1, "move", i, 0.5, "w");
while (received < 64) {
  client.poll();
  server.poll();
  await sleep(0);
}

received = 0;
let sent = 0;
let serverMs = 0;
const t0 = performance.now();
for (;;) {
  if (sent - received < BATCH * 4) {
    for (let i = 0; i < BATCH; i++) world.rpcId(1, "move", sent++, 1.5, "w");
  }
  client.poll();
  const s0 = performance.now();
  server.poll();
  serverMs += performance.now() - s0;
  await sleep(0);
  if (performance.now() - t0 >= minMs && received >= sent - BATCH * 4) break;
}
const elapsed = performance.now() - t0;
console.log(JSON.stringify({ rpcPerSec: Math.round((received / elapsed) * 1000), serverUsPerRpc: Number(((serverMs * 1000) / received).toFixed(2)), rpcs: received, drops: Object.values(server.getDropCounters()).reduce((a, b) => a + b, 0) }));
serverPeer.close();
clientPeer.close();
process.exit(0);
