// undici's WebSocket (the client behind Node 22+'s global WebSocket) against our WebSocketServer:
// 0..4 MiB text and binary echoed intact, the subprotocol, permessage-deflate when our server
// enables it (undici inflates what it receives), and close codes and reasons both ways. Node only (undici is Node's).
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { WebSocketState } from "../../src/websocket/connection-core.ts";
import { startEchoServer } from "./echo-server.ts";
import { binaryPayload, pollUntil, sameBytes } from "./support.ts";

const g = globalThis as { Deno?: unknown; Bun?: unknown };
const skip = g.Deno || g.Bun ? "undici is Node's WebSocket client" : false;
const SIZES = [0, 1, 125, 126, 65535, 65536, 1 << 20, 4 << 20];
const BIG = 8 << 20;

describe("undici's WebSocket client -> our WebSocketServer", { skip }, () => {
  for (const deflate of [false, true]) {
    test(`sizes 0..4 MiB text and binary, subprotocol, close both ways${deflate ? ", permessage-deflate" : ""}`, async () => {
      const { WebSocket } = await import("undici");
      const echo = await startEchoServer({ inboundBufferSize: BIG, outboundBufferSize: BIG, supportedProtocols: ["chat"], perMessageDeflate: deflate });
      try {
        const ws = new WebSocket(`ws://127.0.0.1:${echo.port}/room`, ["other", "chat"]);
        ws.binaryType = "arraybuffer";
        const inbox: (string | ArrayBuffer)[] = [];
        let wake: (() => void) | null = null;
        ws.onmessage = (e) => {
          inbox.push(e.data as string | ArrayBuffer);
          wake?.();
        };
        const next = (): Promise<string | ArrayBuffer> =>
          inbox.length > 0 ? Promise.resolve(inbox.shift()!) : new Promise((resolve, reject) => {
            const timer = setTimeout(() => reject(new Error("no echo within 10 s")), 10_000);
            wake = () => {
              clearTimeout(timer);
              wake = null;
              resolve(inbox.shift()!);
            };
          });
        await new Promise<void>((resolve, reject) => {
          ws.onopen = () => resolve();
          ws.onerror = () => reject(new Error("undici could not connect"));
        });
        assert.equal(ws.protocol, "chat");
        assert.equal(ws.extensions.startsWith("permessage-deflate"), deflate, `extensions: "${ws.extensions}"`);
        for (const size of SIZES) {
          const bytes = binaryPayload(size, size);
          ws.send(bytes);
          const back = await next();
          assert.ok(back instanceof ArrayBuffer && sameBytes(new Uint8Array(back), bytes), `${size} B binary`);
          const text = "é€😀x".repeat(Math.ceil(size / 10)).slice(0, size);
          ws.send(text);
          assert.equal(await next(), text, `${size} B text`);
        }
        assert.equal(echo.peers.length, 1);
        // undici 7 inflates what it receives and sends plain: our compressed echoes went through it.
        if (deflate) assert.ok(echo.peers[0]!.getStats().messagesCompressed > 0, "we sent compressed messages");
        // The server closes (the echo server's "cmd:close": 4002 "server bye").
        const closed = new Promise<{ code: number; reason: string }>((resolve) => (ws.onclose = (e) => resolve({ code: e.code, reason: e.reason })));
        ws.send("cmd:close");
        assert.deepEqual(await closed, { code: 4002, reason: "server bye" });
        // And a client close reaches our side with its code and reason.
        const ws2 = new WebSocket(`ws://127.0.0.1:${echo.port}/`);
        await new Promise<void>((resolve) => (ws2.onopen = () => resolve()));
        ws2.close(4123, "undici bye");
        await pollUntil([], () => echo.peers[1]?.getReadyState() === WebSocketState.STATE_CLOSED, 5000, "our side sees the close");
        const peer = echo.peers[1]!;
        assert.equal(peer.getCloseCode(), 4123);
        assert.equal(peer.getCloseReason(), "undici bye");
      } finally {
        await echo.stop();
      }
    });
  }
});
