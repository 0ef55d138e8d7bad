// WebSocket echo on loopback with the `ws` package on both ends (Node). Same rules
// as ws-echo-ours.ts: the server echoes each message; the client keeps at most
// WINDOW messages sent but not yet echoed, timed until all COUNT echoes are back.
// usage: ws-echo-ws.ts SIZE COUNT [window] [deflate] (deflate: as in ws-echo-ours.ts)
import { WebSocket, WebSocketServer } from "ws";
import { gameStateText } from "../lib/game-state.ts";

const [sizeArg, countArg, windowArg, modeArg] = process.argv.slice(2);
const deflate = modeArg === "deflate" ? { threshold: 0 } : false;
const size = Number(sizeArg);
const count = Number(countArg);
const window = Number(windowArg ?? 512);
let payload = Buffer.alloc(size);
for (let i = 0; i < size; i++) payload[i] = (i * 31 + 7) & 0xff;
if (deflate) payload = Buffer.from(gameStateText(size));

function fail(message: string): never {
  console.error(message);
  process.exit(1);
}

const server = new WebSocketServer({ host: "127.0.0.1", port: 0, maxPayload: size + 1024, perMessageDeflate: deflate });
await new Promise<void>((resolve) => server.once("listening", () => resolve()));
server.on("connection", (socket) => {
  socket.on("message", (data: Buffer, isBinary: boolean) => socket.send(data, { binary: isBinary }));
});
const port = (server.address() as { port: number }).port;

const client = new WebSocket(`ws://127.0.0.1:${port}/`, { maxPayload: size + 1024, perMessageDeflate: deflate });
const { received, seconds } = await new Promise<{ received: number; seconds: number }>((resolve) => {
  let sent = 0;
  let received = 0;
  let start = 0;
  const timer = setTimeout(() => fail("timed out"), 60_000);
  client.on("open", () => {
    start = performance.now();
    while (sent < count && sent < window) {
      client.send(payload);
      sent++;
    }
  });
  client.on("message", (data: Buffer) => {
    if (data.length !== size) fail("echo of the wrong size");
    received++;
    if (received >= count) {
      clearTimeout(timer);
      resolve({ received, seconds: (performance.now() - start) / 1000 });
    } else if (sent < count) {
      client.send(payload);
      sent++;
    }
  });
  client.on("error", (err) => fail(String(err)));
  client.on("close", () => {
    if (received < count) fail(`closed at ${received}/${count}`);
  });
});
console.log(JSON.stringify({ received, seconds, messagesPerSecond: received / seconds, megabytesPerSecond: (received * size) / seconds / 1e6 }));
client.terminate();
server.close();
process.exit(0);
