// A server that waits with `await service(timeout)` (the async Godot-style loop) under bursts: a
// client on loopback keeps 256 reliable 100 B packets in flight until 20,000 have arrived. Prints
// the run time and the datagrams each side sent, which shows how many acknowledgement datagrams
// the server needed for what it received (docs/enet.md, "wakes once per read burst").
// usage: npx tsx bench/macro/enet-service-burst.ts [count] [inFlight]
import { ENetConnection, EventType, HostStatistic, PacketFlags } from "../../src/index.ts";

const total = Number(process.argv[2] ?? 20_000);
const inFlight = Number(process.argv[3] ?? 256);
const server = new ENetConnection();
await server.createHostBound("127.0.0.1", 0, { maxPeers: 4, maxChannels: 2 });
const client = new ENetConnection();
await client.createHost({ maxPeers: 1, maxChannels: 2 });
const peer = await client.connectToHost("127.0.0.1", server.getLocalPort(), { channels: 2 });
let received = 0;
let connected = false;
const serverLoop = (async () => {
  while (received < total) {
    const ev = await server.service(20);
    if (ev.type === EventType.CONNECT) connected = true;
    if (ev.type === EventType.RECEIVE) {
      ev.peer?.getPacket();
      received++;
    }
  }
})();
while (!connected) {
  client.poll();
  await new Promise((r) => setTimeout(r, 1));
}
for (const host of [server, client]) for (const s of [0, 1, 2, 3] as HostStatistic[]) host.popStatistic(s);
const payload = new Uint8Array(100);
const started = performance.now();
let sent = 0;
while (received < total) {
  while (sent < total && sent - received < inFlight) {
    peer.send(0, payload, PacketFlags.RELIABLE);
    sent++;
  }
  client.poll();
  await new Promise((r) => setImmediate(r));
}
await serverLoop;
console.log(
  JSON.stringify({
    packets: total,
    ms: Math.round(performance.now() - started),
    clientDatagrams: client.popStatistic(HostStatistic.HOST_TOTAL_SENT_PACKETS),
    serverDatagrams: server.popStatistic(HostStatistic.HOST_TOTAL_SENT_PACKETS),
  }),
);
client.destroy();
server.destroy();
