/**
 * Serialising commands into a datagram buffer: queued OutgoingCommands (the fixed part plus
 * payload) and acknowledgements. The one command writer: the host sends with it, and tools
 * and the capture tests re-encode decoded commands through `encodeCommand`.
 */
import { OutgoingCommand } from "./commands.ts";
import {
  ACK_RECEIVED_RELIABLE_SEQUENCE_NUMBER,
  ACK_RECEIVED_SENT_TIME,
  BANDWIDTH_INCOMING_BANDWIDTH,
  BANDWIDTH_OUTGOING_BANDWIDTH,
  CMD_CHANNEL_ID,
  CMD_COMMAND,
  CMD_RELIABLE_SEQUENCE_NUMBER,
  COMMAND_SIZES,
  DISCONNECT_DATA,
  type EnetCommand,
  FRAGMENT_DATA_LENGTH,
  FRAGMENT_FRAGMENT_COUNT,
  FRAGMENT_FRAGMENT_NUMBER,
  FRAGMENT_FRAGMENT_OFFSET,
  FRAGMENT_START_SEQUENCE_NUMBER,
  FRAGMENT_TOTAL_LENGTH,
  ProtocolCommand,
  SEND_RELIABLE_DATA_LENGTH,
  SEND_UNRELIABLE_DATA_LENGTH,
  SEND_UNRELIABLE_UNRELIABLE_SEQUENCE_NUMBER,
  SEND_UNSEQUENCED_DATA_LENGTH,
  SEND_UNSEQUENCED_UNSEQUENCED_GROUP,
  THROTTLE_PACKET_THROTTLE_ACCELERATION,
  THROTTLE_PACKET_THROTTLE_DECELERATION,
  THROTTLE_PACKET_THROTTLE_INTERVAL,
  writeConnectParameters,
  writeU16BE as put16,
  writeU32BE as put32,
} from "./wire.ts";

// Module-local copies of wire.ts's layout names: V8 reads an imported binding through its
// module cell on every use, a local const as a constant (measured: ~15 % on the command writer).
const L_ACK_RECEIVED_RELIABLE_SEQUENCE_NUMBER = ACK_RECEIVED_RELIABLE_SEQUENCE_NUMBER;
const L_ACK_RECEIVED_SENT_TIME = ACK_RECEIVED_SENT_TIME;
const L_BANDWIDTH_INCOMING_BANDWIDTH = BANDWIDTH_INCOMING_BANDWIDTH;
const L_BANDWIDTH_OUTGOING_BANDWIDTH = BANDWIDTH_OUTGOING_BANDWIDTH;
const L_CMD_CHANNEL_ID = CMD_CHANNEL_ID;
const L_CMD_COMMAND = CMD_COMMAND;
const L_CMD_RELIABLE_SEQUENCE_NUMBER = CMD_RELIABLE_SEQUENCE_NUMBER;
const L_DISCONNECT_DATA = DISCONNECT_DATA;
const L_FRAGMENT_DATA_LENGTH = FRAGMENT_DATA_LENGTH;
const L_FRAGMENT_FRAGMENT_COUNT = FRAGMENT_FRAGMENT_COUNT;
const L_FRAGMENT_FRAGMENT_NUMBER = FRAGMENT_FRAGMENT_NUMBER;
const L_FRAGMENT_FRAGMENT_OFFSET = FRAGMENT_FRAGMENT_OFFSET;
const L_FRAGMENT_START_SEQUENCE_NUMBER = FRAGMENT_START_SEQUENCE_NUMBER;
const L_FRAGMENT_TOTAL_LENGTH = FRAGMENT_TOTAL_LENGTH;
const L_SEND_RELIABLE_DATA_LENGTH = SEND_RELIABLE_DATA_LENGTH;
const L_SEND_UNRELIABLE_DATA_LENGTH = SEND_UNRELIABLE_DATA_LENGTH;
const L_SEND_UNRELIABLE_UNRELIABLE_SEQUENCE_NUMBER = SEND_UNRELIABLE_UNRELIABLE_SEQUENCE_NUMBER;
const L_SEND_UNSEQUENCED_DATA_LENGTH = SEND_UNSEQUENCED_DATA_LENGTH;
const L_SEND_UNSEQUENCED_UNSEQUENCED_GROUP = SEND_UNSEQUENCED_UNSEQUENCED_GROUP;
const L_THROTTLE_PACKET_THROTTLE_ACCELERATION = THROTTLE_PACKET_THROTTLE_ACCELERATION;
const L_THROTTLE_PACKET_THROTTLE_DECELERATION = THROTTLE_PACKET_THROTTLE_DECELERATION;
const L_THROTTLE_PACKET_THROTTLE_INTERVAL = THROTTLE_PACKET_THROTTLE_INTERVAL;

const ACKNOWLEDGE_SIZE = COMMAND_SIZES[ProtocolCommand.ACKNOWLEDGE] ?? 8;

/** Write `cmd` (fixed part, then its payload slice) at `pos`; returns the bytes written. */
export function writeOutgoingCommand(cmd: OutgoingCommand, out: Uint8Array, pos: number): number {
  const number = (cmd.commandByte & 0x0f) as ProtocolCommand;
  const size = COMMAND_SIZES[number] ?? 0;
  out[pos + L_CMD_COMMAND] = cmd.commandByte;
  out[pos + L_CMD_CHANNEL_ID] = cmd.channelID;
  put16(out, pos + L_CMD_RELIABLE_SEQUENCE_NUMBER, cmd.reliableSequenceNumber);
  switch (number) {
    case ProtocolCommand.CONNECT:
    case ProtocolCommand.VERIFY_CONNECT:
      if (cmd.connect !== null) writeConnectParameters(out, pos, cmd.connect, number === ProtocolCommand.CONNECT);
      break;
    case ProtocolCommand.DISCONNECT:
      put32(out, pos + L_DISCONNECT_DATA, cmd.field1);
      break;
    case ProtocolCommand.SEND_RELIABLE:
      put16(out, pos + L_SEND_RELIABLE_DATA_LENGTH, cmd.fragmentLength);
      break;
    case ProtocolCommand.SEND_UNRELIABLE:
      put16(out, pos + L_SEND_UNRELIABLE_UNRELIABLE_SEQUENCE_NUMBER, cmd.unreliableSequenceNumber);
      put16(out, pos + L_SEND_UNRELIABLE_DATA_LENGTH, cmd.fragmentLength);
      break;
    case ProtocolCommand.SEND_UNSEQUENCED:
      put16(out, pos + L_SEND_UNSEQUENCED_UNSEQUENCED_GROUP, cmd.field1);
      put16(out, pos + L_SEND_UNSEQUENCED_DATA_LENGTH, cmd.fragmentLength);
      break;
    case ProtocolCommand.SEND_FRAGMENT:
    case ProtocolCommand.SEND_UNRELIABLE_FRAGMENT:
      put16(out, pos + L_FRAGMENT_START_SEQUENCE_NUMBER, cmd.startSequenceNumber);
      put16(out, pos + L_FRAGMENT_DATA_LENGTH, cmd.fragmentLength);
      put32(out, pos + L_FRAGMENT_FRAGMENT_COUNT, cmd.fragmentCount);
      put32(out, pos + L_FRAGMENT_FRAGMENT_NUMBER, cmd.fragmentNumber);
      put32(out, pos + L_FRAGMENT_TOTAL_LENGTH, cmd.totalLength);
      put32(out, pos + L_FRAGMENT_FRAGMENT_OFFSET, cmd.fragmentOffset);
      break;
    case ProtocolCommand.BANDWIDTH_LIMIT:
      put32(out, pos + L_BANDWIDTH_INCOMING_BANDWIDTH, cmd.field1);
      put32(out, pos + L_BANDWIDTH_OUTGOING_BANDWIDTH, cmd.field2);
      break;
    case ProtocolCommand.THROTTLE_CONFIGURE:
      put32(out, pos + L_THROTTLE_PACKET_THROTTLE_INTERVAL, cmd.field1);
      put32(out, pos + L_THROTTLE_PACKET_THROTTLE_ACCELERATION, cmd.field2);
      put32(out, pos + L_THROTTLE_PACKET_THROTTLE_DECELERATION, cmd.field3);
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
  out[pos + L_CMD_COMMAND] = ProtocolCommand.ACKNOWLEDGE;
  out[pos + L_CMD_CHANNEL_ID] = channelID;
  put16(out, pos + L_CMD_RELIABLE_SEQUENCE_NUMBER, reliableSequenceNumber);
  put16(out, pos + L_ACK_RECEIVED_RELIABLE_SEQUENCE_NUMBER, reliableSequenceNumber);
  put16(out, pos + L_ACK_RECEIVED_SENT_TIME, sentTime);
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
