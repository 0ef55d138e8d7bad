/**
 * ENet chat server: every line a client sends is relayed, as "name: text", to every connected
 * client (the sender included). A client's first packet is its name.
 * Run: npx tsx examples/enet-chat/server.ts [port]      (Ctrl-C stops it)
 */
import { ENetConnection, EventType, PacketFlags, type ENetPacketPeer } from "../../src/index.ts";

const port = Number(process.argv[2] ?? 7777);
if (!Number.isInteger(port) || port < 0 || port > 65535) {
  console.error(`not a port: ${JSON.stringify(process.argv[2])}\nusage: npx tsx examples/enet-chat/server.ts [port]   (0 picks a free one)`);
  process.exit(2);
}
const host = new ENetConnection();
try {
  await host.createHostBound("127.0.0.1", port, 32, 1); // 32 peers, 1 channel (Godot's positional form)
} catch (err) {
  // A NetError: ERR_ALREADY_IN_USE when another program has the port, ...
  console.error(`cannot listen on 127.0.0.1:${port}: ${(err as Error).message}`);
  process.exit(1);
}
console.log(`chat server on 127.0.0.1:${host.getLocalPort()}`);

const names = new Map<ENetPacketPeer, string>();
const text = new TextEncoder();
const untext = new TextDecoder();
const say = (line: string): void => {
  console.log(line);
  host.broadcast(0, text.encode(line), PacketFlags.RELIABLE);
};

let stopping = false;
process.once("SIGINT", () => (stopping = true));
process.once("SIGTERM", () => (stopping = true));
while (!stopping) {
  const [type, peer, , , ] = await host.service(100); // Godot's [type, peer, data, channel] array
  if (type === EventType.EVENT_RECEIVE && peer) {
    const line = untext.decode(peer.getPacket()).trim().slice(0, 500);
    if (!names.has(peer)) {
      names.set(peer, line || "anonymous");
      say(`* ${names.get(peer)} joined`);
    } else say(`${names.get(peer)}: ${line}`);
  } else if (type === EventType.EVENT_DISCONNECT && peer) {
    const name = names.get(peer);
    names.delete(peer);
    if (name) say(`* ${name} left`);
  }
}
for (const peer of names.keys()) peer.peerDisconnect();
host.flush();
host.destroy();
