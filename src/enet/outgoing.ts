/**
 * Serialising commands into a datagram buffer: queued OutgoingCommands (the fixed part plus
 * payload) and acknowledgements. The one command writer: the host sends with it, and tools
 * and the capture tests re-encode decoded commands through `encodeCommand`.
 */
import { OutgoingCommand } from "./commands.ts";
import { COMMAND_SIZES, type EnetCommand, ProtocolCommand, writeU16BE as put16, writeU32BE as put32 } from "./wire.ts";

const ACKNOWLEDGE_SIZE = COMMAND_SIZES[ProtocolCommand.ACKNOWLEDGE]!;

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
      put16(out, pos + 4, c.outgoingPeerID);
      out[pos + 6] = c.incomingSessionID & 0xff;
      out[pos + 7] = c.outgoingSessionID & 0xff;
      put32(out, pos + 8, c.mtu);
      put32(out, pos + 12, c.windowSize);
      put32(out, pos + 16, c.channelCount);
      put32(out, pos + 20, c.incomingBandwidth);
      put32(out, pos + 24, c.outgoingBandwidth);
      put32(out, pos + 28, c.packetThrottleInterval);
      put32(out, pos + 32, c.packetThrottleAcceleration);
      put32(out, pos + 36, c.packetThrottleDeceleration);
      put32(out, pos + 40, c.connectID);
      if (number === ProtocolCommand.CONNECT) put32(out, pos + 44, c.data ?? 0);
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

/**
 * ACKNOWLEDGE of `reliableSequenceNumber` on `channelID`, echoing the acknowledged datagram's
 * `sentTime`; C ENet repeats the sequence number in the command header.
 */
export function writeAcknowledgeCommand(out: Uint8Array, pos: number, channelID: number, reliableSequenceNumber: number, sentTime: number): number {
  out[pos] = ProtocolCommand.ACKNOWLEDGE;
  out[pos + 1] = channelID;
  out[pos + 2] = out[pos + 4] = (reliableSequenceNumber >>> 8) & 0xff;
  out[pos + 3] = out[pos + 5] = reliableSequenceNumber & 0xff;
  out[pos + 6] = (sentTime >>> 8) & 0xff;
  out[pos + 7] = sentTime & 0xff;
  return ACKNOWLEDGE_SIZE;
}

/** Encode a decoded command's fixed part at `offset` with the host's own writer; returns its size. */
export function encodeCommand(cmd: EnetCommand, out: Uint8Array, offset: number): number {
  if (cmd.command === ProtocolCommand.ACKNOWLEDGE) {
    return writeAcknowledgeCommand(out, offset, cmd.channelID, cmd.receivedReliableSequenceNumber, cmd.receivedSentTime);
  }
  const o = new OutgoingCommand(cmd.command | cmd.flags, cmd.channelID, null, 0, 0);
  o.reliableSequenceNumber = cmd.reliableSequenceNumber;
  switch (cmd.command) {
    case ProtocolCommand.CONNECT:
    case ProtocolCommand.VERIFY_CONNECT:
      o.connect = cmd; // a decoded command carries the parameters under the same names
      break;
    case ProtocolCommand.DISCONNECT:
      o.field1 = cmd.data;
      break;
    case ProtocolCommand.SEND_RELIABLE:
      o.fragmentLength = cmd.dataLength;
      break;
    case ProtocolCommand.SEND_UNRELIABLE:
      o.unreliableSequenceNumber = cmd.unreliableSequenceNumber;
      o.fragmentLength = cmd.dataLength;
      break;
    case ProtocolCommand.SEND_UNSEQUENCED:
      o.field1 = cmd.unsequencedGroup;
      o.fragmentLength = cmd.dataLength;
      break;
    case ProtocolCommand.SEND_FRAGMENT:
    case ProtocolCommand.SEND_UNRELIABLE_FRAGMENT:
      o.startSequenceNumber = cmd.startSequenceNumber;
      o.fragmentLength = cmd.dataLength;
      o.fragmentCount = cmd.fragmentCount;
      o.fragmentNumber = cmd.fragmentNumber;
      o.totalLength = cmd.totalLength;
      o.fragmentOffset = cmd.fragmentOffset;
      break;
    case ProtocolCommand.BANDWIDTH_LIMIT:
      o.field1 = cmd.incomingBandwidth;
      o.field2 = cmd.outgoingBandwidth;
      break;
    case ProtocolCommand.THROTTLE_CONFIGURE:
      o.field1 = cmd.packetThrottleInterval;
      o.field2 = cmd.packetThrottleAcceleration;
      o.field3 = cmd.packetThrottleDeceleration;
      break;
    case ProtocolCommand.PING:
      break;
  }
  return writeOutgoingCommand(o, out, offset);
}
