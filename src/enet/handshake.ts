/** The connection handshake: CONNECT -> VERIFY_CONNECT -> acknowledgement. */
import { PeerState } from "./enums.ts";
import type { HostCore } from "./host-core.ts";
import { HANDLER_ERROR, HANDLER_OK } from "./incoming.ts";
import type { PeerCore } from "./peer-core.ts";
import { ENET_PEER_WINDOW_SIZE_SCALE } from "./constants.ts";
import { clampWindow, windowSizeFromBandwidth } from "./throttle.ts";
import { sendToPeerNow } from "./send-loop.ts";
import { EVICTION_SCAN, endpointKey, type HalfOpenHandshake } from "./admission.ts";
import {
  ENET_PROTOCOL_COMMAND_FLAG_ACKNOWLEDGE,
  ENET_PROTOCOL_HEADER_SESSION_MASK,
  ENET_PROTOCOL_HEADER_SESSION_SHIFT,
  ENET_PROTOCOL_MAXIMUM_CHANNEL_COUNT,
  ENET_PROTOCOL_MAXIMUM_MTU,
  ENET_PROTOCOL_MAXIMUM_WINDOW_SIZE,
  ENET_PROTOCOL_MINIMUM_CHANNEL_COUNT,
  ENET_PROTOCOL_MINIMUM_MTU,
  ENET_PROTOCOL_MINIMUM_WINDOW_SIZE,
  ProtocolCommand,
  CONNECT_DATA,
  readConnectParameters,
  readU32BE as u32,
} from "./wire.ts";

/**
 * A CONNECT from an unknown address/port (peer ID 0xFFF): pick a free slot, derive the
 * session IDs, negotiate MTU, window and channels, and queue VERIFY_CONNECT
 * (enet_protocol_handle_connect). Returns null to ignore it: refusing, full, duplicate
 * connect ID (a retransmitted CONNECT), too many peers from one address, bad channel count,
 * or refused by the CONNECT-flood policy (admission.ts), which may evict a half-open peer.
 */
export function acceptConnect(host: HostCore, data: Uint8Array, at: number, address: string, port: number): PeerCore | null {
  if (host.refuseConnections) return null;
  const remote = readConnectParameters(data, at);
  let channelCount = remote.channelCount;
  if (channelCount < ENET_PROTOCOL_MINIMUM_CHANNEL_COUNT || channelCount > ENET_PROTOCOL_MAXIMUM_CHANNEL_COUNT) return null;
  const connectID = remote.connectID;
  // What C ENet finds by walking every slot, from the directory kept as peers change state.
  const directory = host.directory;
  if (directory.liveWith(address, port, connectID) !== undefined) return null; // a retransmitted CONNECT
  if (directory.countFrom(address) >= host.duplicatePeers) return null;
  const endpoint = endpointKey(address, port);
  if (host.connectRate.isLimited(endpoint, host.serviceTime)) {
    host.connectCounters.rateLimited++;
    return null;
  }
  let peer = directory.firstFree();
  if (peer === null || directory.halfOpen.size >= host.halfOpenLimit) {
    const victim = evictionVictim(host);
    if (victim === null) {
      host.connectCounters.full++;
      return null;
    }
    evict(host, victim);
    peer = victim;
  }
  host.connectRate.record(endpoint, host.serviceTime);
  if (channelCount > host.channelLimit) channelCount = host.channelLimit;

  const sessionMask = ENET_PROTOCOL_HEADER_SESSION_MASK >> ENET_PROTOCOL_HEADER_SESSION_SHIFT;
  const remoteIncoming = remote.incomingSessionID;
  const remoteOutgoing = remote.outgoingSessionID;
  let incomingSessionID = remoteIncoming === 0xff ? peer.outgoingSessionID : remoteIncoming;
  incomingSessionID = (incomingSessionID + 1) & sessionMask;
  if (incomingSessionID === peer.outgoingSessionID) incomingSessionID = (incomingSessionID + 1) & sessionMask;
  let outgoingSessionID = remoteOutgoing === 0xff ? peer.incomingSessionID : remoteOutgoing;
  outgoingSessionID = (outgoingSessionID + 1) & sessionMask;
  if (outgoingSessionID === peer.incomingSessionID) outgoingSessionID = (outgoingSessionID + 1) & sessionMask;
  // Ours: nor one this remote had on this slot lately, whose datagrams may still be on their way.
  outgoingSessionID = host.recentSessions.steer(address, port, peer.incomingPeerID, outgoingSessionID, peer.incomingSessionID);

  let mtu = remote.mtu;
  if (mtu < ENET_PROTOCOL_MINIMUM_MTU) mtu = ENET_PROTOCOL_MINIMUM_MTU;
  else if (mtu > ENET_PROTOCOL_MAXIMUM_MTU) mtu = ENET_PROTOCOL_MAXIMUM_MTU;
  if (mtu > host.mtu) mtu = host.mtu;

  let windowSize =
    host.incomingBandwidth === 0
      ? ENET_PROTOCOL_MAXIMUM_WINDOW_SIZE
      : Math.floor(host.incomingBandwidth / ENET_PEER_WINDOW_SIZE_SCALE) * ENET_PROTOCOL_MINIMUM_WINDOW_SIZE;
  const requested = remote.windowSize;
  if (windowSize > requested) windowSize = requested;
  windowSize = clampWindow(windowSize);

  const verify = {
    outgoingPeerID: peer.incomingPeerID,
    incomingSessionID,
    outgoingSessionID,
    mtu,
    windowSize,
    channelCount,
    incomingBandwidth: host.incomingBandwidth,
    outgoingBandwidth: host.outgoingBandwidth,
    packetThrottleInterval: remote.packetThrottleInterval,
    packetThrottleAcceleration: remote.packetThrottleAcceleration,
    packetThrottleDeceleration: remote.packetThrottleDeceleration,
    connectID,
  };
  setUpHalfOpen(host, peer, {
    address,
    port,
    endpoint,
    verify,
    remoteOutgoingPeerID: remote.outgoingPeerID,
    remoteIncomingBandwidth: remote.incomingBandwidth,
    remoteOutgoingBandwidth: remote.outgoingBandwidth,
    eventData: u32(data, at + CONNECT_DATA),
    windowSize: windowSizeFromBandwidth(host.outgoingBandwidth, remote.incomingBandwidth),
  });
  peer.queueControl(ProtocolCommand.VERIFY_CONNECT | ENET_PROTOCOL_COMMAND_FLAG_ACKNOWLEDGE, 0, 0, 0, verify);
  return peer;
}

/** Make `peer` (a free slot) the half-open end of `handshake`: as its CONNECT and our VERIFY_CONNECT left it. */
function setUpHalfOpen(host: HostCore, peer: PeerCore, handshake: HalfOpenHandshake): void {
  const verify = handshake.verify;
  if (host.parkedHandshakes.size > 0) host.parkedHandshakes.forget(handshake.address, handshake.port, peer.incomingPeerID);
  peer.handshake = handshake;
  peer.allocateChannels(verify.channelCount);
  // The directory files a peer by these when it becomes half-open: set them first.
  peer.connectID = verify.connectID;
  peer.address = handshake.address;
  peer.port = handshake.port;
  peer.state = PeerState.STATE_ACKNOWLEDGING_CONNECT;
  peer.acceptedConnection = true;
  peer.mtu = verify.mtu;
  peer.outgoingPeerID = handshake.remoteOutgoingPeerID;
  peer.incomingBandwidth = handshake.remoteIncomingBandwidth;
  peer.outgoingBandwidth = handshake.remoteOutgoingBandwidth;
  peer.packetThrottleInterval = verify.packetThrottleInterval;
  peer.packetThrottleAcceleration = verify.packetThrottleAcceleration;
  peer.packetThrottleDeceleration = verify.packetThrottleDeceleration;
  peer.eventData = handshake.eventData;
  // Ours are the other way round: the remote's incoming session is our outgoing one.
  peer.outgoingSessionID = verify.incomingSessionID;
  peer.incomingSessionID = verify.outgoingSessionID;
  peer.windowSize = handshake.windowSize;
}

/**
 * Reset a half-open peer for a newer handshake, parking its own (admission.ts rules 2 and 4).
 * A parked handshake is reinstated when its client speaks to the slot our VERIFY_CONNECT named,
 * so a handshake accepted in the same receive pass as the CONNECT evicting it (the datagrams of
 * one read burst are handled before anything is sent) has its VERIFY_CONNECT sent first.
 */
function evict(host: HostCore, victim: PeerCore): void {
  host.connectCounters.evicted++;
  const handshake = victim.handshake;
  if (handshake !== null) {
    host.connectRate.strike(handshake.endpoint);
    host.parkedHandshakes.park(handshake);
    if (victim.firstSentReliable() === undefined) sendToPeerNow(host, victim);
  }
  host.resetPeer(victim);
}

/**
 * A datagram for `slot` that its occupant does not own: if it comes from a handshake the flood
 * policy evicted from that slot, put the handshake back (evicting a half-open occupant) and
 * complete it (admission.ts rule 4). Only our VERIFY_CONNECT told the client this slot and
 * session ID, so the datagram shows it arrived: the client is connected, and so are we now,
 * as if its acknowledgement had come. Returns the peer, or null when nothing was parked there.
 */
export function reinstateParked(host: HostCore, slot: number, sessionID: number, address: string, port: number): PeerCore | null {
  const occupant = host.peers[slot];
  if (occupant === undefined) return null;
  if (occupant.state !== PeerState.STATE_DISCONNECTED && occupant.state !== PeerState.STATE_ACKNOWLEDGING_CONNECT) return null;
  const handshake = host.parkedHandshakes.take(address, port, slot, sessionID);
  if (handshake === null) return null;
  // The client's CONNECT, retransmitted after the eviction, may have another slot too: one
  // connection keeps one slot. Connected there, the client no longer speaks for this one (the
  // datagram is a late one); still half-open there, that slot's VERIFY_CONNECT is the one the
  // client did not take, and that handshake goes.
  const twin = host.directory.liveWith(address, port, handshake.verify.connectID);
  if (twin !== undefined && twin !== occupant) {
    if (twin.state !== PeerState.STATE_ACKNOWLEDGING_CONNECT) return null;
    host.resetPeer(twin);
  }
  if (occupant.state === PeerState.STATE_ACKNOWLEDGING_CONNECT) evict(host, occupant);
  host.connectCounters.reinstated++;
  setUpHalfOpen(host, occupant, handshake);
  // VERIFY_CONNECT was our first reliable command on the system channel.
  occupant.outgoingReliableSequenceNumber = 1;
  host.notifyConnect(occupant);
  return occupant;
}

/** The server's answer to our CONNECT (enet_protocol_handle_verify_connect). */
export function handleVerifyConnect(host: HostCore, peer: PeerCore, data: Uint8Array, at: number): number {
  if (peer.state !== PeerState.STATE_CONNECTING) return HANDLER_OK;
  const remote = readConnectParameters(data, at);
  const channelCount = remote.channelCount;
  if (
    channelCount < ENET_PROTOCOL_MINIMUM_CHANNEL_COUNT ||
    channelCount > ENET_PROTOCOL_MAXIMUM_CHANNEL_COUNT ||
    remote.packetThrottleInterval !== peer.packetThrottleInterval ||
    remote.packetThrottleAcceleration !== peer.packetThrottleAcceleration ||
    remote.packetThrottleDeceleration !== peer.packetThrottleDeceleration ||
    remote.connectID !== peer.connectID
  ) {
    peer.eventData = 0;
    host.dispatchZombie(peer);
    return HANDLER_ERROR;
  }
  peer.removeSentReliableCommand(1, 0xff);
  if (channelCount < peer.channelCount) {
    peer.channelCount = channelCount;
    peer.channels.length = channelCount;
  }
  peer.outgoingPeerID = remote.outgoingPeerID;
  peer.incomingSessionID = remote.incomingSessionID;
  peer.outgoingSessionID = remote.outgoingSessionID;
  let mtu = remote.mtu;
  if (mtu < ENET_PROTOCOL_MINIMUM_MTU) mtu = ENET_PROTOCOL_MINIMUM_MTU;
  else if (mtu > ENET_PROTOCOL_MAXIMUM_MTU) mtu = ENET_PROTOCOL_MAXIMUM_MTU;
  if (mtu < peer.mtu) peer.mtu = mtu;
  const windowSize = clampWindow(remote.windowSize);
  if (windowSize < peer.windowSize) peer.windowSize = windowSize;
  peer.incomingBandwidth = remote.incomingBandwidth;
  peer.outgoingBandwidth = remote.outgoingBandwidth;
  peer.connectUnconfirmed = true;
  host.notifyConnect(peer);
  return HANDLER_OK;
}

/**
 * The half-open peer to evict: among the EVICTION_SCAN oldest, the one whose address/port has
 * the most strikes, the oldest among equals (admission.ts rule 2).
 */
function evictionVictim(host: HostCore): PeerCore | null {
  let victim: PeerCore | null = null;
  let victimStrikes = -1;
  let scanned = 0;
  // The set is in the order peers became half-open: oldest first.
  for (const current of host.directory.halfOpen) {
    const endpoint = current.handshake?.endpoint;
    const strikes = endpoint === undefined ? 0 : host.connectRate.strikesOf(endpoint);
    if (strikes > victimStrikes) {
      victim = current;
      victimStrikes = strikes;
    }
    if (++scanned >= EVICTION_SCAN) break;
  }
  return victim;
}
