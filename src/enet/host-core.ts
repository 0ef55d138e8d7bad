/**
 * The sans-IO ENet host (ENetHost plus protocol.c's service loop). It never reads a
 * clock or touches a socket:
 *
 *   handleDatagram(now, bytes, address, port)   feed one received datagram
 *   service(now) / flush(now)                   run timers and build datagrams to send
 *   pollTransmit()                              -> { data, address, port } | null
 *   releaseTransmits()                          every transmit was sent: its bytes may be reused
 *   pollEvent()                                 -> CONNECT / DISCONNECT / RECEIVE | null
 *   pollTimeout()                               -> when service() must run next (ms, same clock as `now`) | null
 *
 * Hostile input never throws out of handleDatagram: bad datagrams are dropped and
 * counted in `drops`.
 */
import type { Compressor } from "../compress/types.ts";
import { plainBytes } from "../util/copy-bytes.ts";
import { Fifo } from "../util/fifo.ts";
import { ConnectRateTable, DEFAULT_CONNECT_INTERVAL, ParkedHandshakes, RecentSessions, type ConnectCounters } from "./admission.ts";
import { ByteSlab, SLAB_MAX_COPY, SLAB_MIN_COPY, type SlabLife } from "./byte-slab.ts";
import { POOLED_MAX_COPY, sharedLargeCopies } from "./copy-pool.ts";
import { OutgoingCommand } from "./commands.ts";
import {
  ENET_HOST_BANDWIDTH_THROTTLE_INTERVAL,
  ENET_HOST_DEFAULT_MAXIMUM_PACKET_SIZE,
  ENET_HOST_DEFAULT_MAXIMUM_WAITING_DATA,
  HOST_DEFAULT_MAXIMUM_HOST_WAITING_DATA,
  HOST_DEFAULT_MAXIMUM_HOST_OUTGOING_DATA,
  HOST_DEFAULT_MAXIMUM_OUTGOING_DATA,
  ENET_HOST_DEFAULT_MTU,
  ENET_PEER_PING_INTERVAL,
  ENET_PEER_TIMEOUT_LIMIT,
  ENET_PEER_TIMEOUT_MAXIMUM,
  ENET_PEER_TIMEOUT_MINIMUM,
  ENET_PEER_WINDOW_SIZE_SCALE,
  maximumHeldFragments,
} from "./constants.ts";
import { DatagramWriter } from "./datagram-writer.ts";
import { EventType, PacketFlags, PeerState } from "./enums.ts";
import { emptyFragmentRecord, type FragmentRecord, type IncomingSink } from "./incoming.ts";
import { isConnectedState, PeerCore, type PeerStateObserver, type PeerView } from "./peer-core.ts";
import { PeerDirectory } from "./peer-directory.ts";
import { PeerSchedule } from "./peer-schedule.ts";
import { receiveDatagram } from "./receive.ts";
import { sendOutgoingCommands } from "./send-loop.ts";
import { bandwidthThrottle, clampWindow, type BandwidthHost } from "./throttle.ts";
import {
  CHECKSUM_SIZE,
  COMMAND_SIZES,
  ENET_PROTOCOL_COMMAND_FLAG_ACKNOWLEDGE,
  ENET_PROTOCOL_COMMAND_FLAG_UNSEQUENCED,
  ENET_PROTOCOL_MAXIMUM_CHANNEL_COUNT,
  ENET_PROTOCOL_MAXIMUM_FRAGMENT_COUNT,
  ENET_PROTOCOL_MAXIMUM_MTU,
  ENET_PROTOCOL_MAXIMUM_PEER_ID,
  ENET_PROTOCOL_MAXIMUM_WINDOW_SIZE,
  ENET_PROTOCOL_MINIMUM_CHANNEL_COUNT,
  ENET_PROTOCOL_MINIMUM_MTU,
  ENET_PROTOCOL_MINIMUM_WINDOW_SIZE,
  HEADER_SIZE_FOR_MTU,
  ProtocolCommand,
} from "./wire.ts";
import { secureRandomU32 } from "../util/platform-sources.ts";

export interface HostCoreOptions {
  /** Peer slots, 1..4095 (default 32). */
  peerCount?: number;
  /** Channels a remote may open, 1..255 (default 255). */
  channelLimit?: number;
  /** Bytes/second this host can receive; 0 = unlimited. */
  incomingBandwidth?: number;
  /** Bytes/second this host can send; 0 = unlimited. */
  outgoingBandwidth?: number;
  /** 576..4096, default 1392. */
  mtu?: number;
  /** ENet's CRC32 datagram checksum (both sides must agree). */
  checksum?: boolean;
  /**
   * Most commands packed into one datagram: 0 (default) = as many as fit the MTU; 32 = C ENet's
   * ENET_PROTOCOL_MAXIMUM_PACKET_COMMANDS, a limit of its sender's buffers that no ENet receiver
   * checks. Packing to the MTU sends up to 5x fewer acknowledgement datagrams.
   */
  commandsPerDatagram?: number;
  maximumPacketSize?: number;
  maximumWaitingData?: number;
  /**
   * Received bytes all peers may hold together before each is held to its share of this
   * (incoming.ts, overWaitingLimit); default 256 MiB, 8 peers' worth of maximumWaitingData.
   */
  maximumHostWaitingData?: number;
  /**
   * Bytes of packets one peer may have queued or unacknowledged (PeerCore.queuedOutgoingData)
   * before send() refuses more with OUTGOING_LIMIT; one packet of any size is always taken into
   * an empty queue. Default 64 MiB, two packets of the default maximum size. Ours: C ENet queues
   * without bound, however slowly the remote acknowledges.
   */
  maximumOutgoingData?: number;
  /**
   * Bytes of packets all peers may have queued or unacknowledged together before each is held
   * to its share of this (sendRefusal); default 256 MiB, four peers' worth of maximumOutgoingData.
   */
  maximumHostOutgoingData?: number;
  /** Peers allowed from one IP address (default 4095). */
  duplicatePeers?: number;
  /** CONNECT-flood policy (admission.ts): half-open peers allowed at once, 1..peerCount (default peerCount). */
  halfOpenLimit?: number;
  /** CONNECT-flood policy: minimum ms between two new half-open handshakes from one address/port, 0 = off (default 100). */
  connectInterval?: number;
  /** Source of uniformly random unsigned 32-bit integers (connect IDs). Default: the platform CSPRNG (util/platform-sources.ts). */
  randomU32?: () => number;
  /**
   * true: C ENet's packet throttle in a session's first throttle epoch, judged against its first
   * RTT sample alone. Default false: the throttle stays at its limit until a whole epoch has been
   * measured (throttle.ts, peerThrottle).
   */
  throttleOnFirstSample?: boolean;
}

export interface HostEvent {
  type: EventType;
  peer: PeerView;
  data: number;
  channelID: number;
  packet: Uint8Array | null;
  /** PacketFlags of a received packet. */
  flags: number;
  /** The peer slot's generation when the event was raised (a slot is reused by later connections). */
  generation: number;
}

export interface Transmit {
  data: Uint8Array;
  address: string;
  port: number;
}

/** What the host threw away, by reason. Never decreases. */
export interface DropCounters {
  /** Whole datagrams ignored: too short, unknown peer/address/session, bad checksum, undecompressable. */
  datagrams: number;
  /** Datagrams cut short at an invalid or unexpected command (malformed fields, out-of-range fragments, wrong state), and fragmented packets whose fragments do not tile them. */
  commands: number;
  /** Packets refused because a limit was reached (waiting data, held fragments, pending unreliable commands, acknowledgement queue). */
  limits: number;
  /** Of `limits`: packets refused because the host's peers held maxHostWaitingData together and the sender more than its share. */
  waitingDataShare: number;
  /** Events dropped because their peer was reset before the application read them. */
  staleEvents: number;
  /** Exceptions caught inside datagram handling (a bug if ever non-zero). */
  internalErrors: number;
  /** Packets the application sent that were refused (SendResult.OUTGOING_LIMIT): the peer already had maximumOutgoingData queued or unacknowledged, or more than its share while the host's peers had maximumHostOutgoingData together. */
  outgoingLimit: number;
  /** Of `outgoingLimit`: the refusals by the host-wide rule (the peer held more than its share of maximumHostOutgoingData). */
  outgoingShare: number;
}

interface QueuedEvent extends HostEvent {
  peer: PeerCore;
  /** DISCONNECT raised by the zombie state: the data is the peer's eventData when delivered, and the peer is reset then. */
  zombie: boolean;
}

/** Time stamps are integer milliseconds offset by one, so 0 can keep meaning "never" as in C ENet. */
const TIME_BIAS = 1;
const SEND_FRAGMENT_SIZE = COMMAND_SIZES[ProtocolCommand.SEND_FRAGMENT] ?? 24;

/** Why HostCore.send could not queue a packet (OK = queued). ENetPacketPeer maps each to a Godot error. */
export enum SendResult {
  OK = 0,
  /** The peer is not in the CONNECTED state. */
  NOT_CONNECTED = 1,
  /** The channel is beyond the peer's negotiated channel count. */
  CHANNEL_NOT_OPEN = 2,
  /** The packet is larger than the host's maximum packet size. */
  PACKET_TOO_LARGE = 3,
  /** The packet would need more than ENET_PROTOCOL_MAXIMUM_FRAGMENT_COUNT fragments. */
  TOO_MANY_FRAGMENTS = 4,
  /** The peer already has the host's maximumOutgoingData queued or unacknowledged, or its share of maximumHostOutgoingData while the host is at that. */
  OUTGOING_LIMIT = 5,
}

export class HostCore implements IncomingSink, BandwidthHost, PeerStateObserver {
  /** @internal The peer slots; the public layer sees them through `peerViews`. */
  readonly peers: PeerCore[];
  channelLimit: number;
  incomingBandwidth: number;
  outgoingBandwidth: number;
  readonly mtu: number;
  readonly checksum: boolean;
  readonly maximumPacketSize: number;
  readonly maximumWaitingData: number;
  readonly maximumHostWaitingData: number;
  /** Bytes of packets one peer may have queued or unacknowledged before send() refuses more. */
  readonly maximumOutgoingData: number;
  /** Bytes of packets all peers may have queued or unacknowledged together before each is held to its share. */
  readonly maximumHostOutgoingData: number;
  /** @internal The sum of the peers' queuedOutgoingData (kept by PeerCore). */
  queuedOutgoingData = 0;
  /** @internal The sum of the peers' totalWaitingData (incoming.ts, addWaitingData). */
  waitingData = 0;
  /** Fragments one peer may hold in reassembly (derived from maximumWaitingData and maximumPacketSize). */
  readonly maximumHeldFragments: number;
  duplicatePeers: number;
  /** Half-open (ACKNOWLEDGING_CONNECT) peers allowed at once; a newer CONNECT evicts one (admission.ts). */
  readonly halfOpenLimit: number;
  /** @internal Per-endpoint rate of new half-open handshakes. */
  readonly connectRate: ConnectRateTable;
  /** What the CONNECT-flood policy refused, evicted and reinstated. */
  readonly connectCounters: ConnectCounters = { rateLimited: 0, full: 0, evicted: 0, reinstated: 0, provenByCommand: 0, verifyAcksRepeated: 0 };
  /** Half-open handshakes the flood policy evicted, until their client speaks (admission.ts rule 4). */
  readonly parkedHandshakes: ParkedHandshakes;
  /** @internal The session IDs each remote last had on each slot (admission.ts); acceptConnect steers new ones around them. */
  readonly recentSessions: RecentSessions;
  bandwidthThrottleEpoch = 0;
  recalculateBandwidthLimits = false;
  compressor: Compressor | null = null;
  /** @internal The datagram being read may be kept (receive.ts sets it per datagram; see IncomingSink). */
  datagramOwned = false;
  /** Ignore incoming CONNECT commands (Godot's refuse_new_connections). */
  refuseConnections = false;

  totalSentData = 0;
  totalSentPackets = 0;
  totalReceivedData = 0;
  totalReceivedPackets = 0;
  readonly drops: DropCounters = { datagrams: 0, commands: 0, limits: 0, waitingDataShare: 0, staleEvents: 0, internalErrors: 0, outgoingLimit: 0, outgoingShare: 0 };
  lastInternalError: unknown = undefined;

  /** @internal The current time in biased milliseconds (0 = never); receive.ts and send-loop.ts read it. */
  serviceTime = TIME_BIAS;
  private readonly randomU32: () => number;
  /** @internal The peers the next send pass visits (peer-schedule.ts); send-loop.ts drives it. */
  readonly schedule = new PeerSchedule<PeerCore>();
  /** @internal Free, half-open and live slots, kept as states change (peer-directory.ts); handshake.ts reads it. */
  readonly directory: PeerDirectory<PeerCore>;
  /** Peers in a connected state (CONNECTED or DISCONNECT_LATER): C ENet's connectedPeers. */
  private connectedPeers = 0;
  private readonly events = new Fifo<QueuedEvent>(64);
  private readonly transmits = new Fifo<Transmit>(64);
  /** @internal The datagram being written (send-loop.ts). */
  readonly writer: DatagramWriter;
  /** @internal Decompressed datagrams are rebuilt here (header + commands). */
  readonly receiveBuffer = new Uint8Array(ENET_PROTOCOL_MAXIMUM_MTU);
  /** @internal Checksum seeds are written here to be fed to the CRC. */
  readonly seedBytes = new Uint8Array(4);
  /** @internal Scratch list for checkTimeouts. */
  readonly retransmitScratch: OutgoingCommand[] = [];
  /** @internal The one fragment record the receive loop fills per fragment. */
  readonly fragmentScratch: FragmentRecord = emptyFragmentRecord();
  /** Private copies of packets the application queues (never handed back to it). */
  private readonly packetCopies = new ByteSlab();
  /** Private copies of large packets, reused once the commands carrying them finish (copy-pool.ts; shared by every host). */
  private readonly largeCopies = sharedLargeCopies;

  constructor(options: HostCoreOptions = {}) {
    const peerCount = options.peerCount ?? 32;
    if (!Number.isInteger(peerCount) || peerCount < 1 || peerCount > ENET_PROTOCOL_MAXIMUM_PEER_ID) {
      throw new RangeError(`peerCount must be an integer in 1..${ENET_PROTOCOL_MAXIMUM_PEER_ID}, got ${String(peerCount)}`);
    }
    const mtu = options.mtu ?? ENET_HOST_DEFAULT_MTU;
    if (!Number.isInteger(mtu) || mtu < ENET_PROTOCOL_MINIMUM_MTU || mtu > ENET_PROTOCOL_MAXIMUM_MTU) {
      throw new RangeError(`mtu must be an integer in ${ENET_PROTOCOL_MINIMUM_MTU}..${ENET_PROTOCOL_MAXIMUM_MTU}, got ${String(mtu)}`);
    }
    this.mtu = mtu;
    this.channelLimit = HostCore.clampChannelLimit(options.channelLimit ?? 0);
    this.incomingBandwidth = options.incomingBandwidth ?? 0;
    this.outgoingBandwidth = options.outgoingBandwidth ?? 0;
    this.checksum = options.checksum ?? false;
    this.maximumPacketSize = options.maximumPacketSize ?? ENET_HOST_DEFAULT_MAXIMUM_PACKET_SIZE;
    this.maximumWaitingData = options.maximumWaitingData ?? ENET_HOST_DEFAULT_MAXIMUM_WAITING_DATA;
    this.maximumHostWaitingData = options.maximumHostWaitingData ?? HOST_DEFAULT_MAXIMUM_HOST_WAITING_DATA;
    const maximumOutgoingData = options.maximumOutgoingData ?? HOST_DEFAULT_MAXIMUM_OUTGOING_DATA;
    if (!(maximumOutgoingData >= 1)) throw new RangeError(`maximumOutgoingData must be at least 1 byte, got ${String(maximumOutgoingData)}`);
    this.maximumOutgoingData = maximumOutgoingData;
    const maximumHostOutgoingData = options.maximumHostOutgoingData ?? HOST_DEFAULT_MAXIMUM_HOST_OUTGOING_DATA;
    if (!(maximumHostOutgoingData >= 1)) throw new RangeError(`maximumHostOutgoingData must be at least 1 byte, got ${String(maximumHostOutgoingData)}`);
    this.maximumHostOutgoingData = maximumHostOutgoingData;
    this.maximumHeldFragments = maximumHeldFragments(this.maximumWaitingData, this.maximumPacketSize);
    this.duplicatePeers = options.duplicatePeers ?? ENET_PROTOCOL_MAXIMUM_PEER_ID;
    this.randomU32 = options.randomU32 ?? secureRandomU32;
    const halfOpenLimit = options.halfOpenLimit ?? peerCount;
    if (!Number.isInteger(halfOpenLimit) || halfOpenLimit < 1 || halfOpenLimit > peerCount) {
      throw new RangeError(`halfOpenLimit must be an integer in 1..${peerCount}, got ${String(halfOpenLimit)}`);
    }
    this.halfOpenLimit = halfOpenLimit;
    const connectInterval = options.connectInterval ?? DEFAULT_CONNECT_INTERVAL;
    if (!Number.isFinite(connectInterval) || connectInterval < 0) {
      throw new RangeError(`connectInterval must be a number of milliseconds >= 0, got ${String(connectInterval)}`);
    }
    this.connectRate = new ConnectRateTable(peerCount, connectInterval);
    this.parkedHandshakes = new ParkedHandshakes(peerCount);
    this.recentSessions = new RecentSessions(peerCount);
    const commandsPerDatagram = options.commandsPerDatagram ?? 0;
    if (!Number.isInteger(commandsPerDatagram) || commandsPerDatagram < 0 || commandsPerDatagram > ENET_PROTOCOL_MAXIMUM_MTU) {
      throw new RangeError(`commandsPerDatagram must be 0 (as many as fit the MTU) or an integer in 1..${ENET_PROTOCOL_MAXIMUM_MTU}, got ${String(commandsPerDatagram)}`);
    }
    this.writer = new DatagramWriter(commandsPerDatagram === 0 ? Infinity : commandsPerDatagram);
    this.peers = [];
    this.directory = new PeerDirectory<PeerCore>(this.peers, peerCount);
    for (let i = 0; i < peerCount; i++) this.peers.push(new PeerCore(i, mtu, this.schedule, this, this));
    if (options.throttleOnFirstSample === true) for (const peer of this.peers) peer.throttleOnFirstSample = true;
  }

  /** @internal PeerCore's state setter: keep the connected-peer count, the directory and the schedule. */
  stateChanged(peer: PeerCore, from: PeerState, to: PeerState): void {
    const wasConnected = isConnectedState(from);
    const connected = isConnectedState(to);
    if (wasConnected !== connected) this.connectedPeers += connected ? 1 : -1;
    this.directory.stateChanged(peer, from, to);
    // A reset slot has nothing to wait for (a pending dirty entry is visited and dropped).
    if (to === PeerState.STATE_DISCONNECTED) this.schedule.forget(peer);
  }

  /** The peer slots, read-only, for the Godot-shaped layer. */
  get peerViews(): readonly PeerView[] {
    return this.peers;
  }

  /** The slot behind a view handed out earlier (views are the slots themselves, looked up by ID). */
  /** @internal The slot behind a view (sans-IO tests inspect slots through it). */
  slotOf(view: PeerView): PeerCore {
    const slot = this.peers[view.incomingPeerID];
    if (slot === undefined || slot !== view) throw new RangeError("peer does not belong to this host");
    return slot;
  }

  static clampChannelLimit(limit: number): number {
    if (!limit || limit > ENET_PROTOCOL_MAXIMUM_CHANNEL_COUNT) return ENET_PROTOCOL_MAXIMUM_CHANNEL_COUNT;
    if (limit < ENET_PROTOCOL_MINIMUM_CHANNEL_COUNT) return ENET_PROTOCOL_MINIMUM_CHANNEL_COUNT;
    return limit;
  }

  /** The host's notion of the current time (ms, in the caller's clock). */
  get now(): number {
    return this.serviceTime - TIME_BIAS;
  }

  private advanceTime(now: number): void {
    const t = Math.floor(now) + TIME_BIAS;
    if (t > this.serviceTime) this.serviceTime = t;
  }

  // ------------------------------------------------------------------ output queues

  pollEvent(): HostEvent | null {
    for (let ev = this.events.shift(); ev !== undefined; ev = this.events.shift()) {
      const peer = ev.peer;
      if (ev.generation !== peer.generation) {
        this.drops.staleEvents++;
        continue;
      }
      if (ev.type === EventType.RECEIVE) {
        // Clamped as a guard: every delivered packet was counted when it arrived.
        const held = peer.totalWaitingData;
        const length = ev.packet!.length;
        const released = length < held ? length : held;
        peer.totalWaitingData = held - released;
        this.waitingData -= released;
      } else if (ev.zombie) {
        if (peer.state !== PeerState.STATE_ZOMBIE) continue;
        ev.data = peer.eventData;
        this.recalculateBandwidthLimits = true;
        this.resetPeer(peer);
      }
      return ev;
    }
    return null;
  }

  pollTransmit(): Transmit | null {
    return this.transmits.shift() ?? null;
  }

  /** Datagrams are waiting for pollTransmit(). */
  get hasTransmits(): boolean {
    return !this.transmits.isEmpty();
  }

  /** @internal A finished datagram for `address:port` (send-loop.ts). */
  queueTransmit(data: Uint8Array, address: string, port: number): void {
    this.transmits.push({ data, address, port });
  }

  /**
   * The caller has consumed (copied or sent) every datagram pollTransmit() returned, so
   * their bytes may be rewritten by the next service()/flush(). Without this call every
   * datagram stays valid for as long as it is referenced.
   */
  releaseTransmits(): void {
    if (this.transmits.isEmpty()) this.writer.recycle();
  }

  get pendingEventCount(): number {
    return this.events.length;
  }

  /** When service() must next run (same clock as `now`), or null when nothing is scheduled. */
  pollTimeout(): number | null {
    if (!this.events.isEmpty()) return this.now;
    const now = this.serviceTime;
    let next = this.schedule.nextTimer;
    for (const peer of this.schedule.dirtyPeers) {
      const wake = peer.nextServiceTime(now);
      if (wake <= now) return this.now;
      if (wake < next) next = wake;
    }
    if (this.connectedPeers > 0) next = Math.min(next, this.bandwidthThrottleEpoch + ENET_HOST_BANDWIDTH_THROTTLE_INTERVAL);
    if (next === Infinity) return null;
    return Math.max(next, now) - TIME_BIAS;
  }

  // ------------------------------------------------------------------ application calls

  /** enet_host_connect. Returns null when every peer slot is in use. */
  connect(address: string, port: number, channelCount: number, data: number): PeerView | null {
    let count = channelCount;
    if (count < ENET_PROTOCOL_MINIMUM_CHANNEL_COUNT) count = ENET_PROTOCOL_MINIMUM_CHANNEL_COUNT;
    else if (count > ENET_PROTOCOL_MAXIMUM_CHANNEL_COUNT) count = ENET_PROTOCOL_MAXIMUM_CHANNEL_COUNT;
    const peer = this.directory.firstFree();
    if (peer === null) return null;
    // The remote's datagrams to this slot are this session's now (admission.ts, ParkedHandshakes.forget).
    if (this.parkedHandshakes.size > 0) this.parkedHandshakes.forget(address, port, peer.incomingPeerID);
    peer.allocateChannels(count);
    peer.state = PeerState.STATE_CONNECTING;
    peer.address = address;
    peer.port = port;
    peer.connectID = this.randomU32() >>> 0;
    peer.mtu = this.mtu;
    peer.windowSize =
      this.outgoingBandwidth === 0
        ? ENET_PROTOCOL_MAXIMUM_WINDOW_SIZE
        : clampWindow(Math.floor(this.outgoingBandwidth / ENET_PEER_WINDOW_SIZE_SCALE) * ENET_PROTOCOL_MINIMUM_WINDOW_SIZE);
    peer.queueControl(ProtocolCommand.CONNECT | ENET_PROTOCOL_COMMAND_FLAG_ACKNOWLEDGE, 0, 0, 0, {
      outgoingPeerID: peer.incomingPeerID,
      incomingSessionID: peer.incomingSessionID,
      outgoingSessionID: peer.outgoingSessionID,
      mtu: peer.mtu,
      windowSize: peer.windowSize,
      channelCount: count,
      incomingBandwidth: this.incomingBandwidth,
      outgoingBandwidth: this.outgoingBandwidth,
      packetThrottleInterval: peer.packetThrottleInterval,
      packetThrottleAcceleration: peer.packetThrottleAcceleration,
      packetThrottleDeceleration: peer.packetThrottleDeceleration,
      connectID: peer.connectID,
      data: data >>> 0,
    });
    return peer;
  }

  /** A private copy of an application packet for send(), so the caller may reuse its array. */
  copyPacket(packet: Uint8Array): Uint8Array {
    return this.packetCopies.copy(packet, 0, packet.length);
  }

  /**
   * enet_peer_send of a private copy of `packet` (the caller may reuse its array at once). Large
   * copies come from a pool and go back to it when the commands carrying them finish, which
   * saves allocating (and faulting in) a fresh buffer for every large packet.
   */
  sendCopy(view: PeerView, channelID: number, packet: Uint8Array, flags: number): SendResult {
    const peer = this.slotOf(view);
    const fragmentLength = this.fragmentLength(peer);
    // Checked before copying: a slow peer past maximumOutgoingData may refuse many sends in a row.
    const refusal = this.sendRefusal(peer, channelID, packet.length, fragmentLength);
    if (refusal !== SendResult.OK) return refusal;
    const copy = this.queueCopy(packet);
    this.queuePacket(peer, channelID, copy, flags, fragmentLength);
    this.settleCopy(copy);
    return SendResult.OK;
  }

  /**
   * @internal A private copy of `packet` for one or more send() calls made right away, then
   * settleCopy(); it must not be kept or handed to anyone else (it may be pooled and reused).
   */
  queueCopy(packet: Uint8Array): Uint8Array {
    return packet.length > SLAB_MAX_COPY && packet.length <= POOLED_MAX_COPY ? this.largeCopies.copy(packet) : this.copyPacket(packet);
  }

  /** @internal After the send() calls of a queueCopy(): a copy no command took goes back to its pool or slab. */
  settleCopy(copy: Uint8Array): void {
    if (copy.length > SLAB_MAX_COPY) {
      if (this.largeCopies.owns(copy)) this.largeCopies.settle(copy);
    } else if (copy.length > SLAB_MIN_COPY) {
      this.packetCopies.settle(copy);
    }
  }

  /** @internal A command carrying a large pooled copy is finished (PeerCore.finishCommand). */
  releaseCopy(packet: Uint8Array): void {
    this.largeCopies.release(packet);
  }

  /** @internal A command carrying a slab copy is finished (PeerCore.finishCommand). */
  releaseSlabLife(life: SlabLife): void {
    this.packetCopies.releaseLife(life);
  }

  /**
   * enet_peer_send. Returns SendResult.OK when queued, else why it cannot be.
   * The packet is referenced, not copied: callers must not modify it afterwards.
   */
  send(view: PeerView, channelID: number, packet: Uint8Array, flags: number): SendResult {
    const peer = this.slotOf(view);
    const fragmentLength = this.fragmentLength(peer);
    const refusal = this.sendRefusal(peer, channelID, packet.length, fragmentLength);
    if (refusal !== SendResult.OK) return refusal;
    this.queuePacket(peer, channelID, packet, flags, fragmentLength);
    return SendResult.OK;
  }

  /** Why enet_peer_send would refuse a packet of `length` bytes on `channelID` (fragmentLength(peer) given), or SendResult.OK. */
  private sendRefusal(peer: PeerCore, channelID: number, length: number, fragmentLength: number): SendResult {
    if (peer.state !== PeerState.STATE_CONNECTED) return SendResult.NOT_CONNECTED;
    if (channelID >= peer.channelCount || peer.channels[channelID] === undefined) return SendResult.CHANNEL_NOT_OPEN;
    if (length > this.maximumPacketSize) return SendResult.PACKET_TOO_LARGE;
    const held = peer.queuedOutgoingData;
    if (held > 0) {
      if (held + length > this.maximumOutgoingData) {
        this.drops.outgoingLimit++;
        return SendResult.OUTGOING_LIMIT;
      }
      // With the host at its cap a peer grows only within its share, so many slow remotes cannot
      // each fill maximumOutgoingData; one packet still goes into an empty queue, as above.
      if (this.queuedOutgoingData + length > this.maximumHostOutgoingData && held + length > this.outgoingDataShare()) {
        this.drops.outgoingLimit++;
        this.drops.outgoingShare++;
        return SendResult.OUTGOING_LIMIT;
      }
    }
    if (length > fragmentLength && Math.ceil(length / fragmentLength) > ENET_PROTOCOL_MAXIMUM_FRAGMENT_COUNT) return SendResult.TOO_MANY_FRAGMENTS;
    return SendResult.OK;
  }

  /** The most packet bytes one SEND_FRAGMENT command carries to `peer`; larger packets are fragmented. */
  private fragmentLength(peer: PeerCore): number {
    const length = peer.mtu - HEADER_SIZE_FOR_MTU - SEND_FRAGMENT_SIZE;
    return this.checksum ? length - CHECKSUM_SIZE : length;
  }

  /** The queueing half of enet_peer_send, for a packet sendRefusal() accepted. */
  private queuePacket(peer: PeerCore, channelID: number, packet: Uint8Array, flags: number, fragmentLength: number): void {
    const channel = peer.channels[channelID]!;
    if (packet.length > fragmentLength) {
      const fragmentCount = Math.ceil(packet.length / fragmentLength);
      let commandByte: number;
      let startSequenceNumber: number;
      if ((flags & (PacketFlags.RELIABLE | PacketFlags.UNRELIABLE_FRAGMENT)) === PacketFlags.UNRELIABLE_FRAGMENT && channel.outgoingUnreliableSequenceNumber < 0xffff) {
        commandByte = ProtocolCommand.SEND_UNRELIABLE_FRAGMENT;
        startSequenceNumber = (channel.outgoingUnreliableSequenceNumber + 1) & 0xffff;
      } else {
        commandByte = ProtocolCommand.SEND_FRAGMENT | ENET_PROTOCOL_COMMAND_FLAG_ACKNOWLEDGE;
        startSequenceNumber = (channel.outgoingReliableSequenceNumber + 1) & 0xffff;
      }
      // Held before the commands exist, so no finishing command can see the copy unheld.
      const life = this.slabLifeOf(packet);
      if (life !== null) this.packetCopies.hold(life, fragmentCount);
      else if (packet.length > SLAB_MAX_COPY) this.largeCopies.hold(packet, fragmentCount);
      for (let n = 0, offset = 0; offset < packet.length; n++, offset += fragmentLength) {
        const len = Math.min(fragmentLength, packet.length - offset);
        const cmd = new OutgoingCommand(commandByte, channelID, packet, offset, len);
        cmd.slabLife = life;
        cmd.startSequenceNumber = startSequenceNumber;
        cmd.fragmentCount = fragmentCount;
        cmd.fragmentNumber = n;
        cmd.totalLength = packet.length;
        peer.setupOutgoingCommand(cmd);
      }
      return;
    }
    let commandByte: number;
    if ((flags & (PacketFlags.RELIABLE | PacketFlags.UNSEQUENCED)) === PacketFlags.UNSEQUENCED) {
      commandByte = ProtocolCommand.SEND_UNSEQUENCED | ENET_PROTOCOL_COMMAND_FLAG_UNSEQUENCED;
    } else if (flags & PacketFlags.RELIABLE || channel.outgoingUnreliableSequenceNumber >= 0xffff) {
      commandByte = ProtocolCommand.SEND_RELIABLE | ENET_PROTOCOL_COMMAND_FLAG_ACKNOWLEDGE;
    } else {
      commandByte = ProtocolCommand.SEND_UNRELIABLE;
    }
    const cmd = new OutgoingCommand(commandByte, channelID, packet, 0, packet.length);
    const life = this.slabLifeOf(packet);
    if (life !== null) {
      cmd.slabLife = life;
      this.packetCopies.hold(life, 1);
    } else if (packet.length > SLAB_MAX_COPY) {
      this.largeCopies.hold(packet, 1);
    }
    peer.setupOutgoingCommand(cmd);
  }

  /** The slab life of `packet` when it is the slab copy just made by queueCopy(), else null. */
  private slabLifeOf(packet: Uint8Array): SlabLife | null {
    return packet.length > SLAB_MIN_COPY && packet.length <= SLAB_MAX_COPY ? this.packetCopies.lifeOf(packet) : null;
  }

  /** enet_peer_ping. */
  ping(view: PeerView): void {
    const peer = this.slotOf(view);
    if (peer.state !== PeerState.STATE_CONNECTED) return;
    peer.queueControl(ProtocolCommand.PING | ENET_PROTOCOL_COMMAND_FLAG_ACKNOWLEDGE);
  }

  /** enet_peer_disconnect: graceful, acknowledged; a DISCONNECT event follows. */
  disconnect(view: PeerView, data: number): void {
    const peer = this.slotOf(view);
    const s = peer.state;
    if (s === PeerState.STATE_DISCONNECTING || s === PeerState.STATE_DISCONNECTED || s === PeerState.STATE_ACKNOWLEDGING_DISCONNECT || s === PeerState.STATE_ZOMBIE) return;
    peer.resetQueues();
    const connected = peer.isConnectedState;
    peer.queueControl(ProtocolCommand.DISCONNECT | (connected ? ENET_PROTOCOL_COMMAND_FLAG_ACKNOWLEDGE : ENET_PROTOCOL_COMMAND_FLAG_UNSEQUENCED), data >>> 0);
    if (connected) {
      peer.state = PeerState.STATE_DISCONNECTING;
    } else {
      this.flush();
      this.resetPeer(peer);
    }
  }

  /** enet_peer_disconnect_later: disconnect once queued outgoing data is acknowledged. */
  disconnectLater(view: PeerView, data: number): void {
    const peer = this.slotOf(view);
    if (peer.isConnectedState && peer.hasOutgoingCommands()) {
      peer.state = PeerState.STATE_DISCONNECT_LATER;
      peer.eventData = data >>> 0;
    } else {
      this.disconnect(peer, data);
    }
  }

  /** enet_peer_disconnect_now: send one unacknowledged DISCONNECT and reset; no event. */
  disconnectNow(view: PeerView, data: number): void {
    const peer = this.slotOf(view);
    if (peer.state === PeerState.STATE_DISCONNECTED) return;
    if (peer.state !== PeerState.STATE_ZOMBIE && peer.state !== PeerState.STATE_DISCONNECTING) {
      peer.resetQueues();
      peer.queueControl(ProtocolCommand.DISCONNECT | ENET_PROTOCOL_COMMAND_FLAG_UNSEQUENCED, data >>> 0);
      this.flush();
    }
    this.resetPeer(peer);
  }

  /** enet_peer_reset: forget the peer without telling it. */
  resetPeer(view: PeerView): void {
    const peer = this.slotOf(view);
    if (peer.isConnectedState) this.recalculateBandwidthLimits = true;
    // A session whose IDs were agreed: its remote may go on sending with them (RecentSessions).
    if (peer.state !== PeerState.STATE_DISCONNECTED && peer.state !== PeerState.STATE_CONNECTING && peer.incomingSessionID <= 3) {
      this.recentSessions.ended(peer.address, peer.port, peer.incomingPeerID, peer.incomingSessionID);
    }
    this.waitingData -= peer.totalWaitingData;
    peer.resetFields(this.mtu);
  }

  throttleConfigure(view: PeerView, interval: number, acceleration: number, deceleration: number): void {
    const peer = this.slotOf(view);
    peer.packetThrottleInterval = interval;
    peer.packetThrottleAcceleration = acceleration;
    peer.packetThrottleDeceleration = deceleration;
    if (peer.state === PeerState.STATE_DISCONNECTED || peer.state === PeerState.STATE_ZOMBIE) return;
    peer.queueControl(ProtocolCommand.THROTTLE_CONFIGURE | ENET_PROTOCOL_COMMAND_FLAG_ACKNOWLEDGE, interval, acceleration, deceleration);
  }

  setTimeout(view: PeerView, limit: number, minimum: number, maximum: number): void {
    const peer = this.slotOf(view);
    peer.timeoutLimit = limit || ENET_PEER_TIMEOUT_LIMIT;
    peer.timeoutMinimum = minimum || ENET_PEER_TIMEOUT_MINIMUM;
    peer.timeoutMaximum = maximum || ENET_PEER_TIMEOUT_MAXIMUM;
  }

  setPingInterval(view: PeerView, interval: number): void {
    const peer = this.slotOf(view);
    peer.pingInterval = interval || ENET_PEER_PING_INTERVAL;
    peer.touch();
  }

  bandwidthLimit(incoming: number, outgoing: number): void {
    this.incomingBandwidth = incoming;
    this.outgoingBandwidth = outgoing;
    this.recalculateBandwidthLimits = true;
  }

  queueBandwidthLimit(view: PeerView, incoming: number, outgoing: number): void {
    const peer = this.slotOf(view);
    peer.queueControl(ProtocolCommand.BANDWIDTH_LIMIT | ENET_PROTOCOL_COMMAND_FLAG_ACKNOWLEDGE, incoming >>> 0, outgoing >>> 0);
  }

  /** Reset every peer without sending anything (enet_host_destroy). */
  destroy(): void {
    for (const peer of this.peers) if (peer.state !== PeerState.STATE_DISCONNECTED) this.resetPeer(peer);
    this.events.clear();
    this.transmits.clear();
    this.schedule.clear();
  }

  // ------------------------------------------------------------------ service

  /** One enet_host_service pass without waiting: bandwidth throttle, timeouts, retransmissions, acks, pings. */
  service(now: number): void {
    this.advanceTime(now);
    if (this.serviceTime - this.bandwidthThrottleEpoch >= ENET_HOST_BANDWIDTH_THROTTLE_INTERVAL) bandwidthThrottle(this, this.serviceTime);
    sendOutgoingCommands(this, true);
  }

  /** enet_host_flush: send what is queued without checking timeouts. */
  flush(now?: number): void {
    if (now !== undefined) this.advanceTime(now);
    sendOutgoingCommands(this, false);
  }

  // ------------------------------------------------------------------ events

  private pushEvent(type: EventType, peer: PeerCore, data: number, channelID: number, packet: Uint8Array | null, flags: number, zombie: boolean): void {
    this.events.push({ type, peer, data, channelID, packet, flags, generation: peer.generation, zombie });
  }

  deliver(peer: PeerCore, channelID: number, packet: Uint8Array, flags: number): void {
    this.pushEvent(EventType.RECEIVE, peer, 0, channelID, packet, flags, false);
  }

  countLimitDrop(): void {
    this.drops.limits++;
  }

  countWaitingDataShareDrop(): void {
    this.drops.waitingDataShare++;
  }

  /** A connected peer's share of maximumHostOutgoingData. */
  private outgoingDataShare(): number {
    return this.maximumHostOutgoingData / (this.connectedPeers > 0 ? this.connectedPeers : 1);
  }

  waitingDataShare(): number {
    return this.maximumHostWaitingData / (this.connectedPeers > 0 ? this.connectedPeers : 1);
  }

  countMalformed(): void {
    this.drops.commands++;
  }

  /** @internal The connection is up: CONNECT event. */
  notifyConnect(peer: PeerCore): void {
    this.recalculateBandwidthLimits = true;
    peer.state = PeerState.STATE_CONNECTED;
    this.pushEvent(EventType.CONNECT, peer, peer.eventData, 0, null, 0, false);
  }

  /** @internal The connection is gone: DISCONNECT event, slot reset when the event is read. */
  dispatchZombie(peer: PeerCore): void {
    if (peer.state === PeerState.STATE_ZOMBIE) return;
    peer.state = PeerState.STATE_ZOMBIE;
    this.pushEvent(EventType.DISCONNECT, peer, 0, 0, null, 0, true);
  }

  /** @internal The connection failed or finished: reset it or raise DISCONNECT (enet_protocol_notify_disconnect). */
  notifyDisconnect(peer: PeerCore): void {
    if (peer.state >= PeerState.STATE_CONNECTION_PENDING) this.recalculateBandwidthLimits = true;
    if (peer.state !== PeerState.STATE_CONNECTING && peer.state < PeerState.STATE_CONNECTION_SUCCEEDED) {
      this.resetPeer(peer);
    } else {
      peer.eventData = 0;
      this.dispatchZombie(peer);
    }
  }

  // ------------------------------------------------------------------ receiving

  /**
   * Feed one received datagram. Never throws. `owned`: the caller hands `data` over for good
   * (nothing else references or rewrites it), so packets over 64 B may be delivered as views of it
   * instead of a copy; without it every packet is copied.
   */
  handleDatagram(now: number, data: Uint8Array, address: string, port: number, owned = false): void {
    this.advanceTime(now);
    this.totalReceivedData += data.length;
    this.totalReceivedPackets++;
    try {
      // Packets are slice()d out of the datagram: they must be copies and plain Uint8Arrays.
      receiveDatagram(this, plainBytes(data), address, port, owned);
    } catch (err) {
      this.drops.internalErrors++;
      this.lastInternalError = err;
    } finally {
      this.datagramOwned = false;
    }
  }
}
