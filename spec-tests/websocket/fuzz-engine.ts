/**
 * The WebSocket hostile-input scenario shared by the suite's seeded slice (fuzz.test.ts) and the
 * long run (`npm run fuzz:websocket`, fuzz-run.ts). Each case is one connection seen from one side
 * (server or client core): an honest peer's byte stream (the opening handshake, then messages of
 * every size, fragmented or whole, text and binary, pings, pongs, a close), perhaps damaged
 * (bits flipped, bytes inserted, cut short, a crafted bad frame spliced in, the handshake broken),
 * fed in random chunks, some given away (`owned`, so messages may be views of them, unmasked in
 * place) and some only lent. Returns what happened and every broken rule; callers assert.
 *
 * Rules checked in every case:
 * - nothing throws out of receive(), pollEvent(), pollTransmit() or transportClosed();
 * - events come in order: at most one open, first; messages only after it; one close, last;
 * - a delivered message is within maxMessageSize, valid UTF-8 when text, and its bytes do not
 *   change afterwards (no later chunk writes into an earlier view);
 * - a chunk that was only lent is left byte for byte as it was;
 * - every message whose frames lie wholly before the first damaged byte arrives exactly, in order;
 *   an undamaged stream delivers all of them, answers every ping, and ends as its close frame says;
 * - a connection failed for a protocol violation sends a close frame with the code it reports
 *   (1002, 1007 or 1009) and ends the stream; a refused handshake answers with an HTTP 4xx.
 */
import { ConnectionRole, StreamShutdown, WebSocketConnectionCore, WebSocketState, type ConnectionEvent } from "../../src/websocket/connection-core.ts";
import { Opcode, RSV1_BIT, encodeFrameWithKey } from "../../src/websocket/frame.ts";
import { parseExtensionHeader } from "../../src/websocket/extension-header.ts";
import { MessageDeflater } from "../../src/websocket/message-compression.ts";
import { installMessageCompression } from "../../src/websocket/compression-hook.ts";
import { permessageDeflateCodecs } from "../../src/websocket/message-compression.ts";
import { type DeflateSettings, acceptDeflateOffer, buildDeflateOffer, resolveDeflateOptions } from "../../src/websocket/permessage-deflate.ts";
import { applyMask } from "../../src/websocket/mask.ts";
import { isValidUtf8 } from "../../src/websocket/utf8.ts";
import { SeededRandom } from "../../src/util/prng.ts";
import { concat, parseFrames } from "./raw-wire.ts";
import { randomBytes } from "../compress/support/corpus.ts";
import { sameBytes } from "./support.ts";
import { fnv1a } from "../enet-interop/harness.ts";

installMessageCompression(permessageDeflateCodecs);

/** The close codes a failed connection may send for what it received. */
const FAIL_CODES = new Set([1002, 1007, 1009]);
const SMALL_MAX = 1024;
const DEBUG = (globalThis as { process?: { env?: Record<string, string | undefined> } }).process?.env?.WS_FUZZ_DEBUG === "1";

export interface WebSocketFuzzOptions {
  seed: number;
  /** Connections to run. */
  cases: number;
}

export interface WebSocketFuzzResult {
  cases: number;
  /** Bytes fed to the cores. */
  bytes: number;
  damaged: number;
  opened: number;
  refused: number;
  /** Connections failed by the core, by the close code it sent. */
  failedWith: Map<number, number>;
  cleanCloses: number;
  messagesDelivered: number;
  /** Messages compared byte for byte against what the honest peer sent. */
  messagesChecked: number;
  /** Messages delivered as views of a chunk given away (the in-place path). */
  inPlaceViews: number;
  /** Connections whose whole outcome was compared with the reference reading (expectedOutcome). */
  comparedWithReference: number;
  /** Connections also fed in one piece to a second core with the same randomness: events and bytes sent must match. */
  comparedUnchunked: number;
  /** Connections where permessage-deflate was agreed, and their messages that went compressed. */
  deflateConnections: number;
  compressedMessages: number;
  failures: string[];
}

/** One honest message, and how it went on the wire. */
interface ScriptMessage {
  data: Uint8Array;
  isText: boolean;
  /** Offset just past its last frame in the stream. */
  end: number;
}

interface Stream {
  bytes: Uint8Array;
  /** Offset of the first frame (the handshake head is before it). */
  framesStart: number;
  /** Frame start offsets, for damage aimed at frame boundaries. */
  frameStarts: number[];
  messages: ScriptMessage[];
  pings: Uint8Array[];
  /** The close frame's code (1005 for a close without payload), or -1 when the stream has none. */
  closeCode: number;
  /** The first message over maxMessageSize (undamaged streams must fail with 1009 there), or -1. */
  tooBigAt: number;
  /** permessage-deflate was agreed: some messages went compressed (the reference reading does not inflate). */
  deflate: boolean;
  compressed: number;
}

/**
 * permessage-deflate settings of the two sides of a case, drawn from their own generator (so the
 * rest of a case seed's sequence is as it was before the deflate cases): a third of the cases
 * have both sides willing, with random context takeover, window bits and threshold.
 */
function deflateSettingsFor(coreSeed: number): { tested: DeflateSettings | null; honest: DeflateSettings | null } {
  const rng = new SeededRandom((coreSeed ^ 0x5bd1e995) >>> 0);
  if (rng.nextInt(3) !== 0) return { tested: null, honest: null };
  const side = (): DeflateSettings =>
    resolveDeflateOptions({
      serverNoContextTakeover: rng.nextInt(3) === 0,
      clientNoContextTakeover: rng.nextInt(3) === 0,
      serverMaxWindowBits: rng.nextInt(2) === 0 ? undefined : 9 + rng.nextInt(7),
      clientMaxWindowBits: rng.nextInt(2) === 0 ? undefined : 9 + rng.nextInt(7),
      threshold: rng.nextInt(3) === 0 ? 200 : 0,
      level: 1 + rng.nextInt(9),
    })!;
  return { tested: side(), honest: side() };
}

const encoder = new TextEncoder();
/** UTF-8 of 1 to 4 bytes, with the edges of each length (U+0000, U+07FF, U+FFFF, U+10FFFF). */
const TEXT_PIECES = ["a", "Godot ", "κόσμε", "€", "🎮", "\u0000", "\uffff", "日本語", " ", "\u07ff", "\u{10ffff}"].map((t) => encoder.encode(t));

/** Valid UTF-8 of `approxBytes` bytes or up to 10 more. */
function randomText(rng: SeededRandom, approxBytes: number): Uint8Array {
  const out = new Uint8Array(approxBytes + 16);
  let n = 0;
  while (n < approxBytes) {
    const piece = TEXT_PIECES[rng.nextInt(TEXT_PIECES.length)]!;
    out.set(piece, n);
    n += piece.length;
  }
  return out.subarray(0, n);
}

function messageSize(rng: SeededRandom, max: number): number {
  const r = rng.nextInt(100);
  if (r < 8) return 0;
  if (r < 50) return 1 + rng.nextInt(125);
  if (r < 80) return 126 + rng.nextInt(900);
  if (r < 96) return 1024 + rng.nextInt(Math.max(1, Math.min(max, 16_384) - 1024));
  if (r < 98) return 16_384 + rng.nextInt(Math.max(1, Math.min(max, 70_000) - 16_384));
  // Around the limit: just under, at or just over it (the stream must then fail with 1009).
  if (max <= 65_536) return max + rng.nextInt(3) - 1;
  return 1024 + rng.nextInt(70_000);
}

/** Splits `n` bytes into 1-4 fragment lengths (empty fragments included now and then). */
function fragmentLengths(rng: SeededRandom, n: number): number[] {
  const count = rng.nextInt(4) === 0 ? 1 + rng.nextInt(4) : 1;
  const cuts = [0, n];
  for (let i = 1; i < count; i++) cuts.push(rng.nextInt(n + 1));
  cuts.sort((a, b) => a - b);
  const out: number[] = [];
  for (let i = 1; i < cuts.length; i++) out.push(cuts[i]! - cuts[i - 1]!);
  return out;
}

/** A core whose randomness (handshake key, masking keys) comes from its own seed, so a second core with the same seed sends the same bytes. */
function coreFor(role: ConnectionRole, maxMessageSize: number, seed: number, deflate: DeflateSettings | null = null): WebSocketConnectionCore {
  const rng = new SeededRandom(seed);
  return new WebSocketConnectionCore({
    role,
    maxMessageSize,
    handshakeTimeoutMs: 0,
    closeTimeoutMs: 0,
    heartbeatIntervalMs: 0,
    hostHeader: "127.0.0.1",
    resource: "/game",
    protocols: role === ConnectionRole.SERVER ? ["godot", "binary"] : ["binary"],
    extraHeaders: [],
    randomFill: (dst) => dst.set(randomBytes(rng, dst.length)),
    deflate,
  });
}

/** The honest stream one side receives: the other side's handshake bytes, then frames. */
function honestStream(
  rng: SeededRandom,
  testedRole: ConnectionRole,
  tested: WebSocketConnectionCore,
  maxMessageSize: number,
  deflate: { tested: DeflateSettings | null; honest: DeflateSettings | null },
): Stream {
  const parts: Uint8Array[] = [];
  let length = 0;
  const push = (b: Uint8Array): number => {
    const at = length;
    parts.push(b);
    length += b.length;
    return at;
  };
  // The handshake: a real client core's request, or a real server core's answer to ours.
  if (testedRole === ConnectionRole.SERVER) {
    const client = coreFor(ConnectionRole.CLIENT, maxMessageSize, rng.nextU32(), deflate.honest);
    client.start(0);
    push(client.pollTransmit()!);
  } else {
    tested.start(0);
    const request = tested.pollTransmit()!;
    const server = coreFor(ConnectionRole.SERVER, maxMessageSize, rng.nextU32(), deflate.honest);
    server.start(0);
    server.receive(0, request);
    push(server.pollTransmit()!);
  }
  // What the two will agree on, and so how the honest side compresses (its own direction's parameters).
  let deflater: MessageDeflater | null = null;
  const clientSettings = testedRole === ConnectionRole.SERVER ? deflate.honest : deflate.tested;
  const serverSettings = testedRole === ConnectionRole.SERVER ? deflate.tested : deflate.honest;
  if (clientSettings && serverSettings) {
    const agreed = acceptDeflateOffer(parseExtensionHeader(buildDeflateOffer(clientSettings))!, serverSettings);
    if (agreed) {
      const a = agreed.agreement;
      const honestIsServer = testedRole === ConnectionRole.CLIENT;
      deflater = new MessageDeflater(
        honestIsServer ? a.serverMaxWindowBits : a.clientMaxWindowBits,
        honestIsServer ? a.serverNoContextTakeover : a.clientNoContextTakeover,
        deflate.honest!.level,
        deflate.honest!.threshold,
      );
    }
  }
  let compressed = 0;
  const framesStart = length;
  const frameStarts: number[] = [];
  const messages: ScriptMessage[] = [];
  const pings: Uint8Array[] = [];
  const masked = testedRole === ConnectionRole.SERVER;
  const frame = (op: Opcode, payload: Uint8Array, fin: boolean, rsv = 0): void => {
    frameStarts.push(push(encodeFrameWithKey(op, payload, fin, masked ? randomBytes(rng, 4) : null, rsv)));
  };
  const control = (): void => {
    const payload = randomBytes(rng, rng.nextInt(4) === 0 ? 125 : rng.nextInt(20));
    if (rng.nextInt(2) === 0) {
      frame(Opcode.PING, payload, true);
      pings.push(payload);
    } else {
      frame(Opcode.PONG, payload, true);
    }
  };
  let tooBigAt = -1;
  const items = rng.nextInt(12);
  for (let i = 0; i < items && tooBigAt < 0; i++) {
    if (rng.nextInt(5) === 0) {
      control();
      continue;
    }
    const isText = rng.nextInt(2) === 0;
    const size = messageSize(rng, maxMessageSize);
    const data = isText ? randomText(rng, size) : randomBytes(rng, size);
    // Compressed (RSV1 on the first frame) when agreed, unless the sender keeps it plain.
    const packed = deflater?.compress(data) ?? null;
    if (packed) compressed++;
    const payload = packed ?? data;
    const lengths = fragmentLengths(rng, payload.length);
    let at = 0;
    lengths.forEach((n, f) => {
      frame(f === 0 ? (isText ? Opcode.TEXT : Opcode.BINARY) : Opcode.CONTINUATION, payload.subarray(at, at + n), f === lengths.length - 1, f === 0 && packed ? RSV1_BIT : 0);
      at += n;
      // Control frames may come between the fragments of a message.
      if (f < lengths.length - 1 && rng.nextInt(3) === 0) control();
    });
    if (data.length > maxMessageSize) tooBigAt = messages.length;
    messages.push({ data, isText, end: length });
  }
  let closeCode = -1;
  if (tooBigAt < 0 && rng.nextInt(4) !== 0) {
    if (rng.nextInt(5) === 0) {
      frame(Opcode.CLOSE, new Uint8Array(0), true);
      closeCode = 1005;
    } else {
      closeCode = [1000, 1001, 1003, 1008, 1011, 3000, 4000, 4999][rng.nextInt(8)]!;
      const reason = randomText(rng, rng.nextInt(40));
      const payload = new Uint8Array(2 + Math.min(reason.length, 123));
      payload[0] = closeCode >>> 8;
      payload[1] = closeCode & 0xff;
      payload.set(reason.subarray(0, payload.length - 2), 2);
      frame(Opcode.CLOSE, payload, true);
    }
    // Anything after a close frame must be ignored.
    if (rng.nextInt(3) === 0) push(randomBytes(rng, 1 + rng.nextInt(40)));
  }
  const bytes = concat(parts);
  return { bytes, framesStart, frameStarts, messages, pings, closeCode, tooBigAt, deflate: deflater !== null, compressed };
}

/** A crafted frame that breaks one rule of RFC 6455 (masked or not as `masked` says, unless the rule is the mask bit). */
function badFrame(rng: SeededRandom, masked: boolean, maxMessageSize: number): Uint8Array {
  const key = masked ? randomBytes(rng, 4) : null;
  const raw = (b0: number, b1: number, ...rest: number[]): Uint8Array => {
    const m = masked ? 0x80 : 0;
    return new Uint8Array([b0, b1 | m, ...rest, ...(key ?? [])]);
  };
  switch (rng.nextInt(14)) {
    case 0: // a reserved bit
      return encodeWith(0x80 | (0x10 << rng.nextInt(3)) | Opcode.BINARY, randomBytes(rng, 5), key);
    case 1: // a reserved opcode
      return encodeWith(0x80 | [3, 4, 5, 6, 7, 0xb, 0xc, 0xd, 0xe, 0xf][rng.nextInt(10)]!, randomBytes(rng, 3), key);
    case 2: // the wrong mask bit for the direction
      return encodeWith(0x80 | Opcode.BINARY, randomBytes(rng, 4), masked ? null : randomBytes(rng, 4));
    case 3: // a control frame over 125 bytes
      return raw(0x80 | Opcode.PING, 126, 0, 126);
    case 4: // a fragmented control frame
      return encodeWith(Opcode.PING, randomBytes(rng, 2), key);
    case 5: // a continuation with no message started (or a new message inside one: both are errors somewhere)
      return encodeWith(0x80 | Opcode.CONTINUATION, randomBytes(rng, 2), key);
    case 6: // a 64-bit length with the high bit set
      return raw(0x80 | Opcode.BINARY, 127, 0x80, 0, 0, 0, 0, 0, 0, 1);
    case 7: // a length no limit allows (2^53 - 1)
      return raw(0x80 | Opcode.BINARY, 127, 0, 0x1f, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff);
    case 8: // a message just over the limit, announced in the header
      return raw(0x80 | Opcode.BINARY, 127, 0, 0, 0, 0, (maxMessageSize + 1) >>> 24, ((maxMessageSize + 1) >>> 16) & 0xff, ((maxMessageSize + 1) >>> 8) & 0xff, (maxMessageSize + 1) & 0xff);
    case 9: // a close frame with a 1-byte payload
      return encodeWith(0x80 | Opcode.CLOSE, new Uint8Array([3]), key);
    case 10: { // a close code that may not be sent
      const code = [0, 999, 1004, 1005, 1006, 1015, 1016, 2999, 5000, 65535][rng.nextInt(10)]!;
      return encodeWith(0x80 | Opcode.CLOSE, new Uint8Array([code >>> 8, code & 0xff]), key);
    }
    case 11: // a close reason that is not UTF-8
      return encodeWith(0x80 | Opcode.CLOSE, new Uint8Array([0x03, 0xe8, 0xce, 0xba, 0xff]), key);
    case 12: // text that is not UTF-8 (an overlong, a surrogate, a stray continuation byte, 0xFF)
      return encodeWith(0x80 | Opcode.TEXT, [new Uint8Array([0xc0, 0xaf]), new Uint8Array([0xed, 0xa0, 0x80]), new Uint8Array([0x61, 0x80]), new Uint8Array([0xff])][rng.nextInt(4)]!, key);
    default: // text whose last character is cut off
      return encodeWith(0x80 | Opcode.TEXT, new Uint8Array([0x61, 0xe2, 0x82]), key);
  }
}

/** A frame with the given first byte (FIN, RSV and opcode as they are) and payload. */
function encodeWith(b0: number, payload: Uint8Array, key: Uint8Array | null): Uint8Array {
  const out = encodeFrameWithKey(Opcode.BINARY, payload, true, key);
  out[0] = b0;
  return out;
}

function splice(bytes: Uint8Array, at: number, insert: Uint8Array): Uint8Array {
  const out = new Uint8Array(bytes.length + insert.length);
  out.set(bytes.subarray(0, at), 0);
  out.set(insert, at);
  out.set(bytes.subarray(at), at + insert.length);
  return out;
}

/** Damages the stream; returns the new bytes and the offset of the first byte that differs from the honest stream. */
function damage(rng: SeededRandom, s: Stream, masked: boolean, maxMessageSize: number): { bytes: Uint8Array; at: number } {
  const b = s.bytes;
  const anyFrame = (): number => (s.frameStarts.length ? s.frameStarts[rng.nextInt(s.frameStarts.length)]! : s.framesStart);
  switch (rng.nextInt(7)) {
    case 0: { // flip 1-4 bits after the handshake
      const out = b.slice();
      let first = out.length;
      for (let i = 1 + rng.nextInt(4); i > 0 && out.length > s.framesStart; i--) {
        const at = s.framesStart + rng.nextInt(out.length - s.framesStart);
        out[at]! ^= 1 << rng.nextInt(8);
        first = Math.min(first, at);
      }
      return { bytes: out, at: first };
    }
    case 1: { // a random value in a frame header's first bytes
      const out = b.slice();
      const at = Math.min(out.length - 1, anyFrame() + rng.nextInt(3));
      if (at < s.framesStart) return { bytes: out, at: out.length };
      out[at] = rng.nextInt(256);
      return { bytes: out, at };
    }
    case 2: { // cut short anywhere, handshake included
      const at = rng.nextInt(b.length + 1);
      return { bytes: b.subarray(0, at).slice(), at };
    }
    case 3: { // random bytes spliced in at a frame boundary
      const at = anyFrame();
      return { bytes: splice(b, at, randomBytes(rng, 1 + rng.nextInt(32))), at };
    }
    case 4:
    case 5: { // a crafted bad frame at a frame boundary (or at the end)
      const at = rng.nextInt(4) === 0 ? b.length : anyFrame();
      return { bytes: splice(b, at, badFrame(rng, masked, maxMessageSize)), at };
    }
    default: { // the handshake head damaged: a byte changed, or the head made too large
      if (rng.nextInt(4) === 0) {
        const filler = encoder.encode(`X-Filler: ${"x".repeat(4096)}\r\n`);
        const at = s.framesStart - 2; // before the blank line that ends the head
        return { bytes: splice(b, at, filler), at };
      }
      const out = b.slice();
      const at = rng.nextInt(s.framesStart);
      out[at] = rng.nextInt(256);
      return { bytes: out, at: out[at] === b[at] ? out.length : at };
    }
  }
}

/** What RFC 6455 says a receiver must make of a whole frame stream (the handshake already done). */
interface ExpectedOutcome {
  messages: { data: Uint8Array; isText: boolean }[];
  /** Pings before the end: each must be answered. */
  pings: number;
  /** "fail": the receiver must fail the connection with `code`; "close": a valid close frame; "cut": the stream ends first. */
  end: { kind: "fail" | "close"; code: number } | { kind: "cut" };
}

const VALID_CLOSE = (c: number): boolean => (c >= 1000 && c <= 1003) || (c >= 1007 && c <= 1014) || (c >= 3000 && c <= 4999);

/**
 * The reference: a plain whole-buffer reading of the frames, written apart from the incremental
 * receiver, so the two can be compared on any input. UTF-8 is checked with the platform's
 * fatal TextDecoder in streaming mode, which rejects at the first impossible byte, as a receiver
 * that fails fast must.
 */
function expectedOutcome(b: Uint8Array, masked: boolean, maxMessageSize: number): ExpectedOutcome {
  const out: ExpectedOutcome = { messages: [], pings: 0, end: { kind: "cut" } };
  const fail = (code: number): ExpectedOutcome => ((out.end = { kind: "fail", code }), out);
  let message: Uint8Array[] | null = null;
  let messageLength = 0;
  let messageIsText = false;
  let text: TextDecoder | null = null;
  let p = 0;
  for (;;) {
    if (b.length - p < 2) return out;
    const b0 = b[p]!;
    const b1 = b[p + 1]!;
    const fin = (b0 & 0x80) !== 0;
    const op = b0 & 0x0f;
    const control = op >= 8;
    if (b0 & 0x70) return fail(1002);
    if (![0, 1, 2, 8, 9, 10].includes(op)) return fail(1002);
    if (((b1 & 0x80) !== 0) !== masked) return fail(1002);
    if (control && (!fin || (b1 & 0x7f) > 125)) return fail(1002);
    if (op === 0 && message === null) return fail(1002);
    if ((op === 1 || op === 2) && message !== null) return fail(1002);
    // The first two bytes are judged at once (above); the length only once the whole header,
    // mask key included, is in (as documented for the receiver: decided from the frame header).
    let length = b1 & 0x7f;
    const extended = length === 126 ? 2 : length === 127 ? 8 : 0;
    if (b.length - p < 2 + extended + (masked ? 4 : 0)) return out;
    let at = p + 2;
    if (length === 126) {
      length = (b[at]! << 8) | b[at + 1]!;
    } else if (length === 127) {
      if (b[at]! & 0x80) return fail(1002);
      length = 0;
      for (let i = 0; i < 8; i++) length = length * 256 + b[at + i]!;
    }
    at += extended + (masked ? 4 : 0);
    if (!control && (message === null ? 0 : messageLength) + length > maxMessageSize) return fail(1009);
    const available = Math.min(length, b.length - at);
    const payload = b.slice(at, at + available);
    if (masked) applyMask(payload, 0, available, b.subarray(at - 4, at), 0);
    if (!control) {
      if (message === null) {
        message = [];
        messageLength = 0;
        messageIsText = op === 1;
        text = messageIsText ? new TextDecoder("utf-8", { fatal: true }) : null;
      }
      if (text) {
        try {
          text.decode(payload, { stream: true });
        } catch {
          return fail(1007);
        }
      }
      message.push(payload);
      messageLength += available;
    }
    if (available < length) return out;
    p = at + length;
    if (control) {
      if (op === 9) out.pings++;
      if (op !== 8) continue;
      if (length === 0) return ((out.end = { kind: "close", code: 1005 }), out);
      if (length === 1) return fail(1002);
      const code = (payload[0]! << 8) | payload[1]!;
      if (!VALID_CLOSE(code)) return fail(1002);
      try {
        new TextDecoder("utf-8", { fatal: true }).decode(payload.subarray(2));
      } catch {
        return fail(1007);
      }
      return ((out.end = { kind: "close", code }), out);
    }
    if (!fin) continue;
    if (text) {
      try {
        text.decode();
      } catch {
        return fail(1007);
      }
    }
    const data = new Uint8Array(messageLength);
    let o = 0;
    for (const part of message!) {
      data.set(part, o);
      o += part.length;
    }
    out.messages.push({ data, isText: messageIsText });
    message = null;
    text = null;
  }
}

/** The code in the last frame a core sent: -1 when it is no close frame, -2 when masked wrongly for the sender, -3 when malformed. */
function lastCloseCode(sent: Uint8Array[], maskedBySender: boolean): number {
  const last = sent[sent.length - 1];
  const frame = last ? parseFrames(last).frames[0] : undefined;
  if (!frame || frame.opcode !== Opcode.CLOSE) return -1;
  if (frame.masked !== maskedBySender) return -2;
  if (frame.payload.length === 0) return 1005;
  if (frame.payload.length === 1) return -3;
  return (frame.payload[0]! << 8) | frame.payload[1]!;
}

/**
 * Feeds `bytes` in random chunks, each in a buffer of its own, sometimes with bytes before and
 * after it (a pooled read), passed as a subarray or as the buffer with a range. Half are given
 * away (`owned`). The others are lent: they must come back unwritten, and are then overwritten, as
 * a caller reusing its read buffer would, so a message that kept a view of one would change.
 */
function feed(rng: SeededRandom, core: WebSocketConnectionCore, bytes: Uint8Array, drain: () => void, problems: string[]): void {
  for (let pos = 0; pos < bytes.length; ) {
    const style = rng.nextInt(4);
    const n = Math.min(bytes.length - pos, style === 0 ? 1 + rng.nextInt(3) : style === 1 ? 1 + rng.nextInt(64) : style === 2 ? 1 + rng.nextInt(8192) : bytes.length);
    const owned = rng.nextInt(2) === 0;
    const before = rng.nextInt(3) === 0 ? rng.nextInt(64) : 0;
    const after = rng.nextInt(3) === 0 ? rng.nextInt(n + 64) : 0;
    const buffer = new Uint8Array(before + n + after);
    buffer.set(bytes.subarray(pos, pos + n), before);
    if (rng.nextInt(2) === 0) core.receive(0, buffer.subarray(before, before + n), 0, n, owned);
    else core.receive(0, buffer, before, before + n, owned);
    if (!owned && !sameBytes(buffer.subarray(before, before + n), bytes.subarray(pos, pos + n))) problems.push(`a lent chunk was written (stream offset ${pos})`);
    drain();
    if (!owned) buffer.fill(0xa5);
    pos += n;
  }
}

/** One connection; returns its problems (empty when every rule held). */
function runCase(rng: SeededRandom, result: WebSocketFuzzResult): string[] {
  const problems: string[] = [];
  const role = rng.nextInt(2) === 0 ? ConnectionRole.SERVER : ConnectionRole.CLIENT;
  const maxMessageSize = [SMALL_MAX, 65_536, 1 << 20][rng.nextInt(3)]!;
  const coreSeed = rng.nextU32();
  const deflate = deflateSettingsFor(coreSeed);
  if (DEBUG) console.log("deflate", JSON.stringify(deflate));
  const core = coreFor(role, maxMessageSize, coreSeed, deflate.tested);
  if (role === ConnectionRole.SERVER) core.start(0);
  const stream = honestStream(rng, role, core, maxMessageSize, deflate);
  if (stream.deflate) {
    result.deflateConnections++;
    result.compressedMessages += stream.compressed;
  }
  const damaged = rng.nextInt(10) < 6;
  const { bytes, at: damagedAt } = damaged ? damage(rng, stream, role === ConnectionRole.SERVER, maxMessageSize) : { bytes: stream.bytes, at: stream.bytes.length + 1 };
  if (damaged) result.damaged++;
  result.bytes += bytes.length;

  const events: ConnectionEvent[] = [];
  const delivered: { data: Uint8Array; copy: Uint8Array; isText: boolean }[] = [];
  const sent: Uint8Array[] = [];
  let shutdown = StreamShutdown.NONE as StreamShutdown;
  const drain = (): void => {
    for (let e = core.pollEvent(); e; e = core.pollEvent()) {
      if (DEBUG) console.log("event", e.kind, e.kind === "message" ? e.data.length : e.kind === "close" ? [e.code, e.wasClean] : "");
      events.push(e);
      if (e.kind === "message") delivered.push({ data: e.data, copy: e.data.slice(), isText: e.isText });
    }
    for (let t = core.pollTransmit(); t; t = core.pollTransmit()) sent.push(t);
    const s = core.pollShutdown();
    if (s !== StreamShutdown.NONE) {
      if (shutdown !== StreamShutdown.NONE) problems.push("shutdown reported twice");
      shutdown = s;
    }
  };
  if (DEBUG) console.log({ role: ConnectionRole[role], maxMessageSize, damaged, damagedAt, framesStart: stream.framesStart, length: bytes.length, messages: stream.messages.map((m) => [m.data.length, m.isText, m.end]), closeCode: stream.closeCode, tooBigAt: stream.tooBigAt, tail: Array.from(bytes.subarray(Math.max(stream.framesStart, damagedAt - 12)), (x) => x.toString(16)).join(" ") });
  try {
    feed(rng, core, bytes, drain, problems);
    if (core.state !== WebSocketState.STATE_CLOSED) core.transportClosed();
    drain();
  } catch (e) {
    problems.push(`threw: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}`);
    return problems;
  }

  // Event order: open first (at most once), messages after it, exactly one close, last.
  const opens = events.filter((e) => e.kind === "open").length;
  const closes = events.filter((e) => e.kind === "close");
  if (opens > 1) problems.push(`${opens} open events`);
  if (opens === 1 && events[0]!.kind !== "open") problems.push("an event before open");
  if (closes.length !== 1 || events[events.length - 1]!.kind !== "close") problems.push(`close events: ${closes.length}, last event ${events[events.length - 1]?.kind}`);
  if (opens === 0 && delivered.length > 0) problems.push("a message before the handshake completed");
  if (opens === 1) result.opened++;
  const close = closes[0];

  // Messages: within the limit, UTF-8 when text, and unchanged since delivery.
  for (const [i, m] of delivered.entries()) {
    if (m.data.length > maxMessageSize) problems.push(`message ${i}: ${m.data.length} B over the ${maxMessageSize} B limit`);
    if (m.isText && !isValidUtf8(m.data)) problems.push(`message ${i}: text that is not UTF-8`);
    if (!sameBytes(m.data, m.copy)) problems.push(`message ${i}: its bytes changed after delivery`);
    if (m.data.buffer.byteLength !== m.data.length) result.inPlaceViews++;
  }
  result.messagesDelivered += delivered.length;

  // Every message wholly before the damage arrives exactly, in order.
  const intact = stream.messages.filter((m, i) => m.end <= damagedAt && (stream.tooBigAt < 0 || i < stream.tooBigAt));
  for (const [i, want] of intact.entries()) {
    const got = delivered[i];
    if (!got) {
      problems.push(`message ${i} (${want.data.length} B, before the damage at ${damagedAt}) never arrived; ${delivered.length} did`);
      break;
    }
    if (got.isText !== want.isText || !sameBytes(got.data, want.data)) {
      if (DEBUG) { const d = want.data.findIndex((b, k) => b !== got.data[k]); console.log("first difference at", d, Array.from(want.data.subarray(d, d + 12)), Array.from(got.data.subarray(d, d + 12))); }
      problems.push(`message ${i} (${want.data.length} B) arrived changed (${got.data.length} B)`);
      break;
    }
    result.messagesChecked++;
  }

  // With the handshake intact, everything must be as the reference reads the frames (which it
  // cannot do for compressed messages: those are checked against the honest ones above).
  if (damagedAt >= stream.framesStart && opens === 1 && close && !stream.deflate) {
    const want = expectedOutcome(bytes.subarray(stream.framesStart), role === ConnectionRole.SERVER, maxMessageSize);
    result.comparedWithReference++;
    if (delivered.length !== want.messages.length) problems.push(`reference: ${want.messages.length} messages, delivered ${delivered.length}`);
    for (let i = 0; i < Math.min(delivered.length, want.messages.length); i++) {
      const got = delivered[i]!;
      const w = want.messages[i]!;
      if (got.isText !== w.isText || !sameBytes(got.copy, w.data)) {
        problems.push(`reference: message ${i} (${w.data.length} B) differs (${got.copy.length} B)`);
        break;
      }
    }
    const pongs = sent.filter((t) => (t[0]! & 0x0f) === Opcode.PONG).length;
    if (pongs !== want.pings) problems.push(`reference: ${want.pings} pings to answer, ${pongs} pongs sent`);
    const end = want.end;
    if (end.kind === "cut" && (close.code !== 1006 || close.wasClean)) problems.push(`reference: the stream is cut short, but the core closed with ${close.code} (clean ${close.wasClean})`);
    if (end.kind === "fail" && (close.code !== end.code || close.wasClean)) problems.push(`reference: fail with ${end.code}, the core closed with ${close.code} (clean ${close.wasClean})`);
    if (end.kind === "close" && (close.code !== end.code || !close.wasClean)) problems.push(`reference: a clean close ${end.code}, the core closed with ${close.code} (clean ${close.wasClean})`);
  }

  // How the connection ended.
  const code = lastCloseCode(sent, role === ConnectionRole.CLIENT);
  if (close && !close.wasClean && FAIL_CODES.has(close.code)) {
    result.failedWith.set(close.code, (result.failedWith.get(close.code) ?? 0) + 1);
    if (code !== close.code) problems.push(`failed with ${close.code} but the last frame sent carries ${code}`);
    if (shutdown !== StreamShutdown.END) problems.push(`failed with ${close.code} but the stream was not ended (${StreamShutdown[shutdown]})`);
  }
  if (close?.wasClean) result.cleanCloses++;
  const refusal = sent.length > 0 && new TextDecoder("latin1").decode(sent[sent.length - 1]!.subarray(0, 10)).startsWith("HTTP/1.1 4");
  if (refusal) {
    result.refused++;
    if (role !== ConnectionRole.SERVER || opens !== 0) problems.push("an HTTP refusal from a core that is not a server still connecting");
  }
  if (!damaged) {
    if (opens !== 1) problems.push("an undamaged handshake did not open");
    if (delivered.length !== intact.length) problems.push(`undamaged: ${delivered.length} messages delivered, ${intact.length} sent`);
    const pongs = sent.filter((t) => (t[0]! & 0x0f) === Opcode.PONG).length;
    const pingsBeforeEnd = stream.tooBigAt < 0 ? stream.pings.length : -1;
    if (pingsBeforeEnd >= 0 && pongs !== pingsBeforeEnd) problems.push(`undamaged: ${stream.pings.length} pings, ${pongs} pongs`);
    if (stream.tooBigAt >= 0) {
      if (close?.code !== 1009) problems.push(`undamaged with a message over the limit: closed with ${close?.code}, not 1009`);
    } else if (stream.closeCode >= 0) {
      if (!close?.wasClean || close.code !== stream.closeCode) problems.push(`undamaged: closed with ${close?.code} (clean ${close?.wasClean}), the close frame said ${stream.closeCode}`);
    } else if (close?.code !== 1006 || close.wasClean) {
      problems.push(`undamaged without a close frame: closed with ${close?.code}, not an unclean 1006`);
    }
  }
  // The same bytes in one piece, to a second core with the same randomness, must give the same
  // events and the same bytes sent. This covers damaged handshakes, which have no reference reading.
  result.comparedUnchunked++;
  const whole = unchunkedOutcome(bytes, role, maxMessageSize, coreSeed, deflate.tested);
  const chunked = describeOutcome(events, sent);
  if (whole !== chunked) {
    const at = firstDifference(whole, chunked);
    problems.push(`in one piece and in chunks, outcomes differ from character ${at}: ${whole.slice(at, at + 120)} / ${chunked.slice(at, at + 120)}`);
  }
  return problems;
}

function firstDifference(a: string, b: string): number {
  let i = 0;
  while (i < a.length && a[i] === b[i]) i++;
  return i;
}

/** Events and the bytes sent, as one comparable string. */
function describeOutcome(events: ConnectionEvent[], sent: Uint8Array[]): string {
  const parts = events.map((e) =>
    e.kind === "message" ? `message:${e.isText}:${digestOf(e.data)}` : e.kind === "close" ? `close:${e.code}:${e.reason}:${e.wasClean}` : e.kind === "open" ? `open:${e.protocol}` : `error:${e.message}`,
  );
  parts.push(`sent:${digestOf(concat(sent))}`);
  return parts.join(" ");
}

/** Length and FNV-1a of the bytes: enough to tell two outcomes apart, far cheaper than hex. */
const digestOf = (b: Uint8Array): string => `${b.length}/${fnv1a(b)}`;

/** A fresh core fed `bytes` whole, then the end of the stream. */
function unchunkedOutcome(bytes: Uint8Array, role: ConnectionRole, maxMessageSize: number, coreSeed: number, deflate: DeflateSettings | null): string {
  const core = coreFor(role, maxMessageSize, coreSeed, deflate);
  core.start(0);
  // A client's request went out before the stream under test (honestStream took it from the first core).
  if (role === ConnectionRole.CLIENT) core.pollTransmit();
  const events: ConnectionEvent[] = [];
  const sent: Uint8Array[] = [];
  const drain = (): void => {
    for (let e = core.pollEvent(); e; e = core.pollEvent()) events.push(e);
    for (let t = core.pollTransmit(); t; t = core.pollTransmit()) sent.push(t);
  };
  core.receive(0, bytes.slice(), 0, bytes.length, false);
  // What was polled before the stream ended was written; an abort drops only what was not.
  drain();
  if (core.state !== WebSocketState.STATE_CLOSED) core.transportClosed();
  drain();
  return describeOutcome(events, sent);
}

/** Runs the connection of one case seed (as a failure names it) again; returns its problems. */
export function replayCase(caseSeed: number): string[] {
  return runCase(new SeededRandom(caseSeed), emptyResult());
}

function emptyResult(): WebSocketFuzzResult {
  return {
    cases: 0,
    bytes: 0,
    damaged: 0,
    opened: 0,
    refused: 0,
    failedWith: new Map(),
    cleanCloses: 0,
    messagesDelivered: 0,
    messagesChecked: 0,
    inPlaceViews: 0,
    comparedWithReference: 0,
    comparedUnchunked: 0,
    deflateConnections: 0,
    compressedMessages: 0,
    failures: [],
  };
}

export function runWebSocketFuzz(options: WebSocketFuzzOptions): WebSocketFuzzResult {
  const result = emptyResult();
  for (let i = 0; i < options.cases; i++) {
    const caseSeed = (options.seed * 1_000_003 + i) >>> 0;
    const problems = runCase(new SeededRandom(caseSeed), result);
    result.cases++;
    if (problems.length > 0 && result.failures.length < 20) result.failures.push(`case seed ${caseSeed} (replayCase(${caseSeed})): ${problems.join("; ")}`);
  }
  return result;
}
