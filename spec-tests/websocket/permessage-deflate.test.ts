// permessage-deflate (RFC 7692): the extension header grammar, negotiation on both sides, the
// per-message codec (checked against zlib), the frame rules for RSV1, hostile compressed input,
// and live interop with the ws package and python3-websockets 10.4, both directions.
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { constants as zlibConstants, deflateRawSync, inflateRawSync } from "node:zlib";
import { WebSocket as WsClient, WebSocketServer as WsServer } from "ws";
import { parseExtensionHeader } from "../../src/websocket/extension-header.ts";
import { acceptDeflateOffer, buildDeflateOffer, checkDeflateResponse, resolveDeflateOptions, type DeflateSettings, type PerMessageDeflateOptions } from "../../src/websocket/permessage-deflate.ts";
import { INFLATE_CORRUPT, INFLATE_TOO_LARGE, MessageDeflater, MessageInflater } from "../../src/websocket/message-compression.ts";
import { ConnectionRole, WebSocketConnectionCore, WebSocketState, type ConnectionEvent } from "../../src/websocket/connection-core.ts";
import { Opcode, RSV1_BIT, encodeFrameWithKey } from "../../src/websocket/frame.ts";
import { WebSocketPeer, WriteMode } from "../../src/websocket/peer.ts";
import { WebSocketMultiplayerPeer } from "../../src/multiplayer/websocket-multiplayer.ts";
import { startEchoServer } from "./echo-server.ts";
import { PYTHON, binaryPayload, connectPeer, nextPacket, pollUntil, sameBytes, spawnChild, utf8, waitExit } from "./support.ts";
import { within } from "../transport/support/bounded.ts";
import { SeededRandom } from "../../src/util/prng.ts";

const here = join(import.meta.dirname ?? new URL(".", import.meta.url).pathname, "peers");
const SYNC_TAIL = Buffer.from([0x00, 0x00, 0xff, 0xff]);

/** Seeded bytes that compress about as game state does: repeated field names, varying numbers. */
function gameState(n: number, seed: number): Uint8Array {
  let text = "";
  for (let i = 0; text.length < n; i++) text += `{"id":${(i * 7 + seed) % 97},"x":${(i * seed) % 1000}},`;
  return utf8(text).subarray(0, n);
}

/** A fixed-Huffman block: the literal "a", then a 3-byte match 2 bytes back, one byte before the output starts. */
function fixedBlockWithEarlyReference(): Uint8Array {
  const bits: number[] = [];
  const field = (value: number, n: number): void => {
    for (let i = 0; i < n; i++) bits.push((value >> i) & 1);
  };
  const huffman = (value: number, n: number): void => {
    for (let i = n - 1; i >= 0; i--) bits.push((value >> i) & 1);
  };
  field(1, 1); // BFINAL
  field(1, 2); // BTYPE: fixed codes
  huffman(0x30 + 0x61, 8); // literal "a"
  huffman(1, 7); // length code 257: 3 bytes
  huffman(1, 5); // distance code 1: 2 bytes back
  huffman(0, 7); // end of block
  const out = new Uint8Array(Math.ceil(bits.length / 8));
  bits.forEach((b, i) => (out[i >> 3]! |= b << (i & 7)));
  return out;
}

const settings = (o: Parameters<typeof resolveDeflateOptions>[0]): DeflateSettings => resolveDeflateOptions(o)!;

describe("Sec-WebSocket-Extensions grammar (RFC 6455 9.1)", () => {
  test("lists, parameters, quoted values and empty elements", () => {
    assert.deepEqual(parseExtensionHeader('permessage-deflate; client_max_window_bits, , Permessage-Deflate ;server_max_window_bits="10"; x'), [
      { name: "permessage-deflate", params: [["client_max_window_bits", true]] },
      { name: "permessage-deflate", params: [["server_max_window_bits", "10"], ["x", true]] },
    ]);
    assert.deepEqual(parseExtensionHeader(undefined), []);
    assert.deepEqual(parseExtensionHeader(""), []);
  });
  test("malformed lists are refused as a whole", () => {
    for (const bad of ["permessage-deflate;", "; a", "a b", 'a; b="1 0"', 'a; b="unterminated', "a; =1", "a; b=", "a, b c"]) {
      assert.equal(parseExtensionHeader(bad), null, bad);
    }
  });
});

describe("permessage-deflate negotiation (RFC 7692 7.1)", () => {
  const offers = (s: string) => parseExtensionHeader(s)!;
  test("the client's offer names client_max_window_bits, with a value only when set", () => {
    assert.equal(buildDeflateOffer(settings(true)), "permessage-deflate; client_max_window_bits");
    assert.equal(
      buildDeflateOffer(settings({ serverNoContextTakeover: true, clientNoContextTakeover: true, serverMaxWindowBits: 10, clientMaxWindowBits: 9 })),
      "permessage-deflate; server_no_context_takeover; client_no_context_takeover; server_max_window_bits=10; client_max_window_bits=9",
    );
  });
  test("the server declines bad offers and takes the first good one", () => {
    const s = settings(true);
    assert.equal(acceptDeflateOffer(offers("x-other, permessage-deflate; unknown_param"), s), null);
    for (const bad of ["server_max_window_bits=16", "server_max_window_bits=7", "server_max_window_bits", "client_max_window_bits=010", "server_no_context_takeover=1", "server_no_context_takeover; server_no_context_takeover"]) {
      assert.equal(acceptDeflateOffer(offers(`permessage-deflate; ${bad}`), s), null, bad);
    }
    const r = acceptDeflateOffer(offers("permessage-deflate; foo, permessage-deflate; server_max_window_bits=10; client_max_window_bits"), s)!;
    assert.equal(r.response, "permessage-deflate; server_max_window_bits=10");
    assert.deepEqual(r.agreement, { serverNoContextTakeover: false, clientNoContextTakeover: false, serverMaxWindowBits: 10, clientMaxWindowBits: 15 });
  });
  test("the server's own limits go into its response; the client's window only when the offer allows it", () => {
    const s = settings({ serverNoContextTakeover: true, clientNoContextTakeover: true, serverMaxWindowBits: 11, clientMaxWindowBits: 9 });
    const r = acceptDeflateOffer(offers("permessage-deflate; client_max_window_bits=12; server_max_window_bits=13"), s)!;
    assert.equal(r.response, "permessage-deflate; server_no_context_takeover; client_no_context_takeover; server_max_window_bits=11; client_max_window_bits=9");
    assert.deepEqual(r.agreement, { serverNoContextTakeover: true, clientNoContextTakeover: true, serverMaxWindowBits: 11, clientMaxWindowBits: 9 });
    const plain = acceptDeflateOffer(offers("permessage-deflate"), settings({ clientMaxWindowBits: 9 }))!;
    assert.equal(plain.response, "permessage-deflate");
    assert.equal(plain.agreement.clientMaxWindowBits, 15);
  });
  test("the client fails a response it did not offer or that breaks the rules", () => {
    const s = settings({ serverMaxWindowBits: 10 });
    const check = (h: string, o: DeflateSettings | null = s) => checkDeflateResponse(offers(h), o);
    assert.equal(check(""), null);
    assert.match(check("permessage-deflate", null) as string, /not offered/);
    assert.match(check("x-other") as string, /not offered/);
    assert.match(check("permessage-deflate, permessage-deflate") as string, /more than one/);
    assert.match(check("permessage-deflate; client_max_window_bits") as string, /8\.\.15/);
    assert.match(check("permessage-deflate; server_max_window_bits=12") as string, /above the 10 offered/);
    assert.match(check("permessage-deflate; mystery") as string, /unknown parameter/);
    assert.deepEqual(check("permessage-deflate; server_no_context_takeover; client_max_window_bits=9; server_max_window_bits=9"), {
      serverNoContextTakeover: true,
      clientNoContextTakeover: false,
      serverMaxWindowBits: 9,
      clientMaxWindowBits: 9,
    });
  });
  test("bad options are a TypeError naming the field", () => {
    assert.throws(() => resolveDeflateOptions({ serverMaxWindowBits: 16 }), /serverMaxWindowBits/);
    assert.throws(() => resolveDeflateOptions({ level: 0 }), /level/);
    assert.throws(() => resolveDeflateOptions({ clientNoContextTakeover: "yes" as unknown as boolean }), /clientNoContextTakeover/);
    const p = new WebSocketPeer();
    assert.throws(() => (p.perMessageDeflate = { threshold: -1 }), /threshold/);
    p.perMessageDeflate = { serverMaxWindowBits: 10 };
    assert.deepEqual(p.perMessageDeflate, { serverNoContextTakeover: false, clientNoContextTakeover: false, threshold: 1024, level: 6, serverMaxWindowBits: 10 });
    p.perMessageDeflate = false;
    assert.equal(p.perMessageDeflate, false);
    const mp = new WebSocketMultiplayerPeer();
    mp.perMessageDeflate = true;
    assert.equal((mp.perMessageDeflate as { level: number }).level, 6);
  });
});

describe("permessage-deflate codec (RFC 7692 7.2), checked against zlib", () => {
  const messages = Array.from({ length: 120 }, (_, i) => gameState(20 + ((i * 997) % 70_000), i % 5));

  test("context takeover: zlib inflates our stream message by message, and repeats cost a few bytes", () => {
    const deflater = new MessageDeflater(15, false, 6, 0);
    const payloads = messages.map((m) => deflater.compress(m)!);
    assert.ok(payloads.every((p) => p !== null));
    // One zlib stream over every payload with its 00 00 ff ff put back: what any receiver runs.
    const stream = Buffer.concat(payloads.flatMap((p) => [Buffer.from(p), SYNC_TAIL]));
    const inflated = inflateRawSync(stream, { finishFlush: zlibConstants.Z_SYNC_FLUSH });
    assert.ok(inflated.equals(Buffer.concat(messages)), "zlib reads our messages back");
    const recent = gameState(6000, 11);
    const first = deflater.compress(recent)!;
    const again = deflater.compress(recent)!;
    assert.ok(again.length < 100 && first.length > 1000, `a repeated ${recent.length} B message takes ${again.length} B, the first time ${first.length} B`);
    assert.ok(
      inflateRawSync(Buffer.concat([stream, first, SYNC_TAIL, again, SYNC_TAIL]), { finishFlush: zlibConstants.Z_SYNC_FLUSH }).equals(Buffer.concat([...messages, recent, recent])),
    );
    // Our inflater reads the same payloads.
    const inflater = new MessageInflater(15, false);
    payloads.forEach((p, i) => assert.ok(sameBytes(inflater.inflate(p, 1 << 20) as Uint8Array, messages[i]!), `message ${i}`));
    // After a message over 256 KiB the stream is replaced by one primed with the same window (to
    // give fflate's grown buffer back): the stream must read on as one.
    const after = [gameState(600_000, 3), gameState(3000, 4), gameState(300_000, 5), gameState(70, 6)];
    const more = after.map((m) => deflater.compress(m)!);
    const whole = Buffer.concat([stream, first, SYNC_TAIL, again, SYNC_TAIL, ...more.flatMap((p) => [Buffer.from(p), SYNC_TAIL])]);
    assert.ok(inflateRawSync(whole, { finishFlush: zlibConstants.Z_SYNC_FLUSH }).equals(Buffer.concat([...messages, recent, recent, ...after])));
  });

  test("text with U+0000 and other edge characters, random levels: zlib reads every message, kept context or not", () => {
    // Found by the WebSocket fuzzer: fflate's streaming compressor, started fresh, referred back
    // before the start of the stream in 6 of these 3,000 messages ("invalid distance too far back").
    const pieces = ["a", "Godot ", "κόσμε", "€", "🎮", "\u0000", "\uffff", "日本語", " ", "\u07ff", "\u{10ffff}"].map(utf8);
    const rng = new SeededRandom(9);
    const kept = new MessageDeflater(15, false, 6, 0);
    const keptSent: Uint8Array[] = [];
    const keptPayloads: Uint8Array[] = [];
    for (let t = 0; t < 3000; t++) {
      const parts: number[] = [];
      const n = rng.nextInt(2000);
      while (parts.length < n) parts.push(...pieces[rng.nextInt(pieces.length)]!);
      const m = Uint8Array.from(parts);
      const alone = new MessageDeflater(15, true, 1 + rng.nextInt(9), 0).compress(m);
      // Null: it would not have shrunk, so it goes plain.
      if (alone) assert.ok(inflateRawSync(Buffer.concat([alone, SYNC_TAIL]), { finishFlush: zlibConstants.Z_SYNC_FLUSH }).equals(m), `message ${t} alone`);
      else assert.ok(m.length < 100, `${m.length} B did not shrink`);
      const inContext = t < 200 ? kept.compress(m) : null;
      if (inContext) {
        keptSent.push(m);
        keptPayloads.push(inContext);
      }
    }
    const stream = Buffer.concat(keptPayloads.flatMap((p) => [Buffer.from(p), SYNC_TAIL]));
    assert.ok(inflateRawSync(stream, { finishFlush: zlibConstants.Z_SYNC_FLUSH }).equals(Buffer.concat(keptSent)), "one stream, past its first 32 KiB");
  });

  test("no context takeover: every message is a stream of its own, and the threshold and incompressible data stay plain", () => {
    const deflater = new MessageDeflater(15, true, 6, 1024);
    assert.equal(deflater.compress(new Uint8Array(1023)), null);
    const noise = new SeededRandom(3);
    assert.equal(deflater.compress(Uint8Array.from({ length: 5000 }, () => noise.nextInt(256))), null, "random bytes did not shrink");
    const m = gameState(5000, 1);
    const first = deflater.compress(m)!;
    assert.ok(sameBytes(deflater.compress(m)!, first), "the same message compresses the same way every time");
    assert.ok(inflateRawSync(Buffer.concat([first, SYNC_TAIL]), { finishFlush: zlibConstants.Z_SYNC_FLUSH }).equals(m));
  });

  test("a window below 15 bits: only messages that fit it are compressed, each on a fresh stream", () => {
    const deflater = new MessageDeflater(9, false, 6, 0);
    assert.equal(deflater.compress(gameState(513, 0)), null, "longer than the 512 B window: sent plain");
    const fits = gameState(512, 0);
    const p1 = deflater.compress(fits)!;
    assert.ok(sameBytes(deflater.compress(fits)!, p1), "no reference into the previous message");
    // zlib with a 512-byte window (windowBits 9) reads it.
    assert.ok(inflateRawSync(Buffer.concat([p1, SYNC_TAIL]), { windowBits: 9, finishFlush: zlibConstants.Z_SYNC_FLUSH }).equals(fits));
  });

  test("our inflater reads zlib's sync-flushed messages (levels 1..9, stored blocks included)", () => {
    for (let level = 0; level <= 9; level++) {
      const inflater = new MessageInflater(15, true);
      for (const m of messages.slice(0, 30)) {
        const z = deflateRawSync(m, { level, finishFlush: zlibConstants.Z_SYNC_FLUSH });
        assert.ok(z.subarray(-4).equals(SYNC_TAIL));
        assert.ok(sameBytes(inflater.inflate(z.subarray(0, -4), 1 << 20) as Uint8Array, m), `level ${level}, ${m.length} B`);
      }
    }
  });

  test("hostile payloads: a bomb stops at the limit, garbage is corrupt, a final block ends the message", () => {
    const bomb = deflateRawSync(new Uint8Array(64 << 20), { finishFlush: zlibConstants.Z_SYNC_FLUSH }).subarray(0, -4);
    const inflater = new MessageInflater(15, false);
    assert.equal(inflater.inflate(bomb, 1 << 20), INFLATE_TOO_LARGE);
    assert.equal(new MessageInflater(15, false).inflate(Uint8Array.of(0xff, 0xff, 0xff), 1 << 20), INFLATE_CORRUPT);
    // A reference before the start of the stream is corrupt too.
    assert.equal(new MessageInflater(15, false).inflate(fixedBlockWithEarlyReference(), 100), INFLATE_CORRUPT);
    // A sender that ends with BFINAL=1 (allowed by section 7.2.3.3): the appended tail is ignored.
    const final = deflateRawSync(utf8("the end"));
    assert.equal(new TextDecoder().decode(new MessageInflater(15, false).inflate(final, 100) as Uint8Array), "the end");
    // Fuzz: mutated real payloads never throw and never exceed the limit.
    const deflater = new MessageDeflater(15, false, 6, 0);
    let seed = 1;
    const rnd = () => (seed = (seed * 1103515245 + 12345) >>> 0) / 2 ** 32;
    const fuzzInflater = new MessageInflater(15, false);
    for (let i = 0; i < 3000; i++) {
      const p = Uint8Array.from(deflater.compress(messages[i % messages.length]!)!);
      assert.ok(p.length > 0);
      for (let k = 0; k < 3; k++) p[Math.floor(rnd() * p.length)] ^= 1 << Math.floor(rnd() * 8);
      const r = fuzzInflater.inflate(p, 100_000);
      assert.ok(typeof r === "number" ? r === INFLATE_CORRUPT || r === INFLATE_TOO_LARGE : r.length <= 100_000);
    }
  });
});

/** A client core and a server core wired back to back, driven by hand. */
function corePair(client: DeflateSettings | null, server: DeflateSettings | null) {
  const base = { maxMessageSize: 1 << 20, handshakeTimeoutMs: 0, closeTimeoutMs: 0, heartbeatIntervalMs: 0, protocols: [], extraHeaders: [] };
  const c = new WebSocketConnectionCore({ ...base, role: ConnectionRole.CLIENT, hostHeader: "h", resource: "/", deflate: client });
  const s = new WebSocketConnectionCore({ ...base, role: ConnectionRole.SERVER, deflate: server });
  const wire: Uint8Array[] = [];
  const pump = () => {
    for (let moved = true; moved; ) {
      moved = false;
      for (let t = c.pollTransmit(); t; t = c.pollTransmit(), moved = true) s.receive(0, t);
      for (let t = s.pollTransmit(); t; t = s.pollTransmit(), moved = true) {
        wire.push(t);
        c.receive(0, t);
      }
    }
  };
  const events = (core: WebSocketConnectionCore) => {
    const out: ConnectionEvent[] = [];
    for (let e = core.pollEvent(); e; e = core.pollEvent()) out.push(e);
    return out;
  };
  c.start(0);
  s.start(0);
  pump();
  return { c, s, pump, events, wire };
}

describe("permessage-deflate in the connection core", () => {
  test("agreed when both sides want it; RSV1 on compressed frames only; nothing agreed when one side is off", () => {
    const { c, s, pump, events, wire } = corePair(settings({ threshold: 10 }), settings({ threshold: 10 }));
    assert.equal(c.extensions, "permessage-deflate");
    assert.equal(s.extensions, "permessage-deflate");
    events(c);
    events(s);
    wire.length = 0;
    s.sendMessage(gameState(3000, 2), false);
    s.sendMessage(utf8("short"), true);
    pump();
    assert.equal(wire.length, 2);
    assert.equal(wire[0]![0]! & RSV1_BIT, RSV1_BIT, "the long message went compressed");
    assert.ok(wire[0]!.length < 1500, `${wire[0]!.length} B on the wire for 3000`);
    assert.equal(wire[1]![0]! & RSV1_BIT, 0, "below the threshold: plain");
    const got = events(c).filter((e) => e.kind === "message");
    assert.ok(sameBytes((got[0] as { data: Uint8Array }).data, gameState(3000, 2)));
    assert.equal(new TextDecoder().decode((got[1] as { data: Uint8Array }).data), "short");
    assert.equal(s.stats.messagesCompressed, 1);
    assert.equal(c.stats.messagesInflated, 1);
    for (const [a, b] of [[settings(true), null], [null, settings(true)]] as const) {
      const p = corePair(a, b);
      assert.equal(p.c.extensions, "");
      assert.equal(p.c.state, WebSocketState.STATE_OPEN, "the connection goes on uncompressed");
    }
  });

  const failsWith = (frame: Uint8Array, code: number, deflate = true): void => {
    const { c, s, events } = corePair(deflate ? settings(true) : null, deflate ? settings(true) : null);
    events(s);
    s.receive(0, frame);
    const close = events(s).find((e) => e.kind === "close") as { code: number } | undefined;
    assert.equal(close?.code, code);
    assert.ok(c);
  };
  const key = Uint8Array.of(1, 2, 3, 4);
  const compressed = (text: string) => deflateRawSync(utf8(text), { finishFlush: zlibConstants.Z_SYNC_FLUSH }).subarray(0, -4);

  test("RSV1 where it may not be is a protocol error (1002)", () => {
    failsWith(encodeFrameWithKey(Opcode.TEXT, compressed("x"), true, key, RSV1_BIT), 1002, false);
    failsWith(encodeFrameWithKey(Opcode.PING, new Uint8Array(0), true, key, RSV1_BIT), 1002);
    failsWith(encodeFrameWithKey(Opcode.BINARY, new Uint8Array(3), true, key, 0x20), 1002);
    const { s, events } = corePair(settings(true), settings(true));
    events(s);
    s.receive(0, encodeFrameWithKey(Opcode.TEXT, compressed("ab"), false, key, RSV1_BIT));
    s.receive(0, encodeFrameWithKey(Opcode.CONTINUATION, new Uint8Array(1), true, key, RSV1_BIT));
    assert.equal((events(s).find((e) => e.kind === "close") as { code: number }).code, 1002);
  });

  test("bad compressed data (1007), invalid UTF-8 once inflated (1007), a bomb (1009); a fragmented compressed message is fine", () => {
    failsWith(encodeFrameWithKey(Opcode.BINARY, Uint8Array.of(0xff, 0xfe), true, key, RSV1_BIT), 1007);
    const badText = deflateRawSync(Uint8Array.of(0x61, 0xc3, 0x28), { finishFlush: zlibConstants.Z_SYNC_FLUSH }).subarray(0, -4);
    failsWith(encodeFrameWithKey(Opcode.TEXT, badText, true, key, RSV1_BIT), 1007);
    const bomb = deflateRawSync(new Uint8Array(8 << 20), { finishFlush: zlibConstants.Z_SYNC_FLUSH }).subarray(0, -4);
    failsWith(encodeFrameWithKey(Opcode.BINARY, bomb, true, key, RSV1_BIT), 1009);
    const { s, events } = corePair(settings(true), settings(true));
    events(s);
    const whole = compressed("κόσμε fragmented across three frames");
    s.receive(0, encodeFrameWithKey(Opcode.TEXT, whole.subarray(0, 5), false, key, RSV1_BIT));
    s.receive(0, encodeFrameWithKey(Opcode.CONTINUATION, whole.subarray(5, 9), false, key));
    s.receive(0, encodeFrameWithKey(Opcode.CONTINUATION, whole.subarray(9), true, key));
    const m = events(s).find((e) => e.kind === "message") as { data: Uint8Array; isText: boolean };
    assert.equal(new TextDecoder().decode(m.data), "κόσμε fragmented across three frames");
    assert.equal(m.isText, true);
  });
});

const SIZES = [0, 1, 125, 126, 1000, 4096, 4097, 65535, 65536, 1024 * 1024];
const BIG = 4 * 1024 * 1024;

describe("permessage-deflate live with ws (npm)", () => {
  const configs: { name: string; ours: PerMessageDeflateOptions; ws: Record<string, unknown> }[] = [
    { name: "defaults, context takeover", ours: { threshold: 0 }, ws: { threshold: 0 } },
    { name: "no context takeover either way", ours: { threshold: 0, serverNoContextTakeover: true, clientNoContextTakeover: true }, ws: { threshold: 0, serverNoContextTakeover: true, clientNoContextTakeover: true } },
    { name: "windows limited to 10 / 9 bits", ours: { threshold: 0, serverMaxWindowBits: 10, clientMaxWindowBits: 9 }, ws: { threshold: 0, serverMaxWindowBits: 10, clientMaxWindowBits: 9 } },
  ];
  for (const cfg of configs) {
    test(`ws client -> our server (${cfg.name}): sizes to 1 MiB, text and binary, a fragmented message`, async () => {
      const echo = await startEchoServer({ inboundBufferSize: BIG, outboundBufferSize: BIG, perMessageDeflate: cfg.ours });
      const ws = new WsClient(`ws://127.0.0.1:${echo.port}/`, { maxPayload: BIG, perMessageDeflate: cfg.ws });
      try {
        const inbox: Buffer[] = [];
        ws.on("message", (d: Buffer) => inbox.push(d));
        await within(new Promise<void>((resolve, reject) => { ws.once("open", () => resolve()); ws.once("error", reject); }), 5000, "ws open");
        assert.match(ws.extensions, /^permessage-deflate/);
        const sent: Uint8Array[] = [];
        for (const n of SIZES) {
          for (const m of [gameState(n, n), binaryPayload(Math.min(n, 70_000), n)]) {
            ws.send(m);
            sent.push(m);
          }
        }
        ws.send("frag" + "x".repeat(3000), { fin: false });
        ws.send("ment" + "y".repeat(3000), { fin: true });
        sent.push(utf8("frag" + "x".repeat(3000) + "ment" + "y".repeat(3000)));
        const end = Date.now() + 10_000;
        while (inbox.length < sent.length && Date.now() < end) await new Promise((r) => setTimeout(r, 2));
        assert.equal(inbox.length, sent.length);
        sent.forEach((m, i) => assert.ok(sameBytes(new Uint8Array(inbox[i]!), m), `message ${i} (${m.length} B)`));
        const stats = echo.peers[0]!.getStats();
        assert.ok(stats.messagesInflated >= sent.length - 2, `ws compressed ${stats.messagesInflated} of ${sent.length}`);
        assert.ok(stats.messagesCompressed > 0);
        assert.match(echo.peers[0]!.getExtensions(), /^permessage-deflate/);
      } finally {
        ws.terminate();
        await echo.stop();
      }
    });

    test(`our client -> ws server (${cfg.name}): sizes to 1 MiB, text and binary, fragments from ws`, async () => {
      const wss = new WsServer({ host: "127.0.0.1", port: 0, maxPayload: BIG, perMessageDeflate: cfg.ws });
      await new Promise<void>((resolve) => wss.once("listening", () => resolve()));
      const port = (wss.address() as { port: number }).port;
      let serverExtensions = "";
      wss.on("connection", (sock) => {
        serverExtensions = sock.extensions;
        sock.on("message", (data: Buffer, isBinary: boolean) => {
          if (!isBinary && data.toString() === "cmd:frag") {
            sock.send("ws-" + "f".repeat(2000), { fin: false });
            sock.send("frag" + "g".repeat(2000), { fin: true });
          } else sock.send(data, { binary: isBinary });
        });
      });
      const client = await connectPeer(`ws://127.0.0.1:${port}/`, (p) => {
        p.inboundBufferSize = BIG;
        p.outboundBufferSize = BIG;
        p.perMessageDeflate = cfg.ours;
      });
      try {
        assert.match(client.getExtensions(), /^permessage-deflate/);
        assert.match(serverExtensions, /^permessage-deflate/);
        for (const n of SIZES) {
          const t = gameState(n, n);
          client.send(t, WriteMode.WRITE_MODE_TEXT);
          let r = await nextPacket(client);
          assert.equal(r.isString, true);
          assert.ok(sameBytes(r.data, t), `text ${n}`);
          const b = binaryPayload(Math.min(n, 70_000), n);
          client.send(b);
          r = await nextPacket(client);
          assert.ok(sameBytes(r.data, b), `binary ${b.length}`);
        }
        client.sendText("cmd:frag");
        assert.equal(new TextDecoder().decode((await nextPacket(client)).data), "ws-" + "f".repeat(2000) + "frag" + "g".repeat(2000));
        const stats = client.getStats();
        assert.ok(stats.messagesCompressed > 0 && stats.messagesInflated > 0, JSON.stringify(stats));
        client.close(1000, "bye");
        await pollUntil([client], () => client.getReadyState() === WebSocketState.STATE_CLOSED, 3000, "close");
      } finally {
        client.close(-1);
        for (const c of wss.clients) c.terminate();
        await new Promise<void>((resolve) => wss.close(() => resolve()));
      }
    });
  }
});

const missingPython = existsSync(PYTHON) ? undefined : `${PYTHON} not found`;

describe("permessage-deflate live with python3-websockets 10.4", { skip: missingPython }, () => {
  test("python client (its default deflate offer) -> our server", async () => {
    const echo = await startEchoServer({ inboundBufferSize: BIG, outboundBufferSize: BIG, perMessageDeflate: { threshold: 0 } });
    const py = spawnChild(PYTHON, [join(here, "py_deflate_client.py"), `ws://127.0.0.1:${echo.port}/`]);
    try {
      const code = await waitExit(py, 30_000);
      assert.equal(code, 0, `python client failed: ${py.stderr()}`);
      const out = py.lines.join("\n");
      assert.match(out, /^OK extensions permessage-deflate$/m);
      assert.match(out, /^OK echoed 30$/m);
      const stats = echo.peers[0]!.getStats();
      assert.ok(stats.messagesInflated >= 20 && stats.messagesCompressed >= 20, JSON.stringify(stats));
    } finally {
      py.kill();
      await echo.stop();
    }
  });

  test("our client -> python server (which limits both windows to 12 bits)", async () => {
    const py = spawnChild(PYTHON, [join(here, "py_server.py"), String(BIG)]);
    try {
      const port = Number((await py.waitLine(/^READY (\d+)$/, 10000))[1]);
      const client = await connectPeer(`ws://127.0.0.1:${port}/`, (p) => {
        p.inboundBufferSize = BIG;
        p.outboundBufferSize = BIG;
        p.perMessageDeflate = { threshold: 0 };
      });
      try {
        assert.equal(client.getExtensions(), "permessage-deflate; server_max_window_bits=12; client_max_window_bits=12");
        for (const n of SIZES) {
          const t = gameState(n, n + 1);
          client.send(t, WriteMode.WRITE_MODE_TEXT);
          assert.ok(sameBytes((await nextPacket(client)).data, t), `text ${n}`);
          const b = binaryPayload(Math.min(n, 70_000), n);
          client.send(b);
          assert.ok(sameBytes((await nextPacket(client)).data, b), `binary ${b.length}`);
        }
        client.sendText("cmd:frag");
        assert.equal(new TextDecoder().decode((await nextPacket(client)).data), "fragmented");
        assert.deepEqual([...(await nextPacket(client)).data], [1, 2, 3]);
        const stats = client.getStats();
        // Only messages within python's 4 KiB window for us go compressed (message-compression.ts).
        assert.ok(stats.messagesCompressed >= 4 && stats.messagesCompressed < stats.messagesSent, JSON.stringify(stats));
        assert.ok(stats.messagesInflated >= 10, JSON.stringify(stats));
        client.close(4003, "client bye");
        await pollUntil([client], () => client.getReadyState() === WebSocketState.STATE_CLOSED, 3000, "close");
        await py.waitLine(/^CLOSED 4003 client bye$/, 3000);
      } finally {
        client.close(-1);
      }
    } finally {
      py.kill();
    }
  });
});
