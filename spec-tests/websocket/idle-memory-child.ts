// Child process for idle-memory.test.ts (Node, run with --expose-gc): opens N WebSocket
// connections over loopback, our client to our server in this one process, holds them open and
// idle, and prints {"pairs":N,"heapBytesPerPair":...}: V8 heapUsed + external after two full
// GCs, minus the same before listening, over N. Both ends are ours, so a pair is one accepted
// and one client connection (bench/macro/memory-ws.ts measures each side against ws).
import "../../src/transport/runtimes.ts";
import { WebSocketPeer } from "../../src/websocket/peer.ts";
import { WebSocketServer } from "../../src/websocket/server.ts";

const n = Number(process.argv[2] ?? 300);
const gc = (globalThis as { gc?: () => void }).gc;
if (!gc) throw new Error("run with --expose-gc");
const settled = (): number => {
  gc();
  gc();
  const m = process.memoryUsage();
  return m.heapUsed + m.external;
};
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

// A first connection, closed again, so code and shared buffers made on first use are not counted per pair.
async function openPairs(server: WebSocketServer, count: number, held: WebSocketPeer[]): Promise<void> {
  let open = 0;
  for (let i = 0; i < count; i++) {
    const peer = new WebSocketPeer();
    // No handshake deadline (on either side): a machine busy with other tests must not fail the count.
    peer.handshakeTimeout = 0;
    peer.addEventListener("open", () => open++);
    peer.connectToUrl(`ws://127.0.0.1:${server.getLocalPort()}/`);
    held.push(peer);
    if (i % 50 === 49) await sleep(5);
  }
  const deadline = Date.now() + 30_000;
  for (;;) {
    for (let p = server.takeConnection(); p; p = server.takeConnection()) held.push(p);
    if (open === count && held.length === 2 * count) return;
    if (Date.now() > deadline) throw new Error(`only ${open} of ${count} clients open, ${held.length - count} accepted`);
    await sleep(10);
  }
}

const server = new WebSocketServer({ handshakeTimeout: 0 });
server.maxPendingHandshakes = n + 16;
await server.listen(0, "127.0.0.1");
const warm: WebSocketPeer[] = [];
await openPairs(server, 20, warm);
for (const p of warm) p.close(-1);
warm.length = 0;
await sleep(100);
const before = settled();
const held: WebSocketPeer[] = [];
await openPairs(server, n, held);
await sleep(200);
const after = settled();
console.log(JSON.stringify({ pairs: n, heapBytesPerPair: (after - before) / n }));
for (const p of held) p.close(-1);
await server.stop();
process.exit(0);
