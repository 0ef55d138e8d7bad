// Memory per connected idle ENet peer on packetpeer: one ENetConnection hosting N
// peer slots on 127.0.0.1, N clients connected from a C ENet process
// (bench/peers/enet_memory.c, so the client side costs this process nothing),
// measured after a second of idle servicing. Run with --expose-gc.
// Heap = V8 heapUsed + external (ArrayBuffer backing stores), after two full GCs;
// the baseline is taken before the host is created, so preallocated peer slots count.
// Hosts of N and 2N more peers in the same process give the cost of each added peer.
// usage: node --expose-gc --import tsx memory-enet.ts ENET_MEMORY_BINARY N
import "../../src/transport/runtimes.ts"; // registers Node, Deno, Bun (the classes are imported from their own files)
import { spawn } from "node:child_process";
import { ENetConnection } from "../../src/enet/connection.ts";
import { EventType } from "../../src/enet/enums.ts";
import { settledMemory } from "../lib/memory.ts";

const [binary, countArg] = process.argv.slice(2);
const n = Number(countArg ?? 1000);
if (!binary) throw new Error("usage: memory-enet.ts ENET_MEMORY_BINARY N");

/** One host with `count` peer slots, all connected from a C ENet client process and serviced idle for a second. */
async function hostWithIdlePeers(count: number): Promise<{ server: ENetConnection; clients: ReturnType<typeof spawn> }> {
  const server = new ENetConnection();
  await server.createHostBound("127.0.0.1", 0, { maxPeers: count, maxChannels: 2 });
  const clients = spawn(binary!, ["clients", String(server.getLocalPort()), String(count)], { stdio: ["pipe", "ignore", "inherit"] });
  let connected = 0;
  const fail = (message: string): never => {
    clients.kill();
    console.error(message);
    process.exit(1);
  };
  clients.on("exit", (code) => {
    if (connected < count) fail(`C clients exited early (${code})`);
  });
  const deadline = performance.now() + 60_000;
  while (connected < count) {
    if (performance.now() > deadline) fail(`only ${connected} of ${count} connected`);
    const ev = await server.service(5);
    if (ev.type === EventType.CONNECT) connected++;
  }
  const idleUntil = performance.now() + 1000;
  while (performance.now() < idleUntil) await server.service(5);
  return { server, clients };
}

// First host: everything counts (the host, its buffers, the code compiled on the way). Then, in
// the same warm process, a host of n peers and one of 2n: the difference between those two is
// what n more idle peers cost, with every per-host part counted in both and so cancelled.
const before = settledMemory();
const first = await hostWithIdlePeers(n);
const afterFirst = settledMemory();
const second = await hostWithIdlePeers(n);
const afterSecond = settledMemory();
const third = await hostWithIdlePeers(2 * n);
const afterThird = settledMemory();
for (const h of [first, second, third]) {
  h.clients.stdin?.end();
  h.clients.kill();
}
console.log(
  JSON.stringify({
    peers: n,
    heapBytes: afterFirst.heap - before.heap,
    heapBytesPerPeer: (afterFirst.heap - before.heap) / n,
    heapBytesPerAddedPeer: (afterThird.heap - afterSecond.heap - (afterSecond.heap - afterFirst.heap)) / n,
    rssBytesPerPeer: (afterFirst.rss - before.rss) / n,
  }),
);
for (const h of [first, second, third]) h.server.destroy();
process.exit(0);
