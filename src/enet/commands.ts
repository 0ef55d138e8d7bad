/**
 * The in-memory forms of queued commands: what a peer has to send (OutgoingCommand)
 * and what it received but has not delivered yet (IncomingCommand). Plain mutable
 * records with fixed shapes, so the engine keeps them monomorphic.
 */
import { RETRANSMIT_DELAY_MAXIMUM } from "./constants.ts";
import { FragmentReassembly } from "./fragment-reassembly.ts";
import { type OutgoingConnectParameters, ProtocolCommand } from "./wire.ts";
import type { SlabLife } from "./byte-slab.ts";

export class OutgoingCommand {
  /** Command byte including ACKNOWLEDGE/UNSEQUENCED flags. */
  commandByte: number;
  channelID: number;
  reliableSequenceNumber = 0;
  unreliableSequenceNumber = 0;
  /** SEND_UNSEQUENCED: the group; DISCONNECT: data; BANDWIDTH_LIMIT: incoming; THROTTLE_CONFIGURE: interval. */
  field1 = 0;
  /** BANDWIDTH_LIMIT: outgoing; THROTTLE_CONFIGURE: acceleration. */
  field2 = 0;
  /** THROTTLE_CONFIGURE: deceleration. */
  field3 = 0;
  /** Fragments: start sequence number, count, number, total length. */
  startSequenceNumber = 0;
  fragmentCount = 0;
  fragmentNumber = 0;
  totalLength = 0;
  fragmentOffset = 0;
  fragmentLength = 0;
  /** CONNECT / VERIFY_CONNECT parameters (plus CONNECT's data). */
  connect: OutgoingConnectParameters | null = null;
  sentTime = 0;
  roundTripTimeout = 0;
  roundTripTimeoutLimit = 0;
  sendAttempts = 0;
  /** The whole packet; this command carries [fragmentOffset, fragmentOffset + fragmentLength). */
  packet: Uint8Array | null;
  /** Position in the peer's queueing order, so the two outgoing queues can be merged in the order commands were queued. */
  queueOrder = 0;
  /** In the sent-reliable list, counted in reliableDataInTransit (false while queued for (re)transmission). */
  inFlight = false;
  /** Acknowledged (or dropped) while still referenced from a queue; queues skip and discard it. */
  done = false;
  /** The slab life of `packet` when it is a slab copy (byte-slab.ts), given back when this command finishes. */
  slabLife: SlabLife | null = null;

  constructor(commandByte: number, channelID: number, packet: Uint8Array | null, fragmentOffset: number, fragmentLength: number) {
    this.commandByte = commandByte;
    this.channelID = channelID;
    this.packet = packet;
    this.fragmentOffset = fragmentOffset;
    this.fragmentLength = fragmentLength;
  }

  get command(): ProtocolCommand {
    return (this.commandByte & 0x0f) as ProtocolCommand;
  }
}

export class IncomingCommand {
  command: ProtocolCommand;
  channelID: number;
  reliableSequenceNumber: number;
  unreliableSequenceNumber: number;
  fragmentCount: number;
  /** A fragmented packet still missing fragments; null once joined (and for unfragmented packets). */
  assembly: FragmentReassembly | null;
  /** The packet; empty while its fragments are being reassembled. */
  packet: Uint8Array;
  /** PacketFlags of the delivered packet. */
  flags: number;
  /** Its fragments did not tile it: skipped in order, never delivered. */
  malformed = false;

  constructor(
    command: ProtocolCommand,
    channelID: number,
    reliableSequenceNumber: number,
    unreliableSequenceNumber: number,
    packet: Uint8Array,
    flags: number,
    fragmentCount: number,
    totalLength = 0,
  ) {
    this.command = command;
    this.channelID = channelID;
    this.reliableSequenceNumber = reliableSequenceNumber;
    this.unreliableSequenceNumber = unreliableSequenceNumber;
    this.packet = packet;
    this.flags = flags;
    this.fragmentCount = fragmentCount;
    this.assembly = fragmentCount > 0 ? new FragmentReassembly(totalLength, fragmentCount) : null;
  }

  /** The packet's length as its commands declare it: what it counts in the peer's waiting data (0 once found malformed). */
  get totalLength(): number {
    return this.assembly !== null ? this.assembly.totalLength : this.packet.length;
  }
}

// Module-local: V8 reads an imported binding through its module cell on every call (this runs per ack).
const MAX_DELAY = RETRANSMIT_DELAY_MAXIMUM;

/** When a sent reliable command is due again: its retransmission timeout, at most RETRANSMIT_DELAY_MAXIMUM. */
export function retransmitDelay(cmd: OutgoingCommand): number {
  return cmd.roundTripTimeout < MAX_DELAY ? cmd.roundTripTimeout : MAX_DELAY;
}
