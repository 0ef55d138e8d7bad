import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { PeerState } from "../../src/enet/enums.ts";
import { PeerCore } from "../../src/enet/peer-core.ts";
import { bandwidthThrottle, peerThrottle, updateRoundTripTime, windowSizeFromBandwidth, type BandwidthHost } from "../../src/enet/throttle.ts";

function host(outgoing: number, incoming: number, peers: PeerCore[]) {
  const limits: Array<[number, number, number]> = [];
  const h: BandwidthHost = {
    peers,
    incomingBandwidth: incoming,
    outgoingBandwidth: outgoing,
    bandwidthThrottleEpoch: 0,
    recalculateBandwidthLimits: false,
    queueBandwidthLimit: (p, i, o) => limits.push([p.incomingPeerID, i, o]),
  };
  return { h, limits };
}

function connectedPeer(id: number, remoteIncoming: number, remoteOutgoing: number, sent: number): PeerCore {
  const p = new PeerCore(id, 1392);
  p.state = PeerState.STATE_CONNECTED;
  p.incomingBandwidth = remoteIncoming;
  p.outgoingBandwidth = remoteOutgoing;
  p.outgoingDataTotal = sent;
  return p;
}

describe("throttle arithmetic (values worked out by hand from C ENet's formulas)", () => {
  test("host bandwidth throttle: a peer that can take less than its share is limited, the rest get the remainder", () => {
    const a = connectedPeer(0, 3000, 0, 5000);
    const b = connectedPeer(1, 0, 0, 5000);
    const { h } = host(10_000, 0, [a, b]);
    bandwidthThrottle(h, 1000);
    // A: 3000 B/s of 5000 B sent -> limit 3000 * 32 / 5000 = 19; B keeps the full scale.
    assert.equal(a.packetThrottleLimit, 19);
    assert.equal(a.packetThrottle, 19);
    assert.equal(b.packetThrottleLimit, 32);
    assert.equal(a.outgoingDataTotal, 0, "data totals restart each interval");
    assert.equal(h.bandwidthThrottleEpoch, 1000);
  });

  test("an overloaded host scales every peer's throttle by bandwidth / data", () => {
    const a = connectedPeer(0, 0, 0, 30_000);
    const b = connectedPeer(1, 0, 0, 10_000);
    const { h } = host(10_000, 0, [a, b]);
    bandwidthThrottle(h, 2000); // 2 s elapsed: 20,000 bytes allowed for 40,000 sent -> 32 * 20000 / 40000 = 16
    assert.equal(a.packetThrottleLimit, 16);
    assert.equal(b.packetThrottleLimit, 16);
  });

  test("not before 1000 ms, and not without connected peers", () => {
    const a = connectedPeer(0, 1000, 0, 50_000);
    const { h } = host(10_000, 0, [a]);
    bandwidthThrottle(h, 999);
    assert.equal(a.packetThrottleLimit, 32);
    assert.equal(h.bandwidthThrottleEpoch, 0);
  });

  test("incoming limits are shared out and sent as BANDWIDTH_LIMIT", () => {
    const a = connectedPeer(0, 0, 100_000, 0); // can send more than its share: told the share
    const b = connectedPeer(1, 0, 2_000, 0); // sends less than the share: told its own rate
    const c = connectedPeer(2, 0, 0, 0); // "unlimited": C ENet tells it its own 0 (unlimited)
    const { h, limits } = host(0, 30_000, [a, b, c]);
    h.recalculateBandwidthLimits = true;
    bandwidthThrottle(h, 1000);
    // Round 1: share 10,000; b (2000) and c (0) settle; remaining 28,000 for 1 peer -> 28,000.
    assert.deepEqual(limits, [
      [0, 28_000, 0],
      [1, 2_000, 0],
      [2, 0, 0],
    ]);
    assert.equal(h.recalculateBandwidthLimits, false);
  });

  test("window size from bandwidth (CONNECT / BANDWIDTH_LIMIT rule)", () => {
    assert.equal(windowSizeFromBandwidth(0, 0), 65536);
    assert.equal(windowSizeFromBandwidth(0, 200_000), 12_288); // (200000 / 65536 = 3) * 4096
    assert.equal(windowSizeFromBandwidth(1_000_000, 200_000), 12_288);
    assert.equal(windowSizeFromBandwidth(10_000, 0), 4096, "clamped to the minimum");
    assert.equal(windowSizeFromBandwidth(100_000_000, 0), 65536, "clamped to the maximum");
  });

  test("RTT smoothing, variance and throttle steps", () => {
    const p = new PeerCore(0, 1392);
    updateRoundTripTime(p, 1000, 100);
    assert.equal(p.roundTripTime, 100, "first sample taken as is");
    assert.equal(p.roundTripTimeVariance, 50);
    updateRoundTripTime(p, 1100, 180);
    // variance 50 - 12 + (80 / 4) = 58; rtt 100 + 80 / 8 = 110
    assert.equal(p.roundTripTimeVariance, 58);
    assert.equal(p.roundTripTime, 110);
    p.lastRoundTripTime = 100;
    p.lastRoundTripTimeVariance = 10;
    // As after a measured epoch (before one, the throttle holds at its limit: throttle-first-sample.test.ts).
    p.throttleReferenceMeasured = true;
    p.packetThrottle = 20;
    assert.equal(peerThrottle(p, 90), 1);
    assert.equal(p.packetThrottle, 22, "accelerated by 2");
    assert.equal(peerThrottle(p, 150), -1);
    assert.equal(p.packetThrottle, 20, "decelerated by 2");
    assert.equal(peerThrottle(p, 110), 0, "within 2 variances: unchanged");
  });
});
