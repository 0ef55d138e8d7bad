// WebSocket echo on loopback with Bun's built-in server (Bun.serve) and client
// (globalThis.WebSocket). Same rules as ws-echo-ours.ts. Runs on Bun only.
// usage: bun ws-echo-bun.ts SIZE COUNT [window]
export {};

declare const Bun: {
  serve(options: unknown): { port: number; stop(closeActive?: boolean): void };
};

const [sizeArg, countArg, windowArg] = process.argv.slice(2);
const size = Number(sizeArg);
const count = Number(countArg);
const inFlight = Number(windowArg ?? 512);
const payload = new Uint8Array(size);
for (let i = 0; i < size; i++) payload[i] = (i * 31 + 7) & 0xff;

function fail(message: string): never {
  console.error(message);
  process.exit(1);
}

interface ServerSocket {
  send(data: unknown): number;
}
const server = Bun.serve({
  hostname: "127.0.0.1",
  port: 0,
  fetch(req: Request, srv: { upgrade(req: Request): boolean }) {
    if (srv.upgrade(req)) return undefined;
    return new Response("upgrade required", { status: 426 });
  },
  websocket: {
    maxPayloadLength: size + 1024,
    backpressureLimit: 4 * (inFlight + 2) * (size + 16),
    perMessageDeflate: false,
    message(socket: ServerSocket, message: unknown) {
      socket.send(message);
    },
  },
});

const client = new WebSocket(`ws://127.0.0.1:${server.port}/`);
client.binaryType = "arraybuffer";
const { received, seconds } = await new Promise<{ received: number; seconds: number }>((resolve) => {
  let sent = 0;
  let received = 0;
  let start = 0;
  const timer = setTimeout(() => fail("timed out"), 60_000);
  client.onopen = () => {
    start = performance.now();
    while (sent < count && sent < inFlight) {
      client.send(payload);
      sent++;
    }
  };
  client.onmessage = (ev: MessageEvent) => {
    if ((ev.data as ArrayBuffer).byteLength !== size) fail("echo of the wrong size");
    received++;
    if (received >= count) {
      clearTimeout(timer);
      resolve({ received, seconds: (performance.now() - start) / 1000 });
    } else if (sent < count) {
      client.send(payload);
      sent++;
    }
  };
  client.onerror = () => fail("client error");
  client.onclose = () => {
    if (received < count) fail(`closed at ${received}/${count}`);
  };
});
console.log(JSON.stringify({ received, seconds, messagesPerSecond: received / seconds, megabytesPerSecond: (received * size) / seconds / 1e6 }));
client.close();
server.stop(true);
process.exit(0);
