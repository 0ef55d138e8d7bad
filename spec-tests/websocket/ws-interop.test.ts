// Interop with the `ws` package (client and server) and with the built-in WebSocket clients of
// Deno and Bun (spawned as subprocesses) against our server.
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { WebSocket as WsClient, WebSocketServer as WsServer } from "ws";
import { WebSocketState } from "../../src/websocket/connection-core.ts";
import { WriteMode } from "../../src/websocket/peer.ts";
import { WebSocketServer } from "../../src/websocket/server.ts";
import { detectRuntime } from "../../src/transport/registry.ts";
import type { Stream } from "../../src/transport/types.ts";
import { startEchoServer } from "./echo-server.ts";
import { binaryPayload, asciiPayload, connectPeer, fromUtf8, nextPacket, pollUntil, sameBytes, spawnChild, waitExit } from "./support.ts";
import { within } from "../transport/support/bounded.ts";

const root = join(import.meta.dirname ?? new URL(".", import.meta.url).pathname, "..", "..");
const here = join(root, "spec-tests", "websocket", "peers");
const SIZES = [0, 125, 126, 65535, 65536, 1024 * 1024];
const BIG = 4 * 1024 * 1024;

describe("ws (npm)", () => {
  test("ws client -> our server: sizes, fragments, ping, close with code and reason", async () => {
    const echo = await startEchoServer({ inboundBufferSize: BIG, outboundBufferSize: BIG });
    const ws = new WsClient(`ws://127.0.0.1:${echo.port}/ws`, { maxPayload: BIG, perMessageDeflate: false });
    try {
      const inbox: { data: Buffer; isBinary: boolean }[] = [];
      ws.on("message", (data: Buffer, isBinary: boolean) => inbox.push({ data, isBinary }));
      await within(new Promise<void>((resolve, reject) => { ws.once("open", () => resolve()); ws.once("error", reject); }), 5000, "ws open");
      const next = async (): Promise<{ data: Buffer; isBinary: boolean }> => {
        const end = Date.now() + 5000;
        while (inbox.length === 0) {
          if (Date.now() > end) throw new Error("no echo from our server");
          await new Promise((r) => setTimeout(r, 1));
        }
        return inbox.shift()!;
      };
      for (const n of SIZES) {
        const t = asciiPayload(n, n);
        ws.send(Buffer.from(t).toString("latin1"));
        let r = await next();
        assert.equal(r.isBinary, false);
        assert.ok(sameBytes(new Uint8Array(r.data), t), `text ${n}`);
        const bin = binaryPayload(n, n);
        ws.send(bin);
        r = await next();
        assert.equal(r.isBinary, true);
        assert.ok(sameBytes(new Uint8Array(r.data), bin), `binary ${n}`);
      }
      ws.send("frag", { fin: false });
      ws.send("men", { fin: false });
      ws.send("ted", { fin: true });
      assert.equal((await next()).data.toString(), "fragmented");
      const pong = new Promise<Buffer>((resolve) => ws.once("pong", resolve));
      ws.ping("hey");
      assert.equal((await within(pong, 3000, "pong")).toString(), "hey");
      const closed = new Promise<[number, string]>((resolve) => ws.once("close", (code: number, reason: Buffer) => resolve([code, reason.toString()])));
      ws.close(4006, "ws bye");
      assert.deepEqual(await within(closed, 3000, "ws close"), [4006, "ws bye"]); // our echo carries the reason, as wslay's
      const peer = echo.peers[0];
      await pollUntil([peer], () => peer.getReadyState() === WebSocketState.STATE_CLOSED, 2000, "our side closed");
      assert.equal(peer.getCloseCode(), 4006);
      assert.equal(peer.getCloseReason(), "ws bye");
    } finally {
      ws.terminate();
      await echo.stop();
    }
  });

  test("our client -> ws server: sizes, fragments from ws, server close with code and reason", async () => {
    const wss = new WsServer({ host: "127.0.0.1", port: 0, maxPayload: BIG, perMessageDeflate: false, handleProtocols: (p: Set<string>) => (p.has("b") ? "b" : false) });
    await new Promise<void>((resolve) => wss.once("listening", () => resolve()));
    const port = (wss.address() as { port: number }).port;
    wss.on("connection", (sock, req) => {
      sock.on("message", (data: Buffer, isBinary: boolean) => {
        const s = data.toString();
        if (!isBinary && s === "cmd:frag") {
          sock.send("ws-", { fin: false });
          sock.send("frag", { fin: true });
        } else if (!isBinary && s === "cmd:url") sock.send(req.url ?? "");
        else if (!isBinary && s === "cmd:close") sock.close(4007, "ws server bye");
        else sock.send(data, { binary: isBinary });
      });
    });
    try {
      const client = await connectPeer(`ws://127.0.0.1:${port}/a/b?c=d`, (p) => {
        p.inboundBufferSize = BIG;
        p.outboundBufferSize = BIG;
        p.supportedProtocols = ["a", "b"];
      });
      try {
        assert.equal(client.getSelectedProtocol(), "b");
        client.sendText("cmd:url");
        assert.equal(fromUtf8((await nextPacket(client)).data), "/a/b?c=d");
        for (const n of SIZES) {
          const t = asciiPayload(n, n);
          client.send(t, WriteMode.WRITE_MODE_TEXT);
          let r = await nextPacket(client);
          assert.ok(r.isString && sameBytes(r.data, t), `text ${n}`);
          const bin = binaryPayload(n, n);
          client.send(bin);
          r = await nextPacket(client);
          assert.ok(!r.isString && sameBytes(r.data, bin), `binary ${n}`);
        }
        client.sendText("cmd:frag");
        assert.equal(fromUtf8((await nextPacket(client)).data), "ws-frag");
        client.sendText("cmd:close");
        await pollUntil([client], () => client.getReadyState() === WebSocketState.STATE_CLOSED, 3000, "ws server close");
        assert.equal(client.getCloseCode(), 4007);
        assert.equal(client.getCloseReason(), "ws server bye");
      } finally {
        client.close(-1);
      }
    } finally {
      for (const c of wss.clients) c.terminate();
      await new Promise<void>((resolve) => wss.close(() => resolve()));
    }
  });
});

describe("ws client during a handshake flood (real sockets)", () => {
  test("connections that never send their request fill every handshake place; a ws client still connects, the oldest idle one is evicted", async () => {
    // The idle connections must still be pending when the ws client comes: a handshake timeout
    // far past the test's own bounds (the default 3 s could run out on a loaded machine).
    const server = new WebSocketServer({ handshakeTimeout: 60 });
    server.maxPendingHandshakes = 8;
    await server.listen(0);
    const idle: Stream[] = [];
    const ws: WsClient[] = [];
    try {
      for (let i = 0; i < 8; i++) idle.push(await detectRuntime().streams.connect({ host: "127.0.0.1", port: server.getLocalPort() }));
      const end = Date.now() + 5000;
      while (server.getPendingCount() < 8) {
        if (Date.now() > end) throw new Error(`only ${server.getPendingCount()} idle connections pending`);
        await new Promise((r) => setTimeout(r, 5));
      }
      const client = new WsClient(`ws://127.0.0.1:${server.getLocalPort()}/`, { perMessageDeflate: false });
      ws.push(client);
      await within(new Promise<void>((resolve, reject) => { client.once("open", () => resolve()); client.once("error", reject); client.once("close", () => reject(new Error("closed before open"))); }), 5000, "ws open during the flood");
      assert.equal(server.evictedCount, 1);
      assert.ok(server.getPendingCount() <= 8);
    } finally {
      for (const c of ws) c.terminate();
      for (const st of idle) st.close();
      await server.stop();
    }
  });
});

describe("built-in WebSocket clients of Deno and Bun -> our server", () => {
  for (const [name, bin, args] of [
    ["Deno", join(root, "node_modules", ".bin", "deno"), ["run", "-A", "--quiet", join(here, "native_client.mjs")]],
    ["Bun", join(root, "node_modules", ".bin", "bun"), [join(here, "native_client.mjs")]],
  ] as const) {
    const skip = existsSync(bin) ? undefined : `${bin} not installed`;
    test(`${name} WebSocket: sizes 0..1 MiB text and binary, subprotocol, close 4005`, { skip }, async () => {
      const echo = await startEchoServer({ inboundBufferSize: BIG, outboundBufferSize: BIG, supportedProtocols: ["native"] });
      const child = spawnChild(bin, [...args, `ws://127.0.0.1:${echo.port}/native`], { env: { ...process.env, NO_COLOR: "1" } });
      try {
        const code = await waitExit(child, 20000);
        const out = child.lines.join("\n");
        assert.equal(code, 0, `${name} client failed: ${out}\n${child.stderr()}`);
        assert.match(out, /^OK open native$/m);
        for (const n of SIZES) assert.match(out, new RegExp(`^OK size ${n}$`, "m"));
        assert.match(out, /^OK closed 4005 true$/m);
        const peer = echo.peers[0];
        await pollUntil([peer], () => peer.getReadyState() === WebSocketState.STATE_CLOSED, 2000, "our side closed");
        assert.equal(peer.getCloseCode(), 4005);
        assert.equal(peer.getCloseReason(), "native bye");
      } finally {
        child.kill();
        await echo.stop();
      }
    });
  }
});
