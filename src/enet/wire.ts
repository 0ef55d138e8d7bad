/**
 * ENet's wire format (protocol.h of C ENet 1.3.17/1.3.18): constants, the datagram
 * header and the 13 command codecs. Pure functions over DataView/Uint8Array: no
 * state, no I/O, no time. All multi-byte fields are big-endian ("network order"),
 * except `connectID`, which C ENet copies without byte swapping; we keep it as the
 * big-endian reading of its four wire bytes, so it round-trips byte-exactly and is
 * placed into the checksum seed the same way C does (the raw four bytes).
 */

export const ENET_PROTOCOL_MINIMUM_MTU = 576;
export const ENET_PROTOCOL_MAXIMUM_MTU = 4096;
export const ENET_PROTOCOL_MAXIMUM_PACKET_COMMANDS = 32;
export const ENET_PROTOCOL_MINIMUM_WINDOW_SIZE = 4096;
export const ENET_PROTOCOL_MAXIMUM_WINDOW_SIZE = 65536;
export const ENET_PROTOCOL_MINIMUM_CHANNEL_COUNT = 1;
export const ENET_PROTOCOL_MAXIMUM_CHANNEL_COUNT = 255;
export const ENET_PROTOCOL_MAXIMUM_PEER_ID = 0xfff;
/** The channel ID of the connection's own commands (CONNECT, VERIFY_CONNECT, DISCONNECT, PING...), 0xFF in C ENet. */
export const CONTROL_CHANNEL_ID = 0xff;
export const ENET_PROTOCOL_MAXIMUM_FRAGMENT_COUNT = 1024 * 1024;

/** ENetProtocolCommand. */
export enum ProtocolCommand {
  NONE = 0,
  ACKNOWLEDGE = 1,
  CONNECT = 2,
  VERIFY_CONNECT = 3,
  DISCONNECT = 4,
  PING = 5,
  SEND_RELIABLE = 6,
  SEND_UNRELIABLE = 7,
  SEND_FRAGMENT = 8,
  SEND_UNSEQUENCED = 9,
  BANDWIDTH_LIMIT = 10,
  THROTTLE_CONFIGURE = 11,
  SEND_UNRELIABLE_FRAGMENT = 12,
}
export const ENET_PROTOCOL_COMMAND_COUNT = 13;
export const ENET_PROTOCOL_COMMAND_MASK = 0x0f;

export const ENET_PROTOCOL_COMMAND_FLAG_ACKNOWLEDGE = 1 << 7;
export const ENET_PROTOCOL_COMMAND_FLAG_UNSEQUENCED = 1 << 6;
export const ENET_PROTOCOL_HEADER_FLAG_COMPRESSED = 1 << 14;
export const ENET_PROTOCOL_HEADER_FLAG_SENT_TIME = 1 << 15;
export const ENET_PROTOCOL_HEADER_FLAG_MASK = ENET_PROTOCOL_HEADER_FLAG_COMPRESSED | ENET_PROTOCOL_HEADER_FLAG_SENT_TIME;
export const ENET_PROTOCOL_HEADER_SESSION_MASK = 3 << 12;
export const ENET_PROTOCOL_HEADER_SESSION_SHIFT = 12;

/** Header without / with the optional sentTime field; a CRC32 adds 4 bytes after it. */
export const HEADER_SIZE_NO_SENT_TIME = 2;
export const HEADER_SIZE_WITH_SENT_TIME = 4;
export const CHECKSUM_SIZE = 4;
/** sizeof(ENetProtocolHeader): what C ENet counts against the MTU for a datagram's header (the checksum is not counted). */
export const HEADER_SIZE_FOR_MTU = HEADER_SIZE_WITH_SENT_TIME;
export const COMMAND_HEADER_SIZE = 4;

/** sizeof each ENetProtocol* struct (packed), indexed by command number; 0 = invalid. */
export const COMMAND_SIZES: readonly number[] = [
  0, // NONE
  8, // ACKNOWLEDGE
  48, // CONNECT
  44, // VERIFY_CONNECT
  8, // DISCONNECT
  4, // PING
  6, // SEND_RELIABLE
  8, // SEND_UNRELIABLE
  24, // SEND_FRAGMENT
  8, // SEND_UNSEQUENCED
  12, // BANDWIDTH_LIMIT
  16, // THROTTLE_CONFIGURE
  24, // SEND_UNRELIABLE_FRAGMENT
];

// ---------------------------------------------------------------- field layout
//
// Byte offsets of every command field from the start of its command (protocol.h's packed
// ENetProtocol* structs). The decoder, the command writer (outgoing.ts), the handshake and
// the receive loop all read and write fields through these names; nothing else types an
// offset. Plain module constants (not an object) so the hot receive path reads them as
// immediates.

/** ENetProtocolCommandHeader: command byte, channel, reliable sequence number. */
export const CMD_COMMAND = 0;
export const CMD_CHANNEL_ID = 1;
export const CMD_RELIABLE_SEQUENCE_NUMBER = 2;

/** ENetProtocolAcknowledge. */
export const ACK_RECEIVED_RELIABLE_SEQUENCE_NUMBER = 4;
export const ACK_RECEIVED_SENT_TIME = 6;

/** ENetProtocolConnect / ENetProtocolVerifyConnect (VERIFY_CONNECT stops before `data`). */
export const CONNECT_OUTGOING_PEER_ID = 4;
export const CONNECT_INCOMING_SESSION_ID = 6;
export const CONNECT_OUTGOING_SESSION_ID = 7;
export const CONNECT_MTU = 8;
export const CONNECT_WINDOW_SIZE = 12;
export const CONNECT_CHANNEL_COUNT = 16;
export const CONNECT_INCOMING_BANDWIDTH = 20;
export const CONNECT_OUTGOING_BANDWIDTH = 24;
export const CONNECT_PACKET_THROTTLE_INTERVAL = 28;
export const CONNECT_PACKET_THROTTLE_ACCELERATION = 32;
export const CONNECT_PACKET_THROTTLE_DECELERATION = 36;
export const CONNECT_CONNECT_ID = 40;
export const CONNECT_DATA = 44;

/** ENetProtocolDisconnect. */
export const DISCONNECT_DATA = 4;

/** ENetProtocolSendReliable. */
export const SEND_RELIABLE_DATA_LENGTH = 4;
/** ENetProtocolSendUnreliable. */
export const SEND_UNRELIABLE_UNRELIABLE_SEQUENCE_NUMBER = 4;
export const SEND_UNRELIABLE_DATA_LENGTH = 6;
/** ENetProtocolSendUnsequenced. */
export const SEND_UNSEQUENCED_UNSEQUENCED_GROUP = 4;
export const SEND_UNSEQUENCED_DATA_LENGTH = 6;
/** ENetProtocolSendFragment (SEND_FRAGMENT and SEND_UNRELIABLE_FRAGMENT). */
export const FRAGMENT_START_SEQUENCE_NUMBER = 4;
export const FRAGMENT_DATA_LENGTH = 6;
export const FRAGMENT_FRAGMENT_COUNT = 8;
export const FRAGMENT_FRAGMENT_NUMBER = 12;
export const FRAGMENT_TOTAL_LENGTH = 16;
export const FRAGMENT_FRAGMENT_OFFSET = 20;

/** ENetProtocolBandwidthLimit. */
export const BANDWIDTH_INCOMING_BANDWIDTH = 4;
export const BANDWIDTH_OUTGOING_BANDWIDTH = 8;

/** ENetProtocolThrottleConfigure. */
export const THROTTLE_PACKET_THROTTLE_INTERVAL = 4;
export const THROTTLE_PACKET_THROTTLE_ACCELERATION = 8;
export const THROTTLE_PACKET_THROTTLE_DECELERATION = 12;

/**
 * Where each command's 16-bit `dataLength` sits, indexed by command number; 0 = the command
 * carries no payload. The payload follows the fixed part directly.
 */
export const PAYLOAD_LENGTH_OFFSETS: readonly number[] = [
  0, // NONE
  0, // ACKNOWLEDGE
  0, // CONNECT
  0, // VERIFY_CONNECT
  0, // DISCONNECT
  0, // PING
  SEND_RELIABLE_DATA_LENGTH,
  SEND_UNRELIABLE_DATA_LENGTH,
  FRAGMENT_DATA_LENGTH,
  SEND_UNSEQUENCED_DATA_LENGTH,
  0, // BANDWIDTH_LIMIT
  0, // THROTTLE_CONFIGURE
  FRAGMENT_DATA_LENGTH,
];

/** Size of a command given its command byte (flags are masked off). 0 for unknown commands. */
export function commandSize(commandByte: number): number {
  return COMMAND_SIZES[commandByte & ENET_PROTOCOL_COMMAND_MASK] ?? 0;
}

// ---------------------------------------------------------------- header

export interface DatagramHeader {
  /** 12-bit peer ID; 0xFFF means "no peer yet" (CONNECT). */
  peerID: number;
  /** 2-bit session ID. */
  sessionID: number;
  compressed: boolean;
  /** The 16-bit sent time, or -1 when the SENT_TIME flag is clear. */
  sentTime: number;
  /** The checksum field (big-endian reading) when `checksum` was requested, else 0. */
  checksum: number;
  /** Bytes before the first command (2 or 4, plus 4 with a checksum). */
  headerSize: number;
}

/** Decode a datagram header. Returns null when the datagram is too short. */
export function decodeHeader(data: Uint8Array, withChecksum: boolean): DatagramHeader | null {
  if (data.length < HEADER_SIZE_NO_SENT_TIME) return null;
  const raw = u16(data, 0);
  const hasSentTime = (raw & ENET_PROTOCOL_HEADER_FLAG_SENT_TIME) !== 0;
  let headerSize = hasSentTime ? HEADER_SIZE_WITH_SENT_TIME : HEADER_SIZE_NO_SENT_TIME;
  if (withChecksum) headerSize += CHECKSUM_SIZE;
  if (data.length < headerSize) return null;
  const base = hasSentTime ? HEADER_SIZE_WITH_SENT_TIME : HEADER_SIZE_NO_SENT_TIME;
  return {
    peerID: raw & ENET_PROTOCOL_MAXIMUM_PEER_ID,
    sessionID: (raw & ENET_PROTOCOL_HEADER_SESSION_MASK) >> ENET_PROTOCOL_HEADER_SESSION_SHIFT,
    compressed: (raw & ENET_PROTOCOL_HEADER_FLAG_COMPRESSED) !== 0,
    sentTime: hasSentTime ? u16(data, HEADER_SIZE_NO_SENT_TIME) : -1,
    checksum: withChecksum ? u32(data, base) : 0,
    headerSize,
  };
}

/**
 * Write a header at `offset`; returns its size. `sentTime` < 0 omits the field.
 * With `withChecksum`, 4 bytes are reserved after it (the caller fills them in).
 */
export function encodeHeader(
  out: Uint8Array,
  offset: number,
  peerID: number,
  sessionID: number,
  compressed: boolean,
  sentTime: number,
  withChecksum: boolean,
): number {
  let raw = (peerID & ENET_PROTOCOL_MAXIMUM_PEER_ID) | ((sessionID & 3) << ENET_PROTOCOL_HEADER_SESSION_SHIFT);
  if (compressed) raw |= ENET_PROTOCOL_HEADER_FLAG_COMPRESSED;
  let size = HEADER_SIZE_NO_SENT_TIME;
  if (sentTime >= 0) {
    raw |= ENET_PROTOCOL_HEADER_FLAG_SENT_TIME;
    out[offset + 2] = (sentTime >> 8) & 0xff;
    out[offset + 3] = sentTime & 0xff;
    size = HEADER_SIZE_WITH_SENT_TIME;
  }
  out[offset] = (raw >> 8) & 0xff;
  out[offset + 1] = raw & 0xff;
  if (withChecksum) {
    out[offset + size] = out[offset + size + 1] = out[offset + size + 2] = out[offset + size + 3] = 0;
    size += CHECKSUM_SIZE;
  }
  return size;
}

// ---------------------------------------------------------------- commands

interface CommandBase {
  /** The full command byte's flags: ENET_PROTOCOL_COMMAND_FLAG_ACKNOWLEDGE / _UNSEQUENCED. */
  flags: number;
  channelID: number;
  reliableSequenceNumber: number;
}

export interface AcknowledgeCommand extends CommandBase {
  command: ProtocolCommand.ACKNOWLEDGE;
  receivedReliableSequenceNumber: number;
  receivedSentTime: number;
}

export interface ConnectParameters {
  outgoingPeerID: number;
  incomingSessionID: number;
  outgoingSessionID: number;
  mtu: number;
  windowSize: number;
  channelCount: number;
  incomingBandwidth: number;
  outgoingBandwidth: number;
  packetThrottleInterval: number;
  packetThrottleAcceleration: number;
  packetThrottleDeceleration: number;
  connectID: number;
}

/** What CONNECT / VERIFY_CONNECT carry; `data` is written for CONNECT only. */
export interface OutgoingConnectParameters extends ConnectParameters {
  data?: number;
}

export interface ConnectCommand extends CommandBase, ConnectParameters {
  command: ProtocolCommand.CONNECT;
  data: number;
}

export interface VerifyConnectCommand extends CommandBase, ConnectParameters {
  command: ProtocolCommand.VERIFY_CONNECT;
}

export interface DisconnectCommand extends CommandBase {
  command: ProtocolCommand.DISCONNECT;
  data: number;
}

export interface PingCommand extends CommandBase {
  command: ProtocolCommand.PING;
}

export interface SendReliableCommand extends CommandBase {
  command: ProtocolCommand.SEND_RELIABLE;
  dataLength: number;
}

export interface SendUnreliableCommand extends CommandBase {
  command: ProtocolCommand.SEND_UNRELIABLE;
  unreliableSequenceNumber: number;
  dataLength: number;
}

export interface SendUnsequencedCommand extends CommandBase {
  command: ProtocolCommand.SEND_UNSEQUENCED;
  unsequencedGroup: number;
  dataLength: number;
}

export interface SendFragmentCommand extends CommandBase {
  command: ProtocolCommand.SEND_FRAGMENT | ProtocolCommand.SEND_UNRELIABLE_FRAGMENT;
  startSequenceNumber: number;
  dataLength: number;
  fragmentCount: number;
  fragmentNumber: number;
  totalLength: number;
  fragmentOffset: number;
}

export interface BandwidthLimitCommand extends CommandBase {
  command: ProtocolCommand.BANDWIDTH_LIMIT;
  incomingBandwidth: number;
  outgoingBandwidth: number;
}

export interface ThrottleConfigureCommand extends CommandBase {
  command: ProtocolCommand.THROTTLE_CONFIGURE;
  packetThrottleInterval: number;
  packetThrottleAcceleration: number;
  packetThrottleDeceleration: number;
}

export type EnetCommand =
  | AcknowledgeCommand
  | ConnectCommand
  | VerifyConnectCommand
  | DisconnectCommand
  | PingCommand
  | SendReliableCommand
  | SendUnreliableCommand
  | SendUnsequencedCommand
  | SendFragmentCommand
  | BandwidthLimitCommand
  | ThrottleConfigureCommand;

// The byte readers below are only called after the caller checked the bounds (the decoder and
// the receive loop compare against the length first), hence the non-null reads.
function u16(d: Uint8Array, o: number): number {
  return (d[o]! << 8) | d[o + 1]!;
}
function u32(d: Uint8Array, o: number): number {
  return ((d[o]! << 24) | (d[o + 1]! << 16) | (d[o + 2]! << 8) | d[o + 3]!) >>> 0;
}
function put16(d: Uint8Array, o: number, v: number): void {
  d[o] = (v >>> 8) & 0xff;
  d[o + 1] = v & 0xff;
}
function put32(d: Uint8Array, o: number, v: number): void {
  d[o] = (v >>> 24) & 0xff;
  d[o + 1] = (v >>> 16) & 0xff;
  d[o + 2] = (v >>> 8) & 0xff;
  d[o + 3] = v & 0xff;
}
export { u16 as readU16BE, u32 as readU32BE, put16 as writeU16BE, put32 as writeU32BE };

/** The parameters CONNECT and VERIFY_CONNECT share, read from the command at `o`. */
export function readConnectParameters(d: Uint8Array, o: number): ConnectParameters {
  return {
    outgoingPeerID: u16(d, o + CONNECT_OUTGOING_PEER_ID),
    incomingSessionID: d[o + CONNECT_INCOMING_SESSION_ID] ?? 0,
    outgoingSessionID: d[o + CONNECT_OUTGOING_SESSION_ID] ?? 0,
    mtu: u32(d, o + CONNECT_MTU),
    windowSize: u32(d, o + CONNECT_WINDOW_SIZE),
    channelCount: u32(d, o + CONNECT_CHANNEL_COUNT),
    incomingBandwidth: u32(d, o + CONNECT_INCOMING_BANDWIDTH),
    outgoingBandwidth: u32(d, o + CONNECT_OUTGOING_BANDWIDTH),
    packetThrottleInterval: u32(d, o + CONNECT_PACKET_THROTTLE_INTERVAL),
    packetThrottleAcceleration: u32(d, o + CONNECT_PACKET_THROTTLE_ACCELERATION),
    packetThrottleDeceleration: u32(d, o + CONNECT_PACKET_THROTTLE_DECELERATION),
    connectID: u32(d, o + CONNECT_CONNECT_ID),
  };
}

/** Write the CONNECT / VERIFY_CONNECT parameters (and CONNECT's `data`) into the command at `o`. */
export function writeConnectParameters(d: Uint8Array, o: number, c: OutgoingConnectParameters, withData: boolean): void {
  put16(d, o + CONNECT_OUTGOING_PEER_ID, c.outgoingPeerID);
  d[o + CONNECT_INCOMING_SESSION_ID] = c.incomingSessionID & 0xff;
  d[o + CONNECT_OUTGOING_SESSION_ID] = c.outgoingSessionID & 0xff;
  put32(d, o + CONNECT_MTU, c.mtu);
  put32(d, o + CONNECT_WINDOW_SIZE, c.windowSize);
  put32(d, o + CONNECT_CHANNEL_COUNT, c.channelCount);
  put32(d, o + CONNECT_INCOMING_BANDWIDTH, c.incomingBandwidth);
  put32(d, o + CONNECT_OUTGOING_BANDWIDTH, c.outgoingBandwidth);
  put32(d, o + CONNECT_PACKET_THROTTLE_INTERVAL, c.packetThrottleInterval);
  put32(d, o + CONNECT_PACKET_THROTTLE_ACCELERATION, c.packetThrottleAcceleration);
  put32(d, o + CONNECT_PACKET_THROTTLE_DECELERATION, c.packetThrottleDeceleration);
  put32(d, o + CONNECT_CONNECT_ID, c.connectID);
  if (withData) put32(d, o + CONNECT_DATA, c.data ?? 0);
}

/**
 * Decode the fixed part of one command at `offset`. Returns null when the command
 * number is invalid or the fixed part does not fit. Payload bytes (dataLength) follow
 * the fixed part and are not checked here.
 */
export function decodeCommand(data: Uint8Array, offset: number): EnetCommand | null {
  if (offset + COMMAND_HEADER_SIZE > data.length) return null;
  const byte = data[offset + CMD_COMMAND]!; // in bounds: checked on the line above
  const number = byte & ENET_PROTOCOL_COMMAND_MASK;
  const size = COMMAND_SIZES[number] ?? 0;
  if (number >= ENET_PROTOCOL_COMMAND_COUNT || size === 0 || offset + size > data.length) return null;
  const base = { flags: byte & 0xf0, channelID: data[offset + CMD_CHANNEL_ID]!, reliableSequenceNumber: u16(data, offset + CMD_RELIABLE_SEQUENCE_NUMBER) };
  const o = offset;
  switch (number as ProtocolCommand) {
    case ProtocolCommand.ACKNOWLEDGE:
      return { command: ProtocolCommand.ACKNOWLEDGE, ...base, receivedReliableSequenceNumber: u16(data, o + ACK_RECEIVED_RELIABLE_SEQUENCE_NUMBER), receivedSentTime: u16(data, o + ACK_RECEIVED_SENT_TIME) };
    case ProtocolCommand.CONNECT:
      return { command: ProtocolCommand.CONNECT, ...base, ...readConnectParameters(data, o), data: u32(data, o + CONNECT_DATA) };
    case ProtocolCommand.VERIFY_CONNECT:
      return { command: ProtocolCommand.VERIFY_CONNECT, ...base, ...readConnectParameters(data, o) };
    case ProtocolCommand.DISCONNECT:
      return { command: ProtocolCommand.DISCONNECT, ...base, data: u32(data, o + DISCONNECT_DATA) };
    case ProtocolCommand.PING:
      return { command: ProtocolCommand.PING, ...base };
    case ProtocolCommand.SEND_RELIABLE:
      return { command: ProtocolCommand.SEND_RELIABLE, ...base, dataLength: u16(data, o + SEND_RELIABLE_DATA_LENGTH) };
    case ProtocolCommand.SEND_UNRELIABLE:
      return { command: ProtocolCommand.SEND_UNRELIABLE, ...base, unreliableSequenceNumber: u16(data, o + SEND_UNRELIABLE_UNRELIABLE_SEQUENCE_NUMBER), dataLength: u16(data, o + SEND_UNRELIABLE_DATA_LENGTH) };
    case ProtocolCommand.SEND_UNSEQUENCED:
      return { command: ProtocolCommand.SEND_UNSEQUENCED, ...base, unsequencedGroup: u16(data, o + SEND_UNSEQUENCED_UNSEQUENCED_GROUP), dataLength: u16(data, o + SEND_UNSEQUENCED_DATA_LENGTH) };
    case ProtocolCommand.SEND_FRAGMENT:
    case ProtocolCommand.SEND_UNRELIABLE_FRAGMENT:
      return {
        command: number as ProtocolCommand.SEND_FRAGMENT | ProtocolCommand.SEND_UNRELIABLE_FRAGMENT,
        ...base,
        startSequenceNumber: u16(data, o + FRAGMENT_START_SEQUENCE_NUMBER),
        dataLength: u16(data, o + FRAGMENT_DATA_LENGTH),
        fragmentCount: u32(data, o + FRAGMENT_FRAGMENT_COUNT),
        fragmentNumber: u32(data, o + FRAGMENT_FRAGMENT_NUMBER),
        totalLength: u32(data, o + FRAGMENT_TOTAL_LENGTH),
        fragmentOffset: u32(data, o + FRAGMENT_FRAGMENT_OFFSET),
      };
    case ProtocolCommand.BANDWIDTH_LIMIT:
      return { command: ProtocolCommand.BANDWIDTH_LIMIT, ...base, incomingBandwidth: u32(data, o + BANDWIDTH_INCOMING_BANDWIDTH), outgoingBandwidth: u32(data, o + BANDWIDTH_OUTGOING_BANDWIDTH) };
    case ProtocolCommand.THROTTLE_CONFIGURE:
      return {
        command: ProtocolCommand.THROTTLE_CONFIGURE,
        ...base,
        packetThrottleInterval: u32(data, o + THROTTLE_PACKET_THROTTLE_INTERVAL),
        packetThrottleAcceleration: u32(data, o + THROTTLE_PACKET_THROTTLE_ACCELERATION),
        packetThrottleDeceleration: u32(data, o + THROTTLE_PACKET_THROTTLE_DECELERATION),
      };
    default:
      return null;
  }
}

