// Bun's own UDP ceiling for the ENet loopback rows run on Bun: the loop of udp-ceiling.ts (127.0.0.1,
// at most WINDOW datagrams in flight, refilled once per macrotask, no protocol at all) on
// Bun.udpSocket, the API packetpeer's Bun transport uses. Each received datagram is copied, as the
// transport must (Bun reuses the chunk after the callback returns), so the copy is not counted
// against ENet. Datagrams Bun refuses with backpressure (send() === false) are sent again on
// `drain`, as the transport does.
// usage: bun udp-ceiling-bun.ts DATAGRAM_SIZE COUNT [window] [warmup] [silence_ms] (warm-up as in bench/lib/warmup-clock.ts)
import { ceilingArgs } from "../lib/ceiling-args.ts";
import { WarmupClock } from "../lib/warmup-clock.ts";
import { macrotask } from "../lib/macrotask.ts";

interface BunUdpSocket {
  readonly port: number;
  send(data: Uint8Array, port: number, address: string): boolean;
  close(): void;
}
interface BunUdpApi {
  udpSocket(options: {
    hostname: string;
    port: number;
    socket: { data?: (socket: BunUdpSocket, data: Uint8Array) => void; drain?: (socket: BunUdpSocket) => void };
  }): Promise<BunUdpSocket>;
}
const bun = (globalThis as { Bun?: BunUdpApi }).Bun;
if (bun === undefined) throw new Error("udp-ceiling-bun.ts runs on Bun only");

const clock = performance;
const { size, window, warmup, total, silenceMs } = ceilingArgs();
const payload = new Uint8Array(size).fill(7);

let received = 0;
let lastProgress = 0;
let kept: Uint8Array | null = null;
const receiver = await bun.udpSocket({
  hostname: "127.0.0.1",
  port: 0,
  socket: {
    data: (_socket, data) => {
      kept = new Uint8Array(data);
      received++;
      lastProgress = clock.now();
    },
  },
});
let refused = 0;
const sender = await bun.udpSocket({
  hostname: "127.0.0.1",
  port: 0,
  socket: {
    drain: (socket) => {
      while (refused > 0 && socket.send(payload, receiver.port, "127.0.0.1")) refused--;
    },
  },
});
let sent = 0;
const timer = new WarmupClock(warmup, () => clock.now());
while (received < total) {
  while (sent < total && sent - received < window) {
    if (refused > 0 || !sender.send(payload, receiver.port, "127.0.0.1")) refused++;
    sent++;
  }
  timer.observe(received);
  // Datagrams the kernel dropped never arrive: stop when nothing has come for a while (ceilingArgs).
  if (lastProgress > 0 && clock.now() - lastProgress > silenceMs) break;
  await macrotask();
}
if (kept === null) throw new Error("nothing received");
console.log(JSON.stringify(timer.result(received, received >= total ? clock.now() : lastProgress, size)));
receiver.close();
sender.close();
