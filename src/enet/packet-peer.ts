/**
 * ENetPacketPeer: Godot's handle on one remote peer of an ENetConnection. A handle
 * belongs to one connection of a peer slot; once that connection ends it is inactive
 * and a later connection on the same slot gets a new handle (as in Godot).
 */
import { GodotError, NetError } from "../errors.ts";
import { VariantPacketPeer } from "../core/packet-peer.ts";
import { Fifo } from "../util/fifo.ts";
import { ENET_PEER_PACKET_LOSS_SCALE, ENET_PEER_PACKET_THROTTLE_SCALE } from "./constants.ts";
import { PacketFlags, PeerState, PeerStatistic } from "./enums.ts";
import { SendResult, type HostCore } from "./host-core.ts";
import type { PeerView } from "./peer-core.ts";
import { checkBytes, checkInt, U32_MAX } from "../util/args.ts";
import { godotIpText } from "../transport/memory-address.ts";

/** What the connection exposes to its peer handles. */
export interface PeerOwner {
  readonly core: HostCore;
  /** Send datagrams the core queued outside service() (disconnect_now). */
  drainTransmits(): void;
  /** Something was queued: let a pending service() send it now instead of at its next deadline. */
  wake(): void;
}

const EMPTY = new Uint8Array(0);

/** Godot's ENetPacketPeer::FLAG_ALLOWED: the delivery flags send() and broadcast() take. */
const FLAG_ALLOWED = PacketFlags.RELIABLE | PacketFlags.UNSEQUENCED | PacketFlags.UNRELIABLE_FRAGMENT;

/**
 * @internal A combination of FLAG_RELIABLE, FLAG_UNSEQUENCED and FLAG_UNRELIABLE_FRAGMENT. Godot
 * refuses any other bit (ENet's NO_ALLOCATE, SENT, ...) with ERR_INVALID_PARAMETER and sends nothing;
 * a wrong argument throws here (the return/throw rule).
 */
export function checkPacketFlags(flags: unknown): asserts flags is number {
  checkInt(flags, "flags", 0, 0xffffffff);
  if ((flags & ~FLAG_ALLOWED) !== 0) {
    throw new RangeError(`flags must combine FLAG_RELIABLE (1), FLAG_UNSEQUENCED (2) and FLAG_UNRELIABLE_FRAGMENT (8), got ${flags}`);
  }
}

/** Received packets kept on a handle for getPacket(): at most this many bytes (oldest dropped first, counted). */
export const PEER_PACKET_QUEUE_LIMIT_BYTES = 32 * 1024 * 1024;
/** ...and at most this many packets, so a flood of empty packets cannot grow it either. */
export const PEER_PACKET_QUEUE_LIMIT_PACKETS = 65536;

export class ENetPacketPeer extends VariantPacketPeer {
  // Godot's class constants, so `ENetPacketPeer.FLAG_RELIABLE` ports as written.
  static readonly PACKET_LOSS_SCALE = ENET_PEER_PACKET_LOSS_SCALE;
  static readonly PACKET_THROTTLE_SCALE = ENET_PEER_PACKET_THROTTLE_SCALE;
  static readonly FLAG_RELIABLE = PacketFlags.FLAG_RELIABLE;
  static readonly FLAG_UNSEQUENCED = PacketFlags.FLAG_UNSEQUENCED;
  static readonly FLAG_UNRELIABLE_FRAGMENT = PacketFlags.FLAG_UNRELIABLE_FRAGMENT;
  static readonly STATE_DISCONNECTED = PeerState.STATE_DISCONNECTED;
  static readonly STATE_CONNECTING = PeerState.STATE_CONNECTING;
  static readonly STATE_ACKNOWLEDGING_CONNECT = PeerState.STATE_ACKNOWLEDGING_CONNECT;
  static readonly STATE_CONNECTION_PENDING = PeerState.STATE_CONNECTION_PENDING;
  static readonly STATE_CONNECTION_SUCCEEDED = PeerState.STATE_CONNECTION_SUCCEEDED;
  static readonly STATE_CONNECTED = PeerState.STATE_CONNECTED;
  static readonly STATE_DISCONNECT_LATER = PeerState.STATE_DISCONNECT_LATER;
  static readonly STATE_DISCONNECTING = PeerState.STATE_DISCONNECTING;
  static readonly STATE_ACKNOWLEDGING_DISCONNECT = PeerState.STATE_ACKNOWLEDGING_DISCONNECT;
  static readonly STATE_ZOMBIE = PeerState.STATE_ZOMBIE;
  static readonly PEER_PACKET_LOSS = PeerStatistic.PEER_PACKET_LOSS;
  static readonly PEER_PACKET_LOSS_VARIANCE = PeerStatistic.PEER_PACKET_LOSS_VARIANCE;
  static readonly PEER_PACKET_LOSS_EPOCH = PeerStatistic.PEER_PACKET_LOSS_EPOCH;
  static readonly PEER_ROUND_TRIP_TIME = PeerStatistic.PEER_ROUND_TRIP_TIME;
  static readonly PEER_ROUND_TRIP_TIME_VARIANCE = PeerStatistic.PEER_ROUND_TRIP_TIME_VARIANCE;
  static readonly PEER_LAST_ROUND_TRIP_TIME = PeerStatistic.PEER_LAST_ROUND_TRIP_TIME;
  static readonly PEER_LAST_ROUND_TRIP_TIME_VARIANCE = PeerStatistic.PEER_LAST_ROUND_TRIP_TIME_VARIANCE;
  static readonly PEER_PACKET_THROTTLE = PeerStatistic.PEER_PACKET_THROTTLE;
  static readonly PEER_PACKET_THROTTLE_LIMIT = PeerStatistic.PEER_PACKET_THROTTLE_LIMIT;
  static readonly PEER_PACKET_THROTTLE_COUNTER = PeerStatistic.PEER_PACKET_THROTTLE_COUNTER;
  static readonly PEER_PACKET_THROTTLE_EPOCH = PeerStatistic.PEER_PACKET_THROTTLE_EPOCH;
  static readonly PEER_PACKET_THROTTLE_ACCELERATION = PeerStatistic.PEER_PACKET_THROTTLE_ACCELERATION;
  static readonly PEER_PACKET_THROTTLE_DECELERATION = PeerStatistic.PEER_PACKET_THROTTLE_DECELERATION;
  static readonly PEER_PACKET_THROTTLE_INTERVAL = PeerStatistic.PEER_PACKET_THROTTLE_INTERVAL;

  /** @internal */
  readonly owner: PeerOwner;
  /** @internal */
  readonly slot: PeerView;
  /** @internal */
  readonly generation: number;
  private readonly remoteAddress: string;
  private readonly remotePort: number;
  /** Received packets for getPacket(); created with the first one, so an idle peer costs nothing here. */
  private received: ReceivedPackets | null = null;
  /** What the last getPacket() reported (Godot's get_packet_error). */
  private lastGetError = GodotError.OK;
  /** Packets dropped from this handle's getPacket() queue because it exceeded its byte limit. */
  droppedQueuedPackets = 0;

  /** @internal Created by ENetConnection. */
  constructor(owner: PeerOwner, slot: PeerView, generation: number) {
    super();
    this.owner = owner;
    this.slot = slot;
    this.generation = generation;
    // Godot hands out an IPAddress, whose text spells IPv6 as eight groups (::1 is 0:0:0:0:0:0:0:1),
    // as our PacketPeerUDP, StreamPeerTCP and IP do; the slot keeps the runtime's text for matching datagrams.
    this.remoteAddress = godotIpText(slot.address) ?? slot.address;
    this.remotePort = slot.port;
  }

  private get live(): boolean {
    return this.slot.generation === this.generation;
  }

  private requireActive(what: string): PeerView {
    if (!this.live || this.slot.state === PeerState.STATE_DISCONNECTED) {
      throw new NetError(GodotError.ERR_UNCONFIGURED, `${what}: the peer is not active (disconnected or reset)`);
    }
    return this.slot;
  }

  /** @internal Queue a received packet for getPacket(). */
  queuePacket(data: Uint8Array, flags: number, channel: number): void {
    const received = (this.received ??= new ReceivedPackets());
    received.push(data, flags, channel);
    while ((received.bytes > PEER_PACKET_QUEUE_LIMIT_BYTES || received.data.length > PEER_PACKET_QUEUE_LIMIT_PACKETS) && received.data.length > 1) {
      received.shift();
      this.droppedQueuedPackets++;
    }
  }

  /**
   * Queue a packet to the peer on `channel` with PacketFlags (copied, so the caller may reuse
   * `packet`). Returns OK, or Godot's code: ERR_UNCONFIGURED (peer not active), FAILED (not
   * connected yet or any more, also once the host has read its disconnect), ERR_OUT_OF_MEMORY
   * (larger than the host's maximum packet size, or the peer already has the host's
   * `maxOutgoingData` queued or unacknowledged: see getOutboundBufferedBytes()). A channel beyond
   * the peer's count throws RangeError (a programmer error; see getChannels()).
   */
  send(channel: number, packet: Uint8Array, flags: number): GodotError {
    checkInt(channel, "channel", 0, 254);
    checkBytes(packet, "packet");
    checkPacketFlags(flags);
    if (!this.isActive()) return GodotError.ERR_UNCONFIGURED;
    const slot = this.slot;
    // No channels left means the host has read the peer's disconnect and the event is not polled
    // yet: not the caller's mistake; the core refuses the send (Godot: enet_peer_send fails, FAILED).
    if (channel >= slot.channelCount && slot.channelCount > 0) {
      throw new RangeError(`channel must be in 0..${slot.channelCount - 1} (the peer's channel count), got ${channel}`);
    }
    const core = this.owner.core;
    const result = core.sendCopy(slot, channel, packet, flags);
    if (result !== SendResult.OK) return sendResultError(result);
    this.owner.wake();
    return GodotError.OK;
  }

  /** PacketPeer.put_packet: reliable, channel 0. */
  putPacket(packet: Uint8Array): GodotError {
    return this.send(0, packet, PacketFlags.RELIABLE);
  }

  /**
   * Pop the oldest received packet. With none queued it returns an empty array and
   * getPacketError() reports ERR_UNAVAILABLE (Godot's PacketPeer.get_packet).
   */
  getPacket(): Uint8Array {
    const received = this.received;
    if (received === null || received.data.isEmpty()) {
      this.lastGetError = GodotError.ERR_UNAVAILABLE;
      return EMPTY;
    }
    this.lastGetError = GodotError.OK;
    return received.shift();
  }

  /** The error of the last getPacket(): OK, or ERR_UNAVAILABLE when nothing was queued. */
  getPacketError(): GodotError {
    return this.lastGetError;
  }

  getAvailablePacketCount(): number {
    return this.received?.data.length ?? 0;
  }



  /** PacketFlags of the packet getPacket() returns next. Throws NetError(ERR_UNAVAILABLE) when none is queued. */
  getPacketFlags(): number {
    const flags = this.received?.peekFlags();
    if (flags === undefined) throw new NetError(GodotError.ERR_UNAVAILABLE, "getPacketFlags: no packet available");
    return flags;
  }

  /** Channel of the packet getPacket() returns next (not in Godot's API; -1 when none). */
  getPacketChannel(): number {
    return this.received?.peekChannel() ?? -1;
  }

  /** Graceful disconnect; a DISCONNECT event follows. No-op on an inactive peer. */
  peerDisconnect(data = 0): void {
    checkInt(data, "data", 0, U32_MAX);
    if (!this.live) return;
    this.owner.core.disconnect(this.slot, data);
    this.owner.drainTransmits();
    this.owner.wake();
  }

  /** Disconnect after all queued outgoing packets are acknowledged. No-op on an inactive peer. */
  peerDisconnectLater(data = 0): void {
    checkInt(data, "data", 0, U32_MAX);
    if (!this.live) return;
    this.owner.core.disconnectLater(this.slot, data);
    this.owner.wake();
  }

  /** Send one unacknowledged DISCONNECT and forget the peer at once; no DISCONNECT event. No-op on an inactive peer. */
  peerDisconnectNow(data = 0): void {
    checkInt(data, "data", 0, U32_MAX);
    if (!this.live) return;
    this.owner.core.disconnectNow(this.slot, data);
    this.owner.drainTransmits();
  }

  /** Queue a ping (they are also sent automatically every pingInterval ms). */
  ping(): void {
    this.owner.core.ping(this.requireActive("ping"));
    this.owner.wake();
  }

  /** Interval between automatic pings in ms; 0 restores ENet's default (500). */
  pingInterval(pingInterval: number): void {
    checkInt(pingInterval, "pingInterval", 0, U32_MAX);
    this.owner.core.setPingInterval(this.requireActive("pingInterval"), pingInterval);
    this.owner.wake();
  }

  /** Forget the peer without telling it (it will time out). No-op on an inactive peer. */
  reset(): void {
    if (!this.live) return;
    this.owner.core.resetPeer(this.slot);
  }

  /** ENet's timeout parameters (0 = ENet default): limit 32, minimum 5000 ms, maximum 30000 ms. */
  setTimeout(timeout: number, timeoutMin: number, timeoutMax: number): void {
    checkInt(timeout, "timeout", 0, U32_MAX);
    checkInt(timeoutMin, "timeoutMin", 0, U32_MAX);
    checkInt(timeoutMax, "timeoutMax", 0, U32_MAX);
    if (timeout > timeoutMin || timeoutMin > timeoutMax) {
      throw new RangeError(`timeout (${timeout}) must be <= timeoutMin (${timeoutMin}), which must be <= timeoutMax (${timeoutMax})`);
    }
    this.owner.core.setTimeout(this.requireActive("setTimeout"), timeout, timeoutMin, timeoutMax);
  }

  /** Packet throttle parameters; also sent to the peer (THROTTLE_CONFIGURE). */
  throttleConfigure(interval: number, acceleration: number, deceleration: number): void {
    checkInt(interval, "interval", 0, U32_MAX);
    checkInt(acceleration, "acceleration", 0, U32_MAX);
    checkInt(deceleration, "deceleration", 0, U32_MAX);
    this.owner.core.throttleConfigure(this.requireActive("throttleConfigure"), interval, acceleration, deceleration);
    this.owner.wake();
  }

  /** One of ENet's peer statistics, raw (see PeerStatistic); 0 once the peer is inactive, as Godot (its slot is reset or serves another connection). */
  getStatistic(statistic: PeerStatistic): number {
    checkInt(statistic, "statistic", 0, 13);
    if (!this.isActive()) return 0;
    const p = this.slot;
    switch (statistic) {
      case PeerStatistic.PEER_PACKET_LOSS:
        return p.packetLoss;
      case PeerStatistic.PEER_PACKET_LOSS_VARIANCE:
        return p.packetLossVariance;
      case PeerStatistic.PEER_PACKET_LOSS_EPOCH:
        return p.packetLossEpoch;
      case PeerStatistic.PEER_ROUND_TRIP_TIME:
        return p.roundTripTime;
      case PeerStatistic.PEER_ROUND_TRIP_TIME_VARIANCE:
        return p.roundTripTimeVariance;
      case PeerStatistic.PEER_LAST_ROUND_TRIP_TIME:
        return p.lastRoundTripTime;
      case PeerStatistic.PEER_LAST_ROUND_TRIP_TIME_VARIANCE:
        return p.lastRoundTripTimeVariance;
      case PeerStatistic.PEER_PACKET_THROTTLE:
        return p.packetThrottle;
      case PeerStatistic.PEER_PACKET_THROTTLE_LIMIT:
        return p.packetThrottleLimit;
      case PeerStatistic.PEER_PACKET_THROTTLE_COUNTER:
        return p.packetThrottleCounter;
      case PeerStatistic.PEER_PACKET_THROTTLE_EPOCH:
        return p.packetThrottleEpoch;
      case PeerStatistic.PEER_PACKET_THROTTLE_ACCELERATION:
        return p.packetThrottleAcceleration;
      case PeerStatistic.PEER_PACKET_THROTTLE_DECELERATION:
        return p.packetThrottleDeceleration;
      case PeerStatistic.PEER_PACKET_THROTTLE_INTERVAL:
        return p.packetThrottleInterval;
    }
    return 0;
  }

  /**
   * Ours, not Godot's: bytes of packets sent to this peer that it has not acknowledged yet
   * (reliable) or that have not left yet (unreliable). It grows while the remote acknowledges
   * more slowly than packets are sent; `send` refuses more past the host's `maxOutgoingData`.
   * A server can drop peers that fall this far behind. 0 once the peer is inactive.
   */
  getOutboundBufferedBytes(): number {
    return this.isActive() ? this.slot.queuedOutgoingData : 0;
  }

  getState(): PeerState {
    return this.live ? this.slot.state : PeerState.STATE_DISCONNECTED;
  }

  getChannels(): number {
    return this.live ? this.slot.channelCount : 0;
  }

  getRemoteAddress(): string {
    return this.remoteAddress;
  }

  getRemotePort(): number {
    return this.remotePort;
  }

  isActive(): boolean {
    return this.live && this.slot.state !== PeerState.STATE_DISCONNECTED;
  }
}

/** The Godot error ENetPacketPeer.send reports for each core send failure. */
export function sendResultError(result: SendResult): GodotError {
  switch (result) {
    case SendResult.OK:
      return GodotError.OK;
    case SendResult.NOT_CONNECTED:
      return GodotError.FAILED; // Godot: enet_peer_send < 0 on a peer that is not connected
    case SendResult.CHANNEL_NOT_OPEN:
      return GodotError.ERR_INVALID_PARAMETER; // Godot: p_channel >= channelCount
    case SendResult.PACKET_TOO_LARGE:
    case SendResult.TOO_MANY_FRAGMENTS:
    case SendResult.OUTGOING_LIMIT: // as WebSocketPeer.send past its outbound buffer
      return GodotError.ERR_OUT_OF_MEMORY;
  }
}

/** A handle's received packets, each with its flags and channel packed in one number (no record per packet). */
class ReceivedPackets {
  readonly data = new Fifo<Uint8Array>(4);
  /** Each packet's PacketFlags (low byte) and channel (channel << 8), one number per packet. */
  private readonly meta = new Fifo<number>(4);
  bytes = 0;

  push(data: Uint8Array, flags: number, channel: number): void {
    this.data.push(data);
    this.meta.push((flags & 0xff) | (channel << 8));
    this.bytes += data.length;
  }

  shift(): Uint8Array {
    const data = this.data.shift() ?? EMPTY;
    this.meta.shift();
    this.bytes -= data.length;
    return data;
  }

  /** PacketFlags of the oldest packet; undefined when none is queued. */
  peekFlags(): number | undefined {
    const meta = this.meta.peek();
    return meta === undefined ? undefined : meta & 0xff;
  }

  /** Channel of the oldest packet; undefined when none is queued. */
  peekChannel(): number | undefined {
    const meta = this.meta.peek();
    return meta === undefined ? undefined : meta >>> 8;
  }
}
