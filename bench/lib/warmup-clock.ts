// The clock of every loopback harness (bench/peers/enet_loopback.c and emscripten-enet.cjs follow
// the same rule in their own language): the run sends WARMUP + COUNT packets, and the timed phase
// starts at the end of the first turn in which the server has received at least WARMUP of them.
// The window is full at that moment, so the timed phase is the steady state. The warm-up phase is
// timed too and reported beside it: on a JIT runtime it is the cold start.

/** Milliseconds since an arbitrary origin (performance.now()). */
type Now = () => number;

export interface TimedResult {
  /** Packets received in the timed phase. */
  received: number;
  seconds: number;
  packetsPerSecond: number;
  megabytesPerSecond: number;
  /** Packets received in the whole run, warm-up included. */
  totalReceived: number;
  /** The warm-up phase: packets received before the clock started, how long they took, their rate. */
  warmupPackets: number;
  warmupSeconds: number;
  warmupPacketsPerSecond: number;
}

export class WarmupClock {
  private readonly firstAt: number;
  private startedAt = -1;
  private receivedAtStart = 0;

  /** Call when the first packet is about to be sent. */
  constructor(
    private readonly warmup: number,
    private readonly now: Now,
  ) {
    this.firstAt = now();
    if (warmup === 0) this.startedAt = this.firstAt;
  }

  get started(): boolean {
    return this.startedAt >= 0;
  }

  /** Call at the end of every turn with the packets the server has received so far. */
  observe(received: number): void {
    if (this.startedAt < 0 && received >= this.warmup) {
      this.startedAt = this.now();
      this.receivedAtStart = received;
    }
  }

  /**
   * The figures of a run that ended at `endAt` (the last arrival, for unreliable runs that stop
   * on silence). Throws when the run never left its warm-up.
   */
  result(totalReceived: number, endAt: number, packetSize: number): TimedResult {
    if (this.startedAt < 0) throw new Error(`the run ended in its warm-up: ${totalReceived}/${this.warmup} packets`);
    const received = totalReceived - this.receivedAtStart;
    const seconds = (endAt - this.startedAt) / 1000;
    const warmupSeconds = (this.startedAt - this.firstAt) / 1000;
    return {
      received,
      seconds,
      packetsPerSecond: received / seconds,
      megabytesPerSecond: (received * packetSize) / seconds / 1e6,
      totalReceived,
      warmupPackets: this.receivedAtStart,
      warmupSeconds,
      warmupPacketsPerSecond: warmupSeconds > 0 ? this.receivedAtStart / warmupSeconds : 0,
    };
  }
}
