/**
 * Godot's PacketPeerDTLS: one DTLS 1.2 session over a connected PacketPeerUDP, driven by poll()
 * as Godot's is (StreamPeerTLS does the same over a stream). A client starts with
 * connectToPeer; a server-side peer comes from DTLSServer.takeConnection, which first answers
 * the cookie exchange (server-gate.ts) and creates the session only for a proven address. A
 * server-side peer closes its UDP peer when its session ends, so that the UDPServer forgets the
 * address and the client's next ClientHello is a new connection (Godot's peer drops its only
 * reference to the PacketPeerUDP then, whose destructor leaves the UDPServer).
 */
import { VariantPacketPeer } from "../core/packet-peer.ts";
import { GodotError } from "../errors.ts";
import { TLSOptions } from "../crypto/tls-options.ts";
import type { Clock } from "../transport/types.ts";
import { clockOf, PacketPeerUDP } from "../udp/packet-peer-udp.ts";
import { DtlsSession, DtlsStatus, type DtlsDropCounters } from "./session.ts";
import type { ExistingSessionVerdict } from "./server-admission.ts";
import { clientConfig, defaultRandom, type RandomSource } from "./tls-config.ts";

/** Godot's PacketPeerDTLS.Status (the DTLS core's own values). */
export { DtlsStatus as PacketPeerDTLSStatus };

/** Datagrams one poll() takes from the UDP peer at most, so one flooded peer cannot hold the loop. */
export const MAX_DATAGRAMS_PER_POLL = 4096;

/** What a DTLSServer gives a peer it accepts (see DTLSServer.takeConnection). */
export interface ServerSide {
  /**
   * Judge one datagram that arrived before the session exists: start the session, answer with a
   * HelloVerifyRequest, refuse (not a ClientHello), or drop it and wait for the client's retransmission.
   */
  admit(peer: PacketPeerDTLS, datagram: Uint8Array, now: number):
    | { action: "accept"; session: DtlsSession }
    | { action: "verify"; reply: Uint8Array }
    | { action: "refuse"; reason: string }
    | { action: "drop" };
  /**
   * Judge a datagram that reached the peer's connected session (RFC 6347 4.2.8): "session" for
   * the session to handle (anything but a ClientHello at epoch 0, or a late copy of the hello that
   * began the session: same `sessionRandom`), "verify" to answer a new hello that lacks our
   * cookie, statelessly, or "restart" when a new hello carries our cookie: the client started over
   * from this address and port, and the session must give way.
   */
  helloOnExistingSession(datagram: Uint8Array, sessionRandom: Uint8Array, address: string, port: number, now: number): ExistingSessionVerdict;
  /** The peer left the handshake (connected, failed or closed). */
  settled(peer: PacketPeerDTLS): void;
  /** How long a taken peer waits for a ClientHello with a valid cookie. */
  readonly helloWaitMs: number;
}

/** Internal hooks for DTLSServer; not exported from the package. */
export const acceptAsServer = Symbol("acceptAsServer");
export const failHandshake = Symbol("failHandshake");
export const lastHeard = Symbol("lastHeard");

export interface PacketPeerDTLSOptions {
  /** Clock for the handshake's timers (default: the UDP peer's). */
  clock?: Clock;
  /** Cryptographic randomness (default: the platform's). */
  random?: RandomSource;
}

export class PacketPeerDTLS extends VariantPacketPeer {
  static readonly STATUS_DISCONNECTED = DtlsStatus.STATUS_DISCONNECTED;
  static readonly STATUS_HANDSHAKING = DtlsStatus.STATUS_HANDSHAKING;
  static readonly STATUS_CONNECTED = DtlsStatus.STATUS_CONNECTED;
  static readonly STATUS_ERROR = DtlsStatus.STATUS_ERROR;
  static readonly STATUS_ERROR_HOSTNAME_MISMATCH = DtlsStatus.STATUS_ERROR_HOSTNAME_MISMATCH;

  private base: PacketPeerUDP | null = null;
  private session: DtlsSession | null = null;
  private clock: Clock | null;
  private readonly random: RandomSource;
  /** Server side before its session exists: waiting for a ClientHello that carries our cookie. */
  private server: ServerSide | null = null;
  /** The DTLSServer that accepted this peer, for as long as its session lasts (null on a client). */
  private acceptedBy: ServerSide | null = null;
  private waitingSince = 0;
  private heardAt = 0;
  private status = DtlsStatus.STATUS_DISCONNECTED;
  private errorMessage = "";
  private packetError = GodotError.OK;
  /** The counters of the session that ended, so they can still be read. */
  private endedDrops: DtlsDropCounters = { badRecordMac: 0, replayed: 0, malformed: 0, unexpected: 0 };

  constructor(opts: PacketPeerDTLSOptions = {}) {
    super();
    this.clock = opts.clock ?? null;
    this.random = opts.random ?? defaultRandom;
  }

  /**
   * Start a DTLS client handshake over `packetPeer`, which must be connected (connectToHost),
   * verifying the server as `hostname` with `clientOptions` (default: TLSOptions.client(), which
   * needs a trusted chain; there is no system store). ERR_INVALID_PARAMETER when the UDP peer is
   * not connected, ERR_ALREADY_IN_USE while a session runs.
   */
  connectToPeer(packetPeer: PacketPeerUDP, hostname: string, clientOptions: TLSOptions | null = null): GodotError {
    if (!(packetPeer instanceof PacketPeerUDP)) throw new TypeError("connectToPeer: packetPeer must be a PacketPeerUDP");
    if (typeof hostname !== "string") throw new TypeError("connectToPeer: hostname must be a string");
    if (clientOptions !== null && (!(clientOptions instanceof TLSOptions) || clientOptions.isServer())) {
      throw new TypeError("connectToPeer: clientOptions must be TLSOptions.client(...) or clientUnsafe(...)");
    }
    if (this.isActive()) return GodotError.ERR_ALREADY_IN_USE;
    if (!packetPeer.isSocketConnected()) return GodotError.ERR_INVALID_PARAMETER;
    const config = clientConfig(clientOptions ?? TLSOptions.client(), hostname, this.random);
    this.begin(packetPeer);
    this.session = DtlsSession.client(config, this.now());
    this.flush();
    return GodotError.OK;
  }

  /**
   * Move datagrams both ways, run the handshake's timers, and take in received packets. Call
   * it regularly, as in Godot: nothing happens between calls.
   */
  poll(): void {
    const base = this.base;
    if (!base || !this.isActive()) return;
    const now = this.now();
    // A session that has ended reads no further: what came before its end stays to be taken (see flush).
    for (let n = 0; n < MAX_DATAGRAMS_PER_POLL && base.getAvailablePacketCount() > 0 && this.session?.isOpen !== false; n++) {
      const datagram = base.getPacket();
      this.heardAt = now;
      if (!this.session) this.admit(datagram, now);
      else if (this.acceptedBy) this.receiveAsServerSession(this.session, datagram, now);
      else this.session.receive(now, datagram);
      if (!this.isActive()) return;
    }
    if (this.session) this.session.handleTimeout(now);
    else if (this.server && now - this.waitingSince >= this.server.helloWaitMs) this[failHandshake]("no ClientHello with a valid cookie arrived in time");
    this.flush();
  }

  getStatus(): DtlsStatus {
    return this.status;
  }

  /** Why the status is an error, or "". */
  getErrorMessage(): string {
    return this.errorMessage;
  }

  /** Records of the current (or last) session dropped: failed authentication, replays, malformed, unexpected or beyond the receive queue. */
  getDropCounters(): DtlsDropCounters {
    return { ...(this.session?.drops ?? this.endedDrops) };
  }

  /**
   * Send close_notify (when connected or handshaking) and let go of the UDP peer, which stays
   * open on a client (a server-side peer closes it: see release). Not connected or handshaking:
   * nothing changes, so an error status (and its message) stays, as Godot 4.6's
   * disconnect_from_peer returns early then.
   */
  disconnectFromPeer(): void {
    if (!this.isActive()) return;
    if (this.session) {
      this.session.close();
      this.flush();
    }
    this.release(DtlsStatus.STATUS_DISCONNECTED);
  }

  // ---- PacketPeer ----

  /** Packets decrypted and not yet taken (0 unless connected, as in Godot). */
  getAvailablePacketCount(): number {
    return this.status === DtlsStatus.STATUS_CONNECTED && this.session ? this.session.applicationDataQueued : 0;
  }

  /**
   * The oldest received packet. Empty with getPacketError() ERR_UNCONFIGURED when not connected;
   * empty with OK when connected and none is queued, as Godot 4.6's (mbedTLS's "nothing to read"
   * is not an error there, unlike PacketPeerUDP's ERR_UNAVAILABLE).
   */
  getPacket(): Uint8Array {
    if (this.status !== DtlsStatus.STATUS_CONNECTED || !this.session) {
      this.packetError = GodotError.ERR_UNCONFIGURED;
      return new Uint8Array(0);
    }
    this.packetError = GodotError.OK;
    return this.session.pollApplicationData() ?? new Uint8Array(0);
  }

  getPacketError(): GodotError {
    return this.packetError;
  }

  /**
   * Encrypt and send one packet: OK, ERR_UNCONFIGURED (not connected), ERR_INVALID_PARAMETER
   * (above 16384 bytes, one DTLS record), ERR_OUT_OF_MEMORY (the session's queue is full). An
   * empty packet sends nothing, as in Godot.
   */
  putPacket(buffer: Uint8Array): GodotError {
    if (!(buffer instanceof Uint8Array)) throw new TypeError("putPacket: buffer must be a Uint8Array");
    if (this.status !== DtlsStatus.STATUS_CONNECTED || !this.session) return GodotError.ERR_UNCONFIGURED;
    // Ended with packets still to take (see flush): the peer is gone and would discard it, as it
    // would Godot's write in that window, which succeeds.
    if (buffer.length === 0 || !this.session.isOpen) return GodotError.OK;
    const err = this.session.send(buffer);
    this.flush();
    return err;
  }


  // ---- server side (DTLSServer) ----

  /** Become the server end for `udpPeer`: judge what it has received so far (Godot's accept_peer). */
  [acceptAsServer](udpPeer: PacketPeerUDP, server: ServerSide): void {
    if (!udpPeer.isSocketConnected()) {
      this.status = DtlsStatus.STATUS_DISCONNECTED;
      this.errorMessage = "the UDP peer is not connected";
      return;
    }
    this.begin(udpPeer);
    this.server = server;
    this.acceptedBy = server;
    this.waitingSince = this.heardAt = this.now();
    this.poll();
  }

  /** Give up the handshake: STATUS_ERROR with `reason`. The UDP peer is closed (release), so its address can start again. */
  [failHandshake](reason: string): void {
    this.release(DtlsStatus.STATUS_ERROR, reason);
  }

  /** When the client was last heard from (for choosing whom to evict). */
  [lastHeard](): number {
    return this.heardAt;
  }

  private admit(datagram: Uint8Array, now: number): void {
    const verdict = this.server!.admit(this, datagram, now);
    if (verdict.action === "drop") return;
    if (verdict.action === "refuse") {
      this[failHandshake](verdict.reason);
      return;
    }
    if (verdict.action === "verify") {
      this.base!.putPacket(verdict.reply);
      // As Godot: the peer that answered the cookie exchange is done; the client's next
      // ClientHello comes to the UDPServer as a new connection (its UDP peer is closed here).
      this[failHandshake]("cookie exchange: HelloVerifyRequest sent, the client will retry as a new connection");
      return;
    }
    this.session = verdict.session;
    this.session.receive(now, datagram);
  }

  /**
   * A datagram for our server session, connected or handshaking. A ClientHello from a client that
   * started over from this address and port (RFC 6347 4.2.8: it restarted, or gave up on a
   * handshake whose next flight never reached it) is answered with a stateless HelloVerifyRequest
   * while it lacks our cookie, and the session stays. With our cookie, the session ends in
   * STATUS_ERROR and the UDP peer is closed, as Godot 4's PacketPeerMbedDTLS does when mbedTLS
   * reports MBEDTLS_ERR_SSL_CLIENT_RECONNECT (for a connected session; mbedTLS leaves a
   * handshaking one be): the hello itself is dropped, and its retransmission reaches the
   * UDPServer as a new connection. Left to the session, a new hello would only bring back the
   * session's last flight, which the new client cannot read: it would never connect.
   */
  private receiveAsServerSession(session: DtlsSession, datagram: Uint8Array, now: number): void {
    const base = this.base!;
    const verdict = this.acceptedBy!.helloOnExistingSession(datagram, session.helloRandom, base.getPacketIp(), base.getPacketPort(), now);
    if (verdict.action === "session") {
      session.receive(now, datagram);
      return;
    }
    if (verdict.action === "verify") {
      base.putPacket(verdict.reply);
      return;
    }
    this.release(DtlsStatus.STATUS_ERROR, "the client started a new DTLS handshake from the same address and port (it restarted, or never received our Finished)");
  }

  // ---- internals ----

  private begin(base: PacketPeerUDP): void {
    this.base = base;
    this.endedDrops = { badRecordMac: 0, replayed: 0, malformed: 0, unexpected: 0 };
    this.clock ??= base[clockOf]();
    this.status = DtlsStatus.STATUS_HANDSHAKING;
    this.errorMessage = "";
  }

  private isActive(): boolean {
    return this.status === DtlsStatus.STATUS_HANDSHAKING || this.status === DtlsStatus.STATUS_CONNECTED;
  }

  private now(): number {
    return (this.clock ?? this.base![clockOf]()).now();
  }

  /** Send what the session produced and take over its status (a failure or the peer's close_notify ends it). */
  private flush(): void {
    const s = this.session;
    const base = this.base;
    if (!s || !base) return;
    for (let d = s.pollTransmit(); d; d = s.pollTransmit()) base.putPacket(d);
    if (s.status === this.status) return;
    // The peer's last packets and its close_notify (or a fatal alert) often reach one poll
    // together, even with its Finished. Godot's poll reads no record past a packet not yet taken,
    // so those packets are always delivered before the status changes: likewise, the peer is
    // CONNECTED while they wait (only a connected session takes packets in), and the poll after
    // the last is taken ends it.
    if (s.status === DtlsStatus.STATUS_CONNECTED || s.applicationDataQueued > 0) {
      if (this.status === DtlsStatus.STATUS_CONNECTED) return;
      this.status = DtlsStatus.STATUS_CONNECTED;
      this.server?.settled(this);
      this.server = null;
      return;
    }
    if (s.status === DtlsStatus.STATUS_HANDSHAKING) return;
    this.release(s.status, s.errorMessage);
  }

  /**
   * End the session and let go of the UDP peer; received packets not taken are dropped. A
   * server-side peer also closes its UDP peer: it came from a UDPServer, which then forgets the
   * client's address, so whatever the client sends next is a new connection (a client that
   * closed, failed or restarted can connect again). A client's UDP peer is the caller's and stays open.
   */
  private release(status: DtlsStatus, reason = ""): void {
    const server = this.server;
    const base = this.base;
    const serverSide = this.acceptedBy !== null;
    if (this.session) this.endedDrops = { ...this.session.drops };
    this.status = status;
    this.errorMessage = reason;
    this.session = null;
    this.base = null;
    this.server = null;
    this.acceptedBy = null;
    if (serverSide) base?.close();
    server?.settled(this);
  }
}
