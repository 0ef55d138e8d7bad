// The ENet loopback macro-benchmark scenario on the npm package enet@0.2.9
// (C ENet compiled to JavaScript with emscripten). Same rules as enet_loopback.c:
// one process, server + client host on 127.0.0.1, at most WINDOW packets sent but
// not yet received, timed until the server has received all (unreliable: until all
// have arrived or nothing arrived for 250 ms).
// usage: node emscripten-enet.cjs reliable|unreliable SIZE COUNT [rangecoder] [window] [warmup]
// (WARMUP packets go first, untimed, by the rule of bench/lib/warmup-clock.ts)
"use strict";
const enet = require("enet");

const [mode, sizeArg, countArg, coderArg, windowArg, warmupArg] = process.argv.slice(2);
const rangeCoder = coderArg === "rangecoder";
const reliable = mode === "reliable";
const size = Number(sizeArg);
const count = Number(countArg);
const window = Number(windowArg ?? 512);
const warmup = Number(warmupArg ?? 0);
const total = warmup + count;
const payload = Buffer.alloc(size);
for (let i = 0; i < size; i++) payload[i] = (i * 31 + 7) & 0xff;

// `performance` read once, as in enet-loopback.ts (Node 20's global is an accessor whose getter runs on every read).
const clock = performance;

function fail(message) {
  console.error(message);
  process.exit(1);
}

enet.createServer({ address: { address: "127.0.0.1", port: 0 }, peers: 4, channels: 2, down: 0, up: 0 }, (err, server) => {
  if (err) fail(String(err));
  if (rangeCoder) server.enableCompression();
  let received = 0;
  let lastProgress = 0;
  server.on("message", () => {
    received++;
    lastProgress = clock.now();
  });
  enet.createClient({ peers: 1, channels: 2, down: 0, up: 0 }, (err2, client) => {
    if (err2) fail(String(err2));
    if (rangeCoder) client.enableCompression();
    const port = server.address().port;
    const peer = client.connect({ address: "127.0.0.1", port }, 2, 0);
    let connected = false;
    peer.on("connect", () => {
      connected = true;
    });
    let sent = 0;
    let first = 0;
    let start = -1;
    let receivedAtStart = 0;
    const deadline = clock.now() + 120_000;
    const flags = reliable ? enet.PACKET_FLAG.RELIABLE : 0;
    const loop = () => {
      server._service();
      client._service();
      if (!connected) {
        if (clock.now() > deadline) fail("connect timed out");
        return setImmediate(loop);
      }
      if (first === 0) {
        first = clock.now();
        if (warmup === 0) start = first;
      } else if (start < 0 && received >= warmup) {
        // The end of the first turn in which the warm-up arrived (the server's messages come in _service()).
        start = clock.now();
        receivedAtStart = received;
      }
      while (sent < total && sent - received < window) {
        peer.send(0, new enet.Packet(payload, flags));
        sent++;
      }
      client.flush();
      const now = clock.now();
      // Unreliable: lost packets never arrive and would hold the window shut.
      const done = received >= total || (!reliable && lastProgress > 0 && now - lastProgress > 250);
      if (done) {
        if (start < 0) fail(`the run ended in its warm-up: ${received}/${warmup} packets`);
        const end = received >= total ? now : lastProgress;
        const seconds = (end - start) / 1000;
        const timed = received - receivedAtStart;
        const warmupSeconds = (start - first) / 1000;
        console.log(
          JSON.stringify({
            received: timed,
            seconds,
            packetsPerSecond: timed / seconds,
            megabytesPerSecond: (timed * size) / seconds / 1e6,
            totalReceived: received,
            warmupPackets: receivedAtStart,
            warmupSeconds,
            warmupPacketsPerSecond: warmupSeconds > 0 ? receivedAtStart / warmupSeconds : 0,
          }),
        );
        client.destroy();
        server.destroy();
        process.exit(0);
      }
      if (now > deadline) fail(`timed out at ${received}/${total}`);
      setImmediate(loop);
    };
    loop();
  });
});
