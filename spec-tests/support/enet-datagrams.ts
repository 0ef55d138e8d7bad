// Reading test traffic at the ENet level, for relays and simulated links that act on one packet.
import { dissectDatagram } from "../../src/enet/dissect.ts";
import { ProtocolCommand } from "../../src/enet/wire.ts";

/** Does an (uncompressed) ENet datagram carry a sender's first reliable packet on channel 0? */
export function carriesFirstReliablePacket(data: Uint8Array): boolean {
  const d = dissectDatagram(data);
  if (d.error !== undefined || d.compressed) return false;
  return d.commands.some((c) => c.command.command === ProtocolCommand.SEND_RELIABLE && c.command.channelID === 0 && c.command.reliableSequenceNumber === 1);
}
