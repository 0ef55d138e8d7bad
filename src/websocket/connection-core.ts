/**
 * The sans-IO WebSocket connection: opening handshake, message framing, the
 * close handshake, heartbeat and timeouts, as one explicit state machine.
 *
 * It never touches a socket, a clock or a random source of its own: bytes come in
 * through `receive(now, ...)`, time through `handleTimeout(now)`, and everything it
 * wants done is polled out, the way ENet's HostCore is driven: `pollTransmit()` (bytes
 * to write, in order), `pollShutdown()` (end or abort the transport), `pollEvent()`
 * (open, message, error, close) and `pollTimeout()` (when `handleTimeout` is next due).
 * Masking keys and the handshake key come from an injectable `randomFill`, so a run
 * can be replayed byte for byte.
 */
import { CloseCode, MAX_CLOSE_REASON_BYTES } from "./close-codes.ts";
import { FrameReceiver, type FrameReceiverHandler } from "./frame-receiver.ts";
import { Heartbeat, HeartbeatAction } from "./heartbeat.ts";
import { Opcode, RSV1_BIT, encodeFrameWithKey } from "./frame.ts";
import { parseExtensionHeader } from "./extension-header.ts";
import { type MessageCompressor, messageCompression } from "./compression-hook.ts";
import { type DeflateAgreement, type DeflateSettings, acceptDeflateOffer, buildDeflateOffer } from "./permessage-deflate.ts";
import { Fifo } from "../util/fifo.ts";
import { fillRandomPooled } from "./mask.ts";
import {
  buildClientRequest,
  buildErrorResponse,
  buildServerResponse,
  checkClientRequest,
  checkServerResponse,
  encodeClientKey,
  latin1Bytes,
} from "./handshake.ts";
import { HeadScanResult, HttpHeadCollector, MAX_HANDSHAKE_HEADER_SIZE, parseHttpHead } from "./http-parse.ts";
import { decodeUtf8, encodeUtf8 } from "./utf8.ts";

/** Godot's WebSocketPeer.State values. */
export enum WebSocketState {
  STATE_CONNECTING = 0,
  STATE_OPEN = 1,
  STATE_CLOSING = 2,
  STATE_CLOSED = 3,
}

export enum ConnectionRole {
  CLIENT,
  SERVER,
}

/**
 * What the core reports, in order. `close` comes once, when the state becomes CLOSED
 * (`code` 1006 for a close without a completed close handshake); an `error` (protocol
 * violation, refused handshake, timeout) comes before its `close`.
 */
export type ConnectionEvent =
  | { readonly kind: "open"; readonly protocol: string }
  | { readonly kind: "message"; readonly data: Uint8Array; readonly isText: boolean }
  | { readonly kind: "error"; readonly message: string }
  | { readonly kind: "close"; readonly code: number; readonly reason: string; readonly wasClean: boolean };

/** What the transport must do once the bytes polled so far are written. */
export enum StreamShutdown {
  NONE,
  /** Send what is queued, then close (FIN). */
  END,
  /** Close at once, dropping anything still queued. */
  ABORT,
}

/** WebSocketConnectionCore.stats. */
export interface ConnectionStats {
  messagesReceived: number;
  messagesSent: number;
  messagesCompressed: number;
  messagesInflated: number;
  pingsReceived: number;
  pongsReceived: number;
  protocolErrors: number;
}

/** Fills `dst` with random bytes (masking keys, the client's handshake key). */
export type RandomFill = (dst: Uint8Array) => void;

export interface ConnectionOptions {
  role: ConnectionRole;
  /** Largest inbound message in bytes (1009 above it). */
  maxMessageSize: number;
  /** Milliseconds from start() until the handshake must be complete; 0 = no limit. */
  handshakeTimeoutMs: number;
  /** Milliseconds to wait for the peer's close frame after sending ours; 0 = no limit. */
  closeTimeoutMs: number;
  /** Milliseconds between heartbeat pings; 0 = off. */
  heartbeatIntervalMs: number;
  /** Client: the Host header value and the resource (path + query). */
  hostHeader?: string;
  resource?: string;
  /** Client: protocols offered. Server: protocols supported, in no particular order. */
  protocols: readonly string[];
  /** "Name: value" lines added to the request (client) or the 101 response (server). */
  extraHeaders: readonly string[];
  /** Random source for masking keys and the handshake key (default: the platform CSPRNG, pooled). */
  randomFill?: RandomFill;
  /** permessage-deflate (RFC 7692): offered by a client, accepted by a server; null or absent = off. */
  deflate?: DeflateSettings | null;
}

const NO_DEADLINE = Number.POSITIVE_INFINITY;

export class WebSocketConnectionCore {
  state = WebSocketState.STATE_CONNECTING;
  readonly role: ConnectionRole;
  /** Negotiated subprotocol ("" for none). */
  selectedProtocol = "";
  /** The agreed `Sec-WebSocket-Extensions` ("" for none), as the browser's WebSocket.extensions. */
  extensions = "";
  /** Server: the request's resource (path + query), once accepted. */
  requestResource = "";
  /**
   * Server: the accepted request's head as it arrived. Only the text is kept, not a parsed map:
   * the headers are rarely read after the handshake, and a map of them costs an idle connection
   * about half a kilobyte.
   */
  private requestHead = "";
  /** Code and reason of a clean close (the peer's close frame); -1 and "" otherwise. */
  closeCode = -1;
  closeReason = "";

  /** Server: the accepted request's headers (lower-cased names), a new map on each read; empty before. */
  get requestHeaders(): Map<string, string> {
    return (this.requestHead === "" ? null : parseHttpHead(this.requestHead)?.headers) ?? new Map();
  }

  /**
   * Counters for diagnostics and tests, as they stand when read (a new object each time: the
   * counters are fields of the connection, which costs an idle one less than an object of them).
   */
  get stats(): ConnectionStats {
    return {
      messagesReceived: this.messagesReceived,
      messagesSent: this.messagesSent,
      messagesCompressed: this.messagesCompressed,
      messagesInflated: this.messagesInflated,
      pingsReceived: this.pingsReceived,
      pongsReceived: this.pongsReceived,
      protocolErrors: this.protocolErrors,
    };
  }
  private messagesReceived = 0;
  private messagesSent = 0;
  private messagesCompressed = 0;
  private messagesInflated = 0;
  private pingsReceived = 0;
  private pongsReceived = 0;
  private protocolErrors = 0;

  /** The options, until the handshake is decided (only the close timeout is needed after it). */
  private opts: ConnectionOptions | null;
  private readonly closeTimeoutMs: number;
  private readonly randomFill: RandomFill;
  /** A client masks every frame it sends (with a fresh key in MASK_KEY); a server never does. */
  private readonly masks: boolean;
  /** Per connection, so they start small (they grow on demand and keep their size). */
  private readonly transmits = new Fifo<Uint8Array>(4);
  private readonly events = new Fifo<ConnectionEvent>(4);
  private shutdown = StreamShutdown.NONE;
  private readonly receiver: FrameReceiver<WebSocketConnectionCore>;
  /** The handshake head being collected; released once the handshake is decided (4 KiB per connection). */
  private head: HttpHeadCollector | null = new HttpHeadCollector(MAX_HANDSHAKE_HEADER_SIZE);
  private clientKey = "";
  /** permessage-deflate's sending side, once agreed. */
  private deflater: MessageCompressor | null = null;
  /** The permessage-deflate settings in force: none when the codecs are not installed (compression-hook.ts). */
  private readonly deflateSettings: DeflateSettings | null;

  private closeSent = false;
  /**
   * The handshake deadline while CONNECTING, the close deadline while CLOSING (one field: the two
   * never run at once, and each double field costs an object a box of its own).
   */
  private deadline = NO_DEADLINE;
  private heartbeatIntervalMs: number;
  /** The keep-alive schedule, made when a heartbeat interval is set (none by default). */
  private heartbeat: Heartbeat | null = null;

  constructor(opts: ConnectionOptions) {
    this.opts = opts;
    this.closeTimeoutMs = opts.closeTimeoutMs;
    this.randomFill = opts.randomFill ?? fillRandomPooled;
    this.role = opts.role;
    // RFC 6455 5.1: a client masks every frame it sends, a server none.
    this.masks = opts.role === ConnectionRole.CLIENT;
    this.heartbeatIntervalMs = opts.heartbeatIntervalMs;
    this.deflateSettings = opts.deflate && messageCompression() !== null ? opts.deflate : null;
    this.receiver = new FrameReceiver(opts.role === ConnectionRole.SERVER, opts.maxMessageSize, WebSocketConnectionCore.frameEvents, this);
  }

  /** What every core does with its receiver's frames: one object for all connections (see FrameReceiverHandler). */
  private static readonly frameEvents: FrameReceiverHandler<WebSocketConnectionCore> = {
    onMessage(data, isText, inflated, core) {
      core.messagesReceived++;
      if (inflated) core.messagesInflated++;
      core.events.push({ kind: "message", data, isText });
    },
    onPing(payload, core) {
      core.pingsReceived++;
      // RFC 6455 5.5.2: answer with the same application data, unless we already sent a close.
      if (!core.closeSent) core.writeFrame(Opcode.PONG, payload, true);
    },
    onPong(_payload, core) {
      core.pongsReceived++;
      core.heartbeat?.pongReceived();
    },
    onClose(code, reason, core) {
      core.closeFrameReceived(code, reason);
    },
    onFail(code, reason, core) {
      core.protocolErrors++;
      core.fail(code, reason);
    },
  };

  // ---- output, polled ----

  /** The next bytes to write to the transport, in order; null when none are queued. */
  pollTransmit(): Uint8Array | null {
    return this.transmits.shift() ?? null;
  }

  /** Whether to end or abort the transport (after writing every polled transmit); reported once. */
  pollShutdown(): StreamShutdown {
    const s = this.shutdown;
    this.shutdown = StreamShutdown.NONE;
    return s;
  }

  /** The next event, or null. */
  pollEvent(): ConnectionEvent | null {
    return this.events.shift() ?? null;
  }

  /** When handleTimeout should next run (ms on the caller's clock); null for never. */
  pollTimeout(): number | null {
    const heartbeat = this.heartbeat;
    const at = heartbeat === null ? this.deadline : Math.min(this.deadline, heartbeat.deadline);
    return at === NO_DEADLINE ? null : at;
  }

  private writeFrame(opcode: Opcode, payload: Uint8Array, fin: boolean, rsv = 0): void {
    let key: Uint8Array | null = null;
    if (this.masks) {
      key = MASK_KEY;
      this.randomFill(key);
    }
    this.transmits.push(encodeFrameWithKey(opcode, payload, fin, key, rsv));
  }

  /** Largest inbound message; may be changed at any time (applies to messages not yet started). */
  set maxMessageSize(n: number) {
    this.receiver.maxMessageSize = n;
  }

  /** Change the heartbeat interval (ms, 0 = off), rescheduling from `now`. */
  setHeartbeatInterval(now: number, ms: number): void {
    this.heartbeatIntervalMs = ms;
    if (this.state === WebSocketState.STATE_OPEN) this.startHeartbeat(now);
  }

  /** (Re)start the keep-alive schedule from `now` at the current interval; an interval of 0 stops it. */
  private startHeartbeat(now: number): void {
    const ms = this.heartbeatIntervalMs;
    if (ms > 0) (this.heartbeat ??= new Heartbeat(ms)).start(now, ms);
    else this.heartbeat?.stop();
  }

  /** Begin: the client sends its upgrade request; both sides arm the handshake timeout. */
  start(now: number): void {
    const opts = this.opts;
    if (opts === null) return; // the handshake was decided already (closed before start)
    if (opts.handshakeTimeoutMs > 0) this.deadline = now + opts.handshakeTimeoutMs;
    if (this.role === ConnectionRole.CLIENT) {
      const raw = new Uint8Array(16);
      this.randomFill(raw);
      this.clientKey = encodeClientKey(raw);
      const request = buildClientRequest({
        hostHeader: opts.hostHeader ?? "",
        resource: opts.resource ?? "/",
        key: this.clientKey,
        protocols: opts.protocols,
        extraHeaders: opts.extraHeaders,
        extensions: this.deflateSettings ? buildDeflateOffer(this.deflateSettings) : "",
      });
      this.transmits.push(latin1Bytes(request));
    }
  }

  /**
   * Feed received bytes `chunk[start..end)`. `owned`: the caller gives the chunk away (nothing
   * else reads or writes it afterwards), so messages may be delivered as views of it (FrameReceiver).
   */
  receive(now: number, chunk: Uint8Array, start = 0, end = chunk.length, owned = false): void {
    const state = this.state;
    if (state === WebSocketState.STATE_OPEN || state === WebSocketState.STATE_CLOSING) {
      this.receiver.receive(chunk, start, end, owned);
      return;
    }
    const head = this.head;
    const opts = this.opts;
    if (state !== WebSocketState.STATE_CONNECTING || !head || !opts) return;
    const scan = head.push(start === 0 && end === chunk.length ? chunk : chunk.subarray(start, end));
    if (scan === HeadScanResult.INCOMPLETE) return;
    this.head = null;
    if (scan === HeadScanResult.TOO_LARGE) {
      if (this.role === ConnectionRole.SERVER) this.refuse(431, "handshake header larger than 4096 bytes");
      else this.abortWithError("handshake response header larger than 4096 bytes");
      return;
    }
    const headText = head.headText();
    const parsed = parseHttpHead(headText);
    if (this.role === ConnectionRole.SERVER) {
      if (!parsed) return this.refuse(400, "malformed HTTP request");
      const check = checkClientRequest(parsed, opts.protocols);
      if (!check.ok) return this.refuse(check.status, check.reason);
      this.selectedProtocol = check.protocol;
      this.requestResource = check.resource;
      this.requestHead = headText;
      const settings = this.deflateSettings;
      // A malformed extension list is declined as a whole, not refused: the connection goes on uncompressed.
      const accepted = settings ? acceptDeflateOffer(parseExtensionHeader(check.headers.get("sec-websocket-extensions")) ?? [], settings) : null;
      if (accepted !== null) this.startCompression(accepted.agreement, accepted.response);
      this.transmits.push(latin1Bytes(buildServerResponse(check.key, check.protocol, opts.extraHeaders, this.extensions)));
    } else {
      if (!parsed) return this.abortWithError("malformed HTTP response");
      const check = checkServerResponse(parsed, this.clientKey, opts.protocols, this.deflateSettings);
      if (!check.ok) return this.abortWithError(`handshake refused: ${check.reason}`);
      this.clientKey = "";
      this.selectedProtocol = check.protocol;
      if (check.deflate !== null) this.startCompression(check.deflate, parsed.headers.get("sec-websocket-extensions") ?? "");
    }
    this.open(now);
    const rest = head.rest;
    // The bytes after the head are always a fresh copy (HeadScanner), ours to keep.
    if (rest.length > 0 && this.state === WebSocketState.STATE_OPEN) this.receiver.receive(rest, 0, rest.length, true);
  }

  /** Compress what we send and inflate what the peer compresses, as agreed (each side by its own parameters). */
  private startCompression(a: DeflateAgreement, extensions: string): void {
    const settings = this.deflateSettings!;
    const codecs = messageCompression()!;
    const server = this.role === ConnectionRole.SERVER;
    this.extensions = extensions;
    this.deflater = codecs.compressor(
      server ? a.serverMaxWindowBits : a.clientMaxWindowBits,
      server ? a.serverNoContextTakeover : a.clientNoContextTakeover,
      settings.level,
      settings.threshold,
    );
    this.receiver.inflater = codecs.decompressor(
      server ? a.clientMaxWindowBits : a.serverMaxWindowBits,
      server ? a.clientNoContextTakeover : a.serverNoContextTakeover,
    );
  }

  private open(now: number): void {
    this.state = WebSocketState.STATE_OPEN;
    this.opts = null;
    this.deadline = NO_DEADLINE;
    this.startHeartbeat(now);
    this.events.push({ kind: "open", protocol: this.selectedProtocol });
  }

  /** Queue one data message as a single frame. The caller checks the state and the limits. */
  sendMessage(data: Uint8Array, isText: boolean): void {
    this.messagesSent++;
    const compressed = this.deflater?.compress(data) ?? null;
    if (compressed !== null) this.messagesCompressed++;
    this.writeFrame(isText ? Opcode.TEXT : Opcode.BINARY, compressed ?? data, true, compressed === null ? 0 : RSV1_BIT);
  }

  /** Queue one frame of a fragmented message (for tests and streaming senders). */
  sendFrame(opcode: Opcode, data: Uint8Array, fin: boolean): void {
    this.writeFrame(opcode, data, fin);
  }

  sendPing(payload: Uint8Array): void {
    this.writeFrame(Opcode.PING, payload, true);
  }

  /**
   * Start the close handshake (code >= 0) or drop the connection at once
   * (code < 0, no close frame: Godot's behaviour). Closing while connecting drops.
   */
  close(now: number, code: number, reason: string): void {
    const state = this.state;
    if (state === WebSocketState.STATE_CLOSED) return;
    if (code < 0 || state === WebSocketState.STATE_CONNECTING) {
      this.finish(CloseCode.ABNORMAL_CLOSURE, "", false, true);
      return;
    }
    if (this.closeSent) return;
    this.sendClose(code, encodeUtf8(reason));
    this.state = WebSocketState.STATE_CLOSING;
    this.heartbeat?.stop();
    if (this.closeTimeoutMs > 0) this.deadline = now + this.closeTimeoutMs;
  }

  /** The transport delivered end-of-stream or closed. Anything not finished is an unclean close. */
  transportClosed(error?: Error): void {
    if (this.state === WebSocketState.STATE_CLOSED) return;
    if (error) this.error(`connection lost: ${error.message}`);
    else if (this.state === WebSocketState.STATE_CONNECTING) this.error("connection closed during the handshake");
    this.finish(CloseCode.ABNORMAL_CLOSURE, "", false, true);
  }

  handleTimeout(now: number): void {
    if (this.state === WebSocketState.STATE_CLOSED) return;
    if (now >= this.deadline) {
      this.deadline = NO_DEADLINE;
      if (this.state === WebSocketState.STATE_CONNECTING) {
        this.abortWithError("handshake timed out");
        return;
      }
      if (this.state === WebSocketState.STATE_CLOSING) {
        this.error("the peer did not answer the close frame in time");
        this.finish(CloseCode.ABNORMAL_CLOSURE, "", false, true);
        return;
      }
    }
    const heartbeat = this.heartbeat;
    if (heartbeat !== null && this.state === WebSocketState.STATE_OPEN) {
      const action = heartbeat.check(now);
      if (action === HeartbeatAction.SEND_PING) this.sendPing(EMPTY);
      else if (action === HeartbeatAction.TIMED_OUT) this.fail(CloseCode.GOING_AWAY, "Heartbeat timeout");
    }
  }

  // ---- the close handshake (RFC 6455 sections 5.5.1 and 7.1) ----
  // Ours: close() sends a close frame (CLOSING) and waits up to closeTimeoutMs for the
  // peer's. Theirs: the first close frame received is echoed with its code and reason, as
  // wslay (under Godot 4's native WebSocketPeer) answers, so the initiator reads back its
  // own close code and reason from the echo. Either way
  // the connection is CLOSED (clean) once a close frame went each way, and the stream is
  // ended. Protocol violations take the fail() path instead (close frame, then close).

  private closeFrameReceived(code: number, reason: Uint8Array): void {
    const reasonText = decodeUtf8(reason);
    if (!this.closeSent) {
      // Echo the status code (RFC 6455 5.5.1) and the reason, as wslay's wslay_event_recv
      // does; an empty close frame (no code, so no reason) is answered with an empty one.
      this.sendClose(code === CloseCode.NO_STATUS_RECEIVED ? -1 : code, reason);
    }
    this.closeCode = code;
    this.closeReason = reasonText;
    this.finish(code, reasonText, true, false);
  }

  private sendClose(code: number, reason: Uint8Array): void {
    this.closeSent = true;
    let payload = EMPTY;
    // Code 0 sends a close frame without a status code (and so without a reason), as wslay does.
    if (code > 0) {
      const n = Math.min(reason.length, MAX_CLOSE_REASON_BYTES);
      payload = new Uint8Array(2 + n);
      payload[0] = code >>> 8;
      payload[1] = code & 0xff;
      payload.set(reason.subarray(0, n), 2);
    }
    this.writeFrame(Opcode.CLOSE, payload, true);
  }

  /** _Fail the WebSocket Connection_ (RFC 6455 7.1.7): send a close frame with `code` if we still may, then close. */
  private fail(code: number, reason: string): void {
    if (this.state === WebSocketState.STATE_CLOSED) return;
    if (!this.closeSent) this.sendClose(code, encodeUtf8(reason));
    this.error(reason);
    this.finish(code, reason, false, false);
  }

  /** Server: answer the upgrade request with an HTTP error and close. */
  private refuse(status: number, reason: string): void {
    this.transmits.push(latin1Bytes(buildErrorResponse(status)));
    this.error(`refused upgrade request (${status}): ${reason}`);
    this.finish(CloseCode.ABNORMAL_CLOSURE, "", false, false);
  }

  private abortWithError(message: string): void {
    this.error(message);
    this.finish(CloseCode.ABNORMAL_CLOSURE, "", false, true);
  }

  private finish(code: number, reason: string, wasClean: boolean, abort: boolean): void {
    this.state = WebSocketState.STATE_CLOSED;
    this.head = null;
    this.deadline = NO_DEADLINE;
    this.heartbeat?.stop();
    if (abort) {
      this.transmits.clear(); // an abort drops what was not written yet
      this.shutdown = StreamShutdown.ABORT;
    } else {
      this.shutdown = StreamShutdown.END;
    }
    this.events.push({ kind: "close", code, reason, wasClean });
  }

  private error(message: string): void {
    this.events.push({ kind: "error", message });
  }
}

const EMPTY = new Uint8Array(0);
/** A client's masking key for the frame being encoded: filled and consumed within writeFrame, so one serves every connection. */
const MASK_KEY = new Uint8Array(4);
