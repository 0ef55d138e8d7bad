// The turn every ENet loopback harness runs (the same rules as bench/peers/enet_loopback.c): queue
// packets until WINDOW are in flight or COUNT are sent, flush the client, then read every event of
// both hosts, taking each received packet.
import { type ENetConnection, type ENetPacketPeer, EventType } from "../../src/index.ts";

/** Packets sent and received so far. */
export interface WindowCounts {
  sent: number;
  received: number;
}

/** One turn; returns how many packets the server received in it (also added to `counts.received`). */
export function windowTurn(
  counts: WindowCounts,
  peer: ENetPacketPeer,
  client: ENetConnection,
  server: ENetConnection,
  payload: Uint8Array,
  flags: number,
  count: number,
  window: number,
): number {
  while (counts.sent < count && counts.sent - counts.received < window) {
    peer.send(0, payload, flags);
    counts.sent++;
  }
  client.flush();
  let received = 0;
  for (let ev = server.poll(); ev.type !== EventType.NONE; ev = server.poll()) {
    if (ev.type === EventType.RECEIVE) {
      ev.peer?.getPacket();
      received++;
    }
  }
  counts.received += received;
  for (let ev = client.poll(); ev.type !== EventType.NONE; ev = client.poll()) {
    if (ev.type === EventType.RECEIVE) ev.peer?.getPacket();
  }
  return received;
}
