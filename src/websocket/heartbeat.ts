/**
 * The keep-alive schedule (Godot 4's heartbeat_interval): ping every interval while
 * open; if the previous ping is still unanswered when the next is due, the link is
 * considered dead. Pure bookkeeping over timestamps; the connection sends the frames.
 */
export enum HeartbeatAction {
  NONE,
  SEND_PING,
  TIMED_OUT,
}

export class Heartbeat {
  private intervalMs: number;
  private nextAt = Number.POSITIVE_INFINITY;
  private awaitingPong = false;

  constructor(intervalMs: number) {
    this.intervalMs = intervalMs;
  }

  /** Start (or restart) the schedule from `now`; 0 turns it off. */
  start(now: number, intervalMs = this.intervalMs): void {
    this.intervalMs = intervalMs;
    this.awaitingPong = false;
    this.nextAt = intervalMs > 0 ? now + intervalMs : Number.POSITIVE_INFINITY;
  }

  stop(): void {
    this.nextAt = Number.POSITIVE_INFINITY;
    this.awaitingPong = false;
  }

  /** Any pong answers the outstanding ping (RFC 6455 5.5.3 allows unsolicited pongs too). */
  pongReceived(): void {
    this.awaitingPong = false;
  }

  get deadline(): number {
    return this.nextAt;
  }

  /** What is due at `now`. SEND_PING schedules the next check one interval later. */
  check(now: number): HeartbeatAction {
    if (now < this.nextAt) return HeartbeatAction.NONE;
    if (this.awaitingPong) {
      this.stop();
      return HeartbeatAction.TIMED_OUT;
    }
    this.awaitingPong = true;
    this.nextAt = now + this.intervalMs;
    return HeartbeatAction.SEND_PING;
  }
}
