// The ENet loopback scenario (enet-loopback.ts: reliable, at most WINDOW packets in flight) on the
// sans-IO host cores alone: each datagram is copied from one core's pollTransmit() into the other's
// handleDatagram(), no socket anywhere. What the protocol work costs without the runtime's
// per-datagram I/O, which enet-loopback.ts pays on the same thread.
// usage: enet-cores.ts SIZE COUNT [window] [warmup] (warm-up as in bench/lib/warmup-clock.ts)
import { EventType, PacketFlags } from "../../src/enet/enums.ts";
import { HostCore } from "../../src/enet/host-core.ts";
import { WarmupClock } from "../lib/warmup-clock.ts";

const [sizeArg, countArg, windowArg, warmupArg] = process.argv.slice(2);
const size = Number(sizeArg);
const count = Number(countArg);
const window = Number(windowArg ?? 512);
const total = Number(warmupArg ?? 0) + count;

const server = new HostCore({ peerCount: 4, channelLimit: 2 });
const client = new HostCore({ peerCount: 1, channelLimit: 2 });
const SERVER = { address: "10.0.0.1", port: 7000 };
const CLIENT = { address: "10.0.0.2", port: 7001 };

/** Hand every datagram `from` has queued to `to`, as a socket would: a fresh copy each. */
function carry(from: HostCore, to: HostCore, sender: { address: string; port: number }, now: number): void {
  for (let t = from.pollTransmit(); t !== null; t = from.pollTransmit()) to.handleDatagram(now, t.data.slice(), sender.address, sender.port, true);
  from.releaseTransmits();
}

let now = 0;
const peer = client.connect(SERVER.address, SERVER.port, 2, 0);
if (peer === null) throw new Error("connect failed");
let connected = 0;
for (let step = 0; step < 100 && connected < 2; step++) {
  now += 1;
  client.service(now);
  carry(client, server, CLIENT, now);
  server.service(now);
  carry(server, client, SERVER, now);
  for (const core of [server, client]) for (let e = core.pollEvent(); e !== null; e = core.pollEvent()) if (e.type === EventType.CONNECT) connected++;
}
if (connected < 2) throw new Error("connect timed out");

const payload = new Uint8Array(size);
for (let i = 0; i < size; i++) payload[i] = (i * 31 + 7) & 0xff;
let sent = 0;
let received = 0;
const clock = performance;
const timer = new WarmupClock(total - count, () => clock.now());
const start = clock.now();
while (received < total) {
  while (sent < total && sent - received < window) {
    client.sendCopy(peer, 0, payload, PacketFlags.RELIABLE);
    sent++;
  }
  client.flush(now);
  carry(client, server, CLIENT, now);
  server.service(now);
  for (let e = server.pollEvent(); e !== null; e = server.pollEvent()) if (e.type === EventType.RECEIVE) received++;
  carry(server, client, SERVER, now);
  client.service(now);
  while (client.pollEvent() !== null);
  timer.observe(received);
  if (clock.now() - start > 120_000) throw new Error(`timed out at ${received}/${total}`);
  // The virtual clock moves on slowly, as the real one would between turns.
  now += 0.01;
}
console.log(JSON.stringify(timer.result(received, clock.now(), size)));
