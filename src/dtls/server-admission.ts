/**
 * The front door of a DTLS server, shared by ENet's DTLS transport and DTLSServer: a datagram
 * from a client with no session is answered statelessly with a HelloVerifyRequest
 * (server-gate.ts) until its ClientHello carries our cookie, and a proven client starts a
 * session only within the handshake rate (handshake-rate.ts). Whom to evict when the handshake
 * slots are full is the caller's (util/handshake-eviction.ts), since each keeps its own table.
 */
import { isLoopback } from "../transport/addresses.ts";
import { sameBytes } from "../util/same-bytes.ts";
import { ContentType, RECORD_HEADER_LENGTH } from "./constants.ts";
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

/** What a server session (connected or still in its handshake) does with a datagram from its client's address and port (judgeOnExistingSession). */
export type ExistingSessionVerdict =
  /** Not a new ClientHello: the session handles it. */
  | { action: "session" }
  /** A new ClientHello without our cookie: send `reply` (a HelloVerifyRequest) and keep the session. */
  | { action: "verify"; reply: Uint8Array }
  /** A new ClientHello with our cookie: the client started over from this address and port, and the session gives way. */
  | { action: "restart" };

const FOR_THE_SESSION: ExistingSessionVerdict = { action: "session" };
const RESTART: ExistingSessionVerdict = { action: "restart" };

/** Whether `datagram` starts with a handshake record at epoch 0: what a ClientHello comes in. */
function isEpochZeroHandshake(datagram: Uint8Array): boolean {
  return datagram.length >= RECORD_HEADER_LENGTH && datagram[0] === ContentType.handshake && datagram[3] === 0 && datagram[4] === 0;
}

export class ServerAdmission {
  private readonly cookieSecret: Uint8Array;
  private readonly rate: HandshakeRate;

  /** `limits` already checked (checkServerLimits). */
  constructor(random: RandomSource, limits: DtlsServerLimits) {
    this.cookieSecret = random(32);
    this.rate = new HandshakeRate(limits.handshakesPerSecondPerAddress, limits.handshakesPerSecond);
  }

  /** Judge the first datagram from `address:port` at `now` (ms). Never throws. */
  judge(datagram: Uint8Array, address: string, port: number, now: number): AdmissionVerdict {
    // The cookie binds the address and the port the client sends from.
    const verdict = screenClientHello(datagram, this.cookieSecret, `${address}:${port}`, now);
    if (verdict.action === "drop") return { action: "not-hello" };
    return verdict.action === "verify" ? verdict : { action: "proven", random: verdict.random };
  }

  /**
   * Judge a datagram that reached a session (connected or handshaking) from its client's address
   * and port (RFC 6347 4.2.8). Only a ClientHello at epoch 0 is judged, and a late copy of a hello
   * that began the session (its client random, `sessionRandom`; the cookie hello repeats the first
   * one's) is left to the session, so a duplicate the network delivers late cannot end it. Another
   * hello is a client starting over from this address and port (it restarted, or gave up on a
   * handshake whose next flight never reached it): without our cookie it is answered statelessly,
   * and with it the client has proven its address. Never throws.
   */
  judgeOnExistingSession(datagram: Uint8Array, sessionRandom: Uint8Array, address: string, port: number, now: number): ExistingSessionVerdict {
    if (!isEpochZeroHandshake(datagram)) return FOR_THE_SESSION;
    const verdict = this.judge(datagram, address, port, now);
    if (verdict.action === "not-hello" || sameBytes(verdict.random, sessionRandom)) return FOR_THE_SESSION;
    return verdict.action === "verify" ? { action: "verify", reply: verdict.reply } : RESTART;
  }

  /** Spend a handshake start for a proven client at `now` (ms); false over the rate (drop the ClientHello: the client retransmits). */
  mayStartHandshake(address: string, now: number): boolean {
    // This machine is exempt from the per-address rate (not the total): every client of a
    // local relay or proxy, and every client of a load test, comes from it.
    return this.rate.take(isLoopback(address) ? null : address, now);
  }
}
