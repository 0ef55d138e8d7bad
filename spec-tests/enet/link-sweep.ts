/**
 * A sweep over random links: each seed draws a link (loss 0-50 %, duplication 0-20 %, latency,
 * jitter, sometimes a bandwidth cap, owned or copied delivery), the hosts' compression and
 * checksums, and a traffic mix (message sizes up to ~31 KB so some are fragmented, reliable share,
 * sequenced unreliable and unsequenced), then runs the 4-channel workload of workload.ts through
 * it and lists every broken delivery rule, and any reliable command still unacknowledged once the
 * link has had time to settle (a datagram shape one side always drops would retransmit forever).
 * Fixed-link tests (reliability.test.ts, heavy-loss.test.ts) pin known points; this looks between
 * them. Timeouts are raised so that delivery, not ENet's give-up rule, is what gets checked.
 */
import { SeededRandom } from "../../src/util/prng.ts";
import { runWorkload, type WorkloadHosts, type WorkloadProfile } from "./workload.ts";
import { CompressionMode } from "../../src/compress/types.ts";
import { PeerState } from "../../src/enet/enums.ts";
import type { LinkOptions } from "./sim.ts";

export interface SweepCase {
  seed: number;
  link: LinkOptions;
  messagesPerChannel: number;
  /** Every `fragmentEvery`-th message is 1,400 B or more (fragmented at ENet's default MTU). */
  fragmentEvery: number;
  /** Percentage of reliable messages; the rest alternate sequenced unreliable and unsequenced. */
  reliablePercent: number;
  hosts: WorkloadHosts;
}

const COMPRESSIONS = [CompressionMode.NONE, CompressionMode.RANGE_CODER, CompressionMode.FASTLZ, CompressionMode.ZLIB, CompressionMode.ZSTD] as const;
/**
 * Simulated time after the last reliable message, with pings off, for every acknowledgement to get
 * through: retransmissions wait at most 5 s, so about 120 attempts, which a command that only
 * random loss holds back (at most 75 % of round trips lost) survives once in 10^15.
 */
const SETTLE_MS = 600_000;
const NO_PINGS = 0x7fffffff;

export interface SweepOutcome {
  case: SweepCase;
  /** Simulated milliseconds until every reliable message had arrived. */
  simulatedMs: number;
  problems: string[];
}

export function drawCase(seed: number): SweepCase {
  const rng = new SeededRandom(seed);
  return {
    seed,
    link: {
      loss: rng.nextInt(51) / 100,
      duplicate: rng.nextInt(21) / 100,
      latency: 1 + rng.nextInt(200),
      jitter: rng.nextInt(200),
      seed,
      bytesPerMs: rng.chance(0.3) ? 50 + rng.nextInt(2000) : 0,
      ownedDelivery: rng.chance(0.5),
    },
    messagesPerChannel: 200 + rng.nextInt(800),
    fragmentEvery: 2 + rng.nextInt(40),
    reliablePercent: rng.chance(0.33) ? 100 : rng.nextInt(101),
    // Drawn last, so every other parameter of a seed stays what it was before these were added.
    hosts: { compression: COMPRESSIONS[rng.nextInt(COMPRESSIONS.length)]!, checksum: rng.chance(0.5) },
  };
}

function profileOf(c: SweepCase): WorkloadProfile {
  const largest = 1500 + ((c.seed * 7919) % 30000);
  return {
    sizeOf: (i) => (i % c.fragmentEvery === c.fragmentEvery - 1 ? 1400 + ((i * 7919) % largest) : 6 + ((i * 37) % 900)),
    // A multiplicative hash spreads the reliable share over the indices.
    modeOf: (i) => (((i * 2654435761) >>> 0) % 100 < c.reliablePercent ? 0 : ((1 + (i % 2)) as 1 | 2)),
  };
}

export function runCase(c: SweepCase): SweepOutcome {
  const profile = profileOf(c);
  const r = runWorkload(c.link, c.messagesPerChannel, 86_400_000, true, profile, c.hosts);
  const problems: string[] = [];
  if (r.disconnected) problems.push("the connection dropped");
  if (r.corrupt !== 0) problems.push(`${r.corrupt} corrupt messages`);
  if (r.wrongChannel !== 0) problems.push(`${r.wrongChannel} messages on the wrong channel`);
  const reliable: number[] = [];
  for (let i = 0; i < c.messagesPerChannel; i++) if (profile.modeOf(i) === 0) reliable.push(i);
  for (let ch = 0; ch < 4; ch++) {
    const got = r.reliable[ch]!;
    const wrongAt = got.findIndex((index, k) => index !== reliable[k]);
    if (got.length !== reliable.length || wrongAt !== -1) problems.push(`channel ${ch}: ${got.length} of ${reliable.length} reliable messages, first wrong at ${wrongAt}`);
    const sequenced = r.unreliable[ch]!;
    for (let k = 1; k < sequenced.length; k++) {
      if (sequenced[k]! <= sequenced[k - 1]!) {
        problems.push(`channel ${ch}: sequenced unreliable ${sequenced[k - 1]} then ${sequenced[k]}`);
        break;
      }
    }
    const unsequenced = r.unsequenced[ch]!;
    if (new Set(unsequenced).size !== unsequenced.length) problems.push(`channel ${ch}: an unsequenced message arrived twice`);
  }
  if (!r.disconnected) {
    // Pings are reliable too, and on a lossy link one is nearly always in flight: off, for each
    // peer as soon as it is connected (a server may still be waiting for the acknowledgement of
    // its VERIFY_CONNECT when a mix without reliable messages has been sent).
    r.net.runUntil(r.net.now + SETTLE_MS, () => {
      for (const h of r.net.hosts) {
        while (h.core.pollEvent());
        for (const p of h.core.peers) if (p.state === PeerState.STATE_CONNECTED && p.pingInterval !== NO_PINGS) h.core.setPingInterval(p, NO_PINGS);
      }
    });
    for (const h of r.net.hosts) {
      for (const p of h.core.peers) {
        if (p.state === PeerState.STATE_CONNECTED && (p.sentReliableCount > 0 || p.hasQueuedUnblocked)) {
          problems.push(`${h === r.net.hosts[0] ? "server" : "client"}: ${p.sentReliableCount} reliable commands unacknowledged ${SETTLE_MS / 1000} s after the last message`);
        }
      }
    }
  }
  for (const h of r.net.hosts) {
    if (h.core.drops.internalErrors !== 0) problems.push(`${h.core.drops.internalErrors} exceptions inside a host`);
    const held = h.core.peers.reduce((sum, p) => sum + p.totalWaitingData, 0);
    if (held !== h.core.waitingData) problems.push(`host waiting data ${h.core.waitingData} is not its peers' sum ${held}`);
  }
  return { case: c, simulatedMs: r.endTime, problems };
}

export function describeCase(c: SweepCase): string {
  const l = c.link;
  return (
    `seed ${c.seed}: loss ${Math.round(l.loss! * 100)} %, duplication ${Math.round(l.duplicate! * 100)} %, latency ${l.latency} ms, jitter ${l.jitter} ms, ` +
    `${l.bytesPerMs ? `${l.bytesPerMs} B/ms` : "no bandwidth cap"}, ${l.ownedDelivery ? "owned" : "copied"} delivery; ` +
    `${c.messagesPerChannel} messages x 4 channels, ${c.reliablePercent} % reliable, every ${c.fragmentEvery}th fragmented; ` +
    `${CompressionMode[c.hosts.compression ?? CompressionMode.NONE]}, checksums ${c.hosts.checksum ? "on" : "off"}`
  );
}
