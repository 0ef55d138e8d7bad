/**
 * ENetConnection: Godot's ENet host, bound to a UDP transport and a clock. The protocol
 * lives in the sans-IO HostCore; this class feeds it datagrams, runs it when service()
 * or poll() is called (as enet_host_service does) and turns its events into Godot's
 * [type, peer, data, channel] shape.
 */
import { createCompressor } from "../compress/compressors.ts";
import { TLSOptions } from "../crypto/tls-options.ts";
// Type only: the DTLS layer (and the crypto libraries under it) loads on the first dtls*Setup,
// so a program that never uses DTLS does not pay for loading them.
import type { DtlsDatagramTransport } from "../dtls/dtls-datagram-transport.ts";
import { checkPublicServerLimits, type DtlsServerLimits } from "../dtls/server-limits.ts";
import { CompressionMode } from "../compress/types.ts";
import { GodotError, NetError } from "../errors.ts";
import { ipFamily, isWildcardAll } from "../transport/addresses.ts";
import { resolveIo } from "../transport/registry.ts";
import type { Clock, DatagramTransport, DatagramTriple, IoOptions, RuntimeAdapter } from "../transport/types.ts";
import { ENET_HOST_DEFAULT_MTU } from "./constants.ts";
import { EventType, HostStatistic, PeerState } from "./enums.ts";
import type { ConnectCounters } from "./admission.ts";
import { HostCore, type DropCounters, type HostEvent } from "./host-core.ts";
import { DatagramInbox } from "./datagram-inbox.ts";
import { checkPacketFlags, ENetPacketPeer, type PeerOwner } from "./packet-peer.ts";
import type { PeerView } from "./peer-core.ts";
import { checkBytes, checkInt, U32_MAX } from "../util/args.ts";
import { ENET_PROTOCOL_MAXIMUM_MTU, ENET_PROTOCOL_MAXIMUM_PEER_ID, ENET_PROTOCOL_MINIMUM_MTU } from "./wire.ts";
import { copyBytes } from "../util/copy-bytes.ts";

export interface ENetHostOptions {
  /** 1..4095, default 32. */
  maxPeers?: number;
  /** 0..255; 0 = 255 (the maximum). */
  maxChannels?: number;
  /** Bytes/second; 0 = unlimited. */
  inBandwidth?: number;
  outBandwidth?: number;
  /** 576..4096, default 1392 (C ENet 1.3.18's default; 1.3.17 uses 1400, and the smaller side wins). */
  mtu?: number;
  /** ENet's CRC32 checksum on every datagram (default false, as in Godot). Both sides must agree. */
  checksum?: boolean;
  /**
   * Most commands packed into one datagram: 0 (default) = as many as fit the MTU; 32 = C ENet's
   * own framing (ENET_PROTOCOL_MAXIMUM_PACKET_COMMANDS, a limit of its sender that no ENet
   * receiver checks). See docs/enet.md.
   */
  commandsPerDatagram?: number;
  /** Largest packet accepted or sent, default 32 MiB (ENet's). */
  maxPacketSize?: number;
  /** Bytes of received-but-undelivered packets one peer may hold, default 32 MiB (ENet's). */
  maxWaitingData?: number;
  /**
   * Ours, not ENet's: bytes of received-but-undelivered packets all peers may hold together,
   * default 256 MiB. Past it, a peer holding more than this over the connected peers gets no
   * more until the host holds less (refused unacknowledged, so senders retransmit; counted in
   * `getDropCounters().waitingDataShare`). See docs/enet.md, Limits.
   */
  maxHostWaitingData?: number;
  /**
   * Ours, not ENet's: bytes of packets one peer may have queued or sent and not yet acknowledged,
   * default 64 MiB. Past it, `send` to that peer returns ERR_OUT_OF_MEMORY (and `broadcast`
   * skips it), counted in `getDropCounters().outgoingLimit`; one packet of any size is always
   * taken into an empty queue. C ENet queues without bound, so a remote that acknowledges slowly
   * enough to stay connected makes the sender hold everything sent to it. See docs/enet.md, Limits.
   */
  maxOutgoingData?: number;
  /**
   * Ours, not ENet's: bytes of packets all peers may have queued or unacknowledged together,
   * default 256 MiB. Past it, `send` to a peer already holding more than this over the connected
   * peers returns ERR_OUT_OF_MEMORY (and `broadcast` skips it), counted in
   * `getDropCounters().outgoingLimit` and `outgoingShare`; peers within their share are served as
   * before, so many slow remotes cannot each hold `maxOutgoingData`. See docs/enet.md, Limits.
   */
  maxHostOutgoingData?: number;
  /**
   * CONNECT-flood policy (docs/enet.md): peers that may be half-open (CONNECT received,
   * handshake not completed) at once, 1..maxPeers; default maxPeers. When the cap or the slots
   * are reached, a newer CONNECT evicts the half-open peer whose address/port has had the most
   * handshakes evicted before (the oldest among equals). An evicted handshake is parked and
   * completed when its client addresses the slot it was given.
   */
  halfOpenLimit?: number;
  /** CONNECT-flood policy: minimum ms between two new handshakes from one address/port; 0 = off; default 100. */
  connectInterval?: number;
  /** Peers allowed from one IP address (C ENet's duplicatePeers), 1..4095; default 4095. */
  duplicatePeers?: number;
  /**
   * true: C ENet's packet throttle in a session's first 5 s, which judges every round trip against
   * the first one alone and can drop most unreliable packets to a peer that acknowledges once a
   * frame. Default false: the throttle stays at its limit until it has a whole epoch of round
   * trips to judge by. See docs/enet.md, Deliberate differences.
   */
  throttleOnFirstSample?: boolean;
}

export interface ENetConnectOptions {
  /** 0..255; 0 = 255 channels (Godot's default). */
  channels?: number;
  /** 32-bit value the server sees in its CONNECT event. */
  data?: number;
}

/** The named fields of a service() event. `packet` is set for RECEIVE. */
export interface ENetEventFields {
  type: EventType;
  peer: ENetPacketPeer | null;
  data: number;
  channel: number;
  packet?: Uint8Array;
}

/**
 * Godot's service() result `[type, peer, data, channel]`: index it (`ev[0]`) or destructure it
 * (`const [type, peer, data, channel] = await conn.service()`) as GDScript does; it also carries
 * the same values by name (`ev.type`, `ev.peer`, ...) and, for RECEIVE, `ev.packet`. It is
 * array-like and iterable, not an Array (`Array.isArray` is false).
 */
export type ENetEvent = [type: EventType, peer: ENetPacketPeer | null, data: number, channel: number] & ENetEventFields;

/**
 * One service() event. Named fields on the instance; the array view (`ev[0]`..`ev[3]`, `length`,
 * iteration for destructuring) lives on the prototype, so an event costs one small object
 * (a real array with named properties measured ~8 % slower on the loopback benchmark).
 */
class ServiceEvent implements ENetEventFields {
  constructor(
    readonly type: EventType,
    readonly peer: ENetPacketPeer | null,
    readonly data: number,
    readonly channel: number,
    readonly packet?: Uint8Array,
  ) {}
  get 0(): EventType {
    return this.type;
  }
  get 1(): ENetPacketPeer | null {
    return this.peer;
  }
  get 2(): number {
    return this.data;
  }
  get 3(): number {
    return this.channel;
  }
  get length(): 4 {
    return 4;
  }
  *[Symbol.iterator](): IterableIterator<EventType | ENetPacketPeer | number | null> {
    yield this.type;
    yield this.peer;
    yield this.data;
    yield this.channel;
  }
}

function makeEvent(type: EventType, peer: ENetPacketPeer | null, data: number, channel: number, packet?: Uint8Array): ENetEvent {
  return new ServiceEvent(type, peer, data, channel, packet) as unknown as ENetEvent;
}

const NONE_EVENT: ENetEvent = Object.freeze(makeEvent(EventType.EVENT_NONE, null, 0, 0));
/** service() when the socket failed to send (Godot: EVENT_ERROR; destroy and recreate the host). */
const ERROR_EVENT: ENetEvent = Object.freeze(makeEvent(EventType.EVENT_ERROR, null, 0, 0));

export class ENetConnection implements PeerOwner, AsyncIterable<ENetEvent> {
  // Godot's class constants, so `ENetConnection.EVENT_RECEIVE` ports as written.
  static readonly EVENT_ERROR = EventType.EVENT_ERROR;
  static readonly EVENT_NONE = EventType.EVENT_NONE;
  static readonly EVENT_CONNECT = EventType.EVENT_CONNECT;
  static readonly EVENT_DISCONNECT = EventType.EVENT_DISCONNECT;
  static readonly EVENT_RECEIVE = EventType.EVENT_RECEIVE;
  static readonly COMPRESS_NONE = CompressionMode.COMPRESS_NONE;
  static readonly COMPRESS_RANGE_CODER = CompressionMode.COMPRESS_RANGE_CODER;
  static readonly COMPRESS_FASTLZ = CompressionMode.COMPRESS_FASTLZ;
  static readonly COMPRESS_ZLIB = CompressionMode.COMPRESS_ZLIB;
  static readonly COMPRESS_ZSTD = CompressionMode.COMPRESS_ZSTD;
  static readonly HOST_TOTAL_SENT_DATA = HostStatistic.HOST_TOTAL_SENT_DATA;
  static readonly HOST_TOTAL_SENT_PACKETS = HostStatistic.HOST_TOTAL_SENT_PACKETS;
  static readonly HOST_TOTAL_RECEIVED_DATA = HostStatistic.HOST_TOTAL_RECEIVED_DATA;
  static readonly HOST_TOTAL_RECEIVED_PACKETS = HostStatistic.HOST_TOTAL_RECEIVED_PACKETS;

  private readonly runtime: RuntimeAdapter;
  private readonly clock: Clock;
  private transport: DatagramTransport | null = null;
  /** The transport when it is the DTLS layer (after dtls*Setup), else null. */
  private dtls: DtlsDatagramTransport | null = null;
  private host: HostCore | null = null;
  private localPort = 0;
  private compressionMode = CompressionMode.NONE;
  private waiters = new Set<() => void>();
  private wakeScheduled = false;
  private creating = false;
  /** Datagrams the transport refused to send (counted; ENet retransmits reliable data). */
  sendErrors = 0;
  /** A send failed since the last service(): the next one reports EVENT_ERROR (as enet_host_service returns -1). */
  private socketFailed = false;
  /** An event taken from the core while reporting EVENT_ERROR, handed out by the next service(). */
  private heldEvent: HostEvent | null = null;
  /** drainTransmits' (data, address, port) triples for a transport with sendBatch; emptied after each pass. */
  private readonly transmitBatch: DatagramTriple[] = [];
  /** Datagrams handed over uncopied that the runtime may still be reading: the arena waits for them (see drainTransmits). */
  private transmitsLent = false;
  /** Godot's refuse_new_connections on this host (only a DTLS server acts on it, as in Godot). */
  private refusing = false;
  /** Datagrams received since the host last ran (see datagram-inbox.ts). */
  private readonly inbox = new DatagramInbox();

  constructor(io?: IoOptions) {
    const r = resolveIo(io);
    this.runtime = r.runtime;
    this.clock = r.clock;
  }

  /** @internal The protocol core (for tests and tools). Throws when the host is not created. */
  get core(): HostCore {
    if (this.host === null) throw new NetError(GodotError.ERR_UNCONFIGURED, "the ENetConnection has no host (call createHost first)");
    return this.host;
  }

  /**
   * Create a host bound to any address and a random port (for clients). Takes Godot's
   * positional arguments `(maxPeers, maxChannels, inBandwidth, outBandwidth)` or an options object.
   */
  async createHost(maxPeers?: number, maxChannels?: number, inBandwidth?: number, outBandwidth?: number): Promise<void>;
  async createHost(opts?: ENetHostOptions): Promise<void>;
  async createHost(first?: number | ENetHostOptions, maxChannels?: number, inBandwidth?: number, outBandwidth?: number): Promise<void> {
    await this.createHostBound("*", 0, hostOptions(first, maxChannels, inBandwidth, outBandwidth));
  }

  /**
   * Create a host bound to `address` ("*" = all) and `port` (0 = random). Takes Godot's
   * positional arguments `(address, port, maxPeers, maxChannels, inBandwidth, outBandwidth)` or
   * `(address, port, options)`.
   */
  async createHostBound(address: string, port: number, maxPeers?: number, maxChannels?: number, inBandwidth?: number, outBandwidth?: number): Promise<void>;
  async createHostBound(address: string, port: number, opts?: ENetHostOptions): Promise<void>;
  async createHostBound(
    address: string,
    port: number,
    third?: number | ENetHostOptions,
    maxChannelsArg?: number,
    inBandwidthArg?: number,
    outBandwidthArg?: number,
  ): Promise<void> {
    const opts = hostOptions(third, maxChannelsArg, inBandwidthArg, outBandwidthArg);
    if (typeof address !== "string" || address.length === 0) throw new TypeError("address must be a non-empty string (\"*\" for all addresses)");
    checkInt(port, "port", 0, 65535);
    const maxPeers = opts.maxPeers ?? 32;
    checkInt(maxPeers, "maxPeers", 1, ENET_PROTOCOL_MAXIMUM_PEER_ID);
    const maxChannels = opts.maxChannels ?? 0;
    checkInt(maxChannels, "maxChannels", 0, 255);
    const inBandwidth = opts.inBandwidth ?? 0;
    const outBandwidth = opts.outBandwidth ?? 0;
    checkInt(inBandwidth, "inBandwidth", 0, U32_MAX);
    checkInt(outBandwidth, "outBandwidth", 0, U32_MAX);
    const mtu = opts.mtu ?? ENET_HOST_DEFAULT_MTU;
    checkInt(mtu, "mtu", ENET_PROTOCOL_MINIMUM_MTU, ENET_PROTOCOL_MAXIMUM_MTU);
    if (opts.checksum !== undefined && typeof opts.checksum !== "boolean") throw new TypeError("checksum must be a boolean");
    if (opts.throttleOnFirstSample !== undefined && typeof opts.throttleOnFirstSample !== "boolean") throw new TypeError("throttleOnFirstSample must be a boolean");
    if (opts.maxPacketSize !== undefined) checkInt(opts.maxPacketSize, "maxPacketSize", 1, 0x7fffffff);
    if (opts.maxWaitingData !== undefined) checkInt(opts.maxWaitingData, "maxWaitingData", 1, 0x7fffffff);
    if (opts.maxHostWaitingData !== undefined) checkInt(opts.maxHostWaitingData, "maxHostWaitingData", 1, Number.MAX_SAFE_INTEGER);
    if (opts.maxOutgoingData !== undefined) checkInt(opts.maxOutgoingData, "maxOutgoingData", 1, Number.MAX_SAFE_INTEGER);
    if (opts.maxHostOutgoingData !== undefined) checkInt(opts.maxHostOutgoingData, "maxHostOutgoingData", 1, Number.MAX_SAFE_INTEGER);
    if (opts.halfOpenLimit !== undefined) checkInt(opts.halfOpenLimit, "halfOpenLimit", 1, maxPeers);
    if (opts.connectInterval !== undefined) checkInt(opts.connectInterval, "connectInterval", 0, 3_600_000);
    if (opts.duplicatePeers !== undefined) checkInt(opts.duplicatePeers, "duplicatePeers", 1, ENET_PROTOCOL_MAXIMUM_PEER_ID);
    if (opts.commandsPerDatagram !== undefined) checkInt(opts.commandsPerDatagram, "commandsPerDatagram", 0, ENET_PROTOCOL_MAXIMUM_MTU);
    if (this.host !== null || this.creating) throw new NetError(GodotError.ERR_ALREADY_IN_USE, "the ENetConnection instance is already active");
    this.creating = true;
    const transport = this.runtime.createDatagramTransport();
    try {
      const bound = await transport.bind(isWildcardAll(address) ? "*" : address, port);
      this.localPort = bound.port;
    } catch (err) {
      transport.close();
      if (err instanceof NetError) throw err;
      throw new NetError(GodotError.ERR_CANT_CREATE, `createHostBound: cannot bind ${address}:${port}`, { cause: err });
    } finally {
      this.creating = false;
    }
    const host = new HostCore({
      peerCount: maxPeers,
      channelLimit: maxChannels,
      incomingBandwidth: inBandwidth,
      outgoingBandwidth: outBandwidth,
      mtu,
      checksum: opts.checksum ?? false,
      maximumPacketSize: opts.maxPacketSize,
      maximumWaitingData: opts.maxWaitingData,
      maximumHostWaitingData: opts.maxHostWaitingData,
      maximumOutgoingData: opts.maxOutgoingData,
      maximumHostOutgoingData: opts.maxHostOutgoingData,
      halfOpenLimit: opts.halfOpenLimit,
      connectInterval: opts.connectInterval,
      duplicatePeers: opts.duplicatePeers,
      commandsPerDatagram: opts.commandsPerDatagram,
      throttleOnFirstSample: opts.throttleOnFirstSample,
    });
    host.compressor = createCompressor(this.compressionMode);
    this.socketFailed = false;
    this.heldEvent = null;
    this.host = host;
    this.transport = transport;
    this.dtls = null;
    this.inbox.clear();
    transport.onDatagram((data, addr, p, owned) => this.receive(host, data, addr, p, owned));
  }

  /**
   * Start connecting; the returned peer reaches STATE_CONNECTED when service() reports CONNECT.
   * Takes Godot's positional `(address, port, channels, data)` or `(address, port, options)`.
   */
  async connectToHost(address: string, port: number, channels?: number, data?: number): Promise<ENetPacketPeer>;
  async connectToHost(address: string, port: number, opts?: ENetConnectOptions): Promise<ENetPacketPeer>;
  async connectToHost(address: string, port: number, third?: number | ENetConnectOptions, dataArg?: number): Promise<ENetPacketPeer> {
    if (typeof address !== "string" || address.length === 0) throw new TypeError("address must be a non-empty string");
    checkInt(port, "port", 1, 65535);
    const opts: ENetConnectOptions = typeof third === "object" && third !== null ? third : { channels: third, data: dataArg };
    if (typeof third === "object" && third !== null && dataArg !== undefined) throw new TypeError("connectToHost: pass data inside the options object, not after it");
    const channels = opts.channels ?? 0;
    checkInt(channels, "channels", 0, 255);
    const data = opts.data ?? 0;
    checkInt(data, "data", 0, U32_MAX);
    const ip = await this.resolveAddress(address, "connectToHost");
    const host = this.core;
    if (this.listedPeers().length > 0) {
      // Godot: "The ENetConnection is already connected to a peer." Use one ENetConnection per outgoing connection.
      throw new NetError(GodotError.ERR_ALREADY_IN_USE, "connectToHost: this ENetConnection is already connected to a peer");
    }
    // No peer is listed, so a DTLS session kept with that address is a past connection's: start afresh.
    this.dtls?.endSession(ip, port);
    const slot = host.connect(ip, port, channels === 0 ? 255 : channels, data);
    if (slot === null) throw new NetError(GodotError.ERR_CANT_CREATE, "connectToHost: every peer slot is in use (raise maxPeers)");
    const peer = this.handleFor(slot, slot.generation);
    this.drainTransmits();
    this.wake();
    return peer;
  }

  /**
   * Run the host for up to `timeoutMs` milliseconds and return the first event
   * (type NONE when none happened). Like enet_host_service.
   */
  async service(timeoutMs = 0): Promise<ENetEvent> {
    checkInt(timeoutMs, "timeoutMs", 0, 0x7fffffff);
    if (this.host === null) throw new NetError(GodotError.ERR_UNCONFIGURED, "service: the ENetConnection has no host (destroyed or not created)");
    const deadline = this.clock.now() + timeoutMs;
    let immediateWaits = 0;
    for (;;) {
      const host = this.host;
      // destroy() while waiting ends the wait quietly, as if the timeout had passed.
      if (host === null) return NONE_EVENT;
      const ev = this.step(host);
      if (ev !== null) return ev;
      const now = this.clock.now();
      if (now >= deadline) return NONE_EVENT;
      const next = host.pollTimeout();
      let wait = Math.min(deadline, next ?? Infinity) - now;
      if (wait <= 0) wait = ++immediateWaits > 16 ? 1 : 0;
      else immediateWaits = 0;
      await this.sleep(wait);
    }
  }

  /** One non-blocking service pass (service(0) without awaiting), for game loops. */
  poll(): ENetEvent {
    const host = this.host;
    if (host === null) throw new NetError(GodotError.ERR_UNCONFIGURED, "poll: the ENetConnection has no host (destroyed or not created)");
    return this.step(host) ?? NONE_EVENT;
  }

  /**
   * Events until destroy(): `for await (const ev of connection)`. NONE events are skipped.
   * The iteration ends after yielding an EVENT_ERROR (the socket failed; Godot's advice is to
   * destroy and recreate the host), so a dead socket cannot turn the loop into a busy spin.
   */
  async *[Symbol.asyncIterator](): AsyncIterator<ENetEvent> {
    while (this.host !== null) {
      const ev = await this.service(1000);
      if (ev.type === EventType.NONE) continue;
      yield ev;
      if (ev.type === EventType.EVENT_ERROR) return;
    }
  }

  /** Queue a packet to every connected peer that has `channel` (below the host's channel limit, as Godot requires). */
  broadcast(channel: number, packet: Uint8Array, flags: number): void {
    const host = this.core;
    checkInt(channel, "channel", 0, host.channelLimit - 1);
    checkBytes(packet, "packet");
    checkPacketFlags(flags);
    const copy = host.queueCopy(packet);
    for (const slot of host.peers) {
      if (slot.state !== PeerState.STATE_CONNECTED || channel >= slot.channelCount) continue;
      host.send(slot, channel, copy, flags);
    }
    host.settleCopy(copy);
    this.wake();
  }

  /** Send everything queued now, without waiting for service(). */
  flush(): void {
    const host = this.core;
    const now = this.clock.now();
    // Acknowledgements that arrived since the host last ran may open the window for what is sent now.
    if (this.inbox.size > 0) this.inbox.drainInto(host, now);
    if (this.transmitsLent) this.reclaimLentTransmits(host);
    host.flush(now);
    this.drainTransmits();
  }

  /** Limit this host's bandwidth (bytes/second, 0 = unlimited); peers are told at the next throttle interval. */
  bandwidthLimit(inBandwidth = 0, outBandwidth = 0): void {
    checkInt(inBandwidth, "inBandwidth", 0, U32_MAX);
    checkInt(outBandwidth, "outBandwidth", 0, U32_MAX);
    this.core.bandwidthLimit(inBandwidth, outBandwidth);
    this.wake();
  }

  /** Channels future incoming connections may use (0 = 255). */
  channelLimit(limit: number): void {
    checkInt(limit, "limit", 0, 255);
    this.core.channelLimit = HostCore.clampChannelLimit(limit);
  }

  /** Per-datagram compression. Both sides must use the same mode. */
  compress(mode: CompressionMode): void {
    checkInt(mode, "mode", CompressionMode.NONE, CompressionMode.ZSTD);
    this.compressionMode = mode;
    if (this.host !== null) this.host.compressor = createCompressor(mode);
  }

  /** Reset every peer (nothing is sent, like Godot) and close the socket. */
  destroy(): void {
    const host = this.host;
    if (host === null) return;
    host.destroy();
    this.host = null;
    this.inbox.clear();
    this.transport?.close();
    this.transport = null;
    this.dtls = null;
    // At once, not at the next macrotask: a waiting service() returns NONE even when the clock
    // (a closed MemoryNetwork's) runs no more timers.
    this.runWaiters();
  }

  getLocalPort(): number {
    this.requireTransport("getLocalPort");
    return this.localPort;
  }

  getMaxChannels(): number {
    return this.core.channelLimit;
  }

  /** Handles of the active peers: those from connectToHost and those service() reported with EVENT_CONNECT. */
  getPeers(): ENetPacketPeer[] {
    this.requireTransport("getPeers");
    return this.listedPeers();
  }

  /**
   * Godot's peer list: a peer gets its handle from connectToHost or from its CONNECT event, so an
   * incoming handshake service() has not reported yet is not in it (nor does it keep connectToHost
   * from starting this host's one outgoing connection).
   */
  private listedPeers(): ENetPacketPeer[] {
    const out: ENetPacketPeer[] = [];
    for (const slot of this.core.peers) {
      if (slot.state === PeerState.STATE_DISCONNECTED) continue;
      const handle = slot.userData;
      if (handle instanceof ENetPacketPeer && handle.generation === slot.generation) out.push(handle);
    }
    return out;
  }

  /** Read and reset one of the host's traffic counters. */
  popStatistic(statistic: HostStatistic): number {
    checkInt(statistic, "statistic", 0, 3);
    const host = this.core;
    let value = 0;
    switch (statistic) {
      case HostStatistic.HOST_TOTAL_SENT_DATA:
        value = host.totalSentData;
        host.totalSentData = 0;
        break;
      case HostStatistic.HOST_TOTAL_SENT_PACKETS:
        value = host.totalSentPackets;
        host.totalSentPackets = 0;
        break;
      case HostStatistic.HOST_TOTAL_RECEIVED_DATA:
        value = host.totalReceivedData;
        host.totalReceivedData = 0;
        break;
      case HostStatistic.HOST_TOTAL_RECEIVED_PACKETS:
        value = host.totalReceivedPackets;
        host.totalReceivedPackets = 0;
        break;
    }
    return value;
  }

  /**
   * Send a raw UDP datagram from the host's socket (e.g. for NAT punch-through). Like
   * Godot, `destinationAddress` may be an IP address or a host name; an IP literal is sent
   * at once (the promise is already settled), a name after resolving it (Godot resolves
   * synchronously; JS cannot). Rejects with NetError(ERR_CANT_RESOLVE) for a name that
   * does not resolve, TypeError/RangeError for bad arguments.
   */
  socketSend(destinationAddress: string, destinationPort: number, packet: Uint8Array): Promise<void> {
    try {
      if (typeof destinationAddress !== "string" || destinationAddress.length === 0) {
        throw new TypeError("destinationAddress must be an IP address or a host name");
      }
      checkInt(destinationPort, "destinationPort", 1, 65535);
      checkBytes(packet, "packet");
      if (ipFamily(destinationAddress) !== 0) {
        this.requireTransport("socketSend").send(packet, destinationAddress, destinationPort);
        return Promise.resolve();
      }
    } catch (err) {
      return Promise.reject(err);
    }
    const copy = copyBytes(packet); // the caller may reuse its buffer while the name resolves
    return this.resolveAddress(destinationAddress, "socketSend").then((ip) => {
      this.requireTransport("socketSend").send(copy, ip, destinationPort);
    });
  }

  /**
   * An IP literal as is; "localhost" as 127.0.0.1 (so it matches a host bound there); other
   * names through the runtime adapter's resolver (the OS resolver, or a MemoryNetwork's table).
   */
  private async resolveAddress(address: string, what: string): Promise<string> {
    if (address.toLowerCase() === "localhost") return "127.0.0.1";
    if (ipFamily(address) !== 0) return address;
    return (await this.runtime.resolve(address, what)).address;
  }

  /**
   * Godot's refuse_new_connections: makes a DTLS server (after dtlsServerSetup) drop new
   * handshakes. As in Godot, a plain UDP host ignores it and keeps accepting CONNECTs (Godot's
   * ENetUDP socket has no refusal). ENetMultiplayerPeer, as Godot's, resets a refused peer on
   * its CONNECT event.
   */
  refuseNewConnections(refuse: boolean): void {
    if (typeof refuse !== "boolean") throw new TypeError("refuse must be a boolean");
    this.requireTransport("refuseNewConnections");
    this.refusing = refuse;
    if (this.dtls !== null) this.dtls.refuseNewConnections = refuse;
  }

  /**
   * Godot's dtls_server_setup: from now on each remote address gets its own DTLS 1.2 session
   * and ENet datagrams travel as its application data. Call after createHostBound, before
   * peers connect. Rejects with ERR_UNCONFIGURED without a host, ERR_ALREADY_IN_USE if DTLS is
   * already set up. `limits` (not in Godot) sets the server's session and handshake limits;
   * the defaults suit most servers. See docs/dtls.md.
   */
  async dtlsServerSetup(serverOptions: TLSOptions, limits: DtlsServerLimits = {}): Promise<void> {
    if (!(serverOptions instanceof TLSOptions) || !serverOptions.isServer()) throw new TypeError("serverOptions must be TLSOptions.server(key, certificate)");
    // Only the checked copy goes on: the DTLS transport's options hold more than the public limits.
    const checked = checkPublicServerLimits(limits);
    await this.upgradeToDtls("dtlsServerSetup", (Dtls, inner) => Dtls.server(inner, this.clock, serverOptions, checked));
  }

  /** Godot's dtls_client_setup: connections made from this host speak DTLS 1.2, verifying the server as `hostname` (see docs/dtls.md). */
  async dtlsClientSetup(hostname: string, clientOptions: TLSOptions = TLSOptions.client()): Promise<void> {
    if (typeof hostname !== "string") throw new TypeError("hostname must be a string");
    if (!(clientOptions instanceof TLSOptions) || clientOptions.isServer()) throw new TypeError("clientOptions must be TLSOptions.client(...) or TLSOptions.clientUnsafe(...)");
    await this.upgradeToDtls("dtlsClientSetup", (Dtls, inner) => Dtls.client(inner, this.clock, hostname, clientOptions));
  }

  /** The transport DTLS would wrap; throws unless this host can be switched to DTLS now (checked again after the DTLS layer has loaded). */
  private checkDtlsUpgrade(what: string): DatagramTransport {
    const inner = this.requireTransport(what);
    if (this.host === null) throw new NetError(GodotError.ERR_UNCONFIGURED, `${what}: the ENetConnection has no host`);
    if (this.dtls !== null) throw new NetError(GodotError.ERR_ALREADY_IN_USE, `${what}: DTLS is already set up on this host`);
    return inner;
  }

  /**
   * Switch this host to DTLS: checked now, then again once the DTLS layer has loaded, when the
   * host must still be the one this call began with (not destroyed or replaced meanwhile).
   */
  private async upgradeToDtls(what: string, make: (Dtls: typeof DtlsDatagramTransport, inner: DatagramTransport) => DtlsDatagramTransport): Promise<void> {
    this.checkDtlsUpgrade(what);
    const host = this.host;
    const { DtlsDatagramTransport: Dtls } = await loadDtls();
    const current = this.host;
    if (current === null || current !== host) throw new NetError(GodotError.ERR_UNCONFIGURED, `${what}: the host was destroyed or replaced while DTLS was loading`);
    const dtls = make(Dtls, this.checkDtlsUpgrade(what));
    dtls.refuseNewConnections = this.refusing || current.refuseConnections;
    dtls.onDatagram((data, addr, p, owned) => this.receive(current, data, addr, p, owned));
    this.transport = dtls;
    this.dtls = dtls;
  }

  /** @internal The DTLS layer when dtls*Setup was called (counters, session status). */
  getDtlsTransport(): DtlsDatagramTransport | null {
    return this.dtls;
  }

  /** What the host dropped (malformed datagrams, bad commands, limits); see docs/enet.md. */
  getDropCounters(): Readonly<DropCounters> {
    return { ...this.core.drops };
  }

  /** What the CONNECT-flood policy refused (rate-limited, server full), evicted (half-open peers) and reinstated (evicted handshakes whose client spoke), and the half-open peers connected by a command only a connected client sends (provenByCommand), and on a client the acknowledgements of VERIFY_CONNECT sent again with a retransmission (verifyAcksRepeated), since createHost. */
  getConnectCounters(): Readonly<ConnectCounters> {
    return { ...this.core.connectCounters };
  }

  // ------------------------------------------------------------------ internals

  private requireTransport(what: string): DatagramTransport {
    if (this.transport === null) throw new NetError(GodotError.ERR_UNCONFIGURED, `${what}: the ENetConnection has no host (call createHost first)`);
    return this.transport;
  }

  /** @internal */
  drainTransmits(): void {
    const host = this.host;
    const transport = this.transport;
    if (host === null || transport === null) return;
    if (transport.sendBatch !== undefined) {
      // One call for the whole pass where the runtime can send a batch (Bun's sendMany).
      const batch = this.transmitBatch;
      for (let t = host.pollTransmit(); t !== null; t = host.pollTransmit()) batch.push(t.data, t.address, t.port);
      let refused = 0;
      try {
        refused = transport.sendBatch(batch);
      } catch {
        refused = batch.length / 3;
      }
      batch.length = 0;
      if (refused > 0) {
        this.sendErrors += refused;
        this.socketFailed = true;
      }
    } else {
      const uncopied = transport.sendUncopied !== undefined && transport.sendsQueued !== undefined;
      for (let t = host.pollTransmit(); t !== null; t = host.pollTransmit()) {
        try {
          if (uncopied) transport.sendUncopied!(t.data, t.address, t.port);
          else transport.send(t.data, t.address, t.port);
        } catch {
          // A send the socket refused: like enet_host_service returning -1, the next service()
          // reports EVENT_ERROR (the datagram is lost; ENet retransmits reliable data if the host goes on).
          this.sendErrors++;
          this.socketFailed = true;
        }
      }
      // Handed over uncopied, the datagrams are views of the host's arena: it is rewritten only
      // once the runtime has read them all (until then new datagrams go after them, or into a
      // fresh arena).
      if (uncopied && transport.sendsQueued!()) {
        this.transmitsLent = true;
        return;
      }
    }
    // Every other send (and sendBatch) copies or sends the bytes before it returns.
    this.transmitsLent = false;
    host.releaseTransmits();
  }

  /**
   * Before the host writes datagrams: if the runtime has read every datagram lent to it since,
   * the arena starts over, instead of new datagrams going after them (and a full arena being
   * replaced by a fresh one) while sends keep being queued at the end of each pass.
   */
  private reclaimLentTransmits(host: HostCore): void {
    if (this.transport?.sendsQueued?.() === true) return;
    this.transmitsLent = false;
    host.releaseTransmits();
  }

  private step(host: HostCore): ENetEvent | null {
    if (this.socketFailed) {
      this.socketFailed = false;
      return ERROR_EVENT;
    }
    if (this.inbox.size > 0) this.inbox.drainInto(host, this.clock.now());
    let ev = this.heldEvent ?? host.pollEvent();
    this.heldEvent = null;
    if (ev === null) {
      if (this.transmitsLent) this.reclaimLentTransmits(host);
      host.service(this.clock.now());
      ev = host.pollEvent();
    }
    if (host.hasTransmits) this.drainTransmits();
    if (this.socketFailed) {
      this.socketFailed = false;
      this.heldEvent = ev;
      return ERROR_EVENT;
    }
    return ev === null ? null : this.wrap(ev);
  }

  private wrap(ev: HostEvent): ENetEvent {
    const peer = this.handleFor(ev.peer, ev.generation);
    if (ev.type === EventType.RECEIVE) {
      const packet = ev.packet ?? new Uint8Array(0);
      peer.queuePacket(packet, ev.flags, ev.channelID);
      return makeEvent(ev.type, peer, ev.data, ev.channelID, packet);
    }
    return makeEvent(ev.type, peer, ev.data, ev.channelID);
  }

  private handleFor(slot: PeerView, generation: number): ENetPacketPeer {
    const existing = slot.userData;
    if (existing instanceof ENetPacketPeer && existing.generation === generation) return existing;
    const handle = new ENetPacketPeer(this, slot, generation);
    if (generation === slot.generation) slot.userData = handle;
    return handle;
  }

  /**
   * @internal Hand the datagrams received so far to the protocol core without running the host
   * (nothing is sent): for tests that inspect the core between service() calls.
   */
  takeReceived(): void {
    const host = this.host;
    if (host !== null && this.inbox.size > 0) this.inbox.drainInto(host, this.clock.now());
  }

  /** A datagram for `host` from the transport: held until the host next runs (datagram-inbox.ts). */
  private receive(host: HostCore, data: Uint8Array, address: string, port: number, owned: boolean | undefined): void {
    if (this.host !== host) return;
    if (this.inbox.push(data, address, port, owned === true)) this.inbox.drainInto(host, this.clock.now());
    this.wake();
  }

  /**
   * @internal Let a pending service() run (new data was queued or a datagram arrived). With a
   * clock that has setImmediate (Node's, Bun's), once the datagrams the runtime has already read
   * are in too: those deliver a read burst one callback after another, and waking at each ran the
   * host (and sent an acknowledgement datagram) per datagram, where C ENet's service reads them all
   * and acknowledges them together. Other clocks wake it at once.
   */
  wake(): void {
    if (this.waiters.size === 0 || this.wakeScheduled) return;
    const clock = this.clock;
    if (clock.setImmediate === undefined) return this.runWaiters();
    this.wakeScheduled = true;
    clock.setImmediate(this.runWaiters);
  }

  private readonly runWaiters = (): void => {
    this.wakeScheduled = false;
    if (this.waiters.size === 0) return;
    const ws = [...this.waiters];
    this.waiters.clear();
    for (const w of ws) w();
  };

  private sleep(ms: number): Promise<void> {
    return new Promise<void>((resolve) => {
      let handle: unknown;
      const done = (): void => {
        this.waiters.delete(done);
        this.clock.clearTimeout(handle);
        resolve();
      };
      this.waiters.add(done);
      handle = this.clock.setTimeout(done, ms);
    });
  }
}

/** Godot's positional host arguments, or an options object, as options (the checks come after). */
function hostOptions(first: number | ENetHostOptions | undefined, maxChannels?: number, inBandwidth?: number, outBandwidth?: number): ENetHostOptions {
  if (typeof first === "object" && first !== null) {
    if (maxChannels !== undefined || inBandwidth !== undefined || outBandwidth !== undefined) {
      throw new TypeError("pass either Godot's positional arguments (maxPeers, maxChannels, inBandwidth, outBandwidth) or one options object, not both");
    }
    return first;
  }
  return { maxPeers: first, maxChannels, inBandwidth, outBandwidth };
}

/** The DTLS layer, loaded on first use (see the type-only import above). */
function loadDtls(): Promise<typeof import("../dtls/dtls-datagram-transport.ts")> {
  return import("../dtls/dtls-datagram-transport.ts");
}
