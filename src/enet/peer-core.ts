/**
 * One peer slot of a host (ENetPeer): connection state, RTT and throttle figures,
 * and the command queues. Sans-IO: the host core drives it with its service time.
 */
import type { HalfOpenHandshake } from "./admission.ts";
import { SLAB_MAX_COPY, type SlabLife } from "./byte-slab.ts";
import { Channel } from "./channel.ts";
import { OutgoingCommand, retransmitDelay } from "./commands.ts";
import {
  ENET_PEER_DEFAULT_PACKET_THROTTLE,
  ENET_PEER_DEFAULT_ROUND_TRIP_TIME,
  ENET_PEER_PACKET_THROTTLE_ACCELERATION,
  ENET_PEER_PACKET_THROTTLE_DECELERATION,
  ENET_PEER_PACKET_THROTTLE_INTERVAL,
  ENET_PEER_PACKET_THROTTLE_SCALE,
  ENET_PEER_PING_INTERVAL,
  ENET_PEER_RELIABLE_WINDOW_SIZE,
  ENET_PEER_TIMEOUT_LIMIT,
  ENET_PEER_TIMEOUT_MAXIMUM,
  ENET_PEER_TIMEOUT_MINIMUM,
} from "./constants.ts";
import { PeerState } from "./enums.ts";
import { InFlightIndex } from "./in-flight-index.ts";
import type { DirectoryPeer } from "./peer-directory.ts";
import { PeerSchedule, type SchedulablePeer } from "./peer-schedule.ts";
import { COMMAND_SIZES, ENET_PROTOCOL_COMMAND_FLAG_ACKNOWLEDGE, ENET_PROTOCOL_COMMAND_FLAG_UNSEQUENCED, ENET_PROTOCOL_MAXIMUM_PEER_ID, ENET_PROTOCOL_MAXIMUM_WINDOW_SIZE, ProtocolCommand, type OutgoingConnectParameters } from "./wire.ts";

/** Numbers per pending acknowledgement in `PeerCore.acknowledgements`: channelID, reliable sequence number, command number, sent time. */
export const ACK_STRIDE = 4;

/**
 * What the Godot-shaped layer may see of a peer slot: read-only state and statistics, plus
 * the binding's own `userData`. Everything that changes a peer goes through HostCore's
 * methods, which take this view and find the slot by `incomingPeerID`.
 */
export interface PeerView {
  readonly incomingPeerID: number;
  readonly generation: number;
  /** Opaque slot for the binding layer (ENetPacketPeer). */
  userData: unknown;
  readonly state: PeerState;
  readonly address: string;
  readonly port: number;
  readonly channelCount: number;
  readonly packetLoss: number;
  readonly packetLossVariance: number;
  readonly packetLossEpoch: number;
  readonly roundTripTime: number;
  readonly roundTripTimeVariance: number;
  readonly lastRoundTripTime: number;
  readonly lastRoundTripTimeVariance: number;
  readonly packetThrottle: number;
  readonly packetThrottleLimit: number;
  readonly packetThrottleCounter: number;
  readonly packetThrottleEpoch: number;
  readonly packetThrottleAcceleration: number;
  readonly packetThrottleDeceleration: number;
  readonly packetThrottleInterval: number;
  /** Bytes of packets queued to this peer or sent and not yet acknowledged (bounded by the host's maximumOutgoingData). */
  readonly queuedOutgoingData: number;
}

/** CONNECTED or DISCONNECT_LATER: the states C ENet counts as connected (enet_peer_on_connect). */
export function isConnectedState(state: PeerState): boolean {
  return state === PeerState.STATE_CONNECTED || state === PeerState.STATE_DISCONNECT_LATER;
}

/** Who hears of a peer slot's state changes. */
export interface PeerStateObserver {
  stateChanged(peer: PeerCore, from: PeerState, to: PeerState): void;
}

/** Who owns the packets the commands carry (the host): their pooled copies (byte-slab.ts, copy-pool.ts) and their count. */
export interface PacketCopyOwner {
  /** The sum of its peers' queuedOutgoingData, kept by the peers (bounded by the host's maximumHostOutgoingData). */
  queuedOutgoingData: number;
  /** A command carrying the large pooled copy `packet` is finished; a copy no command carries any more may be reused. */
  releaseCopy(packet: Uint8Array): void;
  /** A command carrying a slab copy of `life` is finished. */
  releaseSlabLife(life: SlabLife): void;
}

/**
 * `requeued` and `queue` from `head` on, as one array in queueing order. The queue is in that
 * order already: retransmissions are merged into it (PeerCore.requeueFront) and the commands never
 * sent come after every command that was.
 */
function mergeByQueueOrder(requeued: OutgoingCommand[], queue: readonly OutgoingCommand[], head: number): OutgoingCommand[] {
  requeued.sort((x, y) => x.queueOrder - y.queueOrder);
  const out: OutgoingCommand[] = [];
  let r = 0;
  let q = head;
  while (r < requeued.length && q < queue.length) out.push(requeued[r]!.queueOrder < queue[q]!.queueOrder ? requeued[r++]! : queue[q++]!);
  while (r < requeued.length) out.push(requeued[r++]!);
  while (q < queue.length) out.push(queue[q++]!);
  return out;
}

export class PeerCore implements PeerView, SchedulablePeer, DirectoryPeer {
  /** Index in the host's peer table; the peer ID the remote side puts in its headers. */
  readonly incomingPeerID: number;
  /** Bumped whenever the slot is reset, so stale events for an earlier connection are recognised. */
  generation = 0;
  /** Opaque slot for the binding layer (ENetPacketPeer). */
  userData: unknown = undefined;

  private stateValue: PeerState = PeerState.STATE_DISCONNECTED;
  outgoingPeerID = ENET_PROTOCOL_MAXIMUM_PEER_ID;
  connectID = 0;
  outgoingSessionID = 0xff;
  incomingSessionID = 0xff;
  address = "";
  port = 0;
  channels: Channel[] = [];
  channelCount = 0;
  incomingBandwidth = 0;
  outgoingBandwidth = 0;
  incomingBandwidthThrottleEpoch = 0;
  outgoingBandwidthThrottleEpoch = 0;
  incomingDataTotal = 0;
  outgoingDataTotal = 0;
  lastSendTime = 0;
  lastReceiveTime = 0;
  /** When the last PING from the remote arrived (host time); see pingDue(). */
  lastPingReceiveTime = 0;
  /** The remote connected to us (we took its CONNECT): its pings lead and ours ride on their acknowledgements. */
  acceptedConnection = false;
  /**
   * Client side: connected by the server's VERIFY_CONNECT, and no ACKNOWLEDGE from the server has
   * shown yet that our acknowledgement of it arrived (receive.ts, repeatVerifyConnectAck).
   */
  connectUnconfirmed = false;
  /** The VERIFY_CONNECT acknowledged last: its reliable sequence number and its datagram's sent time, as the acknowledgement echoes them. */
  verifyConnectSequence = 0;
  verifyConnectSentTime = 0;
  /** How the slot was set up by the CONNECT it accepted, kept while it is half-open so an eviction can park it (admission.ts). */
  handshake: HalfOpenHandshake | null = null;
  nextTimeout = 0;
  earliestTimeout = 0;
  packetLossEpoch = 0;
  packetsSent = 0;
  packetsLost = 0;
  packetLoss = 0;
  packetLossVariance = 0;
  packetThrottle = ENET_PEER_DEFAULT_PACKET_THROTTLE;
  packetThrottleLimit = ENET_PEER_PACKET_THROTTLE_SCALE;
  packetThrottleCounter = 0;
  packetThrottleEpoch = 0;
  packetThrottleAcceleration = ENET_PEER_PACKET_THROTTLE_ACCELERATION;
  packetThrottleDeceleration = ENET_PEER_PACKET_THROTTLE_DECELERATION;
  packetThrottleInterval = ENET_PEER_PACKET_THROTTLE_INTERVAL;
  /**
   * The throttle's reference (lastRoundTripTime and its variance) comes from a whole throttle
   * epoch of samples, not from the session's first sample alone (throttle.ts, peerThrottle).
   */
  throttleReferenceMeasured = false;
  /** C ENet's rule: the throttle also follows the first sample's reference (HostCoreOptions.throttleOnFirstSample). Kept across resets. */
  throttleOnFirstSample = false;
  pingInterval = ENET_PEER_PING_INTERVAL;
  timeoutLimit = ENET_PEER_TIMEOUT_LIMIT;
  timeoutMinimum = ENET_PEER_TIMEOUT_MINIMUM;
  timeoutMaximum = ENET_PEER_TIMEOUT_MAXIMUM;
  lastRoundTripTime = ENET_PEER_DEFAULT_ROUND_TRIP_TIME;
  lowestRoundTripTime = ENET_PEER_DEFAULT_ROUND_TRIP_TIME;
  lastRoundTripTimeVariance = 0;
  highestRoundTripTimeVariance = 0;
  roundTripTime = ENET_PEER_DEFAULT_ROUND_TRIP_TIME;
  roundTripTimeVariance = 0;
  mtu: number;
  windowSize = ENET_PROTOCOL_MAXIMUM_WINDOW_SIZE;
  reliableDataInTransit = 0;
  outgoingReliableSequenceNumber = 0;
  incomingUnsequencedGroup = 0;
  outgoingUnsequencedGroup = 0;
  /** Unsequenced groups seen in the current window; created on the first unsequenced packet. */
  unsequencedWindow: Uint32Array | null = null;
  eventData = 0;
  /** Received commands held in the channels' reorder queues (bounded by MAX_QUEUED_INCOMING_COMMANDS). */
  queuedIncomingCommands = 0;
  /** Bytes of received packets not yet handed to the application (bounded by the host's maximumWaitingData). */
  totalWaitingData = 0;
  /** Fragments held in reassembly on all channels (bounded by the host's maximumHeldFragments). */
  heldFragments = 0;
  /**
   * Bytes of packets queued to the remote or in flight to it, not yet acknowledged (reliable) or
   * sent (unreliable): what the remote's acknowledgements free. Bounded by the host's
   * maximumOutgoingData, so a remote that acknowledges slowly cannot grow it without end.
   */
  queuedOutgoingData = 0;
  /** The last datagram to this peer stopped at the MTU or command limit; send another. */
  continueSending = false;

  /**
   * Pending acknowledgements, ACK_STRIDE numbers each, in `acknowledgements[acknowledgementsStart,
   * acknowledgementsEnd)` (the start moves when they fill more than one datagram). Flat, and never
   * truncated: the array keeps its room between datagrams, so queueing one allocates nothing once
   * it has grown to the peer's usual burst.
   */
  acknowledgements: number[] = [];
  acknowledgementsStart = 0;
  acknowledgementsEnd = 0;
  /** The reliable data queue is held back by the reliable window; nothing there to send until an ack or timeout. */
  outgoingBlocked = false;
  /**
   * Commands waiting to be (re)sent, in two queues merged by queueOrder when sending (as in
   * ENet 1.3.18): reliable commands carrying data, which the reliable window can hold back,
   * and everything else (unreliable data and control commands), which is never held back.
   * Both are consumed from their head index; entries with `done` set are skipped.
   */
  outgoingCommands: OutgoingCommand[] = [];
  outgoingHead = 0;
  outgoingReliable: OutgoingCommand[] = [];
  outgoingReliableHead = 0;
  private queueCounter = 0;
  /** Reliable commands sent and not yet acknowledged, oldest first from `sentHead`. */
  sentReliableCommands: OutgoingCommand[] = [];
  sentHead = 0;
  /** Reliable commands sent at least once and not acknowledged, by channel ID and sequence number. */
  readonly unacknowledged = new InFlightIndex();

  /** The host's schedule of peers to visit (peer-schedule.ts), and this peer's place in it. */
  private readonly schedule: PeerSchedule<PeerCore>;
  heapKey = 0;
  heapIndex = -1;
  dirty = false;
  /** Told of every state change (the host: connected-peer count, peer-directory.ts). */
  private readonly observer: PeerStateObserver | null;
  /** Where the packet copies of finished commands go back (the host: its slabs and its pool of large copies). */
  private readonly copies: PacketCopyOwner | null;
  /** Where peer-directory.ts filed this peer while it is live. */
  directoryKey: string | null = null;

  constructor(
    incomingPeerID: number,
    mtu: number,
    schedule: PeerSchedule<PeerCore> = new PeerSchedule<PeerCore>(),
    observer: PeerStateObserver | null = null,
    copies: PacketCopyOwner | null = null,
  ) {
    this.incomingPeerID = incomingPeerID;
    this.mtu = mtu;
    this.schedule = schedule;
    this.observer = observer;
    this.copies = copies;
  }

  /**
   * `cmd` is finished: acknowledged, sent unreliably, dropped, or its peer reset. Queues skip it
   * from now on, and nothing writes it again, so a pooled packet copy it carried may be reused.
   */
  finishCommand(cmd: OutgoingCommand): void {
    if (cmd.done) return;
    cmd.done = true;
    const packet = cmd.packet;
    const copies = this.copies;
    if (packet !== null) {
      this.queuedOutgoingData -= cmd.fragmentLength;
      if (copies !== null) copies.queuedOutgoingData -= cmd.fragmentLength;
    }
    if (copies === null) return;
    const life = cmd.slabLife;
    if (life !== null) {
      cmd.slabLife = null;
      copies.releaseSlabLife(life);
    } else if (packet !== null && packet.length > SLAB_MAX_COPY) {
      copies.releaseCopy(packet);
    }
  }

  /** Something about this peer changed outside a send pass: the next pass must look at it. */
  touch(): void {
    this.schedule.markDirty(this);
  }

  /**
   * When this peer next needs a send pass (biased host time, as `now`): at once when it has
   * acknowledgements or sendable commands queued; else at its retransmission check when
   * reliable commands are in flight, or at its next ping when connected; Infinity when
   * nothing is due until the remote sends something.
   */
  nextServiceTime(now: number): number {
    const state = this.state;
    if (state === PeerState.STATE_DISCONNECTED || state === PeerState.STATE_ZOMBIE) return Infinity;
    if (this.acknowledgementsEnd > 0 || this.hasQueuedUnblocked) return now;
    if (this.firstSentReliable() !== undefined) return this.nextTimeout;
    if (this.isConnectedState) return this.nextPingTime();
    return Infinity;
  }

  /**
   * When this peer pings on its own (a datagram of its own), with nothing in flight: C ENet's
   * `pingInterval` after the last acknowledgement received. A peer that accepted the connection
   * waits longer while the remote keeps pinging (half an interval past the remote's next ping),
   * because its own ping rides on the acknowledgement of that one (pingDue()); it pings on its own
   * as C ENet does once the remote's pings stop, at most half an interval later than C ENet would.
   */
  nextPingTime(): number {
    const own = this.lastReceiveTime + this.pingInterval;
    if (!this.acceptedConnection || this.lastPingReceiveTime === 0) return own;
    return Math.max(own, this.lastPingReceiveTime + this.pingInterval + (this.pingInterval >>> 1));
  }

  /**
   * Whether to queue a PING now (nothing reliable in flight). Both ends of an idle ENet connection
   * ping, because a peer counts only acknowledgements as hearing from the other: C ENet spends four
   * datagrams per interval (two pings, two acknowledgement datagrams). A datagram that carries
   * acknowledgements (`answering`) takes our ping along once half the interval has passed, and the
   * accepting side leaves the standalone ping to the remote (nextPingTime()): three datagrams per
   * interval, and a server sends one datagram per idle peer per interval instead of two. The
   * remote sees only pings that arrive a little early, which ENet allows.
   */
  pingDue(now: number, answering: boolean): boolean {
    if (answering && (now - this.lastReceiveTime) * 2 >= this.pingInterval) return true;
    return now >= this.nextPingTime();
  }

  get state(): PeerState {
    return this.stateValue;
  }

  /** The host keeps its counts and its directory of slots (peer-directory.ts) as states change. */
  set state(next: PeerState) {
    const from = this.stateValue;
    if (from === next) return;
    this.stateValue = next;
    if (from === PeerState.STATE_ACKNOWLEDGING_CONNECT) this.handshake = null;
    this.observer?.stateChanged(this, from, next);
  }

  get isConnectedState(): boolean {
    return isConnectedState(this.stateValue);
  }

  get sentReliableCount(): number {
    return this.sentReliableCommands.length - this.sentHead;
  }

  /** The oldest unacknowledged sent reliable command, dropping acknowledged ones off the front. */
  firstSentReliable(): OutgoingCommand | undefined {
    const list = this.sentReliableCommands;
    while (this.sentHead < list.length && list[this.sentHead]!.done) this.sentHead++;
    if (this.sentHead === list.length) {
      // A fresh array rather than emptying this one: pops keep the backing store, and an idle
      // peer would hold it (about 400 B a peer over its queues), where assigning length = 0 is a
      // V8 runtime call on every pass.
      if (list.length !== 0) this.sentReliableCommands = [];
      this.sentHead = 0;
      return undefined;
    }
    if (this.sentHead > 256 && this.sentHead * 2 > list.length) {
      this.sentReliableCommands = list.slice(this.sentHead);
      this.sentHead = 0;
    }
    return this.sentReliableCommands[this.sentHead];
  }

  hasOutgoingCommands(): boolean {
    if (this.firstSentReliable() !== undefined) return true;
    const a = this.outgoingCommands;
    for (let i = this.outgoingHead; i < a.length; i++) if (!a[i]!.done) return true;
    const b = this.outgoingReliable;
    for (let i = this.outgoingReliableHead; i < b.length; i++) if (!b[i]!.done) return true;
    return false;
  }

  get hasQueuedUnblocked(): boolean {
    return this.outgoingHead < this.outgoingCommands.length || (!this.outgoingBlocked && this.outgoingReliableHead < this.outgoingReliable.length);
  }

  /**
   * Put timed-out commands back for retransmission. Reliable data goes back in the order it was
   * first queued, among the retransmissions still waiting from earlier timeouts: C ENet 1.3.17
   * puts each batch ahead of those instead, and when the window is full (a collapsed throttle
   * leaves it one MTU) the packet a receiver waits for can then stay behind later ones that the
   * receiver refuses, until the link times out (spec-tests/enet/retransmit-order.test.ts).
   */
  requeueFront(commands: readonly OutgoingCommand[]): void {
    const data: OutgoingCommand[] = [];
    const other: OutgoingCommand[] = [];
    for (const c of commands) (c.packet !== null ? data : other).push(c);
    if (data.length > 0) {
      this.outgoingReliable = mergeByQueueOrder(data, this.outgoingReliable, this.outgoingReliableHead);
      this.outgoingReliableHead = 0;
      this.outgoingBlocked = false;
    }
    if (other.length > 0) {
      this.outgoingCommands = other.concat(this.outgoingCommands.slice(this.outgoingHead));
      this.outgoingHead = 0;
    }
  }

  /** Drop consumed entries off the front of the queues. */
  trimQueues(): void {
    if (this.outgoingHead >= this.outgoingCommands.length) {
      if (this.outgoingCommands.length !== 0) this.outgoingCommands = []; // see firstSentReliable
      this.outgoingHead = 0;
    } else if (this.outgoingHead > 1024 && this.outgoingHead * 2 > this.outgoingCommands.length) {
      this.outgoingCommands = this.outgoingCommands.slice(this.outgoingHead);
      this.outgoingHead = 0;
    }
    if (this.outgoingReliableHead >= this.outgoingReliable.length) {
      if (this.outgoingReliable.length !== 0) this.outgoingReliable = []; // see firstSentReliable
      this.outgoingReliableHead = 0;
    } else if (this.outgoingReliableHead > 1024 && this.outgoingReliableHead * 2 > this.outgoingReliable.length) {
      this.outgoingReliable = this.outgoingReliable.slice(this.outgoingReliableHead);
      this.outgoingReliableHead = 0;
    }
  }

  /** enet_peer_reset_queues: forget every queued command and the channels. */
  resetQueues(): void {
    this.acknowledgements = [];
    this.acknowledgementsStart = 0;
    this.acknowledgementsEnd = 0;
    for (const c of this.outgoingCommands) this.finishCommand(c);
    for (const c of this.outgoingReliable) this.finishCommand(c);
    for (const c of this.sentReliableCommands) this.finishCommand(c);
    this.outgoingCommands = [];
    this.outgoingHead = 0;
    this.outgoingReliable = [];
    this.outgoingReliableHead = 0;
    this.outgoingBlocked = false;
    this.sentReliableCommands = [];
    this.sentHead = 0;
    this.unacknowledged.clear();
    this.channels = [];
    this.channelCount = 0;
    this.queuedIncomingCommands = 0;
    this.heldFragments = 0;
    this.queuedOutgoingData = 0;
  }

  /** enet_peer_reset's field resets (the host adjusts its connected-peer counters first). */
  resetFields(hostMtu: number): void {
    this.generation++;
    this.outgoingPeerID = ENET_PROTOCOL_MAXIMUM_PEER_ID;
    this.connectID = 0;
    this.state = PeerState.STATE_DISCONNECTED;
    this.incomingBandwidth = 0;
    this.outgoingBandwidth = 0;
    this.incomingBandwidthThrottleEpoch = 0;
    this.outgoingBandwidthThrottleEpoch = 0;
    this.incomingDataTotal = 0;
    this.outgoingDataTotal = 0;
    this.lastSendTime = 0;
    this.lastReceiveTime = 0;
    this.lastPingReceiveTime = 0;
    this.acceptedConnection = false;
    this.connectUnconfirmed = false;
    this.handshake = null;
    this.nextTimeout = 0;
    this.earliestTimeout = 0;
    this.packetLossEpoch = 0;
    this.packetsSent = 0;
    this.packetsLost = 0;
    this.packetLoss = 0;
    this.packetLossVariance = 0;
    this.packetThrottle = ENET_PEER_DEFAULT_PACKET_THROTTLE;
    this.packetThrottleLimit = ENET_PEER_PACKET_THROTTLE_SCALE;
    this.packetThrottleCounter = 0;
    this.packetThrottleEpoch = 0;
    this.packetThrottleAcceleration = ENET_PEER_PACKET_THROTTLE_ACCELERATION;
    this.packetThrottleDeceleration = ENET_PEER_PACKET_THROTTLE_DECELERATION;
    this.packetThrottleInterval = ENET_PEER_PACKET_THROTTLE_INTERVAL;
    this.throttleReferenceMeasured = false;
    this.pingInterval = ENET_PEER_PING_INTERVAL;
    this.timeoutLimit = ENET_PEER_TIMEOUT_LIMIT;
    this.timeoutMinimum = ENET_PEER_TIMEOUT_MINIMUM;
    this.timeoutMaximum = ENET_PEER_TIMEOUT_MAXIMUM;
    this.lastRoundTripTime = ENET_PEER_DEFAULT_ROUND_TRIP_TIME;
    this.lowestRoundTripTime = ENET_PEER_DEFAULT_ROUND_TRIP_TIME;
    this.lastRoundTripTimeVariance = 0;
    this.highestRoundTripTimeVariance = 0;
    this.roundTripTime = ENET_PEER_DEFAULT_ROUND_TRIP_TIME;
    this.roundTripTimeVariance = 0;
    this.mtu = hostMtu;
    this.reliableDataInTransit = 0;
    this.outgoingReliableSequenceNumber = 0;
    this.windowSize = ENET_PROTOCOL_MAXIMUM_WINDOW_SIZE;
    this.incomingUnsequencedGroup = 0;
    this.outgoingUnsequencedGroup = 0;
    this.eventData = 0;
    this.totalWaitingData = 0;
    this.continueSending = false;
    this.unsequencedWindow = null;
    this.resetQueues();
  }

  allocateChannels(count: number): void {
    this.channels = new Array<Channel>(count);
    for (let i = 0; i < count; i++) this.channels[i] = new Channel();
    this.channelCount = count;
  }

  /** enet_peer_setup_outgoing_command: assign sequence numbers and queue. */
  setupOutgoingCommand(cmd: OutgoingCommand): void {
    this.outgoingDataTotal += COMMAND_SIZES[cmd.commandByte & 0x0f]! + cmd.fragmentLength;
    if (cmd.packet !== null) {
      this.queuedOutgoingData += cmd.fragmentLength;
      if (this.copies !== null) this.copies.queuedOutgoingData += cmd.fragmentLength;
    }
    if (cmd.channelID === 0xff) {
      this.outgoingReliableSequenceNumber = (this.outgoingReliableSequenceNumber + 1) & 0xffff;
      cmd.reliableSequenceNumber = this.outgoingReliableSequenceNumber;
      cmd.unreliableSequenceNumber = 0;
    } else {
      const channel = this.channels[cmd.channelID]!;
      if (cmd.commandByte & ENET_PROTOCOL_COMMAND_FLAG_ACKNOWLEDGE) {
        channel.outgoingReliableSequenceNumber = (channel.outgoingReliableSequenceNumber + 1) & 0xffff;
        channel.outgoingUnreliableSequenceNumber = 0;
        cmd.reliableSequenceNumber = channel.outgoingReliableSequenceNumber;
        cmd.unreliableSequenceNumber = 0;
      } else if (cmd.commandByte & ENET_PROTOCOL_COMMAND_FLAG_UNSEQUENCED) {
        this.outgoingUnsequencedGroup = (this.outgoingUnsequencedGroup + 1) & 0xffff;
        cmd.reliableSequenceNumber = 0;
        cmd.unreliableSequenceNumber = 0;
      } else {
        if (cmd.fragmentOffset === 0) channel.outgoingUnreliableSequenceNumber = (channel.outgoingUnreliableSequenceNumber + 1) & 0xffff;
        cmd.reliableSequenceNumber = channel.outgoingReliableSequenceNumber;
        cmd.unreliableSequenceNumber = channel.outgoingUnreliableSequenceNumber;
      }
    }
    cmd.sendAttempts = 0;
    cmd.sentTime = 0;
    cmd.roundTripTimeout = 0;
    cmd.roundTripTimeoutLimit = 0;
    if ((cmd.commandByte & 0x0f) === ProtocolCommand.SEND_UNSEQUENCED) cmd.field1 = this.outgoingUnsequencedGroup;
    cmd.queueOrder = ++this.queueCounter;
    if (cmd.packet !== null && (cmd.commandByte & ENET_PROTOCOL_COMMAND_FLAG_ACKNOWLEDGE) !== 0) {
      if (this.outgoingReliableHead >= this.outgoingReliable.length) this.outgoingBlocked = false;
      this.outgoingReliable.push(cmd);
    } else {
      this.outgoingCommands.push(cmd);
    }
    this.schedule.markDirty(this);
  }

  /** Queue a control command on channel 0xFF. */
  queueControl(commandByte: number, field1 = 0, field2 = 0, field3 = 0, connect: OutgoingConnectParameters | null = null): OutgoingCommand {
    const cmd = new OutgoingCommand(commandByte, 0xff, null, 0, 0);
    cmd.field1 = field1;
    cmd.field2 = field2;
    cmd.field3 = field3;
    cmd.connect = connect;
    this.setupOutgoingCommand(cmd);
    return cmd;
  }

  /**
   * Forget an acknowledged reliable command (enet_protocol_remove_sent_reliable_command).
   * Returns its command number, or NONE when it is unknown.
   */
  removeSentReliableCommand(reliableSequenceNumber: number, channelID: number): ProtocolCommand {
    const cmd = this.unacknowledged.delete(channelID, reliableSequenceNumber);
    if (cmd === undefined) return ProtocolCommand.NONE;
    const wasInFlight = cmd.inFlight;
    cmd.inFlight = false;
    if (channelID < this.channelCount) {
      const channel = this.channels[channelID]!;
      const w = (reliableSequenceNumber / ENET_PEER_RELIABLE_WINDOW_SIZE) | 0;
      if (channel.reliableWindows[w]! > 0) {
        channel.reliableWindows[w]!--;
        if (channel.reliableWindows[w] === 0) channel.usedReliableWindows &= ~(1 << w);
      }
    }
    if (wasInFlight && cmd.packet !== null) this.reliableDataInTransit -= cmd.fragmentLength;
    this.finishCommand(cmd);
    this.outgoingBlocked = false;
    const head = this.firstSentReliable();
    if (head !== undefined) this.nextTimeout = head.sentTime + retransmitDelay(head);
    return cmd.command;
  }
}

