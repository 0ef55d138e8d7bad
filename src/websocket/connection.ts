/**
 * The sans-IO WebSocket connection: opening handshake, message framing, the
 * close handshake, heartbeat and timeouts, as one explicit state machine.
 *
 * It never touches a socket or a clock: bytes come in through `receive(now, ...)`,
 * time through `handleTimeout(now)`, and everything it wants done (write bytes,
 * close the transport, report an event) goes out through a `ConnectionSink`.
 * `nextDeadline()` says when `handleTimeout` should next be called.
 */
import { CloseCode, MAX_CLOSE_REASON_BYTES } from "./close-codes.ts";
import { FrameReceiver } from "./frame-receiver.ts";
import { Heartbeat, HeartbeatAction } from "./heartbeat.ts";
import { Opcode, encodeFrame } from "./frame.ts";
import {
  buildClientRequest,
  buildErrorResponse,
  buildServerResponse,
  checkClientRequest,
  checkServerResponse,
  generateClientKey,
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

export interface ConnectionSink {
  /** Bytes to send, in order. Ownership passes to the sink. */
  write(bytes: Uint8Array): void;
  /** Send what is queued, then close the transport. */
  end(): void;
  /** Close the transport now, dropping anything queued. */
  abort(): void;
  onOpen(protocol: string): void;
  onMessage(data: Uint8Array, isText: boolean): void;
  /** Once, when the state becomes CLOSED. `code` is 1006 for a close without a completed close handshake. */
  onClose(code: number, reason: string, wasClean: boolean): void;
  /** A protocol violation, refused handshake or timeout, reported before the matching onClose. */
  onError(message: string): void;
}

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
}

const NO_DEADLINE = Number.POSITIVE_INFINITY;

export class WebSocketConnection {
  state = WebSocketState.STATE_CONNECTING;
  readonly role: ConnectionRole;
  /** Negotiated subprotocol ("" for none). */
  selectedProtocol = "";
  /** Server: the request's resource (path + query) and headers, once accepted. */
  requestResource = "";
  requestHeaders: Map<string, string> = new Map();
  /** Code and reason of a clean close (the peer's close frame); -1 and "" otherwise. */
  closeCode = -1;
  closeReason = "";

  /** Counters for diagnostics and tests. */
  readonly stats = { messagesReceived: 0, messagesSent: 0, pingsReceived: 0, pongsReceived: 0, protocolErrors: 0 };

  private readonly opts: ConnectionOptions;
  private readonly sink: ConnectionSink;
  private readonly receiver: FrameReceiver;
  /** The handshake head being collected; released once the handshake is decided (4 KiB per connection). */
  private head: HttpHeadCollector | null = new HttpHeadCollector(MAX_HANDSHAKE_HEADER_SIZE);
  private clientKey = "";
  private readonly maskOutgoing: boolean;

  private closeSent = false;
  private handshakeDeadline = NO_DEADLINE;
  private closeDeadline = NO_DEADLINE;
  private heartbeatIntervalMs: number;
  private readonly heartbeat: Heartbeat;

  constructor(opts: ConnectionOptions, sink: ConnectionSink) {
    this.opts = opts;
    this.sink = sink;
    this.role = opts.role;
    this.maskOutgoing = opts.role === ConnectionRole.CLIENT;
    this.heartbeatIntervalMs = opts.heartbeatIntervalMs;
    this.heartbeat = new Heartbeat(opts.heartbeatIntervalMs);
    const receiver = new FrameReceiver(opts.role === ConnectionRole.SERVER, opts.maxMessageSize, {
      onMessage: (data, isText) => {
        this.stats.messagesReceived++;
        this.sink.onMessage(data, isText);
      },
      onPing: (payload) => {
        this.stats.pingsReceived++;
        // RFC 6455 5.5.2: answer with the same application data, unless we already sent a close.
        if (!this.closeSent) this.sink.write(encodeFrame(Opcode.PONG, payload, true, this.maskOutgoing));
      },
      onPong: () => {
        this.stats.pongsReceived++;
        this.heartbeat.pongReceived();
      },
      onClose: (code, reason) => this.closeFrameReceived(code, reason),
      onFail: (code, reason) => {
        this.stats.protocolErrors++;
        this.fail(code, reason);
      },
    });
    this.receiver = receiver;
  }

  /** Largest inbound message; may be changed at any time (applies to messages not yet started). */
  set maxMessageSize(n: number) {
    this.receiver.maxMessageSize = n;
  }

  /** Change the heartbeat interval (ms, 0 = off), rescheduling from `now`. */
  setHeartbeatInterval(now: number, ms: number): void {
    this.heartbeatIntervalMs = ms;
    if (this.state === WebSocketState.STATE_OPEN) this.heartbeat.start(now, ms);
  }

  /** Begin: the client sends its upgrade request; both sides arm the handshake timeout. */
  start(now: number): void {
    if (this.opts.handshakeTimeoutMs > 0) this.handshakeDeadline = now + this.opts.handshakeTimeoutMs;
    if (this.role === ConnectionRole.CLIENT) {
      this.clientKey = generateClientKey();
      const request = buildClientRequest({
        hostHeader: this.opts.hostHeader ?? "",
        resource: this.opts.resource ?? "/",
        key: this.clientKey,
        protocols: this.opts.protocols,
        extraHeaders: this.opts.extraHeaders,
      });
      this.sink.write(latin1Bytes(request));
    }
  }

  /** Feed received bytes `chunk[start..end)`. */
  receive(now: number, chunk: Uint8Array, start = 0, end = chunk.length): void {
    const state = this.state;
    if (state === WebSocketState.STATE_OPEN || state === WebSocketState.STATE_CLOSING) {
      this.receiver.receive(chunk, start, end);
      return;
    }
    const head = this.head;
    if (state !== WebSocketState.STATE_CONNECTING || !head) return;
    const scan = head.push(start === 0 && end === chunk.length ? chunk : chunk.subarray(start, end));
    if (scan === HeadScanResult.INCOMPLETE) return;
    this.head = null;
    if (scan === HeadScanResult.TOO_LARGE) {
      if (this.role === ConnectionRole.SERVER) this.refuse(431, "handshake header larger than 4096 bytes");
      else this.abortWithError("handshake response header larger than 4096 bytes");
      return;
    }
    const parsed = parseHttpHead(head.headText());
    if (this.role === ConnectionRole.SERVER) {
      if (!parsed) return this.refuse(400, "malformed HTTP request");
      const check = checkClientRequest(parsed, this.opts.protocols);
      if (!check.ok) return this.refuse(check.status, check.reason);
      this.selectedProtocol = check.protocol;
      this.requestResource = check.resource;
      this.requestHeaders = check.headers;
      this.sink.write(latin1Bytes(buildServerResponse(check.key, check.protocol, this.opts.extraHeaders)));
    } else {
      if (!parsed) return this.abortWithError("malformed HTTP response");
      const check = checkServerResponse(parsed, this.clientKey, this.opts.protocols);
      if (!check.ok) return this.abortWithError(`handshake refused: ${check.reason}`);
      this.selectedProtocol = check.protocol;
    }
    this.open(now);
    const rest = head.rest;
    if (rest.length > 0 && this.state === WebSocketState.STATE_OPEN) this.receiver.receive(rest);
  }

  private open(now: number): void {
    this.state = WebSocketState.STATE_OPEN;
    this.handshakeDeadline = NO_DEADLINE;
    this.heartbeat.start(now, this.heartbeatIntervalMs);
    this.sink.onOpen(this.selectedProtocol);
  }

  /** Queue one data message as a single frame. The caller checks the state and the limits. */
  sendMessage(data: Uint8Array, isText: boolean): void {
    this.stats.messagesSent++;
    this.sink.write(encodeFrame(isText ? Opcode.TEXT : Opcode.BINARY, data, true, this.maskOutgoing));
  }

  /** Queue one frame of a fragmented message (for tests and streaming senders). */
  sendFrame(opcode: Opcode, data: Uint8Array, fin: boolean): void {
    this.sink.write(encodeFrame(opcode, data, fin, this.maskOutgoing));
  }

  sendPing(payload: Uint8Array): void {
    this.sink.write(encodeFrame(Opcode.PING, payload, true, this.maskOutgoing));
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
    this.heartbeat.stop();
    if (this.opts.closeTimeoutMs > 0) this.closeDeadline = now + this.opts.closeTimeoutMs;
  }

  /** The transport delivered end-of-stream or closed. Anything not finished is an unclean close. */
  transportClosed(error?: Error): void {
    if (this.state === WebSocketState.STATE_CLOSED) return;
    if (error) this.sink.onError(`connection lost: ${error.message}`);
    else if (this.state === WebSocketState.STATE_CONNECTING) this.sink.onError("connection closed during the handshake");
    this.finish(CloseCode.ABNORMAL_CLOSURE, "", false, true);
  }

  /** When handleTimeout should next run (ms on the caller's clock); Infinity for never. */
  nextDeadline(): number {
    return Math.min(this.handshakeDeadline, this.closeDeadline, this.heartbeat.deadline);
  }

  handleTimeout(now: number): void {
    if (this.state === WebSocketState.STATE_CLOSED) return;
    if (now >= this.handshakeDeadline) {
      this.handshakeDeadline = NO_DEADLINE;
      if (this.state === WebSocketState.STATE_CONNECTING) {
        this.abortWithError("handshake timed out");
        return;
      }
    }
    if (now >= this.closeDeadline) {
      this.closeDeadline = NO_DEADLINE;
      this.sink.onError("the peer did not answer the close frame in time");
      this.finish(CloseCode.ABNORMAL_CLOSURE, "", false, true);
      return;
    }
    if (this.state === WebSocketState.STATE_OPEN) {
      const action = this.heartbeat.check(now);
      if (action === HeartbeatAction.SEND_PING) this.sendPing(EMPTY);
      else if (action === HeartbeatAction.TIMED_OUT) this.fail(CloseCode.GOING_AWAY, "Heartbeat timeout");
    }
  }

  // ---- the close handshake (RFC 6455 sections 5.5.1 and 7.1) ----
  // Ours: close() sends a close frame (CLOSING) and waits up to closeTimeoutMs for the
  // peer's. Theirs: the first close frame received is echoed with its code. Either way
  // the connection is CLOSED (clean) once a close frame went each way, and the stream is
  // ended. Protocol violations take the fail() path instead (close frame, then close).

  private closeFrameReceived(code: number, reason: Uint8Array): void {
    const reasonText = decodeUtf8(reason);
    if (!this.closeSent) {
      // Echo the status code (RFC 6455 5.5.1); no code when the peer sent none.
      this.sendClose(code === CloseCode.NO_STATUS_RECEIVED ? -1 : code, EMPTY);
    }
    this.closeCode = code;
    this.closeReason = reasonText;
    this.finish(code, reasonText, true, false);
  }

  private sendClose(code: number, reason: Uint8Array): void {
    this.closeSent = true;
    let payload = EMPTY;
    if (code >= 0) {
      const n = Math.min(reason.length, MAX_CLOSE_REASON_BYTES);
      payload = new Uint8Array(2 + n);
      payload[0] = code >>> 8;
      payload[1] = code & 0xff;
      payload.set(reason.subarray(0, n), 2);
    }
    this.sink.write(encodeFrame(Opcode.CLOSE, payload, true, this.maskOutgoing));
  }

  /** _Fail the WebSocket Connection_ (RFC 6455 7.1.7): send a close frame with `code` if we still may, then close. */
  private fail(code: number, reason: string): void {
    if (this.state === WebSocketState.STATE_CLOSED) return;
    if (!this.closeSent) this.sendClose(code, encodeUtf8(reason));
    this.sink.onError(reason);
    this.finish(code, reason, false, false);
  }

  /** Server: answer the upgrade request with an HTTP error and close. */
  private refuse(status: number, reason: string): void {
    this.sink.write(latin1Bytes(buildErrorResponse(status)));
    this.sink.onError(`refused upgrade request (${status}): ${reason}`);
    this.finish(CloseCode.ABNORMAL_CLOSURE, "", false, false);
  }

  private abortWithError(message: string): void {
    this.sink.onError(message);
    this.finish(CloseCode.ABNORMAL_CLOSURE, "", false, true);
  }

  private finish(code: number, reason: string, wasClean: boolean, abort: boolean): void {
    this.state = WebSocketState.STATE_CLOSED;
    this.handshakeDeadline = NO_DEADLINE;
    this.closeDeadline = NO_DEADLINE;
    this.heartbeat.stop();
    if (abort) this.sink.abort();
    else this.sink.end();
    this.sink.onClose(code, reason, wasClean);
  }
}

const EMPTY = new Uint8Array(0);
