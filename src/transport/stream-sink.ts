/**
 * Stream.setSink's plumbing for the adapters: where a stream's events go when nobody listens,
 * and the sink that holds the onData/onEnd/onClose/onDrain callbacks of the older interface. A
 * stream keeps one sink field either way, rather than a field per callback.
 */
import { rethrowLater } from "./rethrow-later.ts";
import type { Stream, StreamSink } from "./types.ts";

/** The sink of a stream nobody listens to yet: events are dropped, as with no callback set. */
export const NO_SINK: StreamSink = {
  streamData() {},
  streamEnd() {},
  streamClose() {},
  streamDrain() {},
};

/** Holds the callbacks set with onData/onEnd/onClose/onDrain (each may be missing). */
export class CallbackSink implements StreamSink {
  data: ((chunk: Uint8Array) => void) | undefined = undefined;
  end: (() => void) | undefined = undefined;
  close: ((error?: Error) => void) | undefined = undefined;
  drain: (() => void) | undefined = undefined;
  streamData(_stream: Stream, chunk: Uint8Array): void {
    this.data?.(chunk);
  }
  streamEnd(): void {
    this.end?.();
  }
  streamClose(_stream: Stream, error?: Error): void {
    this.close?.(error);
  }
  streamDrain(): void {
    this.drain?.();
  }
}

/**
 * The listening half of Stream for an adapter: one sink field, set by setSink or made by the first
 * onData/onEnd/onClose/onDrain (a CallbackSink, which replaces a sink set by setSink). The adapter
 * says what starting to read means for its socket.
 */
export abstract class SinkedStream {
  /** Where events go: a sink of the owner's (setSink), or one holding the onData/... callbacks. */
  protected sink: StreamSink = NO_SINK;

  private callbacks(): CallbackSink {
    const current = this.sink;
    if (current instanceof CallbackSink) return current;
    const sink = new CallbackSink();
    this.sink = sink;
    return sink;
  }
  onData(cb: (chunk: Uint8Array) => void): void {
    this.callbacks().data = cb;
    this.startReading();
  }
  onEnd(cb: () => void): void {
    this.callbacks().end = cb;
  }
  onClose(cb: (error?: Error) => void): void {
    this.callbacks().close = cb;
  }
  onDrain(cb: () => void): void {
    this.callbacks().drain = cb;
  }
  setSink(sink: StreamSink): void {
    this.sink = sink;
    this.startReading();
  }

  /** Someone takes the data now (onData or setSink; called again for each). */
  protected abstract startReading(): void;
}

// Each runs one event; a sink that throws must not throw into the runtime's socket machinery,
// so its error is rethrown from a task of its own (as deliver() does for callbacks).
export function sinkData(sink: StreamSink, stream: Stream, chunk: Uint8Array): void {
  try {
    sink.streamData(stream, chunk);
  } catch (err) {
    rethrowLater(err);
  }
}
export function sinkEnd(sink: StreamSink, stream: Stream): void {
  try {
    sink.streamEnd(stream);
  } catch (err) {
    rethrowLater(err);
  }
}
export function sinkClose(sink: StreamSink, stream: Stream, error: Error | undefined): void {
  try {
    sink.streamClose(stream, error);
  } catch (err) {
    rethrowLater(err);
  }
}
export function sinkDrain(sink: StreamSink, stream: Stream): void {
  try {
    sink.streamDrain(stream);
  } catch (err) {
    rethrowLater(err);
  }
}
