// The raw-socket case runner against our client: a hand-written server answers the
// upgrade (correctly or not) and sends raw frames; each case asserts the exact frames
// our client sends back (ending in the exact close code) and the client's final state.
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import * as net from "node:net";
import { WebSocketPeer } from "../../src/websocket/peer.ts";
import { WebSocketState } from "../../src/websocket/connection-core.ts";
import { type Bytes, acceptFor, closePayload, concat, describeFrame, frame, parseFrames, splitHead } from "./raw-wire.ts";
import { pollUntil } from "./support.ts";
import type { WebSocketMessageEvent } from "../../src/websocket/events.ts";
import { within } from "../transport/support/bounded.ts";

const TEXT = 1, BINARY = 2, CONT = 0, CLOSE = 8, PING = 9;
const b = (...x: number[]): Bytes => new Uint8Array(x);
const server = (op: number, payload: Bytes | string = new Uint8Array(0), o: Parameters<typeof frame>[2] = {}): Bytes => frame(op, payload, { mask: false, ...o });

const ok101 = (key: string, extra = ""): string =>
  `HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: ${acceptFor(key)}\r\n${extra}\r\n`;

interface ClientCase {
  name: string;
  /** The raw server's answer to the upgrade request (null: never answer). */
  response: ((key: string) => string) | null;
  frames: Bytes[];
  /** Frames our client must send after the handshake (describeFrame format). */
  expectFrames: string[];
  /** The client's getCloseCode() at the end. */
  closeCode: number;
  /** Messages the client must have received. */
  messages?: string[];
  setup?: (p: WebSocketPeer) => void;
}

// Godot 4.6's getter reports the code a failing peer sent (WSLPeer::poll, wslay_event_get_status_code_sent).
const fails = (name: string, frames: Bytes[], code: number): ClientCase => ({ name, response: ok101, frames, expectFrames: [`close:${code}`], closeCode: code });

const cases: ClientCase[] = [
  { name: "text, binary and fragmented messages, then the server's close is echoed", response: ok101,
    frames: [server(TEXT, "hi"), server(BINARY, b(1, 2, 3)), server(TEXT, "frag", { fin: false }), server(CONT, "mented"), server(CLOSE, closePayload(1000, "bye"))],
    expectFrames: ["close:1000"], closeCode: 1000, messages: ["text:hi", "binary:3", "text:fragmented"] },
  { name: "ping is answered with a masked pong of the same payload", response: ok101,
    frames: [server(PING, "abc"), server(CLOSE, closePayload(4000))], expectFrames: ["pong:abc", "close:4000"], closeCode: 4000 },
  { name: "empty close is answered with an empty close", response: ok101, frames: [server(CLOSE)], expectFrames: ["close:none"], closeCode: 1005 },
  { name: "frames in the same write as the 101 response", response: (k) => ok101(k) + Buffer.from(concat([server(TEXT, "early"), server(CLOSE, closePayload(1000))])).toString("latin1"),
    frames: [], expectFrames: ["close:1000"], closeCode: 1000, messages: ["text:early"] },
  fails("masked frame from the server", [frame(TEXT, "x", { mask: true })], 1002),
  fails("RSV1 set", [server(TEXT, "x", { rsv: 4 })], 1002),
  fails("reserved opcode 3", [server(3, "x")], 1002),
  fails("reserved control opcode 0xB", [server(0xb)], 1002),
  fails("fragmented ping", [server(PING, "x", { fin: false })], 1002),
  fails("continuation without a message", [server(CONT, "x")], 1002),
  fails("invalid UTF-8 text", [server(TEXT, b(0xc0, 0xaf))], 1007),
  fails("invalid UTF-8 fails fast in an unfinished fragment", [server(TEXT, b(0xed, 0xa0), { fin: false })], 1007),
  fails("invalid close code 1005", [server(CLOSE, closePayload(1005))], 1002),
  fails("invalid UTF-8 close reason", [server(CLOSE, closePayload(1000, b(0xff)))], 1007),
  fails("64-bit length over inboundBufferSize (header only)", [server(BINARY, new Uint8Array(0), { declaredLength: 2 ** 33 })], 1009),
  fails("message one byte over inboundBufferSize", [server(BINARY, new Uint8Array(65536))], 1009),
  // Handshake failures: the client sends no frame at all and ends CLOSED.
  { name: "400 response", response: () => "HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n", frames: [], expectFrames: [], closeCode: -1 },
  { name: "wrong Sec-WebSocket-Accept", response: () => ok101("AAAAAAAAAAAAAAAAAAAAAA=="), frames: [], expectFrames: [], closeCode: -1 },
  { name: "missing Upgrade header", response: (k) => ok101(k).replace("Upgrade: websocket\r\n", ""), frames: [], expectFrames: [], closeCode: -1 },
  { name: "subprotocol that was not offered", response: (k) => ok101(k, "Sec-WebSocket-Protocol: nope\r\n"), frames: [], expectFrames: [], closeCode: -1 },
  { name: "no subprotocol although some were offered", response: ok101, frames: [], expectFrames: [], closeCode: -1, setup: (p) => (p.supportedProtocols = ["a"]) },
  { name: "extension that was not offered", response: (k) => ok101(k, "Sec-WebSocket-Extensions: permessage-deflate\r\n"), frames: [], expectFrames: [], closeCode: -1 },
  { name: "response header over 4096 bytes", response: (k) => ok101(k, `X-Pad: ${"a".repeat(4200)}\r\n`), frames: [], expectFrames: [], closeCode: -1 },
  { name: "no response at all (handshake timeout 0.3 s)", response: null, frames: [], expectFrames: [], closeCode: -1, setup: (p) => (p.handshakeTimeout = 0.3) },
  { name: "selected subprotocol is reported", response: (k) => ok101(k, "Sec-WebSocket-Protocol: b\r\n"), frames: [server(CLOSE, closePayload(1000))],
    expectFrames: ["close:1000"], closeCode: 1000, setup: (p) => (p.supportedProtocols = ["a", "b"]) },
];

interface RawServer {
  port: number;
  request: Promise<string>;
  received: () => Bytes;
  /** Resolves when the client closed or half-closed its side. */
  clientGone: Promise<void>;
  close: () => Promise<void>;
}

function rawServer(c: ClientCase): Promise<RawServer> {
  return new Promise((resolve) => {
    let buf: Bytes = new Uint8Array(0);
    const afterHead: Bytes[] = [];
    let resolveRequest!: (s: string) => void;
    const request = new Promise<string>((r) => (resolveRequest = r));
    const sockets: net.Socket[] = [];
    let resolveGone!: () => void;
    const clientGone = new Promise<void>((r) => (resolveGone = r));
    const srv = net.createServer((sock) => {
      sockets.push(sock);
      let headDone = false;
      sock.on("error", () => {});
      sock.on("end", () => resolveGone());
      sock.on("close", () => resolveGone());
      sock.on("data", (d: Buffer) => {
        if (headDone) {
          afterHead.push(new Uint8Array(d));
          const frames = parseFrames(concat(afterHead)).frames;
          if (frames.some((f) => f.opcode === CLOSE)) sock.end();
          return;
        }
        buf = concat([buf, new Uint8Array(d)]);
        const { head, rest } = splitHead(buf);
        if (!head.endsWith("\r\n\r\n")) return;
        headDone = true;
        resolveRequest(head);
        if (rest.length) afterHead.push(rest);
        if (!c.response) return;
        const key = /\r\nSec-WebSocket-Key: ([^\r]+)\r\n/i.exec(head)?.[1] ?? "";
        sock.write(Buffer.from(c.response(key), "latin1"));
        for (const f of c.frames) sock.write(f);
      });
    });
    srv.listen(0, "127.0.0.1", () => {
      const port = (srv.address() as net.AddressInfo).port;
      resolve({
        port,
        request,
        received: () => concat(afterHead),
        clientGone,
        close: () => new Promise((r) => {
          for (const s of sockets) s.destroy();
          srv.close(() => r());
        }),
      });
    });
  });
}

describe("raw RFC 6455 cases against our client", () => {
  for (const c of cases) {
    test(c.name, async () => {
      const raw = await rawServer(c);
      const client = new WebSocketPeer();
      try {
        c.setup?.(client);
        // Messages and the close arrive in one read: a poll loop would see the peer CLOSED with
        // nothing to read (Godot 4 drops unread packets on close), so listen for them instead.
        const messages: string[] = [];
        client.addEventListener("message", (ev) => {
          const m = ev as WebSocketMessageEvent;
          messages.push(m.isString ? `text:${m.text}` : `binary:${m.data.length}`);
        });
        client.connectToUrl(`ws://127.0.0.1:${raw.port}/path?q=1`);
        await pollUntil([client], () => client.getReadyState() === WebSocketState.STATE_CLOSED, 3000, "the client to close");
        const req = await raw.request;
        assert.match(req, /^GET \/path\?q=1 HTTP\/1\.1\r\n/);
        assert.match(req, new RegExp(`\\r\\nHost: 127\\.0\\.0\\.1:${raw.port}\\r\\n`));
        assert.match(req, /\r\nSec-WebSocket-Version: 13\r\n/);
        assert.match(req, /\r\nSec-WebSocket-Key: [A-Za-z0-9+/]{22}==\r\n/);
        // Everything the client sent has arrived once its FIN or close has.
        await within(raw.clientGone, 2000, "the client's side of the TCP connection to close");
        const parsed = parseFrames(raw.received());
        assert.deepEqual(parsed.frames.map(describeFrame), c.expectFrames);
        for (const f of parsed.frames) assert.equal(f.masked, true, "client frames are masked");
        assert.equal(client.getCloseCode(), c.closeCode);
        if (c.messages) assert.deepEqual(messages, c.messages);
        if (c.name === "selected subprotocol is reported") assert.equal(client.getSelectedProtocol(), "b");
      } finally {
        client.close(-1);
        await raw.close();
      }
    });
  }
});
