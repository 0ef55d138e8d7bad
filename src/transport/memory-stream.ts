/**
 * In-memory byte streams on the simulated network: TCP-like (reliable, ordered) pipes
 * whose segments, acknowledgements, FIN and reset travel over the virtual links, so
 * latency and bandwidth caps apply and backpressure behaves like a real socket.
 * TLS options are accepted and ignored: the bytes are never encrypted.
 */
import type { Listener, Stream, StreamConnectOptions, StreamListenOptions, StreamTransport } from "./types.ts";
import type { VirtualClock } from "./virtual-clock.ts";
import type { LinkState } from "./memory-link.ts";
import { GodotError, NetError } from "../errors.ts";
import { checkMemoryPort, formatMemoryEndpoint, isWildcardAddress, loopbackTwin } from "./memory-address.ts";

export interface StreamTuning {
  /** write() returns false once this many bytes wait unsent. */
  highWaterMark: number;
  /** Bytes sent but not yet read by the other side before the sender stops transmitting. */
  windowBytes: number;
  /** Largest piece handed to the link at once (finer pieces pace a bandwidth cap more smoothly). */
  segmentBytes: number;
}

interface StreamPortRegistry {
  get(address: string, port: number): object | undefined;
  claim(address: string, port: number, owner: object, what: string): number;
  release(address: string, port: number, owner: object): void;
}

/** What streams need from their network. */
export interface StreamFabric {
  readonly clock: VirtualClock;
  readonly streamTuning: StreamTuning;
  readonly streamPorts: StreamPortRegistry;
  readonly streamPaths: Map<string, object>;
  schedule(at: number, fn: () => void): void;
  linkFor(from: string, to: string): LinkState;
  resolve(text: unknown, what: string): string;
  localBindAddress(hostAddress: string, address: unknown, what: string): string;
  twinFor(requested: unknown, local: string, port: number, table: StreamPortRegistry): string | undefined;
  ensureOpen(what: string): void;
  onClose(hook: () => void): () => void;
}

class MemoryListener implements Listener {
  closed = false;
  /** Set by the transport: forgets the network close hook. */
  unhook: () => void = () => {};
  constructor(
    readonly address: string,
    readonly port: number,
    readonly path: string | undefined,
    /** Host the listener lives on, for link lookups. */
    readonly host: string,
    readonly onStream: (s: Stream) => void,
    private readonly release: () => void,
  ) {}

  async close(): Promise<void> {
    this.shutdown();
  }

  shutdown(): void {
    if (this.closed) return;
    this.closed = true;
    this.release();
    this.unhook();
  }
}

/** One end of an in-memory connection. */
export class MemoryStreamEndpoint implements Stream {
  peer!: MemoryStreamEndpoint;
  // Send side.
  private sendQueue: Uint8Array[] = [];
  private sendOffset = 0;
  private queued = 0;
  private unacked = 0;
  private wantDrain = false;
  private endRequested = false;
  private finSent = false;
  // Receive side.
  private recvQueue: Uint8Array[] = [];
  private paused = false;
  private finArrived = false;
  private peerGone = false;
  private endDelivered = false;
  private delivering = false;
  private closed = false;
  private dataHandler: ((chunk: Uint8Array) => void) | undefined;
  private endHandler: (() => void) | undefined;
  private closeHandler: ((error?: Error) => void) | undefined;
  private drainHandler: (() => void) | undefined;
  private readonly unregister: () => void;

  constructor(
    private readonly fabric: StreamFabric,
    readonly localAddress: string,
    readonly localPort: number,
    readonly remoteAddress: string,
    readonly remotePort: number,
    /** Hosts used to pick the links this end sends on and receives from. */
    private readonly hostFrom: string,
    private readonly hostTo: string,
    private readonly releasePort: (() => void) | undefined,
  ) {
    // A closed network ends every stream quietly (no callbacks: the whole simulation is over).
    this.unregister = fabric.onClose(() => this.teardown());
  }

  get bufferedAmount(): number {
    return this.queued;
  }

  onData(cb: (chunk: Uint8Array) => void): void {
    this.dataHandler = checkCallback(cb, "onData");
    if (this.recvQueue.length > 0 || this.finArrived) this.deliverSoon();
  }

  onEnd(cb: () => void): void {
    this.endHandler = checkCallback(cb, "onEnd");
  }

  onClose(cb: (error?: Error) => void): void {
    this.closeHandler = checkCallback(cb, "onClose");
  }

  onDrain(cb: () => void): void {
    this.drainHandler = checkCallback(cb, "onDrain");
  }

  write(data: Uint8Array, owned?: boolean): boolean {
    if (!(data instanceof Uint8Array)) throw new TypeError(`write: data must be a Uint8Array, got ${typeof data}`);
    if (this.closed) throw new NetError(GodotError.ERR_UNCONFIGURED, `write on a closed stream (${this.label()})`);
    if (this.endRequested) throw new NetError(GodotError.ERR_UNCONFIGURED, `write after end() (${this.label()})`);
    if (data.length > 0) {
      this.sendQueue.push(owned === true ? data : new Uint8Array(data));
      this.queued += data.length;
      this.pump();
    }
    const ok = this.queued < this.fabric.streamTuning.highWaterMark;
    if (!ok) this.wantDrain = true;
    return ok;
  }

  pause(): void {
    this.paused = true;
  }

  resume(): void {
    if (!this.paused) return;
    this.paused = false;
    this.deliverSoon();
  }

  end(): void {
    if (this.closed || this.endRequested) return;
    this.endRequested = true;
    this.pump();
  }

  close(): void {
    if (this.closed) return;
    // Unsent or unread bytes make this an abortive close (RST), as with a real socket.
    const clean = this.queued === 0 && this.recvQueue.length === 0;
    this.teardown();
    const arrival = this.fabric.linkFor(this.hostFrom, this.hostTo).streamSegment(this.fabric.clock.now(), 0);
    const peer = this.peer;
    this.fabric.schedule(arrival, () => peer.remoteClosed(!clean));
    this.notifyClosed(undefined);
  }

  setNoDelay(enabled: boolean): void {
    // No Nagle model: every write is handed to the link at once, so there is nothing to toggle.
    if (typeof enabled !== "boolean") throw new TypeError(`setNoDelay: enabled must be a boolean, got ${typeof enabled}`);
  }

  // --- wire side ------------------------------------------------------------------

  /** Move queued bytes onto the link while the receive window allows. */
  private pump(): void {
    if (this.closed) return;
    const tuning = this.fabric.streamTuning;
    const now = this.fabric.clock.now();
    const peer = this.peer;
    let link: LinkState | undefined;
    while (this.queued > 0 && this.unacked < tuning.windowBytes) {
      const head = this.sendQueue[0]!;
      const available = head.length - this.sendOffset;
      const n = Math.min(available, tuning.segmentBytes, tuning.windowBytes - this.unacked);
      let segment: Uint8Array;
      if (this.sendOffset === 0 && n === head.length) {
        segment = head; // our own copy from write(): hand it over without copying again
      } else {
        segment = head.slice(this.sendOffset, this.sendOffset + n);
      }
      this.sendOffset += n;
      if (this.sendOffset === head.length) {
        this.sendQueue.shift();
        this.sendOffset = 0;
      }
      this.queued -= n;
      this.unacked += n;
      link ??= this.fabric.linkFor(this.hostFrom, this.hostTo);
      const arrival = link.streamSegment(now, n);
      this.fabric.schedule(arrival, () => peer.receiveData(segment));
    }
    if (this.wantDrain && this.queued < tuning.highWaterMark) {
      this.wantDrain = false;
      this.fabric.schedule(now, () => {
        if (!this.closed) this.drainHandler?.();
      });
    }
    if (this.endRequested && this.queued === 0 && !this.finSent) {
      this.finSent = true;
      link ??= this.fabric.linkFor(this.hostFrom, this.hostTo);
      this.fabric.schedule(link.streamSegment(now, 0), () => peer.receiveFin());
      this.maybeFinish();
    }
  }

  private receiveData(segment: Uint8Array): void {
    if (this.closed) return;
    this.recvQueue.push(segment);
    this.deliver();
  }

  private receiveFin(): void {
    if (this.closed) return;
    this.finArrived = true;
    this.deliver();
  }

  private acknowledged(bytes: number): void {
    if (this.closed) return;
    this.unacked -= bytes;
    this.pump();
  }

  private remoteClosed(reset: boolean): void {
    if (this.closed) return;
    if (reset) {
      this.teardown();
      this.notifyClosed(new NetError(GodotError.ERR_CONNECTION_ERROR, `connection reset by peer (${this.label()})`));
      return;
    }
    this.finArrived = true;
    this.peerGone = true;
    this.deliver();
  }

  private deliverSoon(): void {
    this.fabric.schedule(this.fabric.clock.now(), () => this.deliver());
  }

  private deliver(): void {
    if (this.delivering || this.closed) return;
    this.delivering = true;
    let consumed = 0;
    try {
      while (!this.paused && !this.closed && this.dataHandler !== undefined && this.recvQueue.length > 0) {
        const chunk = this.recvQueue.shift()!;
        consumed += chunk.length;
        this.dataHandler(chunk);
      }
    } finally {
      this.delivering = false;
      if (consumed > 0 && !this.closed) {
        // Window update back to the sender: it travels the reverse link like an ACK.
        const peer = this.peer;
        const arrival = this.fabric.linkFor(this.hostFrom, this.hostTo).streamSegment(this.fabric.clock.now(), 0);
        this.fabric.schedule(arrival, () => peer.acknowledged(consumed));
      }
    }
    if (!this.paused && !this.closed && this.recvQueue.length === 0 && this.finArrived && !this.endDelivered) {
      this.endDelivered = true;
      this.endHandler?.();
      this.maybeFinish();
    }
  }

  /** Both directions are done (or the peer vanished after a clean close): the stream is closed. */
  private maybeFinish(): void {
    if (this.closed || !this.endDelivered || !(this.finSent || this.peerGone)) return;
    this.teardown();
    this.notifyClosed(undefined);
  }

  private notifyClosed(error: Error | undefined): void {
    // Always asynchronous, so close()/end() never call back into the caller's stack.
    this.fabric.schedule(this.fabric.clock.now(), () => this.closeHandler?.(error));
  }

  private teardown(): void {
    if (this.closed) return;
    this.closed = true;
    this.sendQueue = [];
    this.recvQueue = [];
    this.queued = 0;
    this.releasePort?.();
    this.unregister();
  }

  private label(): string {
    return `${formatMemoryEndpoint(this.localAddress, this.localPort)} -> ${formatMemoryEndpoint(this.remoteAddress, this.remotePort)}`;
  }
}

function checkCallback<T>(cb: T, what: string): T {
  if (typeof cb !== "function") throw new TypeError(`${what}: callback must be a function`);
  return cb;
}

function checkPath(path: unknown, what: string): string {
  if (typeof path !== "string" || path.length === 0) throw new TypeError(`${what}: path must be a non-empty string`);
  return path;
}

/** StreamTransport of one virtual host. */
export class MemoryStreamTransport implements StreamTransport {
  constructor(
    private readonly fabric: StreamFabric,
    private readonly host: string,
  ) {}

  async listen(opts: StreamListenOptions, onStream: (s: Stream) => void): Promise<Listener> {
    if (typeof opts !== "object" || opts === null) throw new TypeError("listen: options must be an object");
    checkCallback(onStream, "listen(onStream)");
    const fabric = this.fabric;
    if ("path" in opts) {
      const path = checkPath(opts.path, "listen");
      fabric.ensureOpen(`listen ${path}`);
      if (fabric.streamPaths.has(path)) throw new NetError(GodotError.ERR_ALREADY_IN_USE, `listen ${path}: path is already in use`);
      const listener: MemoryListener = new MemoryListener(path, 0, path, this.host, onStream, () => {
        if (fabric.streamPaths.get(path) === listener) fabric.streamPaths.delete(path);
      });
      fabric.streamPaths.set(path, listener);
      listener.unhook = fabric.onClose(() => listener.shutdown());
      return listener;
    }
    const what = `listen ${String(opts.host)}:${String(opts.port)}`;
    checkMemoryPort(opts.port, what, 0);
    fabric.ensureOpen(what);
    const address = fabric.localBindAddress(this.host, opts.host, what);
    // The owner object is replaced by the listener right after the port is known.
    const placeholder = {};
    const port = fabric.streamPorts.claim(address, opts.port, placeholder, what);
    fabric.streamPorts.release(address, port, placeholder);
    const twin = fabric.twinFor(opts.host, address, port, fabric.streamPorts);
    const listener: MemoryListener = new MemoryListener(address, port, undefined, this.host, onStream, () => {
      fabric.streamPorts.release(address, port, listener);
      if (twin !== undefined) fabric.streamPorts.release(twin, port, listener);
    });
    fabric.streamPorts.claim(address, port, listener, what);
    if (twin !== undefined) fabric.streamPorts.claim(twin, port, listener, what);
    listener.unhook = fabric.onClose(() => listener.shutdown());
    return listener;
  }

  /** The local port a TCP connect asks for (0: any), after checking its localAddress is this host's. */
  private requestedLocalPort(opts: { localAddress?: unknown; localPort?: unknown }, what: string): number {
    const { localAddress, localPort } = opts;
    if (localAddress !== undefined) {
      if (typeof localAddress !== "string") throw new TypeError(`${what}: localAddress must be a string, got ${typeof localAddress}`);
      if (!isWildcardAddress(localAddress) && localAddress !== this.host) {
        throw new NetError(GodotError.ERR_INVALID_PARAMETER, `${what}: localAddress ${localAddress} is not an address of this host (${this.host})`);
      }
    }
    if (localPort === undefined) return 0;
    checkMemoryPort(localPort, `${what}: localPort`, 0);
    return localPort;
  }

  connect(opts: StreamConnectOptions): Promise<Stream> {
    return new Promise<Stream>((resolve, reject) => {
      if (typeof opts !== "object" || opts === null) throw new TypeError("connect: options must be an object");
      const fabric = this.fabric;
      const isPath = "path" in opts;
      let destHost: string;
      let destPort = 0;
      let what: string;
      if (isPath) {
        const path = checkPath(opts.path, "connect");
        what = `connect ${path}`;
        // Paths form one namespace for the whole network (think of one shared file system).
        const target = fabric.streamPaths.get(path);
        destHost = target instanceof MemoryListener ? target.host : this.host;
      } else {
        what = `connect ${String(opts.host)}:${String(opts.port)}`;
        checkMemoryPort(opts.port, what, 1);
        destHost = fabric.localBindAddress(this.host, opts.host, what);
        destPort = opts.port;
      }
      fabric.ensureOpen(what);
      const token = {};
      const localPort = isPath ? 0 : fabric.streamPorts.claim(this.host, this.requestedLocalPort(opts, what), token, what);
      const releasePort = isPath ? undefined : () => fabric.streamPorts.release(this.host, localPort, token);
      let settled = false;
      const unhook = fabric.onClose(() => {
        if (settled) return;
        settled = true;
        reject(new NetError(GodotError.ERR_UNAVAILABLE, `${what}: the memory network was closed`));
      });
      const clientHost = this.host;
      const synArrival = fabric.linkFor(clientHost, destHost).streamSegment(fabric.clock.now(), 0);
      fabric.schedule(synArrival, () => {
        const found = isPath ? fabric.streamPaths.get((opts as { path: string }).path) : fabric.streamPorts.get(destHost, destPort);
        const back = fabric.linkFor(destHost, clientHost).streamSegment(fabric.clock.now(), 0);
        if (!(found instanceof MemoryListener) || found.closed) {
          fabric.schedule(back, () => {
            releasePort?.();
            settled = true;
            unhook();
            reject(new NetError(GodotError.ERR_CANT_CONNECT, `${what}: connection refused (nothing listening)`));
          });
          return;
        }
        const serverAddress = isPath ? found.address : destHost;
        // A loopback client reaching the other-family loopback uses that family's address, as a real stack does.
        const twin = loopbackTwin(clientHost);
        const clientAddress = isPath ? found.address : twin !== undefined && twin.includes(":") === destHost.includes(":") ? twin : clientHost;
        const client = new MemoryStreamEndpoint(fabric, clientAddress, localPort, serverAddress, destPort, clientHost, destHost, releasePort);
        const server = new MemoryStreamEndpoint(fabric, serverAddress, destPort, clientAddress, localPort, destHost, clientHost, undefined);
        client.peer = server;
        server.peer = client;
        fabric.schedule(back, () => {
          settled = true;
          unhook();
          resolve(client);
        });
        found.onStream(server);
      });
    });
  }
}
