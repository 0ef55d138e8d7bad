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
import { HostCore } from "../../src/enet/host-core.ts";

const T0 = 1000;

/** A fresh peer after its first acknowledgement, `first` ms after the command was sent; `cRule`: C ENet's throttle in the first epoch. */
function afterFirstSample(first: number, cRule = true): PeerCore {
  const peer = new PeerCore(0, 1392);
  peer.throttleOnFirstSample = cRule;
  updateRoundTripTime(peer, T0, first);
  return peer;
}

describe("the packet throttle's first epoch hangs on the first RTT sample (C ENet 1.3.17 rules: throttleOnFirstSample)", () => {
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

describe("ours by default: the throttle holds at its limit until a whole epoch has been measured", () => {
  test("first sample 2 ms, then 7 ms frames: RTT, variance and reference as in C ENet, but nothing is throttled in the first epoch", () => {
    const ours = afterFirstSample(2, false);
    const c = afterFirstSample(2, true);
    for (let i = 1; i <= 16; i++) {
      updateRoundTripTime(ours, T0 + 7 * i, 7);
      updateRoundTripTime(c, T0 + 7 * i, 7);
      assert.equal(ours.packetThrottle, 32, `sample ${i}`);
    }
    assert.equal(c.packetThrottle, 0, "C ENet's rule on the same samples");
    const state = (p: PeerCore) => [p.roundTripTime, p.roundTripTimeVariance, p.lastRoundTripTime, p.lastRoundTripTimeVariance, p.lowestRoundTripTime, p.highestRoundTripTimeVariance, p.packetThrottleEpoch];
    assert.deepEqual(state(ours), state(c), "only the throttle differs");
    assert.equal(ours.throttleReferenceMeasured, false);
    // The epoch ends: the reference 2 +- 4 comes from its samples, and C ENet's rules apply from here on.
    updateRoundTripTime(ours, T0 + 5000, 7);
    assert.equal(ours.throttleReferenceMeasured, true);
    assert.deepEqual([ours.lastRoundTripTime, ours.lastRoundTripTimeVariance], [2, 4]);
    updateRoundTripTime(ours, T0 + 5007, 60);
    assert.equal(ours.packetThrottle, 32, "2 <= 4 pins the throttle at its limit, as in C ENet");
  });

  test("congestion after the first epoch still slows the throttle, exactly as C ENet does; inside the first epoch it does not", () => {
    // Inside the first epoch: 200 ms samples after a 20 ms start.
    const early = afterFirstSample(20, false);
    const earlyC = afterFirstSample(20, true);
    for (let i = 1; i <= 20; i++) {
      for (const p of [early, earlyC]) updateRoundTripTime(p, T0 + 100 * i, 200);
      assert.equal(early.packetThrottle, 32, `sample ${i}: judged against one sample, not throttled`);
    }
    assert.equal(earlyC.packetThrottle, 0, "C ENet's rule slows on them");
    // A steady 20 ms epoch, then the same 200 ms samples: both judge against 20 +- 10 alike.
    const ours = afterFirstSample(20, false);
    const c = afterFirstSample(20, true);
    for (let i = 1; i <= 49; i++) for (const p of [ours, c]) updateRoundTripTime(p, T0 + 100 * i, 20);
    for (const p of [ours, c]) updateRoundTripTime(p, T0 + 5000, 20);
    assert.equal(ours.throttleReferenceMeasured, true);
    assert.deepEqual([ours.lastRoundTripTime, ours.lastRoundTripTimeVariance], [20, 10]);
    assert.deepEqual([c.lastRoundTripTime, c.lastRoundTripTimeVariance], [20, 10]);
    const steps: number[] = [];
    for (let i = 1; i <= 16; i++) {
      for (const p of [ours, c]) updateRoundTripTime(p, T0 + 5000 + 10 * i, 200);
      assert.equal(ours.packetThrottle, c.packetThrottle, `sample ${i}`);
      steps.push(ours.packetThrottle);
    }
    assert.deepEqual(steps, [30, 28, 26, 24, 22, 20, 18, 16, 14, 12, 10, 8, 6, 4, 2, 0], "200 > 20 + 2 * 10: slowed by 2 a sample");
  });

  test("a reset peer (a new session in the slot) starts unmeasured again; the host option gives every peer C ENet's rule", () => {
    const peer = afterFirstSample(2, false);
    updateRoundTripTime(peer, T0 + 5000, 2);
    assert.equal(peer.throttleReferenceMeasured, true);
    peer.resetFields(1392);
    assert.equal(peer.throttleReferenceMeasured, false);
    const cPeer = afterFirstSample(2, true);
    cPeer.resetFields(1392);
    assert.equal(cPeer.throttleOnFirstSample, true, "the host's choice is kept across resets");
    assert.equal(new HostCore({ peerCount: 3 }).peers.every((p) => !p.throttleOnFirstSample), true);
    assert.equal(new HostCore({ peerCount: 3, throttleOnFirstSample: true }).peers.every((p) => p.throttleOnFirstSample), true);
  });
});
