/**
 * LAN discovery, the asking side: broadcast a question and list every server that answers
 * within a second. Give an address to ask one host instead of the whole LAN.
 * Run: npx tsx examples/lan-discovery/client.ts [port] [address, default 255.255.255.255] [ms]
 * Exits 0 when at least one server answered, 1 otherwise.
 */
import { PacketPeerUDP } from "../../src/index.ts";

const port = Number(process.argv[2] ?? 4343);
const address = process.argv[3] ?? "255.255.255.255";
const listenMs = Number(process.argv[4] ?? 1000);

const socket = new PacketPeerUDP();
// Without it, a packet to 255.255.255.255 fails (FAILED), as in Godot.
socket.setBroadcastEnabled(true);
await socket.setDestAddress(address, port);
socket.putPacket(new TextEncoder().encode("DISCOVER packetpeer")); // opens the socket on demand

const found: string[] = [];
const deadline = Date.now() + listenMs;
while (Date.now() < deadline) {
  while (socket.getAvailablePacketCount() > 0) {
    const answer = socket.getVar() as { name?: unknown; gamePort?: unknown } | null;
    if (typeof answer?.name !== "string") continue;
    found.push(`${answer.name} at ${socket.getPacketIp()}:${String(answer.gamePort)}`);
    console.log(`found ${found[found.length - 1]}`);
  }
  await new Promise((r) => setTimeout(r, 20));
}
socket.close();
if (found.length === 0) console.log("no server answered");
process.exit(found.length > 0 ? 0 : 1);
