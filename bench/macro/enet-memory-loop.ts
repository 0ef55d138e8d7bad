// The ENet loopback scenario (enet-loopback.ts: reliable, at most WINDOW packets in flight) through
// the whole public stack (ENetConnection, ENetPacketPeer, HostCore) over MemoryNetwork on its
// virtual clock: nothing in it depends on timing, so the same run does the same work every time.
// bench/instructions.ts counts its machine instructions under callgrind, a figure that repeats to
// about 1 % on a machine where wall-clock rates of the socket loop vary by 15 % run to run.
// usage: enet-memory-loop.ts SIZE COUNT [window]
import { ENetConnection, EventType, PacketFlags } from "../../src/index.ts";
import { MemoryNetwork } from "../../src/transport/memory.ts";
import { windowTurn } from "../lib/enet-window.ts";

const [sizeArg, countArg, windowArg] = process.argv.slice(2);
const size = Number(sizeArg);
const count = Number(countArg);
const window = Number(windowArg ?? 512);

const net = new MemoryNetwork({ seed: 1, autoAdvance: false, traceLimit: 0 });
const server = new ENetConnection({ runtime: net.createRuntime("10.0.0.1") });
await server.createHostBound("10.0.0.1", 7777, { maxPeers: 4, maxChannels: 2 });
const client = new ENetConnection({ runtime: net.createRuntime("10.0.0.2") });
await client.createHost({ maxPeers: 1, maxChannels: 2 });
const peer = await client.connectToHost("10.0.0.1", 7777, { channels: 2 });
let connected = 0;
for (let step = 0; step < 1000 && connected < 2; step++) {
  if (server.poll().type === EventType.CONNECT) connected++;
  if (client.poll().type === EventType.CONNECT) connected++;
  await net.runFor(1);
}
if (connected < 2) throw new Error("connect timed out");

const payload = new Uint8Array(size);
for (let i = 0; i < size; i++) payload[i] = (i * 31 + 7) & 0xff;
const counts = { sent: 0, received: 0 };
for (let turn = 0; counts.received < count; turn++) {
  windowTurn(counts, peer, client, server, payload, PacketFlags.RELIABLE, count, window);
  if (turn > count) throw new Error(`stalled at ${counts.received}/${count}`);
  await net.runFor(0.1);
}
const stats = net.stats();
console.log(JSON.stringify({ received: counts.received, datagrams: stats.sent }));
client.destroy();
server.destroy();
net.close();
