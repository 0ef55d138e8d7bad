// WebSocket echo on loopback with packetpeer on both ends: our WebSocketServer
// echoes every message; our WebSocketPeer client keeps at most WINDOW messages
// sent but not yet echoed, timed until all COUNT echoes are back. Same rules as
// ws-echo-ws.ts (ws on Node) and ws-echo-bun.ts (Bun's built-in server and client).
// Runs unchanged on Node (via tsx) and Bun.
// usage: ws-echo-ours.ts SIZE COUNT [window] [deflate]
// With `deflate`: permessage-deflate on both ends (every message compressed, threshold 0) and a
// JSON-like payload (bench/lib/game-state.ts) instead of the byte pattern.
import "../../src/transport/runtimes.ts"; // registers Node, Deno, Bun (the classes are imported from their own files)
import { installMessageCompression } from "../../src/websocket/compression-hook.ts";
import { permessageDeflateCodecs } from "../../src/websocket/message-compression.ts";
import { WebSocketPeer } from "../../src/websocket/peer.ts";
import { WebSocketServer } from "../../src/websocket/server.ts";
import type { WebSocketConnectionEvent } from "../../src/websocket/server.ts";
import type { WebSocketMessageEvent } from "../../src/websocket/events.ts";
import { gameStateText } from "../lib/game-state.ts";

installMessageCompression(permessageDeflateCodecs); // permessage-deflate, as the package entry does

const [sizeArg, countArg, windowArg, modeArg] = process.argv.slice(2);
const deflate = modeArg === "deflate" ? { threshold: 0 } : false;
const size = Number(sizeArg);
const count = Number(countArg);
const window = Number(windowArg ?? 512);
// Room for the whole window with headroom (Godot's 64 KiB defaults would refuse it): a
// runtime may count bytes as buffered until its write callback runs, after the echo is back.
const buffer = Math.max(65535, 4 * (window + 2) * (size + 16));
const queued = Math.max(4096, 4 * window);

let payload: Uint8Array = new Uint8Array(size);
for (let i = 0; i < size; i++) payload[i] = (i * 31 + 7) & 0xff;
if (deflate) payload = gameStateText(size);

const server = new WebSocketServer({ inboundBufferSize: buffer, outboundBufferSize: buffer, maxQueuedPackets: queued, perMessageDeflate: deflate });
await server.listen(0, "127.0.0.1");
server.addEventListener("connection", (ev) => {
  const peer = (ev as WebSocketConnectionEvent).peer;
  peer.addEventListener("message", (m) => {
    const err = peer.send((m as WebSocketMessageEvent).data);
    if (err !== 0) fail(`server send: error ${err}`); // send returns Godot's Error code
  });
});

const client = new WebSocketPeer();
client.inboundBufferSize = buffer;
client.outboundBufferSize = buffer;
client.maxQueuedPackets = queued;
client.perMessageDeflate = deflate;

function fail(message: string): never {
  console.error(message);
  process.exit(1);
}

const result = await new Promise<{ received: number; seconds: number }>((resolve, reject) => {
  let sent = 0;
  let received = 0;
  let start = 0;
  const timer = setTimeout(() => reject(new Error("timed out")), 60_000);
  client.addEventListener("open", () => {
    start = performance.now();
    while (sent < count && sent < window) {
      if (client.send(payload) !== 0) fail("client send failed");
      sent++;
    }
  });
  client.addEventListener("message", (m) => {
    if ((m as WebSocketMessageEvent).data.length !== size) reject(new Error("echo of the wrong size"));
    received++;
    if (received >= count) {
      clearTimeout(timer);
      resolve({ received, seconds: (performance.now() - start) / 1000 });
    } else if (sent < count) {
      if (client.send(payload) !== 0) fail("client send failed");
      sent++;
    }
  });
  client.addEventListener("close", () => {
    if (received < count) reject(new Error(`closed at ${received}/${count}: ${client.getCloseCode()} ${client.getCloseReason()}`));
  });
  client.connectToUrl(`ws://127.0.0.1:${server.getLocalPort()}/`);
});
const { received, seconds } = result;
if (deflate && client.getStats().messagesCompressed !== count) fail("permessage-deflate was not used");
console.log(JSON.stringify({ received, seconds, messagesPerSecond: received / seconds, megabytesPerSecond: (received * size) / seconds / 1e6 }));
client.close(-1);
await server.stop();
process.exit(0);
