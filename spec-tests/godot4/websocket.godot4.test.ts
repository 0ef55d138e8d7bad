// Godot 4.6's WebSocketPeer (the web build: Chromium's WebSocket under Godot's API) as a client of
// our WebSocketServer and of TCPServer + WebSocketPeer.acceptStream: text and binary 0 B..1 MiB
// echoed back, was_string_packet, subprotocol selection, bursts of many messages, close codes and
// reasons in both directions, and (session 2) permessage-deflate both ways with Chromium's own
// deflate under Godot. One Godot run connects three times in sequence (urls=a|b|c).
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { GodotError } from "../../src/errors.ts";
import { TCPServer } from "../../src/tcp/index.ts";
import { WebSocketPeer, WebSocketServer, WebSocketState, WriteMode } from "../../src/websocket/index.ts";
import { acceptPeer, asciiPayload, binaryPayload, fromUtf8, nextPacket, pollUntil, sameBytes, sleep, utf8 } from "../websocket/support.ts";
import { godot4SkipReason, runGodot4 } from "./harness.ts";

const skip = godot4SkipReason();
const BIG = 4 << 20;
/** The Godot run's own limit (boot in Chromium included). */
const GODOT_RUN_MS = 60_000;

/** The Godot client: echoes every message in the mode it came in, obeys "cmd:" text messages, reports JSON lines. */
const CLIENT = `extends SceneTree
var urls: PackedStringArray
var protos: PackedStringArray
var idx := -1
var ws: WebSocketPeer
var last_state := -1

func report(d: Dictionary) -> void:
	d["s"] = idx
	print(JSON.stringify(d))

func _initialize() -> void:
	for a in OS.get_cmdline_user_args():
		if a.begins_with("urls="):
			urls = a.substr(5).split("|")
		elif a.begins_with("protos="):
			protos = a.substr(7).split("|")
	next_session()

func next_session() -> void:
	idx += 1
	ws = null
	last_state = -1
	if idx >= urls.size():
		return
	ws = WebSocketPeer.new()
	ws.inbound_buffer_size = ${BIG}
	ws.outbound_buffer_size = ${BIG}
	ws.max_queued_packets = 4096
	ws.supported_protocols = protos[idx].split(",", false)
	report({"ev": "connect", "err": ws.connect_to_url(urls[idx])})

func command(t: String) -> void:
	var parts := t.split(":")
	if parts[1] == "close":
		ws.close(int(parts[2]), parts[3])
	elif parts[1] == "last":
		# Last words, then the close, in one frame of the main loop.
		report({"ev": "last_sent", "err": ws.send_text("last words ✓")})
		ws.close(int(parts[2]), parts[3])
	elif parts[1] == "burst":
		var errs := 0
		for i in int(parts[2]):
			if ws.send_text("b%d" % i) != OK:
				errs += 1
		report({"ev": "burst_sent", "errors": errs})

func _process(_delta: float) -> bool:
	if ws == null:
		quit(0)
		return false
	ws.poll()
	var st := ws.get_ready_state()
	if st != last_state:
		last_state = st
		if st == WebSocketPeer.STATE_OPEN:
			report({"ev": "open", "protocol": ws.get_selected_protocol()})
	while ws.get_available_packet_count() > 0:
		var p := ws.get_packet()
		var is_string := ws.was_string_packet()
		if is_string and p.size() > 4 and p.slice(0, 4).get_string_from_ascii() == "cmd:":
			command(p.get_string_from_utf8())
			continue
		var err := ws.send_text(p.get_string_from_utf8()) if is_string else ws.send(p, WebSocketPeer.WRITE_MODE_BINARY)
		report({"ev": "msg", "string": is_string, "size": p.size(), "err": err})
	if st == WebSocketPeer.STATE_CLOSED:
		report({"ev": "closed", "code": ws.get_close_code(), "reason": ws.get_close_reason()})
		next_session()
	return false
`;

interface Report {
  ev: string;
  s: number;
  [k: string]: unknown;
}

/** A text payload of exactly n UTF-8 bytes, multi-byte characters included when it has room. */
function textOf(n: number, seed: number): Uint8Array {
  if (n < 3) return asciiPayload(n, seed);
  const out = new Uint8Array(n);
  out.set(asciiPayload(n - 3, seed));
  out.set(utf8("✓"), n - 3);
  return out;
}

async function expectEchoes(peer: WebSocketPeer, sent: { data: Uint8Array; isString: boolean }[], label: string): Promise<void> {
  for (const [i, s] of sent.entries()) {
    const got = await nextPacket(peer, 15_000);
    assert.equal(got.isString, s.isString, `${label} #${i}: was_string_packet`);
    assert.ok(sameBytes(got.data, s.data), `${label} #${i}: ${s.data.length} B ${s.isString ? "text" : "binary"} echoed intact (got ${got.data.length} B)`);
  }
}

/** Until Godot prints its first report: the web build boots in Chromium first, which on a loaded machine has taken over 15 s. */
async function godotBooted(booted: () => boolean, ms: number): Promise<void> {
  const end = Date.now() + ms;
  while (!booted()) {
    if (Date.now() > end) throw new Error(`Godot printed nothing within ${ms} ms`);
    await sleep(5);
  }
}

/** Session 0, on the WebSocketServer: sizes, modes, bursts both ways, then our close 4002 with a reason. */
async function session0(server: WebSocketServer, booted: () => boolean): Promise<void> {
  // The connection is timed from Godot's connect_to_url, not from the start of the browser.
  await godotBooted(booted, GODOT_RUN_MS);
  const peer = await acceptPeer(server, 15_000);
  // Godot's server rule: the first protocol in the client's list that the server supports.
  assert.equal(peer.getSelectedProtocol(), "chat");
  const sizes = [0, 1, 125, 126, 127, 65535, 65536, 200_000, 1 << 20];
  const sent: { data: Uint8Array; isString: boolean }[] = [];
  for (const [i, n] of sizes.entries()) {
    sent.push({ data: textOf(n, i), isString: true }, { data: binaryPayload(n, i), isString: false });
  }
  for (const s of sent) assert.equal(peer.send(s.data, s.isString ? WriteMode.WRITE_MODE_TEXT : WriteMode.WRITE_MODE_BINARY), GodotError.OK);
  await expectEchoes(peer, sent, "sizes");
  // Our burst: 300 messages written in one go (many frames per TCP segment) come back in order.
  const burst = Array.from({ length: 300 }, (_, i) => ({ data: utf8(`m${i}`), isString: i % 3 !== 0 }));
  for (const s of burst) peer.send(s.data, s.isString ? WriteMode.WRITE_MODE_TEXT : WriteMode.WRITE_MODE_BINARY);
  await expectEchoes(peer, burst, "our burst");
  // Godot's burst: 300 send_text() in one frame of its main loop.
  peer.sendText("cmd:burst:300");
  for (let i = 0; i < 300; i++) {
    const got = await nextPacket(peer, 10_000);
    assert.deepEqual([fromUtf8(got.data), got.isString], [`b${i}`, true]);
  }
  peer.close(4002, "server bye ✓");
  await pollUntil([peer], () => peer.getReadyState() === WebSocketState.STATE_CLOSED, 10_000, "session 0 closed");
  assert.equal(peer.getCloseCode(), 4002);
}

/**
 * Session 1, on the WebSocketServer without subprotocols: Godot sends a last message and closes
 * with 4011 and a reason in one frame. We poll only once both are in: the message must still be
 * readable (OPEN), and the poll after it is taken ends the connection with Godot's code.
 */
async function session1(server: WebSocketServer): Promise<void> {
  const peer = await acceptPeer(server, 15_000);
  assert.equal(peer.getSelectedProtocol(), "");
  const sent = [
    { data: utf8("héllo wörld ✓ 😀"), isString: true },
    { data: new Uint8Array(0), isString: true },
    { data: new Uint8Array([0, 255, 0, 128]), isString: false },
  ];
  for (const s of sent) peer.send(s.data, s.isString ? WriteMode.WRITE_MODE_TEXT : WriteMode.WRITE_MODE_BINARY);
  await expectEchoes(peer, sent, "session 1");
  peer.sendText("cmd:last:4011:bye from godot ✓");
  await sleep(500);
  await pollUntil([peer], () => peer.getAvailablePacketCount() > 0 || peer.getReadyState() === WebSocketState.STATE_CLOSED, 10_000, "Godot's last words");
  assert.equal(peer.getReadyState(), WebSocketState.STATE_OPEN, "OPEN while Godot's last message waits, though its close came with it");
  assert.equal(fromUtf8(peer.getPacket()), "last words ✓");
  await pollUntil([peer], () => peer.getReadyState() === WebSocketState.STATE_CLOSED, 10_000, "session 1 closed by Godot");
  assert.equal(peer.getCloseCode(), 4011);
  assert.equal(peer.getCloseReason(), "bye from godot ✓");
}

/** Session 2, TCPServer + WebSocketPeer.acceptStream (Godot 4's own server pattern). */
async function session2(tcp: TCPServer): Promise<void> {
  const end = Date.now() + 15_000;
  let conn = tcp.takeConnection();
  while (!conn) {
    if (Date.now() > end) throw new Error("no TCP connection for session 2");
    await sleep(2);
    conn = tcp.takeConnection();
  }
  const peer = new WebSocketPeer();
  peer.supportedProtocols = ["other", "godot"];
  peer.inboundBufferSize = BIG;
  peer.outboundBufferSize = BIG;
  // Chromium offers permessage-deflate on every WebSocket, Godot's included: accept it here.
  peer.perMessageDeflate = { threshold: 0 };
  assert.equal(peer.acceptStream(conn), GodotError.OK);
  await pollUntil([peer], () => peer.getReadyState() !== WebSocketState.STATE_CONNECTING, 10_000, "session 2 handshake");
  assert.equal(peer.getReadyState(), WebSocketState.STATE_OPEN);
  assert.equal(peer.getSelectedProtocol(), "godot");
  assert.match(peer.getExtensions(), /^permessage-deflate/);
  const state = utf8(Array.from({ length: 4000 }, (_, i) => `{"id":${i % 64},"hp":${(i * 37) % 100}}`).join(","));
  const sent = [
    { data: textOf(70_000, 7), isString: true },
    { data: binaryPayload(300_000, 8), isString: false },
    ...Array.from({ length: 20 }, (_, i) => ({ data: state.subarray(0, 1000 + i * 5000), isString: i % 2 === 0 })),
  ];
  for (const s of sent) peer.send(s.data, s.isString ? WriteMode.WRITE_MODE_TEXT : WriteMode.WRITE_MODE_BINARY);
  await expectEchoes(peer, sent, "session 2");
  // Both directions went compressed: ours inflated in Chromium, Chromium's inflated here.
  const stats = peer.getStats();
  assert.equal(stats.messagesCompressed, sent.length);
  assert.ok(stats.messagesInflated >= 20, `Godot's echoes arrived compressed: ${stats.messagesInflated} of ${sent.length}`);
  peer.close(1000, "");
  await pollUntil([peer], () => peer.getReadyState() === WebSocketState.STATE_CLOSED, 10_000, "session 2 closed");
  assert.equal(peer.getCloseCode(), 1000);
}

describe("live: Godot 4.6 WebSocketPeer client vs our WebSocketServer / TCPServer + acceptStream", { skip }, () => {
  test("sizes 0 B..1 MiB, text/binary, bursts, subprotocols, close codes both ways", async () => {
    const server = new WebSocketServer({ supportedProtocols: ["godot", "chat"], inboundBufferSize: BIG, outboundBufferSize: BIG });
    await server.listen(0, "127.0.0.1");
    const tcp = new TCPServer();
    await tcp.listen(0, "127.0.0.1");
    const base = `ws://127.0.0.1:${server.getLocalPort()}`;
    try {
      let booted = false;
      const serving = (async () => {
        await session0(server, () => booted);
        await session1(server);
        await session2(tcp);
      })();
      // A failure on our side ends the Godot run at once instead of at its timeout.
      const abort = new AbortController();
      serving.catch(() => abort.abort());
      const run = await runGodot4({
        script: CLIENT,
        args: [`urls=${base}/a|${base}/b|ws://127.0.0.1:${tcp.getLocalPort()}/c`, "protos=chat,godot||godot"],
        timeoutMs: GODOT_RUN_MS,
        signal: abort.signal,
        onLine: (line, stream) => {
          if (stream === "out" && line.startsWith("{")) booted = true;
        },
      });
      await serving;
      assert.equal(run.exitCode, 0, `Godot run: ${run.timedOut ? "timed out" : run.exitCode}\n${run.errors.join("\n")}`);
      const reports = run.json as Report[];
      const of = (s: number, ev: string) => reports.filter((r) => r.s === s && r.ev === ev);
      for (const s of [0, 1, 2]) assert.deepEqual(of(s, "connect").map((r) => r.err), [0], `session ${s} connect_to_url`);
      assert.deepEqual(of(0, "open").map((r) => r.protocol), ["chat"]);
      assert.deepEqual(of(1, "open").map((r) => r.protocol), [""]);
      assert.deepEqual(of(2, "open").map((r) => r.protocol), ["godot"]);
      // What Godot received: sizes and was_string_packet, in order, every echo sent OK.
      const msgs0 = of(0, "msg");
      assert.equal(msgs0.length, 18 + 300);
      assert.deepEqual(
        msgs0.slice(0, 18).map((r) => [r.size, r.string]),
        [0, 1, 125, 126, 127, 65535, 65536, 200_000, 1 << 20].flatMap((n) => [[n, true], [n, false]]),
      );
      assert.ok(msgs0.every((r) => r.err === 0));
      assert.deepEqual(of(0, "burst_sent").map((r) => r.errors), [0]);
      assert.deepEqual(of(1, "last_sent").map((r) => r.err), [0]);
      // Close codes and reasons as Godot saw them.
      assert.deepEqual(of(0, "closed").map((r) => [r.code, r.reason]), [[4002, "server bye ✓"]]);
      // Godot's close, answered by ours with its status code and reason, as wslay (under a native
      // Godot), ws and python-websockets answer; Chromium reports the reason of the answer.
      assert.deepEqual(of(1, "closed").map((r) => [r.code, r.reason]), [[4011, "bye from godot ✓"]]);
      assert.deepEqual(of(2, "closed").map((r) => [r.code, r.reason]), [[1000, ""]]);
    } finally {
      await server.stop();
      tcp.stop();
    }
  });
});
