/**
 * ENetPacketPeer: Godot's handle on one remote peer of an ENetConnection. A handle
 * belongs to one connection of a peer slot; once that connection ends it is inactive
 * and a later connection on the same slot gets a new handle (as in Godot).
 */
import { GodotError, NetError } from "../errors.ts";
import { PacketPeerVariants } from "../core/packet-peer.ts";
import type { Variant, VariantOptions } from "../variant/index.ts";
import { ENET_PEER_PACKET_LOSS_SCALE, ENET_PEER_PACKET_THROTTLE_SCALE } from "./constants.ts";
import { PacketFlags, PeerState, PeerStatistic } from "./enums.ts";
import { SendResult, type HostCore } from "./host-core.ts";
import type { PeerView } from "./peer-core.ts";
import { checkBytes, checkInt, U32_MAX } from "../util/args.ts";

/** What the connection exposes to its peer handles. */
export interface PeerOwner {
  readonly core: HostCore;
  /** Send datagrams the core queued outside service() (disconnect_now). */
  drainTransmits(): void;
  /** Something was queued: let a pending service() send it now instead of at its next deadline. */
  wake(): void;
}

const EMPTY = new Uint8Array(0);

/** Received packets kept on a handle for getPacket(): at most this many bytes (oldest dropped first, counted). */
export const PEER_PACKET_QUEUE_LIMIT_BYTES = 32 * 1024 * 1024;
/** ...and at most this many packets, so a flood of empty packets cannot grow it either. */
export const PEER_PACKET_QUEUE_LIMIT_PACKETS = 65536;

export class ENetPacketPeer {
  static readonly PACKET_LOSS_SCALE = ENET_PEER_PACKET_LOSS_SCALE;
  static readonly PACKET_THROTTLE_SCALE = ENET_PEER_PACKET_THROTTLE_SCALE;
  static readonly FLAG_RELIABLE = PacketFlags.RELIABLE;
  static readonly FLAG_UNSEQUENCED = PacketFlags.UNSEQUENCED;
  static readonly FLAG_UNRELIABLE_FRAGMENT = PacketFlags.UNRELIABLE_FRAGMENT;

  /** @internal */
  readonly owner: PeerOwner;
  /** @internal */
  readonly slot: PeerView;
  /** @internal */
  readonly generation: number;
  private readonly remoteAddress: string;
  private readonly remotePort: number;
  /** Received packets for getPacket(), with their flags and channels in parallel arrays (no record per packet). */
  private packets: Uint8Array[] = [];
  private packetFlags: number[] = [];
  private packetChannels: number[] = [];
  private packetHead = 0;
  /** One past the last queued packet; the arrays keep their length when drained (no resize per packet). */
  private packetTail = 0;
  private queuedBytes = 0;
  /** Packets dropped from this handle's getPacket() queue because it exceeded its byte limit. */
  droppedQueuedPackets = 0;

  /** @internal Created by ENetConnection. */
  constructor(owner: PeerOwner, slot: PeerView, generation: number) {
    this.owner = owner;
    this.slot = slot;
    this.generation = generation;
    this.remoteAddress = slot.address;
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
    const at = this.packetTail++;
    this.packets[at] = data;
    this.packetFlags[at] = flags;
    this.packetChannels[at] = channel;
    this.queuedBytes += data.length;
    while (
      (this.queuedBytes > PEER_PACKET_QUEUE_LIMIT_BYTES || this.packetTail - this.packetHead > PEER_PACKET_QUEUE_LIMIT_PACKETS) &&
      this.packetHead < this.packetTail - 1
    ) {
      this.queuedBytes -= this.shiftPacket().length;
      this.droppedQueuedPackets++;
    }
  }

  private shiftPacket(): Uint8Array {
    const i = this.packetHead++;
    const data = this.packets[i]!;
    this.packets[i] = EMPTY;
    if (this.packetHead === this.packetTail) {
      this.packetHead = this.packetTail = 0;
      // A burst may have grown the arrays: give that memory back once drained.
      if (this.packets.length > 1024) this.packets.length = this.packetFlags.length = this.packetChannels.length = 0;
    } else if (this.packetHead > 1024 && this.packetHead * 2 > this.packetTail) {
      this.packets = this.packets.slice(this.packetHead, this.packetTail);
      this.packetFlags = this.packetFlags.slice(this.packetHead, this.packetTail);
      this.packetChannels = this.packetChannels.slice(this.packetHead, this.packetTail);
      this.packetTail -= this.packetHead;
      this.packetHead = 0;
    }
    return data;
  }

  /** Queue a packet to the peer on `channel` with PacketFlags (copied, so the caller may reuse `packet`). */
  send(channel: number, packet: Uint8Array, flags: number): void {
    checkInt(channel, "channel", 0, 254);
    checkBytes(packet, "packet");
    checkInt(flags, "flags", 0, 0xff);
    const slot = this.requireActive("send");
    if (channel >= slot.channelCount) throw new RangeError(`channel must be in 0..${slot.channelCount - 1} (the peer's channel count), got ${channel}`);
    const core = this.owner.core;
    const result = core.send(slot, channel, core.copyPacket(packet), flags);
    if (result !== SendResult.OK) throw new NetError(sendResultError(result), `send: ${sendResultMessage(result)}`);
    this.owner.wake();
  }

  /** PacketPeer.put_packet: reliable, channel 0. */
  putPacket(packet: Uint8Array): void {
    this.send(0, packet, PacketFlags.RELIABLE);
  }

  /** Pop the oldest received packet. Throws NetError(ERR_UNAVAILABLE) when none is queued. */
  getPacket(): Uint8Array {
    if (this.packetHead >= this.packetTail) throw new NetError(GodotError.ERR_UNAVAILABLE, "getPacket: no packet available");
    const data = this.shiftPacket();
    this.queuedBytes -= data.length;
    return data;
  }

  getAvailablePacketCount(): number {
    return this.packetTail - this.packetHead;
  }

  // ---- Variants (PacketPeer.put_var / get_var, shared with every packet peer) ----

  private readonly variants = new PacketPeerVariants();

  /** Largest Variant encoding putVar() sends (Godot's 8 MiB default; 1 KiB..256 MiB, rounded up to a power of two). */
  get encodeBufferMaxSize(): number {
    return this.variants.encodeBufferMaxSize;
  }
  set encodeBufferMaxSize(size: number) {
    this.variants.encodeBufferMaxSize = size;
  }
  getEncodeBufferMaxSize(): number {
    return this.variants.encodeBufferMaxSize;
  }
  setEncodeBufferMaxSize(size: number): void {
    this.variants.encodeBufferMaxSize = size;
  }
  /** Godot's put_var: `value`'s Variant encoding as one reliable packet on channel 0 (ERR_OUT_OF_MEMORY above encodeBufferMaxSize). */
  putVar(value: unknown, fullObjects = false, options?: VariantOptions): GodotError {
    return this.variants.putVar(this, value, fullObjects, options);
  }
  /** Godot's get_var: the next packet decoded; null when none is queued or it is not a valid Variant. */
  getVar(allowObjects = false, options?: VariantOptions): Variant {
    return this.variants.getVar(this, allowObjects, options);
  }

  /** PacketFlags of the packet getPacket() returns next. Throws NetError(ERR_UNAVAILABLE) when none is queued. */
  getPacketFlags(): number {
    if (this.packetHead >= this.packetTail) throw new NetError(GodotError.ERR_UNAVAILABLE, "getPacketFlags: no packet available");
    return this.packetFlags[this.packetHead]!;
  }

  /** Channel of the packet getPacket() returns next (not in Godot's API; -1 when none). */
  getPacketChannel(): number {
    return this.packetHead < this.packetTail ? this.packetChannels[this.packetHead]! : -1;
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

  getStatistic(statistic: PeerStatistic): number {
    checkInt(statistic, "statistic", 0, 13);
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
      return GodotError.ERR_OUT_OF_MEMORY;
  }
}

function sendResultMessage(result: SendResult): string {
  switch (result) {
    case SendResult.OK:
      return "queued";
    case SendResult.NOT_CONNECTED:
      return "peer is not connected";
    case SendResult.CHANNEL_NOT_OPEN:
      return "channel is not open on this peer";
    case SendResult.PACKET_TOO_LARGE:
      return "packet exceeds the host's maximum packet size";
    case SendResult.TOO_MANY_FRAGMENTS:
      return `packet needs more fragments than ENet allows`;
  }
}
