// Child process for memory-idle.test.ts: uses the simulated network (datagrams with
// loss and latency, a stream echo), leaves a listener and a socket open but idle, and
// must then exit on its own: the virtual clock schedules nothing real once no virtual
// timers are pending. Prints "done <virtual ms> <trace digest>".
import { MemoryNetwork } from "../../src/transport/memory.ts";

const net = new MemoryNetwork({ seed: 77, defaultLink: { latencyMs: 20, jitterMs: 5, loss: 0.1, duplicate: 0.05 } });
const a = net.createRuntime("127.0.0.1");
const b = net.createRuntime("127.0.0.2");
const sa = a.createDatagramTransport();
const sb = b.createDatagramTransport();
await sa.bind("127.0.0.1", 5000);
await sb.bind("*", 0);
sa.onDatagram((d, addr, port) => sa.send(d, addr, port));
let echoed = 0;
sb.onDatagram(() => echoed++);
for (let i = 0; i < 500; i++) {
  sb.send(new Uint8Array([i & 255, i >> 8]), "127.0.0.1", 5000);
  await net.runFor(10);
}
await a.streams.listen({ host: "127.0.0.1", port: 80 }, (s) => {
  s.onData((d) => s.write(d));
  s.onEnd(() => s.end());
});
const c = await b.streams.connect({ host: "127.0.0.1", port: 80 });
let bytes = 0;
c.onData((d) => (bytes += d.length));
const closed = new Promise<void>((resolve) => c.onClose(() => resolve()));
c.write(new Uint8Array(300_000));
c.end();
await closed;
if (bytes !== 300_000 || echoed < 300) {
  console.log(`FAIL bytes=${bytes} echoed=${echoed}`);
  process.exit(1);
}
// Everything settles; the listener and sa/sb stay open on purpose.
await net.runFor(1000);
console.log(`done ${net.clock.now()} ${net.traceDigest()} pending=${net.clock.pendingTimers()}`);
