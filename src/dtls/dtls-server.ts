/**
 * Godot's DTLSServer: turns PacketPeerUDPs taken from a UDPServer into server-side
 * PacketPeerDTLS. The first ClientHello of an address is answered statelessly with a
 * HelloVerifyRequest (the returned peer is STATUS_ERROR, as Godot's is); a ClientHello carrying
 * our cookie starts a session, under the same admission (server-admission.ts) and handshaking
 * bound (util/handshake-eviction.ts) as ENet's DTLS server. A new ClientHello that reaches a
 * connected (or still handshaking) peer is judged the same way (helloOnExistingSession): the
 * client starting over from that address and port ends the peer once it proves its address, as
 * mbedTLS's client-port reuse does for a connected one.
 */
import { NetError, GodotError } from "../errors.ts";
import { TLSOptions } from "../crypto/tls-options.ts";
import type { Clock } from "../transport/types.ts";
import { PacketPeerUDP } from "../udp/packet-peer-udp.ts";
import { evictionCandidate } from "../util/handshake-eviction.ts";
import { DEFAULT_MAX_HANDSHAKING } from "./dtls-datagram-transport.ts";
import { acceptAsServer, failHandshake, lastHeard, PacketPeerDTLS, type ServerSide } from "./packet-peer-dtls.ts";
import { ServerAdmission, type ExistingSessionVerdict } from "./server-admission.ts";
import { checkPublicServerLimits } from "./server-limits.ts";
import { DtlsSession, type DtlsConfig } from "./session.ts";
import { defaultRandom, serverConfig, type RandomSource } from "./tls-config.ts";

/**
 * A taken peer waits this long at most for a ClientHello with a valid cookie; from that hello on,
 * the handshake is bounded by the DTLS core's retransmission schedule (mbedTLS's rule).
 */
export const DTLS_SERVER_HELLO_WAIT_MS = 30_000;

/** DTLSServer.setup's limits: ENet's DTLS server limits but maxSessions (connected peers are the program's). */
export interface DTLSServerLimits {
  /** Peers of this server still handshaking at most (default 256); when full, a new handshake evicts an unfinished one. */
  maxHandshaking?: number;
  /** New handshakes one address (IP) may start per second, and at once (default 10; loopback exempt). */
  handshakesPerSecondPerAddress?: number;
  /** New handshakes all clients together may start per second, and at once (default 100). */
  handshakesPerSecond?: number;
}

export interface DTLSServerCounters {
  /** HelloVerifyRequests sent, by takes and by connected peers (a new ClientHello without our cookie from a connected peer's address). */
  helloVerifyRequestsSent: number;
  /** First datagrams that were not a whole ClientHello: the take ends in STATUS_ERROR and its UDP peer is closed. */
  gateDropped: number;
  /** ClientHellos with a valid cookie dropped for starting handshakes too fast (the client retransmits). */
  handshakesRateLimited: number;
  /** Unfinished handshakes given up to make room for a new one (maxHandshaking). */
  handshakesEvicted: number;
  /**
   * Connected peers ended (STATUS_ERROR) because their client started a new handshake from the
   * same address and port with our cookie (RFC 6347 4.2.8; it restarted, or never received our Finished).
   */
  sessionsReplaced: number;
}

export interface DTLSServerOptions {
  /** Clock for handshake timers (default: each UDP peer's). */
  clock?: Clock;
  random?: RandomSource;
}

export class DTLSServer {
  readonly counters: DTLSServerCounters = { helloVerifyRequestsSent: 0, gateDropped: 0, handshakesRateLimited: 0, handshakesEvicted: 0, sessionsReplaced: 0 };
  private config: DtlsConfig | null = null;
  private admission: ServerAdmission | null = null;
  private maxHandshaking = DEFAULT_MAX_HANDSHAKING;
  /** Peers of ours in their handshake, with their client's address and port as taken. */
  private readonly handshaking = new Map<PacketPeerDTLS, { address: string; port: number }>();
  private readonly random: RandomSource;
  private readonly clock: Clock | undefined;
  private readonly side: ServerSide;

  constructor(opts: DTLSServerOptions = {}) {
    this.random = opts.random ?? defaultRandom;
    this.clock = opts.clock;
    this.side = {
      helloWaitMs: DTLS_SERVER_HELLO_WAIT_MS,
      admit: (peer, datagram, now) => this.admit(peer, datagram, now),
      helloOnExistingSession: (datagram, sessionRandom, address, port, now) => this.helloOnExistingSession(datagram, sessionRandom, address, port, now),
      settled: (peer) => {
        this.handshaking.delete(peer);
      },
    };
  }

  /**
   * Use `serverOptions` (TLSOptions.server(key, certificate)) for the peers taken from now on,
   * with a fresh cookie secret. Once only: a second call returns ERR_ALREADY_IN_USE and changes
   * nothing, as Godot 4.6's (its cookie context is never set up twice). Throws TypeError for
   * other options, RangeError for bad limits.
   */
  setup(serverOptions: TLSOptions, limits: DTLSServerLimits = {}): GodotError {
    if (!(serverOptions instanceof TLSOptions) || !serverOptions.isServer()) throw new TypeError("setup: serverOptions must be TLSOptions.server(key, certificate)");
    const checked = checkPublicServerLimits(limits);
    if (this.config) return GodotError.ERR_ALREADY_IN_USE;
    this.config = serverConfig(serverOptions, this.random);
    this.admission = new ServerAdmission(this.random, checked);
    this.maxHandshaking = checked.maxHandshaking ?? DEFAULT_MAX_HANDSHAKING;
    return GodotError.OK;
  }

  /**
   * The server end of a DTLS session with `udpPeer` (connected: from UDPServer.takeConnection).
   * Its status is STATUS_HANDSHAKING when the client proved its address (a ClientHello with our
   * cookie) or has sent nothing yet; STATUS_ERROR after the cookie exchange (about half of all
   * takes, as in Godot: the client's next ClientHello arrives as a new UDPServer connection, and
   * the UDP peer is closed here so it can), and STATUS_DISCONNECTED for an unconnected UDP peer.
   * Throws NetError(ERR_UNCONFIGURED) before setup().
   */
  takeConnection(udpPeer: PacketPeerUDP): PacketPeerDTLS {
    if (!(udpPeer instanceof PacketPeerUDP)) throw new TypeError("takeConnection: udpPeer must be a PacketPeerUDP");
    if (!this.config) throw new NetError(GodotError.ERR_UNCONFIGURED, "DTLSServer.takeConnection: call setup(TLSOptions.server(key, certificate)) first");
    const peer = new PacketPeerDTLS({ clock: this.clock, random: this.random });
    this.handshaking.set(peer, { address: udpPeer.getPacketIp(), port: udpPeer.getPacketPort() });
    peer[acceptAsServer](udpPeer, this.side);
    if (peer.getStatus() !== PacketPeerDTLS.STATUS_HANDSHAKING) this.handshaking.delete(peer);
    return peer;
  }

  private admit(peer: PacketPeerDTLS, datagram: Uint8Array, now: number): ReturnType<ServerSide["admit"]> {
    const { address, port } = this.handshaking.get(peer) ?? { address: "", port: 0 };
    const verdict = this.admission!.judge(datagram, address, port, now);
    if (verdict.action === "not-hello") {
      // Nothing is kept for it: a client whose datagram was mangled starts again as a new connection.
      this.counters.gateDropped++;
      return { action: "refuse", reason: "the client's first datagram is not a whole DTLS ClientHello" };
    }
    if (verdict.action === "verify") {
      this.counters.helloVerifyRequestsSent++;
      return verdict;
    }
    if (!this.admission!.mayStartHandshake(address, now)) {
      this.counters.handshakesRateLimited++;
      return { action: "drop" };
    }
    this.makeRoom(peer);
    return { action: "accept", session: DtlsSession.server(this.config!, now) };
  }

  /**
   * A datagram reached a peer of ours (connected or handshaking) from its client's address and port
   * (ServerAdmission.judgeOnExistingSession). A new hello without our cookie gets a
   * HelloVerifyRequest and costs nothing, as at the gate: one HMAC, no state, no rate limit. With
   * our cookie, the client has proven it receives at this address: the peer ends, and the
   * handshake starts from the client's retransmission, through takeConnection and its admission
   * (rate, handshake slots).
   */
  private helloOnExistingSession(datagram: Uint8Array, sessionRandom: Uint8Array, address: string, port: number, now: number): ExistingSessionVerdict {
    const verdict = this.admission!.judgeOnExistingSession(datagram, sessionRandom, address, port, now);
    if (verdict.action === "verify") this.counters.helloVerifyRequestsSent++;
    else if (verdict.action === "restart") this.counters.sessionsReplaced++;
    return verdict;
  }

  /** Over maxHandshaking sessions: give up one unfinished handshake (the address holding the most, heard from least recently). */
  private makeRoom(newcomer: PacketPeerDTLS): void {
    const started = [...this.handshaking.keys()].filter((p) => p !== newcomer);
    if (started.length < this.maxHandshaking) return;
    const victim = evictionCandidate(started, (p) => this.handshaking.get(p)?.address ?? "", (p) => p[lastHeard]());
    if (!victim) return;
    this.counters.handshakesEvicted++;
    victim[failHandshake]("evicted: the server's handshake slots were full");
  }
}
