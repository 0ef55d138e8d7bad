// The ENet loopback macro-benchmark scenario on packetpeer (same rules as
// bench/peers/enet_loopback.c and bench/peers/emscripten-enet.cjs).
// usage: enet-loopback.ts reliable|unreliable SIZE COUNT [rangecoder] [window] [warmup]
// (WARMUP packets go first, untimed: see bench/lib/warmup-clock.ts)
import { CompressionMode, ENetConnection, PacketFlags } from "../../src/index.ts";
import { windowTurn } from "../lib/enet-window.ts";
import { bothConnected } from "../lib/enet-connect.ts";
import { WarmupClock } from "../lib/warmup-clock.ts";
import { macrotask } from "../lib/macrotask.ts";

// `performance` read once: in Node 20 it is an accessor on globalThis whose getter runs on every
// read (about 300 instructions under callgrind).
const clock = performance;

const [mode, sizeArg, countArg, coderArg, windowArg, warmupArg] = process.argv.slice(2);
const reliable = mode === "reliable";
const size = Number(sizeArg);
const count = Number(countArg);
const rangeCoder = coderArg === "rangecoder";
const window = Number(windowArg ?? 512);
const warmup = Number(warmupArg ?? 0);
const total = warmup + count;

const payload = new Uint8Array(size);
for (let i = 0; i < size; i++) payload[i] = (i * 31 + 7) & 0xff;

const server = new ENetConnection();
await server.createHostBound("127.0.0.1", 0, { maxPeers: 4, maxChannels: 2 });
const client = new ENetConnection();
await client.createHost({ maxPeers: 1, maxChannels: 2 });
if (rangeCoder) {
  server.compress(CompressionMode.RANGE_CODER);
  client.compress(CompressionMode.RANGE_CODER);
}
const peer = await client.connectToHost("127.0.0.1", server.getLocalPort(), { channels: 2 });
await bothConnected(server, client, 5000);

const flags = reliable ? PacketFlags.RELIABLE : 0;
const counts = { sent: 0, received: 0 };
let lastProgress = 0;
const timer = new WarmupClock(warmup, () => clock.now());
const start = clock.now();
for (;;) {
  if (windowTurn(counts, peer, client, server, payload, flags, total, window) > 0) lastProgress = clock.now();
  timer.observe(counts.received);
  if (counts.received >= total) break;
  const now = clock.now();
  // Unreliable: lost packets never arrive and would hold the window shut.
  if (!reliable && lastProgress > 0 && now - lastProgress > 250) break;
  if (now - start > 120_000) throw new Error(`timed out at ${counts.received}/${total}`);
  await macrotask();
}
const end = counts.received >= total ? clock.now() : lastProgress;
console.log(JSON.stringify(timer.result(counts.received, end, size)));
client.destroy();
server.destroy();
