/**
 * StreamBinding: the plumbing every Godot-shaped class over one runtime Stream needs
 * (WebSocketPeer, StreamPeerTCP/UDS), written once:
 *
 * - connect with a deadline: a timer fails a connect that takes too long, and a stream
 *   that arrives after the attempt was abandoned is closed, never adopted;
 * - a generation guard: every callback of a stream this binding has let go of
 *   (detached, closed, replaced) is ignored;
 * - inbound buffering: received chunks wait in a ByteQueue until the owner consumes
 *   them, and reading from the OS pauses above a high-water mark and resumes at a
 *   low-water mark the owner chooses (bounded memory against a fast sender);
 * - a coalescing writer: small writes made in one turn of the event loop go to the
 *   stream as one write at the end of the turn (one syscall instead of one per
 *   message); large ones go at once, in order;
 * - end-linger-close: after our FIN, a peer that never closes its side is dropped
 *   after a linger time so it cannot pin the socket.
 *
 * The owner keeps its own protocol state and learns of stream events through the
 * handler (all guarded by the generation).
 */
import type { Clock, Stream, StreamSink } from "../transport/types.ts";
import { ByteQueue } from "../util/byte-queue.ts";
import { Fifo } from "../util/fifo.ts";

/**
 * What the owner hears of its stream. Each call gets the owner, so one handler object can serve
 * every binding of a class (a server holds a binding per connection; closures per binding would
 * cost each idle connection a few hundred bytes).
 */
export interface StreamBindingHandler<Owner> {
  /** A chunk was appended to `inbound`. */
  onData(owner: Owner): void;
  /** The other side half-closed (FIN); `ended` is set. */
  onEnd(owner: Owner): void;
  /** The stream closed (`closed` set, `error` set on a reset or failure). */
  onClose(owner: Owner): void;
  /** The stream's write buffer drained. */
  onDrain(owner: Owner): void;
}

export interface ConnectHandlers {
  /** The connect completed for the current attempt; the owner attaches the stream or closes it. */
  connected(stream: Stream): void;
  /** The connect failed (`timedOut`: the deadline passed first). Not called for abandoned attempts. */
  failed(err: unknown, timedOut: boolean): void;
}

/** A connect in flight: its handlers, deadline (ms on the binding's clock) and deadline timer. */
interface ConnectAttempt {
  readonly handlers: ConnectHandlers;
  deadline: number;
  timer: unknown;
}

/** Writes at least this large are never coalesced (copying them costs more than a syscall). */
export const COALESCE_MAX = 16 * 1024;

/** The coalescing queue of every binding with no write waiting; never written (writeCoalesced makes a queue first). */
const NO_WRITES: Uint8Array[] = [];

/**
 * Bindings with coalesced writes waiting for the end of the turn, flushed by one microtask for
 * all of them (a task per binding would be a closure per connection, kept while it is idle).
 */
let flushQueue: StreamBinding<unknown>[] = [];

function flushAll(): void {
  const bindings = flushQueue;
  flushQueue = [];
  for (const b of bindings) {
    try {
      b.scheduledFlush();
    } catch (err) {
      // Not lost, and not in the way of the other bindings' writes: thrown from a task of its own.
      queueMicrotask(() => {
        throw err;
      });
    }
  }
}

export class StreamBinding<Owner = unknown> implements StreamSink {
  /** The adopted stream, null before attach and after detach/close. */
  stream: Stream | null = null;
  /** Received bytes not consumed yet. */
  readonly inbound = new ByteQueue();
  /** The other side sent FIN. */
  ended = false;
  /** The stream closed (by either side) or a write found it closed. */
  closed = false;
  /** Why it closed, when by a reset or failure. */
  error: Error | undefined = undefined;

  private readonly clock: Clock;
  private readonly handler: StreamBindingHandler<Owner>;
  private readonly owner: Owner;
  private generation = 0;
  private readPaused = false;

  /** The connect in flight, if any (an object of its own: an accepted stream's binding never connects). */
  private attempt: ConnectAttempt | null = null;

  private lingerTimer: unknown = undefined;

  /** Small writes waiting for the end of the turn. */
  private outQueue: Uint8Array[] = NO_WRITES;
  private outQueuedBytes = 0;
  private flushScheduled = false;
  /** Bytes handed to the stream so far, and where each write still in its buffer ends in that count. */
  private writtenTotal = 0;
  private readonly writeEnds = new Fifo<number>(4);

  constructor(clock: Clock, handler: StreamBindingHandler<Owner>, owner: Owner) {
    this.clock = clock;
    this.handler = handler;
    this.owner = owner;
  }

  // ---- connecting ----

  /** Whether a connect is in flight. */
  get connecting(): boolean {
    return this.attempt !== null;
  }

  /**
   * Start connecting (`open` asks the runtime for the stream); `timeoutMs` 0 means no
   * deadline. Any previous stream or attempt is abandoned first. Exactly one of the
   * handlers runs, unless the attempt is abandoned.
   */
  connect(open: () => Promise<Stream>, timeoutMs: number, handlers: ConnectHandlers): void {
    this.release();
    const generation = this.generation;
    const attempt: ConnectAttempt = { handlers, deadline: Number.POSITIVE_INFINITY, timer: null };
    this.attempt = attempt;
    if (timeoutMs > 0) {
      attempt.deadline = this.clock.now() + timeoutMs;
      attempt.timer = this.clock.setTimeout(() => {
        attempt.timer = null;
        if (generation === this.generation) this.expireConnect();
      }, timeoutMs);
    }
    let connecting: Promise<Stream>;
    try {
      connecting = open();
    } catch (err) {
      connecting = Promise.reject(err);
    }
    connecting.then(
      (stream) => {
        const h = this.attempt?.handlers ?? null;
        if (generation !== this.generation || h === null) {
          stream.close();
          return;
        }
        this.endConnect();
        h.connected(stream);
      },
      (err: unknown) => {
        const h = this.attempt?.handlers ?? null;
        if (generation !== this.generation || h === null) return;
        this.endConnect();
        this.generation++;
        h.failed(err, false);
      },
    );
  }

  /** Fail a connect whose deadline has passed (for owners that check in poll()); true when it did. */
  checkConnectDeadline(now: number): boolean {
    const attempt = this.attempt;
    if (attempt === null || now <= attempt.deadline) return false;
    this.expireConnect();
    return true;
  }

  private expireConnect(): void {
    const h = this.attempt?.handlers ?? null;
    if (h === null) return;
    this.endConnect();
    this.generation++; // a stream arriving later is closed
    h.failed(new Error("connect timed out"), true);
  }

  private endConnect(): void {
    const attempt = this.attempt;
    if (attempt === null) return;
    this.attempt = null;
    if (attempt.timer !== null) {
      this.clock.clearTimeout(attempt.timer);
      attempt.timer = null;
    }
  }

  // ---- adopting and letting go ----

  /** Adopt a connected stream: its events from now on reach the handler. */
  attach(stream: Stream): void {
    const generation = ++this.generation;
    this.stream = stream;
    this.inbound.clear();
    this.ended = false;
    this.closed = false;
    this.error = undefined;
    this.readPaused = false;
    if (stream.setSink) {
      // The binding itself takes the events, no closures: the stream passes itself along, and
      // events of a stream that is no longer this binding's are ignored (see streamData).
      stream.setSink(this);
      return;
    }
    const h = this.handler;
    stream.onData((chunk) => {
      if (generation !== this.generation) return;
      this.inbound.push(chunk);
      h.onData(this.owner);
    });
    stream.onEnd(() => {
      if (generation !== this.generation) return;
      this.ended = true;
      h.onEnd(this.owner);
    });
    stream.onClose((error) => {
      if (generation !== this.generation) return;
      this.closed = true;
      this.error = error;
      this.clearLinger();
      h.onClose(this.owner);
    });
    stream.onDrain(() => {
      if (generation !== this.generation) return;
      h.onDrain(this.owner);
    });
  }

  // ---- StreamSink (streams with setSink): the same as attach's callbacks, guarded by the stream ----

  /** @internal */
  streamData(stream: Stream, chunk: Uint8Array): void {
    if (stream !== this.stream) return;
    this.inbound.push(chunk);
    this.handler.onData(this.owner);
  }
  /** @internal */
  streamEnd(stream: Stream): void {
    if (stream !== this.stream) return;
    this.ended = true;
    this.handler.onEnd(this.owner);
  }
  /** @internal */
  streamClose(stream: Stream, error?: Error): void {
    if (stream !== this.stream) return;
    this.closed = true;
    this.error = error;
    this.clearLinger();
    this.handler.onClose(this.owner);
  }
  /** @internal */
  streamDrain(stream: Stream): void {
    if (stream !== this.stream) return;
    this.handler.onDrain(this.owner);
  }

  /**
   * Let go of the stream without closing it (to hand it to another owner); returns it,
   * resumed if it was paused. Unread input stays in `inbound` for the caller to take.
   */
  detach(): Stream | null {
    const stream = this.stream;
    const wasPaused = this.readPaused;
    this.generation++;
    this.stream = null;
    this.readPaused = false;
    this.dropWrites();
    if (stream && wasPaused) stream.resume();
    return stream;
  }

  /** Close the stream at once (dropping queued writes) or abandon a connect; forget everything. */
  release(): void {
    this.endConnect();
    const stream = this.detach();
    if (stream) {
      try {
        stream.close();
      } catch {
        // already closed by the other side
      }
    }
    this.inbound.clear();
    this.ended = false;
    this.closed = false;
    this.error = undefined;
    this.writtenTotal = 0;
    this.writeEnds.clear();
  }

  // ---- reading ----

  /**
   * Pause reading from the OS while more than `pauseAbove` bytes are buffered; resume once
   * at most `resumeAtOrBelow` are. Call after buffering or consuming input.
   */
  updateReadFlow(pauseAbove: number, resumeAtOrBelow: number): void {
    const stream = this.stream;
    if (!stream) return;
    const n = this.inbound.length;
    if (!this.readPaused && n > pauseAbove) {
      this.readPaused = true;
      stream.pause();
    } else if (this.readPaused && n <= resumeAtOrBelow) {
      this.readPaused = false;
      stream.resume();
    }
  }

  get isReadPaused(): boolean {
    return this.readPaused;
  }

  // ---- writing ----

  /** Write now, keeping order with coalesced writes. False (and `closed`/`error` set) when the stream is gone. */
  write(bytes: Uint8Array, owned = false): boolean {
    this.flush();
    return this.writeToStream(bytes, null, owned);
  }

  /**
   * Write at the end of this turn together with other small writes (large ones go at once).
   * The bytes are given away: the caller must not write to them afterwards (the stream may keep them).
   */
  writeCoalesced(bytes: Uint8Array): void {
    if (!this.stream) return;
    if (bytes.length >= COALESCE_MAX) {
      this.write(bytes, true);
      return;
    }
    if (this.outQueue === NO_WRITES) this.outQueue = [];
    this.outQueue.push(bytes);
    this.outQueuedBytes += bytes.length;
    if (this.outQueuedBytes >= COALESCE_MAX) this.flush();
    else if (!this.flushScheduled) {
      this.flushScheduled = true;
      if (flushQueue.push(this as StreamBinding<unknown>) === 1) queueMicrotask(flushAll);
    }
  }

  /** @internal The end-of-turn flush (flushAll). */
  scheduledFlush(): void {
    this.flushScheduled = false;
    this.flush();
  }

  /** Hand every coalesced write to the stream, as one write. */
  flush(): void {
    const n = this.outQueue.length;
    if (n === 0) return;
    const parts = this.outQueue;
    const total = this.outQueuedBytes;
    this.outQueue = NO_WRITES;
    this.outQueuedBytes = 0;
    const only = parts[0];
    if (n === 1 && only !== undefined) {
      this.writeToStream(only, null, true);
      return;
    }
    const joined = new Uint8Array(total);
    let at = 0;
    for (const p of parts) {
      joined.set(p, at);
      at += p.length;
    }
    this.writeToStream(joined, parts, true);
  }

  /** Bytes written and not handed to the OS yet: the coalescing queue plus the stream's buffer. */
  get bufferedAmount(): number {
    return this.outQueuedBytes + (this.stream?.bufferedAmount ?? 0);
  }

  /** Writes not handed to the OS yet (the coalescing queue counts each write it holds). */
  pendingWrites(): number {
    const s = this.stream;
    const flushed = this.writtenTotal - (s ? s.bufferedAmount : 0);
    const ends = this.writeEnds;
    for (let end = ends.peek(); end !== undefined && end <= flushed; end = ends.peek()) ends.shift();
    return this.outQueue.length + ends.length;
  }

  private writeToStream(bytes: Uint8Array, parts: Uint8Array[] | null, owned: boolean): boolean {
    const s = this.stream;
    if (!s) return false;
    try {
      s.write(bytes, owned);
    } catch (err) {
      // The stream closed under us; its onClose (if it comes) reports the rest.
      this.closed = true;
      this.error ??= err instanceof Error ? err : new Error(String(err));
      return false;
    }
    if (parts) {
      let end = this.writtenTotal;
      for (const p of parts) this.writeEnds.push((end += p.length));
    } else {
      this.writeEnds.push(this.writtenTotal + bytes.length);
    }
    this.writtenTotal += bytes.length;
    this.pendingWrites(); // prune, so writes nobody asks about do not accumulate
    return true;
  }

  private dropWrites(): void {
    this.outQueue = NO_WRITES;
    this.outQueuedBytes = 0;
  }

  // ---- ending ----

  /** Close at once, dropping coalesced writes not yet handed over (the binding keeps its state). */
  abort(): void {
    this.dropWrites();
    this.stream?.close();
  }

  /** Flush, send FIN, and close anyway after `lingerMs` if the other side never closes. */
  endAndLinger(lingerMs: number): void {
    const s = this.stream;
    if (!s) return;
    this.flush();
    s.end();
    this.clearLinger();
    this.lingerTimer = this.clock.setTimeout(() => {
      this.lingerTimer = undefined;
      s.close();
    }, lingerMs);
  }

  private clearLinger(): void {
    if (this.lingerTimer !== undefined) {
      this.clock.clearTimeout(this.lingerTimer);
      this.lingerTimer = undefined;
    }
  }
}
