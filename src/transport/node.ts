/**
 * Node adapter: node:dgram for UDP, node:net for TCP and unix sockets, node:tls for TLS.
 * Deno and Bun implement these node: modules too, which is what lets this file be
 * imported everywhere; its functions only open sockets when called.
 */
import * as dgram from "node:dgram";
import * as net from "node:net";
import * as tls from "node:tls";
import { GodotError, NetError } from "../errors.ts";
import { formatEndpoint, ipFamily, unmapIPv4 } from "./addresses.ts";
import { closeErrorOf, deliver, deliverDatagram, toBindError, toNetError } from "./os-errors.ts";
import { SinkedStream, sinkClose, sinkData, sinkDrain, sinkEnd } from "./stream-sink.ts";
import { removeStaleUnixSocket } from "./unix-socket-file.ts";
import { checkBind, checkSend, type DatagramSocketState } from "./datagram-rules.ts";
import { closeQuietly } from "./close-quietly.ts";
import { SendPool } from "./send-pool.ts";
import { openOnHost } from "./open-on-host.ts";
import { burstBatchingClock } from "./real-clock.ts";
import { connectToCandidates, lookupAllHosts, lookupHost } from "./resolve-host.ts";
import { listLocalInterfaces, multicastInterfaceFor } from "./network-interfaces.ts";
import { checkConnectOptions, checkListenOptions, closedStreamError, type StreamTarget } from "./stream-options.ts";
import type {
  BoundAddress,
  DatagramTransport,
  Listener,
  RuntimeAdapter,
  Stream,
  StreamConnectOptions,
  StreamListenOptions,
  StreamTransport,
  TLSOptions,
} from "./types.ts";

function asBytes(buf: Buffer): Uint8Array {
  return new Uint8Array(buf.buffer, buf.byteOffset, buf.byteLength);
}

type SocketState = DatagramSocketState;

/** The send buffer asked for, as C ENet does (ENET_HOST_SEND_BUFFER_SIZE, 256 KiB). */
export const UDP_SEND_BUFFER_SIZE = 256 * 1024;
/**
 * The receive buffer asked for: 16x C ENet's. Node reads a datagram in several microseconds where
 * C takes one, so a burst C drains at 256 KiB (4,095 handshakes from one client host, a reliable
 * window of fragments) overflows it here; with 4 MiB all 4,095 connect in under a second (at
 * 256 KiB, about 3,700 within a minute). The kernel caps the request at net.core.rmem_max and
 * only queued datagrams use the memory.
 */
export const UDP_RECEIVE_BUFFER_SIZE = 4 * 1024 * 1024;

/** Bytes of the pool outgoing datagrams are copied into (see NodeDatagramTransport.sendPool). */
const SEND_POOL_SIZE = 64 * 1024;

/** See NodeDatagramTransport.sendsBeforeOutcome. */
const SEND_OUTCOME_INTERVAL = 64;
/** How long a closed socket may wait for its queued sends to leave before it closes anyway. */
const CLOSE_DRAIN_LIMIT_MS = 1000;
const CLOSE_DRAIN_POLL_MS = 5;

/** Tries at an ephemeral port free for both halves of a wildcard bind (see NodeDatagramTransport.ipv4Half). */
const PAIR_BIND_ATTEMPTS = 16;

/** Whether no send waits in libuv's queue of `socket`. */
function queueEmpty(socket: dgram.Socket | null): boolean {
  // Deno's node:dgram has no getSendQueueCount: a send pool is then never reused.
  return socket !== null && typeof socket.getSendQueueCount === "function" && socket.getSendQueueCount() === 0;
}

/** Close `socket` once libuv's send queue is empty, or after CLOSE_DRAIN_LIMIT_MS. */
function closeWhenSent(socket: dgram.Socket): void {
  const started = Date.now();
  const poll = (): void => {
    let queued = 0;
    try {
      queued = socket.getSendQueueCount();
    } catch {
      // already closed
    }
    if (queued === 0 || Date.now() - started >= CLOSE_DRAIN_LIMIT_MS) closeQuietly(socket);
    else setTimeout(poll, CLOSE_DRAIN_POLL_MS);
  };
  setTimeout(poll, CLOSE_DRAIN_POLL_MS);
}

/** One UDP socket on node:dgram. A socket is udp4 or udp6 depending on the bound address. */
export class NodeDatagramTransport implements DatagramTransport {
  /** The socket: udp4, or udp6 (IPv6 only when `ipv4Half` is set). */
  private socket: dgram.Socket | null = null;
  /**
   * A wildcard bind's IPv4 side: a udp4 socket on 0.0.0.0 at the same port as the IPv6-only
   * `socket`. Godot's one dual-stack socket would do, but Node parses a destination string on
   * every send, and an IPv4-mapped one (::ffff:a.b.c.d) costs about 900 instructions more per
   * datagram than a plain IPv4 address (strchr, uv_inet_pton); received IPv4 datagrams need no
   * unmapping either. Seen from the network the pair is the one socket: one port, both families.
   */
  private ipv4Half: dgram.Socket | null = null;
  private state: SocketState = "new";
  private family: 4 | 6 = 4;
  /** Reaches IPv4 as well as IPv6: bound to a wildcard, as the udp4/udp6 pair. */
  private dualStack = false;
  private receiver: ((data: Uint8Array, address: string, port: number, owned: boolean) => void) | undefined;
  /** Datagrams the OS refused after `send` returned (e.g. ICMP unreachable). UDP gives no delivery guarantee; these are counted, not thrown. */
  sendErrors = 0;
  lastSendError: Error | undefined;
  /** Socket-level errors reported after bind (counted; the socket stays usable). */
  socketErrors = 0;
  /**
   * Sends left before the next one that asks node:dgram for its outcome. A send with a callback
   * costs dgram a nextTick and a callback per datagram, about 8 % of ENet's instructions per
   * reliable 1200 B packet with the garbage they make, so most sends go without one (see send).
   */
  private sendsBeforeOutcome = 0;
  /** The last send that reported its outcome failed: every send reports its outcome until one succeeds. */
  private sendsFailing = false;
  /**
   * Outgoing datagrams are copied into this pool (send-pool.ts): dgram holds the bytes until the
   * send completes (its request keeps the view alive), and a full pool is started over only when
   * the socket has no send queued. One pool serves tens of datagrams, where Buffer.from would take
   * a fresh 8 KiB pool every few of them.
   */
  private readonly sendPool = new SendPool(SEND_POOL_SIZE);
  private readonly sendsReading = (): boolean => !this.sendQueueEmpty();
  /** One callback for the sends that report their outcome, rather than a closure per datagram. */
  private readonly onSent = (err: Error | null): void => {
    this.sendsFailing = err !== null;
    if (err) {
      this.sendErrors++;
      this.lastSendError = err;
    }
  };

  async bind(address: string, port: number): Promise<BoundAddress> {
    checkBind(address, port, this.state);
    this.state = "binding";
    try {
      await openOnHost(address, `bind ${formatEndpoint(address, port)}`, (host, family, dualStack) =>
        this.open(host, family, port, dualStack),
      );
    } catch (err) {
      if ((this.state as SocketState) !== "closed") this.state = "new";
      throw err;
    }
    if ((this.state as SocketState) === "closed") {
      // close() was called while binding.
      closeQuietly(this.socket);
      closeQuietly(this.ipv4Half);
      this.socket = this.ipv4Half = null;
      throw new NetError(GodotError.ERR_UNCONFIGURED, `bind ${formatEndpoint(address, port)}: closed while binding`);
    }
    this.state = "bound";
    const a = this.socket!.address();
    return { address: unmapIPv4(a.address), port: a.port };
  }

  private async open(address: string, family: 4 | 6, port: number, dualStack: boolean): Promise<void> {
    if (family === 6 && dualStack) return this.openPair(address, port);
    this.socket = await this.openSocket(address, family, port, false);
    this.family = family;
    this.dualStack = dualStack;
  }

  /** A wildcard bind: an IPv6-only socket and a udp4 one on the same port (see `ipv4Half`). */
  private async openPair(address: string, port: number): Promise<void> {
    for (let attempt = 1; ; attempt++) {
      const v6 = await this.openSocket(address, 6, port, true);
      const at = v6.address().port;
      try {
        this.ipv4Half = await this.openSocket("0.0.0.0", 4, at, false);
      } catch (err) {
        closeQuietly(v6);
        // An ephemeral port free for IPv6 may be taken for IPv4: draw another.
        if (port === 0 && attempt < PAIR_BIND_ATTEMPTS && toNetError(err, "").code === GodotError.ERR_ALREADY_IN_USE) continue;
        throw err;
      }
      this.socket = v6;
      this.family = 6;
      this.dualStack = true;
      return;
    }
  }

  private openSocket(address: string, family: 4 | 6, port: number, ipv6Only: boolean): Promise<dgram.Socket> {
    // send() only ever gets IP literals (checkSend refuses names), so answer dgram's per-send
    // lookup at once instead of going through dns.lookup and a nextTick for every datagram.
    const socket = dgram.createSocket({ type: family === 6 ? "udp6" : "udp4", ipv6Only, lookup: family === 6 ? lookupLiteral6 : lookupLiteral4 });
    // Only a dual-stack IPv6 socket reports IPv4 senders as ::ffff:a.b.c.d.
    const unmaps = family === 6 && !ipv6Only;
    return new Promise<dgram.Socket>((resolve, reject) => {
      const onError = (err: Error): void => {
        socket.removeListener("listening", onListening);
        closeQuietly(socket);
        reject(toNetError(err, `bind UDP ${formatEndpoint(address, port)}`, GodotError.ERR_CANT_CREATE));
      };
      const onListening = (): void => {
        socket.removeListener("error", onError);
        socket.on("error", () => {
          this.socketErrors++;
        });
        socket.on("message", (msg: Buffer, rinfo: dgram.RemoteInfo) => {
          // dgram gives every datagram an ArrayBuffer of its own and exactly its size (checked, not assumed).
          // `buffer` read once: on a Buffer each read is a runtime call, not a field load (~150 instructions).
          const backing = msg.buffer;
          const offset = msg.byteOffset;
          const length = msg.length;
          const owned = offset === 0 && backing.byteLength === length;
          const from = unmaps ? unmapIPv4(rinfo.address) : rinfo.address;
          // A plain Uint8Array, not the Buffer: the protocol's hot functions then see one array type.
          deliverDatagram(this.receiver, new Uint8Array(backing, offset, length), from, rinfo.port, owned);
        });
        try {
          // Sending: what C ENet asks for (ENET_HOST_SEND_BUFFER_SIZE); receiving: more (see
          // UDP_RECEIVE_BUFFER_SIZE). The kernel caps both (Linux: net.core.rmem_max / wmem_max), so failure here is harmless.
          socket.setRecvBufferSize(UDP_RECEIVE_BUFFER_SIZE);
          socket.setSendBufferSize(UDP_SEND_BUFFER_SIZE);
        } catch {
          // keep the OS default
        }
        resolve(socket);
      };
      socket.once("error", onError);
      socket.once("listening", onListening);
      socket.bind({ address, port, exclusive: true });
    });
  }

  send(data: Uint8Array, address: string, port: number): void {
    const dest = checkSend(data, address, port, this.state, this.family, this.dualStack);
    // A copy: dgram keeps the buffer until the OS has taken it, and callers may reuse theirs.
    this.dispatch(this.sendPool.copy(data, this.sendsReading), address, dest, port);
  }

  sendUncopied(data: Uint8Array, address: string, port: number): void {
    this.dispatch(data, address, checkSend(data, address, port, this.state, this.family, this.dualStack), port);
  }

  sendsQueued(): boolean {
    return !this.sendQueueEmpty();
  }

  /** `dest` is checkSend's answer for `address`: itself, or its IPv4-mapped form for a dual-stack socket. */
  private dispatch(bytes: Uint8Array, address: string, dest: string, port: number): void {
    let socket = this.socket!;
    let to = dest;
    const half = this.ipv4Half;
    if (half !== null) {
      // The pair's udp6 half is IPv6-only: an IPv4 destination (checkSend mapped it, or the
      // caller wrote it mapped) goes by the udp4 half, as plain IPv4.
      to = dest !== address ? address : unmapIPv4(address);
      if (to !== dest) socket = half;
    }
    // One send in SEND_OUTCOME_INTERVAL asks for its outcome, and every send while those fail: a
    // lasting failure (no route, a refused broadcast) is counted from its first sampled datagram
    // on, exactly; a lone failure between two samples goes uncounted, as a lost datagram would.
    if (this.sendsFailing || this.sendsBeforeOutcome === 0) {
      this.sendsBeforeOutcome = SEND_OUTCOME_INTERVAL - 1;
      socket.send(bytes, port, to, this.onSent);
    } else {
      this.sendsBeforeOutcome--;
      socket.send(bytes, port, to);
    }
  }

  /** No send is waiting in libuv's queues (dgram sends at once when the OS takes the datagram). */
  private sendQueueEmpty(): boolean {
    return queueEmpty(this.socket) && (this.ipv4Half === null || queueEmpty(this.ipv4Half));
  }

  onDatagram(cb: (data: Uint8Array, address: string, port: number, owned?: boolean) => void): void {
    this.receiver = cb;
  }

  setBroadcast(enabled: boolean): void {
    this.boundSocket("setBroadcast", 6).setBroadcast(enabled);
    this.ipv4Half?.setBroadcast(enabled);
  }

  async joinMulticastGroup(group: string, interfaceName: string): Promise<void> {
    const socket = this.boundSocket("joinMulticastGroup", ipFamily(group));
    try {
      socket.addMembership(group, multicastInterfaceFor(group, interfaceName));
    } catch (err) {
      throw toNetError(err, `join multicast group ${group}`, GodotError.ERR_CANT_CREATE);
    }
  }

  async leaveMulticastGroup(group: string, interfaceName: string): Promise<void> {
    const socket = this.boundSocket("leaveMulticastGroup", ipFamily(group));
    try {
      socket.dropMembership(group, multicastInterfaceFor(group, interfaceName));
    } catch (err) {
      throw toNetError(err, `leave multicast group ${group}`, GodotError.ERR_INVALID_PARAMETER);
    }
  }

  /** The socket that carries `family` (0: either). */
  private boundSocket(what: string, family: number): dgram.Socket {
    if (this.state !== "bound" || !this.socket) throw new NetError(GodotError.ERR_UNCONFIGURED, `${what}: socket is not bound`);
    return family === 4 && this.ipv4Half !== null ? this.ipv4Half : this.socket;
  }

  close(): void {
    const prev = this.state;
    this.state = "closed";
    this.receiver = undefined;
    if (prev === "bound") {
      // Datagrams sent just before close (ENet's disconnect_now, a final DISCONNECT) must still
      // leave: libuv would cancel the queued ones.
      for (const socket of [this.socket, this.ipv4Half]) {
        if (socket === null) continue;
        if (queueEmpty(socket)) closeQuietly(socket);
        else closeWhenSent(socket);
      }
    }
    this.socket = null;
    this.ipv4Half = null;
  }
}

/** The NodeStream a socket belongs to (see NodeStream's socket listeners). */
const OWNER = Symbol("packetpeer NodeStream");
type OwnedSocket = net.Socket & { [OWNER]?: NodeStream };

/** A net.Socket or tls.TLSSocket seen through the Stream interface. */
export class NodeStream extends SinkedStream implements Stream {
  readonly remoteAddress: string;
  readonly remotePort: number;
  readonly localAddress: string;
  readonly localPort: number;
  /** The 'data' listener is attached (by onData or setSink): the socket is read from. */
  private reading = false;
  private lastError: Error | undefined;
  private closed = false;
  private ended = false;
  /** How errors name this connection; null: by its remote endpoint, made when first needed. */
  private readonly labelText: string | null;

  /** `label` names the connection in errors; leave it out for a TCP connection named by its remote endpoint. */
  constructor(private readonly socket: net.Socket, label: string | null = null) {
    super();
    this.remoteAddress = unmapIPv4(socket.remoteAddress ?? "");
    this.remotePort = socket.remotePort ?? 0;
    this.localAddress = unmapIPv4(socket.localAddress ?? "");
    this.localPort = socket.localPort ?? 0;
    this.labelText = label;
    // The listeners are the same functions for every socket and find this stream through the
    // socket (OWNER): closures per connection would cost an idle server connection ~300 bytes.
    (socket as OwnedSocket)[OWNER] = this;
    socket.on("error", NodeStream.onSocketError);
    socket.on("end", NodeStream.onSocketEnd);
    socket.on("drain", NodeStream.onSocketDrain);
    socket.on("close", NodeStream.onSocketClose);
  }

  private get label(): string {
    return this.labelText ?? formatEndpoint(this.remoteAddress, this.remotePort);
  }

  private static onSocketError(this: OwnedSocket, err: Error): void {
    const stream = this[OWNER]!;
    stream.lastError ??= err;
  }
  private static onSocketEnd(this: OwnedSocket): void {
    const stream = this[OWNER]!;
    sinkEnd(stream.sink, stream);
  }
  private static onSocketDrain(this: OwnedSocket): void {
    const stream = this[OWNER]!;
    sinkDrain(stream.sink, stream);
  }
  private static onSocketClose(this: OwnedSocket, hadError: boolean): void {
    const stream = this[OWNER]!;
    stream.closed = true;
    const err = hadError || stream.lastError ? closeErrorOf(stream.lastError ?? new Error("socket error"), stream.label) : undefined;
    sinkClose(stream.sink, stream, err);
  }
  private static onSocketData(this: OwnedSocket, chunk: Buffer): void {
    const stream = this[OWNER]!;
    sinkData(stream.sink, stream, asBytes(chunk));
  }

  get bufferedAmount(): number {
    return this.socket.writableLength;
  }

  protected startReading(): void {
    // Attaching the 'data' listener starts the flow (unless pause() was called), so it
    // waits until someone can receive the bytes.
    if (this.reading) return;
    this.reading = true;
    this.socket.on("data", NodeStream.onSocketData);
  }

  write(data: Uint8Array, owned?: boolean): boolean {
    if (!(data instanceof Uint8Array)) throw new TypeError("data must be a Uint8Array");
    if (this.closed || this.socket.destroyed) throw closedStreamError(this.label);
    if (this.ended) throw new NetError(GodotError.ERR_UNCONFIGURED, `write after end() (${this.label})`);
    // Copied unless given away: the socket holds on to the buffer until the OS accepts it, and
    // callers may reuse theirs.
    return this.socket.write(owned === true ? Buffer.from(data.buffer, data.byteOffset, data.byteLength) : Buffer.from(data));
  }
  pause(): void {
    this.socket.pause();
  }
  resume(): void {
    this.socket.resume();
  }
  end(): void {
    if (this.ended || this.closed) return;
    this.ended = true;
    this.socket.end();
  }
  close(): void {
    this.ended = true;
    this.socket.destroy();
  }
  setNoDelay(enabled: boolean): void {
    if (!this.closed) this.socket.setNoDelay(enabled);
  }
}

function tlsClientOptions(host: string, port: number, o: TLSOptions): tls.ConnectionOptions {
  // allowHalfOpen is honoured by tls.connect (it is passed on to the TLSSocket) but missing from its typings.
  const options: tls.ConnectionOptions & { allowHalfOpen: boolean } = {
    host,
    port,
    allowHalfOpen: true,
    rejectUnauthorized: o.unsafe !== true,
  };
  // SNI must be a host name (RFC 6066 forbids IP literals there).
  const name = o.serverName ?? host;
  if (ipFamily(name) === 0) options.servername = name;
  if (o.ca !== undefined) options.ca = o.ca;
  if (o.verifyHostname === false) options.checkServerIdentity = () => undefined;
  else if (o.serverName !== undefined) {
    const expected = o.serverName;
    options.checkServerIdentity = (_host, cert) => tls.checkServerIdentity(expected, cert);
  }
  return options;
}

/** Wait for a freshly created client socket to connect, then wrap it. */
function awaitConnect(socket: net.Socket, readyEvent: "connect" | "secureConnect", label: string, what: string): Promise<Stream> {
  return new Promise<Stream>((resolve, reject) => {
    const onError = (err: Error): void => {
      socket.removeListener(readyEvent, onReady);
      socket.destroy();
      reject(toNetError(err, what, GodotError.ERR_CANT_CONNECT));
    };
    const onReady = (): void => {
      socket.removeListener("error", onError);
      resolve(new NodeStream(socket, label));
    };
    socket.once("error", onError);
    socket.once(readyEvent, onReady);
  });
}

/**
 * On Windows node:net treats `path` as a named pipe, which is not a unix domain
 * socket; only `\\.\pipe\...` names are passed through there.
 */
function checkUnixSupported(target: StreamTarget): void {
  if (target.kind === "unix" && process.platform === "win32" && !target.path.startsWith("\\\\.\\pipe\\")) {
    throw new NetError(GodotError.ERR_UNAVAILABLE, `${target.label}: unix domain sockets are not available on Windows (named pipes \\\\.\\pipe\\NAME are)`);
  }
}

async function nodeConnect(opts: StreamConnectOptions): Promise<Stream> {
  const target = checkConnectOptions(opts);
  checkUnixSupported(target);
  if (target.kind === "unix") {
    const socket = net.connect({ path: target.path, allowHalfOpen: true });
    return awaitConnect(socket, "connect", target.label, `connect to ${target.label}`);
  }
  const what = target.local ? `connect to ${target.label} from ${formatEndpoint(target.local.address || "*", target.local.port)}` : `connect to ${target.label}`;
  // net.connect binds the socket first when given a local address or port (either alone works).
  const local = target.local ? { localAddress: target.local.address || undefined, localPort: target.local.port || undefined } : {};
  const tlsTarget = target.tls;
  return connectToCandidates(target.host, what, (address) => {
    if (tlsTarget) {
      const options = { ...tlsClientOptions(target.host, target.port, tlsTarget), ...local };
      options.host = address;
      return awaitConnect(tls.connect(options), "secureConnect", target.label, `TLS ${what}`);
    }
    return awaitConnect(net.connect({ host: address, port: target.port, allowHalfOpen: true, ...local }), "connect", target.label, what);
  });
}

class NodeListener implements Listener {
  readonly address: string;
  readonly port: number;
  readonly path?: string;
  /** Accept/handshake errors (counted: one bad client must not stop the server). */
  acceptErrors = 0;
  private closed = false;

  constructor(private readonly server: net.Server, target: StreamTarget) {
    if (target.kind === "unix") {
      this.address = "";
      this.port = 0;
      this.path = target.path;
    } else {
      const a = server.address() as net.AddressInfo;
      this.address = unmapIPv4(a.address);
      this.port = a.port;
    }
    server.on("error", () => {
      this.acceptErrors++;
    });
    server.on("tlsClientError", () => {
      this.acceptErrors++;
    });
  }

  close(): Promise<void> {
    if (this.closed) return Promise.resolve();
    this.closed = true;
    // server.close() stops accepting at once; its callback would wait for accepted
    // streams too, which stay open (as with Godot's TCPServer.stop()).
    this.server.close();
    return Promise.resolve();
  }
}

async function nodeListen(opts: StreamListenOptions, onStream: (s: Stream) => void): Promise<Listener> {
  const target = checkListenOptions(opts);
  if (typeof onStream !== "function") throw new TypeError("onStream must be a function");
  checkUnixSupported(target);
  const what = `listen on ${target.label}`;
  let server: net.Server;
  if (target.kind === "tcp" && target.tls) {
    server = tls.createServer({ cert: target.tls.cert, key: target.tls.key, allowHalfOpen: true });
    server.on("secureConnection", (socket: tls.TLSSocket) => {
      deliver(onStream, new NodeStream(socket, `${formatEndpoint(unmapIPv4(socket.remoteAddress ?? ""), socket.remotePort ?? 0)} (TLS)`));
    });
  } else {
    server = net.createServer({ allowHalfOpen: true });
    server.on("connection", (socket: net.Socket) => {
      deliver(onStream, new NodeStream(socket, target.kind === "unix" ? target.label : null));
    });
  }
  let host: string | undefined;
  if (target.kind === "tcp" && target.host !== "") host = (await lookupHost(target.host, what)).address;
  await new Promise<void>((resolve, reject) => {
    const onError = (err: Error): void => {
      server.removeListener("listening", onListening);
      reject(toBindError(err, what, target.kind === "unix" ? target.path : undefined));
    };
    const onListening = (): void => {
      server.removeListener("error", onError);
      resolve();
    };
    server.once("error", onError);
    server.once("listening", onListening);
    if (target.kind === "unix") server.listen({ path: target.path, exclusive: true });
    else server.listen({ host, port: target.port, exclusive: true });
  });
  return new NodeListener(server, target);
}

export const nodeStreams: StreamTransport = {
  connect: nodeConnect,
  listen: nodeListen,
  removeStaleUnixSocket: (path) => removeStaleUnixSocket(path, nodeConnect),
};

export const nodeRuntime: RuntimeAdapter = {
  name: "node",
  createDatagramTransport: () => new NodeDatagramTransport(),
  streams: nodeStreams,
  clock: burstBatchingClock,
  resolve: lookupHost,
  resolveAll: lookupAllHosts,
  localInterfaces: listLocalInterfaces,
};

type LookupCallback = (err: Error | null, address: string, family: number) => void;

/**
 * dgram's `lookup` hooks for addresses that are already IP literals, one per socket type: dgram
 * asks for every send, and a socket's sends all carry its own family (checkSend maps IPv4 onto a
 * dual-stack socket), so the answer needs no look at the address.
 */
function lookupLiteral4(address: string, _options: unknown, callback: LookupCallback): void {
  callback(null, address, 4);
}
function lookupLiteral6(address: string, _options: unknown, callback: LookupCallback): void {
  callback(null, address, 6);
}
