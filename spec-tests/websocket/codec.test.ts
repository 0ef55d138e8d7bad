// The sans-IO codec: frames, masking, UTF-8, the handshake key and the connection state machine
// driven with explicit timestamps (no sockets, no real time).
import { SeededRandom } from "../../src/util/prng.ts";
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { applyMask } from "../../src/websocket/mask.ts";
import { Opcode, encodeFrame, frameHeaderSize } from "../../src/websocket/frame.ts";
import { FrameReceiver } from "../../src/websocket/frame-receiver.ts";
import { Utf8Validator, isValidUtf8 } from "../../src/websocket/utf8.ts";
import { computeAcceptKey } from "../../src/websocket/handshake.ts";
import { HeadScanResult, HttpHeadCollector, parseHttpHead } from "../../src/websocket/http-parse.ts";
import { ConnectionRole, StreamShutdown, WebSocketConnectionCore, WebSocketState } from "../../src/websocket/connection-core.ts";
import { parseWebSocketUrl } from "../../src/websocket/url.ts";

type Got = { messages: [string, boolean][]; pings: number[][]; pongs: number; closes: [number, string][]; fails: [number, string][] };

function receiver(masked: boolean, max = 65535): { r: FrameReceiver; got: Got } {
  const got: Got = { messages: [], pings: [], pongs: 0, closes: [], fails: [] };
  const r = new FrameReceiver(masked, max, {
    onMessage: (d, t) => got.messages.push([Buffer.from(d).toString("latin1"), t]),
    onPing: (p) => got.pings.push([...p]),
    onPong: () => got.pongs++,
    onClose: (c, reason) => got.closes.push([c, new TextDecoder().decode(reason)]),
    onFail: (c, reason) => got.fails.push([c, reason]),
  });
  return { r, got };
}

const bytes = (...b: number[]): Uint8Array => new Uint8Array(b);
const text = (s: string): Uint8Array => new TextEncoder().encode(s);

describe("masking", () => {
  test("unmasks the RFC 6455 5.7 example and is its own inverse at any phase and alignment", () => {
    // "Hello" masked with 37 fa 21 3d (RFC 6455 section 5.7).
    const key = bytes(0x37, 0xfa, 0x21, 0x3d);
    const masked = bytes(0x7f, 0x9f, 0x4d, 0x51, 0x58);
    applyMask(masked, 0, 5, key, 0);
    assert.equal(Buffer.from(masked).toString(), "Hello");
    const data = new Uint8Array(1000).map((_, i) => (i * 7) & 0xff);
    for (const [start, phase] of [[0, 0], [1, 3], [3, 1], [5, 2]]) {
      const copy = data.slice();
      applyMask(copy, start, 999, key, phase);
      for (let i = start; i < 999; i++) assert.equal(copy[i], data[i] ^ key[(phase + i - start) & 3], `byte ${i}`);
      applyMask(copy, start, 999, key, phase);
      assert.deepEqual(copy, data);
    }
  });
});

describe("UTF-8 validation", () => {
  test("accepts well-formed text and rejects overlongs, surrogates, >U+10FFFF, truncation", () => {
    assert.ok(isValidUtf8(text("hello κόσμε 🎉")));
    assert.ok(!isValidUtf8(bytes(0xc0, 0xaf)), "overlong /");
    assert.ok(!isValidUtf8(bytes(0xe0, 0x80, 0xaf)), "overlong 3-byte");
    assert.ok(!isValidUtf8(bytes(0xed, 0xa0, 0x80)), "surrogate");
    assert.ok(!isValidUtf8(bytes(0xf4, 0x90, 0x80, 0x80)), "above U+10FFFF");
    assert.ok(!isValidUtf8(bytes(0xf5)), "F5 lead");
    assert.ok(!isValidUtf8(bytes(0xe2, 0x82)), "truncated");
  });
  test("fails fast: the first impossible byte is rejected without waiting for the sequence end", () => {
    const v = new Utf8Validator();
    // κόσμε then 0xed 0xa0: a surrogate is impossible as soon as 0xa0 follows 0xed.
    const good = text("κόσμε");
    assert.ok(v.update(good, 0, good.length));
    assert.ok(v.update(bytes(0xed), 0, 1), "0xED can still start a valid sequence");
    assert.ok(!v.update(bytes(0xa0), 0, 1), "0xED 0xA0 is rejected at once");
  });
  test("long ASCII runs (checked a word at a time) still catch a bad byte at every position and alignment", () => {
    const base = new Uint8Array(300).fill(0x61);
    const euro = text("€");
    for (let at = 0; at < 200; at++) {
      for (const offset of [0, 1, 2, 3]) {
        const bad = base.slice();
        bad[at + offset] = 0xff;
        assert.ok(!isValidUtf8(bad, offset), `0xFF at ${at + offset}`);
        const good = base.slice();
        good.set(euro, at + offset);
        assert.ok(isValidUtf8(good, offset), `€ at ${at + offset}`);
      }
    }
  });

  test("a code point split across updates is accepted", () => {
    const v = new Utf8Validator();
    const e = text("🎉");
    for (let i = 0; i < e.length; i++) assert.ok(v.update(e, i, i + 1));
    assert.ok(v.complete);
  });
});

describe("frame encoding and decoding", () => {
  test("7-, 16- and 64-bit lengths round-trip, fed one byte at a time and all at once", () => {
    for (const len of [0, 1, 125, 126, 127, 65535, 65536, 70000]) {
      const payload = new Uint8Array(len).map((_, i) => i & 0x7f);
      for (const masked of [false, true]) {
        const frame = encodeFrame(Opcode.BINARY, payload, true, masked);
        assert.equal(frame.length, frameHeaderSize(len, masked) + len);
        assert.equal(frame[1] & 0x7f, len < 126 ? len : len <= 0xffff ? 126 : 127);
        const { r, got } = receiver(masked, 1 << 20);
        if (len < 300) for (let i = 0; i < frame.length; i++) r.receive(frame, i, i + 1);
        else r.receive(frame);
        assert.deepEqual(got.fails, []);
        assert.equal(got.messages.length, 1);
        assert.equal(got.messages[0][0].length, len);
        assert.equal(got.messages[0][0], Buffer.from(payload).toString("latin1"));
      }
    }
  });

  test("control payloads split across reads, with other receivers' control frames in between, arrive intact", () => {
    // A whole control payload is read into a buffer every receiver shares; one split across reads
    // must go to the receiver's own, or another receiver's frame in between would overwrite it.
    const a = receiver(true);
    const b = receiver(true);
    const pingA = encodeFrame(Opcode.PING, text("ping from a, split"), true, true);
    const closeA = encodeFrame(Opcode.CLOSE, new Uint8Array([0x03, 0xe8, ...text("bye from a")]), true, true);
    for (const cut of [3, 7, pingA.length - 1]) {
      a.r.receive(pingA.subarray(0, cut));
      b.r.receive(encodeFrame(Opcode.PING, text("b's whole ping of another length"), true, true));
      b.r.receive(encodeFrame(Opcode.PONG, text("b's pong"), true, true));
      a.r.receive(pingA.subarray(cut));
    }
    // Bytes arriving one at a time: the header too (every length form and the key come in pieces).
    for (const byte of closeA) a.r.receive(new Uint8Array([byte]));
    assert.deepEqual(a.got.fails, []);
    assert.deepEqual(b.got.fails, []);
    assert.deepEqual(a.got.pings.map((p) => new TextDecoder().decode(new Uint8Array(p))), ["ping from a, split", "ping from a, split", "ping from a, split"]);
    assert.deepEqual(b.got.pings.map((p) => new TextDecoder().decode(new Uint8Array(p))), Array(3).fill("b's whole ping of another length"));
    assert.equal(b.got.pongs, 3);
    assert.deepEqual(a.got.closes, [[1000, "bye from a"]]);
  });

  test("fragmented text with an interleaved ping is reassembled", () => {
    const { r, got } = receiver(true);
    const parts = [encodeFrame(Opcode.TEXT, text("Hel"), false, true), encodeFrame(Opcode.PING, text("p"), true, true),
      encodeFrame(Opcode.CONTINUATION, text("lo "), false, true), encodeFrame(Opcode.CONTINUATION, text("κόσμε"), true, true)];
    for (const p of parts) r.receive(p);
    assert.deepEqual(got.fails, []);
    assert.deepEqual(got.pings, [[0x70]]);
    assert.equal(new TextDecoder().decode(Buffer.from(got.messages[0][0], "latin1")), "Hello κόσμε");
    assert.equal(got.messages[0][1], true);
  });

  const cases: [string, Uint8Array[], number][] = [
    ["RSV1 set", [bytes(0xc2, 0x80, 0, 0, 0, 0)], 1002],
    ["opcode 3", [bytes(0x83, 0x80, 0, 0, 0, 0)], 1002],
    ["opcode 0xB", [bytes(0x8b, 0x80, 0, 0, 0, 0)], 1002],
    ["unmasked client frame", [bytes(0x82, 0x00)], 1002],
    ["fragmented ping", [bytes(0x09, 0x80, 0, 0, 0, 0)], 1002],
    ["ping of 126 bytes", [bytes(0x89, 0xfe, 0, 126)], 1002],
    ["continuation first", [bytes(0x80, 0x80, 0, 0, 0, 0)], 1002],
    ["text inside fragmented message", [bytes(0x01, 0x80, 0, 0, 0, 0), bytes(0x81, 0x80, 0, 0, 0, 0)], 1002],
    ["64-bit length with high bit", [bytes(0x82, 0xff, 0x80, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0)], 1002],
    ["64-bit length 2^40 (too big, before payload)", [bytes(0x82, 0xff, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0)], 1009],
    ["close with 1-byte payload", [bytes(0x88, 0x81, 0, 0, 0, 0, 3)], 1002],
    ["close code 1005", [bytes(0x88, 0x82, 0, 0, 0, 0, 0x03, 0xed)], 1002],
    ["close code 999", [bytes(0x88, 0x82, 0, 0, 0, 0, 0x03, 0xe7)], 1002],
    ["close code 5000", [bytes(0x88, 0x82, 0, 0, 0, 0, 0x13, 0x88)], 1002],
    ["close reason bad UTF-8", [bytes(0x88, 0x84, 0, 0, 0, 0, 0x03, 0xe8, 0xc0, 0xaf)], 1007],
    ["text bad UTF-8", [bytes(0x81, 0x82, 0, 0, 0, 0, 0xc0, 0xaf)], 1007],
    ["text truncated UTF-8", [bytes(0x81, 0x81, 0, 0, 0, 0, 0xe2)], 1007],
  ];
  for (const [name, frames, code] of cases) {
    test(`${name} fails with ${code}`, () => {
      const { r, got } = receiver(true, 65535);
      for (const f of frames) r.receive(f);
      assert.equal(got.fails.length, 1, JSON.stringify(got));
      assert.equal(got.fails[0][0], code);
      assert.equal(got.messages.length, 0);
    });
  }

  test("a masked frame from the server is refused by a client", () => {
    const { r, got } = receiver(false);
    r.receive(encodeFrame(Opcode.TEXT, text("x"), true, true));
    assert.deepEqual(got.fails.map((f) => f[0]), [1002]);
  });

  test("invalid UTF-8 fails in the first fragment, before the message is complete", () => {
    const { r, got } = receiver(true);
    r.receive(encodeFrame(Opcode.TEXT, bytes(0x61, 0xed, 0xa0), false, true));
    assert.deepEqual(got.fails.map((f) => f[0]), [1007]);
  });

  test("a fragmented message growing past the limit fails with 1009 at the header of the fragment that crosses it", () => {
    const { r, got } = receiver(true, 100);
    r.receive(encodeFrame(Opcode.BINARY, new Uint8Array(60), false, true));
    assert.deepEqual(got.fails, []);
    r.receive(encodeFrame(Opcode.CONTINUATION, new Uint8Array(41), false, true).subarray(0, 2 + 4));
    assert.deepEqual(got.fails.map((f) => f[0]), [1009]);
  });

  test("a flood of empty fragments holds no memory and ends in one message", () => {
    const { r, got } = receiver(true, 1000);
    r.receive(encodeFrame(Opcode.BINARY, new Uint8Array(0), false, true));
    const frag = encodeFrame(Opcode.CONTINUATION, new Uint8Array(0), false, true);
    for (let i = 0; i < 100000; i++) r.receive(frag);
    assert.equal(r.bufferedMessageBytes, 0);
    r.receive(encodeFrame(Opcode.CONTINUATION, text("end"), true, true));
    assert.deepEqual(got.messages, [["end", false]]);
  });
});

describe("handshake pieces", () => {
  test("Sec-WebSocket-Accept matches RFC 6455 section 1.3", () => {
    assert.equal(computeAcceptKey("dGhlIHNhbXBsZSBub25jZQ=="), "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=");
  });
  test("HTTP heads: any header case, repeated fields joined, split terminator, 4096-byte limit", () => {
    const c = new HttpHeadCollector(4096);
    const head = "GET /chat?x=1 HTTP/1.1\r\nHOST: a\r\nsec-websocket-protocol: a\r\nSec-WebSocket-Protocol: b, c\r\n\r\nXY";
    assert.equal(c.push(text(head.slice(0, head.length - 4))), HeadScanResult.INCOMPLETE);
    assert.equal(c.push(text(head.slice(head.length - 4))), HeadScanResult.COMPLETE);
    assert.equal(Buffer.from(c.rest).toString(), "XY");
    const parsed = parseHttpHead(c.headText());
    assert.ok(parsed);
    assert.deepEqual(parsed.startLine, ["GET", "/chat?x=1", "HTTP/1.1"]);
    assert.equal(parsed.headers.get("host"), "a");
    assert.equal(parsed.headers.get("sec-websocket-protocol"), "a, b, c");
    const big = new HttpHeadCollector(4096);
    assert.equal(big.push(text("GET / HTTP/1.1\r\nX: " + "a".repeat(5000))), HeadScanResult.TOO_LARGE);
  });
  test("URLs: default ports, IPv6, path and query kept", () => {
    assert.deepEqual(parseWebSocketUrl("ws://example.com"), { secure: false, host: "example.com", port: 80, hostHeader: "example.com", resource: "/" });
    assert.deepEqual(parseWebSocketUrl("wss://example.com/a/b?c=d#frag"), { secure: true, host: "example.com", port: 443, hostHeader: "example.com", resource: "/a/b?c=d" });
    assert.deepEqual(parseWebSocketUrl("ws://[::1]:9000/x"), { secure: false, host: "::1", port: 9000, hostHeader: "[::1]:9000", resource: "/x" });
    assert.throws(() => parseWebSocketUrl("http://example.com"), TypeError);
    assert.throws(() => parseWebSocketUrl("not a url"), TypeError);
  });
});

// ---- the connection state machine, client and server cores wired back to back ----

/** One core with its polled output collected (the test reads what a binding would act on). */
class Side {
  readonly conn: WebSocketConnectionCore;
  private readonly _out: Uint8Array[] = [];
  private readonly _events: string[] = [];
  private readonly _messages: [string, boolean][] = [];
  private _ended = false;
  private _aborted = false;
  constructor(conn: WebSocketConnectionCore) {
    this.conn = conn;
  }
  private drain(): void {
    for (let b = this.conn.pollTransmit(); b !== null; b = this.conn.pollTransmit()) this._out.push(b);
    const shutdown = this.conn.pollShutdown();
    if (shutdown === StreamShutdown.END) this._ended = true;
    if (shutdown === StreamShutdown.ABORT) this._aborted = true;
    for (let e = this.conn.pollEvent(); e !== null; e = this.conn.pollEvent()) {
      if (e.kind === "open") this._events.push(`open:${e.protocol}`);
      else if (e.kind === "message") this._messages.push([new TextDecoder().decode(e.data), e.isText]);
      else if (e.kind === "close") this._events.push(`close:${e.code}:${e.reason}:${e.wasClean}`);
      else this._events.push(`error:${e.message}`);
    }
  }
  get out(): Uint8Array[] {
    this.drain();
    return this._out;
  }
  get events(): string[] {
    this.drain();
    return this._events;
  }
  get messages(): [string, boolean][] {
    this.drain();
    return this._messages;
  }
  get ended(): boolean {
    this.drain();
    return this._ended;
  }
  get aborted(): boolean {
    this.drain();
    return this._aborted;
  }
}

function side(role: ConnectionRole, opts: Partial<ConstructorParameters<typeof WebSocketConnectionCore>[0]> = {}): Side {
  return new Side(new WebSocketConnectionCore({
    role, maxMessageSize: 65535, handshakeTimeoutMs: 3000, closeTimeoutMs: 5000, heartbeatIntervalMs: 0,
    hostHeader: "localhost", resource: "/", protocols: [], extraHeaders: [], ...opts,
  }));
}

function pump(now: number, a: Side, b: Side): void {
  for (let round = 0; round < 10 && (a.out.length || b.out.length); round++) {
    for (const [from, to] of [[a, b], [b, a]] as const) {
      const chunks = from.out.splice(0);
      for (const c of chunks) to.conn.receive(now, c);
    }
  }
}

describe("connection state machine", () => {
  test("handshake, messages both ways, subprotocol by the first client offer the server supports, clean close", () => {
    const c = side(ConnectionRole.CLIENT, { protocols: ["v2", "v1"] });
    const s = side(ConnectionRole.SERVER, { protocols: ["v1", "v2"] });
    c.conn.start(0);
    s.conn.start(0);
    pump(0, c, s);
    assert.deepEqual(c.events, ["open:v2"]);
    assert.deepEqual(s.events, ["open:v2"]);
    c.conn.sendMessage(text("hi"), true);
    s.conn.sendMessage(text("yo"), false);
    pump(1, c, s);
    assert.deepEqual(s.messages, [["hi", true]]);
    assert.deepEqual(c.messages, [["yo", false]]);
    c.conn.close(2, 4000, "bye");
    assert.equal(c.conn.state, WebSocketState.STATE_CLOSING);
    pump(2, c, s);
    assert.equal(s.conn.state, WebSocketState.STATE_CLOSED);
    assert.equal(c.conn.state, WebSocketState.STATE_CLOSED);
    assert.deepEqual(s.events.slice(1), ["close:4000:bye:true"]);
    // The echo carries the code and the reason, as wslay's (Godot 4 native) does.
    assert.deepEqual(c.events.slice(1), ["close:4000:bye:true"]);
    assert.equal(s.conn.closeCode, 4000);
    assert.equal(s.ended && c.ended, true);
  });

  test("the peer's close frame is its last: frames after it in the same read are ignored (no message, no pong, no second close)", () => {
    for (const [closePayload, code] of [[bytes(0x0f, 0xa0, 0x62, 0x79, 0x65), "4000:bye"], [bytes(), "1005:"]] as const) {
      const c = side(ConnectionRole.CLIENT);
      const s = side(ConnectionRole.SERVER);
      c.conn.start(0);
      s.conn.start(0);
      pump(0, c, s);
      const read = Buffer.concat([
        encodeFrame(Opcode.TEXT, text("before"), true, true),
        encodeFrame(Opcode.CLOSE, closePayload, true, true),
        encodeFrame(Opcode.TEXT, text("after"), true, true),
        encodeFrame(Opcode.PING, text("p"), true, true),
        encodeFrame(Opcode.CLOSE, bytes(0x03, 0xe8), true, true),
      ]);
      s.conn.receive(1, read);
      assert.deepEqual(s.messages, [["before", true]]);
      assert.deepEqual(s.events.slice(1), [`close:${code}:true`]);
      assert.equal(s.out.length, 1, "only the echo of the close frame");
      assert.equal(s.out[0]![0]! & 0x0f, Opcode.CLOSE);
    }
  });

  test("server refuses a non-matching subprotocol with 400 and a bad version with 426", () => {
    const s = side(ConnectionRole.SERVER, { protocols: ["v1"] });
    s.conn.start(0);
    s.conn.receive(0, text("GET / HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Protocol: v9\r\n\r\n"));
    assert.match(Buffer.from(s.out[0]).toString(), /^HTTP\/1.1 400 /);
    const s2 = side(ConnectionRole.SERVER);
    s2.conn.start(0);
    s2.conn.receive(0, text("GET / HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 8\r\n\r\n"));
    const resp = Buffer.from(s2.out[0]).toString();
    assert.match(resp, /^HTTP\/1.1 426 /);
    assert.match(resp, /\r\nSec-WebSocket-Version: 13\r\n/);
    assert.equal(s2.conn.state, WebSocketState.STATE_CLOSED);
  });

  test("client fails when it offered protocols and the server picked none", () => {
    const c = side(ConnectionRole.CLIENT, { protocols: ["v1"] });
    const s = side(ConnectionRole.SERVER, { protocols: [] });
    c.conn.start(0);
    s.conn.start(0);
    pump(0, c, s);
    assert.equal(c.conn.state, WebSocketState.STATE_CLOSED);
    assert.match(c.events[0], /none of the offered subprotocols/);
  });

  test("handshake timeout (slowloris): no complete request within 3 s closes", () => {
    const s = side(ConnectionRole.SERVER);
    s.conn.start(1000);
    s.conn.receive(1500, text("GET / HTTP/1.1\r\nHost: x\r\n"));
    assert.equal(s.conn.pollTimeout(), 4000);
    s.conn.handleTimeout(3999);
    assert.equal(s.conn.state, WebSocketState.STATE_CONNECTING);
    s.conn.handleTimeout(4000);
    assert.equal(s.conn.state, WebSocketState.STATE_CLOSED);
    assert.ok(s.aborted);
    assert.deepEqual(s.events, ["error:handshake timed out", "close:1006::false"]);
  });

  test("heartbeat: pings every interval, an answered ping keeps it open, an unanswered one closes with 1001", () => {
    const c = side(ConnectionRole.CLIENT, { heartbeatIntervalMs: 1000 });
    const s = side(ConnectionRole.SERVER);
    c.conn.start(0);
    s.conn.start(0);
    pump(0, c, s);
    assert.equal(c.conn.pollTimeout(), 1000);
    c.conn.handleTimeout(1000);
    pump(1000, c, s); // server answers the ping
    assert.equal(s.conn.stats.pingsReceived, 1);
    assert.equal(c.conn.stats.pongsReceived, 1);
    c.conn.handleTimeout(2000);
    assert.equal(c.conn.state, WebSocketState.STATE_OPEN);
    c.out.length = 0; // this ping is lost
    c.conn.handleTimeout(3000);
    assert.equal(c.conn.state, WebSocketState.STATE_CLOSED);
    assert.deepEqual(c.events.slice(-2), ["error:Heartbeat timeout", "close:1001:Heartbeat timeout:false"]);
  });

  test("close timeout: a peer that never answers our close frame is dropped", () => {
    const c = side(ConnectionRole.CLIENT);
    const s = side(ConnectionRole.SERVER);
    c.conn.start(0);
    s.conn.start(0);
    pump(0, c, s);
    c.conn.close(10, 1000, "");
    c.out.length = 0;
    c.conn.handleTimeout(5009);
    assert.equal(c.conn.state, WebSocketState.STATE_CLOSING);
    c.conn.handleTimeout(5010);
    assert.equal(c.conn.state, WebSocketState.STATE_CLOSED);
    assert.equal(c.conn.closeCode, -1);
  });

  test("a negative close code drops at once without a close frame", () => {
    const c = side(ConnectionRole.CLIENT);
    const s = side(ConnectionRole.SERVER);
    c.conn.start(0);
    s.conn.start(0);
    pump(0, c, s);
    c.conn.close(1, -1, "");
    assert.equal(c.out.length, 0);
    assert.ok(c.aborted);
    assert.equal(c.conn.state, WebSocketState.STATE_CLOSED);
  });

  test("frames pipelined right behind the 101 response are delivered", () => {
    const c = side(ConnectionRole.CLIENT);
    const s = side(ConnectionRole.SERVER);
    c.conn.start(0);
    s.conn.start(0);
    s.conn.receive(0, c.out.shift()!);
    s.conn.sendMessage(text("early"), true);
    const all = Buffer.concat(s.out.splice(0));
    c.conn.receive(0, new Uint8Array(all));
    assert.deepEqual(c.messages, [["early", true]]);
  });
});

describe("injected randomness (replayable runs)", () => {
  function seededFill(seed: number): (dst: Uint8Array) => void {
    const rng = new SeededRandom(seed);
    return (dst) => {
      for (let i = 0; i < dst.length; i++) dst[i] = rng.nextU32() & 0xff;
    };
  }
  function clientBytes(seed: number): string {
    const c = side(ConnectionRole.CLIENT, { randomFill: seededFill(seed) });
    c.conn.start(0);
    const request = Buffer.from(c.out.splice(0)[0]!).toString("latin1");
    return request;
  }

  test("the handshake key and masking keys come from randomFill: the same seed gives the same bytes", () => {
    const a = clientBytes(7);
    assert.equal(a, clientBytes(7));
    assert.notEqual(a, clientBytes(8));
    assert.match(a, /Sec-WebSocket-Key: [A-Za-z0-9+/]{22}==\r\n/);
    const framesOf = (seed: number): Uint8Array[] => {
      const c = side(ConnectionRole.CLIENT, { randomFill: seededFill(seed) });
      const s = side(ConnectionRole.SERVER);
      c.conn.start(0);
      s.conn.start(0);
      pump(0, c, s);
      c.conn.sendMessage(text("same"), true);
      return c.out.splice(0);
    };
    const f1 = framesOf(3);
    assert.deepEqual(f1, framesOf(3));
    assert.notDeepEqual(f1, framesOf(4));
  });
});

describe("received messages as views of an owned chunk", () => {
  /** A receiver that keeps every delivered array as it came. */
  function keeping(masked: boolean): { r: FrameReceiver; data: Uint8Array[]; fails: [number, string][] } {
    const data: Uint8Array[] = [];
    const fails: [number, string][] = [];
    const r = new FrameReceiver(masked, 1 << 20, {
      onMessage: (d) => data.push(d),
      onPing: () => {},
      onPong: () => {},
      onClose: () => {},
      onFail: (c, reason) => fails.push([c, reason]),
    });
    return { r, data, fails };
  }
  const payloadOf = (n: number): Uint8Array => new Uint8Array(n).map((_, i) => (i * 7 + 3) & 0xff);

  test("a masked message that is its whole chunk is delivered as a view of it, unmasked in place", () => {
    for (const masked of [true, false]) {
      const payload = payloadOf(200);
      const chunk = encodeFrame(Opcode.BINARY, payload, true, masked);
      const { r, data, fails } = keeping(masked);
      r.receive(chunk, 0, chunk.length, true);
      assert.deepEqual(fails, []);
      assert.equal(data.length, 1);
      assert.equal(data[0]!.buffer, chunk.buffer, "no copy");
      assert.equal(data[0]!.byteOffset, frameHeaderSize(200, masked));
      assert.equal(Object.getPrototypeOf(data[0]), Uint8Array.prototype);
      assert.deepEqual(data[0], payload);
    }
  });

  test("copies: a chunk not given away (and left untouched), 64 B or less, under half of the buffer, split over chunks", () => {
    // Not owned: the chunk must not be unmasked in place.
    const payload = payloadOf(300);
    const chunk = encodeFrame(Opcode.BINARY, payload, true, true);
    const before = chunk.slice();
    let k = keeping(true);
    k.r.receive(chunk);
    assert.notEqual(k.data[0]!.buffer, chunk.buffer);
    assert.deepEqual(k.data[0], payload);
    assert.deepEqual(chunk, before, "the caller's bytes are unchanged");

    // 64 B: on V8's heap a copy costs less than a view.
    const small = encodeFrame(Opcode.BINARY, payloadOf(64), true, true);
    k = keeping(true);
    k.r.receive(small, 0, small.length, true);
    assert.notEqual(k.data[0]!.buffer, small.buffer);
    assert.deepEqual(k.data[0], payloadOf(64));

    // Three 300 B messages in one chunk: each is a third of the buffer it would keep alive.
    const three = [payloadOf(300), payloadOf(300).reverse(), payloadOf(300).map((b) => b ^ 0x55)];
    const frames = three.map((p) => encodeFrame(Opcode.BINARY, p, true, true));
    const joined = new Uint8Array(frames.reduce((n, f) => n + f.length, 0));
    let at = 0;
    for (const f of frames) {
      joined.set(f, at);
      at += f.length;
    }
    k = keeping(true);
    k.r.receive(joined, 0, joined.length, true);
    assert.deepEqual(k.fails, []);
    assert.equal(k.data.length, 3);
    for (let i = 0; i < 3; i++) {
      assert.notEqual(k.data[i]!.buffer, joined.buffer);
      assert.deepEqual(k.data[i], three[i]);
    }

    // The payload arrives in two chunks: a copy, assembled.
    const split = encodeFrame(Opcode.BINARY, payload, true, true);
    const cut = 100;
    k = keeping(true);
    k.r.receive(split.slice(0, cut), 0, cut, true);
    k.r.receive(split.slice(cut), 0, split.length - cut, true);
    assert.equal(k.data.length, 1);
    assert.deepEqual(k.data[0], payload);
  });

  test("a message that is most of a larger chunk is a view; the frames around it are decoded as usual", () => {
    const big = payloadOf(1000);
    const chunk = new Uint8Array([...encodeFrame(Opcode.PING, text("hi"), true, true), ...encodeFrame(Opcode.BINARY, big, true, true), ...encodeFrame(Opcode.TEXT, text("after"), true, true)]);
    const { r, data, fails } = keeping(true);
    r.receive(chunk, 0, chunk.length, true);
    assert.deepEqual(fails, []);
    assert.equal(data.length, 2);
    assert.equal(data[0]!.buffer, chunk.buffer);
    assert.deepEqual(data[0], big);
    assert.equal(new TextDecoder().decode(data[1]), "after");
  });

  test("text is validated in place: valid UTF-8 is delivered, invalid UTF-8 fails with 1007", () => {
    const good = text("κόσμε ".repeat(20));
    const chunk = encodeFrame(Opcode.TEXT, good, true, true);
    let k = keeping(true);
    k.r.receive(chunk, 0, chunk.length, true);
    assert.deepEqual(k.fails, []);
    assert.equal(k.data[0]!.buffer, chunk.buffer);
    assert.equal(new TextDecoder().decode(k.data[0]), "κόσμε ".repeat(20));

    const bad = good.slice();
    bad[150] = 0xff;
    const badChunk = encodeFrame(Opcode.TEXT, bad, true, true);
    k = keeping(true);
    k.r.receive(badChunk, 0, badChunk.length, true);
    assert.equal(k.data.length, 0);
    assert.deepEqual(k.fails, [[1007, "Invalid UTF-8 in text message"]]);
  });
});
