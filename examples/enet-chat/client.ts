/**
 * ENet chat client: sends its name, then every stdin line; prints what the server relays.
 * Run: npx tsx examples/enet-chat/client.ts NAME [host:port]
 *      npx tsx examples/enet-chat/client.ts NAME [host:port] --say "hello"   (one line, then leave)
 */
import { createInterface } from "node:readline";
import { ENetConnection, EventType, PacketFlags } from "../../src/index.ts";

const args = process.argv.slice(2);
const sayAt = args.indexOf("--say");
const oneLine = sayAt >= 0 ? args.splice(sayAt, 2)[1] : undefined;
const [name = "guest", target = "127.0.0.1:7777"] = args;
const [address, port] = [target.slice(0, target.lastIndexOf(":")), Number(target.slice(target.lastIndexOf(":") + 1))];

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
if (oneLine !== undefined) server.send(0, text.encode(oneLine), PacketFlags.RELIABLE);
else createInterface({ input: process.stdin }).on("line", (line) => server.send(0, text.encode(line), PacketFlags.RELIABLE)).on("close", () => (leaving = true));

for (;;) {
  const ev = await client.service(100);
  if (ev.type === EventType.EVENT_RECEIVE) {
    const line = untext.decode(ev.peer!.getPacket());
    console.log(line);
    // With --say: leave once our own line came back through the server.
    if (oneLine !== undefined && line === `${name}: ${oneLine}`) leaving = true;
  }
  if (ev.type === EventType.EVENT_DISCONNECT) break;
  if (leaving) {
    server.peerDisconnectLater();
    leaving = false;
  }
}
client.destroy();
process.exit(0);
