/**
 * Deno adapter: Deno.listenDatagram (needs `--unstable-net`), Deno.connect/listen
 * (TCP and unix), Deno.startTls/listenTls. `Deno` is only looked up when a
 * function is called, so this module imports fine on Node and Bun.
 *
 * Two fallbacks to Deno's node:tls for the TLS client: Deno's native client cannot
 * skip certificate or host-name checks (`tls.unsafe`, `tls.verifyHostname: false`),
 * and it refuses what Godot's own certificates are (see denoConnect) whenever the
 * caller names its own trust anchors (`tls.ca`).
 */
import { GodotError, NetError } from "../errors.ts";
import { formatEndpoint, ipFamily, unmapIPv4 } from "./addresses.ts";
import { nodeStreams } from "./node.ts";
import { closeErrorOf, deliver, deliverDatagram, toBindError, toNetError } from "./os-errors.ts";
import { removeStaleUnixSocket } from "./unix-socket-file.ts";
import { QueuedStream } from "./queued-stream.ts";
import { checkBind, checkSend, type DatagramSocketState } from "./datagram-rules.ts";
import { closeQuietly } from "./close-quietly.ts";
import { SendPool } from "./send-pool.ts";
import { openOnHost } from "./open-on-host.ts";
import { listLocalInterfaces, multicastInterfaceFor } from "./network-interfaces.ts";
import { realClock } from "./real-clock.ts";
import { connectToCandidates, lookupAllHosts, lookupHost } from "./resolve-host.ts";
import { checkConnectOptions, checkListenOptions, type StreamTarget } from "./stream-options.ts";
import type {
  BoundAddress,
  DatagramTransport,
  Listener,
  RuntimeAdapter,
  Stream,
  StreamConnectOptions,
  StreamListenOptions,
  StreamTransport,
} from "./types.ts";

// The slice of the Deno namespace used here (the project type-checks against @types/node only).
interface DenoNetAddr {
  transport: "tcp" | "udp";
  hostname: string;
  port: number;
}
interface DenoUnixAddr {
  transport: "unix" | "unixpacket";
  path: string;
}
type DenoAddr = DenoNetAddr | DenoUnixAddr;
interface DenoConn {
  readonly localAddr: DenoAddr;
  readonly remoteAddr: DenoAddr;
  read(p: Uint8Array): Promise<number | null>;
  write(p: Uint8Array): Promise<number>;
  closeWrite(): Promise<void>;
  close(): void;
  setNoDelay?(enable?: boolean): void;
  handshake?(): Promise<unknown>;
}
interface DenoListener {
  readonly addr: DenoAddr;
  accept(): Promise<DenoConn>;
  close(): void;
}
interface DenoDatagramConn {
  readonly addr: DenoAddr;
  receive(p?: Uint8Array): Promise<[Uint8Array, DenoAddr]>;
  send(p: Uint8Array, addr: DenoNetAddr): Promise<number>;
  close(): void;
  joinMulticastV4?(address: string, networkInterface: string): Promise<{ leave(): Promise<void> }>;
}
interface DenoNamespace {
  build: { os: string };
  listenDatagram?(opts: { transport: "udp"; hostname: string; port: number; loopback?: boolean }): DenoDatagramConn;
  connect(opts: { transport?: "tcp"; hostname: string; port: number } | { transport: "unix"; path: string }): Promise<DenoConn>;
  listen(opts: { transport?: "tcp"; hostname: string; port: number } | { transport: "unix"; path: string }): DenoListener;
  startTls(conn: DenoConn, opts: { hostname: string; caCerts?: string[] }): Promise<DenoConn>;
  listenTls(opts: { hostname: string; port: number; cert: string; key: string }): DenoListener;
  removeSync(path: string): void;
}

function denoApi(): DenoNamespace {
  const d = (globalThis as { Deno?: DenoNamespace }).Deno;
  if (!d) throw new NetError(GodotError.ERR_UNAVAILABLE, "the deno adapter only runs on Deno (use detectRuntime() or the node adapter)");
  return d;
}

/** Errors Deno raises for an operation on a resource this side already closed. */
function isLocalCloseError(err: unknown): boolean {
  const name = (err as { name?: unknown } | null)?.name;
  return name === "BadResource" || name === "Interrupted";
}


/** Largest datagram either family can carry; receive buffers of this size never truncate. */
const RECEIVE_BUFFER_SIZE = 65536;

/**
 * Bytes of the pool outgoing datagrams are copied into (see DenoDatagramTransport.sendPool):
 * room for a whole ENet reliable window (64 KiB of data plus headers) sent in one pass.
 */
const SEND_POOL_SIZE = 128 * 1024;

type SocketState = DatagramSocketState;

export class DenoDatagramTransport implements DatagramTransport {
  private conn: DenoDatagramConn | null = null;
  private state: SocketState = "new";
  private family: 4 | 6 = 4;
  private dualStack = false;
  private receiver: ((data: Uint8Array, address: string, port: number, owned?: boolean) => void) | undefined;
  /** Sends the OS refused after `send` returned (counted, as UDP gives no delivery guarantee). */
  sendErrors = 0;
  lastSendError: unknown;
  /** Receive errors (counted; the loop continues). */
  socketErrors = 0;
  /** The destination of the last send, reused while it stays the same (see send). */
  private lastDestination: DenoNetAddr | null = null;
  /**
   * Outgoing datagrams are copied into this pool (send-pool.ts) instead of into an ArrayBuffer
   * each, which cost about 1.3 us a datagram on Deno (CPU profile of the reliable 1200 B loopback).
   * Deno's send op normally writes the datagram before send() returns, but it keeps the bytes
   * until its promise settles (a full socket buffer makes it wait), so the pool starts over when
   * the last unsettled send settles, and a full pool with sends unsettled is left to them.
   */
  private readonly sendPool = new SendPool(SEND_POOL_SIZE);
  private readonly sendsReading = (): boolean => this.sendsUnsettled > 0;
  /** Sends whose promise has not settled yet. */
  private sendsUnsettled = 0;
  /** The sender address Deno reported last, as Deno spelled it and as delivered (see receiveLoop). */
  private lastFromRaw = "";
  private lastFrom = "";
  private readonly memberships = new Map<string, { leave(): Promise<void> }>();

  async bind(address: string, port: number): Promise<BoundAddress> {
    checkBind(address, port, this.state);
    const deno = denoApi();
    if (typeof deno.listenDatagram !== "function") {
      throw new NetError(
        GodotError.ERR_UNAVAILABLE,
        "UDP on Deno needs the --unstable-net flag (Deno.listenDatagram is unstable): run `deno run --unstable-net ...` or add \"unstable\": [\"net\"] to deno.json",
      );
    }
    this.state = "binding";
    try {
      await openOnHost(address, `bind ${formatEndpoint(address, port)}`, (host, family, dualStack) => {
        // The name lookup may have taken a while: do not open a socket nobody wants any more.
        if ((this.state as SocketState) === "closed") {
          throw new NetError(GodotError.ERR_UNCONFIGURED, `bind ${formatEndpoint(address, port)}: closed while binding`);
        }
        this.open(deno, host, family, port, dualStack);
      });
    } catch (err) {
      if ((this.state as SocketState) !== "closed") this.state = "new";
      throw err;
    }
    this.state = "bound";
    void this.receiveLoop(this.conn!);
    const a = this.conn!.addr as DenoNetAddr;
    return { address: unmapIPv4(a.hostname), port: a.port };
  }

  private open(deno: DenoNamespace, hostname: string, family: 4 | 6, port: number, dualStack: boolean): void {
    try {
      // loopback: multicast sent here also reaches this host's members, the OS default Node, Bun and Godot keep (Deno turns it off).
      this.conn = deno.listenDatagram!({ transport: "udp", hostname, port, loopback: true });
    } catch (err) {
      throw toNetError(err, `bind UDP ${formatEndpoint(hostname, port)}`, GodotError.ERR_CANT_CREATE);
    }
    this.family = family;
    this.dualStack = dualStack;
  }

  private async receiveLoop(conn: DenoDatagramConn): Promise<void> {
    const buf = new Uint8Array(RECEIVE_BUFFER_SIZE);
    while (this.state === "bound") {
      let received: [Uint8Array, DenoAddr];
      try {
        received = await conn.receive(buf);
      } catch (err) {
        if (this.state !== "bound" || isLocalCloseError(err)) return;
        this.socketErrors++;
        // Do not spin on a persistent error.
        await new Promise((r) => setTimeout(r, 1));
        continue;
      }
      if (this.state !== "bound") return;
      const addr = received[1] as DenoNetAddr;
      // Deno builds a new address string for every datagram; a dual-stack socket spells IPv4
      // senders as ::ffff:a.b.c.d, unmapped once per sender rather than once per datagram.
      const raw = addr.hostname;
      let from = this.lastFrom;
      if (raw !== this.lastFromRaw) {
        from = this.lastFrom = unmapIPv4(raw);
        this.lastFromRaw = raw;
      }
      // `received[0]` is a view of the reused receive buffer, so it is copied; the copy has an
      // ArrayBuffer of its own and exactly its size, so ENet may hand out views of it (owned).
      deliverDatagram(this.receiver, received[0].slice(), from, addr.port, true);
    }
  }

  send(data: Uint8Array, address: string, port: number): void {
    const to = this.destination(checkSend(data, address, port, this.state, this.family, this.dualStack), port);
    // Copied: the send may complete asynchronously and callers may reuse their buffer.
    const bytes = this.sendPool.copy(data, this.sendsReading);
    this.sendsUnsettled++;
    this.conn!.send(bytes, to).then(this.onSent, this.onSendError);
  }

  sendUncopied(data: Uint8Array, address: string, port: number): void {
    const to = this.destination(checkSend(data, address, port, this.state, this.family, this.dualStack), port);
    this.sendsUnsettled++;
    this.conn!.send(data, to).then(this.onSent, this.onSendError);
  }

  sendsQueued(): boolean {
    return this.sendsUnsettled > 0;
  }

  /**
   * A host sends almost every datagram to the same few peers: the address object is reused
   * while the destination stays the same (Deno reads it during the call).
   */
  private destination(dest: string, port: number): DenoNetAddr {
    const to = this.lastDestination;
    if (to !== null && to.hostname === dest && to.port === port) return to;
    return (this.lastDestination = { transport: "udp", hostname: dest, port });
  }

  /** One pair of handlers for every send, rather than closures per datagram. */
  private readonly onSent = (): void => {
    if (--this.sendsUnsettled === 0) this.sendPool.rewind();
  };

  private readonly onSendError = (err: unknown): void => {
    this.sendErrors++;
    this.lastSendError = err;
    if (--this.sendsUnsettled === 0) this.sendPool.rewind();
  };

  onDatagram(cb: (data: Uint8Array, address: string, port: number, owned?: boolean) => void): void {
    this.receiver = cb;
  }

  /**
   * IPv4 only: Deno's IPv6 join wants an interface index, which no Deno API gives for a name.
   * Deno has no broadcast switch (its sockets always allow broadcasts), so setBroadcast is absent.
   */
  async joinMulticastGroup(group: string, interfaceName: string): Promise<void> {
    const conn = this.conn;
    if (this.state !== "bound" || !conn) throw new NetError(GodotError.ERR_UNCONFIGURED, "joinMulticastGroup: socket is not bound");
    if (ipFamily(group) !== 4 || typeof conn.joinMulticastV4 !== "function") {
      throw new NetError(GodotError.ERR_UNAVAILABLE, `join multicast group ${group}: Deno joins IPv4 groups only`);
    }
    const key = `${group}%${interfaceName}`;
    if (this.memberships.has(key)) throw new NetError(GodotError.ERR_ALREADY_IN_USE, `join multicast group ${group}: already joined`);
    try {
      this.memberships.set(key, await conn.joinMulticastV4(group, multicastInterfaceFor(group, interfaceName) ?? "0.0.0.0"));
    } catch (err) {
      throw toNetError(err, `join multicast group ${group}`, GodotError.ERR_CANT_CREATE);
    }
  }

  async leaveMulticastGroup(group: string, interfaceName: string): Promise<void> {
    const key = `${group}%${interfaceName}`;
    const membership = this.memberships.get(key);
    if (!membership) throw new NetError(GodotError.ERR_INVALID_PARAMETER, `leave multicast group ${group}: not joined`);
    this.memberships.delete(key);
    try {
      await membership.leave();
    } catch (err) {
      throw toNetError(err, `leave multicast group ${group}`, GodotError.ERR_INVALID_PARAMETER);
    }
  }

  close(): void {
    this.memberships.clear();
    const conn = this.conn;
    this.state = "closed";
    this.receiver = undefined;
    this.conn = null;
    closeQuietly(conn);
  }
}

function addrParts(a: DenoAddr): { address: string; port: number } {
  // TlsConn addresses carry hostname/port but no `transport` field.
  return "hostname" in a ? { address: unmapIPv4(a.hostname), port: a.port } : { address: "", port: 0 };
}

/** A TLS handshake on an accepted connection that has not finished by now is abandoned. */
const TLS_HANDSHAKE_TIMEOUT_MS = 30_000;

/** Size of each read from the socket. */
const READ_CHUNK = 64 * 1024;

export class DenoStream extends QueuedStream {
  readonly remoteAddress: string;
  readonly remotePort: number;
  readonly localAddress: string;
  readonly localPort: number;
  private reading = false;
  private writing = false;
  private readonly readBuffer = new Uint8Array(READ_CHUNK);

  constructor(private readonly conn: DenoConn, label: string) {
    super(label);
    const r = addrParts(conn.remoteAddr);
    const l = addrParts(conn.localAddr);
    this.remoteAddress = r.address;
    this.remotePort = r.port;
    this.localAddress = l.address;
    this.localPort = l.port;
  }

  /** No effect on unix sockets (no Nagle) and on TLS streams (Deno's TlsConn has no setNoDelay). */
  setNoDelay(enabled: boolean): void {
    if (this.closed) return;
    try {
      this.conn.setNoDelay?.(enabled);
    } catch {
      // unix sockets have no Nagle
    }
  }

  protected override readResumed(): void {
    if (!this.reading && !this.readEnded && !this.closed) void this.readLoop();
  }

  private async readLoop(): Promise<void> {
    this.reading = true;
    try {
      while (!this.closed && !this.readEnded && !this.holding) {
        const buf = this.readBuffer;
        let n: number | null;
        try {
          n = await this.conn.read(buf);
        } catch (err) {
          if (!this.closed) this.finish(isLocalCloseError(err) ? undefined : closeErrorOf(err, this.label));
          return;
        }
        if (n === null) {
          this.receivedEnd();
          return;
        }
        // One reused read buffer; each chunk is an exact-size copy the callee owns.
        this.received(buf.slice(0, n));
      }
    } finally {
      this.reading = false;
    }
  }

  protected startWriting(): void {
    if (!this.writing) void this.writeLoop();
  }

  private async writeLoop(): Promise<void> {
    this.writing = true;
    try {
      while (!this.closed) {
        const chunk = this.peekQueued();
        if (!chunk) {
          if (this.finPending) {
            await this.conn.closeWrite();
            this.writeEnded();
          }
          return;
        }
        const n = await this.conn.write(chunk);
        if (!this.closed) this.tookBytes(n);
      }
    } catch (err) {
      if (!this.closed) this.finish(isLocalCloseError(err) ? undefined : closeErrorOf(err, this.label));
    } finally {
      this.writing = false;
    }
  }

  protected destroy(): void {
    this.conn.close();
  }
}

function caList(ca: string | string[] | undefined): string[] | undefined {
  if (ca === undefined) return undefined;
  return Array.isArray(ca) ? ca : [ca];
}

function unixUnavailable(deno: DenoNamespace, target: StreamTarget): void {
  if (target.kind === "unix" && deno.build.os === "windows") {
    throw new NetError(GodotError.ERR_UNAVAILABLE, `${target.label}: unix domain sockets are not supported by Deno on Windows`);
  }
}

async function denoConnect(opts: StreamConnectOptions): Promise<Stream> {
  const target = checkConnectOptions(opts);
  const deno = denoApi();
  unixUnavailable(deno, target);
  const what = `connect to ${target.label}`;
  if (target.kind === "unix") {
    try {
      return new DenoStream(await deno.connect({ transport: "unix", path: target.path }), target.label);
    } catch (err) {
      throw toNetError(err, what, GodotError.ERR_CANT_CONNECT);
    }
  }
  const tls = target.tls;
  // Deno.connect has no local address or port; Deno's node:net and node:tls bind before connecting.
  if (target.local) return nodeStreams.connect(opts);
  if (tls && (tls.unsafe === true || tls.verifyHostname === false)) return nodeStreams.connect(opts);
  // Trust anchors of the caller's own are how Godot's TLSOptions.client(certificate) trusts a
  // self-signed server, and Godot's Crypto.generate_self_signed_certificate makes a CA certificate
  // with its host name in the CN alone. Deno's native client (rustls/webpki) refuses both: a CA
  // certificate as the server's, and a name not in a subjectAltName. Deno's node:tls checks the
  // chain and the name the way OpenSSL and mbedTLS do (the CN when there is no subjectAltName).
  if (tls?.ca !== undefined) return nodeStreams.connect(opts);
  const tcp = await connectToCandidates(target.host, what, async (address): Promise<DenoConn> => {
    try {
      return await deno.connect({ transport: "tcp", hostname: address, port: target.port });
    } catch (err) {
      throw toNetError(err, what, GodotError.ERR_CANT_CONNECT);
    }
  });
  if (!tls) return new DenoStream(tcp, target.label);
  try {
    const conn = await deno.startTls(tcp, { hostname: tls.serverName ?? target.host, caCerts: caList(tls.ca) });
    await conn.handshake?.();
    return new DenoStream(conn, `${target.label} (TLS)`);
  } catch (err) {
    try {
      tcp.close();
    } catch {
      // startTls took ownership and already closed it
    }
    const msg = err instanceof Error ? err.message : String(err);
    // Certificate failures arrive as Deno.errors.InvalidData; say what they are.
    if (/certificate|UnknownIssuer|NotValidForName|BadSignature|Expired/i.test(msg)) {
      throw new NetError(GodotError.ERR_UNAUTHORIZED, `TLS ${what}: certificate rejected (${msg})`, { cause: err });
    }
    throw toNetError(err, `TLS ${what}`, GodotError.ERR_CANT_CONNECT);
  }
}

class DenoStreamListener implements Listener {
  readonly address: string;
  readonly port: number;
  readonly path?: string;
  /** Failed accepts and TLS handshakes (counted: one bad client must not stop the server). */
  acceptErrors = 0;
  private closed = false;
  private readonly acceptLoopDone: Promise<void>;

  constructor(
    private readonly listener: DenoListener,
    target: StreamTarget,
    private readonly onStream: (s: Stream) => void,
    private readonly tls: boolean,
  ) {
    if (target.kind === "unix") {
      this.address = "";
      this.port = 0;
      this.path = target.path;
    } else {
      const a = addrParts(listener.addr);
      this.address = a.address;
      this.port = a.port;
    }
    this.acceptLoopDone = this.acceptLoop();
  }

  private async acceptLoop(): Promise<void> {
    while (!this.closed) {
      let conn: DenoConn;
      try {
        conn = await this.listener.accept();
      } catch (err) {
        if (this.closed || isLocalCloseError(err)) return;
        this.acceptErrors++;
        await new Promise((r) => setTimeout(r, 1));
        continue;
      }
      if (this.closed) {
        conn.close();
        return;
      }
      const r = addrParts(conn.remoteAddr);
      const label = this.path !== undefined ? `unix socket "${this.path}"` : formatEndpoint(r.address, r.port);
      if (this.tls) void this.handshakeThenDeliver(conn, `${label} (TLS)`);
      else deliver(this.onStream, new DenoStream(conn, label));
    }
  }

  private async handshakeThenDeliver(conn: DenoConn, label: string): Promise<void> {
    // A client that connects and never speaks TLS must not hold the socket forever
    // (Node's TLS server has the same kind of limit, 120 s by default).
    const timer = setTimeout(() => closeQuietly(conn), TLS_HANDSHAKE_TIMEOUT_MS);
    try {
      await conn.handshake?.();
    } catch {
      this.acceptErrors++;
      closeQuietly(conn);
      return;
    } finally {
      clearTimeout(timer);
    }
    if (this.closed) conn.close();
    else deliver(this.onStream, new DenoStream(conn, label));
  }

  async close(): Promise<void> {
    if (this.closed) return this.acceptLoopDone;
    this.closed = true;
    closeQuietly(this.listener);
    // The pending accept() holds the socket open until it is cancelled; wait for
    // that, so the port is really free when close() resolves.
    await this.acceptLoopDone;
    // Deno leaves the socket file behind; remove it like Node does so the path can be reused.
    if (this.path !== undefined) {
      try {
        denoApi().removeSync(this.path);
      } catch {
        // already gone
      }
    }
  }
}

async function denoListen(opts: StreamListenOptions, onStream: (s: Stream) => void): Promise<Listener> {
  const target = checkListenOptions(opts);
  if (typeof onStream !== "function") throw new TypeError("onStream must be a function");
  const deno = denoApi();
  unixUnavailable(deno, target);
  const what = `listen on ${target.label}`;
  if (target.kind === "unix") {
    try {
      return new DenoStreamListener(deno.listen({ transport: "unix", path: target.path }), target, onStream, false);
    } catch (err) {
      throw toBindError(err, what, target.path);
    }
  }
  const open = (hostname: string): DenoListener =>
    target.tls
      ? deno.listenTls({ hostname, port: target.port, cert: target.tls.cert!, key: target.tls.key! })
      : deno.listen({ transport: "tcp", hostname, port: target.port });
  let listener: DenoListener;
  try {
    listener = await openOnHost(target.host, what, open);
  } catch (err) {
    throw toBindError(err, what);
  }
  return new DenoStreamListener(listener, target, onStream, target.tls !== undefined);
}

export const denoStreams: StreamTransport = {
  connect: denoConnect,
  listen: denoListen,
  removeStaleUnixSocket: (path) => removeStaleUnixSocket(path, denoConnect),
};

export const denoRuntime: RuntimeAdapter = {
  name: "deno",
  createDatagramTransport: () => new DenoDatagramTransport(),
  streams: denoStreams,
  clock: realClock,
  resolve: lookupHost,
  resolveAll: lookupAllHosts,
  localInterfaces: listLocalInterfaces,
};
