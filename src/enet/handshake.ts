/** The connection handshake: CONNECT -> VERIFY_CONNECT -> acknowledgement. */
import { PeerState } from "./enums.ts";
import type { HostCore } from "./host-core.ts";
import { HANDLER_ERROR, HANDLER_OK } from "./incoming.ts";
import type { PeerCore } from "./peer-core.ts";
import { ENET_PEER_WINDOW_SIZE_SCALE } from "./constants.ts";
import { clampWindow, windowSizeFromBandwidth } from "./throttle.ts";
import { endpointKey } from "./admission.ts";
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
    host.connectCounters.evicted++;
    host.connectRate.strike(endpointKey(victim.address, victim.port));
    host.resetPeer(victim);
    peer = victim;
  }
  host.connectRate.record(endpoint, host.serviceTime);
  peer.halfOpenSince = host.serviceTime;
  if (channelCount > host.channelLimit) channelCount = host.channelLimit;
  peer.allocateChannels(channelCount);
  // The directory files a peer by these when it becomes half-open: set them first.
  peer.connectID = connectID;
  peer.address = address;
  peer.port = port;
  peer.state = PeerState.STATE_ACKNOWLEDGING_CONNECT;
  peer.acceptedConnection = true;
  peer.mtu = host.mtu;
  peer.outgoingPeerID = remote.outgoingPeerID;
  peer.incomingBandwidth = remote.incomingBandwidth;
  peer.outgoingBandwidth = remote.outgoingBandwidth;
  peer.packetThrottleInterval = remote.packetThrottleInterval;
  peer.packetThrottleAcceleration = remote.packetThrottleAcceleration;
  peer.packetThrottleDeceleration = remote.packetThrottleDeceleration;
  peer.eventData = u32(data, at + CONNECT_DATA);

  const sessionMask = ENET_PROTOCOL_HEADER_SESSION_MASK >> ENET_PROTOCOL_HEADER_SESSION_SHIFT;
  const remoteIncoming = remote.incomingSessionID;
  const remoteOutgoing = remote.outgoingSessionID;
  let incomingSessionID = remoteIncoming === 0xff ? peer.outgoingSessionID : remoteIncoming;
  incomingSessionID = (incomingSessionID + 1) & sessionMask;
  if (incomingSessionID === peer.outgoingSessionID) incomingSessionID = (incomingSessionID + 1) & sessionMask;
  peer.outgoingSessionID = incomingSessionID;
  let outgoingSessionID = remoteOutgoing === 0xff ? peer.incomingSessionID : remoteOutgoing;
  outgoingSessionID = (outgoingSessionID + 1) & sessionMask;
  if (outgoingSessionID === peer.incomingSessionID) outgoingSessionID = (outgoingSessionID + 1) & sessionMask;
  peer.incomingSessionID = outgoingSessionID;

  let mtu = remote.mtu;
  if (mtu < ENET_PROTOCOL_MINIMUM_MTU) mtu = ENET_PROTOCOL_MINIMUM_MTU;
  else if (mtu > ENET_PROTOCOL_MAXIMUM_MTU) mtu = ENET_PROTOCOL_MAXIMUM_MTU;
  if (mtu < peer.mtu) peer.mtu = mtu;

  peer.windowSize = windowSizeFromBandwidth(host.outgoingBandwidth, peer.incomingBandwidth);
  let windowSize =
    host.incomingBandwidth === 0
      ? ENET_PROTOCOL_MAXIMUM_WINDOW_SIZE
      : Math.floor(host.incomingBandwidth / ENET_PEER_WINDOW_SIZE_SCALE) * ENET_PROTOCOL_MINIMUM_WINDOW_SIZE;
  const requested = remote.windowSize;
  if (windowSize > requested) windowSize = requested;
  windowSize = clampWindow(windowSize);

  peer.queueControl(ProtocolCommand.VERIFY_CONNECT | ENET_PROTOCOL_COMMAND_FLAG_ACKNOWLEDGE, 0, 0, 0, {
    outgoingPeerID: peer.incomingPeerID,
    incomingSessionID,
    outgoingSessionID,
    mtu: peer.mtu,
    windowSize,
    channelCount,
    incomingBandwidth: host.incomingBandwidth,
    outgoingBandwidth: host.outgoingBandwidth,
    packetThrottleInterval: peer.packetThrottleInterval,
    packetThrottleAcceleration: peer.packetThrottleAcceleration,
    packetThrottleDeceleration: peer.packetThrottleDeceleration,
    connectID,
  });
  return peer;
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
  host.notifyConnect(peer);
  return HANDLER_OK;
}

/** The half-open peer to evict: most strikes against its address/port, then the oldest, then the lowest slot (admission.ts). */
function evictionVictim(host: HostCore): PeerCore | null {
  let victim: PeerCore | null = null;
  let victimStrikes = -1;
  for (const current of host.directory.halfOpen) {
    const strikes = host.connectRate.strikesOf(endpointKey(current.address, current.port));
    if (
      victim === null ||
      strikes > victimStrikes ||
      (strikes === victimStrikes &&
        (current.halfOpenSince < victim.halfOpenSince || (current.halfOpenSince === victim.halfOpenSince && current.incomingPeerID < victim.incomingPeerID)))
    ) {
      victim = current;
      victimStrikes = strikes;
    }
  }
  return victim;
}
