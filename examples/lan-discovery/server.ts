/**
 * LAN discovery, the answering side: a game server listens for a broadcast question and tells
 * the asker its name and game port. A Godot client does the same with PacketPeerUDP
 * (set_broadcast_enabled, set_dest_address("255.255.255.255", port), put_packet, get_packet_ip).
 * Run: npx tsx examples/lan-discovery/server.ts [port] [name]      (Ctrl-C stops it)
 */
import { GodotError, PacketPeerUDP } from "../../src/index.ts";

const QUESTION = "DISCOVER packetpeer";
const port = Number(process.argv[2] ?? 4343);
const name = process.argv[3] ?? "packetpeer game";

const socket = new PacketPeerUDP();
await socket.bind(port, "0.0.0.0");
console.log(`discovery server "${name}" on 0.0.0.0:${socket.getLocalPort()}`);

let stopping = false;
const stop = (): void => {
  stopping = true;
  socket.close(); // ends the pending wait() with ERR_UNCONFIGURED
};
process.once("SIGINT", stop);
process.once("SIGTERM", stop);
while (!stopping && (await socket.wait()) === GodotError.OK) {
  const question = new TextDecoder().decode(socket.getPacket());
  if (question !== QUESTION) continue;
  // Answer whoever asked: the sender of the packet just taken.
  await socket.setDestAddress(socket.getPacketIp(), socket.getPacketPort());
  socket.putVar({ name, gamePort: 7777 });
  console.log(`answered ${socket.getPacketIp()}:${socket.getPacketPort()}`);
}
