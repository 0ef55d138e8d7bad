// Deno's own UDP ceiling for the ENet loopback row run on Deno: the loop of udp-ceiling.ts
// (127.0.0.1, at most WINDOW datagrams in flight, refilled once per macrotask, no protocol at all)
// on Deno.listenDatagram, used the way packetpeer's Deno transport uses it: one receive loop into
// a reused buffer, each datagram copied out of it, and each send given a copy in a reused send pool
// (the send may complete later: the pool is rewound once every send has settled). Those copies are
// the API's price, so they are not counted against ENet.
// usage: deno run -A --unstable-net udp-ceiling-deno.ts DATAGRAM_SIZE COUNT [window] [warmup] [silence_ms]
import { ceilingArgs } from "../lib/ceiling-args.ts";
import { WarmupClock } from "../lib/warmup-clock.ts";
import { macrotask } from "../lib/macrotask.ts";

interface DenoAddr {
  transport: "udp";
  hostname: string;
  port: number;
}
interface DenoDatagramConn {
  readonly addr: DenoAddr;
  receive(buffer: Uint8Array): Promise<[Uint8Array, DenoAddr]>;
  send(data: Uint8Array, to: DenoAddr): Promise<number>;
  close(): void;
}
interface DenoUdpApi {
  listenDatagram(options: { transport: "udp"; hostname: string; port: number }): DenoDatagramConn;
  exit(code: number): never;
}
const deno = (globalThis as { Deno?: DenoUdpApi }).Deno;
if (deno === undefined) throw new Error("udp-ceiling-deno.ts runs on Deno only (with --unstable-net)");

const clock = performance;
const { size, window, warmup, total, silenceMs } = ceilingArgs();
const payload = new Uint8Array(size).fill(7);

const receiver = deno.listenDatagram({ transport: "udp", hostname: "127.0.0.1", port: 0 });
const sender = deno.listenDatagram({ transport: "udp", hostname: "127.0.0.1", port: 0 });
const to: DenoAddr = { transport: "udp", hostname: "127.0.0.1", port: receiver.addr.port };
let received = 0;
let lastProgress = 0;
let kept: Uint8Array | null = null;
void (async () => {
  const buffer = new Uint8Array(64 * 1024);
  try {
    for (;;) {
      const [data] = await receiver.receive(buffer);
      kept = data.slice();
      received++;
      lastProgress = clock.now();
    }
  } catch {
    // closed at the end
  }
})();
let sendErrors = 0;
// The send pool of src/transport/deno.ts (DenoDatagramTransport.copyForSend), same size and rule.
const SEND_POOL_SIZE = 128 * 1024;
let pool = new Uint8Array(SEND_POOL_SIZE);
let poolUsed = 0;
let unsettled = 0;
const onSent = (): void => {
  if (--unsettled === 0) poolUsed = 0;
};
const onSendError = (): void => {
  sendErrors++;
  if (--unsettled === 0) poolUsed = 0;
};
function copyForSend(data: Uint8Array): Uint8Array {
  if (poolUsed + data.length > pool.length) {
    if (unsettled > 0) pool = new Uint8Array(SEND_POOL_SIZE);
    poolUsed = 0;
  }
  const at = poolUsed;
  pool.set(data, at);
  poolUsed = (at + data.length + 7) & ~7;
  return new Uint8Array(pool.buffer, at, data.length);
}
let sent = 0;
const timer = new WarmupClock(warmup, () => clock.now());
while (received < total) {
  while (sent < total && sent - received < window) {
    unsettled++;
    sender.send(copyForSend(payload), to).then(onSent, onSendError);
    sent++;
  }
  timer.observe(received);
  // Datagrams the kernel dropped never arrive: stop when nothing has come for a while (ceilingArgs).
  if (lastProgress > 0 && clock.now() - lastProgress > silenceMs) break;
  await macrotask();
}
if (kept === null) throw new Error("nothing received");
if (sendErrors > 0) throw new Error(`${sendErrors} sends failed`);
console.log(JSON.stringify(timer.result(received, received >= total ? clock.now() : lastProgress, size)));
receiver.close();
sender.close();
deno.exit(0);
