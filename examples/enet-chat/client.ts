/**
 * ENet chat client: sends its name, then every stdin line; prints what the server relays.
 * Run: npx tsx examples/enet-chat/client.ts NAME [host:port]       (type lines; Ctrl-D or Ctrl-C leaves)
 *      npx tsx examples/enet-chat/client.ts NAME [host:port] --say "hello"   (one line, then leave)
 *      printf 'one\ntwo\n' | npx tsx examples/enet-chat/client.ts NAME   (each line, then leave)
 */
import { createInterface } from "node:readline";
import { ENetConnection, EventType, PacketFlags } from "../../src/index.ts";

const args = process.argv.slice(2);
const sayAt = args.indexOf("--say");
const oneLine = sayAt >= 0 ? args.splice(sayAt, 2)[1] : undefined;
const [name = "guest", target = "127.0.0.1:7777"] = args;
// HOST:PORT, or [IPv6]:PORT.
const parts = /^\[?([^\]]+?)\]?:(\d+)$/.exec(target);
const port = Number(parts?.[2]);
if (!parts || port < 1 || port > 65535) {
  console.error(`not HOST:PORT: ${JSON.stringify(target)}\nusage: npx tsx examples/enet-chat/client.ts NAME [HOST:PORT] [--say "text"], for example: alice 127.0.0.1:7777`);
  process.exit(2);
}
const address = parts[1]!;

const client = new ENetConnection();
await client.createHost(1, 1);
const server = await client.connectToHost(address, port, 1);
const text = new TextEncoder();
const untext = new TextDecoder();

const connected = await client.service(5000);
if (connected.type !== EventType.EVENT_CONNECT) {
  console.error(`no chat server answered at ${target}`);
  process.exit(1);
}
server.send(0, text.encode(name), PacketFlags.RELIABLE);

let leaving = false;
// The line whose return through the server means everything we said was relayed (the server relays in order).
let lastSaid: string | null = null;
let inputEnded = false;
const say = (line: string): void => {
  server.send(0, text.encode(line), PacketFlags.RELIABLE);
  lastSaid = line.trim().slice(0, 500); // as the server relays it
};
if (oneLine !== undefined) {
  say(oneLine);
  inputEnded = true;
} else {
  createInterface({ input: process.stdin })
    .on("line", say)
    // End of input (Ctrl-D, or the end of a pipe): leave once our last line came back, so its relay still prints.
    .on("close", () => {
      inputEnded = true;
      if (lastSaid === null) leaving = true;
    });
}
// Ctrl-C leaves at once, politely (a second Ctrl-C stops the program).
process.once("SIGINT", () => (leaving = true));

for (;;) {
  const ev = await client.service(100);
  if (ev.type === EventType.EVENT_RECEIVE) {
    const line = untext.decode(ev.peer!.getPacket());
    console.log(line);
    if (inputEnded && line === `${name}: ${lastSaid}`) leaving = true;
  }
  if (ev.type === EventType.EVENT_DISCONNECT) break;
  if (leaving) {
    server.peerDisconnectLater();
    leaving = false;
  }
}
client.destroy();
process.exit(0);
