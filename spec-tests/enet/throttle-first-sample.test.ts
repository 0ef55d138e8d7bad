// Why a short session's unreliable losses depend on its first RTT sample (docs/enet.md, "The
// packet throttle and uneven acknowledgements"). C ENet 1.3.17 takes the first acknowledgement's
// round trip as the throttle's reference for the first throttle epoch (5 s): lastRoundTripTime =
// that sample, lastRoundTripTimeVariance = (sample + 1) / 2. A later sample more than two
// variances above the reference slows the throttle by 2/32, one at or below it speeds it up, and
// a reference no larger than its variance pins the throttle at its limit. Against a receiver that
// acknowledges once a frame (Godot 3's headless loop: ~7 ms), the first sample is wherever the
// handshake fell in that frame, so one session loses nothing and the next most of its unreliable
// packets. And since 1.3.17 smooths in whole milliseconds (rtt += diff / 8), samples within 7 ms
// of the smoothed RTT never move it: the next epochs keep a reference near the first sample.
//
// Every value below is worked out by hand from C ENet's enet_peer_throttle and
// enet_protocol_handle_acknowledge; spec-tests/enet-interop/throttle-c-replay.test.ts checks the
// same rules against the C library's own state on live traffic.
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { PeerCore } from "../../src/enet/peer-core.ts";
import { updateRoundTripTime } from "../../src/enet/throttle.ts";

const T0 = 1000;

/** A fresh peer after its first acknowledgement, `first` ms after the command was sent. */
function afterFirstSample(first: number): PeerCore {
  const peer = new PeerCore(0, 1392);
  updateRoundTripTime(peer, T0, first);
  return peer;
}

describe("the packet throttle's first epoch hangs on the first RTT sample (C ENet 1.3.17 rules)", () => {
  test("first sample 2 ms: the reference is 2 +- 1, so 7 ms frames slow the throttle to 0 within 16 samples", () => {
    const peer = afterFirstSample(2);
    assert.deepEqual(
      [peer.roundTripTime, peer.roundTripTimeVariance, peer.lastRoundTripTime, peer.lastRoundTripTimeVariance, peer.packetThrottleEpoch],
      [2, 1, 2, 1, T0],
    );
    // 7 > 2 + 2 * 1: each sample takes 2 off. The variance goes 1 -> 2 -> 3 -> 4 and stays; the
    // smoothed RTT stays 2 (diff 5, 5 / 8 = 0).
    const throttles: number[] = [];
    for (let i = 1; i <= 16; i++) {
      updateRoundTripTime(peer, T0 + 7 * i, 7);
      throttles.push(peer.packetThrottle);
    }
    assert.deepEqual(throttles, [30, 28, 26, 24, 22, 20, 18, 16, 14, 12, 10, 8, 6, 4, 2, 0]);
    assert.equal(peer.roundTripTime, 2, "whole-millisecond smoothing: 7 ms samples never move a 2 ms RTT");
    assert.equal(peer.roundTripTimeVariance, 4);
    assert.equal(peer.lastRoundTripTime, 2, "the reference holds for the whole epoch");
  });

  test("first sample 1 ms: the reference 1 +- 1 pins the throttle at its limit for the epoch, whatever comes", () => {
    const peer = afterFirstSample(1);
    assert.deepEqual([peer.lastRoundTripTime, peer.lastRoundTripTimeVariance], [1, 1]);
    for (let i = 1; i <= 50; i++) {
      updateRoundTripTime(peer, T0 + 20 * i, i % 2 === 0 ? 60 : 7);
      assert.equal(peer.packetThrottle, 32, `sample ${i}`);
    }
  });

  test("first sample 7 ms: the reference 7 +- 4 lets 7 ms frames through and slows only above 15 ms", () => {
    const peer = afterFirstSample(7);
    assert.deepEqual([peer.lastRoundTripTime, peer.lastRoundTripTimeVariance], [7, 4]);
    updateRoundTripTime(peer, T0 + 10, 15);
    assert.equal(peer.packetThrottle, 32, "15 is not above 7 + 2 * 4");
    updateRoundTripTime(peer, T0 + 30, 16);
    assert.equal(peer.packetThrottle, 30, "16 is");
    updateRoundTripTime(peer, T0 + 40, 7);
    assert.equal(peer.packetThrottle, 32, "at or below the reference: +2");
  });

  test("the next epoch takes the epoch's lowest smoothed RTT and highest variance: 2 +- 4 after the 2 ms start, which pins the throttle again", () => {
    const peer = afterFirstSample(2);
    for (let i = 1; i <= 16; i++) updateRoundTripTime(peer, T0 + 7 * i, 7);
    assert.equal(peer.packetThrottle, 0);
    // 5000 ms after the epoch began: the sample is judged against the old reference (slows: already
    // 0), then the new reference is set from the epoch's lowest RTT (2) and highest variance (4).
    updateRoundTripTime(peer, T0 + 5000, 7);
    assert.deepEqual([peer.lastRoundTripTime, peer.lastRoundTripTimeVariance, peer.packetThrottleEpoch], [2, 4, T0 + 5000]);
    assert.equal(peer.packetThrottle, 0);
    updateRoundTripTime(peer, T0 + 5007, 7);
    assert.equal(peer.packetThrottle, 32, "2 <= 4: back to the limit at the next sample");
  });
});
