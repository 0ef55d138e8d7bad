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
  const raw = (data[0]! << 8) | data[1]!;
  const hasSentTime = (raw & ENET_PROTOCOL_HEADER_FLAG_SENT_TIME) !== 0;
  let headerSize = hasSentTime ? HEADER_SIZE_WITH_SENT_TIME : HEADER_SIZE_NO_SENT_TIME;
  if (withChecksum) headerSize += CHECKSUM_SIZE;
  if (data.length < headerSize) return null;
  const base = hasSentTime ? HEADER_SIZE_WITH_SENT_TIME : HEADER_SIZE_NO_SENT_TIME;
  return {
    peerID: raw & ENET_PROTOCOL_MAXIMUM_PEER_ID,
    sessionID: (raw & ENET_PROTOCOL_HEADER_SESSION_MASK) >> ENET_PROTOCOL_HEADER_SESSION_SHIFT,
    compressed: (raw & ENET_PROTOCOL_HEADER_FLAG_COMPRESSED) !== 0,
    sentTime: hasSentTime ? (data[2]! << 8) | data[3]! : -1,
    checksum: withChecksum
      ? ((data[base]! << 24) | (data[base + 1]! << 16) | (data[base + 2]! << 8) | data[base + 3]!) >>> 0
      : 0,
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

function readConnectParameters(d: Uint8Array, o: number): ConnectParameters {
  return {
    outgoingPeerID: u16(d, o + 4),
    incomingSessionID: d[o + 6]!,
    outgoingSessionID: d[o + 7]!,
    mtu: u32(d, o + 8),
    windowSize: u32(d, o + 12),
    channelCount: u32(d, o + 16),
    incomingBandwidth: u32(d, o + 20),
    outgoingBandwidth: u32(d, o + 24),
    packetThrottleInterval: u32(d, o + 28),
    packetThrottleAcceleration: u32(d, o + 32),
    packetThrottleDeceleration: u32(d, o + 36),
    connectID: u32(d, o + 40),
  };
}


/**
 * Decode the fixed part of one command at `offset`. Returns null when the command
 * number is invalid or the fixed part does not fit. Payload bytes (dataLength) follow
 * the fixed part and are not checked here.
 */
export function decodeCommand(data: Uint8Array, offset: number): EnetCommand | null {
  if (offset + COMMAND_HEADER_SIZE > data.length) return null;
  const byte = data[offset]!;
  const number = byte & ENET_PROTOCOL_COMMAND_MASK;
  const size = COMMAND_SIZES[number] ?? 0;
  if (number >= ENET_PROTOCOL_COMMAND_COUNT || size === 0 || offset + size > data.length) return null;
  const base = { flags: byte & 0xf0, channelID: data[offset + 1]!, reliableSequenceNumber: u16(data, offset + 2) };
  const o = offset;
  switch (number as ProtocolCommand) {
    case ProtocolCommand.ACKNOWLEDGE:
      return { command: ProtocolCommand.ACKNOWLEDGE, ...base, receivedReliableSequenceNumber: u16(data, o + 4), receivedSentTime: u16(data, o + 6) };
    case ProtocolCommand.CONNECT:
      return { command: ProtocolCommand.CONNECT, ...base, ...readConnectParameters(data, o), data: u32(data, o + 44) };
    case ProtocolCommand.VERIFY_CONNECT:
      return { command: ProtocolCommand.VERIFY_CONNECT, ...base, ...readConnectParameters(data, o) };
    case ProtocolCommand.DISCONNECT:
      return { command: ProtocolCommand.DISCONNECT, ...base, data: u32(data, o + 4) };
    case ProtocolCommand.PING:
      return { command: ProtocolCommand.PING, ...base };
    case ProtocolCommand.SEND_RELIABLE:
      return { command: ProtocolCommand.SEND_RELIABLE, ...base, dataLength: u16(data, o + 4) };
    case ProtocolCommand.SEND_UNRELIABLE:
      return { command: ProtocolCommand.SEND_UNRELIABLE, ...base, unreliableSequenceNumber: u16(data, o + 4), dataLength: u16(data, o + 6) };
    case ProtocolCommand.SEND_UNSEQUENCED:
      return { command: ProtocolCommand.SEND_UNSEQUENCED, ...base, unsequencedGroup: u16(data, o + 4), dataLength: u16(data, o + 6) };
    case ProtocolCommand.SEND_FRAGMENT:
    case ProtocolCommand.SEND_UNRELIABLE_FRAGMENT:
      return {
        command: number as ProtocolCommand.SEND_FRAGMENT | ProtocolCommand.SEND_UNRELIABLE_FRAGMENT,
        ...base,
        startSequenceNumber: u16(data, o + 4),
        dataLength: u16(data, o + 6),
        fragmentCount: u32(data, o + 8),
        fragmentNumber: u32(data, o + 12),
        totalLength: u32(data, o + 16),
        fragmentOffset: u32(data, o + 20),
      };
    case ProtocolCommand.BANDWIDTH_LIMIT:
      return { command: ProtocolCommand.BANDWIDTH_LIMIT, ...base, incomingBandwidth: u32(data, o + 4), outgoingBandwidth: u32(data, o + 8) };
    case ProtocolCommand.THROTTLE_CONFIGURE:
      return {
        command: ProtocolCommand.THROTTLE_CONFIGURE,
        ...base,
        packetThrottleInterval: u32(data, o + 4),
        packetThrottleAcceleration: u32(data, o + 8),
        packetThrottleDeceleration: u32(data, o + 12),
      };
    default:
      return null;
  }
}

