/** Serialising queued OutgoingCommands into a datagram buffer (the fixed part plus payload). */
import type { OutgoingCommand } from "./commands.ts";
import { COMMAND_SIZES, ProtocolCommand, writeU16BE as put16, writeU32BE as put32 } from "./wire.ts";

/** Indices into OutgoingCommand.connect for CONNECT / VERIFY_CONNECT. */
export enum ConnectField {
  OutgoingPeerID = 0,
  IncomingSessionID,
  OutgoingSessionID,
  Mtu,
  WindowSize,
  ChannelCount,
  IncomingBandwidth,
  OutgoingBandwidth,
  PacketThrottleInterval,
  PacketThrottleAcceleration,
  PacketThrottleDeceleration,
  ConnectID,
  Data,
  Count,
}

/** Write `cmd` (fixed part, then its payload slice) at `pos`; returns the bytes written. */
export function writeOutgoingCommand(cmd: OutgoingCommand, out: Uint8Array, pos: number): number {
  const number = (cmd.commandByte & 0x0f) as ProtocolCommand;
  const size = COMMAND_SIZES[number]!;
  out[pos] = cmd.commandByte;
  out[pos + 1] = cmd.channelID;
  put16(out, pos + 2, cmd.reliableSequenceNumber);
  switch (number) {
    case ProtocolCommand.CONNECT:
    case ProtocolCommand.VERIFY_CONNECT: {
      const c = cmd.connect!;
      put16(out, pos + 4, c[ConnectField.OutgoingPeerID]!);
      out[pos + 6] = c[ConnectField.IncomingSessionID]! & 0xff;
      out[pos + 7] = c[ConnectField.OutgoingSessionID]! & 0xff;
      for (let f = ConnectField.Mtu, o = pos + 8; f <= ConnectField.ConnectID; f++, o += 4) put32(out, o, c[f]!);
      if (number === ProtocolCommand.CONNECT) put32(out, pos + 44, c[ConnectField.Data]!);
      break;
    }
    case ProtocolCommand.DISCONNECT:
      put32(out, pos + 4, cmd.field1);
      break;
    case ProtocolCommand.SEND_RELIABLE:
      put16(out, pos + 4, cmd.fragmentLength);
      break;
    case ProtocolCommand.SEND_UNRELIABLE:
      put16(out, pos + 4, cmd.unreliableSequenceNumber);
      put16(out, pos + 6, cmd.fragmentLength);
      break;
    case ProtocolCommand.SEND_UNSEQUENCED:
      put16(out, pos + 4, cmd.field1);
      put16(out, pos + 6, cmd.fragmentLength);
      break;
    case ProtocolCommand.SEND_FRAGMENT:
    case ProtocolCommand.SEND_UNRELIABLE_FRAGMENT:
      put16(out, pos + 4, cmd.startSequenceNumber);
      put16(out, pos + 6, cmd.fragmentLength);
      put32(out, pos + 8, cmd.fragmentCount);
      put32(out, pos + 12, cmd.fragmentNumber);
      put32(out, pos + 16, cmd.totalLength);
      put32(out, pos + 20, cmd.fragmentOffset);
      break;
    case ProtocolCommand.BANDWIDTH_LIMIT:
      put32(out, pos + 4, cmd.field1);
      put32(out, pos + 8, cmd.field2);
      break;
    case ProtocolCommand.THROTTLE_CONFIGURE:
      put32(out, pos + 4, cmd.field1);
      put32(out, pos + 8, cmd.field2);
      put32(out, pos + 12, cmd.field3);
      break;
    default:
      break;
  }
  const packet = cmd.packet;
  if (packet === null || cmd.fragmentLength === 0) return size;
  if (cmd.fragmentOffset === 0 && cmd.fragmentLength === packet.length) out.set(packet, pos + size);
  else out.set(packet.subarray(cmd.fragmentOffset, cmd.fragmentOffset + cmd.fragmentLength), pos + size);
  return size + cmd.fragmentLength;
}
