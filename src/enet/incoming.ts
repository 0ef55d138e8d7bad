/**
 * Received data commands: window checks, duplicate suppression, reliable ordering,
 * sequenced-unreliable ordering, the unsequenced window and the limits on fragments
 * (enet_peer_queue_incoming_command, the dispatch functions and the send handlers
 * of protocol.c; the fragments themselves are joined in fragment-reassembly.ts).
 * Results are handed to the host through `IncomingSink`.
 *
 * Handler results follow protocol.c: OK (process the next command and acknowledge
 * this one, also when it was a harmless duplicate) or ERROR (stop reading the datagram).
 */
import { queuedReliable, queuedUnreliable, type Channel } from "./channel.ts";
import { IncomingCommand } from "./commands.ts";
import {
  ENET_PEER_FREE_RELIABLE_WINDOWS,
  ENET_PEER_FREE_UNSEQUENCED_WINDOWS,
  ENET_PEER_RELIABLE_WINDOW_SIZE,
  ENET_PEER_RELIABLE_WINDOWS,
  ENET_PEER_UNSEQUENCED_WINDOW_SIZE,
  MAX_PENDING_UNRELIABLE_PER_CHANNEL,
  MAX_QUEUED_INCOMING_COMMANDS,
} from "./constants.ts";
import { PacketFlags, PeerState } from "./enums.ts";
import type { PeerCore } from "./peer-core.ts";
import { ENET_PROTOCOL_MAXIMUM_FRAGMENT_COUNT, ProtocolCommand } from "./wire.ts";
import { viewInsteadOfCopy } from "../util/copy-bytes.ts";

export const HANDLER_OK = 0;
export const HANDLER_ERROR = -1;

/**
 * One received SEND_FRAGMENT / SEND_UNRELIABLE_FRAGMENT command: its fields and where its
 * payload lies. The receive loop fills one reusable record per host (no allocation per fragment).
 */
export interface FragmentRecord {
  channelID: number;
  /** The command header's reliable sequence number (orders unreliable fragments). */
  reliableSequenceNumber: number;
  startSequenceNumber: number;
  fragmentCount: number;
  fragmentNumber: number;
  totalLength: number;
  fragmentOffset: number;
  /** The datagram holding the payload, and the payload's offset and length in it. */
  data: Uint8Array;
  payload: number;
  payloadLength: number;
}

export function emptyFragmentRecord(): FragmentRecord {
  return {
    channelID: 0,
    reliableSequenceNumber: 0,
    startSequenceNumber: 0,
    fragmentCount: 0,
    fragmentNumber: 0,
    totalLength: 0,
    fragmentOffset: 0,
    data: new Uint8Array(0),
    payload: 0,
    payloadLength: 0,
  };
}

export interface IncomingSink {
  readonly maximumPacketSize: number;
  readonly maximumWaitingData: number;
  /** Bytes every peer of the host holds together before each is held to its share (see overWaitingLimit). */
  readonly maximumHostWaitingData: number;
  /** The sum of every peer's totalWaitingData (changed only through addWaitingData). */
  waitingData: number;
  /** What one peer may hold while the host is at maximumHostWaitingData: that cap over the connected peers. */
  waitingDataShare(): number;
  /** A data command was refused by the host-wide rule (also counted by countLimitDrop). */
  countWaitingDataShareDrop(): void;
  readonly maximumHeldFragments: number;
  /** A packet is ready for the application, in delivery order. */
  deliver(peer: PeerCore, channelID: number, packet: Uint8Array, flags: number): void;
  /** A packet or command was discarded because a limit was reached. */
  countLimitDrop(): void;
  /** A fragmented packet was discarded because its fragments did not tile it. */
  countMalformed(): void;
  /**
   * The datagram being read is the host's to keep (HostCore.handleDatagram's `owned`, and not
   * decompressed into a scratch buffer): a payload may then be handed out as a view of it.
   */
  readonly datagramOwned: boolean;
}

/** True when `seq` lies in the free reliable windows ahead of the channel's position (protocol.c's window test). */
export function inReceiveWindow(channel: Channel, seq: number): boolean {
  let reliableWindow = (seq / ENET_PEER_RELIABLE_WINDOW_SIZE) | 0;
  const currentWindow = (channel.incomingReliableSequenceNumber / ENET_PEER_RELIABLE_WINDOW_SIZE) | 0;
  if (seq < channel.incomingReliableSequenceNumber) reliableWindow += ENET_PEER_RELIABLE_WINDOWS;
  return reliableWindow >= currentWindow && reliableWindow < currentWindow + ENET_PEER_FREE_RELIABLE_WINDOWS - 1;
}

/** Received bytes the peer holds for the application change by `delta`, and the host's sum with them. */
export function addWaitingData(sink: IncomingSink, peer: PeerCore, delta: number): void {
  peer.totalWaitingData += delta;
  sink.waitingData += delta;
}

/**
 * May `peer` not be given `adding` more bytes to hold (out of order, or a fragmented packet's
 * claim)? C ENet's rule: not once it holds maximumWaitingData. Ours on top: once the host's peers
 * together hold maximumHostWaitingData, a peer may grow only within its share of that, so many
 * peers each filling their own limit past a gap cannot make the host hold peers x 32 MiB. Data
 * delivered at once passes only C's rule (deliveredOverLimit): refusing the packet that fills a
 * peer's gap would keep what it holds behind the gap, and C ENet times a sender out after 5 s
 * of refusals (seen live, spec-tests/enet-interop/host-waiting-data-c.test.ts).
 */
function overWaitingLimit(sink: IncomingSink, peer: PeerCore, adding: number): boolean {
  const held = peer.totalWaitingData;
  if (held >= sink.maximumWaitingData) return true;
  if (sink.waitingData < sink.maximumHostWaitingData || held + adding <= sink.waitingDataShare()) return false;
  sink.countWaitingDataShareDrop();
  return true;
}

/** C ENet's rule alone, for data delivered to the application at once (see overWaitingLimit). */
function deliveredOverLimit(sink: IncomingSink, peer: PeerCore): boolean {
  return peer.totalWaitingData >= sink.maximumWaitingData;
}

/**
 * The next reliable packet in order: C ENet's rule, except when packets wait behind it. C refuses
 * it too once the peer holds maximumWaitingData, and a peer that holds that much behind a gap then
 * can never fill it (seen live with a 64 KiB limit: 66,000 bytes held behind one refused packet,
 * and nothing more from that sender for 25 s). Delivering it releases what waits.
 */
function inOrderOverLimit(sink: IncomingSink, peer: PeerCore): boolean {
  return peer.totalWaitingData >= sink.maximumWaitingData && peer.queuedIncomingCommands === 0;
}

/** Distance of a reliable sequence number ahead of the channel's position, modulo 2^16. */
function reliableDistance(channel: Channel, seq: number): number {
  return (seq - channel.incomingReliableSequenceNumber) & 0xffff;
}

/**
 * A packet delivered at once may be a view of its datagram only when the datagram is at most this
 * many times the packet's size: a view keeps the whole datagram alive, while the peer's
 * waiting-data limit and the getPacket() queue count the packet's own bytes, so this bounds what a
 * packet can hold beyond what is counted. Every payload over SMALL_ARRAY_MAX bytes in a datagram of
 * up to 2 KiB (an MTU-sized one) qualifies.
 */
const VIEW_MAX_DATAGRAM_RATIO = 32;

/**
 * The packet for a payload kept for later (queued out of order, or a fragment): its own copy, or,
 * when the datagram is the host's to keep and the payload takes more than half of it, a view of
 * the datagram (at most one per datagram, so a held payload never shares memory with another).
 */
function payloadPacket(sink: IncomingSink, data: Uint8Array, offset: number, length: number): Uint8Array {
  if (sink.datagramOwned && length * 2 > data.length) return data.subarray(offset, offset + length);
  return data.slice(offset, offset + length);
}

/**
 * The packet for a payload delivered at once. When the datagram is the host's to keep, a payload
 * over SMALL_ARRAY_MAX bytes is a view of it instead of an off-heap copy, and several packets of
 * one datagram then share its ArrayBuffer.
 */
function deliveredPacket(sink: IncomingSink, data: Uint8Array, offset: number, length: number): Uint8Array {
  if (sink.datagramOwned && viewInsteadOfCopy(length, data.length, VIEW_MAX_DATAGRAM_RATIO)) return data.subarray(offset, offset + length);
  return payloadPacket(sink, data, offset, length);
}

// ---------------------------------------------------------------- reliable

/** C ENet discards (but acknowledges) new data once the local side asked to disconnect later. */
function discarding(peer: PeerCore): boolean {
  return peer.state === PeerState.STATE_DISCONNECT_LATER;
}

export function handleSendReliable(sink: IncomingSink, peer: PeerCore, channelID: number, seq: number, data: Uint8Array, offset: number, length: number): number {
  if (discarding(peer)) return HANDLER_OK;
  const channel = peer.channels[channelID];
  if (channel === undefined) return HANDLER_ERROR;
  if (!inReceiveWindow(channel, seq)) return HANDLER_OK;
  if (seq === channel.incomingReliableSequenceNumber || (channel.incomingReliable.size > 0 && channel.incomingReliable.has(seq))) return HANDLER_OK;
  const inOrder = seq === ((channel.incomingReliableSequenceNumber + 1) & 0xffff);
  if (inOrder ? inOrderOverLimit(sink, peer) : overWaitingLimit(sink, peer, length)) {
    sink.countLimitDrop();
    return HANDLER_ERROR;
  }
  addWaitingData(sink, peer, length);
  if (inOrder) {
    // The common in-order case: deliver at once without queueing a record.
    channel.incomingReliableSequenceNumber = seq;
    sink.deliver(peer, channelID, deliveredPacket(sink, data, offset, length), PacketFlags.RELIABLE);
    dispatchIncomingReliable(sink, peer, channel, true);
    return HANDLER_OK;
  }
  if (peer.queuedIncomingCommands >= MAX_QUEUED_INCOMING_COMMANDS) {
    addWaitingData(sink, peer, -length);
    sink.countLimitDrop();
    return HANDLER_ERROR;
  }
  const cmd = new IncomingCommand(ProtocolCommand.SEND_RELIABLE, channelID, seq, 0, payloadPacket(sink, data, offset, length), PacketFlags.RELIABLE, 0);
  queuedReliable(channel).set(seq, cmd);
  peer.queuedIncomingCommands++;
  dispatchIncomingReliable(sink, peer, channel);
  return HANDLER_OK;
}

/** Deliver queued reliable commands that are next in sequence; `advanced` when the caller already moved the position. */
export function dispatchIncomingReliable(sink: IncomingSink, peer: PeerCore, channel: Channel, advancedAlready = false): void {
  let advanced = advancedAlready;
  for (;;) {
    const next = (channel.incomingReliableSequenceNumber + 1) & 0xffff;
    if (channel.incomingReliable.size === 0) break;
    const cmd = channel.incomingReliable.get(next);
    if (cmd === undefined || cmd.assembly !== null) break;
    channel.incomingReliable.delete(next);
    peer.queuedIncomingCommands--;
    channel.incomingReliableSequenceNumber = next;
    if (cmd.fragmentCount > 0) channel.incomingReliableSequenceNumber = (next + cmd.fragmentCount - 1) & 0xffff;
    advanced = true;
    if (!cmd.malformed) sink.deliver(peer, cmd.channelID, cmd.packet, cmd.flags);
  }
  if (!advanced) return;
  channel.incomingUnreliableSequenceNumber = 0;
  if (channel.incomingUnreliable.length > 0) dispatchIncomingUnreliable(sink, peer, channel);
}

export function handleSendFragment(sink: IncomingSink, peer: PeerCore, fragment: FragmentRecord): number {
  const { channelID, startSequenceNumber, fragmentCount, fragmentNumber, totalLength, fragmentOffset } = fragment;
  const fragmentLength = fragment.payloadLength;
  if (fragmentLength <= 0) return HANDLER_ERROR;
  const channel = peer.channels[channelID];
  if (channel === undefined) return HANDLER_ERROR;
  if (!inReceiveWindow(channel, startSequenceNumber)) return HANDLER_OK;
  if (
    fragmentCount > ENET_PROTOCOL_MAXIMUM_FRAGMENT_COUNT ||
    fragmentNumber >= fragmentCount ||
    totalLength > sink.maximumPacketSize ||
    totalLength < fragmentCount ||
    fragmentOffset >= totalLength ||
    fragmentLength > totalLength - fragmentOffset
  ) {
    return HANDLER_ERROR;
  }
  // Already delivered (a late duplicate of a one-fragment packet).
  if (startSequenceNumber === channel.incomingReliableSequenceNumber) return HANDLER_OK;
  let start = channel.incomingReliable.get(startSequenceNumber);
  if (start !== undefined) {
    if (start.command !== ProtocolCommand.SEND_FRAGMENT || start.totalLength !== totalLength || start.fragmentCount !== fragmentCount) return HANDLER_ERROR;
  } else {
    if (discarding(peer)) return HANDLER_ERROR;
    if (peer.queuedIncomingCommands >= MAX_QUEUED_INCOMING_COMMANDS || overWaitingLimit(sink, peer, totalLength)) {
      sink.countLimitDrop();
      return HANDLER_ERROR;
    }
    peer.queuedIncomingCommands++;
    start = new IncomingCommand(ProtocolCommand.SEND_FRAGMENT, channelID, startSequenceNumber, 0, EMPTY, PacketFlags.RELIABLE, fragmentCount, totalLength);
    // Reserved against the peer's waiting data as C ENet counts it; only arriving fragments take memory.
    addWaitingData(sink, peer, totalLength);
    queuedReliable(channel).set(startSequenceNumber, start);
  }
  const added = addFragment(sink, peer, start, fragment);
  if (added === FRAGMENT_COMPLETED) dispatchIncomingReliable(sink, peer, channel);
  return added === FRAGMENT_REFUSED ? HANDLER_ERROR : HANDLER_OK;
}

const EMPTY = new Uint8Array(0);
const FRAGMENT_HELD = 0;
const FRAGMENT_COMPLETED = 1;
/** Over a limit: not kept and not acknowledged, so the sender sends it again. */
const FRAGMENT_REFUSED = -1;

/**
 * Keep one fragment (a duplicate, or one for a packet already joined, changes nothing) and join
 * the packet when it was the last; FRAGMENT_COMPLETED then, whether or not the fragments tiled it
 * (a packet they do not tile is marked malformed, its reservation given back, and counted).
 */
function addFragment(sink: IncomingSink, peer: PeerCore, start: IncomingCommand, fragment: FragmentRecord): number {
  const assembly = start.assembly;
  if (assembly === null) return FRAGMENT_HELD;
  if (peer.heldFragments >= sink.maximumHeldFragments) {
    sink.countLimitDrop();
    return FRAGMENT_REFUSED;
  }
  if (assembly.has(fragment.fragmentNumber)) return FRAGMENT_HELD;
  // Kept like any payload: a view of the datagram when that is the host's and the fragment most of it.
  assembly.add(fragment.fragmentNumber, fragment.fragmentOffset, payloadPacket(sink, fragment.data, fragment.payload, fragment.payloadLength));
  peer.heldFragments++;
  if (!assembly.complete) return FRAGMENT_HELD;
  peer.heldFragments -= assembly.fragmentsHeld;
  const packet = assembly.join();
  start.assembly = null;
  if (packet === null) {
    addWaitingData(sink, peer, -assembly.totalLength);
    start.malformed = true;
    sink.countMalformed();
  } else {
    start.packet = packet;
  }
  return FRAGMENT_COMPLETED;
}

/** A queued command leaves undelivered: give back what it counted. */
function release(sink: IncomingSink, peer: PeerCore, cmd: IncomingCommand): void {
  addWaitingData(sink, peer, -cmd.totalLength);
  if (cmd.assembly !== null) peer.heldFragments -= cmd.assembly.fragmentsHeld;
}

// ---------------------------------------------------------------- unreliable

function insertUnreliable(peer: PeerCore, channel: Channel, cmd: IncomingCommand): void {
  peer.queuedIncomingCommands++;
  const list = queuedUnreliable(channel);
  const d = reliableDistance(channel, cmd.reliableSequenceNumber);
  let i = list.length;
  while (i > 0) {
    const prev = list[i - 1]!;
    const pd = reliableDistance(channel, prev.reliableSequenceNumber);
    if (pd < d || (pd === d && prev.unreliableSequenceNumber < cmd.unreliableSequenceNumber)) break;
    i--;
  }
  if (i === list.length) list.push(cmd);
  else list.splice(i, 0, cmd);
}

function findUnreliable(channel: Channel, seq: number, unreliableSeq: number): IncomingCommand | undefined {
  const list = channel.incomingUnreliable;
  for (let i = list.length - 1; i >= 0; i--) {
    const c = list[i]!;
    if (c.reliableSequenceNumber === seq && c.unreliableSequenceNumber === unreliableSeq) return c;
  }
  return undefined;
}

export function handleSendUnreliable(
  sink: IncomingSink,
  peer: PeerCore,
  channelID: number,
  seq: number,
  unreliableSeq: number,
  data: Uint8Array,
  offset: number,
  length: number,
): number {
  if (discarding(peer)) return HANDLER_OK;
  const channel = peer.channels[channelID];
  if (channel === undefined) return HANDLER_ERROR;
  if (!inReceiveWindow(channel, seq)) return HANDLER_OK;
  if (seq === channel.incomingReliableSequenceNumber) {
    if (unreliableSeq <= channel.incomingUnreliableSequenceNumber) return HANDLER_OK;
    if (deliveredOverLimit(sink, peer)) {
      sink.countLimitDrop();
      return HANDLER_ERROR;
    }
    // Nothing older can still be waiting with this reliable position except
    // incomplete fragments, which stay queued; deliver in place.
    channel.incomingUnreliableSequenceNumber = unreliableSeq;
    addWaitingData(sink, peer, length);
    sink.deliver(peer, channelID, deliveredPacket(sink, data, offset, length), 0);
    return HANDLER_OK;
  }
  if (findUnreliable(channel, seq, unreliableSeq) !== undefined) return HANDLER_OK;
  if (
    channel.incomingUnreliable.length >= MAX_PENDING_UNRELIABLE_PER_CHANNEL ||
    peer.queuedIncomingCommands >= MAX_QUEUED_INCOMING_COMMANDS ||
    overWaitingLimit(sink, peer, length)
  ) {
    sink.countLimitDrop();
    return HANDLER_ERROR;
  }
  const cmd = new IncomingCommand(ProtocolCommand.SEND_UNRELIABLE, channelID, seq, unreliableSeq, payloadPacket(sink, data, offset, length), 0, 0);
  addWaitingData(sink, peer, length);
  insertUnreliable(peer, channel, cmd);
  return HANDLER_OK;
}

export function handleSendUnreliableFragment(sink: IncomingSink, peer: PeerCore, fragment: FragmentRecord): number {
  const { channelID, startSequenceNumber, fragmentCount, fragmentNumber, totalLength, fragmentOffset } = fragment;
  const seq = fragment.reliableSequenceNumber;
  const fragmentLength = fragment.payloadLength;
  const channel = peer.channels[channelID];
  if (channel === undefined) return HANDLER_ERROR;
  if (!inReceiveWindow(channel, seq)) return HANDLER_OK;
  if (seq === channel.incomingReliableSequenceNumber && startSequenceNumber <= channel.incomingUnreliableSequenceNumber) return HANDLER_OK;
  if (
    fragmentCount > ENET_PROTOCOL_MAXIMUM_FRAGMENT_COUNT ||
    fragmentNumber >= fragmentCount ||
    totalLength > sink.maximumPacketSize ||
    fragmentOffset >= totalLength ||
    fragmentLength > totalLength - fragmentOffset
  ) {
    return HANDLER_ERROR;
  }
  let start = findUnreliable(channel, seq, startSequenceNumber);
  if (start !== undefined) {
    if (start.command !== ProtocolCommand.SEND_UNRELIABLE_FRAGMENT || start.totalLength !== totalLength || start.fragmentCount !== fragmentCount) return HANDLER_ERROR;
  } else {
    if (discarding(peer)) return HANDLER_ERROR;
    if (
      channel.incomingUnreliable.length >= MAX_PENDING_UNRELIABLE_PER_CHANNEL ||
      peer.queuedIncomingCommands >= MAX_QUEUED_INCOMING_COMMANDS ||
      overWaitingLimit(sink, peer, totalLength)
    ) {
      sink.countLimitDrop();
      return HANDLER_ERROR;
    }
    start = new IncomingCommand(
      ProtocolCommand.SEND_UNRELIABLE_FRAGMENT,
      channelID,
      seq,
      startSequenceNumber,
      EMPTY,
      PacketFlags.UNRELIABLE_FRAGMENT,
      fragmentCount,
      totalLength,
    );
    addWaitingData(sink, peer, totalLength);
    insertUnreliable(peer, channel, start);
  }
  const added = addFragment(sink, peer, start, fragment);
  if (added === FRAGMENT_COMPLETED) dispatchIncomingUnreliable(sink, peer, channel);
  return added === FRAGMENT_REFUSED ? HANDLER_ERROR : HANDLER_OK;
}

/**
 * Deliver queued unreliable commands whose reliable predecessor has been delivered,
 * in unreliable-sequence order; drop those that are now behind; keep incomplete
 * fragments of the current position and everything ahead.
 */
export function dispatchIncomingUnreliable(sink: IncomingSink, peer: PeerCore, channel: Channel): void {
  const list = channel.incomingUnreliable;
  let write = 0;
  let i = 0;
  for (; i < list.length; i++) {
    const cmd = list[i]!;
    if (cmd.reliableSequenceNumber === channel.incomingReliableSequenceNumber) {
      if (cmd.assembly !== null) {
        list[write++] = cmd;
        continue;
      }
      if (cmd.unreliableSequenceNumber > channel.incomingUnreliableSequenceNumber && !cmd.malformed) {
        channel.incomingUnreliableSequenceNumber = cmd.unreliableSequenceNumber;
        sink.deliver(peer, cmd.channelID, cmd.packet, cmd.flags);
      } else {
        release(sink, peer, cmd);
      }
      continue;
    }
    if (inReceiveWindow(channel, cmd.reliableSequenceNumber)) break;
    // Behind the reliable position: too late to deliver in order.
    release(sink, peer, cmd);
  }
  peer.queuedIncomingCommands -= i - write;
  if (write === i) {
    if (i > 0) list.splice(0, i);
  } else {
    for (; i < list.length; i++) list[write++] = list[i]!;
    list.length = write;
  }
}

// ---------------------------------------------------------------- unsequenced

export function handleSendUnsequenced(
  sink: IncomingSink,
  peer: PeerCore,
  channelID: number,
  unsequencedGroupIn: number,
  data: Uint8Array,
  offset: number,
  length: number,
): number {
  if (discarding(peer)) return HANDLER_OK;
  let unsequencedGroup = unsequencedGroupIn;
  const index = unsequencedGroup % ENET_PEER_UNSEQUENCED_WINDOW_SIZE;
  if (unsequencedGroup < peer.incomingUnsequencedGroup) unsequencedGroup += 0x10000;
  if (unsequencedGroup >= peer.incomingUnsequencedGroup + ENET_PEER_FREE_UNSEQUENCED_WINDOWS * ENET_PEER_UNSEQUENCED_WINDOW_SIZE) return HANDLER_OK;
  unsequencedGroup &= 0xffff;
  if (unsequencedGroup - index !== peer.incomingUnsequencedGroup) {
    peer.incomingUnsequencedGroup = unsequencedGroup - index;
    peer.unsequencedWindow?.fill(0);
  } else if (peer.unsequencedWindow !== null && (peer.unsequencedWindow[index >>> 5]! & (1 << (index & 31))) !== 0) {
    return HANDLER_OK;
  }
  if (deliveredOverLimit(sink, peer)) {
    sink.countLimitDrop();
    return HANDLER_ERROR;
  }
  addWaitingData(sink, peer, length);
  sink.deliver(peer, channelID, deliveredPacket(sink, data, offset, length), PacketFlags.UNSEQUENCED);
  const window = (peer.unsequencedWindow ??= new Uint32Array(ENET_PEER_UNSEQUENCED_WINDOW_SIZE / 32));
  window[index >>> 5] = window[index >>> 5]! | (1 << (index & 31));
  return HANDLER_OK;
}
