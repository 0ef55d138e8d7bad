/**
 * The receive half of the host (protocol.c's enet_protocol_handle_incoming_commands and the
 * control-command handlers): validate the datagram header, find the peer, decompress, check
 * the CRC, then walk the commands, dispatch each by number and queue acknowledgements.
 * Every field is read through wire.ts's layout names. Hostile input never throws: a bad
 * datagram is dropped whole, a bad command ends the datagram, and both are counted.
 */
import { CRC32_INITIAL, crc32Final, crc32Update } from "../util/crc32.ts";
import { ENET_PEER_FREE_RELIABLE_WINDOWS, ENET_PEER_RELIABLE_WINDOW_SIZE, ENET_PEER_RELIABLE_WINDOWS } from "./constants.ts";
import { PeerState } from "./enums.ts";
import { acceptConnect, handleVerifyConnect, reinstateParked } from "./handshake.ts";
import type { HostCore } from "./host-core.ts";
import {
  HANDLER_ERROR,
  HANDLER_OK,
  handleSendFragment,
  handleSendReliable,
  handleSendUnreliable,
  handleSendUnreliableFragment,
  handleSendUnsequenced,
} from "./incoming.ts";
import { ACK_STRIDE, type PeerCore } from "./peer-core.ts";
import { updateRoundTripTime, windowSizeFromBandwidth } from "./throttle.ts";
import {
  ACK_RECEIVED_RELIABLE_SEQUENCE_NUMBER,
  ACK_RECEIVED_SENT_TIME,
  BANDWIDTH_INCOMING_BANDWIDTH,
  BANDWIDTH_OUTGOING_BANDWIDTH,
  CHECKSUM_SIZE,
  CMD_CHANNEL_ID,
  CMD_COMMAND,
  CMD_RELIABLE_SEQUENCE_NUMBER,
  COMMAND_HEADER_SIZE,
  COMMAND_SIZES,
  DISCONNECT_DATA,
  ENET_PROTOCOL_COMMAND_COUNT,
  ENET_PROTOCOL_COMMAND_FLAG_ACKNOWLEDGE,
  ENET_PROTOCOL_COMMAND_MASK,
  ENET_PROTOCOL_HEADER_FLAG_COMPRESSED,
  ENET_PROTOCOL_HEADER_FLAG_SENT_TIME,
  ENET_PROTOCOL_HEADER_SESSION_MASK,
  ENET_PROTOCOL_HEADER_SESSION_SHIFT,
  ENET_PROTOCOL_MAXIMUM_MTU,
  ENET_PROTOCOL_MAXIMUM_PEER_ID,
  FRAGMENT_FRAGMENT_COUNT,
  FRAGMENT_FRAGMENT_NUMBER,
  FRAGMENT_FRAGMENT_OFFSET,
  FRAGMENT_START_SEQUENCE_NUMBER,
  FRAGMENT_TOTAL_LENGTH,
  HEADER_SIZE_NO_SENT_TIME,
  HEADER_SIZE_WITH_SENT_TIME,
  PAYLOAD_LENGTH_OFFSETS,
  CONTROL_CHANNEL_ID,
  ProtocolCommand,
  readU16BE as u16,
  readU32BE as u32,
  SEND_UNRELIABLE_UNRELIABLE_SEQUENCE_NUMBER,
  SEND_UNSEQUENCED_UNSEQUENCED_GROUP,
  THROTTLE_PACKET_THROTTLE_ACCELERATION,
  THROTTLE_PACKET_THROTTLE_DECELERATION,
  THROTTLE_PACKET_THROTTLE_INTERVAL,
  writeU32BE as put32,
} from "./wire.ts";

// Module-local copies of wire.ts's layout names and per-command tables: V8 reads an imported binding through its
// module cell on every use, a local const as a constant (measured: ~15 % on the command writer).
const L_ACK_RECEIVED_RELIABLE_SEQUENCE_NUMBER = ACK_RECEIVED_RELIABLE_SEQUENCE_NUMBER;
const L_ACK_RECEIVED_SENT_TIME = ACK_RECEIVED_SENT_TIME;
const L_BANDWIDTH_INCOMING_BANDWIDTH = BANDWIDTH_INCOMING_BANDWIDTH;
const L_BANDWIDTH_OUTGOING_BANDWIDTH = BANDWIDTH_OUTGOING_BANDWIDTH;
const L_CHECKSUM_SIZE = CHECKSUM_SIZE;
const L_CMD_CHANNEL_ID = CMD_CHANNEL_ID;
const L_CMD_COMMAND = CMD_COMMAND;
const L_CMD_RELIABLE_SEQUENCE_NUMBER = CMD_RELIABLE_SEQUENCE_NUMBER;
const L_COMMAND_HEADER_SIZE = COMMAND_HEADER_SIZE;
const L_DISCONNECT_DATA = DISCONNECT_DATA;
const L_FRAGMENT_FRAGMENT_COUNT = FRAGMENT_FRAGMENT_COUNT;
const L_FRAGMENT_FRAGMENT_NUMBER = FRAGMENT_FRAGMENT_NUMBER;
const L_FRAGMENT_FRAGMENT_OFFSET = FRAGMENT_FRAGMENT_OFFSET;
const L_FRAGMENT_START_SEQUENCE_NUMBER = FRAGMENT_START_SEQUENCE_NUMBER;
const L_FRAGMENT_TOTAL_LENGTH = FRAGMENT_TOTAL_LENGTH;
const L_HEADER_SIZE_NO_SENT_TIME = HEADER_SIZE_NO_SENT_TIME;
const L_HEADER_SIZE_WITH_SENT_TIME = HEADER_SIZE_WITH_SENT_TIME;
const L_SEND_UNRELIABLE_UNRELIABLE_SEQUENCE_NUMBER = SEND_UNRELIABLE_UNRELIABLE_SEQUENCE_NUMBER;
const L_SEND_UNSEQUENCED_UNSEQUENCED_GROUP = SEND_UNSEQUENCED_UNSEQUENCED_GROUP;
const L_THROTTLE_PACKET_THROTTLE_ACCELERATION = THROTTLE_PACKET_THROTTLE_ACCELERATION;
const L_THROTTLE_PACKET_THROTTLE_DECELERATION = THROTTLE_PACKET_THROTTLE_DECELERATION;
const L_THROTTLE_PACKET_THROTTLE_INTERVAL = THROTTLE_PACKET_THROTTLE_INTERVAL;
const L_PAYLOAD_LENGTH_OFFSETS = PAYLOAD_LENGTH_OFFSETS;
const L_ENET_PROTOCOL_COMMAND_MASK = ENET_PROTOCOL_COMMAND_MASK;
const L_ENET_PROTOCOL_COMMAND_COUNT = ENET_PROTOCOL_COMMAND_COUNT;
const L_COMMAND_SIZES = COMMAND_SIZES;
const L_ENET_PROTOCOL_COMMAND_FLAG_ACKNOWLEDGE = ENET_PROTOCOL_COMMAND_FLAG_ACKNOWLEDGE;

/** Acknowledgements one peer may have waiting to be sent; beyond it they are dropped (counted). */
const MAX_PENDING_ACKNOWLEDGEMENTS = 65536;
const ACKNOWLEDGE_SIZE = L_COMMAND_SIZES[ProtocolCommand.ACKNOWLEDGE] ?? 8;
const EMPTY = new Uint8Array(0);

function zeroFrom(data: Uint8Array, from: number, end: number): boolean {
  for (let i = from; i < end; i++) if (data[i] !== 0) return false;
  return true;
}

/** Handle one received datagram from `address:port` (the host has advanced its clock). */
export function receiveDatagram(host: HostCore, received: Uint8Array, address: string, port: number, owned = false): void {
  if (received.length < L_HEADER_SIZE_NO_SENT_TIME) {
    host.drops.datagrams++;
    return;
  }
  const rawPeerID = u16(received, 0);
  const sessionID = (rawPeerID & ENET_PROTOCOL_HEADER_SESSION_MASK) >> ENET_PROTOCOL_HEADER_SESSION_SHIFT;
  const hasSentTime = (rawPeerID & ENET_PROTOCOL_HEADER_FLAG_SENT_TIME) !== 0;
  const peerID = rawPeerID & ENET_PROTOCOL_MAXIMUM_PEER_ID;
  let headerSize = hasSentTime ? L_HEADER_SIZE_WITH_SENT_TIME : L_HEADER_SIZE_NO_SENT_TIME;
  if (host.checksum) headerSize += L_CHECKSUM_SIZE;
  if (received.length < headerSize) {
    host.drops.datagrams++;
    return;
  }
  let peer: PeerCore | null = null;
  if (peerID !== ENET_PROTOCOL_MAXIMUM_PEER_ID) {
    if (peerID >= host.peers.length) {
      host.drops.datagrams++;
      return;
    }
    peer = host.peers[peerID] ?? null;
    if (
      peer === null ||
      peer.state === PeerState.STATE_DISCONNECTED ||
      peer.state === PeerState.STATE_ZOMBIE ||
      address !== peer.address ||
      port !== peer.port ||
      (peer.outgoingPeerID < ENET_PROTOCOL_MAXIMUM_PEER_ID && sessionID !== peer.incomingSessionID)
    ) {
      // A client whose handshake the flood policy evicted speaks to the slot it was given: its
      // handshake goes back in, completed, and the datagram is read as usual.
      peer = host.parkedHandshakes.size === 0 ? null : reinstateParked(host, peerID, sessionID, address, port);
      if (peer === null) {
        host.drops.datagrams++;
        return;
      }
    }
  }

  let data = received;
  let length = received.length;
  // Godot's FastLZ pads a short body with zeros: what follows its last command is padding, not a bad command.
  let padded = false;
  if (rawPeerID & ENET_PROTOCOL_HEADER_FLAG_COMPRESSED) {
    const decompressed = host.compressor?.decompress(received.subarray(headerSize), ENET_PROTOCOL_MAXIMUM_MTU - headerSize) ?? null;
    if (decompressed === null || decompressed.length === 0 || decompressed.length > ENET_PROTOCOL_MAXIMUM_MTU - headerSize) {
      host.drops.datagrams++;
      return;
    }
    data = host.receiveBuffer;
    data.set(received.subarray(0, headerSize), 0);
    data.set(decompressed, headerSize);
    length = headerSize + decompressed.length;
    padded = decompressed.length === host.compressor!.paddedBelow;
  }

  if (host.checksum) {
    const at = headerSize - L_CHECKSUM_SIZE;
    const desired = u32(data, at);
    const seed = peer !== null ? peer.connectID : 0;
    put32(host.seedBytes, 0, seed);
    let crc = crc32Update(CRC32_INITIAL, data, 0, at);
    crc = crc32Update(crc, host.seedBytes, 0, 4);
    crc = crc32Update(crc, data, headerSize, length);
    if (crc32Final(crc) !== desired) {
      host.drops.datagrams++;
      return;
    }
  }

  if (peer !== null) {
    peer.incomingDataTotal += length;
    peer.touch();
  }
  // A decompressed datagram lives in the host's scratch buffer: its payloads are always copied.
  host.datagramOwned = owned && data === received;
  const sentTime = hasSentTime ? u16(data, L_HEADER_SIZE_NO_SENT_TIME) : -1;

  let pos = headerSize;
  while (pos < length) {
    if (padded && zeroFrom(data, pos, length)) break;
    if (pos + L_COMMAND_HEADER_SIZE > length) {
      host.drops.commands++;
      break;
    }
    // In bounds: pos + COMMAND_HEADER_SIZE <= length was checked just above.
    const commandByte = data[pos + L_CMD_COMMAND]!;
    const commandNumber = commandByte & L_ENET_PROTOCOL_COMMAND_MASK;
    if (commandNumber >= L_ENET_PROTOCOL_COMMAND_COUNT) {
      host.drops.commands++;
      break;
    }
    const size = L_COMMAND_SIZES[commandNumber] ?? 0;
    if (size === 0 || pos + size > length) {
      host.drops.commands++;
      break;
    }
    const at = pos;
    pos += size;
    const channelID = data[at + L_CMD_CHANNEL_ID]!;
    const reliableSequenceNumber = u16(data, at + L_CMD_RELIABLE_SEQUENCE_NUMBER);
    let result = HANDLER_OK;
    // Where the command keeps its payload length; 0 for commands without a payload.
    const payloadLengthField = L_PAYLOAD_LENGTH_OFFSETS[commandNumber]!;
    if (peer !== null && peer.state === PeerState.STATE_ACKNOWLEDGING_CONNECT && PROVES_CONNECTED[commandNumber] === 1) connectOnProof(host, peer);
    if (peer === null) {
      // Only a CONNECT may come from an address without a peer slot.
      if (commandNumber !== ProtocolCommand.CONNECT) {
        host.drops.commands++;
        break;
      }
      peer = acceptConnect(host, data, at, address, port);
      if (peer === null) result = HANDLER_ERROR;
      else peer.touch();
    } else if (payloadLengthField !== 0) {
      // A data command: its payload follows the fixed part and must fit the datagram.
      const payloadLength = u16(data, at + payloadLengthField);
      if (channelID >= peer.channelCount || !peer.isConnectedState || payloadLength > host.maximumPacketSize || pos + payloadLength > length) {
        result = HANDLER_ERROR;
      } else {
        result = receiveData(host, peer, commandNumber, channelID, reliableSequenceNumber, data, at, pos, payloadLength);
        pos += payloadLength;
      }
    } else {
      switch (commandNumber as ProtocolCommand) {
        case ProtocolCommand.ACKNOWLEDGE:
          result = handleAcknowledge(host, peer, channelID, u16(data, at + L_ACK_RECEIVED_RELIABLE_SEQUENCE_NUMBER), u16(data, at + L_ACK_RECEIVED_SENT_TIME));
          break;
        case ProtocolCommand.CONNECT:
          result = HANDLER_ERROR; // a connected address does not connect again
          break;
        case ProtocolCommand.VERIFY_CONNECT:
          result = handleVerifyConnect(host, peer, data, at);
          break;
        case ProtocolCommand.DISCONNECT:
          result = handleDisconnect(host, peer, commandByte, u32(data, at + L_DISCONNECT_DATA));
          break;
        case ProtocolCommand.PING:
          if (!peer.isConnectedState) result = HANDLER_ERROR;
          else peer.lastPingReceiveTime = host.serviceTime;
          break;
        case ProtocolCommand.BANDWIDTH_LIMIT:
          result = handleBandwidthLimit(host, peer, u32(data, at + L_BANDWIDTH_INCOMING_BANDWIDTH), u32(data, at + L_BANDWIDTH_OUTGOING_BANDWIDTH));
          break;
        case ProtocolCommand.THROTTLE_CONFIGURE:
          result = handleThrottleConfigure(
            peer,
            u32(data, at + L_THROTTLE_PACKET_THROTTLE_INTERVAL),
            u32(data, at + L_THROTTLE_PACKET_THROTTLE_ACCELERATION),
            u32(data, at + L_THROTTLE_PACKET_THROTTLE_DECELERATION),
          );
          break;
        default:
          result = HANDLER_ERROR;
      }
    }
    if (result !== HANDLER_OK) {
      host.drops.commands++;
      break;
    }
    if (peer !== null && (commandByte & L_ENET_PROTOCOL_COMMAND_FLAG_ACKNOWLEDGE) !== 0) {
      if (sentTime < 0) break;
      switch (peer.state) {
        case PeerState.STATE_DISCONNECTING:
        case PeerState.STATE_ACKNOWLEDGING_CONNECT:
        case PeerState.STATE_DISCONNECTED:
        case PeerState.STATE_ZOMBIE:
          break;
        case PeerState.STATE_ACKNOWLEDGING_DISCONNECT:
          if (commandNumber === ProtocolCommand.DISCONNECT) queueAcknowledgement(host, peer, channelID, reliableSequenceNumber, commandNumber, sentTime);
          break;
        default:
          queueAcknowledgement(host, peer, channelID, reliableSequenceNumber, commandNumber, sentTime);
      }
    }
  }
}

/**
 * The commands a client sends only once connected: it can address our peer slot (its peer ID and
 * session) only after our VERIFY_CONNECT told it them.
 */
const PROVES_CONNECTED = new Uint8Array(L_ENET_PROTOCOL_COMMAND_COUNT);
for (const c of [
  ProtocolCommand.PING,
  ProtocolCommand.SEND_RELIABLE,
  ProtocolCommand.SEND_UNRELIABLE,
  ProtocolCommand.SEND_FRAGMENT,
  ProtocolCommand.SEND_UNSEQUENCED,
  ProtocolCommand.SEND_UNRELIABLE_FRAGMENT,
  ProtocolCommand.BANDWIDTH_LIMIT,
  ProtocolCommand.THROTTLE_CONFIGURE,
]) {
  PROVES_CONNECTED[c] = 1;
}

/**
 * A half-open peer hears a command only a connected client sends: the client has our
 * VERIFY_CONNECT, and its acknowledgement of it was lost. C ENet 1.3 refuses such commands until a
 * retransmitted VERIFY_CONNECT is acknowledged (its retransmission timer, then the client's
 * back-off for its own refused packets), which holds the client's first reliable packets for
 * seconds on a lossy link; the command proves what the acknowledgement would have, so the peer
 * connects now and the command is handled as from a connected peer. Nothing changes on the wire,
 * and nothing is proven while our VERIFY_CONNECT is not in flight.
 */
function connectOnProof(host: HostCore, peer: PeerCore): void {
  const verify = peer.firstSentReliable();
  if (verify === undefined || (verify.command & L_ENET_PROTOCOL_COMMAND_MASK) !== ProtocolCommand.VERIFY_CONNECT) return;
  peer.removeSentReliableCommand(verify.reliableSequenceNumber, verify.channelID);
  host.connectCounters.provenByCommand++;
  host.notifyConnect(peer);
}

/** The data commands (enet_protocol_handle_send_*): the payload is `data[payload, payload + payloadLength)`. */
function receiveData(
  host: HostCore,
  peer: PeerCore,
  commandNumber: number,
  channelID: number,
  reliableSequenceNumber: number,
  data: Uint8Array,
  at: number,
  payload: number,
  payloadLength: number,
): number {
  switch (commandNumber as ProtocolCommand) {
    case ProtocolCommand.SEND_RELIABLE:
      return handleSendReliable(host, peer, channelID, reliableSequenceNumber, data, payload, payloadLength);
    case ProtocolCommand.SEND_UNRELIABLE:
      return handleSendUnreliable(host, peer, channelID, reliableSequenceNumber, u16(data, at + L_SEND_UNRELIABLE_UNRELIABLE_SEQUENCE_NUMBER), data, payload, payloadLength);
    case ProtocolCommand.SEND_UNSEQUENCED:
      return handleSendUnsequenced(host, peer, channelID, u16(data, at + L_SEND_UNSEQUENCED_UNSEQUENCED_GROUP), data, payload, payloadLength);
    case ProtocolCommand.SEND_FRAGMENT:
    case ProtocolCommand.SEND_UNRELIABLE_FRAGMENT: {
      const fragment = host.fragmentScratch;
      fragment.channelID = channelID;
      fragment.reliableSequenceNumber = reliableSequenceNumber;
      fragment.startSequenceNumber = u16(data, at + L_FRAGMENT_START_SEQUENCE_NUMBER);
      fragment.fragmentCount = u32(data, at + L_FRAGMENT_FRAGMENT_COUNT);
      fragment.fragmentNumber = u32(data, at + L_FRAGMENT_FRAGMENT_NUMBER);
      fragment.totalLength = u32(data, at + L_FRAGMENT_TOTAL_LENGTH);
      fragment.fragmentOffset = u32(data, at + L_FRAGMENT_FRAGMENT_OFFSET);
      fragment.data = data;
      fragment.payload = payload;
      fragment.payloadLength = payloadLength;
      const result = commandNumber === ProtocolCommand.SEND_FRAGMENT ? handleSendFragment(host, peer, fragment) : handleSendUnreliableFragment(host, peer, fragment);
      fragment.data = EMPTY; // do not keep the datagram alive
      return result;
    }
    default:
      return HANDLER_ERROR;
  }
}

function queueAcknowledgement(host: HostCore, peer: PeerCore, channelID: number, seq: number, commandNumber: number, sentTime: number): void {
  if (channelID < peer.channelCount) {
    const channel = peer.channels[channelID];
    if (channel === undefined) return;
    let reliableWindow = (seq / ENET_PEER_RELIABLE_WINDOW_SIZE) | 0;
    const currentWindow = (channel.incomingReliableSequenceNumber / ENET_PEER_RELIABLE_WINDOW_SIZE) | 0;
    if (seq < channel.incomingReliableSequenceNumber) reliableWindow += ENET_PEER_RELIABLE_WINDOWS;
    if (reliableWindow >= currentWindow + ENET_PEER_FREE_RELIABLE_WINDOWS - 1 && reliableWindow <= currentWindow + ENET_PEER_FREE_RELIABLE_WINDOWS) return;
  }
  if (commandNumber === ProtocolCommand.VERIFY_CONNECT) {
    peer.verifyConnectSequence = seq;
    peer.verifyConnectSentTime = sentTime;
  }
  const at = peer.acknowledgementsEnd;
  if (at >= MAX_PENDING_ACKNOWLEDGEMENTS * ACK_STRIDE) {
    host.drops.limits++;
    return;
  }
  peer.outgoingDataTotal += ACKNOWLEDGE_SIZE;
  const acks = peer.acknowledgements;
  acks[at] = channelID;
  acks[at + 1] = seq;
  acks[at + 2] = commandNumber;
  acks[at + 3] = sentTime;
  peer.acknowledgementsEnd = at + ACK_STRIDE;
}

/**
 * Client side: acknowledge the server's VERIFY_CONNECT again, in the datagram that retransmits a
 * command of ours the server has not acknowledged, while no acknowledgement from the server has
 * shown that the first one arrived. A C ENet or Godot server keeps the peer half-open until that
 * acknowledgement comes, and drops everything the client sends meanwhile without acknowledging
 * it, so when it is lost our first packets are retransmitted in vain until the server's own
 * retransmission of VERIFY_CONNECT (500 ms at the earliest, then doubling) is acknowledged: on a
 * lossy link, seconds, and ENet's give-up rule may end the session. Commands are read in order,
 * so the server connects the peer on the repeated acknowledgement and takes the retransmitted
 * command behind it at once. A server that did get the first acknowledgement finds nothing to
 * remove; it only takes a round-trip sample (C ENet samples before it looks). Nothing else
 * changes on the wire.
 */
export function repeatVerifyConnectAck(host: HostCore, peer: PeerCore): void {
  host.connectCounters.verifyAcksRepeated++;
  queueAcknowledgement(host, peer, CONTROL_CHANNEL_ID, peer.verifyConnectSequence, ProtocolCommand.VERIFY_CONNECT, peer.verifyConnectSentTime);
}

function handleAcknowledge(host: HostCore, peer: PeerCore, channelID: number, receivedReliableSequenceNumber: number, receivedSentTime16: number): number {
  if (peer.state === PeerState.STATE_DISCONNECTED || peer.state === PeerState.STATE_ZOMBIE) return HANDLER_OK;
  // A C ENet server acknowledges nothing of a client's until our acknowledgement of its VERIFY_CONNECT arrived.
  peer.connectUnconfirmed = false;
  const now = host.serviceTime;
  let receivedSentTime = now - (now % 0x10000) + receivedSentTime16;
  if ((receivedSentTime16 & 0x8000) > (now & 0x8000)) receivedSentTime -= 0x10000;
  if (now < receivedSentTime) return HANDLER_OK;
  updateRoundTripTime(peer, now, now - receivedSentTime);
  const commandNumber = peer.removeSentReliableCommand(receivedReliableSequenceNumber, channelID);
  switch (peer.state) {
    case PeerState.STATE_ACKNOWLEDGING_CONNECT:
      if (commandNumber !== ProtocolCommand.VERIFY_CONNECT) return HANDLER_ERROR;
      host.notifyConnect(peer);
      break;
    case PeerState.STATE_DISCONNECTING:
      if (commandNumber !== ProtocolCommand.DISCONNECT) return HANDLER_ERROR;
      host.notifyDisconnect(peer);
      break;
    case PeerState.STATE_DISCONNECT_LATER:
      if (!peer.hasOutgoingCommands()) host.disconnect(peer, peer.eventData);
      break;
    default:
      break;
  }
  return HANDLER_OK;
}

function handleDisconnect(host: HostCore, peer: PeerCore, commandByte: number, data: number): number {
  const s = peer.state;
  if (s === PeerState.STATE_DISCONNECTED || s === PeerState.STATE_ZOMBIE || s === PeerState.STATE_ACKNOWLEDGING_DISCONNECT) return HANDLER_OK;
  peer.resetQueues();
  if (s === PeerState.STATE_CONNECTION_SUCCEEDED || s === PeerState.STATE_DISCONNECTING || s === PeerState.STATE_CONNECTING) {
    host.dispatchZombie(peer);
  } else if (!peer.isConnectedState) {
    if (s === PeerState.STATE_CONNECTION_PENDING) host.recalculateBandwidthLimits = true;
    host.resetPeer(peer);
  } else if (commandByte & L_ENET_PROTOCOL_COMMAND_FLAG_ACKNOWLEDGE) {
    peer.state = PeerState.STATE_ACKNOWLEDGING_DISCONNECT;
  } else {
    host.dispatchZombie(peer);
  }
  if (peer.state !== PeerState.STATE_DISCONNECTED) peer.eventData = data;
  return HANDLER_OK;
}

function handleBandwidthLimit(host: HostCore, peer: PeerCore, incoming: number, outgoing: number): number {
  if (!peer.isConnectedState) return HANDLER_ERROR;
  peer.incomingBandwidth = incoming;
  peer.outgoingBandwidth = outgoing;
  peer.windowSize = windowSizeFromBandwidth(host.outgoingBandwidth, peer.incomingBandwidth);
  return HANDLER_OK;
}

function handleThrottleConfigure(peer: PeerCore, interval: number, acceleration: number, deceleration: number): number {
  if (!peer.isConnectedState) return HANDLER_ERROR;
  peer.packetThrottleInterval = interval;
  peer.packetThrottleAcceleration = acceleration;
  peer.packetThrottleDeceleration = deceleration;
  return HANDLER_OK;
}

