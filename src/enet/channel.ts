/** Per-channel sequencing state (ENetChannel). */
import type { IncomingCommand } from "./commands.ts";
import { ENET_PEER_RELIABLE_WINDOWS } from "./constants.ts";

/**
 * Shared by every channel until it first queues an out-of-order command (most never do on a
 * clean link): an idle channel then costs no Map of its own. Only read, never written: writers
 * swap in a channel's own Map first (queuedReliable()).
 */
const NO_QUEUED_RELIABLE: ReadonlyMap<number, IncomingCommand> = new Map();

/** The channel's own map of queued reliable commands, created on first use. */
export function queuedReliable(channel: Channel): Map<number, IncomingCommand> {
  if (channel.incomingReliable === NO_QUEUED_RELIABLE) channel.incomingReliable = new Map();
  return channel.incomingReliable;
}

/** Read-only zeros shared by channels that have not sent a reliable command yet. */
const NO_RELIABLE_IN_FLIGHT = new Uint16Array(ENET_PEER_RELIABLE_WINDOWS);

/** The channel's own per-window in-flight counts, created on its first reliable send. */
export function inFlightWindows(channel: Channel): Uint16Array {
  if (channel.reliableWindows === NO_RELIABLE_IN_FLIGHT) channel.reliableWindows = new Uint16Array(ENET_PEER_RELIABLE_WINDOWS);
  return channel.reliableWindows;
}

/** Shared (and frozen) by every channel until it first holds back an unreliable command. */
const NO_QUEUED_UNRELIABLE: readonly IncomingCommand[] = Object.freeze([]);

/** The channel's own list of held-back unreliable commands, created on first use. */
export function queuedUnreliable(channel: Channel): IncomingCommand[] {
  if (channel.incomingUnreliable === NO_QUEUED_UNRELIABLE) channel.incomingUnreliable = [];
  return channel.incomingUnreliable;
}

export class Channel {
  outgoingReliableSequenceNumber = 0;
  outgoingUnreliableSequenceNumber = 0;
  /** Bit i set when reliable window i has commands in flight. */
  usedReliableWindows = 0;
  /**
   * Commands in flight per reliable window (sequence number / ENET_PEER_RELIABLE_WINDOW_SIZE).
   * All zeros, shared, until the channel first sends a reliable command (inFlightWindows()).
   */
  reliableWindows: Uint16Array = NO_RELIABLE_IN_FLIGHT;
  incomingReliableSequenceNumber = 0;
  incomingUnreliableSequenceNumber = 0;
  /**
   * Received reliable commands (and reliable fragment assemblies, keyed by their start
   * sequence number) waiting for their predecessors. The window check on arrival
   * bounds the keys to 7 windows ahead of incomingReliableSequenceNumber.
   */
  incomingReliable: Map<number, IncomingCommand> = NO_QUEUED_RELIABLE as Map<number, IncomingCommand>;
  /**
   * Unreliable commands waiting for the reliable command they follow, and unreliable
   * fragment assemblies; ordered by (reliable distance, unreliable sequence number).
   * Shared and empty until the first one (queuedUnreliable()).
   */
  incomingUnreliable: IncomingCommand[] = NO_QUEUED_UNRELIABLE as IncomingCommand[];
}
