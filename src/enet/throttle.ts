/**
 * Packet throttle (enet_peer_throttle), RTT bookkeeping on acknowledgement, and the
 * host's bandwidth throttle (enet_host_bandwidth_throttle), all in integer
 * milliseconds and bytes exactly as C ENet computes them.
 */
import { ENET_PEER_PACKET_THROTTLE_SCALE, ENET_PEER_WINDOW_SIZE_SCALE } from "./constants.ts";
import { PeerState } from "./enums.ts";
import type { PeerCore } from "./peer-core.ts";
import { ENET_PROTOCOL_MAXIMUM_WINDOW_SIZE, ENET_PROTOCOL_MINIMUM_WINDOW_SIZE } from "./wire.ts";

/**
 * Adjust the packet throttle after one RTT sample. Returns 1 (accelerated), -1 (decelerated) or 0.
 *
 * One deliberate difference from C ENet (docs/enet.md, Deliberate differences): until a whole
 * throttle epoch has been measured, the throttle stays at its limit. C ENet's first epoch (5 s)
 * judges every sample against the session's first one: a first sample of 2 ms gives the reference
 * 2 +- 1, and a remote that acknowledges once a frame (every Godot peer) then looks congested on
 * every later sample, so the throttle falls to 0 within 16 samples and drops nearly every
 * unreliable packet, and holds reliable data to one MTU in flight, for the rest of the epoch.
 * Which start a session gets is where the handshake fell in the remote's frame.
 */
export function peerThrottle(peer: PeerCore, rtt: number): number {
  if (peer.lastRoundTripTime <= peer.lastRoundTripTimeVariance || !(peer.throttleReferenceMeasured || peer.throttleOnFirstSample)) {
    peer.packetThrottle = peer.packetThrottleLimit;
  } else if (rtt <= peer.lastRoundTripTime) {
    peer.packetThrottle += peer.packetThrottleAcceleration;
    if (peer.packetThrottle > peer.packetThrottleLimit) peer.packetThrottle = peer.packetThrottleLimit;
    return 1;
  } else if (rtt > peer.lastRoundTripTime + 2 * peer.lastRoundTripTimeVariance) {
    if (peer.packetThrottle > peer.packetThrottleDeceleration) peer.packetThrottle -= peer.packetThrottleDeceleration;
    else peer.packetThrottle = 0;
    return -1;
  }
  return 0;
}

/** Fold one acknowledgement's round trip into the peer's RTT, variance and throttle epoch. */
export function updateRoundTripTime(peer: PeerCore, serviceTime: number, sample: number): void {
  const roundTripTime = Math.max(sample, 1);
  if (peer.lastReceiveTime > 0) {
    peerThrottle(peer, roundTripTime);
    peer.roundTripTimeVariance -= Math.floor(peer.roundTripTimeVariance / 4);
    if (roundTripTime >= peer.roundTripTime) {
      const diff = roundTripTime - peer.roundTripTime;
      peer.roundTripTimeVariance += Math.floor(diff / 4);
      peer.roundTripTime += Math.floor(diff / 8);
    } else {
      const diff = peer.roundTripTime - roundTripTime;
      peer.roundTripTimeVariance += Math.floor(diff / 4);
      peer.roundTripTime -= Math.floor(diff / 8);
    }
  } else {
    peer.roundTripTime = roundTripTime;
    peer.roundTripTimeVariance = Math.floor((roundTripTime + 1) / 2);
  }
  if (peer.roundTripTime < peer.lowestRoundTripTime) peer.lowestRoundTripTime = peer.roundTripTime;
  if (peer.roundTripTimeVariance > peer.highestRoundTripTimeVariance) peer.highestRoundTripTimeVariance = peer.roundTripTimeVariance;
  if (peer.packetThrottleEpoch === 0 || serviceTime - peer.packetThrottleEpoch >= peer.packetThrottleInterval) {
    // An epoch ends: the reference is its lowest RTT and highest variance (the first sample's
    // alone when none has ended before).
    if (peer.packetThrottleEpoch !== 0) peer.throttleReferenceMeasured = true;
    peer.lastRoundTripTime = peer.lowestRoundTripTime;
    peer.lastRoundTripTimeVariance = Math.max(peer.highestRoundTripTimeVariance, 1);
    peer.lowestRoundTripTime = peer.roundTripTime;
    peer.highestRoundTripTimeVariance = peer.roundTripTimeVariance;
    peer.packetThrottleEpoch = serviceTime;
  }
  peer.lastReceiveTime = Math.max(serviceTime, 1);
  peer.earliestTimeout = 0;
}

/** Window size for reliable data in flight, from the two sides' bandwidths (as in CONNECT and BANDWIDTH_LIMIT handling). */
export function windowSizeFromBandwidth(localOutgoing: number, remoteIncoming: number): number {
  let w: number;
  if (localOutgoing === 0 && remoteIncoming === 0) w = ENET_PROTOCOL_MAXIMUM_WINDOW_SIZE;
  else if (localOutgoing === 0 || remoteIncoming === 0) {
    w = Math.floor(Math.max(localOutgoing, remoteIncoming) / ENET_PEER_WINDOW_SIZE_SCALE) * ENET_PROTOCOL_MINIMUM_WINDOW_SIZE;
  } else {
    w = Math.floor(Math.min(localOutgoing, remoteIncoming) / ENET_PEER_WINDOW_SIZE_SCALE) * ENET_PROTOCOL_MINIMUM_WINDOW_SIZE;
  }
  return clampWindow(w);
}

export function clampWindow(w: number): number {
  if (w < ENET_PROTOCOL_MINIMUM_WINDOW_SIZE) return ENET_PROTOCOL_MINIMUM_WINDOW_SIZE;
  if (w > ENET_PROTOCOL_MAXIMUM_WINDOW_SIZE) return ENET_PROTOCOL_MAXIMUM_WINDOW_SIZE;
  return w;
}

export interface BandwidthHost {
  readonly peers: readonly PeerCore[];
  incomingBandwidth: number;
  outgoingBandwidth: number;
  bandwidthThrottleEpoch: number;
  recalculateBandwidthLimits: boolean;
  /** Queue a BANDWIDTH_LIMIT command to a peer. */
  queueBandwidthLimit(peer: PeerCore, incoming: number, outgoing: number): void;
}

function active(peer: PeerCore): boolean {
  return peer.state === PeerState.STATE_CONNECTED || peer.state === PeerState.STATE_DISCONNECT_LATER;
}

/**
 * enet_host_bandwidth_throttle: share the host's outgoing bandwidth among peers by
 * lowering their packet throttle limits, and (when limits changed) tell every peer
 * how much it may send to us.
 */
export function bandwidthThrottle(host: BandwidthHost, timeCurrent: number): void {
  const elapsedTime = timeCurrent - host.bandwidthThrottleEpoch;
  if (elapsedTime < 1000) return;
  host.bandwidthThrottleEpoch = timeCurrent;
  let peersTotal = 0;
  let limitedPeers = 0;
  for (const peer of host.peers) {
    if (!active(peer)) continue;
    peersTotal++;
    if (peer.incomingBandwidth !== 0) limitedPeers++;
  }
  if (peersTotal === 0) return;

  // "Unlimited" is ~0 in C: both totals saturate so the throttle stays at full scale.
  let dataTotal = 0xffffffff;
  let bandwidth = 0xffffffff;
  if (host.outgoingBandwidth !== 0) {
    dataTotal = 0;
    bandwidth = Math.floor((host.outgoingBandwidth * elapsedTime) / 1000);
    for (const peer of host.peers) if (active(peer)) dataTotal += peer.outgoingDataTotal;
  }

  let peersRemaining = peersTotal;
  let needsAdjustment = limitedPeers > 0;
  let throttle = 0;
  while (peersRemaining > 0 && needsAdjustment) {
    needsAdjustment = false;
    throttle = dataTotal <= bandwidth ? ENET_PEER_PACKET_THROTTLE_SCALE : Math.floor((bandwidth * ENET_PEER_PACKET_THROTTLE_SCALE) / dataTotal);
    for (const peer of host.peers) {
      if (!active(peer) || peer.incomingBandwidth === 0 || peer.outgoingBandwidthThrottleEpoch === timeCurrent) continue;
      const peerBandwidth = Math.floor((peer.incomingBandwidth * elapsedTime) / 1000);
      if (Math.floor((throttle * peer.outgoingDataTotal) / ENET_PEER_PACKET_THROTTLE_SCALE) <= peerBandwidth) continue;
      peer.packetThrottleLimit = Math.floor((peerBandwidth * ENET_PEER_PACKET_THROTTLE_SCALE) / peer.outgoingDataTotal);
      if (peer.packetThrottleLimit === 0) peer.packetThrottleLimit = 1;
      if (peer.packetThrottle > peer.packetThrottleLimit) peer.packetThrottle = peer.packetThrottleLimit;
      peer.outgoingBandwidthThrottleEpoch = timeCurrent;
      peer.incomingDataTotal = 0;
      peer.outgoingDataTotal = 0;
      needsAdjustment = true;
      peersRemaining--;
      bandwidth -= peerBandwidth;
      dataTotal -= peerBandwidth;
    }
  }
  if (peersRemaining > 0) {
    throttle = dataTotal <= bandwidth ? ENET_PEER_PACKET_THROTTLE_SCALE : Math.floor((bandwidth * ENET_PEER_PACKET_THROTTLE_SCALE) / dataTotal);
    for (const peer of host.peers) {
      if (!active(peer) || peer.outgoingBandwidthThrottleEpoch === timeCurrent) continue;
      peer.packetThrottleLimit = throttle;
      if (peer.packetThrottle > peer.packetThrottleLimit) peer.packetThrottle = peer.packetThrottleLimit;
      peer.incomingDataTotal = 0;
      peer.outgoingDataTotal = 0;
    }
  }

  if (host.recalculateBandwidthLimits) {
    host.recalculateBandwidthLimits = false;
    peersRemaining = peersTotal;
    bandwidth = host.incomingBandwidth;
    needsAdjustment = true;
    let bandwidthLimit = 0;
    if (bandwidth !== 0) {
      while (peersRemaining > 0 && needsAdjustment) {
        needsAdjustment = false;
        bandwidthLimit = Math.floor(bandwidth / peersRemaining);
        for (const peer of host.peers) {
          if (!active(peer) || peer.incomingBandwidthThrottleEpoch === timeCurrent) continue;
          if (peer.outgoingBandwidth > 0 && peer.outgoingBandwidth >= bandwidthLimit) continue;
          peer.incomingBandwidthThrottleEpoch = timeCurrent;
          needsAdjustment = true;
          peersRemaining--;
          bandwidth -= peer.outgoingBandwidth;
        }
      }
    }
    for (const peer of host.peers) {
      if (!active(peer)) continue;
      const incoming = peer.incomingBandwidthThrottleEpoch === timeCurrent ? peer.outgoingBandwidth : bandwidthLimit;
      host.queueBandwidthLimit(peer, incoming, host.outgoingBandwidth);
    }
  }
}
