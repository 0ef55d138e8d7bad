// One reliable packet at a time, echoed: ENet round trips a second between two hosts on 127.0.0.1,
// with each host driven either by `await service(timeout)` (the loop sleeps until a datagram
// arrives) or by a setImmediate spin calling `service(0)`. On Deno the two differ by ~3x: a busy
// loop there reads its sockets only every few dozen turns (docs/transport.md).
// usage: enet-round-trips.ts wait|spin [COUNT] [SIZE]
import { ENetConnection, type ENetPacketPeer, EventType, PacketFlags } from "../../src/index.ts";
import { macrotask } from "../lib/macrotask.ts";
import { bothConnected } from "../lib/enet-connect.ts";

const [modeArg, countArg, sizeArg] = process.argv.slice(2);
if (modeArg !== "wait" && modeArg !== "spin") throw new Error("usage: enet-round-trips.ts wait|spin [COUNT] [SIZE]");
const count = Number(countArg ?? 3000);
const payload = new Uint8Array(Number(sizeArg ?? 100));

const server = new ENetConnection();
await server.createHostBound("127.0.0.1", 0, { maxPeers: 1, maxChannels: 1 });
const client = new ENetConnection();
await client.createHostBound("127.0.0.1", 0, { maxPeers: 1, maxChannels: 1 });
const toServer = await client.connectToHost("127.0.0.1", server.getLocalPort(), { channels: 1 });
await bothConnected(server, client, 5000);

/** The next packet `host` receives, driven as the mode says. */
async function nextPacket(host: ENetConnection): Promise<{ peer: ENetPacketPeer; packet: Uint8Array }> {
  for (const deadline = performance.now() + 5000; performance.now() < deadline; ) {
    if (modeArg === "spin") await macrotask();
    const ev = await host.service(modeArg === "wait" ? 10 : 0);
    if (ev.type === EventType.RECEIVE && ev.peer !== null) return { peer: ev.peer, packet: ev.peer.getPacket() };
  }
  throw new Error("no packet within 5 s");
}

const start = performance.now();
for (let i = 0; i < count; i++) {
  toServer.send(0, payload, PacketFlags.RELIABLE);
  client.flush();
  const { peer, packet } = await nextPacket(server);
  peer.send(0, packet, PacketFlags.RELIABLE);
  server.flush();
  await nextPacket(client);
}
const seconds = (performance.now() - start) / 1000;
console.log(JSON.stringify({ mode: modeArg, roundTrips: count, seconds, roundTripsPerSecond: count / seconds }));
client.destroy();
server.destroy();
