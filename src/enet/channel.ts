/** Per-channel sequencing state (ENetChannel). */
import type { IncomingCommand } from "./commands.ts";
import { ENET_PEER_RELIABLE_WINDOWS } from "./constants.ts";

export class Channel {
  outgoingReliableSequenceNumber = 0;
  outgoingUnreliableSequenceNumber = 0;
  /** Bit i set when reliable window i has commands in flight. */
  usedReliableWindows = 0;
  /** Commands in flight per reliable window (sequence number / ENET_PEER_RELIABLE_WINDOW_SIZE). */
  readonly reliableWindows = new Uint16Array(ENET_PEER_RELIABLE_WINDOWS);
  incomingReliableSequenceNumber = 0;
  incomingUnreliableSequenceNumber = 0;
  /**
   * Received reliable commands (and reliable fragment assemblies, keyed by their start
   * sequence number) waiting for their predecessors. The window check on arrival
   * bounds the keys to 7 windows ahead of incomingReliableSequenceNumber.
   */
  readonly incomingReliable = new Map<number, IncomingCommand>();
  /**
   * Unreliable commands waiting for the reliable command they follow, and unreliable
   * fragment assemblies; ordered by (reliable distance, unreliable sequence number).
   */
  incomingUnreliable: IncomingCommand[] = [];
}
