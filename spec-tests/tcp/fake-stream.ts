// A scripted Stream and RuntimeAdapter for deterministic status-machine tests:
// the test decides when a connect completes, when bytes/FIN/reset arrive and
// how much the "OS" has taken from the send queue. Not an interop peer.
import type { Clock, RuntimeAdapter, Stream, StreamConnectOptions, StreamListenOptions, Listener } from "../../src/index.ts";

export class ScriptedStream implements Stream {
  remoteAddress = "127.0.0.1";
  remotePort = 4242;
  localAddress = "127.0.0.1";
  localPort = 50000;
  bufferedAmount = 0;
  written: Uint8Array[] = [];
  paused = false;
  closed = false;
  noDelay: boolean | undefined;
  private dataCb?: (c: Uint8Array) => void;
  private endCb?: () => void;
  private closeCb?: (e?: Error) => void;
  private drainCb?: () => void;
  onData(cb: (c: Uint8Array) => void): void { this.dataCb = cb; }
  onEnd(cb: () => void): void { this.endCb = cb; }
  onClose(cb: (e?: Error) => void): void { this.closeCb = cb; }
  onDrain(cb: () => void): void { this.drainCb = cb; }
  write(data: Uint8Array): boolean {
    if (this.closed) throw new Error("closed");
    this.written.push(data.slice());
    this.bufferedAmount += data.length;
    return true;
  }
  pause(): void { this.paused = true; }
  resume(): void { this.paused = false; }
  end(): void {}
  close(): void { this.closed = true; }
  setNoDelay(enabled: boolean): void { this.noDelay = enabled; }
  // ---- driven by the test ----
  receive(bytes: number[] | Uint8Array): void { this.dataCb?.(Uint8Array.from(bytes)); }
  fin(): void { this.endCb?.(); }
  finAndClose(): void { this.endCb?.(); this.closeCb?.(); }
  reset(): void { this.closeCb?.(new Error("ECONNRESET")); }
  osTakes(n: number): void { this.bufferedAmount = Math.max(0, this.bufferedAmount - n); this.drainCb?.(); }
  writtenBytes(): number[] { return this.written.flatMap((c) => Array.from(c)); }
}

interface PendingConnect {
  opts: StreamConnectOptions;
  resolve: (s: Stream) => void;
  reject: (e: unknown) => void;
}

export class ScriptedRuntime implements RuntimeAdapter {
  readonly name = "memory" as const;
  connects: PendingConnect[] = [];
  /** What listen() rejects with (the scripted runtime never listens). */
  listenError: unknown = new Error("not used");
  constructor(readonly clock: Clock) {}
  createDatagramTransport(): never { throw new Error("not used"); }
  resolve(): never { throw new Error("not used"); }
  readonly streams = {
    connect: (opts: StreamConnectOptions): Promise<Stream> =>
      new Promise<Stream>((resolve, reject) => this.connects.push({ opts, resolve, reject })),
    listen: (_opts: StreamListenOptions, _cb: (s: Stream) => void): Promise<Listener> => Promise.reject(this.listenError),
  };
}

/** Let promise continuations run. */
export const settle = (): Promise<void> => new Promise((r) => setTimeout(r, 0));
