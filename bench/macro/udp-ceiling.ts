// The runtime's own UDP ceiling for the ENet loopback rows: a bare node:dgram loop in one
// process, same rules as enet-loopback.ts (127.0.0.1, at most WINDOW datagrams in flight,
// refilled once per macrotask), no protocol at all. ENet 1200 B reliable sends one data
// datagram per packet plus acks the other way, so this is an upper bound it cannot pass.
// usage: udp-ceiling.ts DATAGRAM_SIZE COUNT [window] [warmup] [silence_ms] (warm-up as in bench/lib/warmup-clock.ts)
import dgram from "node:dgram";
import { ceilingArgs } from "../lib/ceiling-args.ts";
import { WarmupClock } from "../lib/warmup-clock.ts";
import { macrotask } from "../lib/macrotask.ts";

// `performance` read once, as in enet-loopback.ts: Node 20's global is an accessor whose getter runs
// on every read, a cost per datagram here that is not the runtime's UDP.
const clock = performance;

const { size, window, warmup, total, silenceMs } = ceilingArgs();
const payload = Buffer.alloc(size, 7);

const bind = (socket: dgram.Socket): Promise<number> =>
  new Promise((resolve) => socket.bind(0, "127.0.0.1", () => resolve(socket.address().port)));
const receiver = dgram.createSocket("udp4");
const sender = dgram.createSocket("udp4");
const port = await bind(receiver);
await bind(sender);
for (const s of [receiver, sender]) {
  s.setRecvBufferSize(256 * 1024);
  s.setSendBufferSize(256 * 1024);
}
let received = 0;
let lastProgress = 0;
receiver.on("message", () => {
  received++;
  lastProgress = clock.now();
});
let sent = 0;
const timer = new WarmupClock(warmup, () => clock.now());
while (received < total) {
  while (sent < total && sent - received < window) {
    sender.send(payload, port, "127.0.0.1");
    sent++;
  }
  timer.observe(received);
  // Datagrams the kernel dropped never arrive: stop when nothing has come for a while (ceilingArgs).
  if (lastProgress > 0 && clock.now() - lastProgress > silenceMs) break;
  await macrotask();
}
console.log(JSON.stringify(timer.result(received, received >= total ? clock.now() : lastProgress, size)));
receiver.close();
sender.close();
