/**
 * CONNECT-flood policy: who may take a peer slot for a half-open handshake.
 *
 * C ENet gives every CONNECT from a new address/port a free slot and keeps it in
 * ACKNOWLEDGING_CONNECT until the remote acknowledges VERIFY_CONNECT or the slot times
 * out (5..30 s). A flood of CONNECTs that never complete therefore holds every slot and
 * locks real clients out. This file adds four rules on top, none of which changes a
 * byte on the wire (a refused or evicted CONNECT looks like a lost datagram to the
 * client, which retransmits it as ENet always does):
 *
 * 1. Half-open cap: at most `halfOpenLimit` peers may be half-open at once.
 * 2. Eviction: when the cap is reached or no slot is free, a half-open peer is reset
 *    silently (nothing is sent to a possibly spoofed address) and its slot reused: the one
 *    whose address/port has had the most handshakes evicted before (a flooding socket
 *    collects such strikes fast, an honest client has none), the oldest among equals. An
 *    honest client's half-open slot therefore survives a flood from known sockets however
 *    slowly the server gets to its acknowledgement. A completed connection is never evicted.
 *    Only the EVICTION_SCAN oldest half-open peers are weighed, so a CONNECT costs the same
 *    at 8 slots as at 4,095.
 * 3. Per-endpoint rate: an address/port that has had a half-open handshake evicted (rule 2)
 *    may start a new one at most once per `connectInterval` ms. A real ENet host retransmits its CONNECT with the same
 *    connect ID (ignored as a duplicate while its slot is half-open), so it starts a new
 *    handshake only after a loss; a flooding socket is held to one new slot per interval,
 *    which bounds how fast it can push honest half-open peers out (rule 2).
 * 4. Parked handshakes: an evicted half-open handshake is remembered (bounded, oldest
 *    forgotten first). A flood from fresh source ports every time gives rule 2 nothing to
 *    tell apart, so an honest handshake may be evicted before its acknowledgement arrives;
 *    the client then believes it is connected and addresses its slot. When a datagram for
 *    that slot comes from the parked handshake's address/port with its session ID, the
 *    handshake is put back in its slot (a half-open occupant is evicted and parked in turn;
 *    a connected one is never touched) and completed at once: only our VERIFY_CONNECT told
 *    the client that slot and session, so the datagram shows it arrived. The datagram is
 *    then read as usual.
 *
 * Every refused CONNECT, eviction and reinstatement is counted in `ConnectCounters`.
 */

import { BoundedMap } from "../util/bounded-map.ts";
import type { OutgoingConnectParameters } from "./wire.ts";

/** Default minimum time between two new half-open handshakes from one address/port (ms). */
export const DEFAULT_CONNECT_INTERVAL = 100;
/** Endpoints remembered for the per-endpoint rate, per peer slot (bounded memory under spoofing). */
const RATE_TABLE_ENTRIES_PER_SLOT = 4;
/** Endpoints remembered at least (small hosts still see many flood sources). */
const RATE_TABLE_MINIMUM_ENTRIES = 1024;
/** Half-open peers weighed for eviction (rule 2): the oldest ones. */
export const EVICTION_SCAN = 32;
/**
 * Evicted handshakes remembered (rule 4), per peer slot and at least. A parked handshake lives
 * until this many newer ones were parked: at 16,384 and a flood of 50,000 fresh CONNECTs per
 * second, about 330 ms, a round trip for a slow client. About 300 bytes each.
 */
const PARKED_PER_SLOT = 4;
const PARKED_MINIMUM = 16_384;

/** What the CONNECT-flood policy refused, evicted or reinstated. Never decreases. */
export interface ConnectCounters {
  /** CONNECTs refused: the endpoint started a handshake less than `connectInterval` ago. */
  rateLimited: number;
  /** CONNECTs refused: every slot holds a completed connection (server full). */
  full: number;
  /** Half-open peers reset to make room for a newer CONNECT. */
  evicted: number;
  /** Evicted handshakes put back in their slot when their client addressed it (rule 4). */
  reinstated: number;
  /**
   * Half-open peers connected by a command only a connected client sends (data, PING): their
   * client's acknowledgement of VERIFY_CONNECT was lost (receive.ts, connectOnProof).
   */
  provenByCommand: number;
  /**
   * Client side: acknowledgements of the server's VERIFY_CONNECT sent again with a retransmission,
   * before the server had acknowledged anything of ours (receive.ts, repeatVerifyConnectAck).
   */
  verifyAcksRepeated: number;
}

/**
 * Everything a half-open peer was given by its CONNECT and our VERIFY_CONNECT: enough to
 * set the slot up again exactly as it was (rule 4).
 */
export interface HalfOpenHandshake {
  readonly address: string;
  readonly port: number;
  /** endpointKey(address, port), made once: the eviction scan looks up its strikes on every CONNECT. */
  readonly endpoint: string;
  /** What our VERIFY_CONNECT carried (the slot, both session IDs, MTU, window, channels, connect ID). */
  readonly verify: OutgoingConnectParameters;
  /** The remote's own peer ID, bandwidths and CONNECT data. */
  readonly remoteOutgoingPeerID: number;
  readonly remoteIncomingBandwidth: number;
  readonly remoteOutgoingBandwidth: number;
  readonly eventData: number;
  /** The peer's send window, from the bandwidths. */
  readonly windowSize: number;
}

/** Evicted half-open handshakes by address, port and slot; bounded, oldest forgotten first (rule 4). */
export class ParkedHandshakes {
  private readonly parked: BoundedMap<string, HalfOpenHandshake>;

  constructor(slotCount: number) {
    this.parked = new BoundedMap(Math.max(PARKED_MINIMUM, slotCount * PARKED_PER_SLOT));
  }

  get size(): number {
    return this.parked.size;
  }

  park(handshake: HalfOpenHandshake): void {
    this.parked.set(slotKey(handshake.address, handshake.port, handshake.verify.outgoingPeerID), handshake);
  }

  /** The handshake parked for `slot` from `address:port` whose client speaks with `sessionID`, taken out of the table. */
  take(address: string, port: number, slot: number, sessionID: number): HalfOpenHandshake | null {
    const key = slotKey(address, port, slot);
    const handshake = this.parked.get(key);
    // The client's datagrams carry the session ID our VERIFY_CONNECT gave as its outgoing one.
    if (handshake === undefined || handshake.verify.outgoingSessionID !== sessionID) return null;
    this.parked.delete(key);
    return handshake;
  }

  /**
   * A newer session with `address:port` took `slot` (its handshake, or our own connect to it):
   * forget what was parked for that slot from there. Its datagrams to the slot are then the newer
   * session's (with 2-bit session IDs, possibly the same one), and one arriving after that session
   * ended must not bring back the older handshake and be read as its data.
   */
  forget(address: string, port: number, slot: number): void {
    this.parked.delete(slotKey(address, port, slot));
  }
}

/**
 * Remembers when each recent address/port last started a half-open handshake, and how many of
 * its handshakes were evicted half-open (strikes). Both maps are bounded, least recently
 * updated forgotten first.
 */
export class ConnectRateTable {
  private readonly lastStart: BoundedMap<string, number>;
  private readonly strikes: BoundedMap<string, number>;

  constructor(
    slotCount: number,
    readonly interval: number,
  ) {
    const capacity = Math.max(RATE_TABLE_MINIMUM_ENTRIES, slotCount * RATE_TABLE_ENTRIES_PER_SLOT);
    this.lastStart = new BoundedMap(capacity);
    this.strikes = new BoundedMap(capacity);
  }

  /**
   * True when `key` started a handshake within the interval before `now` and has had a
   * half-open handshake evicted before. A host that opens many peers from one socket (C ENet
   * allows it; load testers and bot hosts do it) completes its handshakes, collects no strikes
   * and is never slowed; a flooding socket starts collecting strikes once the cap is reached.
   */
  isLimited(key: string, now: number): boolean {
    if (this.interval <= 0) return false;
    if (!this.strikes.has(key)) return false;
    const last = this.lastStart.get(key);
    return last !== undefined && now - last < this.interval;
  }

  /** Record a new handshake from `key` at `now`. */
  record(key: string, now: number): void {
    if (this.interval <= 0) return;
    this.lastStart.set(key, now);
    // Starts older than the interval can no longer limit anyone.
    this.lastStart.dropOldestWhile((time) => now - time >= this.interval);
  }

  get size(): number {
    return this.lastStart.size;
  }

  /** A half-open handshake from `key` was evicted. */
  strike(key: string): void {
    this.strikes.set(key, (this.strikes.get(key) ?? 0) + 1);
  }

  /** Evicted half-open handshakes of `key` remembered. */
  strikesOf(key: string): number {
    return this.strikes.get(key) ?? 0;
  }
}

export function endpointKey(address: string, port: number): string {
  return address + "|" + port;
}

/** The key of what an address/port had on one of our slots. */
function slotKey(address: string, port: number, slot: number): string {
  return endpointKey(address, port) + "|" + slot;
}

/** Endpoint/slot pairs whose recent session IDs are remembered; the oldest pair is forgotten first. */
const RECENT_SESSIONS_PER_SLOT = 4;
const RECENT_SESSIONS_MINIMUM = 4096;

/**
 * The session IDs each address/port last had on each slot (the two latest, as ours: what its
 * datagrams to us carry). ENet knows a session by slot, address, port and a 2-bit session ID, and
 * a new session only avoids the slot's previous one: a remote never told that its session ended
 * (reset, a lost disconnect, a timeout on our side only) keeps sending with the old ID, and a
 * later session of the same remote on the same slot that drew that ID again would take its
 * packets, or be completed by them (a command proves a half-open peer; a datagram brings back a
 * parked one). The server chooses the IDs its VERIFY_CONNECT gives, and clients adopt them, so
 * acceptConnect steers around these (see `steer`).
 */
export class RecentSessions {
  /** `endpoint|slot` -> the latest ID in bits 0-1, the one before in bits 2-3; bit 4: two known. */
  private readonly recent: BoundedMap<string, number>;

  constructor(slotCount: number) {
    this.recent = new BoundedMap(Math.max(RECENT_SESSIONS_MINIMUM, slotCount * RECENT_SESSIONS_PER_SLOT));
  }

  /** A session of `address:port` on `slot`, whose datagrams to us carried `incomingSessionID`, ended. */
  ended(address: string, port: number, slot: number, incomingSessionID: number): void {
    const key = slotKey(address, port, slot);
    const known = this.recent.get(key);
    // The same session ending again (a handshake evicted, brought back, then ended) keeps the one before.
    if (known !== undefined && (known & 3) === incomingSessionID) return;
    this.recent.set(key, known === undefined ? incomingSessionID : 16 | ((known & 3) << 2) | incomingSessionID);
  }

  /**
   * The incoming session ID for a new session of `address:port` on `slot`: `proposed` (C ENet's
   * choice, which already differs from `avoid`, the slot's previous one) unless the endpoint's
   * last sessions on this slot used it, then the next value that is none of them.
   */
  steer(address: string, port: number, slot: number, proposed: number, avoid: number): number {
    const known = this.recent.get(slotKey(address, port, slot));
    if (known === undefined) return proposed;
    const used = (1 << (known & 3)) | (known & 16 ? 1 << ((known >> 2) & 3) : 0) | (avoid <= 3 ? 1 << avoid : 0);
    for (let k = 0; k < 4; k++) {
      const id = (proposed + k) & 3;
      if ((used & (1 << id)) === 0) return id;
    }
    return proposed;
  }
}

