/**
 * The Stream bookkeeping shared by adapters whose native sockets do not buffer
 * writes for us (Deno's async write, Bun's partial write): a write queue with a
 * high-water mark and drain signal, read pause with a hold-back buffer, and the
 * half-close / close state machine. Subclasses only move bytes.
 */
import { GodotError, NetError } from "../errors.ts";
import { closedStreamError } from "./stream-options.ts";
import { SinkedStream, sinkClose, sinkData, sinkDrain, sinkEnd } from "./stream-sink.ts";
import type { Stream } from "./types.ts";
import { copyBytes } from "../util/copy-bytes.ts";

/** `write` returns false once this many bytes are queued (Node's net default is 16 KiB; larger suits bulk game data). */
export const STREAM_HIGH_WATER_MARK = 64 * 1024;

/** When several small writes are queued, they are joined into chunks of up to this size for one OS write. */
export const STREAM_COALESCE_LIMIT = 64 * 1024;

export abstract class QueuedStream extends SinkedStream implements Stream {
  abstract readonly remoteAddress: string;
  abstract readonly remotePort: number;
  abstract readonly localAddress: string;
  abstract readonly localPort: number;

  protected readonly writeQueue: Uint8Array[] = [];
  private queuedBytes = 0;
  private needDrain = false;
  /** Received while paused or before onData: handed over on resume, in order. */
  private readonly heldChunks: Uint8Array[] = [];
  private heldEnd = false;

  protected paused = false;
  protected readEnded = false;
  /** end() was called: FIN goes out once the queue is empty. */
  protected writeEndRequested = false;
  protected writeEndDone = false;
  protected closed = false;
  /** The native socket is gone cleanly: finish once held input has been handed over. */
  private finishWhenInputDone = false;

  /** Someone takes the data (onData or setSink): until then, input is held. */
  private takesData = false;

  constructor(protected readonly label: string) {
    super();
  }

  get bufferedAmount(): number {
    return this.queuedBytes;
  }

  protected startReading(): void {
    if (this.takesData) return;
    this.takesData = true;
    if (!this.paused) {
      this.releaseHeld();
      if (!this.closed) this.readResumed();
    }
  }

  /** True when incoming bytes should be held instead of delivered. */
  protected get holding(): boolean {
    return this.paused || !this.takesData;
  }

  write(data: Uint8Array, owned?: boolean): boolean {
    if (!(data instanceof Uint8Array)) throw new TypeError("data must be a Uint8Array");
    if (this.closed) throw closedStreamError(this.label);
    if (this.writeEndRequested) throw new NetError(GodotError.ERR_UNCONFIGURED, `write after end() (${this.label})`);
    if (data.byteLength === 0) return this.queuedBytes < STREAM_HIGH_WATER_MARK;
    // Copied unless given away: the bytes leave asynchronously and callers may reuse their buffer.
    this.writeQueue.push(owned === true ? data : copyBytes(data));
    this.queuedBytes += data.byteLength;
    this.startWriting();
    if (this.queuedBytes >= STREAM_HIGH_WATER_MARK) {
      this.needDrain = true;
      return false;
    }
    return true;
  }

  pause(): void {
    if (this.closed) return;
    this.paused = true;
    this.readPaused();
  }

  resume(): void {
    if (this.closed || !this.paused) return;
    this.paused = false;
    this.releaseHeld();
    if (!this.paused && !this.closed) this.readResumed();
  }

  end(): void {
    if (this.closed || this.writeEndRequested) return;
    this.writeEndRequested = true;
    this.startWriting();
  }

  close(): void {
    this.finish(undefined);
  }

  abstract setNoDelay(enabled: boolean): void;

  // ---- for subclasses ----

  /** Move queued bytes to the OS; call `tookBytes` as they leave and `writeEnded` after FIN. */
  protected abstract startWriting(): void;
  /** Release the native socket. Called once. */
  protected abstract destroy(): void;
  /** Hooks for native read flow control. */
  protected readPaused(): void {}
  protected readResumed(): void {}

  /** Up to STREAM_COALESCE_LIMIT bytes from the head of the queue, as one buffer (not yet removed). */
  protected peekQueued(): Uint8Array | undefined {
    const q = this.writeQueue;
    if (q.length === 0) return undefined;
    if (q.length === 1 || q[0]!.byteLength >= STREAM_COALESCE_LIMIT) return q[0];
    let total = 0;
    let n = 0;
    while (n < q.length && total + q[n]!.byteLength <= STREAM_COALESCE_LIMIT) total += q[n++]!.byteLength;
    if (n <= 1) return q[0];
    const joined = new Uint8Array(total);
    let off = 0;
    for (let i = 0; i < n; i++) {
      joined.set(q[i]!, off);
      off += q[i]!.byteLength;
    }
    q.splice(0, n, joined);
    return joined;
  }

  /** `n` bytes from the head of the queue reached the OS. */
  protected tookBytes(n: number): void {
    const q = this.writeQueue;
    this.queuedBytes -= n;
    while (n > 0 && q.length > 0) {
      const head = q[0]!;
      if (head.byteLength <= n) {
        n -= head.byteLength;
        q.shift();
      } else {
        q[0] = head.subarray(n);
        n = 0;
      }
    }
    if (this.needDrain && this.queuedBytes < STREAM_HIGH_WATER_MARK) {
      this.needDrain = false;
      sinkDrain(this.sink, this);
    }
  }

  /** Should the subclass send FIN now? */
  protected get finPending(): boolean {
    return this.writeEndRequested && !this.writeEndDone && this.writeQueue.length === 0 && !this.closed;
  }

  protected writeEnded(): void {
    this.writeEndDone = true;
    this.maybeFinished();
  }

  protected received(chunk: Uint8Array): void {
    if (this.closed) return;
    if (this.holding || this.heldChunks.length > 0) this.heldChunks.push(chunk);
    else sinkData(this.sink, this, chunk);
  }

  protected receivedEnd(): void {
    if (this.closed || this.readEnded) return;
    this.readEnded = true;
    if (this.holding || this.heldChunks.length > 0) this.heldEnd = true;
    else {
      sinkEnd(this.sink, this);
      this.maybeFinished();
    }
  }

  /** The native socket closed cleanly: report end of input (after any held data), then close. */
  protected finishAfterInput(): void {
    if (this.closed) return;
    this.finishWhenInputDone = true;
    if (!this.readEnded) this.receivedEnd();
    this.maybeFinished();
  }

  /** The stream ended: cleanly when `error` is undefined, by reset/failure otherwise. */
  protected finish(error: Error | undefined): void {
    if (this.closed) return;
    this.closed = true;
    this.writeQueue.length = 0;
    this.queuedBytes = 0;
    this.heldChunks.length = 0;
    try {
      this.destroy();
    } catch {
      // already gone
    }
    // Never from inside close()/write(): callers must not be re-entered (Node behaves the same).
    queueMicrotask(() => sinkClose(this.sink, this, error));
  }

  private releaseHeld(): void {
    while (this.heldChunks.length > 0 && !this.holding && !this.closed) {
      sinkData(this.sink, this, this.heldChunks.shift()!);
    }
    if (this.heldEnd && this.heldChunks.length === 0 && !this.holding && !this.closed) {
      this.heldEnd = false;
      sinkEnd(this.sink, this);
      this.maybeFinished();
    }
  }

  /** Both directions finished: the stream is fully closed. */
  private maybeFinished(): void {
    if (this.readEnded && (this.writeEndDone || this.finishWhenInputDone) && !this.heldEnd) this.finish(undefined);
  }
}
