// Memory per open WebSocket at N connections, in this process only (the far side
// runs in a `ws` helper process, bench/macro/ws-idle-peer.ts). Run with --expose-gc.
//   memory-ws.ts server ours|ws N   N accepted server-side connections
//   memory-ws.ts client ours|ws N   N client connections
// Heap = V8 heapUsed + external, after two full GCs; the baseline is taken after
// both libraries are loaded and before listening/connecting.
import { spawn, type ChildProcess } from "node:child_process";
import { createInterface } from "node:readline";
import { WebSocket as WsClient, WebSocketServer as WsServer } from "ws";
import "../../src/transport/runtimes.ts"; // registers Node, Deno, Bun (the classes are imported from their own files)
import { WebSocketPeer } from "../../src/websocket/peer.ts";
import { WebSocketServer } from "../../src/websocket/server.ts";
import { settledMemory } from "../lib/memory.ts";

const [role, impl, countArg] = process.argv.slice(2);
const n = Number(countArg ?? 1000);
if ((role !== "server" && role !== "client") || (impl !== "ours" && impl !== "ws")) {
  throw new Error("usage: memory-ws.ts server|client ours|ws N");
}

const child: { helper: ChildProcess | null } = { helper: null };
function fail(message: string): never {
  child.helper?.kill();
  console.error(message);
  process.exit(1);
}
setTimeout(() => fail("timed out"), 60_000).unref();

function startHelper(args: string[]): Promise<Record<string, number>> {
  // Run from the repository root (this file may run bundled from .build/); the helper is plain `ws` under tsx.
  const helper = spawn(process.execPath, ["--import", "tsx", "bench/macro/ws-idle-peer.ts", ...args], {
    stdio: ["pipe", "pipe", "inherit"],
  });
  child.helper = helper;
  helper.on("exit", (code) => fail(`helper exited (${code})`));
  const lines = createInterface({ input: helper.stdout! });
  return new Promise((resolve) => lines.once("line", (line) => resolve(JSON.parse(line) as Record<string, number>)));
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
const held: unknown[] = [];
let before = settledMemory();

if (role === "server") {
  let port: number;
  let count: () => number;
  if (impl === "ours") {
    const server = new WebSocketServer({});
    server.maxPendingHandshakes = n + 16;
    before = settledMemory();
    await server.listen(0, "127.0.0.1");
    port = server.getLocalPort();
    count = () => {
      for (let p = server.takeConnection(); p; p = server.takeConnection()) held.push(p);
      return held.length;
    };
  } else {
    before = settledMemory();
    const server = new WsServer({ host: "127.0.0.1", port: 0, perMessageDeflate: false });
    await new Promise<void>((r) => server.once("listening", () => r()));
    port = (server.address() as { port: number }).port;
    server.on("connection", (s) => held.push(s));
    count = () => held.length;
  }
  void startHelper(["clients", String(port), String(n)]);
  while (count() < n) await sleep(10);
} else {
  const { port } = await startHelper(["server"]);
  before = settledMemory();
  let open = 0;
  for (let i = 0; i < n; i++) {
    if (impl === "ours") {
      const peer = new WebSocketPeer();
      peer.addEventListener("open", () => open++);
      peer.addEventListener("close", () => fail(`client ${i} closed`));
      peer.connectToUrl(`ws://127.0.0.1:${port}/`);
      held.push(peer);
    } else {
      const s = new WsClient(`ws://127.0.0.1:${port}/`, { perMessageDeflate: false });
      s.on("open", () => open++);
      s.on("error", (err) => fail(String(err)));
      held.push(s);
    }
    // Pace the connects a little so the handshake timeout never bites on a busy machine.
    if (i % 100 === 99) await sleep(5);
  }
  while (open < n) await sleep(10);
}
await sleep(500);
const after = settledMemory();
console.log(
  JSON.stringify({
    connections: held.length,
    heapBytesPerConnection: (after.heap - before.heap) / n,
    rssBytesPerConnection: (after.rss - before.rss) / n,
  }),
);
child.helper?.removeAllListeners("exit");
child.helper?.kill();
process.exit(0);
