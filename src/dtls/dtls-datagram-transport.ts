/**
 * DTLS over a DatagramTransport, as a DatagramTransport: one DTLS session per remote
 * address, each datagram of the protocol above (ENet) carried as DTLS application
 * data — Godot's design for `ENetConnection.dtls_*_setup`. The server side keeps no
 * per-address state before the cookie round trip (server-gate.ts), refuses new
 * handshakes while `refuseNewConnections` is set, and bounds its sessions.
 */
import { GodotError } from "../errors.ts";
import type { TLSOptions } from "../crypto/tls-options.ts";
import type { BoundAddress, Clock, DatagramTransport } from "../transport/types.ts";
import { evictionCandidate } from "../util/handshake-eviction.ts";
import { ServerAdmission } from "./server-admission.ts";
import { DtlsSession, DtlsStatus, type DtlsConfig } from "./session.ts";
import { clientConfig, defaultRandom, serverConfig, type RandomSource } from "./tls-config.ts";
import { checkServerLimits, type DtlsServerLimits } from "./server-limits.ts";

/** Sessions per server at most (handshaking or connected). */
export const DEFAULT_MAX_SESSIONS = 4096;
/**
 * Sessions still handshaking at most (each holds a flight and reassembly buffers). When the
 * limit is reached, a new handshake evicts an unfinished one, taken from the address holding
 * the most (DtlsDatagramTransport.evictHandshake).
 */
export const DEFAULT_MAX_HANDSHAKING = 256;
/** Datagrams a client queues while its handshake runs. */
export const MAX_PENDING_DATAGRAMS = 64;
/** A session that received nothing for this long is forgotten when room is needed. */
export const SESSION_IDLE_MS = 60000;

export interface DtlsTransportOptions extends DtlsServerLimits {
  random?: RandomSource;
  /** Extra core settings (mtu, retransmission timer, handshake timeout, suites). */
  session?: Partial<DtlsConfig>;
}

export interface DtlsTransportCounters {
  helloVerifyRequestsSent: number;
  /** Datagrams from unknown addresses that were not a ClientHello (or malformed). */
  gateDropped: number;
  /** Handshakes refused (refuseNewConnections, or the session limit with every session completed). */
  handshakesRefused: number;
  /** ClientHellos with a valid cookie dropped because their address, or all clients together, started handshakes too fast (the client retransmits). */
  handshakesRateLimited: number;
  /** Unfinished handshakes forgotten to make room for a new one (see DEFAULT_MAX_HANDSHAKING). */
  handshakesEvicted: number;
  /** Sessions that received nothing for SESSION_IDLE_MS, closed to make room for a new one (onSessionEnded: ERR_TIMEOUT). */
  sessionsIdleClosed: number;
  /** Connected sessions ended because their client started a new handshake from the same address and port, with our cookie (RFC 6347 4.2.8). */
  sessionsReplaced: number;
  handshakesFailed: number;
  /** Datagrams not sent because no connected session exists for the address. */
  sendsWithoutSession: number;
  badRecordMac: number;
  replayed: number;
  malformed: number;
}

interface Entry {
  session: DtlsSession;
  address: string;
  port: number;
  pending: Uint8Array[];
  lastReceive: number;
}

export class DtlsDatagramTransport implements DatagramTransport {
  /** Server: stop accepting new DTLS handshakes (existing sessions continue). */
  refuseNewConnections = false;
  readonly counters: DtlsTransportCounters = {
    helloVerifyRequestsSent: 0,
    gateDropped: 0,
    handshakesRefused: 0,
    handshakesRateLimited: 0,
    handshakesEvicted: 0,
    sessionsIdleClosed: 0,
    sessionsReplaced: 0,
    handshakesFailed: 0,
    sendsWithoutSession: 0,
    badRecordMac: 0,
    replayed: 0,
    malformed: 0,
  };
  /** Called when a session's handshake fails, the peer closes it, or it is closed for being idle when room was needed. */
  onSessionEnded: ((address: string, port: number, code: GodotError, message: string) => void) | undefined;

  private readonly sessions = new Map<string, Entry>();
  private receiver: ((data: Uint8Array, address: string, port: number, owned?: boolean) => void) | undefined;
  private timer: unknown;
  private timerAt = Infinity;
  private readonly maxSessions: number;
  private readonly maxHandshaking: number;
  private readonly admission: ServerAdmission | null;
  private closed = false;

  private constructor(
    private readonly inner: DatagramTransport,
    private readonly clock: Clock,
    private readonly config: DtlsConfig,
    private readonly role: "client" | "server",
    opts: DtlsTransportOptions,
  ) {
    const limits = checkServerLimits(opts);
    this.maxSessions = limits.maxSessions ?? DEFAULT_MAX_SESSIONS;
    this.maxHandshaking = limits.maxHandshaking ?? DEFAULT_MAX_HANDSHAKING;
    this.admission = role === "server" ? new ServerAdmission(config.random, limits) : null;
    inner.onDatagram((data, address, port) => this.receive(data, address, port));
  }

  /** Client role: a session is started to each address the protocol above sends to. */
  static client(inner: DatagramTransport, clock: Clock, hostname: string, options: TLSOptions, opts: DtlsTransportOptions = {}): DtlsDatagramTransport {
    const config = { ...clientConfig(options, hostname, opts.random ?? defaultRandom), ...opts.session };
    return new DtlsDatagramTransport(inner, clock, config, "client", opts);
  }

  static server(inner: DatagramTransport, clock: Clock, options: TLSOptions, opts: DtlsTransportOptions = {}): DtlsDatagramTransport {
    const config = { ...serverConfig(options, opts.random ?? defaultRandom), ...opts.session };
    return new DtlsDatagramTransport(inner, clock, config, "server", opts);
  }

  bind(address: string, port: number): Promise<BoundAddress> {
    return this.inner.bind(address, port);
  }

  onDatagram(cb: (data: Uint8Array, address: string, port: number, owned?: boolean) => void): void {
    this.receiver = cb;
  }

  /**
   * Client: end the session with `address:port`, if any (a close_notify to the server, nothing
   * reported to onSessionEnded: the caller asked), so that the next datagram there starts a new
   * handshake. ENetConnection calls it before each connectToHost: a session kept from an earlier
   * connection may belong to a server that has since restarted, which drops its records, and the
   * new connection would never get through.
   */
  endSession(address: string, port: number): void {
    const key = `${address}:${port}`;
    const entry = this.sessions.get(key);
    // A server's sessions are its clients': only they end them.
    if (entry === undefined || this.closed || this.role !== "client") return;
    this.sessions.delete(key);
    entry.session.close();
    for (let d = entry.session.pollTransmit(); d; d = entry.session.pollTransmit()) this.sendRaw(d, address, port);
  }

  /** The DTLS status of the session with `address:port` (STATUS_DISCONNECTED when there is none). */
  getSessionStatus(address: string, port: number): DtlsStatus {
    return this.sessions.get(`${address}:${port}`)?.session.status ?? DtlsStatus.STATUS_DISCONNECTED;
  }

  /** The negotiated cipher suite name with `address:port`, or "". */
  getCipherSuite(address: string, port: number): string {
    return this.sessions.get(`${address}:${port}`)?.session.suite?.name ?? "";
  }

  get sessionCount(): number {
    return this.sessions.size;
  }

  send(data: Uint8Array, address: string, port: number): void {
    if (this.closed) return;
    const key = `${address}:${port}`;
    let entry = this.sessions.get(key);
    if (!entry && this.role === "client") {
      entry = { session: DtlsSession.client(this.config, this.clock.now()), address, port, pending: [], lastReceive: this.clock.now() };
      this.sessions.set(key, entry);
    }
    if (!entry) {
      this.counters.sendsWithoutSession++;
      return;
    }
    const s = entry.session;
    if (s.status === DtlsStatus.STATUS_CONNECTED) s.send(data);
    else if (s.status === DtlsStatus.STATUS_HANDSHAKING && entry.pending.length < MAX_PENDING_DATAGRAMS) entry.pending.push(data.slice());
    else this.counters.sendsWithoutSession++;
    this.flush(entry);
  }

  close(): void {
    if (this.closed) return;
    for (const e of this.sessions.values()) {
      e.session.close();
      this.flush(e);
    }
    this.sessions.clear();
    this.closed = true;
    if (this.timer !== undefined) this.clock.clearTimeout(this.timer);
    this.timer = undefined;
    this.inner.close();
  }

  private receive(data: Uint8Array, address: string, port: number): void {
    if (this.closed) return;
    const key = `${address}:${port}`;
    let entry = this.sessions.get(key);
    const now = this.clock.now();
    // A server session handshaking as well as connected: our clients start over after 30 s (see
    // DtlsConfig.handshakeTimeoutMs) while our server waits the whole retransmission schedule.
    if (entry && this.role === "server" && entry.session.isOpen) {
      const outcome = this.helloOnExistingSession(entry, data, address, port, now);
      if (outcome === "answered") return;
      if (outcome === "replace") {
        this.sessions.delete(key);
        this.counters.sessionsReplaced++;
        this.onSessionEnded?.(address, port, GodotError.ERR_CONNECTION_ERROR, "the client started a new DTLS handshake from the same address and port (it restarted, or never received our Finished)");
        // onSessionEnded may have closed this transport.
        if (this.closed) return;
        entry = undefined;
      }
    }
    if (!entry) {
      if (this.role === "client") {
        this.counters.gateDropped++;
        return;
      }
      const verdict = this.admission!.judge(data, address, port, now);
      if (verdict.action === "not-hello") {
        this.counters.gateDropped++;
        return;
      }
      if (this.refuseNewConnections) {
        this.counters.handshakesRefused++;
        return;
      }
      if (verdict.action === "verify") {
        this.counters.helloVerifyRequestsSent++;
        this.sendRaw(verdict.reply, address, port);
        return;
      }
      if (!this.admission!.mayStartHandshake(address, now)) {
        this.counters.handshakesRateLimited++;
        return;
      }
      if (!this.makeRoom(now)) {
        this.counters.handshakesRefused++;
        return;
      }
      entry = { session: DtlsSession.server(this.config, now), address, port, pending: [], lastReceive: now };
      this.sessions.set(key, entry);
    }
    entry.lastReceive = now;
    const s = entry.session;
    const drops = s.drops;
    const badRecordMac = drops.badRecordMac;
    const replayed = drops.replayed;
    const malformed = drops.malformed;
    s.receive(now, data);
    this.counters.badRecordMac += drops.badRecordMac - badRecordMac;
    this.counters.replayed += drops.replayed - replayed;
    this.counters.malformed += drops.malformed - malformed;
    this.flush(entry);
    // Each record's plaintext is a fresh array the cipher made for it alone: handed over (owned).
    for (let d = s.pollApplicationData(); d; d = s.pollApplicationData()) this.receiver?.(d, address, port, true);
  }

  /**
   * A datagram reached a connected or handshaking session (RFC 6347 4.2.8, ServerAdmission.judgeOnExistingSession).
   * A new hello without our cookie gets a HelloVerifyRequest, statelessly, and the session stays;
   * with a valid one the client has proven its address, and the old session gives way to it
   * ("replace"), as mbedTLS's client-port reuse does. Otherwise the session would answer every
   * new hello with its own last flight, and the client could never connect again until the
   * session ended.
   */
  private helloOnExistingSession(entry: Entry, data: Uint8Array, address: string, port: number, now: number): "session" | "answered" | "replace" {
    const verdict = this.admission!.judgeOnExistingSession(data, entry.session.helloRandom, address, port, now);
    if (verdict.action === "session") return "session";
    if (this.refuseNewConnections) {
      this.counters.handshakesRefused++;
      return "answered";
    }
    if (verdict.action === "verify") {
      this.counters.helloVerifyRequestsSent++;
      this.sendRaw(verdict.reply, address, port);
      return "answered";
    }
    return "replace";
  }

  /**
   * Room for one more server session: under both limits, after forgetting sessions idle for
   * SESSION_IDLE_MS and, if still full, evicting one unfinished handshake (see evictHandshake).
   */
  private makeRoom(now: number): boolean {
    if (!this.full()) return true;
    for (const [key, e] of this.sessions) if (now - e.lastReceive > SESSION_IDLE_MS) this.closeIdle(key, e);
    // closeIdle reports through onSessionEnded, which may have closed this transport.
    if (this.closed) return false;
    if (!this.full()) return true;
    return this.evictHandshake() && !this.full();
  }

  /** Close a session nothing was heard from for SESSION_IDLE_MS (a close_notify, in case its peer is still there) and say so. */
  private closeIdle(key: string, entry: Entry): void {
    this.sessions.delete(key);
    this.counters.sessionsIdleClosed++;
    entry.session.close();
    for (let d = entry.session.pollTransmit(); d; d = entry.session.pollTransmit()) this.sendRaw(d, entry.address, entry.port);
    this.onSessionEnded?.(entry.address, entry.port, GodotError.ERR_TIMEOUT, `DTLS session idle for more than ${SESSION_IDLE_MS / 1000} s, closed to make room for a new one`);
  }

  private full(): boolean {
    if (this.sessions.size >= this.maxSessions) return true;
    let handshaking = 0;
    for (const e of this.sessions.values()) if (e.session.status === DtlsStatus.STATUS_HANDSHAKING) handshaking++;
    return handshaking >= this.maxHandshaking;
  }

  /**
   * Forget one unfinished handshake (util/handshake-eviction.ts): of the address holding the
   * most, the one that heard from its client least recently. The cookie proves a client receives
   * at its address, not that it will finish. Silently: an alert would only tell a stalled client
   * to go on. Returns false when nothing is handshaking.
   */
  private evictHandshake(): boolean {
    const handshaking = [...this.sessions].filter(([, e]) => e.session.status === DtlsStatus.STATUS_HANDSHAKING);
    const victim = evictionCandidate(handshaking, ([, e]) => e.address, ([, e]) => e.lastReceive);
    if (victim === undefined) return false;
    this.sessions.delete(victim[0]);
    this.counters.handshakesEvicted++;
    return true;
  }

  private sendRaw(data: Uint8Array, address: string, port: number): void {
    try {
      this.inner.send(data, address, port);
    } catch {
      // A refused UDP send is a lost datagram; DTLS retransmits handshakes, ENet its data.
    }
  }

  /** Send what the session produced, deliver queued data once connected, drop ended sessions, re-arm the timer. */
  private flush(entry: Entry): void {
    const s = entry.session;
    if (s.status === DtlsStatus.STATUS_CONNECTED && entry.pending.length > 0) {
      for (const d of entry.pending) s.send(d);
      entry.pending = [];
    }
    for (let d = s.pollTransmit(); d; d = s.pollTransmit()) this.sendRaw(d, entry.address, entry.port);
    if (!s.isOpen) {
      const key = `${entry.address}:${entry.port}`;
      if (this.sessions.get(key) === entry) {
        this.sessions.delete(key);
        if (s.status !== DtlsStatus.STATUS_DISCONNECTED || s.error !== GodotError.OK) this.counters.handshakesFailed += s.status === DtlsStatus.STATUS_DISCONNECTED ? 0 : 1;
        this.onSessionEnded?.(entry.address, entry.port, s.error === GodotError.OK ? GodotError.ERR_CONNECTION_ERROR : s.error, s.errorMessage);
      }
      return;
    }
    const at = s.pollTimeout();
    if (at !== undefined && at < this.timerAt) this.arm(at);
  }

  private arm(at: number): void {
    if (this.timer !== undefined) this.clock.clearTimeout(this.timer);
    this.timerAt = at;
    this.timer = this.clock.setTimeout(() => this.onTimer(), Math.max(0, at - this.clock.now()));
  }

  private onTimer(): void {
    this.timer = undefined;
    this.timerAt = Infinity;
    if (this.closed) return;
    const now = this.clock.now();
    for (const e of [...this.sessions.values()]) {
      const at = e.session.pollTimeout();
      if (at !== undefined && at <= now) e.session.handleTimeout(now);
      this.flush(e);
    }
  }
}
