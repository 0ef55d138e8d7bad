/**
 * Godot's SocketServer: the accept queue shared by TCPServer and UDSServer.
 * Accepted streams wait in a bounded queue until takeConnection(), with reading
 * paused so their bytes stay in the OS (as they do for Godot) instead of filling
 * one receive buffer per untaken connection.
 */
import { GodotError, NetError } from "../errors.ts";
import { resolveIo } from "../transport/registry.ts";
import { checkInt } from "../util/args.ts";
import type { Listener, RuntimeAdapter, Stream, StreamListenOptions } from "../transport/types.ts";
import type { StreamPeerSocket, StreamPeerSocketOptions } from "./stream-peer-socket.ts";

/** Default bound on accepted connections waiting for takeConnection(). */
export const DEFAULT_MAX_PENDING_CONNECTIONS = 128;

export interface SocketServerOptions extends StreamPeerSocketOptions {
  /** Accepted connections beyond this many untaken ones are closed at once and counted (default 128). */
  maxPendingConnections?: number;
}

export abstract class SocketServer<P extends StreamPeerSocket> {
  protected readonly runtime: RuntimeAdapter;
  protected readonly peerOptions: StreamPeerSocketOptions;
  private readonly maxPending: number;
  private listener: Listener | null = null;
  private starting = false;
  private pending: { peer: P; stream: Stream }[] = [];
  private generation = 0;
  /** Connections closed on arrival because the pending queue was full. */
  droppedConnections = 0;

  constructor(opts: SocketServerOptions = {}) {
    const { runtime, clock } = resolveIo(opts);
    this.runtime = runtime;
    const max = opts.maxPendingConnections ?? DEFAULT_MAX_PENDING_CONNECTIONS;
    checkInt(max, "maxPendingConnections", 1, 2 ** 31 - 1);
    this.maxPending = max;
    this.peerOptions = { ...opts, runtime, clock };
  }

  /** Wrap an accepted stream as this server's peer type. */
  protected abstract wrap(stream: Stream): P;

  /** Listening, or a listen is under way (startListening refuses then). */
  protected get busy(): boolean {
    return this.listener !== null || this.starting;
  }

  protected async startListening(target: StreamListenOptions, what: string): Promise<Listener> {
    if (this.listener || this.starting) {
      throw new NetError(GodotError.ERR_ALREADY_IN_USE, `${what}: already listening, call stop() first`);
    }
    this.starting = true;
    const generation = ++this.generation;
    try {
      const listener = await this.runtime.streams.listen(target, (stream) => this.onStream(stream, generation));
      if (generation !== this.generation) {
        await listener.close();
        throw new NetError(GodotError.FAILED, `${what}: stop() was called while starting`);
      }
      this.listener = listener;
      return listener;
    } finally {
      if (generation === this.generation) this.starting = false;
    }
  }

  private onStream(stream: Stream, generation: number): void {
    if (generation !== this.generation || this.pending.length >= this.maxPending) {
      if (generation === this.generation) this.droppedConnections++;
      stream.close();
      return;
    }
    const peer = this.wrap(stream);
    stream.pause();
    this.pending.push({ peer, stream });
  }

  protected get currentListener(): Listener | null {
    return this.listener;
  }

  isListening(): boolean {
    return this.listener !== null;
  }

  /** True when an accepted connection is waiting for takeConnection(). */
  isConnectionAvailable(): boolean {
    return this.pending.length > 0;
  }

  /** The oldest waiting connection, or null when none is waiting. It was CONNECTED when accepted; poll() it to see later closes. */
  takeConnection(): P | null {
    const next = this.pending.shift();
    if (!next) return null;
    next.stream.resume();
    return next.peer;
  }

  /** Stop listening and close connections not yet taken (taken ones stay open, as in Godot). */
  stop(): void {
    this.generation++;
    this.starting = false;
    const listener = this.listener;
    this.listener = null;
    if (listener) void listener.close().catch(() => {});
    for (const p of this.pending) p.peer.disconnectFromHost();
    this.pending = [];
    this.onStopped();
  }

  protected onStopped(): void {}
}
