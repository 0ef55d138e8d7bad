// Memory per connected idle ENet peer on packetpeer: one ENetConnection hosting N
// peer slots on 127.0.0.1, N clients connected from a C ENet process
// (bench/peers/enet_memory.c, so the client side costs this process nothing),
// measured after a second of idle servicing. Run with --expose-gc.
// Heap = V8 heapUsed + external (ArrayBuffer backing stores), after two full GCs;
// the baseline is taken before the host is created, so preallocated peer slots count.
// usage: node --expose-gc --import tsx memory-enet.ts ENET_MEMORY_BINARY N
import "../../src/transport/runtimes.ts"; // registers Node, Deno, Bun (the classes are imported from their own files)
import { spawn } from "node:child_process";
import { ENetConnection } from "../../src/enet/connection.ts";
import { EventType } from "../../src/enet/enums.ts";
import { settledMemory } from "../lib/memory.ts";

const [binary, countArg] = process.argv.slice(2);
const n = Number(countArg ?? 1000);
if (!binary) throw new Error("usage: memory-enet.ts ENET_MEMORY_BINARY N");

const before = settledMemory();
const server = new ENetConnection();
await server.createHostBound("127.0.0.1", 0, { maxPeers: n, maxChannels: 2 });
const clients = spawn(binary, ["clients", String(server.getLocalPort()), String(n)], { stdio: ["pipe", "ignore", "inherit"] });
const fail = (message: string): never => {
  clients.kill();
  console.error(message);
  process.exit(1);
};
clients.on("exit", (code) => {
  if (connected < n) fail(`C clients exited early (${code})`);
});

let connected = 0;
const deadline = performance.now() + 60_000;
while (connected < n) {
  if (performance.now() > deadline) fail(`only ${connected} of ${n} connected`);
  const ev = await server.service(5);
  if (ev.type === EventType.CONNECT) connected++;
}
const idleUntil = performance.now() + 1000;
while (performance.now() < idleUntil) await server.service(5);
const after = settledMemory();
clients.stdin?.end();
clients.kill();
console.log(
  JSON.stringify({
    peers: n,
    heapBytes: after.heap - before.heap,
    heapBytesPerPeer: (after.heap - before.heap) / n,
    rssBytesPerPeer: (after.rss - before.rss) / n,
  }),
);
server.destroy();
process.exit(0);
