/**
 * Sent, unacknowledged reliable commands by (channel ID, reliable sequence number), so an
 * acknowledgement finds its command at once. Replaces a Map keyed by channel * 65536 + seq:
 * that Map's insert/delete churn (one of each per reliable command) was the largest single
 * cost of sending small reliable packets.
 *
 * Each channel gets a direct-mapped table indexed by seq & (capacity - 1). Sequence numbers
 * in flight on a channel are consecutive modulo 2^16, so a table one power of two wider
 * than their span never collides; a collision doubles the table, up to 65536 slots where
 * every 16-bit sequence number has a slot of its own. Memory follows the span in flight
 * (as the Map's did); tables a burst widened beyond 1024 slots are dropped once nothing
 * is in flight.
 */
import type { OutgoingCommand } from "./commands.ts";

const INITIAL_CAPACITY = 64;
/** ENet's connection-management commands (CONNECT, PING, DISCONNECT ...) travel on channel 0xFF. */
const CONTROL_CHANNEL = 0xff;
/** Few control commands are ever in flight at once (a ping, a bandwidth or throttle update). */
const CONTROL_INITIAL_CAPACITY = 4;
/** Tables up to this size stay when they empty (steady streaming refills them each round trip). */
const KEPT_CAPACITY = 1024;
/** Sequence numbers are 16-bit: at this capacity no two different ones share a slot. */
const MAXIMUM_CAPACITY = 65536;

type Slots = (OutgoingCommand | null)[];

function emptySlots(capacity: number): Slots {
  const slots: Slots = new Array<OutgoingCommand | null>(capacity);
  for (let i = 0; i < capacity; i++) slots[i] = null;
  return slots;
}

/** A table at least `capacity` wide where the entries of `slots` and a new `seq` each get their own slot. */
function widen(slots: Slots, capacity: number, seq: number): Slots {
  for (let size = capacity; ; size *= 2) {
    const mask = size - 1;
    const out = emptySlots(size);
    let fits = true;
    for (const c of slots) {
      if (c === null) continue;
      const i = c.reliableSequenceNumber & mask;
      if (out[i] !== null) fits = false;
      out[i] = c;
    }
    const at = out[seq & mask];
    if (at != null && at.reliableSequenceNumber !== seq) fits = false;
    // At MAXIMUM_CAPACITY distinct 16-bit sequence numbers cannot collide.
    if (fits || size >= MAXIMUM_CAPACITY) return out;
  }
}

export class InFlightIndex {
  /** Tables by channel ID (0..254), created on first use; null while nothing was indexed. */
  private tables: (Slots | undefined)[] | null = null;
  /**
   * The control channel's table, kept apart: every connected peer pings on channel 0xFF, and
   * indexing it in `tables` would give each idle peer a 256-entry array.
   */
  private control: Slots | undefined = undefined;
  /** Commands indexed. */
  size = 0;
  /** A table grew beyond KEPT_CAPACITY: drop the tables when nothing is in flight. */
  private widened = false;

  /** Index `cmd` under its channel and reliable sequence number (replacing an entry with the same key). */
  set(cmd: OutgoingCommand): void {
    const channelID = cmd.channelID;
    const seq = cmd.reliableSequenceNumber;
    let slots = this.slotsOf(channelID);
    if (slots === undefined) slots = this.setSlots(channelID, emptySlots(channelID === CONTROL_CHANNEL ? CONTROL_INITIAL_CAPACITY : INITIAL_CAPACITY));
    let i = seq & (slots.length - 1);
    const at = slots[i]!;
    if (at === null) {
      this.size++;
    } else if (at.reliableSequenceNumber !== seq) {
      slots = this.setSlots(channelID, widen(slots, slots.length * 2, seq));
      if (slots.length > KEPT_CAPACITY) this.widened = true;
      i = seq & (slots.length - 1);
      this.size++;
    }
    slots[i] = cmd;
  }

  get(channelID: number, seq: number): OutgoingCommand | undefined {
    const slots = this.slotsOf(channelID);
    if (slots === undefined) return undefined;
    const c = slots[seq & (slots.length - 1)]!;
    return c !== null && c.reliableSequenceNumber === seq ? c : undefined;
  }

  /** Remove the command under `channelID`/`seq` and return it (undefined when none is indexed there). */
  delete(channelID: number, seq: number): OutgoingCommand | undefined {
    const slots = this.slotsOf(channelID);
    if (slots === undefined) return undefined;
    const i = seq & (slots.length - 1);
    const c = slots[i]!;
    if (c === null || c.reliableSequenceNumber !== seq) return undefined;
    slots[i] = null;
    // Nothing in flight: give back tables a burst widened beyond what steady traffic needs.
    if (--this.size === 0 && this.widened) this.clear();
    return c;
  }

  clear(): void {
    this.tables = null;
    this.control = undefined;
    this.size = 0;
    this.widened = false;
  }

  private slotsOf(channelID: number): Slots | undefined {
    return channelID === CONTROL_CHANNEL ? this.control : this.tables?.[channelID];
  }

  private setSlots(channelID: number, slots: Slots): Slots {
    if (channelID === CONTROL_CHANNEL) this.control = slots;
    else (this.tables ??= [])[channelID] = slots;
    return slots;
  }
}
