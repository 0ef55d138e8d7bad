/**
 * The front door of a DTLS server, shared by ENet's DTLS transport and DTLSServer: a datagram
 * from a client with no session is answered statelessly with a HelloVerifyRequest
 * (server-gate.ts) until its ClientHello carries our cookie, and a proven client starts a
 * session only within the handshake rate (handshake-rate.ts). Whom to evict when the handshake
 * slots are full is the caller's (util/handshake-eviction.ts), since each keeps its own table.
 */
import { isLoopback } from "../transport/addresses.ts";
import { HandshakeRate } from "./handshake-rate.ts";
import { screenClientHello } from "./server-gate.ts";
import type { DtlsServerLimits } from "./server-limits.ts";
import type { RandomSource } from "./tls-config.ts";

export type AdmissionVerdict =
  /** A ClientHello carrying our cookie: the client receives at its address. `random` is the hello's. */
  | { action: "proven"; random: Uint8Array }
  /** No valid cookie: send `reply` (a HelloVerifyRequest) and keep nothing. */
  | { action: "verify"; reply: Uint8Array; random: Uint8Array }
  /** Not a whole ClientHello: nothing to answer. */
  | { action: "not-hello" };

export class ServerAdmission {
  private readonly cookieSecret: Uint8Array;
  private readonly rate: HandshakeRate;

  /** `limits` already checked (checkServerLimits). */
  constructor(random: RandomSource, limits: DtlsServerLimits) {
    this.cookieSecret = random(32);
    this.rate = new HandshakeRate(limits.handshakesPerSecondPerAddress, limits.handshakesPerSecond);
  }

  /** Judge the first datagram from `address:port`. Never throws. */
  judge(datagram: Uint8Array, address: string, port: number): AdmissionVerdict {
    // The cookie binds the address and the port the client sends from.
    const verdict = screenClientHello(datagram, this.cookieSecret, `${address}:${port}`);
    if (verdict.action === "drop") return { action: "not-hello" };
    return verdict.action === "verify" ? verdict : { action: "proven", random: verdict.random };
  }

  /** Spend a handshake start for a proven client at `now` (ms); false over the rate (drop the ClientHello: the client retransmits). */
  mayStartHandshake(address: string, now: number): boolean {
    // This machine is exempt from the per-address rate (not the total): every client of a
    // local relay or proxy, and every client of a load test, comes from it.
    return this.rate.take(isLoopback(address) ? null : address, now);
  }
}
