/**
 * A connection lent by a StreamPeerSocket to another protocol object (Godot's
 * `WebSocketPeer.accept_stream(tcp_peer)`). Bytes the socket had already received
 * but nobody read, and an end or close that already happened, are replayed to the
 * new owner's callbacks before anything newer. `onReturn` runs once, when the
 * borrower closes it or it closes by itself, so the lender can go to NONE.
 */
import type { Stream } from "../transport/types.ts";

export interface DetachedState {
  unread: Uint8Array | null;
  ended: boolean;
  closed: boolean;
  failure: Error | null;
}

export class DetachedStream implements Stream {
  private unread: Uint8Array | null;
  private ended: boolean;
  private closed: boolean;
  private readonly failure: Error | null;
  private paused = false;
  private dataCb: ((chunk: Uint8Array) => void) | undefined;
  private endCb: (() => void) | undefined;
  private closeCb: ((error?: Error) => void) | undefined;
  private replayScheduled = false;
  private returned = false;

  constructor(
    private readonly inner: Stream,
    state: DetachedState,
    private readonly onReturn: () => void = () => {},
  ) {
    this.unread = state.unread;
    this.ended = state.ended;
    this.closed = state.closed;
    this.failure = state.failure;
  }

  private giveBack(): void {
    if (this.returned) return;
    this.returned = true;
    this.onReturn();
  }

  get remoteAddress(): string {
    return this.inner.remoteAddress;
  }
  get remotePort(): number {
    return this.inner.remotePort;
  }
  get localAddress(): string {
    return this.inner.localAddress;
  }
  get localPort(): number {
    return this.inner.localPort;
  }
  get bufferedAmount(): number {
    return this.inner.bufferedAmount;
  }

  onData(cb: (chunk: Uint8Array) => void): void {
    this.dataCb = cb;
    this.inner.onData(cb);
    this.scheduleReplay();
  }
  onEnd(cb: () => void): void {
    this.endCb = cb;
    this.inner.onEnd(cb);
    this.scheduleReplay();
  }
  onClose(cb: (error?: Error) => void): void {
    this.closeCb = cb;
    this.inner.onClose((error) => {
      cb(error);
      this.giveBack();
    });
    this.scheduleReplay();
  }
  onDrain(cb: () => void): void {
    this.inner.onDrain(cb);
  }
  write(data: Uint8Array, owned?: boolean): boolean {
    return this.inner.write(data, owned);
  }
  pause(): void {
    this.paused = true;
    this.inner.pause();
  }
  resume(): void {
    this.paused = false;
    this.inner.resume();
    this.scheduleReplay();
  }
  end(): void {
    this.inner.end();
  }
  close(): void {
    this.unread = null;
    this.inner.close();
    this.giveBack();
  }
  setNoDelay(enabled: boolean): void {
    this.inner.setNoDelay(enabled);
  }

  /** Callbacks never run synchronously inside a registration, as with the real adapters. */
  private scheduleReplay(): void {
    if (this.replayScheduled) return;
    this.replayScheduled = true;
    queueMicrotask(() => {
      this.replayScheduled = false;
      this.replay();
    });
  }

  private replay(): void {
    if (this.paused) return;
    if (this.unread !== null && this.dataCb) {
      const bytes = this.unread;
      this.unread = null;
      this.dataCb(bytes);
    }
    if (this.unread !== null) return;
    if (this.ended && this.endCb) {
      this.ended = false;
      this.endCb();
    }
    if (this.closed && this.closeCb) {
      this.closed = false;
      this.closeCb(this.failure ?? undefined);
      this.giveBack();
    }
  }
}
