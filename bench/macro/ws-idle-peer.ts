// The far side for the WebSocket memory benchmark, always the `ws` package so both
// measured implementations face the same peer:
//   ws-idle-peer.ts server           listen on 127.0.0.1 (prints {"port":P}), keep every connection open
//   ws-idle-peer.ts clients PORT N   open N connections to PORT (prints {"open":N}), keep them open
// Either mode exits when stdin closes, or after 60 s.
import { WebSocket, WebSocketServer } from "ws";

const [mode, portArg, countArg] = process.argv.slice(2);
const held: unknown[] = [];
process.stdin.on("data", () => {});
process.stdin.on("end", () => process.exit(0));
setTimeout(() => process.exit(0), 60_000);

if (mode === "server") {
  const server = new WebSocketServer({ host: "127.0.0.1", port: 0, perMessageDeflate: false });
  server.on("listening", () => console.log(JSON.stringify({ port: (server.address() as { port: number }).port })));
  server.on("connection", (s) => held.push(s));
} else if (mode === "clients") {
  const n = Number(countArg);
  let open = 0;
  for (let i = 0; i < n; i++) {
    const s = new WebSocket(`ws://127.0.0.1:${portArg}/`, { perMessageDeflate: false });
    s.on("open", () => {
      if (++open === n) console.log(JSON.stringify({ open }));
    });
    s.on("error", (err) => {
      console.error(String(err));
      process.exit(1);
    });
    held.push(s);
  }
} else {
  console.error("usage: ws-idle-peer.ts server | clients PORT N");
  process.exit(2);
}
