// The packet throttle's RTT rules against C ENet 1.3.17 itself: a C sender (throttle_peer.c)
// streams small packets, a quarter of them reliable, to a C receiver whose frames are uneven (it
// sleeps a few ms a frame and much longer every few frames, like a game loop with work in it), so
// its acknowledgements come in bunches and the sender's RTT samples jump. The sender traces every
// datagram of acknowledgements: the samples in it, as enet_protocol_handle_acknowledge takes them,
// and the peer's RTT, variance, lowest/highest, throttle reference, throttle epoch and packet
// throttle once ENet has read it. Our updateRoundTripTime is then fed the same samples at the same
// host times, from a fresh peer, and must arrive at the same state after every datagram.
//
// The timing decides which samples come (and so how much of the throttle a run reaches: a first
// sample of 1 ms, for one, keeps the throttle at its limit for the whole first epoch); the
// assertion does not depend on it: whatever C ENet did with the samples, ours must do the same.
// Three sessions with different receiver frames, about a second each; each prints how often the
// throttle moved in it.
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { join } from "node:path";
import { PeerCore } from "../../src/enet/peer-core.ts";
import { updateRoundTripTime } from "../../src/enet/throttle.ts";
import { freeUdpPort } from "./godot.ts";
import { buildCProgram, JsonLineProcess, repoRoot, type PeerEvent } from "./harness.ts";

const built = buildCProgram(join(repoRoot, "spec-tests", "enet-interop", "throttle_peer.c"));
const skip = "skip" in built ? built.skip : false;
if (skip) console.log(`throttle replay: skipped: ${skip}`);

/** The peer fields the trace carries, by trace name. */
const FIELDS = {
  rtt: "roundTripTime",
  rttVariance: "roundTripTimeVariance",
  lowest: "lowestRoundTripTime",
  highestVariance: "highestRoundTripTimeVariance",
  lastRtt: "lastRoundTripTime",
  lastVariance: "lastRoundTripTimeVariance",
  throttle: "packetThrottle",
  epoch: "packetThrottleEpoch",
  lastReceive: "lastReceiveTime",
} as const;

interface Session {
  /** Receiver frames: SLEEP ms, every LONG_EVERY-th LONG ms. */
  sleepMs: number;
  longEvery: number;
  longMs: number;
}

/** Run one C-to-C session; the sender's trace lines and its summary. */
async function traceSession(session: Session): Promise<{ acks: PeerEvent[]; summary: PeerEvent }> {
  const path = (built as { path: string }).path;
  // 400 packets, 8 every 16 ms: 0.8 s of stream. The port may be taken between the probe and
  // the sender's bind (it then exits): another port.
  let sender: JsonLineProcess | undefined;
  for (let attempt = 0; sender === undefined; attempt++) {
    const candidate = new JsonLineProcess(path, ["send", String(await freeUdpPort()), "400", "16", "4", "8", "trace"]);
    const listening = candidate.waitFor((e) => e.ev === "listening", 5000).then(
      () => true,
      () => false,
    );
    if (await Promise.race([listening, candidate.exitPromise.then(() => false)])) sender = candidate;
    else {
      candidate.kill();
      if (attempt >= 2) throw new Error(`the C sender did not start: ${candidate.stderr.join("")}`);
    }
  }
  const port = sender.events.find((e) => e.ev === "listening")!.port!;
  let receiver: JsonLineProcess | undefined;
  try {
    receiver = new JsonLineProcess(path, ["receive", String(port), String(session.sleepMs), String(session.longEvery), String(session.longMs)]);
    const summary = await sender.waitFor((e) => e.ev === "sent", 20_000);
    await receiver.waitFor((e) => e.ev === "received", 5000);
    return { acks: sender.events.filter((e) => e.ev === "ack"), summary };
  } finally {
    sender.kill();
    receiver?.kill();
  }
}

describe("live: the packet throttle's RTT rules, replayed from C ENet 1.3.17", { skip }, () => {
  const sessions: Session[] = [
    { sleepMs: 7, longEvery: 4, longMs: 30 },
    { sleepMs: 3, longEvery: 3, longMs: 20 },
    { sleepMs: 5, longEvery: 2, longMs: 15 },
  ];
  for (const session of sessions) {
    test(`receiver frames of ${session.sleepMs} ms, one in ${session.longEvery} of ${session.longMs} ms: our RTT, variance, epoch and throttle follow C ENet's after every datagram`, async () => {
      const { acks, summary } = await traceSession(session);
      // At least the handshake's acknowledgement and one per reliable packet (100 of them) came.
      assert.ok(acks.length >= 10, `only ${acks.length} datagrams of acknowledgements traced`);
      const peer = new PeerCore(0, 1400);
      // C ENet's first epoch, which ours leaves by default (throttle-first-sample.test.ts).
      peer.throttleOnFirstSample = true;
      let samples = 0;
      let throttleChanges = 0;
      let previousThrottle = peer.packetThrottle;
      for (const [i, ack] of acks.entries()) {
        for (const sample of ack.samples as number[]) {
          updateRoundTripTime(peer, ack.t as number, sample);
          samples++;
        }
        for (const [traced, field] of Object.entries(FIELDS)) {
          assert.equal(peer[field], ack[traced], `datagram ${i} of ${acks.length} (host time ${String(ack.t)}, samples ${JSON.stringify(ack.samples)}): ${field} — C ENet: ${JSON.stringify(ack)}`);
        }
        if (peer.packetThrottle !== previousThrottle) throttleChanges++;
        previousThrottle = peer.packetThrottle;
      }
      console.log(
        `throttle replay (${session.sleepMs}/${session.longEvery}/${session.longMs}): ${acks.length} datagrams, ${samples} samples, ` +
          `throttle changed after ${throttleChanges}, C sender dropped ${String(summary.throttle_dropped)} of ${String(summary.unreliable)}, reference ${String(summary.epochs)}`,
      );
    });
  }
});
