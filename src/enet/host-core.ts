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
import { OutgoingCommand } from "./commands.ts";
import {
  ENET_HOST_BANDWIDTH_THROTTLE_INTERVAL,
  ENET_HOST_DEFAULT_MAXIMUM_PACKET_SIZE,
  ENET_HOST_DEFAULT_MAXIMUM_WAITING_DATA,
  ENET_HOST_DEFAULT_MTU,
  ENET_PEER_FREE_RELIABLE_WINDOWS,
  ENET_PEER_PACKET_LOSS_INTERVAL,
  ENET_PEER_PACKET_LOSS_SCALE,
  ENET_PEER_PING_INTERVAL,
  ENET_PEER_RELIABLE_WINDOW_SIZE,
  ENET_PEER_RELIABLE_WINDOWS,
  ENET_PEER_TIMEOUT_LIMIT,
  ENET_PEER_TIMEOUT_MAXIMUM,
  ENET_PEER_TIMEOUT_MINIMUM,
  ENET_PEER_WINDOW_SIZE_SCALE,
} from "./constants.ts";
import { CRC32_INITIAL, crc32Final, crc32Update } from "../util/crc32.ts";
import { EventType, PacketFlags, PeerState } from "./enums.ts";
import {
  HANDLER_ERROR,
  HANDLER_OK,
  handleSendFragment,
  handleSendReliable,
  handleSendUnreliable,
  handleSendUnreliableFragment,
  handleSendUnsequenced,
  type IncomingSink,
} from "./incoming.ts";
import { ByteSlab } from "./byte-slab.ts";
import { DatagramWriter } from "./datagram-writer.ts";
import { acceptConnect, handleVerifyConnect } from "./handshake.ts";
import { fillDatagram } from "./send-queue.ts";
import { checkTimeouts } from "./timeouts.ts";
import { ACK_STRIDE, PeerCore } from "./peer-core.ts";
import { bandwidthThrottle, clampWindow, updateRoundTripTime, windowSizeFromBandwidth, type BandwidthHost } from "./throttle.ts";
import {
  CHECKSUM_SIZE,
  COMMAND_SIZES,
  ENET_PROTOCOL_COMMAND_COUNT,
  ENET_PROTOCOL_COMMAND_FLAG_ACKNOWLEDGE,
  ENET_PROTOCOL_COMMAND_FLAG_UNSEQUENCED,
  ENET_PROTOCOL_COMMAND_MASK,
  ENET_PROTOCOL_HEADER_FLAG_COMPRESSED,
  ENET_PROTOCOL_HEADER_FLAG_SENT_TIME,
  ENET_PROTOCOL_HEADER_SESSION_MASK,
  ENET_PROTOCOL_HEADER_SESSION_SHIFT,
  ENET_PROTOCOL_MAXIMUM_CHANNEL_COUNT,
  ENET_PROTOCOL_MAXIMUM_FRAGMENT_COUNT,
  ENET_PROTOCOL_MAXIMUM_MTU,
  ENET_PROTOCOL_MAXIMUM_PEER_ID,
  ENET_PROTOCOL_MAXIMUM_WINDOW_SIZE,
  ENET_PROTOCOL_MINIMUM_CHANNEL_COUNT,
  ENET_PROTOCOL_MINIMUM_MTU,
  ENET_PROTOCOL_MINIMUM_WINDOW_SIZE,
  ProtocolCommand,
  readU16BE as u16,
  readU32BE as u32,
  writeU32BE as put32,
} from "./wire.ts";

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
  maximumPacketSize?: number;
  maximumWaitingData?: number;
  /** Peers allowed from one IP address (default 4095). */
  duplicatePeers?: number;
  /** Source of uniformly random unsigned 32-bit integers (connect IDs). Default: crypto.getRandomValues. */
  randomU32?: () => number;
}

export interface HostEvent {
  type: EventType;
  peer: PeerCore;
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
  /** Datagrams cut short at an invalid or unexpected command (malformed fields, out-of-range fragments, wrong state). */
  commands: number;
  /** Packets refused because a limit was reached (waiting data, pending unreliable commands, acknowledgement queue). */
  limits: number;
  /** Events dropped because their peer was reset before the application read them. */
  staleEvents: number;
  /** Exceptions caught inside datagram handling (a bug if ever non-zero). */
  internalErrors: number;
}

interface QueuedEvent extends HostEvent {
  /** DISCONNECT raised by the zombie state: the data is the peer's eventData when delivered, and the peer is reset then. */
  zombie: boolean;
}

/** Time stamps are integer milliseconds offset by one, so 0 can keep meaning "never" as in C ENet. */
const TIME_BIAS = 1;
const MAX_PENDING_ACKNOWLEDGEMENTS = 65536;
const HEADER_SIZE_FOR_MTU = 4;

function defaultRandomU32(): number {
  const a = new Uint32Array(1);
  globalThis.crypto.getRandomValues(a);
  return a[0]!;
}

export class HostCore implements IncomingSink, BandwidthHost {
  readonly peers: PeerCore[];
  channelLimit: number;
  incomingBandwidth: number;
  outgoingBandwidth: number;
  readonly mtu: number;
  readonly checksum: boolean;
  readonly maximumPacketSize: number;
  readonly maximumWaitingData: number;
  duplicatePeers: number;
  bandwidthThrottleEpoch = 0;
  recalculateBandwidthLimits = false;
  compressor: Compressor | null = null;
  /** Ignore incoming CONNECT commands (Godot's refuse_new_connections). */
  refuseConnections = false;

  totalSentData = 0;
  totalSentPackets = 0;
  totalReceivedData = 0;
  totalReceivedPackets = 0;
  readonly drops: DropCounters = { datagrams: 0, commands: 0, limits: 0, staleEvents: 0, internalErrors: 0 };
  lastInternalError: unknown = undefined;

  private serviceTime = TIME_BIAS;
  private readonly randomU32: () => number;
  private events: QueuedEvent[] = [];
  private eventHead = 0;
  /** One past the last queued event; the array keeps its length when drained (no resize per burst). */
  private eventTail = 0;
  private transmits: Transmit[] = [];
  private transmitHead = 0;
  private transmitTail = 0;
  private readonly writer = new DatagramWriter();
  /** Decompressed datagrams are rebuilt here (header + commands). */
  private readonly receiveBuffer = new Uint8Array(ENET_PROTOCOL_MAXIMUM_MTU);
  /** Checksum seeds are written here to be fed to the CRC. */
  private readonly seedBytes = new Uint8Array(4);
  private readonly retransmitScratch: OutgoingCommand[] = [];
  /** Private copies of packets the application queues (never handed back to it). */
  private readonly packetCopies = new ByteSlab();

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
    this.duplicatePeers = options.duplicatePeers ?? ENET_PROTOCOL_MAXIMUM_PEER_ID;
    this.randomU32 = options.randomU32 ?? defaultRandomU32;
    this.peers = [];
    for (let i = 0; i < peerCount; i++) this.peers.push(new PeerCore(i, mtu));
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
    while (this.eventHead < this.eventTail) {
      const ev = this.events[this.eventHead]!;
      this.events[this.eventHead++] = undefined as unknown as QueuedEvent;
      if (this.eventHead === this.eventTail) {
        this.eventHead = this.eventTail = 0;
        if (this.events.length > 1024) this.events.length = 0;
      }
      const peer = ev.peer;
      if (ev.generation !== peer.generation) {
        this.drops.staleEvents++;
        continue;
      }
      if (ev.type === EventType.RECEIVE) {
        peer.totalWaitingData -= ev.packet!.length;
        if (peer.totalWaitingData < 0) peer.totalWaitingData = 0;
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
    if (this.transmitHead >= this.transmitTail) return null;
    const t = this.transmits[this.transmitHead]!;
    this.transmits[this.transmitHead++] = undefined as unknown as Transmit;
    if (this.transmitHead === this.transmitTail) {
      this.transmitHead = this.transmitTail = 0;
      if (this.transmits.length > 1024) this.transmits.length = 0;
    }
    return t;
  }

  /**
   * The caller has consumed (copied or sent) every datagram pollTransmit() returned, so
   * their bytes may be rewritten by the next service()/flush(). Without this call every
   * datagram stays valid for as long as it is referenced.
   */
  releaseTransmits(): void {
    if (this.transmitHead >= this.transmitTail) this.writer.recycle();
  }

  get pendingEventCount(): number {
    return this.eventTail - this.eventHead;
  }

  /** When service() must next run (same clock as `now`), or null when nothing is scheduled. */
  pollTimeout(): number | null {
    if (this.eventHead < this.eventTail) return this.now;
    let next = Infinity;
    let anyConnected = false;
    for (const peer of this.peers) {
      const state = peer.state;
      if (state === PeerState.STATE_DISCONNECTED || state === PeerState.STATE_ZOMBIE) continue;
      if (peer.acknowledgements.length > 0) return this.now;
      if (peer.hasQueuedUnblocked) return this.now;
      const inFlight = peer.firstSentReliable() !== undefined;
      // Retransmission / timeout check, or (with nothing in flight) the next ping.
      if (inFlight) next = Math.min(next, peer.nextTimeout);
      if (peer.isConnectedState) {
        anyConnected = true;
        if (!inFlight) next = Math.min(next, peer.lastReceiveTime + peer.pingInterval);
      }
    }
    if (anyConnected) next = Math.min(next, this.bandwidthThrottleEpoch + ENET_HOST_BANDWIDTH_THROTTLE_INTERVAL);
    if (next === Infinity) return null;
    return Math.max(next, this.serviceTime) - TIME_BIAS;
  }

  // ------------------------------------------------------------------ application calls

  /** enet_host_connect. Returns null when every peer slot is in use. */
  connect(address: string, port: number, channelCount: number, data: number): PeerCore | null {
    let count = channelCount;
    if (count < ENET_PROTOCOL_MINIMUM_CHANNEL_COUNT) count = ENET_PROTOCOL_MINIMUM_CHANNEL_COUNT;
    else if (count > ENET_PROTOCOL_MAXIMUM_CHANNEL_COUNT) count = ENET_PROTOCOL_MAXIMUM_CHANNEL_COUNT;
    const peer = this.peers.find((p) => p.state === PeerState.STATE_DISCONNECTED);
    if (peer === undefined) return null;
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
   * enet_peer_send. Returns null on success or a reason the packet cannot be queued.
   * The packet is referenced, not copied: callers must not modify it afterwards.
   */
  send(peer: PeerCore, channelID: number, packet: Uint8Array, flags: number): string | null {
    if (peer.state !== PeerState.STATE_CONNECTED) return "peer is not connected";
    if (channelID >= peer.channelCount) return `channel ${channelID} is not open (the peer has ${peer.channelCount})`;
    if (packet.length > this.maximumPacketSize) return `packet of ${packet.length} bytes exceeds the maximum packet size ${this.maximumPacketSize}`;
    const channel = peer.channels[channelID]!;
    let fragmentLength = peer.mtu - HEADER_SIZE_FOR_MTU - COMMAND_SIZES[ProtocolCommand.SEND_FRAGMENT]!;
    if (this.checksum) fragmentLength -= CHECKSUM_SIZE;
    if (packet.length > fragmentLength) {
      const fragmentCount = Math.ceil(packet.length / fragmentLength);
      if (fragmentCount > ENET_PROTOCOL_MAXIMUM_FRAGMENT_COUNT) return `packet needs ${fragmentCount} fragments, more than ${ENET_PROTOCOL_MAXIMUM_FRAGMENT_COUNT}`;
      let commandByte: number;
      let startSequenceNumber: number;
      if ((flags & (PacketFlags.RELIABLE | PacketFlags.UNRELIABLE_FRAGMENT)) === PacketFlags.UNRELIABLE_FRAGMENT && channel.outgoingUnreliableSequenceNumber < 0xffff) {
        commandByte = ProtocolCommand.SEND_UNRELIABLE_FRAGMENT;
        startSequenceNumber = (channel.outgoingUnreliableSequenceNumber + 1) & 0xffff;
      } else {
        commandByte = ProtocolCommand.SEND_FRAGMENT | ENET_PROTOCOL_COMMAND_FLAG_ACKNOWLEDGE;
        startSequenceNumber = (channel.outgoingReliableSequenceNumber + 1) & 0xffff;
      }
      for (let n = 0, offset = 0; offset < packet.length; n++, offset += fragmentLength) {
        const len = Math.min(fragmentLength, packet.length - offset);
        const cmd = new OutgoingCommand(commandByte, channelID, packet, offset, len);
        cmd.startSequenceNumber = startSequenceNumber;
        cmd.fragmentCount = fragmentCount;
        cmd.fragmentNumber = n;
        cmd.totalLength = packet.length;
        peer.setupOutgoingCommand(cmd);
      }
      return null;
    }
    let commandByte: number;
    if ((flags & (PacketFlags.RELIABLE | PacketFlags.UNSEQUENCED)) === PacketFlags.UNSEQUENCED) {
      commandByte = ProtocolCommand.SEND_UNSEQUENCED | ENET_PROTOCOL_COMMAND_FLAG_UNSEQUENCED;
    } else if (flags & PacketFlags.RELIABLE || channel.outgoingUnreliableSequenceNumber >= 0xffff) {
      commandByte = ProtocolCommand.SEND_RELIABLE | ENET_PROTOCOL_COMMAND_FLAG_ACKNOWLEDGE;
    } else {
      commandByte = ProtocolCommand.SEND_UNRELIABLE;
    }
    peer.setupOutgoingCommand(new OutgoingCommand(commandByte, channelID, packet, 0, packet.length));
    return null;
  }

  /** enet_peer_ping. */
  ping(peer: PeerCore): void {
    if (peer.state !== PeerState.STATE_CONNECTED) return;
    peer.queueControl(ProtocolCommand.PING | ENET_PROTOCOL_COMMAND_FLAG_ACKNOWLEDGE);
  }

  /** enet_peer_disconnect: graceful, acknowledged; a DISCONNECT event follows. */
  disconnect(peer: PeerCore, data: number): void {
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
  disconnectLater(peer: PeerCore, data: number): void {
    if (peer.isConnectedState && peer.hasOutgoingCommands()) {
      peer.state = PeerState.STATE_DISCONNECT_LATER;
      peer.eventData = data >>> 0;
    } else {
      this.disconnect(peer, data);
    }
  }

  /** enet_peer_disconnect_now: send one unacknowledged DISCONNECT and reset; no event. */
  disconnectNow(peer: PeerCore, data: number): void {
    if (peer.state === PeerState.STATE_DISCONNECTED) return;
    if (peer.state !== PeerState.STATE_ZOMBIE && peer.state !== PeerState.STATE_DISCONNECTING) {
      peer.resetQueues();
      peer.queueControl(ProtocolCommand.DISCONNECT | ENET_PROTOCOL_COMMAND_FLAG_UNSEQUENCED, data >>> 0);
      this.flush();
    }
    this.resetPeer(peer);
  }

  /** enet_peer_reset: forget the peer without telling it. */
  resetPeer(peer: PeerCore): void {
    if (peer.isConnectedState) this.recalculateBandwidthLimits = true;
    peer.resetFields(this.mtu);
  }

  throttleConfigure(peer: PeerCore, interval: number, acceleration: number, deceleration: number): void {
    peer.packetThrottleInterval = interval;
    peer.packetThrottleAcceleration = acceleration;
    peer.packetThrottleDeceleration = deceleration;
    if (peer.state === PeerState.STATE_DISCONNECTED || peer.state === PeerState.STATE_ZOMBIE) return;
    peer.queueControl(ProtocolCommand.THROTTLE_CONFIGURE | ENET_PROTOCOL_COMMAND_FLAG_ACKNOWLEDGE, interval, acceleration, deceleration);
  }

  setTimeout(peer: PeerCore, limit: number, minimum: number, maximum: number): void {
    peer.timeoutLimit = limit || ENET_PEER_TIMEOUT_LIMIT;
    peer.timeoutMinimum = minimum || ENET_PEER_TIMEOUT_MINIMUM;
    peer.timeoutMaximum = maximum || ENET_PEER_TIMEOUT_MAXIMUM;
  }

  setPingInterval(peer: PeerCore, interval: number): void {
    peer.pingInterval = interval || ENET_PEER_PING_INTERVAL;
  }

  bandwidthLimit(incoming: number, outgoing: number): void {
    this.incomingBandwidth = incoming;
    this.outgoingBandwidth = outgoing;
    this.recalculateBandwidthLimits = true;
  }

  queueBandwidthLimit(peer: PeerCore, incoming: number, outgoing: number): void {
    peer.queueControl(ProtocolCommand.BANDWIDTH_LIMIT | ENET_PROTOCOL_COMMAND_FLAG_ACKNOWLEDGE, incoming >>> 0, outgoing >>> 0);
  }

  /** Reset every peer without sending anything (enet_host_destroy). */
  destroy(): void {
    for (const peer of this.peers) if (peer.state !== PeerState.STATE_DISCONNECTED) this.resetPeer(peer);
    this.events.length = 0;
    this.eventHead = this.eventTail = 0;
    this.transmits.length = 0;
    this.transmitHead = this.transmitTail = 0;
  }

  // ------------------------------------------------------------------ service

  /** One enet_host_service pass without waiting: bandwidth throttle, timeouts, retransmissions, acks, pings. */
  service(now: number): void {
    this.advanceTime(now);
    if (this.serviceTime - this.bandwidthThrottleEpoch >= ENET_HOST_BANDWIDTH_THROTTLE_INTERVAL) bandwidthThrottle(this, this.serviceTime);
    this.sendOutgoingCommands(true);
  }

  /** enet_host_flush: send what is queued without checking timeouts. */
  flush(now?: number): void {
    if (now !== undefined) this.advanceTime(now);
    this.sendOutgoingCommands(false);
  }

  // ------------------------------------------------------------------ events

  private pushEvent(type: EventType, peer: PeerCore, data: number, channelID: number, packet: Uint8Array | null, flags: number, zombie: boolean): void {
    this.events[this.eventTail++] = { type, peer, data, channelID, packet, flags, generation: peer.generation, zombie };
  }

  deliver(peer: PeerCore, channelID: number, packet: Uint8Array, flags: number): void {
    this.pushEvent(EventType.RECEIVE, peer, 0, channelID, packet, flags, false);
  }

  countLimitDrop(): void {
    this.drops.limits++;
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

  private notifyDisconnect(peer: PeerCore): void {
    if (peer.state >= PeerState.STATE_CONNECTION_PENDING) this.recalculateBandwidthLimits = true;
    if (peer.state !== PeerState.STATE_CONNECTING && peer.state < PeerState.STATE_CONNECTION_SUCCEEDED) {
      this.resetPeer(peer);
    } else {
      peer.eventData = 0;
      this.dispatchZombie(peer);
    }
  }

  // ------------------------------------------------------------------ receiving

  /** Feed one received datagram. Never throws. */
  handleDatagram(now: number, data: Uint8Array, address: string, port: number): void {
    this.advanceTime(now);
    this.totalReceivedData += data.length;
    this.totalReceivedPackets++;
    try {
      this.handleIncomingCommands(data, address, port);
    } catch (err) {
      this.drops.internalErrors++;
      this.lastInternalError = err;
    }
  }

  private handleIncomingCommands(received: Uint8Array, address: string, port: number): void {
    if (received.length < 2) {
      this.drops.datagrams++;
      return;
    }
    const rawPeerID = (received[0]! << 8) | received[1]!;
    const sessionID = (rawPeerID & ENET_PROTOCOL_HEADER_SESSION_MASK) >> ENET_PROTOCOL_HEADER_SESSION_SHIFT;
    const hasSentTime = (rawPeerID & ENET_PROTOCOL_HEADER_FLAG_SENT_TIME) !== 0;
    const peerID = rawPeerID & ENET_PROTOCOL_MAXIMUM_PEER_ID;
    let headerSize = hasSentTime ? 4 : 2;
    if (this.checksum) headerSize += CHECKSUM_SIZE;
    if (received.length < headerSize) {
      this.drops.datagrams++;
      return;
    }
    let peer: PeerCore | null = null;
    if (peerID !== ENET_PROTOCOL_MAXIMUM_PEER_ID) {
      if (peerID >= this.peers.length) {
        this.drops.datagrams++;
        return;
      }
      peer = this.peers[peerID]!;
      if (
        peer.state === PeerState.STATE_DISCONNECTED ||
        peer.state === PeerState.STATE_ZOMBIE ||
        address !== peer.address ||
        port !== peer.port ||
        (peer.outgoingPeerID < ENET_PROTOCOL_MAXIMUM_PEER_ID && sessionID !== peer.incomingSessionID)
      ) {
        this.drops.datagrams++;
        return;
      }
    }

    let data = received;
    let length = received.length;
    if (rawPeerID & ENET_PROTOCOL_HEADER_FLAG_COMPRESSED) {
      const decompressed = this.compressor?.decompress(received.subarray(headerSize), ENET_PROTOCOL_MAXIMUM_MTU - headerSize) ?? null;
      if (decompressed === null || decompressed.length === 0 || decompressed.length > ENET_PROTOCOL_MAXIMUM_MTU - headerSize) {
        this.drops.datagrams++;
        return;
      }
      data = this.receiveBuffer;
      data.set(received.subarray(0, headerSize), 0);
      data.set(decompressed, headerSize);
      length = headerSize + decompressed.length;
    }

    if (this.checksum) {
      const at = headerSize - CHECKSUM_SIZE;
      const desired = u32(data, at);
      const seed = peer !== null ? peer.connectID : 0;
      put32(this.seedBytes, 0, seed);
      let crc = crc32Update(CRC32_INITIAL, data, 0, at);
      crc = crc32Update(crc, this.seedBytes, 0, 4);
      crc = crc32Update(crc, data, headerSize, length);
      if (crc32Final(crc) !== desired) {
        this.drops.datagrams++;
        return;
      }
    }

    if (peer !== null) peer.incomingDataTotal += length;
    const sentTime = hasSentTime ? (data[2]! << 8) | data[3]! : -1;

    let pos = headerSize;
    while (pos < length) {
      if (pos + 4 > length) {
        this.drops.commands++;
        break;
      }
      const commandByte = data[pos]!;
      const commandNumber = commandByte & ENET_PROTOCOL_COMMAND_MASK;
      if (commandNumber >= ENET_PROTOCOL_COMMAND_COUNT) {
        this.drops.commands++;
        break;
      }
      const size = COMMAND_SIZES[commandNumber]!;
      if (size === 0 || pos + size > length) {
        this.drops.commands++;
        break;
      }
      const at = pos;
      pos += size;
      if (peer === null && commandNumber !== ProtocolCommand.CONNECT) {
        this.drops.commands++;
        break;
      }
      const channelID = data[at + 1]!;
      const reliableSequenceNumber = u16(data, at + 2);
      let result = HANDLER_OK;
      switch (commandNumber as ProtocolCommand) {
        case ProtocolCommand.ACKNOWLEDGE:
          result = this.handleAcknowledge(peer!, channelID, u16(data, at + 4), u16(data, at + 6));
          break;
        case ProtocolCommand.CONNECT:
          if (peer !== null) {
            result = HANDLER_ERROR;
            break;
          }
          peer = acceptConnect(this, data, at, address, port);
          if (peer === null) result = HANDLER_ERROR;
          break;
        case ProtocolCommand.VERIFY_CONNECT:
          result = handleVerifyConnect(this, peer!, data, at);
          break;
        case ProtocolCommand.DISCONNECT:
          result = this.handleDisconnect(peer!, commandByte, u32(data, at + 4));
          break;
        case ProtocolCommand.PING:
          if (!peer!.isConnectedState) result = HANDLER_ERROR;
          break;
        case ProtocolCommand.SEND_RELIABLE: {
          const len = u16(data, at + 4);
          if (channelID >= peer!.channelCount || !peer!.isConnectedState || len > this.maximumPacketSize || pos + len > length) {
            result = HANDLER_ERROR;
            break;
          }
          result = handleSendReliable(this, peer!, channelID, reliableSequenceNumber, data, pos, len);
          pos += len;
          break;
        }
        case ProtocolCommand.SEND_UNRELIABLE: {
          const len = u16(data, at + 6);
          if (channelID >= peer!.channelCount || !peer!.isConnectedState || len > this.maximumPacketSize || pos + len > length) {
            result = HANDLER_ERROR;
            break;
          }
          result = handleSendUnreliable(this, peer!, channelID, reliableSequenceNumber, u16(data, at + 4), data, pos, len);
          pos += len;
          break;
        }
        case ProtocolCommand.SEND_UNSEQUENCED: {
          const len = u16(data, at + 6);
          if (channelID >= peer!.channelCount || !peer!.isConnectedState || len > this.maximumPacketSize || pos + len > length) {
            result = HANDLER_ERROR;
            break;
          }
          result = handleSendUnsequenced(this, peer!, channelID, u16(data, at + 4), data, pos, len);
          pos += len;
          break;
        }
        case ProtocolCommand.SEND_FRAGMENT:
        case ProtocolCommand.SEND_UNRELIABLE_FRAGMENT: {
          const len = u16(data, at + 6);
          if (channelID >= peer!.channelCount || !peer!.isConnectedState || len > this.maximumPacketSize || pos + len > length) {
            result = HANDLER_ERROR;
            break;
          }
          const start = u16(data, at + 4);
          const count = u32(data, at + 8);
          const number = u32(data, at + 12);
          const total = u32(data, at + 16);
          const offset = u32(data, at + 20);
          result =
            commandNumber === ProtocolCommand.SEND_FRAGMENT
              ? handleSendFragment(this, peer!, channelID, start, count, number, total, offset, data, pos, len)
              : handleSendUnreliableFragment(this, peer!, channelID, reliableSequenceNumber, start, count, number, total, offset, data, pos, len);
          pos += len;
          break;
        }
        case ProtocolCommand.BANDWIDTH_LIMIT:
          result = this.handleBandwidthLimit(peer!, u32(data, at + 4), u32(data, at + 8));
          break;
        case ProtocolCommand.THROTTLE_CONFIGURE:
          result = this.handleThrottleConfigure(peer!, u32(data, at + 4), u32(data, at + 8), u32(data, at + 12));
          break;
        default:
          result = HANDLER_ERROR;
      }
      if (result !== HANDLER_OK) {
        this.drops.commands++;
        break;
      }
      if (peer !== null && (commandByte & ENET_PROTOCOL_COMMAND_FLAG_ACKNOWLEDGE) !== 0) {
        if (sentTime < 0) break;
        switch (peer.state) {
          case PeerState.STATE_DISCONNECTING:
          case PeerState.STATE_ACKNOWLEDGING_CONNECT:
          case PeerState.STATE_DISCONNECTED:
          case PeerState.STATE_ZOMBIE:
            break;
          case PeerState.STATE_ACKNOWLEDGING_DISCONNECT:
            if (commandNumber === ProtocolCommand.DISCONNECT) this.queueAcknowledgement(peer, channelID, reliableSequenceNumber, commandNumber, sentTime);
            break;
          default:
            this.queueAcknowledgement(peer, channelID, reliableSequenceNumber, commandNumber, sentTime);
        }
      }
    }
  }

  private queueAcknowledgement(peer: PeerCore, channelID: number, seq: number, commandNumber: number, sentTime: number): void {
    if (channelID < peer.channelCount) {
      const channel = peer.channels[channelID]!;
      let reliableWindow = (seq / ENET_PEER_RELIABLE_WINDOW_SIZE) | 0;
      const currentWindow = (channel.incomingReliableSequenceNumber / ENET_PEER_RELIABLE_WINDOW_SIZE) | 0;
      if (seq < channel.incomingReliableSequenceNumber) reliableWindow += ENET_PEER_RELIABLE_WINDOWS;
      if (reliableWindow >= currentWindow + ENET_PEER_FREE_RELIABLE_WINDOWS - 1 && reliableWindow <= currentWindow + ENET_PEER_FREE_RELIABLE_WINDOWS) return;
    }
    if (peer.acknowledgements.length >= MAX_PENDING_ACKNOWLEDGEMENTS * ACK_STRIDE) {
      this.drops.limits++;
      return;
    }
    peer.outgoingDataTotal += COMMAND_SIZES[ProtocolCommand.ACKNOWLEDGE]!;
    peer.acknowledgements.push(channelID, seq, commandNumber, sentTime);
  }

  private handleAcknowledge(peer: PeerCore, channelID: number, receivedReliableSequenceNumber: number, receivedSentTime16: number): number {
    if (peer.state === PeerState.STATE_DISCONNECTED || peer.state === PeerState.STATE_ZOMBIE) return HANDLER_OK;
    const now = this.serviceTime;
    let receivedSentTime = now - (now % 0x10000) + receivedSentTime16;
    if ((receivedSentTime16 & 0x8000) > (now & 0x8000)) receivedSentTime -= 0x10000;
    if (now < receivedSentTime) return HANDLER_OK;
    updateRoundTripTime(peer, now, now - receivedSentTime);
    const commandNumber = peer.removeSentReliableCommand(receivedReliableSequenceNumber, channelID);
    switch (peer.state) {
      case PeerState.STATE_ACKNOWLEDGING_CONNECT:
        if (commandNumber !== ProtocolCommand.VERIFY_CONNECT) return HANDLER_ERROR;
        this.notifyConnect(peer);
        break;
      case PeerState.STATE_DISCONNECTING:
        if (commandNumber !== ProtocolCommand.DISCONNECT) return HANDLER_ERROR;
        this.notifyDisconnect(peer);
        break;
      case PeerState.STATE_DISCONNECT_LATER:
        if (!peer.hasOutgoingCommands()) this.disconnect(peer, peer.eventData);
        break;
      default:
        break;
    }
    return HANDLER_OK;
  }

  private handleDisconnect(peer: PeerCore, commandByte: number, data: number): number {
    const s = peer.state;
    if (s === PeerState.STATE_DISCONNECTED || s === PeerState.STATE_ZOMBIE || s === PeerState.STATE_ACKNOWLEDGING_DISCONNECT) return HANDLER_OK;
    peer.resetQueues();
    if (s === PeerState.STATE_CONNECTION_SUCCEEDED || s === PeerState.STATE_DISCONNECTING || s === PeerState.STATE_CONNECTING) {
      this.dispatchZombie(peer);
    } else if (!peer.isConnectedState) {
      if (s === PeerState.STATE_CONNECTION_PENDING) this.recalculateBandwidthLimits = true;
      this.resetPeer(peer);
    } else if (commandByte & ENET_PROTOCOL_COMMAND_FLAG_ACKNOWLEDGE) {
      peer.state = PeerState.STATE_ACKNOWLEDGING_DISCONNECT;
    } else {
      this.dispatchZombie(peer);
    }
    if (peer.state !== PeerState.STATE_DISCONNECTED) peer.eventData = data;
    return HANDLER_OK;
  }

  private handleBandwidthLimit(peer: PeerCore, incoming: number, outgoing: number): number {
    if (!peer.isConnectedState) return HANDLER_ERROR;
    peer.incomingBandwidth = incoming;
    peer.outgoingBandwidth = outgoing;
    peer.windowSize = windowSizeFromBandwidth(this.outgoingBandwidth, peer.incomingBandwidth);
    return HANDLER_OK;
  }

  private handleThrottleConfigure(peer: PeerCore, interval: number, acceleration: number, deceleration: number): number {
    if (!peer.isConnectedState) return HANDLER_ERROR;
    peer.packetThrottleInterval = interval;
    peer.packetThrottleAcceleration = acceleration;
    peer.packetThrottleDeceleration = deceleration;
    return HANDLER_OK;
  }

  // ------------------------------------------------------------------ sending

  private sendOutgoingCommands(checkForTimeouts: boolean): void {
    for (const peer of this.peers) {
      let passes = 0;
      do {
        if (peer.state === PeerState.STATE_DISCONNECTED || peer.state === PeerState.STATE_ZOMBIE) break;
        peer.continueSending = false;
        this.writer.begin();

        if (peer.acknowledgements.length > 0) this.sendAcknowledgements(peer);
        if (
          checkForTimeouts &&
          peer.sentReliableCount > 0 &&
          this.serviceTime >= peer.nextTimeout &&
          checkTimeouts(peer, this.serviceTime, this.retransmitScratch)
        ) {
          this.notifyDisconnect(peer);
          break;
        }
        let canPing = true;
        if (peer.outgoingHead < peer.outgoingCommands.length || peer.outgoingReliableHead < peer.outgoingReliable.length) canPing = this.checkOutgoingCommands(peer);
        if (
          canPing &&
          peer.firstSentReliable() === undefined &&
          Math.abs(this.serviceTime - peer.lastReceiveTime) >= peer.pingInterval &&
          peer.mtu - this.writer.packetSize >= COMMAND_SIZES[ProtocolCommand.PING]!
        ) {
          this.ping(peer);
          this.checkOutgoingCommands(peer);
        }
        if (this.writer.commandCount === 0) break;

        if (peer.packetLossEpoch === 0) {
          peer.packetLossEpoch = this.serviceTime;
        } else if (this.serviceTime - peer.packetLossEpoch >= ENET_PEER_PACKET_LOSS_INTERVAL && peer.packetsSent > 0) {
          const packetLoss = Math.floor((peer.packetsLost * ENET_PEER_PACKET_LOSS_SCALE) / peer.packetsSent);
          peer.packetLossVariance = Math.floor((peer.packetLossVariance * 3 + Math.abs(packetLoss - peer.packetLoss)) / 4);
          peer.packetLoss = Math.floor((peer.packetLoss * 7 + packetLoss) / 8);
          peer.packetLossEpoch = this.serviceTime;
          peer.packetsSent = 0;
          peer.packetsLost = 0;
        }
        const datagram = this.writer.finish(peer, this.serviceTime, this.compressor, this.checksum);
        this.totalSentData += datagram.length;
        this.totalSentPackets++;
        this.transmits[this.transmitTail++] = { data: datagram, address: peer.address, port: peer.port };
        peer.lastSendTime = this.serviceTime;
        // A datagram always carries at least one command, so this terminates; the cap is a guard against bugs.
      } while (peer.continueSending && ++passes < 1_000_000);
    }
  }

  private sendAcknowledgements(peer: PeerCore): void {
    const acks = peer.acknowledgements;
    const writer = this.writer;
    // As many as fit the MTU and the command limit (each acknowledgement takes the same room).
    const fit = writer.acknowledgementsThatFit(peer.mtu);
    const end = Math.min(acks.length, fit * ACK_STRIDE);
    let i = 0;
    for (; i < end; i += ACK_STRIDE) {
      writer.writeAcknowledgement(acks[i]!, acks[i + 1]!, acks[i + 3]!);
      if (acks[i + 2] === ProtocolCommand.DISCONNECT) this.dispatchZombie(peer);
    }
    if (i < acks.length) peer.continueSending = true;
    if (i >= acks.length) acks.length = 0;
    else acks.splice(0, i);
  }

  /** enet_protocol_check_outgoing_commands plus its DISCONNECT_LATER follow-up. Returns "can ping". */
  private checkOutgoingCommands(peer: PeerCore): boolean {
    const canPing = fillDatagram(peer, this.writer, this.serviceTime);
    if (peer.state === PeerState.STATE_DISCONNECT_LATER && !peer.hasOutgoingCommands()) this.disconnect(peer, peer.eventData);
    return canPing;
  }
}
