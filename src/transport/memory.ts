/**
 * The simulated network: many virtual hosts, per-link loss/duplication/reordering/
 * latency/jitter/MTU/bandwidth, one seeded PRNG, one virtual clock and a trace of every
 * datagram. The same seed and the same program give the same trace, bit for bit.
 */
import type { BoundAddress, Clock, LocalInterface, ResolvedAddress, RuntimeAdapter, StreamTransport } from "./types.ts";
import { GodotError, NetError } from "../errors.ts";
import { SeededRandom } from "../util/prng.ts";
import { VirtualClock } from "./virtual-clock.ts";
import {
  MEMORY_UDP_MAX_PAYLOAD_IPV4,
  MEMORY_UDP_MAX_PAYLOAD_IPV6,
  canonicalIp,
  checkMemoryPort,
  formatMemoryEndpoint,
  isCanonicalIPv6,
  isWildcardAddress,
  loopbackTwin,
  resolveMemoryAddress,
} from "./memory-address.ts";
import { LinkState, resolveLinkOptions, type LinkOptions, type ResolvedLink } from "./memory-link.ts";
import { TraceLog, fnv1a32, type TraceRecord } from "./memory-trace.ts";
import { MemoryDatagramSocket, type DatagramFabric } from "./memory-datagram.ts";
import { MemoryStreamTransport, type StreamFabric, type StreamTuning } from "./memory-stream.ts";

export type { LinkOptions } from "./memory-link.ts";
export type { TraceRecord, TraceFate } from "./memory-trace.ts";
export { VirtualClock } from "./virtual-clock.ts";

export interface MemoryNetworkOptions {
  /** PRNG seed (default 1). */
  seed?: number;
  /** Let virtual time pass by itself whenever the program is idle (default true). */
  autoAdvance?: boolean;
  /** Link options for every host pair without a `setLink` (default: perfect link). */
  defaultLink?: LinkOptions;
  /** How many recent trace records to keep (default 50,000; 0 keeps none). The digest always covers all. */
  traceLimit?: number;
  /** Initial virtual time in ms (default 0). */
  startTime?: number;
  /**
   * Bytes of datagrams in flight on the whole network before further sends are dropped as
   * "queue-dropped" (default 64 MiB): a send loop without pacing cannot exhaust memory.
   */
  maxInFlightBytes?: number;
  /** In-memory stream write buffer high-water mark in bytes (default 64 KiB). */
  streamHighWaterMark?: number;
  /** In-memory stream receive window: bytes in flight or unread before the sender stops (default 256 KiB). */
  streamWindowBytes?: number;
}

export interface MemoryNetworkStats {
  sent: number;
  /** Copies handed to a bound socket (duplicates included). */
  delivered: number;
  lost: number;
  /** Extra copies created by the duplicate option. */
  duplicated: number;
  mtuDropped: number;
  queueDropped: number;
  /** Copies that arrived where nobody was bound. */
  unreachable: number;
}

const FIRST_EPHEMERAL_PORT = 49152;
const EPHEMERAL_PORT_COUNT = 65536 - FIRST_EPHEMERAL_PORT;
const DEFAULT_TRACE_LIMIT = 50_000;
const DEFAULT_HOST = "127.0.0.1";

/** Port registry of one protocol (UDP or stream) on every host. */
class PortTable<T> {
  private readonly byHost = new Map<string, Map<number, T>>();
  private readonly nextEphemeral = new Map<string, number>();

  get(address: string, port: number): T | undefined {
    return this.byHost.get(address)?.get(port);
  }

  /** Claim (address, port); port 0 picks the next free ephemeral port. Returns the port. */
  claim(address: string, port: number, owner: T, what: string): number {
    let ports = this.byHost.get(address);
    if (ports === undefined) {
      ports = new Map();
      this.byHost.set(address, ports);
    }
    if (port === 0) {
      // Sequential like Linux's allocator, so traces are reproducible.
      let candidate = this.nextEphemeral.get(address) ?? 0;
      for (let tries = 0; tries < EPHEMERAL_PORT_COUNT; tries++) {
        const p = FIRST_EPHEMERAL_PORT + ((candidate + tries) % EPHEMERAL_PORT_COUNT);
        if (!ports.has(p)) {
          candidate = (candidate + tries + 1) % EPHEMERAL_PORT_COUNT;
          this.nextEphemeral.set(address, candidate);
          ports.set(p, owner);
          return p;
        }
      }
      throw new NetError(GodotError.ERR_CANT_ACQUIRE_RESOURCE, `${what}: no free ephemeral port on ${address}`);
    }
    if (ports.has(port)) {
      throw new NetError(GodotError.ERR_ALREADY_IN_USE, `${what}: ${formatMemoryEndpoint(address, port)} is already in use`);
    }
    ports.set(port, owner);
    return port;
  }

  release(address: string, port: number, owner: T): void {
    const ports = this.byHost.get(address);
    if (ports?.get(port) === owner) ports.delete(port);
  }

  *owners(): Iterable<T> {
    for (const ports of this.byHost.values()) yield* ports.values();
  }
}

export class MemoryNetwork implements DatagramFabric, StreamFabric {
  readonly clock: VirtualClock;
  private readonly rng: SeededRandom;
  private readonly traceLog: TraceLog;
  private defaultLink: ResolvedLink;
  /** links.get(fromHost).get(toHost); `explicit` marks pairs configured by setLink. */
  private readonly links = new Map<string, Map<string, LinkState>>();
  private readonly explicitLinks = new Set<LinkState>();
  private readonly udpPorts = new PortTable<MemoryDatagramSocket>();
  readonly streamPorts = new PortTable<object>();
  readonly streamPaths = new Map<string, object>();
  private readonly names = new Map<string, string>([["localhost", "127.0.0.1"]]);
  private readonly closeHooks = new Set<() => void>();
  private closed = false;
  private inFlightBytes = 0;
  private readonly maxInFlightBytes: number;
  /** Send address text -> canonical address (null: not an IP); bounded, cleared when full. */
  private readonly destCache = new Map<string, string | null>();
  readonly streamTuning: StreamTuning;
  private readonly counters: MemoryNetworkStats = {
    sent: 0,
    delivered: 0,
    lost: 0,
    duplicated: 0,
    mtuDropped: 0,
    queueDropped: 0,
    unreachable: 0,
  };

  constructor(opts: MemoryNetworkOptions = {}) {
    this.rng = new SeededRandom(opts.seed ?? 1);
    this.clock = new VirtualClock({ autoAdvance: opts.autoAdvance ?? true, startTime: opts.startTime ?? 0 });
    const traceLimit = opts.traceLimit ?? DEFAULT_TRACE_LIMIT;
    if (!Number.isInteger(traceLimit) || traceLimit < 0) throw new RangeError(`traceLimit must be an integer >= 0, got ${String(traceLimit)}`);
    this.traceLog = new TraceLog(traceLimit);
    this.defaultLink = resolveLinkOptions(opts.defaultLink ?? {});
    this.defaultLinkOptions = { ...opts.defaultLink };
    const hwm = opts.streamHighWaterMark ?? 64 * 1024;
    const window = opts.streamWindowBytes ?? 256 * 1024;
    if (!Number.isInteger(hwm) || hwm < 1) throw new RangeError(`streamHighWaterMark must be an integer >= 1, got ${String(hwm)}`);
    if (!Number.isInteger(window) || window < 1) throw new RangeError(`streamWindowBytes must be an integer >= 1, got ${String(window)}`);
    const maxInFlight = opts.maxInFlightBytes ?? 64 * 1024 * 1024;
    if (typeof maxInFlight !== "number" || !(maxInFlight >= 0)) throw new RangeError(`maxInFlightBytes must be a number >= 0, got ${String(maxInFlight)}`);
    this.maxInFlightBytes = maxInFlight;
    this.streamTuning = { highWaterMark: hwm, windowBytes: window, segmentBytes: Math.min(16 * 1024, window) };
  }

  /**
   * A RuntimeAdapter living on the virtual host `hostAddress` (default "127.0.0.1").
   * Runtimes created with the same address share that host's ports, like programs on one machine.
   */
  createRuntime(hostAddress: string = DEFAULT_HOST): RuntimeAdapter {
    const host = canonicalIp(String(hostAddress));
    if (typeof hostAddress !== "string" || host === null || isWildcardAddress(hostAddress)) {
      throw new RangeError(`createRuntime: hostAddress must be a specific IP address such as "127.0.0.2" or "::1", got ${String(hostAddress)}`);
    }
    const streams: StreamTransport = new MemoryStreamTransport(this, host);
    const clock: Clock = this.clock;
    return {
      name: "memory",
      createDatagramTransport: () => new MemoryDatagramSocket(this, host),
      streams,
      clock,
      resolve: (name: string, what: string) => this.lookup(name, what),
      resolveAll: (name: string, family: 0 | 4 | 6, what: string) =>
        this.lookup(name, what).then((found) => (family === 0 || found.family === family ? [found] : [])),
      localInterfaces: () => [this.hostInterface(host)],
    };
  }

  /** Configure the link from host `from` to host `to` (and back, unless bothWays is false). Fields not given come from defaultLink. */
  setLink(from: string, to: string, opts: LinkOptions, bothWays = true): void {
    const a = this.hostOf(from, "setLink(from)");
    const b = this.hostOf(to, "setLink(to)");
    const resolved = resolveLinkOptions({ ...this.defaultLinkOptions, ...opts });
    this.applyLink(a, b, resolved);
    if (bothWays && a !== b) this.applyLink(b, a, { ...resolved });
  }

  /** Change the link options of every host pair not configured with setLink. */
  setDefaultLink(opts: LinkOptions): void {
    this.defaultLink = resolveLinkOptions(opts);
    this.defaultLinkOptions = { ...opts };
    for (const tos of this.links.values()) {
      for (const state of tos.values()) if (!this.explicitLinks.has(state)) state.options = { ...this.defaultLink };
    }
  }

  private defaultLinkOptions: LinkOptions = {};

  /** Register a host name for bind/send/connect (only "localhost" -> 127.0.0.1 exists by default). */
  setHostName(name: string, address: string): void {
    const ip = canonicalIp(String(address));
    if (typeof name !== "string" || name.length === 0) throw new TypeError("setHostName: name must be a non-empty string");
    if (ip === null) throw new RangeError(`setHostName: address must be an IP literal, got ${String(address)}`);
    this.names.set(name.toLowerCase(), ip);
    this.destCache.clear();
  }

  /** The most recent trace records (see traceLimit), oldest first. */
  get trace(): readonly TraceRecord[] {
    return this.traceLog.view();
  }

  /** A stable digest of every trace record of the run so far (and of later fate changes). */
  traceDigest(): string {
    return this.traceLog.digestHex();
  }

  /** The trace as text, one line per record, for test failure messages and debugging. */
  formatTrace(records: readonly TraceRecord[] = this.trace): string {
    return records
      .map((r) => {
        const arrival = r.deliverAt === undefined ? "" : `@${r.deliverAt.toFixed(3)}`;
        return `#${r.seq} t=${r.time.toFixed(3)} ${r.from} -> ${r.to} ${r.size}B ${r.fate}${arrival} fnv=${r.hash.toString(16).padStart(8, "0")}`;
      })
      .join("\n");
  }

  stats(): MemoryNetworkStats {
    return { ...this.counters };
  }

  /** Let `ms` of virtual time pass, firing timers one macrotask at a time (works with autoAdvance off too). */
  runFor(ms: number): Promise<void> {
    return this.clock.runFor(ms);
  }

  /** Let virtual time pass until pred() holds or maxVirtualMs passed; resolves with pred's last value. */
  runUntil(pred: () => boolean, maxVirtualMs: number): Promise<boolean> {
    return this.clock.runUntil(pred, maxVirtualMs);
  }

  /**
   * End the simulation: close every socket, listener and stream (no further callbacks), reject
   * pending connects, and stop the clock — every timer on it is cancelled, including those of
   * code still using it (a forgotten service loop would otherwise keep the process busy), and
   * pending runFor/runUntil settle. Close your hosts first if they should say goodbye.
   */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    for (const socket of [...this.udpPorts.owners()]) socket.close();
    for (const hook of [...this.closeHooks]) hook();
    this.closeHooks.clear();
    this.clock.stop();
  }

  get isClosed(): boolean {
    return this.closed;
  }

  // --- fabric: shared by datagram sockets and streams ----------------------------------

  /** Run `fn` at virtual time `at` (now if in the past); nothing runs after close(). */
  schedule(at: number, fn: () => void): void {
    if (this.closed) return;
    this.clock.setTimeout(fn, at - this.clock.now());
  }

  onClose(hook: () => void): () => void {
    this.closeHooks.add(hook);
    return () => this.closeHooks.delete(hook);
  }

  linkFor(from: string, to: string): LinkState {
    let tos = this.links.get(from);
    if (tos === undefined) {
      tos = new Map();
      this.links.set(from, tos);
    }
    let state = tos.get(to);
    if (state === undefined) {
      state = new LinkState({ ...this.defaultLink });
      tos.set(to, state);
    }
    return state;
  }

  /** A virtual host has one interface, "mem0": its address, and the loopback twin a wildcard bind also gets. */
  private hostInterface(host: string): LocalInterface {
    const addresses: ResolvedAddress[] = [{ address: host, family: isCanonicalIPv6(host) ? 6 : 4 }];
    const twin = loopbackTwin(host);
    if (twin !== undefined) addresses.push({ address: twin, family: isCanonicalIPv6(twin) ? 6 : 4 });
    return { name: "mem0", index: 1, addresses };
  }

  /** RuntimeAdapter.resolve on the simulated network: IP literals and the names registered with setHostName, never real DNS. */
  lookup(name: string, what: string): Promise<ResolvedAddress> {
    try {
      const address = this.resolve(name, what);
      return Promise.resolve({ address, family: address.includes(":") ? 6 : 4 });
    } catch (err) {
      return Promise.reject(err);
    }
  }

  resolve(text: unknown, what: string): string {
    return resolveMemoryAddress(text, what, this.names);
  }

  /** Bind address for a socket on `hostAddress`: wildcards mean the host's own address. */
  localBindAddress(hostAddress: string, address: unknown, what: string): string {
    if (typeof address === "string" && isWildcardAddress(address)) return hostAddress;
    return this.resolve(address, what);
  }

  ensureOpen(what: string): void {
    if (this.closed) throw new NetError(GodotError.ERR_UNAVAILABLE, `${what}: the memory network is closed`);
  }

  bindDatagram(socket: MemoryDatagramSocket, hostAddress: string, address: string, port: number): BoundAddress {
    const what = `bind UDP ${String(address)}:${port}`;
    this.ensureOpen(what);
    const local = this.localBindAddress(hostAddress, address, what);
    const bound = this.udpPorts.claim(local, port, socket, what);
    const twin = this.twinFor(address, local, bound, this.udpPorts);
    if (twin !== undefined) {
      this.udpPorts.claim(twin, bound, socket, what);
      socket.twinAddress = twin;
    }
    return { address: local, port: bound };
  }

  /** For a wildcard bind on a loopback host: the twin loopback address, if its port is free there. */
  twinFor(requested: unknown, local: string, port: number, table: { get(a: string, p: number): unknown }): string | undefined {
    if (typeof requested !== "string" || !isWildcardAddress(requested)) return undefined;
    const twin = loopbackTwin(local);
    // Taken on the twin address: stay single-stack, as a socket with IPV6_V6ONLY would.
    return twin !== undefined && table.get(twin, port) === undefined ? twin : undefined;
  }

  unbindDatagram(socket: MemoryDatagramSocket): void {
    this.udpPorts.release(socket.localAddress, socket.localPort, socket);
    if (socket.twinAddress !== undefined) this.udpPorts.release(socket.twinAddress, socket.localPort, socket);
  }

  sendDatagram(socket: MemoryDatagramSocket, data: Uint8Array, address: string, port: number): void {
    checkMemoryPort(port, `send to ${String(address)}`, 1);
    if (typeof address !== "string") throw new TypeError(`send: address must be a string, got ${typeof address}`);
    let dest = this.destCache.get(address);
    if (dest === undefined) {
      dest = canonicalIp(address) ?? this.names.get(address.toLowerCase()) ?? null;
      if (this.destCache.size >= 1024) this.destCache.clear();
      this.destCache.set(address, dest);
    }
    if (dest === null) {
      throw new NetError(GodotError.ERR_INVALID_PARAMETER, `send: "${address}" is not an IP address (resolve host names before sending)`);
    }
    const max = isCanonicalIPv6(dest) ? MEMORY_UDP_MAX_PAYLOAD_IPV6 : MEMORY_UDP_MAX_PAYLOAD_IPV4;
    if (data.length > max) {
      throw new RangeError(`send: datagram of ${data.length} bytes exceeds the UDP maximum of ${max} bytes for ${dest}`);
    }
    if (this.closed) throw new NetError(GodotError.ERR_UNAVAILABLE, "send: the memory network is closed");
    const now = this.clock.now();
    // A dual-stack wildcard socket answers from the address of the destination's family.
    const twin = socket.twinAddress;
    const fromAddress = twin !== undefined && isCanonicalIPv6(twin) === isCanonicalIPv6(dest) ? twin : socket.localAddress;
    const fromPort = socket.localPort;
    const from = formatMemoryEndpoint(fromAddress, fromPort);
    const to = formatMemoryEndpoint(dest, port);
    const size = data.length;
    const hash = fnv1a32(data);
    const c = this.counters;
    c.sent++;
    if (this.inFlightBytes + size > this.maxInFlightBytes) {
      c.queueDropped++;
      this.traceLog.add(now, from, to, size, "queue-dropped", undefined, hash);
      return;
    }
    const outcome = this.linkFor(fromAddress, dest).datagram(now, size, this.rng);
    switch (outcome.kind) {
      case "mtu-dropped":
        c.mtuDropped++;
        this.traceLog.add(now, from, to, size, "mtu-dropped", undefined, hash);
        return;
      case "queue-dropped":
        c.queueDropped++;
        this.traceLog.add(now, from, to, size, "queue-dropped", undefined, hash);
        return;
      case "lost":
        c.lost++;
        this.traceLog.add(now, from, to, size, "lost", undefined, hash);
        return;
      case "delivered": {
        // Copy now: the sender may reuse its buffer; each copy is the receiver's to keep.
        const copy = new Uint8Array(data);
        this.inFlightBytes += size;
        const record = this.traceLog.add(now, from, to, size, "delivered", outcome.deliverAt, hash);
        this.schedule(outcome.deliverAt, () => this.arrive(record, copy, fromAddress, fromPort, dest, port));
        if (outcome.duplicateAt !== undefined) {
          c.duplicated++;
          const second = new Uint8Array(data);
          this.inFlightBytes += size;
          const dupRecord = this.traceLog.add(now, from, to, size, "duplicated", outcome.duplicateAt, hash);
          this.schedule(outcome.duplicateAt, () => this.arrive(dupRecord, second, fromAddress, fromPort, dest, port));
        }
        return;
      }
    }
  }

  private arrive(record: TraceRecord, bytes: Uint8Array, fromAddress: string, fromPort: number, toAddress: string, toPort: number): void {
    this.inFlightBytes -= bytes.length;
    const socket = this.udpPorts.get(toAddress, toPort);
    if (socket === undefined || !socket.isBound) {
      this.counters.unreachable++;
      this.traceLog.markUnreachable(record);
      return;
    }
    this.counters.delivered++;
    socket.deliver(bytes, fromAddress, fromPort);
  }

  private hostOf(text: string, what: string): string {
    const ip = this.resolve(text, what);
    if (isWildcardAddress(ip)) throw new RangeError(`${what}: needs a specific host address, got ${text}`);
    return ip;
  }

  private applyLink(from: string, to: string, options: ResolvedLink): void {
    const state = this.linkFor(from, to);
    state.options = options;
    this.explicitLinks.add(state);
  }
}
