// The raw-socket RFC 6455 case runner against our server (the echo server built on
// WebSocketServer/WebSocketPeer). Every case asserts the exact frames the server answers
// with, ending in the exact close code, or the exact HTTP response for handshake cases.
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { type EchoServer, startEchoServer } from "./echo-server.ts";
import {
  type Bytes,
  CLIENT_KEY,
  acceptFor,
  closePayload,
  concat,
  describeFrame,
  exchange,
  frame,
  parseFrames,
  splitHead,
  te,
  upgradeRequest,
} from "./raw-wire.ts";

const TEXT = 1, BINARY = 2, CONT = 0, CLOSE = 8, PING = 9, PONG = 10;
const b = (...x: number[]): Bytes => new Uint8Array(x);
const LIMIT = 65535;

interface Case {
  name: string;
  send: Bytes[];
  /** Frames the server must send, in order (describeFrame format). A final close from us is appended unless the case already fails. */
  expect: string[];
}

const ok = (name: string, send: Bytes[], frames: string[]): Case => ({ name, send, expect: [...frames, "close:1000"] });
const fails = (name: string, send: Bytes[], code: number): Case => ({ name, send, expect: [`close:${code}`] });

const categories: Record<string, Case[]> = {
  framing: [
    ok("empty text", [frame(TEXT, "")], ["text:"]),
    ok("text 125 bytes (7-bit length)", [frame(TEXT, "a".repeat(125))], [`text:${"a".repeat(125)}`]),
    ok("binary 126 bytes (16-bit length)", [frame(BINARY, new Uint8Array(126))], ["binary:126"]),
    ok("binary 65535 bytes (16-bit max)", [frame(BINARY, new Uint8Array(65535))], ["binary:65535"]),
    ok("binary 5 bytes in a 64-bit length field", [frame(BINARY, new Uint8Array(5), { force64: true })], ["binary:5"]),
    ok("frame split byte by byte", [...Array.from(frame(TEXT, "split"), (x) => b(x))], ["text:split"]),
    ok("two messages in one write", [concat([frame(TEXT, "one"), frame(TEXT, "two")])], ["text:one", "text:two"]),
    fails("unmasked client frame", [frame(TEXT, "x", { mask: false })], 1002),
  ],
  "ping/pong": [
    ok("ping with payload gets the same pong", [frame(PING, "hello")], ["pong:hello"]),
    ok("empty ping", [frame(PING)], ["pong:"]),
    ok("ping of 125 bytes", [frame(PING, "p".repeat(125))], [`pong:${"p".repeat(125)}`]),
    fails("ping of 126 bytes", [frame(PING, "p".repeat(126))], 1002),
    fails("fragmented ping", [frame(PING, "x", { fin: false })], 1002),
    ok("unsolicited pong is ignored", [frame(PONG, "u"), frame(TEXT, "after")], ["text:after"]),
    ok("ten pings answered in order", Array.from({ length: 10 }, (_, i) => frame(PING, String(i))), Array.from({ length: 10 }, (_, i) => `pong:${i}`)),
  ],
  "reserved bits": [
    fails("RSV1 on text", [frame(TEXT, "x", { rsv: 4 })], 1002),
    fails("RSV2 on binary", [frame(BINARY, "x", { rsv: 2 })], 1002),
    fails("RSV3 on ping", [frame(PING, "x", { rsv: 1 })], 1002),
    fails("all RSV bits after a valid message", [frame(TEXT, "fine"), frame(TEXT, "x", { rsv: 7 })], 1002),
  ],
  opcodes: [
    ...[3, 4, 5, 6, 7].map((op) => fails(`reserved data opcode ${op}`, [frame(op, "x")], 1002)),
    ...[0xb, 0xc, 0xd, 0xe, 0xf].map((op) => fails(`reserved control opcode ${op}`, [frame(op)], 1002)),
  ],
  fragmentation: [
    ok("text in three fragments", [frame(TEXT, "ab", { fin: false }), frame(CONT, "cd", { fin: false }), frame(CONT, "ef")], ["text:abcdef"]),
    ok("ping between fragments", [frame(TEXT, "ab", { fin: false }), frame(PING, "mid"), frame(CONT, "cd")], ["pong:mid", "text:abcd"]),
    ok("empty fragments", [frame(BINARY, "", { fin: false }), frame(CONT, "", { fin: false }), frame(CONT, "")], ["binary:0"]),
    fails("continuation without a message", [frame(CONT, "x")], 1002),
    fails("text inside a fragmented message", [frame(TEXT, "a", { fin: false }), frame(TEXT, "b")], 1002),
    fails("binary inside a fragmented text", [frame(TEXT, "a", { fin: false }), frame(BINARY, "b")], 1002),
    fails("fragmented close", [frame(CLOSE, closePayload(1000), { fin: false })], 1002),
  ],
  "UTF-8": [
    ok("valid multi-byte text", [frame(TEXT, "κόσμε 🎉")], ["text:κόσμε 🎉"]),
    ok("code point split across fragments", [frame(TEXT, te.encode("🎉").subarray(0, 1), { fin: false }), frame(CONT, te.encode("🎉").subarray(1))], ["text:🎉"]),
    fails("invalid byte in a single frame", [frame(TEXT, b(0x61, 0xff))], 1007),
    fails("overlong encoding", [frame(TEXT, b(0xc0, 0xaf))], 1007),
    fails("surrogate half", [frame(TEXT, b(0xed, 0xa0, 0x80))], 1007),
    fails("truncated at the end of the message", [frame(TEXT, b(0x61, 0xe2, 0x82))], 1007),
    // Fail fast: the message is never finished; a server that waits for the end would time out.
    fails("fail fast inside an unfinished fragmented message", [frame(TEXT, b(0x61, 0xed, 0xa0), { fin: false })], 1007),
    fails("fail fast inside the first fragment's payload", [frame(TEXT, concat([te.encode("κόσμε"), b(0xf8)]), { fin: false })], 1007),
    ok("invalid UTF-8 in a binary message is fine", [frame(BINARY, b(0xff, 0xfe))], ["binary:2"]),
  ],
  "close codes and reasons": [
    { name: "close without payload is answered with an empty close", send: [frame(CLOSE)], expect: ["close:none"] },
    ...[1000, 1001, 1002, 1003, 1007, 1008, 1009, 1010, 1011, 1012, 1013, 1014, 3000, 3999, 4000, 4999].map(
      (code): Case => ({ name: `valid code ${code} is echoed`, send: [frame(CLOSE, closePayload(code, "why"))], expect: [`close:${code}`] }),
    ),
    ...[0, 999, 1004, 1005, 1006, 1015, 1016, 1100, 2000, 2999, 5000, 65535].map((code) => fails(`invalid code ${code}`, [frame(CLOSE, closePayload(code))], 1002)),
    fails("1-byte close payload", [frame(CLOSE, b(0x03))], 1002),
    fails("invalid UTF-8 in the reason", [frame(CLOSE, closePayload(1000, b(0xce, 0xba, 0xe1, 0xbd)))], 1007),
    { name: "123-byte reason", send: [frame(CLOSE, closePayload(1000, "r".repeat(123)))], expect: ["close:1000"] },
    { name: "data after the close frame is ignored", send: [concat([frame(CLOSE, closePayload(1000)), frame(TEXT, "late")])], expect: ["close:1000"] },
  ],
  limits: [
    ok(`message of exactly inboundBufferSize (${LIMIT})`, [frame(BINARY, new Uint8Array(LIMIT))], [`binary:${LIMIT}`]),
    fails("message one byte over the limit", [frame(BINARY, new Uint8Array(LIMIT + 1))], 1009),
    // Only the header is sent: the server must refuse from the declared length alone.
    fails("64-bit length of 2^40 (header only)", [frame(BINARY, new Uint8Array(0), { declaredLength: 2 ** 40 })], 1009),
    fails("64-bit length with the top bit set", [concat([b(0x82, 0xff, 0x80, 0, 0, 0, 0, 0, 0, 0), b(1, 2, 3, 4)])], 1002),
    fails("fragments adding up past the limit", [frame(BINARY, new Uint8Array(40000), { fin: false }), frame(CONT, new Uint8Array(40000))], 1009),
    ok("flood of 20000 one-byte fragments", [concat([frame(BINARY, "x", { fin: false }), ...Array.from({ length: 19998 }, () => frame(CONT, "x", { fin: false })), frame(CONT, "x")])], ["binary:20000"]),
    fails("flood of one-byte fragments past the limit", [concat([frame(BINARY, "x", { fin: false }), ...Array.from({ length: LIMIT + 10 }, () => frame(CONT, "x", { fin: false }))])], 1009),
  ],
};

let echo: EchoServer;

describe("raw RFC 6455 cases against our server", () => {
  before(async () => {
    echo = await startEchoServer({ handshakeTimeout: 0.5 });
  });
  after(async () => {
    await echo.stop();
  });

  for (const [category, cases] of Object.entries(categories)) {
    describe(category, () => {
      for (const c of cases) {
        test(c.name, async () => {
          // Cases that end in our close send it only after the expected answers arrived
          // (a close sent earlier would legitimately stop the echoes).
          const answers = c.expect.length - 1;
          const final = c.expect[c.expect.length - 1] === "close:1000" && answers > 0 && !c.send.some((x) => x[0] === 0x88)
            ? { chunk: frame(CLOSE, closePayload(1000)), when: (d: Bytes) => parseFrames(splitHead(d).rest).frames.length >= answers }
            : undefined;
          const sendFinalNow = final === undefined && c.expect[c.expect.length - 1] === "close:1000" && !c.send.some((x) => x[0] === 0x88);
          const chunks = [upgradeRequest(), ...c.send, ...(sendFinalNow ? [frame(CLOSE, closePayload(1000))] : [])];
          const r = await exchange(echo.port, chunks, 3000, 0, final);
          const { head, rest } = splitHead(r.data);
          assert.match(head, /^HTTP\/1\.1 101 /);
          assert.match(head, new RegExp(`\\r\\nSec-WebSocket-Accept: ${acceptFor(CLIENT_KEY).replace(/[+/]/g, "\\$&")}\\r\\n`, "i"));
          const parsed = parseFrames(rest);
          const got = parsed.frames.map(describeFrame);
          // Long payloads are compared by length only to keep messages readable.
          assert.deepEqual(got.map((s) => (s.length > 200 ? `${s.slice(0, 20)}…(${s.length})` : s)), c.expect.map((s) => (s.length > 200 ? `${s.slice(0, 20)}…(${s.length})` : s)));
          assert.equal(parsed.rest.length, 0, "no trailing partial frame");
          for (const f of parsed.frames) assert.equal(f.masked, false, "server frames are never masked");
          assert.ok(r.closedByPeer, "the server closes the TCP connection after the close handshake");
        });
      }
    });
  }

  describe("handshake errors", () => {
    const cases: [string, (string | Bytes)[], number, RegExp?][] = [
      ["wrong version answers 426 with Sec-WebSocket-Version: 13", [upgradeRequest("", { version: "8" })], 426, /\r\nSec-WebSocket-Version: 13\r\n/],
      ["missing key answers 400", [upgradeRequest("", { key: null })], 400],
      ["malformed key answers 400", [upgradeRequest("", { key: "short" })], 400],
      ["POST answers 400", [upgradeRequest("", { method: "POST" })], 400],
      ["missing Upgrade header answers 400", ["GET / HTTP/1.1\r\nHost: x\r\nConnection: Upgrade\r\nSec-WebSocket-Key: " + CLIENT_KEY + "\r\nSec-WebSocket-Version: 13\r\n\r\n"], 400],
      ["HTTP/1.0 answers 400", [upgradeRequest().replace("HTTP/1.1", "HTTP/1.0")], 400],
      ["garbage answers 400", ["\x00\x01\x02 nonsense\r\n\r\n"], 400],
      ["header over 4096 bytes answers 431", [upgradeRequest(`X-Pad: ${"a".repeat(4100)}\r\n`)], 431],
      ["header names in any case, comma-joined Connection", ["GET / HTTP/1.1\r\nhOsT: x\r\nUPGRADE: WebSocket\r\nconnection: keep-alive, Upgrade\r\nsec-websocket-key: " + CLIENT_KEY + "\r\nSEC-WEBSOCKET-VERSION: 13\r\n\r\n"], 101],
    ];
    test("an offered extension (permessage-deflate) is not accepted: 101 without Sec-WebSocket-Extensions", async () => {
      const r = await exchange(echo.port, [upgradeRequest("Sec-WebSocket-Extensions: permessage-deflate; client_max_window_bits\r\n"), frame(CLOSE, closePayload(1000))], 3000);
      const { head, rest } = splitHead(r.data);
      assert.match(head, /^HTTP\/1\.1 101 /);
      assert.doesNotMatch(head, /sec-websocket-extensions/i);
      assert.deepEqual(parseFrames(rest).frames.map(describeFrame), ["close:1000"]);
    });

    for (const [name, chunks, status, extra] of cases) {
      test(name, async () => {
        const r = await exchange(echo.port, status === 101 ? [...chunks, frame(CLOSE, closePayload(1000))] : chunks, 3000);
        const { head } = splitHead(r.data);
        assert.match(head, new RegExp(`^HTTP/1\\.1 ${status} `));
        if (extra) assert.match(head, extra);
        assert.ok(r.closedByPeer);
      });
    }

    test("slowloris: a request trickled byte by byte is dropped at the handshake timeout (0.5 s), no response", async () => {
      const req = upgradeRequest();
      // Without the timeout the server would wait for the rest of the request for ever, so any close
      // within the window is the timeout's; the generous upper bound keeps a loaded machine's
      // event-loop lag from failing the test.
      const r = await exchange(echo.port, Array.from(req.slice(0, 60)), 10_000, 20);
      assert.ok(r.closedByPeer, "closed by the server");
      assert.equal(r.data.length, 0);
      assert.ok(r.elapsed >= 450 && r.elapsed < 8000, `closed after ${r.elapsed} ms`);
    });

    test("other connections carry on while one is being refused", async () => {
      const [bad, good] = await Promise.all([
        exchange(echo.port, [upgradeRequest(`X-Pad: ${"a".repeat(5000)}\r\n`)], 3000),
        exchange(echo.port, [upgradeRequest(), frame(TEXT, "still here")], 3000, 0, {
          chunk: frame(CLOSE, closePayload(1000)),
          when: (d) => parseFrames(splitHead(d).rest).frames.length >= 1,
        }),
      ]);
      assert.match(splitHead(bad.data).head, /^HTTP\/1\.1 431 /);
      assert.deepEqual(parseFrames(splitHead(good.data).rest).frames.map(describeFrame), ["text:still here", "close:1000"]);
    });
  });
});
