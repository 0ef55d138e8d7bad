/**
 * One DTLS 1.2 association, sans-IO (RFC 6347 with the TLS 1.2 handshake of RFC 5246,
 * ECDHE per RFC 8422, AEAD suites). Feed it datagrams with `receive(now, bytes)`, read
 * datagrams to send with `pollTransmit()`, decrypted application data with
 * `pollApplicationData()`, call `handleTimeout(now)` at `pollTimeout()`. It never reads
 * a clock, touches a socket or throws on network input: malformed or unauthenticated
 * records are dropped and counted (RFC 6347 4.1.2.7), a broken handshake ends in
 * STATUS_ERROR with a fatal alert sent.
 */
import { sha256, sha384 } from "@noble/hashes/sha2.js";
import { ByteReader, DecodeError } from "./byte-reader.ts";
import { preferredSuiteIds, suiteById, type CipherSuite } from "./cipher-suites.ts";
import {
  AlertDescription,
  AlertLevel,
  ContentType,
  DTLS_1_0,
  DTLS_1_2,
  TLS_1_0,
  TLS_1_2,
  TLS_HANDSHAKE_HEADER_LENGTH,
  TLS_RECORD_HEADER_LENGTH,
  MAX_CIPHERTEXT_LENGTH,
  EMPTY_RENEGOTIATION_INFO_SCSV,
  ExtensionType,
  HANDSHAKE_HEADER_LENGTH,
  HandshakeType,
  MAX_PLAINTEXT_LENGTH,
  NamedGroup,
  RECORD_HEADER_LENGTH,
  SignatureScheme,
  VERIFY_DATA_LENGTH,
} from "./constants.ts";
import {
  encodeCertificate,
  encodeClientHello,
  encodeClientKeyExchange,
  encodeEcdhParams,
  encodeHandshake,
  encodeTlsHandshake,
  encodeServerHello,
  encodeServerKeyExchange,
  extensionData,
  parseCertificate,
  parseCertificateRequest,
  parseClientHello,
  parseClientKeyExchange,
  parseHelloVerifyRequest,
  parseServerHello,
  parseServerKeyExchange,
  readHandshakeHeader,
  readU16List,
  serverNameExtension,
  u16ListExtension,
  writeHandshakeHeader,
  type ClientHello,
  type Extension,
} from "./handshake-messages.ts";
import { HandshakeReassembly, MAX_HANDSHAKE_MESSAGE_LENGTH } from "./handshake-reassembly.ts";
import { generateEphemeral, SUPPORTED_GROUPS, type EphemeralKey } from "./key-exchange.ts";
import { extendedMasterSecret, finishedVerifyData, keyBlock, masterSecret } from "./prf.ts";
import { concatBytes } from "../util/copy-bytes.ts";
import { writeRecordHeader, splitRecords } from "./record.ts";
import { RecordProtection } from "./record-protection.ts";
import { ReplayWindow } from "./replay-window.ts";
import { signWithKey, verifySignature, type PrivateKeyMaterial, type PublicKeyMaterial, type SignatureHash } from "../crypto/key-material.ts";
import { GodotError } from "../errors.ts";
import { plainBytes } from "../util/copy-bytes.ts";
import { ByteQueue } from "../util/byte-queue.ts";
import { Fifo } from "../util/fifo.ts";

/** Godot's PacketPeerDTLS.Status values. */
export enum DtlsStatus {
  STATUS_DISCONNECTED = 0,
  STATUS_HANDSHAKING = 1,
  STATUS_CONNECTED = 2,
  STATUS_ERROR = 3,
  STATUS_ERROR_HOSTNAME_MISMATCH = 4,
}

/** Where the handshake is (explicit state machine; names say what is awaited next). */
enum HandshakeState {
  CLIENT_WAIT_SERVER_HELLO,
  CLIENT_WAIT_CERTIFICATE,
  CLIENT_WAIT_KEY_EXCHANGE,
  CLIENT_WAIT_HELLO_DONE,
  CLIENT_WAIT_CHANGE_CIPHER_SPEC,
  CLIENT_WAIT_FINISHED,
  SERVER_WAIT_CLIENT_HELLO,
  SERVER_WAIT_KEY_EXCHANGE,
  SERVER_WAIT_CHANGE_CIPHER_SPEC,
  SERVER_WAIT_FINISHED,
  DONE,
}

export type PeerVerdict = { ok: true; publicKey: PublicKeyMaterial } | { ok: false; reason: string; alert: AlertDescription; hostnameMismatch?: boolean };

export interface DtlsConfig {
  /** Cryptographic randomness (injected; default: util/platform-sources.ts). */
  random(length: number): Uint8Array;
  /** Suites in preference order (default: every suite in CIPHER_SUITES, ordered by preferredSuiteIds()). */
  cipherSuites?: readonly number[];
  /** Server: the certificate chain (DER, leaf first) and its private key. */
  certificateChain?: readonly Uint8Array[];
  privateKey?: PrivateKeyMaterial;
  /** Client: judges the server's chain and returns the key to check its signature with. */
  verifyPeer?(chain: Uint8Array[]): PeerVerdict;
  /** Client: server_name to send (omitted for IP literals). */
  serverName?: string;
  /** Largest datagram to send (default 1400). */
  mtu?: number;
  /**
   * Retransmission timer: initial and maximum, ms (RFC 6347 4.2.4.1; mbedTLS defaults 1000 / 60000).
   * As in mbedTLS, a flight of ours still unanswered when a wait of the maximum runs out ends the
   * handshake (ERR_TIMEOUT): 1 + 2 + 4 + 8 + 16 + 32 + 60 = 123 s of silence with the defaults.
   * A server lives by that alone, so it never gives up on a client that still retransmits.
   */
  retransmitMinMs?: number;
  retransmitMaxMs?: number;
  /**
   * A bound on the whole handshake, ms. Default: 30000 for a client, which then gives up (an ENet
   * connection starts a new handshake with its next datagram, which our server takes for a new
   * client in any state, mbedTLS's once its session completed), and over a stream (`stream`, no
   * retransmission); none for a datagram server, which the retransmission schedule bounds.
   */
  handshakeTimeoutMs?: number;
  /**
   * TLS 1.2 over a byte stream instead of DTLS over datagrams (StreamPeerTLS): 5-byte record
   * and 4-byte handshake headers, implicit sequence numbers, no cookie, no retransmission.
   * `receive` then takes stream chunks and `pollTransmit` gives bytes to write.
   */
  stream?: boolean;
}

export interface DtlsDropCounters {
  /** Records that failed authentication (bad MAC/tag): dropped silently. */
  badRecordMac: number;
  /** Records seen before (replay window) or too old. */
  replayed: number;
  /** Malformed records/handshake messages, or records for an unknown epoch. */
  malformed: number;
  /** Application data before the handshake finished, or beyond the receive queue bound. */
  unexpected: number;
}

/** Received application records kept at most over datagrams (over a stream, see receiveRecord). */
export const MAX_QUEUED_APPLICATION_RECORDS = 4096;
/** The same in bytes: a reader that polls without taking packets holds no more (docs/dtls.md, Limits). */
export const MAX_QUEUED_APPLICATION_BYTES = 1 << 20;
/** Stream mode: where a record's or a handshake message's header is read (both are shorter). */
const streamHeaderScratch = new Uint8Array(TLS_RECORD_HEADER_LENGTH);
/** Datagrams waiting in pollTransmit at most. */
const MAX_QUEUED_DATAGRAMS = 4096;
/** The default bound on a client's whole handshake, and on any over a stream (see DtlsConfig.handshakeTimeoutMs). */
const CLIENT_HANDSHAKE_TIMEOUT_MS = 30_000;
const MAX_CERTIFICATES = 8;
/**
 * The datagram size handshake flights fall back to once a flight went unanswered twice (RFC 6347
 * 4.1.1.1, last paragraph; mbedTLS's "MTU autoreduction" after its first retransmission): deliverable
 * on any compliant IPv4 or IPv6 path, for a path that drops larger datagrams without a word.
 */
const DTLS_REDUCED_HANDSHAKE_MTU = 508;

interface FlightItem {
  ccs: boolean;
  epoch: number;
  msgType: number;
  seq: number;
  body: Uint8Array;
}

class HandshakeFailure extends Error {
  constructor(
    readonly alert: AlertDescription,
    message: string,
    readonly status: DtlsStatus = DtlsStatus.STATUS_ERROR,
  ) {
    super(message);
  }
}

function schemeInfo(scheme: number): { kind: "ec" | "rsa"; hash: SignatureHash } | undefined {
  switch (scheme) {
    case SignatureScheme.ecdsa_secp256r1_sha256: return { kind: "ec", hash: "sha256" };
    case SignatureScheme.ecdsa_secp384r1_sha384: return { kind: "ec", hash: "sha384" };
    case SignatureScheme.ecdsa_secp521r1_sha512: return { kind: "ec", hash: "sha512" };
    case SignatureScheme.rsa_pkcs1_sha256: return { kind: "rsa", hash: "sha256" };
    case SignatureScheme.rsa_pkcs1_sha384: return { kind: "rsa", hash: "sha384" };
    case SignatureScheme.rsa_pkcs1_sha512: return { kind: "rsa", hash: "sha512" };
    default: return undefined;
  }
}

const CLIENT_SIGNATURE_SCHEMES = [
  SignatureScheme.ecdsa_secp256r1_sha256,
  SignatureScheme.ecdsa_secp384r1_sha384,
  SignatureScheme.ecdsa_secp521r1_sha512,
  SignatureScheme.rsa_pkcs1_sha256,
  SignatureScheme.rsa_pkcs1_sha384,
  SignatureScheme.rsa_pkcs1_sha512,
];

/** The schemes a server with `key` can sign with, best first (the hash matching an EC curve's size first). */
function serverSignatureSchemes(key: PrivateKeyMaterial): readonly SignatureScheme[] {
  if (key.kind === "rsa") return [SignatureScheme.rsa_pkcs1_sha256, SignatureScheme.rsa_pkcs1_sha384, SignatureScheme.rsa_pkcs1_sha512];
  return key.curve === "P-384" ? [SignatureScheme.ecdsa_secp384r1_sha384, SignatureScheme.ecdsa_secp256r1_sha256] : [SignatureScheme.ecdsa_secp256r1_sha256, SignatureScheme.ecdsa_secp384r1_sha384];
}

export class DtlsSession {
  status = DtlsStatus.STATUS_HANDSHAKING;
  /** Godot error code and text of the failure, when status is an error. */
  error: GodotError = GodotError.OK;
  errorMessage = "";
  readonly drops: DtlsDropCounters = { badRecordMac: 0, replayed: 0, malformed: 0, unexpected: 0 };
  /** The negotiated suite once known. */
  suite: CipherSuite | undefined;

  private state: HandshakeState;
  private readonly mtu: number;
  /** The largest handshake datagram: `mtu`, or DTLS_REDUCED_HANDSHAKE_MTU once a flight went unanswered twice (see handleTimeout). */
  private handshakeMtu: number;
  private readonly retransmitMin: number;
  private readonly retransmitMax: number;
  /** When the handshake fails whatever happens (handshakeTimeoutMs), or Infinity. */
  private readonly handshakeDeadline: number;
  // Rings, not arrays: over a stream the inbox has no count bound, and an array's shift() copies
  // the rest once it is too large for V8 to trim in place.
  private readonly outbox = new Fifo<Uint8Array>(4);
  private readonly inbox = new Fifo<Uint8Array>(4);
  private inboxBytes = 0;

  private readonly reassembly = new HandshakeReassembly();
  private transcript: Uint8Array[] = [];
  private sendSeq = 0;
  private flight: FlightItem[] = [];
  private retransmitAt: number | undefined;
  private retransmitInterval: number;
  private peerRetransmitted = false;

  private writeEpoch = 0;
  private readEpoch = 0;
  private readonly writeSeq = [0, 0];
  private readonly replay: ReplayWindow[] = [new ReplayWindow(), new ReplayWindow()];
  private writeProtection: RecordProtection | undefined;
  private readProtection: RecordProtection | undefined;
  private pendingWrite: RecordProtection | undefined;
  private pendingRead: RecordProtection | undefined;

  private clientRandom: Uint8Array = new Uint8Array(32);
  /** The client random of the ClientHello this session's handshake answered (all zero before one came). */
  get helloRandom(): Uint8Array {
    return this.clientRandom;
  }
  private serverRandom: Uint8Array = new Uint8Array(32);
  private clientHello: ClientHello | undefined;
  private ephemeral: EphemeralKey | undefined;
  private peerKey: PublicKeyMaterial | undefined;
  private certificateRequested = false;
  private useExtendedMasterSecret = false;
  private master: Uint8Array | undefined;
  private recordVersion = DTLS_1_0;
  private readonly stream: boolean;
  private readonly version: number;
  /** Stream mode: bytes received but not yet a whole record; handshake bytes not yet a whole message. */
  private readonly streamIn = new ByteQueue();
  private readonly handshakeIn = new ByteQueue();
  private readonly readSeq = [0, 0];

  private constructor(
    readonly role: "client" | "server",
    private readonly config: DtlsConfig,
    now: number,
  ) {
    this.mtu = config.mtu ?? 1400;
    this.handshakeMtu = this.mtu;
    this.retransmitMin = config.retransmitMinMs ?? 1000;
    this.retransmitMax = config.retransmitMaxMs ?? 60000;
    this.retransmitInterval = this.retransmitMin;
    this.state = role === "client" ? HandshakeState.CLIENT_WAIT_SERVER_HELLO : HandshakeState.SERVER_WAIT_CLIENT_HELLO;
    this.stream = config.stream === true;
    this.handshakeDeadline = now + (config.handshakeTimeoutMs ?? (this.stream || role === "client" ? CLIENT_HANDSHAKE_TIMEOUT_MS : Infinity));
    // A datagram server session waits for the ClientHello it was made for (fed to it next) on the
    // retransmission schedule with nothing to send, so that a hello that never completes times out too.
    if (role === "server" && !this.stream) this.retransmitAt = now + this.retransmitInterval;
    this.version = this.stream ? TLS_1_2 : DTLS_1_2;
    this.recordVersion = this.stream ? TLS_1_0 : DTLS_1_0;
  }

  /** A client session; its first flight (ClientHello) is ready in pollTransmit(). */
  static client(config: DtlsConfig, now: number): DtlsSession {
    const s = new DtlsSession("client", config, now);
    s.clientRandom = config.random(32);
    s.sendClientHello(new Uint8Array(0), now);
    return s;
  }

  /** A server session, created once a ClientHello carried a valid cookie; feed it that datagram next. */
  static server(config: DtlsConfig, now: number): DtlsSession {
    if (!config.certificateChain?.length || !config.privateKey) throw new TypeError("a DTLS server needs certificateChain and privateKey");
    return new DtlsSession("server", config, now);
  }

  /** Handshaking or connected: records still come and go (not ended by close, the peer or a failure). */
  get isOpen(): boolean {
    return this.status === DtlsStatus.STATUS_HANDSHAKING || this.status === DtlsStatus.STATUS_CONNECTED;
  }

  pollTransmit(): Uint8Array | undefined {
    return this.outbox.shift();
  }

  pollApplicationData(): Uint8Array | undefined {
    const data = this.inbox.shift();
    if (data !== undefined) this.inboxBytes -= data.length;
    return data;
  }

  get applicationDataQueued(): number {
    return this.inbox.length;
  }

  /** When handleTimeout must next run (absolute, the caller's clock), or undefined. */
  pollTimeout(): number | undefined {
    if (this.status !== DtlsStatus.STATUS_HANDSHAKING) return undefined;
    const at = this.retransmitAt === undefined ? this.handshakeDeadline : Math.min(this.retransmitAt, this.handshakeDeadline);
    return at === Infinity ? undefined : at;
  }

  handleTimeout(now: number): void {
    if (this.status !== DtlsStatus.STATUS_HANDSHAKING) return;
    if (now >= this.handshakeDeadline) {
      this.timedOut("DTLS handshake timed out");
      return;
    }
    if (this.retransmitAt !== undefined && now >= this.retransmitAt) {
      if (this.retransmitInterval >= this.retransmitMax) {
        this.timedOut("DTLS handshake timed out: no answer through the whole retransmission schedule");
        return;
      }
      // The first retransmission goes out as the flight did; from the second on, and for the rest of
      // the handshake, datagrams are small enough for any path (as mbedTLS does).
      if (this.retransmitInterval !== this.retransmitMin) this.handshakeMtu = Math.min(this.mtu, DTLS_REDUCED_HANDSHAKE_MTU);
      this.retransmitInterval = Math.min(this.retransmitInterval * 2, this.retransmitMax);
      this.transmitFlight(now);
    }
  }

  /** Encrypt and queue application data. */
  send(data: Uint8Array): GodotError {
    if (this.status !== DtlsStatus.STATUS_CONNECTED) return GodotError.ERR_UNCONFIGURED;
    if (data.length > MAX_PLAINTEXT_LENGTH) return GodotError.ERR_INVALID_PARAMETER;
    if (this.outbox.length >= MAX_QUEUED_DATAGRAMS) return GodotError.ERR_OUT_OF_MEMORY;
    this.outbox.push(this.sealRecord(ContentType.application_data, data));
    return GodotError.OK;
  }

  /** Send close_notify and stop. */
  close(): void {
    if (this.isOpen) {
      this.sendAlert(AlertLevel.warning, AlertDescription.close_notify);
    }
    this.status = DtlsStatus.STATUS_DISCONNECTED;
    this.retransmitAt = undefined;
  }

  /** One datagram from the peer. Never throws. */
  receive(now: number, input: Uint8Array): void {
    if (this.status === DtlsStatus.STATUS_ERROR || this.status === DtlsStatus.STATUS_DISCONNECTED || this.status === DtlsStatus.STATUS_ERROR_HOSTNAME_MISMATCH) return;
    this.peerRetransmitted = false;
    // Records, fragments and leftovers are slice()d out of the input and kept: they must be copies.
    const datagram = plainBytes(input);
    try {
      if (this.stream) this.receiveStream(now, datagram);
      else {
        for (const rec of splitRecords(datagram)) {
          this.receiveRecord(now, rec.type, rec.epoch, rec.seq, rec.fragment);
          if (!this.isOpen) return;
        }
      }
    } catch (e) {
      if (e instanceof HandshakeFailure) {
        this.fail(e.status === DtlsStatus.STATUS_ERROR_HOSTNAME_MISMATCH ? GodotError.ERR_UNAUTHORIZED : GodotError.ERR_CONNECTION_ERROR, e.message, e.alert, e.status);
        return;
      }
      if (e instanceof DecodeError) {
        this.fail(GodotError.ERR_INVALID_DATA, `DTLS decode error: ${e.message}`, AlertDescription.decode_error);
        return;
      }
      this.fail(GodotError.ERR_BUG, `DTLS internal error: ${(e as Error).message}`, AlertDescription.internal_error);
      return;
    }
    if (this.peerRetransmitted && this.flight.length > 0) this.transmitFlight(now);
  }

  // ---- records ----

  /**
   * Stream mode: frame 5-byte-header records out of the byte stream; sequence numbers are implicit.
   * Bytes wait in queues (copies: the caller may reuse `chunk`), so a record or a handshake
   * message trickled in a byte at a time costs its length once, not once per byte. The header
   * check bounds what waits: less than one record, and less than one handshake message.
   */
  private receiveStream(now: number, chunk: Uint8Array): void {
    const queue = this.streamIn;
    queue.push(chunk.slice());
    const header = streamHeaderScratch;
    while (queue.length >= TLS_RECORD_HEADER_LENGTH) {
      queue.peekInto(header, TLS_RECORD_HEADER_LENGTH);
      const type = header[0]!;
      const length = (header[3]! << 8) | header[4]!;
      if (header[1] !== 3 || length > MAX_CIPHERTEXT_LENGTH) throw new HandshakeFailure(AlertDescription.record_overflow, "malformed TLS record header");
      if (queue.length < TLS_RECORD_HEADER_LENGTH + length) break;
      queue.discard(TLS_RECORD_HEADER_LENGTH);
      const fragment = queue.read(length);
      const epoch = this.readEpoch;
      const seq = this.readSeq[epoch]!;
      this.readSeq[epoch] = seq + 1;
      const before = this.drops.badRecordMac;
      this.receiveRecord(now, type, epoch, seq, fragment);
      // On a stream a record that fails authentication is fatal (RFC 5246 7.2.2).
      if (this.drops.badRecordMac !== before) throw new HandshakeFailure(AlertDescription.bad_record_mac, "TLS record failed authentication");
      if (!this.isOpen) return;
    }
  }

  /**
   * Stream mode: handshake messages may span records; 4-byte headers, in order. `plaintext` is
   * already ours (a view of receiveStream's copy, or what open() made), so it is queued as it is.
   */
  private receiveStreamHandshake(now: number, plaintext: Uint8Array): void {
    const queue = this.handshakeIn;
    queue.push(plaintext);
    const header = streamHeaderScratch;
    while (queue.length >= TLS_HANDSHAKE_HEADER_LENGTH) {
      queue.peekInto(header, TLS_HANDSHAKE_HEADER_LENGTH);
      const length = (header[1]! << 16) | (header[2]! << 8) | header[3]!;
      if (length > MAX_HANDSHAKE_MESSAGE_LENGTH) throw new HandshakeFailure(AlertDescription.decode_error, "handshake message too large");
      if (queue.length < TLS_HANDSHAKE_HEADER_LENGTH + length) break;
      const msgType = header[0]!;
      queue.discard(TLS_HANDSHAKE_HEADER_LENGTH);
      this.handleMessage(now, msgType, 0, queue.read(length));
      if (!this.isOpen) return;
    }
  }

  /** Datagrams: whether a record of `length` bytes finds no room (the caller is not reading). */
  private inboxFull(length: number): boolean {
    return this.inbox.length >= MAX_QUEUED_APPLICATION_RECORDS || this.inboxBytes + length > MAX_QUEUED_APPLICATION_BYTES;
  }

  private receiveRecord(now: number, type: number, epoch: number, seq: number, fragment: Uint8Array): void {
    let plaintext: Uint8Array;
    if (epoch === this.readEpoch) {
      const window = this.replay[epoch]!;
      if (!this.stream && !window.isFresh(seq)) {
        this.drops.replayed++;
        return;
      }
      if (epoch === 0) plaintext = fragment;
      else {
        // TLS's additional data carries the 64-bit sequence number alone: epoch 0 in DTLS's layout.
        const opened = this.readProtection!.open(this.stream ? 0 : epoch, seq, type, fragment);
        if (!opened) {
          this.drops.badRecordMac++;
          return;
        }
        plaintext = opened;
      }
      window.mark(seq);
      // RFC 6347 4.2.1: a server answers with the record sequence number of the ClientHello it
      // answers (so a stateless HelloVerifyRequest and the later ServerHello never collide).
      if (this.state === HandshakeState.SERVER_WAIT_CLIENT_HELLO && epoch === 0) this.writeSeq[0] = Math.max(this.writeSeq[0]!, seq);
    } else if (epoch === 0 && this.readEpoch === 1 && type === ContentType.handshake) {
      // A retransmitted epoch-0 flight from the peer: our last flight was lost.
      this.peerRetransmitted = true;
      return;
    } else {
      this.drops.malformed++;
      return;
    }
    if (plaintext.length > MAX_PLAINTEXT_LENGTH) {
      this.drops.malformed++;
      return;
    }
    switch (type) {
      case ContentType.handshake:
        if (this.stream) this.receiveStreamHandshake(now, plaintext);
        else this.receiveHandshakeRecord(now, plaintext);
        return;
      case ContentType.change_cipher_spec:
        this.receiveChangeCipherSpec(plaintext);
        return;
      case ContentType.alert:
        this.receiveAlert(plaintext);
        return;
      case ContentType.application_data:
        // Over a stream a record is never dropped for room: its bytes are part of a reliable
        // stream. The caller bounds the inbox there, by what it feeds between pollApplicationData calls.
        if (this.status !== DtlsStatus.STATUS_CONNECTED || epoch === 0 || (!this.stream && this.inboxFull(plaintext.length))) {
          this.drops.unexpected++;
          return;
        }
        // open() made this array for this record alone (epoch 0 never gets here): no copy needed.
        this.inbox.push(plaintext);
        this.inboxBytes += plaintext.length;
        return;
      default:
        this.drops.malformed++;
    }
  }

  private receiveAlert(plaintext: Uint8Array): void {
    if (plaintext.length !== 2) {
      this.drops.malformed++;
      return;
    }
    const level = plaintext[0]!;
    const description = plaintext[1]!;
    if (description === AlertDescription.close_notify) {
      this.status = DtlsStatus.STATUS_DISCONNECTED;
      this.error = GodotError.ERR_CONNECTION_ERROR;
      this.errorMessage = "the peer closed the DTLS session";
      this.retransmitAt = undefined;
      return;
    }
    if (level === AlertLevel.fatal) {
      this.status = DtlsStatus.STATUS_ERROR;
      this.error = GodotError.ERR_CONNECTION_ERROR;
      this.errorMessage = `the peer sent fatal alert ${AlertDescription[description] ?? description}`;
      this.retransmitAt = undefined;
    }
  }

  private receiveChangeCipherSpec(plaintext: Uint8Array): void {
    if (plaintext.length !== 1 || plaintext[0] !== 1) {
      this.drops.malformed++;
      return;
    }
    const expected = this.role === "client" ? HandshakeState.CLIENT_WAIT_CHANGE_CIPHER_SPEC : HandshakeState.SERVER_WAIT_CHANGE_CIPHER_SPEC;
    if (this.state !== expected || !this.pendingRead) {
      // Early or repeated CCS (reordering/retransmission): ignore, the flight will come again.
      this.drops.unexpected++;
      return;
    }
    this.readProtection = this.pendingRead;
    this.pendingRead = undefined;
    this.readEpoch = 1;
    this.state = this.role === "client" ? HandshakeState.CLIENT_WAIT_FINISHED : HandshakeState.SERVER_WAIT_FINISHED;
  }

  private receiveHandshakeRecord(now: number, plaintext: Uint8Array): void {
    const r = new ByteReader(plaintext);
    while (r.remaining > 0) {
      const h = readHandshakeHeader(r);
      const fragment = r.bytesView(h.fragmentLength);
      // A server session starts at the ClientHello's message_seq (after a cookie exchange, 1).
      if (this.state === HandshakeState.SERVER_WAIT_CLIENT_HELLO && h.msgType === HandshakeType.client_hello && this.reassembly.nextSeq === 0) {
        this.reassembly.reset(h.messageSeq);
      }
      // A client accepts the server's first message at whatever message_seq it uses.
      if (this.state === HandshakeState.CLIENT_WAIT_SERVER_HELLO && (h.msgType === HandshakeType.server_hello || h.msgType === HandshakeType.hello_verify_request)) {
        if (h.messageSeq < this.reassembly.nextSeq) {
          this.peerRetransmitted = true;
          continue;
        }
        this.reassembly.reset(h.messageSeq);
      }
      const verdict = this.reassembly.add(h, fragment);
      if (verdict === "old") this.peerRetransmitted = true;
      else if (verdict === "dropped") this.drops.malformed++;
      for (let m = this.reassembly.next(); m; m = this.reassembly.next()) {
        this.handleMessage(now, m.msgType, m.messageSeq, m.body);
        if (!this.isOpen) return;
      }
    }
  }

  private sealRecord(type: number, plaintext: Uint8Array): Uint8Array {
    const epoch = this.writeEpoch;
    const seq = this.writeSeq[epoch]!;
    this.writeSeq[epoch] = seq + 1;
    // The record is built in one buffer: the body is written after room for the header.
    const headerLength = this.stream ? TLS_RECORD_HEADER_LENGTH : RECORD_HEADER_LENGTH;
    let out: Uint8Array;
    if (epoch === 0) {
      out = new Uint8Array(headerLength + plaintext.length);
      out.set(plaintext, headerLength);
    } else {
      // TLS's additional data carries the 64-bit sequence number alone: epoch 0 in DTLS's layout.
      out = this.writeProtection!.seal(this.stream ? 0 : epoch, seq, type, plaintext, headerLength);
    }
    const length = out.length - headerLength;
    if (this.stream) {
      const version = epoch === 0 ? this.recordVersion : TLS_1_2;
      out[0] = type;
      out[1] = version >>> 8;
      out[2] = version & 0xff;
      out[3] = length >>> 8;
      out[4] = length;
    } else {
      writeRecordHeader(out, 0, type, epoch === 0 ? this.recordVersion : DTLS_1_2, epoch, seq, length);
    }
    return out;
  }

  private sendAlert(level: AlertLevel, description: AlertDescription): void {
    if (this.outbox.length >= MAX_QUEUED_DATAGRAMS) return;
    this.outbox.push(this.sealRecord(ContentType.alert, new Uint8Array([level, description])));
  }

  /**
   * The handshake gave up waiting. A client says so with close_notify: a server still in its handshake
   * (mbedTLS's, Godot's) takes a new ClientHello from the same address and port for a stray copy and
   * drops it until its own schedule ends (123 s), so the client's next handshake could not start; told,
   * it ends that handshake and lets the address go. (The alert may be lost like the rest; then as before.)
   */
  private timedOut(message: string): void {
    if (this.role === "client") {
      // Over datagrams at epoch 0, whatever ours is: a server still in its handshake never got our
      // ChangeCipherSpec and reads nothing else (one that got it has sent its Finished, so it has
      // completed, and takes our next hello for a client starting over).
      const epoch = this.writeEpoch;
      if (!this.stream) this.writeEpoch = 0;
      this.sendAlert(AlertLevel.warning, AlertDescription.close_notify);
      this.writeEpoch = epoch;
    }
    this.fail(GodotError.ERR_TIMEOUT, message, undefined);
  }

  private fail(code: GodotError, message: string, alert: AlertDescription | undefined, status = DtlsStatus.STATUS_ERROR): void {
    if (alert !== undefined) this.sendAlert(AlertLevel.fatal, alert);
    this.status = status;
    this.error = code;
    this.errorMessage = message;
    this.retransmitAt = undefined;
    this.flight = [];
  }

  // ---- flights ----

  private startFlight(now: number, items: FlightItem[], expectReply: boolean): void {
    this.flight = items;
    this.retransmitInterval = this.retransmitMin;
    this.transmitFlight(now);
    if (!expectReply) this.retransmitAt = undefined;
  }

  private addMessage(items: FlightItem[], msgType: number, body: Uint8Array, epoch = this.writeEpoch): void {
    const seq = this.sendSeq++;
    items.push({ ccs: false, epoch, msgType, seq, body });
    if (msgType !== HandshakeType.hello_verify_request) this.transcript.push(this.encodeForTranscript(msgType, seq, body));
  }

  private encodeForTranscript(msgType: number, seq: number, body: Uint8Array): Uint8Array {
    return this.stream ? encodeTlsHandshake(msgType, body) : encodeHandshake(msgType, seq, body);
  }

  /** Stream mode: the flight as records, once (TCP does the retransmitting). */
  private writeStreamFlight(): void {
    const savedEpoch = this.writeEpoch;
    for (const item of this.flight) {
      this.writeEpoch = item.epoch;
      if (item.ccs) {
        this.outbox.push(this.sealRecord(ContentType.change_cipher_spec, new Uint8Array([1])));
        continue;
      }
      const message = encodeTlsHandshake(item.msgType, item.body);
      for (let offset = 0; offset < message.length; offset += 16384) this.outbox.push(this.sealRecord(ContentType.handshake, message.subarray(offset, offset + 16384)));
    }
    this.writeEpoch = savedEpoch;
  }

  /** (Re)send the current flight as records packed into datagrams of at most `mtu` bytes. */
  private transmitFlight(now: number): void {
    if (this.stream) {
      this.writeStreamFlight();
      this.flight = [];
      this.retransmitAt = undefined;
      return;
    }
    const savedEpoch = this.writeEpoch;
    // A ClientHello is never fragmented, whatever the MTU (nor by mbedTLS): a stateless server checks its
    // cookie only in a whole one.
    const mtu = this.flight[0]?.msgType === HandshakeType.client_hello ? Infinity : this.handshakeMtu;
    let datagram: Uint8Array[] = [];
    let size = 0;
    const flush = (): void => {
      if (datagram.length === 0) return;
      if (this.outbox.length < MAX_QUEUED_DATAGRAMS) this.outbox.push(datagram.length === 1 ? datagram[0]! : concatBytes(datagram));
      datagram = [];
      size = 0;
    };
    const place = (record: Uint8Array): void => {
      if (size + record.length > mtu) flush();
      datagram.push(record);
      size += record.length;
    };
    for (const item of this.flight) {
      this.writeEpoch = item.epoch;
      if (item.ccs) {
        place(this.sealRecord(ContentType.change_cipher_spec, new Uint8Array([1])));
        continue;
      }
      const overhead = RECORD_HEADER_LENGTH + HANDSHAKE_HEADER_LENGTH + (item.epoch === 0 ? 0 : this.writeProtection!.overhead);
      const room = Math.max(64, mtu - overhead);
      let offset = 0;
      do {
        const take = Math.min(room, item.body.length - offset);
        const fragment = new Uint8Array(HANDSHAKE_HEADER_LENGTH + take);
        writeHandshakeHeader(fragment, item.msgType, item.body.length, item.seq, offset, take);
        fragment.set(item.body.subarray(offset, offset + take), HANDSHAKE_HEADER_LENGTH);
        place(this.sealRecord(ContentType.handshake, fragment));
        offset += take;
      } while (offset < item.body.length);
    }
    flush();
    this.writeEpoch = savedEpoch;
    this.retransmitAt = now + this.retransmitInterval;
  }

  private transcriptHash(): Uint8Array {
    const all = concatBytes(this.transcript);
    return this.suite!.hash === "sha384" ? sha384(all) : sha256(all);
  }

  // ---- handshake messages ----

  private handleMessage(now: number, msgType: number, seq: number, body: Uint8Array): void {
    const s = this.state;
    const isClient = this.role === "client";
    if (isClient && msgType === HandshakeType.hello_verify_request && s === HandshakeState.CLIENT_WAIT_SERVER_HELLO) {
      const hvr = parseHelloVerifyRequest(body);
      this.transcript = [];
      // The HelloVerifyRequest came from a stateless server; its ServerHello may reuse that record number.
      this.replay[0] = new ReplayWindow();
      this.sendClientHello(hvr.cookie, now);
      return;
    }
    // Everything else is part of the transcript.
    if (this.stream && msgType === HandshakeType.hello_verify_request) throw new HandshakeFailure(AlertDescription.unexpected_message, "HelloVerifyRequest on a TLS stream");
    const full = this.encodeForTranscript(msgType, seq, body);
    switch (s) {
      case HandshakeState.CLIENT_WAIT_SERVER_HELLO:
        this.expect(msgType, HandshakeType.server_hello);
        this.transcript.push(full);
        this.onServerHello(body);
        this.state = HandshakeState.CLIENT_WAIT_CERTIFICATE;
        return;
      case HandshakeState.CLIENT_WAIT_CERTIFICATE:
        this.expect(msgType, HandshakeType.certificate);
        this.transcript.push(full);
        this.onServerCertificate(body);
        this.state = HandshakeState.CLIENT_WAIT_KEY_EXCHANGE;
        return;
      case HandshakeState.CLIENT_WAIT_KEY_EXCHANGE:
        this.expect(msgType, HandshakeType.server_key_exchange);
        this.transcript.push(full);
        this.onServerKeyExchange(body);
        this.state = HandshakeState.CLIENT_WAIT_HELLO_DONE;
        return;
      case HandshakeState.CLIENT_WAIT_HELLO_DONE:
        if (msgType === HandshakeType.certificate_request && !this.certificateRequested) {
          parseCertificateRequest(body);
          this.transcript.push(full);
          this.certificateRequested = true;
          return;
        }
        this.expect(msgType, HandshakeType.server_hello_done);
        if (body.length !== 0) throw new DecodeError("ServerHelloDone with a body");
        this.transcript.push(full);
        this.sendClientKeyExchangeFlight(now);
        this.state = HandshakeState.CLIENT_WAIT_CHANGE_CIPHER_SPEC;
        return;
      case HandshakeState.CLIENT_WAIT_FINISHED:
        this.expect(msgType, HandshakeType.finished);
        this.checkFinished(body, false);
        this.transcript.push(full);
        this.state = HandshakeState.DONE;
        this.flight = [];
        this.retransmitAt = undefined;
        this.status = DtlsStatus.STATUS_CONNECTED;
        return;
      case HandshakeState.SERVER_WAIT_CLIENT_HELLO:
        this.expect(msgType, HandshakeType.client_hello);
        this.transcript.push(full);
        this.sendSeq = seq;
        this.onClientHello(now, body);
        this.state = HandshakeState.SERVER_WAIT_KEY_EXCHANGE;
        return;
      case HandshakeState.SERVER_WAIT_KEY_EXCHANGE:
        this.expect(msgType, HandshakeType.client_key_exchange);
        this.transcript.push(full);
        this.onClientKeyExchange(body);
        this.state = HandshakeState.SERVER_WAIT_CHANGE_CIPHER_SPEC;
        return;
      case HandshakeState.SERVER_WAIT_FINISHED: {
        this.expect(msgType, HandshakeType.finished);
        this.checkFinished(body, true);
        this.transcript.push(full);
        const items: FlightItem[] = [{ ccs: true, epoch: 0, msgType: 0, seq: 0, body: new Uint8Array(0) }];
        this.writeProtection = this.pendingWrite;
        this.pendingWrite = undefined;
        this.writeEpoch = 1;
        const verify = finishedVerifyData(this.suite!.hash, this.master!, false, this.transcriptHash());
        this.addMessage(items, HandshakeType.finished, verify, 1);
        this.startFlight(now, items, false);
        this.state = HandshakeState.DONE;
        this.status = DtlsStatus.STATUS_CONNECTED;
        return;
      }
      default:
        throw new HandshakeFailure(AlertDescription.unexpected_message, `unexpected handshake message ${HandshakeType[msgType] ?? msgType}`);
    }
  }

  private expect(got: number, want: HandshakeType): void {
    if (got !== want) throw new HandshakeFailure(AlertDescription.unexpected_message, `expected ${HandshakeType[want]}, got ${HandshakeType[got] ?? got}`);
  }

  private offeredSuites(): readonly number[] {
    return this.config.cipherSuites ?? preferredSuiteIds();
  }

  private sendClientHello(cookie: Uint8Array, now: number): void {
    const extensions: Extension[] = [
      u16ListExtension(ExtensionType.supported_groups, SUPPORTED_GROUPS),
      { type: ExtensionType.ec_point_formats, data: new Uint8Array([1, 0]) },
      u16ListExtension(ExtensionType.signature_algorithms, CLIENT_SIGNATURE_SCHEMES),
      { type: ExtensionType.extended_master_secret, data: new Uint8Array(0) },
      { type: ExtensionType.renegotiation_info, data: new Uint8Array([0]) },
    ];
    const name = this.config.serverName;
    if (name && !/^[0-9.]+$/.test(name) && !name.includes(":")) extensions.unshift(serverNameExtension(name));
    const hello: ClientHello = {
      version: this.version,
      random: this.clientRandom,
      sessionId: new Uint8Array(0),
      cookie,
      cipherSuites: [...this.offeredSuites()],
      extensions,
    };
    this.clientHello = hello;
    const items: FlightItem[] = [];
    this.addMessage(items, HandshakeType.client_hello, encodeClientHello(hello, !this.stream));
    this.startFlight(now, items, true);
  }

  private onServerHello(body: Uint8Array): void {
    const sh = parseServerHello(body);
    if (sh.version !== this.version) throw new HandshakeFailure(AlertDescription.protocol_version, `server chose version 0x${sh.version.toString(16)}, not (D)TLS 1.2`);
    const suite = suiteById(sh.cipherSuite);
    if (!suite || !this.offeredSuites().includes(sh.cipherSuite)) throw new HandshakeFailure(AlertDescription.illegal_parameter, "server chose a cipher suite we did not offer");
    const offered = new Set(this.clientHello!.extensions.map((e) => e.type));
    for (const e of sh.extensions) {
      if (!offered.has(e.type)) throw new HandshakeFailure(AlertDescription.unsupported_extension, `server sent extension ${e.type} we did not offer`);
    }
    this.useExtendedMasterSecret = extensionData(sh.extensions, ExtensionType.extended_master_secret) !== undefined;
    this.suite = suite;
    this.serverRandom = sh.random.slice();
    this.recordVersion = this.version;
  }

  private onServerCertificate(body: Uint8Array): void {
    const chain = parseCertificate(body, MAX_CERTIFICATES);
    const verify = this.config.verifyPeer;
    if (!verify) throw new HandshakeFailure(AlertDescription.internal_error, "no certificate verifier configured");
    const verdict = verify(chain);
    if (!verdict.ok) {
      throw new HandshakeFailure(verdict.alert, `certificate verification failed: ${verdict.reason}`, verdict.hostnameMismatch ? DtlsStatus.STATUS_ERROR_HOSTNAME_MISMATCH : DtlsStatus.STATUS_ERROR);
    }
    if (verdict.publicKey.kind !== (this.suite!.auth === "ecdsa" ? "ec" : "rsa")) {
      throw new HandshakeFailure(AlertDescription.unsupported_certificate, "certificate key does not match the cipher suite");
    }
    this.peerKey = verdict.publicKey;
  }

  private onServerKeyExchange(body: Uint8Array): void {
    const ske = parseServerKeyExchange(body);
    if (!SUPPORTED_GROUPS.includes(ske.group)) throw new HandshakeFailure(AlertDescription.illegal_parameter, `server chose group ${ske.group} we did not offer`);
    const info = schemeInfo(ske.signatureScheme);
    if (!info || !CLIENT_SIGNATURE_SCHEMES.includes(ske.signatureScheme) || info.kind !== this.peerKey!.kind) {
      throw new HandshakeFailure(AlertDescription.illegal_parameter, `server used signature scheme 0x${ske.signatureScheme.toString(16)}`);
    }
    const signed = concatBytes([this.clientRandom, this.serverRandom, ske.params]);
    if (!verifySignature(this.peerKey!, info.hash, signed, ske.signature)) {
      throw new HandshakeFailure(AlertDescription.decrypt_error, "ServerKeyExchange signature does not verify");
    }
    this.ephemeral = generateEphemeral(ske.group, this.config.random(96));
    const premaster = this.ephemeral.agree(ske.publicKey);
    if (!premaster) throw new HandshakeFailure(AlertDescription.illegal_parameter, "server's ECDHE public key is invalid");
    this.premaster = premaster;
  }

  private premaster: Uint8Array | undefined;

  private deriveKeys(): void {
    const suite = this.suite!;
    const premaster = this.premaster!;
    this.master = this.useExtendedMasterSecret
      ? extendedMasterSecret(suite.hash, premaster, this.transcriptHash())
      : masterSecret(suite.hash, premaster, this.clientRandom, this.serverRandom);
    this.premaster = undefined;
    const k = suite.keyLength;
    const iv = suite.fixedIvLength;
    const block = keyBlock(suite.hash, this.master, this.clientRandom, this.serverRandom, 2 * k + 2 * iv);
    const clientKey = block.subarray(0, k);
    const serverKey = block.subarray(k, 2 * k);
    const clientIv = block.subarray(2 * k, 2 * k + iv);
    const serverIv = block.subarray(2 * k + iv, 2 * k + 2 * iv);
    const client = new RecordProtection(suite, clientKey.slice(), clientIv.slice(), this.version);
    const server = new RecordProtection(suite, serverKey.slice(), serverIv.slice(), this.version);
    this.pendingWrite = this.role === "client" ? client : server;
    this.pendingRead = this.role === "client" ? server : client;
  }

  private sendClientKeyExchangeFlight(now: number): void {
    const items: FlightItem[] = [];
    if (this.certificateRequested) this.addMessage(items, HandshakeType.certificate, encodeCertificate([]));
    this.addMessage(items, HandshakeType.client_key_exchange, encodeClientKeyExchange(this.ephemeral!.publicKey));
    this.deriveKeys();
    items.push({ ccs: true, epoch: 0, msgType: 0, seq: 0, body: new Uint8Array(0) });
    this.writeProtection = this.pendingWrite;
    this.pendingWrite = undefined;
    this.writeEpoch = 1;
    const verify = finishedVerifyData(this.suite!.hash, this.master!, true, this.transcriptHash());
    this.addMessage(items, HandshakeType.finished, verify, 1);
    this.startFlight(now, items, true);
  }

  private checkFinished(body: Uint8Array, fromClient: boolean): void {
    const expected = finishedVerifyData(this.suite!.hash, this.master!, fromClient, this.transcriptHash());
    let diff = body.length ^ VERIFY_DATA_LENGTH;
    for (let i = 0; i < VERIFY_DATA_LENGTH; i++) diff |= (body[i] ?? 0) ^ expected[i]!;
    if (diff !== 0) throw new HandshakeFailure(AlertDescription.decrypt_error, "Finished verify_data does not match");
  }

  // ---- server side ----

  private onClientHello(now: number, body: Uint8Array): void {
    const ch = parseClientHello(body, !this.stream);
    // DTLS versions count down (0xfefd is 1.2), TLS versions up (0x0303 is 1.2; a TLS 1.3 client offers 0x0303 here too).
    const offersOurs = this.stream ? ch.version >= TLS_1_2 : ch.version <= DTLS_1_2;
    if (!offersOurs) throw new HandshakeFailure(AlertDescription.protocol_version, `client offers only an older version (0x${ch.version.toString(16)})`);
    const key = this.config.privateKey!;
    const auth = key.kind === "ec" ? "ecdsa" : "rsa";
    const suite = this.offeredSuites()
      .map((id) => suiteById(id))
      .find((s) => s && s.auth === auth && ch.cipherSuites.includes(s.id));
    if (!suite) throw new HandshakeFailure(AlertDescription.handshake_failure, "no cipher suite in common");
    this.suite = suite;
    const groupsData = extensionData(ch.extensions, ExtensionType.supported_groups);
    const clientGroups = groupsData ? readU16List(groupsData) : [NamedGroup.secp256r1];
    const group = SUPPORTED_GROUPS.find((g) => clientGroups.includes(g));
    if (group === undefined) throw new HandshakeFailure(AlertDescription.handshake_failure, "no elliptic curve group in common");
    const algsData = extensionData(ch.extensions, ExtensionType.signature_algorithms);
    const preferred = serverSignatureSchemes(key);
    const clientSchemes = algsData ? readU16List(algsData) : [preferred[0]!];
    const scheme = preferred.find((x) => clientSchemes.includes(x));
    if (scheme === undefined) throw new HandshakeFailure(AlertDescription.handshake_failure, "no signature algorithm in common");

    this.clientRandom = ch.random.slice();
    this.serverRandom = this.config.random(32);
    this.recordVersion = this.version;
    const extensions: Extension[] = [];
    if (extensionData(ch.extensions, ExtensionType.renegotiation_info) !== undefined || ch.cipherSuites.includes(EMPTY_RENEGOTIATION_INFO_SCSV)) {
      extensions.push({ type: ExtensionType.renegotiation_info, data: new Uint8Array([0]) });
    }
    if (extensionData(ch.extensions, ExtensionType.extended_master_secret) !== undefined) {
      extensions.push({ type: ExtensionType.extended_master_secret, data: new Uint8Array(0) });
      this.useExtendedMasterSecret = true;
    }
    if (extensionData(ch.extensions, ExtensionType.ec_point_formats) !== undefined) {
      extensions.push({ type: ExtensionType.ec_point_formats, data: new Uint8Array([1, 0]) });
    }
    const items: FlightItem[] = [];
    this.addMessage(items, HandshakeType.server_hello, encodeServerHello({ version: this.version, random: this.serverRandom, sessionId: new Uint8Array(0), cipherSuite: suite.id, extensions }));
    this.addMessage(items, HandshakeType.certificate, encodeCertificate(this.config.certificateChain!));
    this.ephemeral = generateEphemeral(group, this.config.random(96));
    const params = encodeEcdhParams(group, this.ephemeral.publicKey);
    const info = schemeInfo(scheme)!;
    const signature = signWithKey(key, info.hash, concatBytes([this.clientRandom, this.serverRandom, params]));
    this.addMessage(items, HandshakeType.server_key_exchange, encodeServerKeyExchange(params, scheme, signature));
    this.addMessage(items, HandshakeType.server_hello_done, new Uint8Array(0));
    this.startFlight(now, items, true);
  }

  private onClientKeyExchange(body: Uint8Array): void {
    const pub = parseClientKeyExchange(body);
    const premaster = this.ephemeral!.agree(pub);
    if (!premaster) throw new HandshakeFailure(AlertDescription.illegal_parameter, "client's ECDHE public key is invalid");
    this.premaster = premaster;
    this.deriveKeys();
  }
}
