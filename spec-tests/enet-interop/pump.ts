/**
 * Drives one of our ENetConnections in the background (service() in a loop) and keeps
 * its events, so a test can wait on our side and on a real peer process at the same time.
 */
import { EventType, type ENetConnection, type ENetPacketPeer } from "../../src/index.ts";

export interface OurEvent {
  type: EventType;
  peer: ENetPacketPeer | null;
  data: number;
  channel: number;
  /** Received bytes (RECEIVE only). */
  packet?: Uint8Array;
  /** The packet's delivery flags as `getPacketFlags()` reported them (RECEIVE only). */
  flags?: number;
  /** The peer's channel count when it connected (CONNECT only; read then, since the peer may be gone by the time a test looks). */
  channels?: number;
}

type ServiceResult = Awaited<ReturnType<ENetConnection["service"]>>;

export class ConnectionPump {
  readonly events: OurEvent[] = [];
  /** Errors thrown by service(); a healthy session has none. */
  readonly errors: unknown[] = [];
  private stopped = false;
  private readonly loop: Promise<void>;
  /** Called for each event as it arrives (e.g. to echo packets). */
  onEvent: ((e: OurEvent) => void) | undefined;

  constructor(readonly conn: ENetConnection, private readonly sliceMs = 5) {
    this.loop = this.run();
  }

  private async run(): Promise<void> {
    while (!this.stopped) {
      let ev: ServiceResult;
      const started = performance.now();
      try {
        ev = await this.conn.service(this.sliceMs);
      } catch (e) {
        if (!this.stopped) this.errors.push(e);
        return;
      }
      if (ev.type === EventType.NONE) {
        // Never spin: if service returned at once, give timers and I/O a turn.
        if (performance.now() - started < 1) await new Promise((r) => setTimeout(r, 1));
        continue;
      }
      const out: OurEvent = { type: ev.type, peer: ev.peer ?? null, data: ev.data, channel: ev.channel };
      if (ev.type === EventType.CONNECT && ev.peer) out.channels = ev.peer.getChannels();
      if (ev.type === EventType.RECEIVE && ev.peer) {
        // Godot parity queues the packet on the peer too: read its flags there, then pop it so the queue stays empty.
        let popped: Uint8Array | undefined;
        try {
          out.flags = ev.peer.getPacketFlags();
          popped = ev.peer.getPacket();
        } catch (e) {
          this.errors.push(new Error(`RECEIVE event without a queued packet on the peer: ${(e as Error).message}`));
        }
        out.packet = ev.packet ?? popped;
      }
      this.events.push(out);
      try {
        this.onEvent?.(out);
      } catch (e) {
        this.errors.push(e);
      }
    }
  }

  /** First event (already seen or future) matching `pred`, or reject after `timeoutMs`. */
  async waitFor(pred: (e: OurEvent) => boolean, timeoutMs = 5000, what = "an event"): Promise<OurEvent> {
    const deadline = performance.now() + timeoutMs;
    for (;;) {
      const found = this.events.find(pred);
      if (found) return found;
      if (this.errors.length) throw this.errors[0];
      if (performance.now() > deadline) {
        throw new Error(`our host: timed out after ${timeoutMs} ms waiting for ${what}; saw ${this.describe()}`);
      }
      await new Promise((r) => setTimeout(r, 2));
    }
  }

  async waitForCount(pred: (e: OurEvent) => boolean, count: number, timeoutMs = 5000, what = "events"): Promise<OurEvent[]> {
    const deadline = performance.now() + timeoutMs;
    // Scan each event once: tests wait for tens of thousands of packets.
    const found: OurEvent[] = [];
    let scanned = 0;
    for (;;) {
      for (; scanned < this.events.length; scanned++) if (pred(this.events[scanned]!)) found.push(this.events[scanned]!);
      if (found.length >= count) return found;
      if (this.errors.length) throw this.errors[0];
      if (performance.now() > deadline) {
        throw new Error(`our host: timed out after ${timeoutMs} ms: ${found.length}/${count} ${what}; saw ${this.describe()}`);
      }
      await new Promise((r) => setTimeout(r, 2));
    }
  }

  describe(): string {
    const counts = new Map<number, number>();
    for (const e of this.events) counts.set(e.type, (counts.get(e.type) ?? 0) + 1);
    return [...counts].map(([t, n]) => `${EventType[t]}x${n}`).join(", ") || "nothing";
  }

  /** Stop servicing (the connection stays as it is; destroy it separately). */
  async stop(): Promise<void> {
    this.stopped = true;
    await Promise.race([this.loop, new Promise((r) => setTimeout(r, 200))]);
  }
}
