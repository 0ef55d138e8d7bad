// Godot 4.6's NATIVE WebSocket (modules/websocket/wsl_peer.cpp over wslay, as a desktop or
// headless Godot runs it; the web build lets the browser do all of this) re-enacted byte for
// byte on raw sockets, both ways:
// - a native client (WSLPeer::connect_to_url's request, then _verify_server_response's rules,
//   which are stricter than RFC 6455: Connection must EQUAL "upgrade", at least 3 header lines,
//   no Sec-WebSocket-Protocol unless offered, one of the offered ones when offered, every header
//   line "name:value" with both sides non-empty, the head at most 4096 bytes) against our
//   WebSocketServer and our WebSocketMultiplayerPeer server (the 4-byte ID message of
//   websocket_multiplayer_peer.cpp _poll_client);
// - a native server (WSLPeer::_parse_client_request's rules and _do_server_handshake's exact
//   101 response, no HTTP answer at all on refusal, the ID message of _poll_server) against our
//   WebSocketPeer and WebSocketMultiplayerPeer clients;
// - wslay's close behaviour: a received close frame is answered with the same code AND reason
//   (wslay_event_recv), a heartbeat ping (WSLPeer::poll) is an empty masked ping.
// The rules are written here from Godot's source, independently of src/websocket.
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import * as net from "node:net";
import { WebSocketPeer } from "../../src/websocket/peer.ts";
import { WebSocketServer } from "../../src/websocket/server.ts";
import { WebSocketState } from "../../src/websocket/connection-core.ts";
import { WebSocketMultiplayerPeer } from "../../src/multiplayer/websocket-multiplayer.ts";
import { ConnectionStatus } from "../../src/multiplayer/multiplayer-peer.ts";
import { type Bytes, type ParsedFrame, acceptFor, closePayload, concat, frame, parseFrames, splitHead, te } from "./raw-wire.ts";
import { acceptPeer, nextPacket, pollUntil, sleep } from "./support.ts";
import { within } from "../transport/support/bounded.ts";
import { GodotError } from "../../src/errors.ts";

const TEXT = 1, BINARY = 2, CLOSE = 8, PING = 9, PONG = 10;
const NATIVE_KEY = "q4xkcO32u266gldTuKaSOw=="; // 16 random bytes, base64, as WSLPeer::_generate_key makes it
const WSL_MAX_HEADER_SIZE = 4096;

/** WSLPeer::connect_to_url's request, byte for byte: protocols joined with "," (no space), extra lines as given. */
function nativeClientRequest(o: { host: string; port: number; path?: string; key?: string; protocols?: string[]; headers?: string[] }): string {
  let s = `GET ${o.path ?? "/"} HTTP/1.1\r\n`;
  s += `Host: ${o.host}${o.port !== 80 ? `:${o.port}` : ""}\r\n`;
  s += "Upgrade: websocket\r\n";
  s += "Connection: Upgrade\r\n";
  s += `Sec-WebSocket-Key: ${o.key ?? NATIVE_KEY}\r\n`;
  s += "Sec-WebSocket-Version: 13\r\n";
  if (o.protocols && o.protocols.length > 0) s += `Sec-WebSocket-Protocol: ${o.protocols.join(",")}\r\n`;
  for (const h of o.headers ?? []) s += h + "\r\n";
  return s + "\r\n";
}

/**
 * Godot's header block parsing (both _verify_server_response and _parse_client_request): lines split
 * on CRLF, each header line split once on ":" with empty parts dropped (so both sides must be
 * non-empty), the name lower-cased, the value stripped, repeated names joined with ",".
 */
function nativeHeaders(lines: string[]): Map<string, string> | string {
  const headers = new Map<string, string>();
  for (const line of lines) {
    const colon = line.indexOf(":");
    if (colon <= 0 || colon === line.length - 1) return `invalid header line ${JSON.stringify(line)}`;
    const name = line.slice(0, colon).toLowerCase();
    const value = line.slice(colon + 1).trim();
    const prev = headers.get(name);
    headers.set(name, prev === undefined ? value : `${prev},${value}`);
  }
  return headers;
}

/** WSLPeer::_verify_server_response: null when a native client accepts the head, else why it fails. */
function nativeClientVerdict(head: string, key: string, protocols: string[]): string | null {
  if (head.length > WSL_MAX_HEADER_SIZE) return `head of ${head.length} bytes (the handshake buffer holds ${WSL_MAX_HEADER_SIZE})`;
  if (!head.endsWith("\r\n\r\n")) return "no end of head";
  const lines = head.slice(0, -4).split("\r\n");
  if (lines.length < 4) return `only ${lines.length} lines (>= 4 required)`;
  const status = lines[0]!.split(" ").filter((t) => t !== "");
  if (status.length < 2 || status[0] !== "HTTP/1.1" || status[1] !== "101") return `status line ${lines[0]}`;
  const h = nativeHeaders(lines.slice(1));
  if (typeof h === "string") return h;
  if (h.get("connection")?.toLowerCase() !== "upgrade") return `connection is ${h.get("connection")}, must equal "upgrade"`;
  if (h.get("upgrade")?.toLowerCase() !== "websocket") return `upgrade is ${h.get("upgrade")}`;
  if (h.get("sec-websocket-accept") !== acceptFor(key)) return "accept key";
  const selected = h.get("sec-websocket-protocol");
  if (protocols.length === 0) {
    if (selected !== undefined) return `unrequested sub-protocol ${selected}`;
  } else if (selected === undefined || !protocols.includes(selected)) {
    return `sub-protocol ${selected} is not one of ${protocols.join(",")}`;
  }
  return null;
}

/** WSLPeer::_parse_client_request: the key and selected protocol, or why a native server refuses. */
function nativeServerParse(head: string, supported: string[]): { key: string; protocol: string; headers: Map<string, string> } | string {
  if (head.length > WSL_MAX_HEADER_SIZE) return `request head of ${head.length} bytes`;
  const lines = head.slice(0, -4).split("\r\n");
  if (lines.length < 4) return `only ${lines.length} lines`;
  const req = lines[0]!.split(" ").filter((t) => t !== "");
  if (req.length < 3 || req[0] !== "GET" || req[2] !== "HTTP/1.1") return `request line ${lines[0]}`;
  const h = nativeHeaders(lines.slice(1));
  if (typeof h === "string") return h;
  if (h.get("upgrade")?.toLowerCase() !== "websocket") return "upgrade";
  if (h.get("sec-websocket-version")?.toLowerCase() !== "13") return "version";
  if (!h.has("sec-websocket-key")) return "no key";
  if (!h.has("connection")) return "no connection header";
  let protocol = "";
  const offered = h.get("sec-websocket-protocol");
  if (offered !== undefined) {
    for (const p of offered.split(",")) {
      if (supported.includes(p.trim())) {
        protocol = p.trim();
        break;
      }
    }
    if (protocol === "") return "none of the offered protocols (or the server supports none)";
  } else if (supported.length > 0) return "no protocol offered";
  return { key: h.get("sec-websocket-key")!, protocol, headers: h };
}

/** WSLPeer::_do_server_handshake's 101 response. */
function nativeServerResponse(key: string, protocol: string, extra: string[] = []): string {
  let s = "HTTP/1.1 101 Switching Protocols\r\n";
  s += "Upgrade: websocket\r\n";
  s += "Connection: Upgrade\r\n";
  s += `Sec-WebSocket-Accept: ${acceptFor(key)}\r\n`;
  if (protocol) s += `Sec-WebSocket-Protocol: ${protocol}\r\n`;
  for (const x of extra) s += x + "\r\n";
  return s + "\r\n";
}

/** A raw TCP connection that collects what arrives (a native client's socket). */
function rawConnect(port: number): Promise<{ sock: net.Socket; data: () => Bytes; closed: Promise<void> }> {
  return new Promise((resolve, reject) => {
    const chunks: Bytes[] = [];
    let markClosed!: () => void;
    const closed = new Promise<void>((r) => (markClosed = r));
    const sock = net.connect({ host: "127.0.0.1", port }, () => resolve({ sock, data: () => concat(chunks), closed }));
    sock.on("data", (d: Buffer) => chunks.push(new Uint8Array(d)));
    sock.on("end", () => markClosed());
    sock.on("close", () => markClosed());
    sock.on("error", (e) => reject(e));
  });
}

async function waitFor<T>(what: string, ms: number, get: () => T | undefined, poll?: () => void): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    poll?.();
    const v = get();
    if (v !== undefined) return v;
    if (Date.now() > end) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await sleep(2);
  }
}

/** The response head and the frames after it, once the head is complete and `framesWanted` frames arrived. */
async function readResponse(data: () => Bytes, framesWanted: number, poll?: () => void): Promise<{ head: string; frames: ParsedFrame[] }> {
  return waitFor(`the 101 response and ${framesWanted} frame(s)`, 3000, () => {
    const { head, rest } = splitHead(data());
    if (!head.endsWith("\r\n\r\n")) return undefined;
    const frames = parseFrames(rest).frames;
    return frames.length >= framesWanted ? { head, frames } : undefined;
  }, poll);
}

const closeOf = (f: ParsedFrame): [number, string] => [(f.payload[0]! << 8) | f.payload[1]!, new TextDecoder().decode(f.payload.subarray(2))];

describe("Godot 4.6 native client (wsl_peer.cpp) -> our servers", () => {
  test("WebSocketServer: the native request is accepted and the 101 passes every _verify_server_response rule; frames, heartbeat ping, close echoed with its reason", async () => {
    const server = new WebSocketServer({ supportedProtocols: ["game"] });
    await server.listen(0);
    const port = server.getLocalPort();
    const c = await rawConnect(port);
    let peer: WebSocketPeer | null = null;
    try {
      c.sock.write(nativeClientRequest({ host: "127.0.0.1", port, path: "/play", protocols: ["chat", "game"], headers: ["X-Token: abc"] }));
      const { head } = await readResponse(c.data, 0);
      assert.equal(nativeClientVerdict(head, NATIVE_KEY, ["chat", "game"]), null, head);
      peer = await acceptPeer(server);
      assert.equal(peer.getSelectedProtocol(), "game");
      assert.equal(peer.getRequestedUrl(), `ws://127.0.0.1:${port}/play`);
      assert.equal(peer.getRequestHeaders().get("x-token"), "abc");
      // wslay client frames: one masked frame per message; a heartbeat ping is empty.
      c.sock.write(concat([frame(BINARY, new Uint8Array([1, 2, 3])), frame(TEXT, "héllo"), frame(PING)]));
      const p = peer;
      const m1 = await nextPacket(p);
      assert.deepEqual([...m1.data], [1, 2, 3]);
      assert.equal(m1.isString, false);
      const m2 = await nextPacket(p);
      assert.equal(new TextDecoder().decode(m2.data), "héllo");
      assert.equal(m2.isString, true);
      assert.equal(p.send(new Uint8Array(70_000).fill(7)), GodotError.ERR_OUT_OF_MEMORY, "over the 65535-byte outbound buffer, as Godot's _send");
      p.sendText("from server");
      const after = await readResponse(c.data, 2, () => p.poll());
      assert.deepEqual(after.frames.map((f) => [f.opcode, f.masked, f.payload.length]), [[PONG, false, 0], [TEXT, false, 11]]);
      // Godot's close(4001, "bye"): wslay answers a close with the same code AND reason, so the
      // native initiator reads back (4001, "bye") from get_close_code()/get_close_reason().
      c.sock.write(frame(CLOSE, closePayload(4001, "bye")));
      const done = await readResponse(c.data, 3, () => p.poll());
      assert.equal(done.frames[2]!.opcode, CLOSE);
      assert.equal(done.frames[2]!.masked, false);
      assert.deepEqual(closeOf(done.frames[2]!), [4001, "bye"]);
      await pollUntil([p], () => p.getReadyState() === WebSocketState.STATE_CLOSED, 2000, "our peer closed");
      assert.equal(p.getCloseCode(), 4001);
      assert.equal(p.getCloseReason(), "bye");
      await within(c.closed, 3000, "our side to end the TCP connection");
    } finally {
      peer?.close(-1);
      c.sock.destroy();
      await server.stop();
    }
  });

  test("WebSocketServer without subprotocols: no Sec-WebSocket-Protocol for a native client that offered none", async () => {
    const server = new WebSocketServer();
    await server.listen(0);
    const port = server.getLocalPort();
    const c = await rawConnect(port);
    try {
      c.sock.write(nativeClientRequest({ host: "127.0.0.1", port }));
      const { head } = await readResponse(c.data, 0);
      assert.equal(nativeClientVerdict(head, NATIVE_KEY, []), null, head);
      assert.ok(!/sec-websocket-protocol/i.test(head));
      assert.ok(!/sec-websocket-extensions/i.test(head));
    } finally {
      c.sock.destroy();
      await server.stop();
    }
  });

  test("our close(4002, reason) to a native client: the close frame carries them; wslay's echo (code and reason) completes it cleanly", async () => {
    const server = new WebSocketServer();
    await server.listen(0);
    const port = server.getLocalPort();
    const c = await rawConnect(port);
    let peer: WebSocketPeer | null = null;
    try {
      c.sock.write(nativeClientRequest({ host: "localhost", port }));
      peer = await acceptPeer(server);
      peer.close(4002, "server bye");
      const p = peer;
      const got = await readResponse(c.data, 1, () => p.poll());
      assert.deepEqual(closeOf(got.frames[0]!), [4002, "server bye"]);
      // wslay echoes code and reason, then Godot (close(-1) once both close frames went) drops the TCP connection.
      c.sock.write(frame(CLOSE, closePayload(4002, "server bye")));
      c.sock.destroy();
      await pollUntil([p], () => p.getReadyState() === WebSocketState.STATE_CLOSED, 2000, "our peer closed");
      assert.equal(p.getCloseCode(), 4002);
      assert.equal(p.getCloseReason(), "server bye");
    } finally {
      peer?.close(-1);
      c.sock.destroy();
      await server.stop();
    }
  });

  test("WebSocketMultiplayerPeer server: 101 a native client accepts, then its ID as one unmasked binary 4-byte int32 LE >= 2 (websocket_multiplayer_peer.cpp _poll_client)", async () => {
    const mp = new WebSocketMultiplayerPeer();
    mp.supportedProtocols = ["mp"];
    await mp.createServer(0, "127.0.0.1");
    const port = mp.getLocalPort();
    const c = await rawConnect(port);
    try {
      c.sock.write(nativeClientRequest({ host: "127.0.0.1", port, protocols: ["mp"] }));
      const { head, frames } = await readResponse(c.data, 1, () => mp.poll());
      assert.equal(nativeClientVerdict(head, NATIVE_KEY, ["mp"]), null, head);
      const id = frames[0]!;
      assert.equal(id.opcode, BINARY);
      assert.equal(id.masked, false);
      assert.equal(id.payload.length, 4);
      const uid = new DataView(id.payload.buffer, id.payload.byteOffset, 4).getInt32(0, true);
      assert.ok(uid >= 2, `ID ${uid}`);
      assert.deepEqual(mp.getPeerIds(), [uid]);
      // The native client's packets: raw payloads, one masked binary frame each.
      c.sock.write(frame(BINARY, new Uint8Array([9, 8, 7])));
      await waitFor("the client's packet", 3000, () => (mp.getAvailablePacketCount() > 0 ? true : undefined), () => mp.poll());
      assert.equal(mp.getPacketPeer(), uid);
      assert.deepEqual([...mp.getPacket()], [9, 8, 7]);
      mp.setTargetPeer(uid);
      assert.equal(mp.putPacket(new Uint8Array([5, 5])), GodotError.OK);
      const more = await readResponse(c.data, 2, () => mp.poll());
      assert.deepEqual([more.frames[1]!.opcode, more.frames[1]!.masked, [...more.frames[1]!.payload]], [BINARY, false, [5, 5]]);
    } finally {
      c.sock.destroy();
      mp.close();
    }
  });
});

interface NativeServer {
  port: number;
  /** The request head, once complete. */
  request: Promise<string>;
  /** What the client sent after the head. */
  received: () => Bytes;
  socket: () => net.Socket | null;
  close: () => Promise<void>;
}

/**
 * A native Godot 4.6 server (TCPServer + WebSocketPeer.accept_stream, or WebSocketMultiplayerPeer's):
 * reads the head, applies _parse_client_request, and on success writes _do_server_handshake's
 * response (then `after`); on failure it writes nothing and drops the connection (close(-1)).
 */
function nativeServer(supported: string[], after: (sock: net.Socket, protocol: string) => void = () => {}, extra: string[] = []): Promise<NativeServer> {
  return new Promise((resolve) => {
    let resolveRequest!: (s: string) => void;
    const request = new Promise<string>((r) => (resolveRequest = r));
    let buf: Bytes = new Uint8Array(0);
    const rest: Bytes[] = [];
    let current: net.Socket | null = null;
    const srv = net.createServer((sock) => {
      current = sock;
      sock.setNoDelay(true);
      let headDone = false;
      sock.on("error", () => {});
      sock.on("data", (d: Buffer) => {
        if (headDone) {
          rest.push(new Uint8Array(d));
          return;
        }
        buf = concat([buf, new Uint8Array(d)]);
        const split = splitHead(buf);
        if (!split.head.endsWith("\r\n\r\n")) {
          if (buf.length >= WSL_MAX_HEADER_SIZE) sock.destroy();
          return;
        }
        headDone = true;
        if (split.rest.length) rest.push(split.rest);
        resolveRequest(split.head);
        const parsed = nativeServerParse(split.head, supported);
        if (typeof parsed === "string") {
          sock.destroy();
          return;
        }
        sock.write(Buffer.from(nativeServerResponse(parsed.key, parsed.protocol, extra), "latin1"));
        after(sock, parsed.protocol);
      });
    });
    srv.listen(0, "127.0.0.1", () => {
      resolve({
        port: (srv.address() as net.AddressInfo).port,
        request,
        received: () => concat(rest),
        socket: () => current,
        close: () => new Promise((r) => {
          (current as net.Socket | null)?.destroy();
          srv.close(() => r());
        }),
      });
    });
  });
}

describe("our clients -> Godot 4.6 native server (wsl_peer.cpp)", () => {
  test("WebSocketPeer: the request passes _parse_client_request, the native 101 (with handshake_headers) is accepted; frames; the native close is echoed with its reason", async () => {
    const srv = await nativeServer(["game"], (sock) => {
      // wslay server frames: unmasked, one frame per message.
      sock.write(concat([frame(TEXT, "welcome", { mask: false }), frame(BINARY, new Uint8Array([1, 2]), { mask: false })]));
    }, ["X-Server: godot"]);
    const client = new WebSocketPeer();
    try {
      client.supportedProtocols = ["chat", "game"];
      client.handshakeHeaders = ["X-Token: abc"];
      client.connectToUrl(`ws://127.0.0.1:${srv.port}/lobby?x=1`);
      const req = await within(srv.request, 3000, "the request");
      const parsed = nativeServerParse(req, ["game"]);
      assert.equal(typeof parsed, "object", `a native server refuses it: ${String(parsed)}`);
      assert.match(req, /^GET \/lobby\?x=1 HTTP\/1\.1\r\n/);
      await pollUntil([client], () => client.getReadyState() === WebSocketState.STATE_OPEN, 3000, "open");
      assert.equal(client.getSelectedProtocol(), "game");
      const a = await nextPacket(client);
      assert.deepEqual([new TextDecoder().decode(a.data), a.isString], ["welcome", true]);
      const b = await nextPacket(client);
      assert.deepEqual([[...b.data], b.isString], [[1, 2], false]);
      client.send(new Uint8Array([3, 4, 5]));
      client.sendText("hi");
      const sent = await waitFor("two frames from the client", 3000, () => {
        const f = parseFrames(srv.received()).frames;
        return f.length >= 2 ? f : undefined;
      }, () => client.poll());
      // wslay's server side requires masked client frames (else it fails the connection with 1002).
      assert.deepEqual(sent.map((f) => [f.opcode, f.masked, f.fin]), [[BINARY, true, true], [TEXT, true, true]]);
      // The native server's close(4010, "server bye"): our echo must carry the code and the reason, as wslay's does.
      srv.socket()!.write(frame(CLOSE, closePayload(4010, "server bye"), { mask: false }));
      await pollUntil([client], () => client.getReadyState() === WebSocketState.STATE_CLOSED, 3000, "closed");
      assert.equal(client.getCloseCode(), 4010);
      assert.equal(client.getCloseReason(), "server bye");
      const echo = await waitFor("our echo", 3000, () => parseFrames(srv.received()).frames.find((f) => f.opcode === CLOSE));
      assert.equal(echo.masked, true);
      assert.deepEqual(closeOf(echo), [4010, "server bye"]);
    } finally {
      client.close(-1);
      await srv.close();
    }
  });

  test("WebSocketPeer: a native server's refusal (no HTTP answer, the TCP connection dropped) leaves the client CLOSED with code -1", async () => {
    const srv = await nativeServer([]); // supports none: a native server refuses any offered protocol
    const client = new WebSocketPeer();
    try {
      client.supportedProtocols = ["game"];
      client.connectToUrl(`ws://127.0.0.1:${srv.port}/`);
      await pollUntil([client], () => client.getReadyState() === WebSocketState.STATE_CLOSED, 3000, "closed");
      assert.equal(client.getCloseCode(), -1);
    } finally {
      client.close(-1);
      await srv.close();
    }
  });

  test("WebSocketMultiplayerPeer client: connects on a native server's ID message and exchanges raw packets", async () => {
    const ID = 1_234_567;
    const srv = await nativeServer([], (sock) => {
      const id = new Uint8Array(4);
      new DataView(id.buffer).setInt32(0, ID, true);
      sock.write(concat([frame(BINARY, id, { mask: false }), frame(BINARY, new Uint8Array([42]), { mask: false })]));
    });
    const mp = new WebSocketMultiplayerPeer();
    try {
      await mp.createClient(`ws://127.0.0.1:${srv.port}`);
      const req = await within(srv.request, 3000, "the request");
      assert.equal(typeof nativeServerParse(req, []), "object");
      await waitFor("CONNECTED", 3000, () => (mp.getConnectionStatus() === ConnectionStatus.CONNECTION_CONNECTED ? true : undefined), () => mp.poll());
      assert.equal(mp.getUniqueId(), ID);
      await waitFor("the server's packet", 3000, () => (mp.getAvailablePacketCount() > 0 ? true : undefined), () => mp.poll());
      assert.equal(mp.getPacketPeer(), 1);
      assert.deepEqual([...mp.getPacket()], [42]);
      assert.equal(mp.putPacket(te.encode("up")), GodotError.OK);
      const f = await waitFor("the client's packet", 3000, () => parseFrames(srv.received()).frames[0], () => mp.poll());
      assert.deepEqual([f.opcode, f.masked, new TextDecoder().decode(f.payload)], [BINARY, true, "up"]);
    } finally {
      mp.close();
      await srv.close();
    }
  });
});
