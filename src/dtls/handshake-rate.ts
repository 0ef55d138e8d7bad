/**
 * How fast a DTLS server starts handshakes. A ClientHello that carries a valid cookie costs a
 * client one round trip and no cryptography, but makes the server generate an ephemeral key and
 * sign it (milliseconds of CPU in JavaScript). Without a bound, one machine replaying the cookie
 * exchange from many ports keeps the server's thread busy signing, and every established
 * session stalls with it. Two token buckets bound it: one per address (IP), so one machine
 * cannot take the whole budget, and one in total, so many cannot take the thread.
 */
import { BoundedMap } from "../util/bounded-map.ts";

/** New handshakes per second one address (IP) may start; a second's worth may start at once. */
export const DEFAULT_HANDSHAKES_PER_SECOND_PER_ADDRESS = 10;
/** New handshakes per second in total; a second's worth may start at once. */
export const DEFAULT_HANDSHAKES_PER_SECOND = 100;
/** Addresses whose bucket is remembered (oldest forgotten first: a forgotten one starts full). */
const ADDRESSES_REMEMBERED = 16_384;

interface Bucket {
  tokens: number;
  at: number;
}

export class HandshakeRate {
  private readonly addresses = new BoundedMap<string, Bucket>(ADDRESSES_REMEMBERED);
  private readonly total: Bucket;

  /** Rates are positive numbers (checked by the caller, checkServerLimits). */
  constructor(
    private readonly perAddressPerSecond = DEFAULT_HANDSHAKES_PER_SECOND_PER_ADDRESS,
    private readonly totalPerSecond = DEFAULT_HANDSHAKES_PER_SECOND,
  ) {
    this.total = { tokens: Math.max(1, totalPerSecond), at: -Infinity };
  }

  /**
   * Spend one handshake start for `address` at `now` (ms); false when either bucket is empty.
   * `address` null: the total bucket only (the caller exempts this machine's own addresses).
   */
  take(address: string | null, now: number): boolean {
    refill(this.total, now, this.totalPerSecond);
    if (this.total.tokens < 1) return false;
    if (address !== null) {
      let own = this.addresses.get(address);
      if (own === undefined) {
        own = { tokens: Math.max(1, this.perAddressPerSecond), at: now };
        this.addresses.set(address, own);
      }
      refill(own, now, this.perAddressPerSecond);
      if (own.tokens < 1) return false;
      own.tokens--;
    }
    this.total.tokens--;
    return true;
  }
}

function refill(bucket: Bucket, now: number, perSecond: number): void {
  const elapsed = now - bucket.at;
  // A bucket holds a second's worth, and at least one start (for rates below one a second).
  if (elapsed > 0) bucket.tokens = Math.min(Math.max(1, perSecond), bucket.tokens + (elapsed * perSecond) / 1000);
  bucket.at = Math.max(bucket.at, now);
}
