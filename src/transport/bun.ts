/**
 * Bun adapter: Bun.udpSocket for UDP, Bun.connect/Bun.listen for TCP, TLS and unix
 * sockets. `Bun` is only looked up when a function is called, so this module
 * imports fine on Node and Deno. Everything is native; TLS certificate checks are
 * evaluated here from what Bun reports (see bunConnectTls).
 */
import { unlinkSync } from "node:fs";
import { GodotError, NetError } from "../errors.ts";
import { formatEndpoint, unmapIPv4 } from "./addresses.ts";
import { closeErrorOf, deliver, deliverDatagram, toBindError, toNetError } from "./os-errors.ts";
import { removeStaleUnixSocket } from "./unix-socket-file.ts";
import { QueuedStream } from "./queued-stream.ts";
import { checkBind, checkSend, type DatagramSocketState } from "./datagram-rules.ts";
import { closeQuietly } from "./close-quietly.ts";
import { nodeStreams } from "./node.ts";
import { openOnHost } from "./open-on-host.ts";
import { Fifo } from "../util/fifo.ts";
import { listLocalInterfaces, multicastInterfaceFor } from "./network-interfaces.ts";
import { burstBatchingClock } from "./real-clock.ts";
import { connectToCandidates, lookupAllHosts, lookupHost } from "./resolve-host.ts";
import { checkConnectOptions, checkListenOptions, type StreamTarget } from "./stream-options.ts";
import type {
  BoundAddress,
  DatagramTransport,
  DatagramTriple,
  Listener,
  RuntimeAdapter,
  Stream,
  StreamConnectOptions,
  StreamListenOptions,
  StreamTransport,
  TLSOptions,
} from "./types.ts";
import { copyBytes } from "../util/copy-bytes.ts";

// The slice of Bun's API used here (the project type-checks against @types/node only).
interface BunUdpSocket {
  readonly port: number;
  readonly address: { address: string; port: number };
  send(data: Uint8Array, port: number, address: string): boolean;
  /** (data, port, address) triples; returns how many datagrams it sent. */
  sendMany(packets: readonly (Uint8Array | number | string)[]): number;
  close(): void;
  setBroadcast(enabled: boolean): boolean;
  addMembership(group: string, multicastInterface?: string): boolean;
  dropMembership(group: string, multicastInterface?: string): boolean;
}
interface BunUdpOptions {
  hostname: string;
  port: number;
  socket: {
    data(socket: BunUdpSocket, data: Uint8Array, port: number, address: string): void;
    drain?(socket: BunUdpSocket): void;
    error?(socket: BunUdpSocket, error: Error): void;
  };
}
interface BunSocket {
  data: BunStream | undefined;
  readonly remoteAddress?: string;
  readonly remotePort?: number;
  readonly localAddress?: string;
  readonly localPort?: number;
  write(data: Uint8Array): number;
  shutdown(halfClose?: boolean): void;
  end(): void;
  terminate(): void;
  pause?(): void;
  resume?(): void;
  setNoDelay?(enabled?: boolean): boolean;
}
interface BunSocketHandler {
  open?(socket: BunSocket): void;
  data?(socket: BunSocket, data: Uint8Array): void;
  drain?(socket: BunSocket): void;
  end?(socket: BunSocket): void;
  close?(socket: BunSocket, error?: Error): void;
  error?(socket: BunSocket, error: Error): void;
  connectError?(socket: BunSocket, error: Error): void;
  handshake?(socket: BunSocket, success: boolean, authorizationError: Error | null): void;
}
interface BunTlsOptions {
  cert?: string;
  key?: string;
  ca?: string[];
  serverName?: string;
  rejectUnauthorized?: boolean;
}
type BunConnectOptions =
  | { hostname: string; port: number; tls?: BunTlsOptions; allowHalfOpen: boolean; socket: BunSocketHandler }
  | { unix: string; allowHalfOpen: boolean; socket: BunSocketHandler };
interface BunTcpListener {
  readonly port: number;
  readonly hostname: string;
  stop(closeActiveConnections?: boolean): void;
}
interface BunNamespace {
  udpSocket(opts: BunUdpOptions): Promise<BunUdpSocket>;
  connect(opts: BunConnectOptions): Promise<BunSocket>;
  listen(opts: BunConnectOptions): BunTcpListener;
}

function bunApi(): BunNamespace {
  const b = (globalThis as { Bun?: BunNamespace }).Bun;
  if (!b) throw new NetError(GodotError.ERR_UNAVAILABLE, "the bun adapter only runs on Bun (use detectRuntime() or the node adapter)");
  return b;
}

/**
 * Datagrams Bun refused with backpressure (send() === false) wait here until its
 * drain event; past this many bytes further sends are dropped and counted.
 */
const UDP_BACKLOG_LIMIT = 1024 * 1024;

type SocketState = DatagramSocketState;

export class BunDatagramTransport implements DatagramTransport {
  private socket: BunUdpSocket | null = null;
  private state: SocketState = "new";
  private family: 4 | 6 = 4;
  private dualStack = false;
  private receiver: ((data: Uint8Array, address: string, port: number, owned?: boolean) => void) | undefined;
  private readonly backlog = new Fifo<{ data: Uint8Array; port: number; address: string }>(4);
  /** sendBatch's argument to sendMany, (data, port, address) triples; kept between calls, emptied after each. */
  private readonly batch: (Uint8Array | number | string)[] = [];
  private backlogBytes = 0;
  /** Datagrams dropped because Bun's send buffer and our backlog were both full. */
  droppedSends = 0;
  /** Socket errors reported after bind (counted). */
  socketErrors = 0;

  async bind(address: string, port: number): Promise<BoundAddress> {
    checkBind(address, port, this.state);
    const bun = bunApi();
    this.state = "binding";
    try {
      await openOnHost(address, `bind ${formatEndpoint(address, port)}`, (host, family, dualStack) =>
        this.open(bun, host, family, port, dualStack),
      );
    } catch (err) {
      if ((this.state as SocketState) !== "closed") this.state = "new";
      throw err;
    }
    if ((this.state as SocketState) === "closed") {
      this.socket?.close();
      this.socket = null;
      throw new NetError(GodotError.ERR_UNCONFIGURED, `bind ${formatEndpoint(address, port)}: closed while binding`);
    }
    this.state = "bound";
    const a = this.socket!.address;
    return { address: unmapIPv4(a.address), port: a.port };
  }

  private async open(bun: BunNamespace, hostname: string, family: 4 | 6, port: number, dualStack: boolean): Promise<void> {
    try {
      this.socket = await bun.udpSocket({
        hostname,
        port,
        socket: {
          data: (_s, data, fromPort, fromAddress) => {
            if (this.state !== "bound") return;
            // Copied: the chunk must stay valid after this callback returns. The copy has an
            // ArrayBuffer of its own and exactly its size, so ENet may hand out views of it (owned).
            deliverDatagram(this.receiver, new Uint8Array(data), unmapIPv4(fromAddress), fromPort, true);
          },
          drain: () => this.flushBacklog(),
          error: () => {
            this.socketErrors++;
          },
        },
      });
    } catch (err) {
      throw toNetError(err, `bind UDP ${formatEndpoint(hostname, port)}`, GodotError.ERR_CANT_CREATE);
    }
    this.family = family;
    this.dualStack = dualStack;
  }

  send(data: Uint8Array, address: string, port: number): void {
    const dest = checkSend(data, address, port, this.state, this.family, this.dualStack);
    if (this.backlog.length === 0 && this.sendNow(data, port, dest)) return;
    // Bun sends synchronously when it returns true; otherwise keep a copy for drain.
    this.queue(data, port, dest);
  }

  /**
   * One datagram through Bun's send: true when it went out or was dropped for an error, false for
   * backpressure (a drain event follows). Bun reports an ICMP "port unreachable" a datagram earned
   * (its destination closed) by throwing ECONNREFUSED from the next send, whatever that one's
   * destination, without sending it. That error belongs to an earlier datagram, so this one is
   * tried again; a second error drops it (counted in socketErrors), as a lost datagram.
   */
  private sendNow(data: Uint8Array, port: number, dest: string): boolean {
    for (let attempt = 0; ; attempt++) {
      try {
        return this.socket!.send(data, port, dest);
      } catch {
        this.socketErrors++;
        if (attempt >= 1) return true;
      }
    }
  }

  /**
   * The whole batch in one `sendMany` (one system call where Bun has sendmmsg). What Bun does
   * not take at once, and everything while a backlog waits, joins the backlog as `send` does.
   */
  sendBatch(datagrams: readonly DatagramTriple[]): number {
    const out = this.batch;
    let refused = 0;
    for (let i = 0; i + 2 < datagrams.length; i += 3) {
      const data = datagrams[i] as Uint8Array;
      const address = datagrams[i + 1] as string;
      const port = datagrams[i + 2] as number;
      let dest: string;
      try {
        dest = checkSend(data, address, port, this.state, this.family, this.dualStack);
      } catch {
        refused++;
        continue;
      }
      out.push(data, port, dest);
    }
    try {
      let at = 0;
      // sendMany stops early for backpressure and for a pending socket error (see sendNow): the
      // datagram it stopped at is sent alone, which tells the two apart; on success the rest go on.
      while (this.backlog.length === 0 && at < out.length) {
        let sent = 0;
        try {
          sent = this.socket!.sendMany(at === 0 ? out : out.slice(at));
        } catch {
          this.socketErrors++;
        }
        at += sent * 3;
        if (at >= out.length) break;
        if (!this.sendNow(out[at] as Uint8Array, out[at + 1] as number, out[at + 2] as string)) break;
        at += 3;
      }
      // Whatever Bun did not take waits for its drain event, in order.
      for (let i = at; i < out.length; i += 3) this.queue(out[i] as Uint8Array, out[i + 1] as number, out[i + 2] as string);
    } finally {
      out.length = 0;
    }
    return refused;
  }

  /** Keep a copy of a datagram Bun could not take for the drain event (dropped and counted past UDP_BACKLOG_LIMIT). */
  private queue(data: Uint8Array, port: number, address: string): void {
    if (this.backlogBytes + data.byteLength > UDP_BACKLOG_LIMIT) {
      this.droppedSends++;
      return;
    }
    this.backlog.push({ data: copyBytes(data), port, address });
    this.backlogBytes += data.byteLength;
  }

  private flushBacklog(): void {
    for (let head = this.backlog.peek(); head && this.socket && this.state === "bound"; head = this.backlog.peek()) {
      if (!this.sendNow(head.data, head.port, head.address)) return;
      this.backlog.shift();
      this.backlogBytes -= head.data.byteLength;
    }
  }

  onDatagram(cb: (data: Uint8Array, address: string, port: number, owned?: boolean) => void): void {
    this.receiver = cb;
  }

  setBroadcast(enabled: boolean): void {
    this.boundSocket("setBroadcast").setBroadcast(enabled);
  }

  async joinMulticastGroup(group: string, interfaceName: string): Promise<void> {
    this.membership("join", group, interfaceName);
  }

  async leaveMulticastGroup(group: string, interfaceName: string): Promise<void> {
    this.membership("leave", group, interfaceName);
  }

  private membership(action: "join" | "leave", group: string, interfaceName: string): void {
    const socket = this.boundSocket(`${action}MulticastGroup`);
    const iface = multicastInterfaceFor(group, interfaceName);
    let done: boolean;
    try {
      done = action === "join" ? socket.addMembership(group, iface) : socket.dropMembership(group, iface);
    } catch (err) {
      throw toNetError(err, `${action} multicast group ${group}`, GodotError.ERR_CANT_CREATE);
    }
    if (!done) throw new NetError(GodotError.ERR_CANT_CREATE, `${action} multicast group ${group}: refused by the OS`);
  }

  private boundSocket(what: string): BunUdpSocket {
    if (this.state !== "bound" || !this.socket) throw new NetError(GodotError.ERR_UNCONFIGURED, `${what}: socket is not bound`);
    return this.socket;
  }

  close(): void {
    const socket = this.socket;
    this.state = "closed";
    this.receiver = undefined;
    this.socket = null;
    this.backlog.clear();
    this.backlogBytes = 0;
    closeQuietly(socket);
  }
}

export class BunStream extends QueuedStream {
  readonly remoteAddress: string;
  readonly remotePort: number;
  readonly localAddress: string;
  readonly localPort: number;
  private flushing = false;

  constructor(private readonly socket: BunSocket, label: string, unix: boolean) {
    super(label);
    this.remoteAddress = unix ? "" : unmapIPv4(socket.remoteAddress ?? "");
    this.remotePort = unix ? 0 : (socket.remotePort ?? 0);
    this.localAddress = unix ? "" : unmapIPv4(socket.localAddress ?? "");
    this.localPort = unix ? 0 : (socket.localPort ?? 0);
  }

  setNoDelay(enabled: boolean): void {
    if (!this.closed) this.socket.setNoDelay?.(enabled);
  }

  protected override readPaused(): void {
    this.socket.pause?.();
  }
  protected override readResumed(): void {
    this.socket.resume?.();
  }

  /** Bun writes what the OS takes and reports the count; the rest waits for drain. */
  protected startWriting(): void {
    if (this.flushing || this.closed) return;
    this.flushing = true;
    try {
      for (;;) {
        const chunk = this.peekQueued();
        if (!chunk) break;
        const n = this.socket.write(chunk);
        if (n < 0) {
          this.finish(closeErrorOf(new Error("socket closed during write"), this.label));
          return;
        }
        if (n > 0) this.tookBytes(n);
        if (n < chunk.byteLength || this.closed) break;
      }
      if (this.finPending) {
        this.socket.shutdown(); // no argument: SHUT_WR (Bun's `true` means something else)
        this.writeEnded();
      }
    } finally {
      this.flushing = false;
    }
  }

  protected destroy(): void {
    this.socket.data = undefined;
    this.socket.end();
  }

  // ---- driven by the Bun socket handler ----
  onBunData(data: Uint8Array): void {
    // Copied: Bun may reuse its receive buffer after the callback.
    this.received(new Uint8Array(data));
    // Nobody is reading (paused, or no onData yet): stop Bun reading from the OS so
    // held-back bytes stay bounded and TCP flow control pushes back on the sender.
    if (this.holding) this.socket.pause?.();
  }
  onBunDrain(): void {
    this.startWriting();
  }
  onBunEnd(): void {
    this.receivedEnd();
  }
  onBunClose(error: Error | undefined): void {
    if (error) this.finish(closeErrorOf(error, this.label));
    // Bun reports the peer's FIN as a clean close (without `end`) once our side has shut down.
    else this.finishAfterInput();
  }
}

/** One handler object for all sockets of a connect/listen; per-socket state lives in `socket.data`. */
function streamHandler(onOpen: (socket: BunSocket) => void, onFail?: (err: Error) => void): BunSocketHandler {
  const lastErrors = new WeakMap<BunSocket, Error>();
  return {
    open: onOpen,
    data: (s, data) => s.data?.onBunData(data),
    drain: (s) => s.data?.onBunDrain(),
    end: (s) => s.data?.onBunEnd(),
    error: (s, err) => {
      lastErrors.set(s, err);
    },
    close: (s, err) => s.data?.onBunClose(err ?? lastErrors.get(s)),
    connectError: (_s, err) => onFail?.(err),
  };
}

function bunUnixCheck(target: StreamTarget): void {
  if (target.kind === "unix" && (globalThis as { process?: { platform?: string } }).process?.platform === "win32") {
    throw new NetError(GodotError.ERR_UNAVAILABLE, `${target.label}: unix domain sockets are not supported by this adapter on Windows`);
  }
}

/** A TLS handshake that has neither succeeded nor failed by now is abandoned. */
const TLS_HANDSHAKE_TIMEOUT_MS = 30_000;

async function bunConnect(opts: StreamConnectOptions): Promise<Stream> {
  const target = checkConnectOptions(opts);
  bunUnixCheck(target);
  const bun = bunApi();
  const what = `connect to ${target.label}`;
  // Bun.connect has no local address or port; Bun's node:net and node:tls bind before connecting.
  if (target.kind === "tcp" && target.local) return nodeStreams.connect(opts);
  if (target.kind === "tcp" && target.tls) return bunConnectTls(bun, target.host, target.port, target.tls, target.label);
  let created: BunStream | undefined;
  const handler = streamHandler((socket) => {
    created = new BunStream(socket, target.label, target.kind === "unix");
    socket.data = created;
  });
  try {
    if (target.kind === "unix") {
      await bun.connect({ unix: target.path, allowHalfOpen: true, socket: handler });
    } else {
      await connectToCandidates(target.host, what, (address) =>
        bun.connect({ hostname: address, port: target.port, allowHalfOpen: true, socket: handler }).catch((err: unknown) => {
          throw toNetError(err, what, GodotError.ERR_CANT_CONNECT);
        }),
      );
    }
  } catch (err) {
    throw toNetError(err, what, GodotError.ERR_CANT_CONNECT);
  }
  if (!created) throw new NetError(GodotError.ERR_CANT_CONNECT, `${what}: socket did not open`);
  return created;
}

/**
 * Native TLS client. Bun's own rejection path is not used: with an untrusted chain
 * and `rejectUnauthorized: true`, Bun 1.4 was seen to neither finish nor report the
 * handshake. So verification runs with `rejectUnauthorized: false` and the result
 * Bun hands to the `handshake` callback is judged here against TLSOptions.
 */
async function bunConnectTls(bun: BunNamespace, host: string, port: number, tls: TLSOptions, label: string): Promise<Stream> {
  const what = `TLS connect to ${label}`;
  return connectToCandidates(host, what, (address) => bunConnectTlsTo(bun, address, host, port, tls, label, what));
}

/** One TLS connect of bunConnectTls, to one of the host's addresses. */
async function bunConnectTlsTo(bun: BunNamespace, address: string, host: string, port: number, tls: TLSOptions, label: string, what: string): Promise<Stream> {
  let stream: BunStream | undefined;
  let settle: ((err?: NetError) => void) | undefined;
  const outcome = new Promise<void>((resolve, reject) => {
    settle = (err) => {
      settle = undefined;
      if (err) reject(err);
      else resolve();
    };
  });
  const handler = streamHandler((socket) => {
    stream = new BunStream(socket, `${label} (TLS)`, false);
    socket.data = stream;
  });
  const onClose = handler.close!;
  handler.close = (socket, err) => {
    settle?.(toNetError(err ?? new Error("closed during the TLS handshake"), what, GodotError.ERR_CANT_CONNECT));
    onClose(socket, err);
  };
  handler.handshake = (_socket, nameOk, authorizationError) => {
    const code = (authorizationError as { code?: unknown } | null)?.code;
    const nameFailed = !nameOk || code === "ERR_TLS_CERT_ALTNAME_INVALID";
    const chainFailed = authorizationError !== null && code !== "ERR_TLS_CERT_ALTNAME_INVALID";
    if (tls.unsafe !== true && (chainFailed || (nameFailed && tls.verifyHostname !== false))) {
      const reason = authorizationError ? String(code ?? authorizationError.message) : "certificate does not match the host name";
      settle?.(new NetError(GodotError.ERR_UNAUTHORIZED, `${what}: certificate rejected (${reason})`, { cause: authorizationError }));
    } else settle?.();
  };
  const timer = setTimeout(() => {
    settle?.(new NetError(GodotError.ERR_TIMEOUT, `${what}: no TLS handshake within ${TLS_HANDSHAKE_TIMEOUT_MS} ms`));
  }, TLS_HANDSHAKE_TIMEOUT_MS);
  try {
    const ca = tls.ca === undefined ? undefined : Array.isArray(tls.ca) ? tls.ca : [tls.ca];
    await bun.connect({
      hostname: address,
      port,
      allowHalfOpen: true,
      tls: { ca, serverName: tls.serverName ?? host, rejectUnauthorized: false },
      socket: handler,
    });
    await outcome;
  } catch (err) {
    stream?.close();
    throw toNetError(err, what, GodotError.ERR_CANT_CONNECT);
  } finally {
    clearTimeout(timer);
  }
  if (!stream) throw new NetError(GodotError.ERR_CANT_CONNECT, `${what}: socket did not open`);
  return stream;
}

class BunStreamListener implements Listener {
  readonly address: string;
  readonly port: number;
  readonly path?: string;
  private closed = false;

  constructor(private readonly listener: BunTcpListener, target: StreamTarget) {
    if (target.kind === "unix") {
      this.address = "";
      this.port = 0;
      this.path = target.path;
    } else {
      this.address = unmapIPv4(listener.hostname);
      this.port = listener.port;
    }
  }

  close(): Promise<void> {
    if (this.closed) return Promise.resolve();
    this.closed = true;
    // false: stop accepting, leave accepted streams open (Godot's TCPServer.stop()).
    this.listener.stop(false);
    if (this.path !== undefined) {
      try {
        unlinkSync(this.path);
      } catch {
        // already gone
      }
    }
    return Promise.resolve();
  }
}

async function bunListen(opts: StreamListenOptions, onStream: (s: Stream) => void): Promise<Listener> {
  const target = checkListenOptions(opts);
  if (typeof onStream !== "function") throw new TypeError("onStream must be a function");
  bunUnixCheck(target);
  const bun = bunApi();
  const what = `listen on ${target.label}`;
  const unix = target.kind === "unix";
  const isTls = target.kind === "tcp" && target.tls !== undefined;
  const handler = streamHandler((socket) => {
    const label = unix ? target.label : formatEndpoint(unmapIPv4(socket.remoteAddress ?? ""), socket.remotePort ?? 0);
    const stream = new BunStream(socket, isTls ? `${label} (TLS)` : label, unix);
    socket.data = stream;
    // TLS streams are handed over once the handshake succeeded, as on Node and Deno.
    if (!isTls) deliver(onStream, stream);
  });
  if (isTls) {
    handler.handshake = (socket, success) => {
      const stream = socket.data;
      if (!stream) return;
      if (success) deliver(onStream, stream);
      else stream.close();
    };
  }
  if (target.kind === "unix") {
    try {
      return new BunStreamListener(bun.listen({ unix: target.path, allowHalfOpen: true, socket: handler }), target);
    } catch (err) {
      throw toBindError(err, what, target.path);
    }
  }
  const tls = target.tls ? { cert: target.tls.cert, key: target.tls.key } : undefined;
  const open = (hostname: string): BunTcpListener =>
    bun.listen({ hostname, port: target.port, tls, allowHalfOpen: true, socket: handler });
  let listener: BunTcpListener;
  try {
    listener = await openOnHost(target.host, what, open);
  } catch (err) {
    throw toBindError(err, what);
  }
  return new BunStreamListener(listener, target);
}

export const bunStreams: StreamTransport = {
  connect: bunConnect,
  listen: bunListen,
  removeStaleUnixSocket: (path) => removeStaleUnixSocket(path, bunConnect),
};

export const bunRuntime: RuntimeAdapter = {
  name: "bun",
  createDatagramTransport: () => new BunDatagramTransport(),
  streams: bunStreams,
  clock: burstBatchingClock,
  resolve: lookupHost,
  resolveAll: lookupAllHosts,
  localInterfaces: listLocalInterfaces,
};
