/**
 * Per-direction link model of the simulated network: what happens to one datagram
 * between two virtual hosts. Pure bookkeeping plus draws from the shared PRNG; the
 * network turns the outcome into a trace record and a clock timer.
 */
import type { SeededRandom } from "../util/prng.ts";

export interface LinkOptions {
  /** Probability (0..1) that a datagram is lost after leaving the queue. */
  loss?: number;
  /** Probability (0..1) that a delivered datagram arrives a second time, later. */
  duplicate?: number;
  /** Probability (0..1) that a datagram takes an extra random delay (0..reorderDelayMs), so later ones overtake it. */
  reorder?: number;
  /** One-way propagation delay in ms. */
  latencyMs?: number;
  /** Extra uniform random delay 0..jitterMs per datagram. Jitter alone never reorders (arrivals stay FIFO). */
  jitterMs?: number;
  /** Datagrams whose payload is larger than this many bytes are dropped (0 or undefined: no limit). */
  mtu?: number;
  /** Serialization rate of the link in payload bytes per second (0 or undefined: unlimited). */
  bandwidthBytesPerSec?: number;
  /** With a bandwidth cap: drop a datagram when the bytes waiting to be serialized would exceed this (default 1 MiB). */
  queueLimitBytes?: number;
  /** Upper bound of the extra delay of a reordered datagram and of a duplicate copy (default max(10, latencyMs + jitterMs)). */
  reorderDelayMs?: number;
}

export const DEFAULT_QUEUE_LIMIT_BYTES = 1 << 20;

/** LinkOptions with every field filled in and checked. */
export interface ResolvedLink {
  loss: number;
  duplicate: number;
  reorder: number;
  latencyMs: number;
  jitterMs: number;
  mtu: number;
  bandwidthBytesPerSec: number;
  queueLimitBytes: number;
  reorderDelayMs: number;
}

function probability(v: number | undefined, name: string): number {
  if (v === undefined) return 0;
  if (typeof v !== "number" || !(v >= 0 && v <= 1)) throw new RangeError(`LinkOptions.${name} must be a probability in 0..1, got ${String(v)}`);
  return v;
}

function nonNegative(v: number | undefined, name: string, fallback: number): number {
  if (v === undefined) return fallback;
  if (typeof v !== "number" || !(v >= 0) || !Number.isFinite(v)) {
    throw new RangeError(`LinkOptions.${name} must be a finite number >= 0, got ${String(v)}`);
  }
  return v;
}

/** Validate and fill defaults. Throws RangeError naming the bad field. */
export function resolveLinkOptions(opts: LinkOptions): ResolvedLink {
  if (typeof opts !== "object" || opts === null) throw new TypeError("link options must be an object");
  const latencyMs = nonNegative(opts.latencyMs, "latencyMs", 0);
  const jitterMs = nonNegative(opts.jitterMs, "jitterMs", 0);
  const mtu = nonNegative(opts.mtu, "mtu", 0);
  if (!Number.isInteger(mtu)) throw new RangeError(`LinkOptions.mtu must be an integer number of bytes, got ${mtu}`);
  return {
    loss: probability(opts.loss, "loss"),
    duplicate: probability(opts.duplicate, "duplicate"),
    reorder: probability(opts.reorder, "reorder"),
    latencyMs,
    jitterMs,
    mtu,
    bandwidthBytesPerSec: nonNegative(opts.bandwidthBytesPerSec, "bandwidthBytesPerSec", 0),
    queueLimitBytes: nonNegative(opts.queueLimitBytes, "queueLimitBytes", DEFAULT_QUEUE_LIMIT_BYTES),
    reorderDelayMs: nonNegative(opts.reorderDelayMs, "reorderDelayMs", Math.max(10, latencyMs + jitterMs)),
  };
}

export type DatagramOutcome =
  | { kind: "mtu-dropped" }
  | { kind: "queue-dropped" }
  | { kind: "lost" }
  | { kind: "delivered"; deliverAt: number; duplicateAt: number | undefined };

/** Mutable state of one direction between two hosts. */
export class LinkState {
  /** Virtual time at which the serializer finishes the bytes already queued. */
  busyUntil = 0;
  /** Latest arrival of an in-order datagram: jitter must not let a later one overtake it. */
  lastInOrderArrival = 0;
  /** Same for stream segments, which are always in order. */
  lastStreamArrival = 0;

  constructor(public options: ResolvedLink) {}

  /** Bytes waiting in (or being pushed through) the serializer at `now`. */
  queuedBytes(now: number): number {
    const bw = this.options.bandwidthBytesPerSec;
    if (bw <= 0 || this.busyUntil <= now) return 0;
    return ((this.busyUntil - now) * bw) / 1000;
  }

  /** Time the last byte of `size` bytes queued at `now` leaves the serializer. */
  serialize(now: number, size: number): number {
    const bw = this.options.bandwidthBytesPerSec;
    if (bw <= 0) return now;
    const start = this.busyUntil > now ? this.busyUntil : now;
    this.busyUntil = start + (size * 1000) / bw;
    return this.busyUntil;
  }

  /**
   * Decide one datagram's fate. Draw order is fixed (six draws for every datagram that
   * gets past the MTU and queue checks) so changing one probability does not shift
   * the random sequence seen by the others.
   */
  datagram(now: number, size: number, rng: SeededRandom): DatagramOutcome {
    const o = this.options;
    if (o.mtu > 0 && size > o.mtu) return { kind: "mtu-dropped" };
    if (o.bandwidthBytesPerSec > 0 && this.queuedBytes(now) + size > o.queueLimitBytes) return { kind: "queue-dropped" };
    const departed = this.serialize(now, size);
    const lossDraw = rng.nextFloat();
    const jitterDraw = rng.nextFloat();
    const reorderDraw = rng.nextFloat();
    const reorderDelayDraw = rng.nextFloat();
    const duplicateDraw = rng.nextFloat();
    const duplicateDelayDraw = rng.nextFloat();
    // Lost on the wire after serialization: it still used the bandwidth.
    if (lossDraw < o.loss) return { kind: "lost" };
    let deliverAt = departed + o.latencyMs + jitterDraw * o.jitterMs;
    if (reorderDraw < o.reorder) {
      deliverAt += reorderDelayDraw * o.reorderDelayMs;
    } else {
      if (deliverAt < this.lastInOrderArrival) deliverAt = this.lastInOrderArrival;
      this.lastInOrderArrival = deliverAt;
    }
    const duplicateAt = duplicateDraw < o.duplicate ? deliverAt + duplicateDelayDraw * o.reorderDelayMs : undefined;
    return { kind: "delivered", deliverAt, duplicateAt };
  }

  /** Arrival time of a stream segment of `size` bytes sent at `now` (reliable, in order, no jitter). */
  streamSegment(now: number, size: number): number {
    let arrival = this.serialize(now, size) + this.options.latencyMs;
    if (arrival < this.lastStreamArrival) arrival = this.lastStreamArrival;
    this.lastStreamArrival = arrival;
    return arrival;
  }
}
