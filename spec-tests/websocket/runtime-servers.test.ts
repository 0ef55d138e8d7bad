// Our WebSocketPeer client against the WebSocket servers built into Deno (Deno.upgradeWebSocket)
// and Bun (Bun.serve, with and without permessage-deflate): the servers a TypeScript matchmaker or
// lobby is often written with. Sizes 0..16 MiB text and binary echoed intact, the subprotocol
// chosen, and the server's close code and reason. (The other direction, their built-in clients
// against our server, is in ws-interop.test.ts.)
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { WebSocketState } from "../../src/websocket/connection-core.ts";
import { binaryPayload, connectPeer, fromUtf8, nextPacket, pollUntil, sameBytes, spawnChild } from "./support.ts";

const root = join(import.meta.dirname ?? new URL(".", import.meta.url).pathname, "..", "..");
const server = join(root, "spec-tests", "websocket", "peers", "native_server.mjs");
const SIZES = [0, 1, 125, 126, 65535, 65536, 1 << 20, 16 << 20];
const BIG = 64 << 20;

describe("our WebSocketPeer client -> Deno's and Bun's built-in WebSocket servers", () => {
  for (const [name, bin, args, extension] of [
    ["Deno", join(root, "node_modules", ".bin", "deno"), ["run", "-A", "--quiet", server], ""],
    ["Bun", join(root, "node_modules", ".bin", "bun"), [server], ""],
    ["Bun with permessage-deflate", join(root, "node_modules", ".bin", "bun"), [server, "deflate"], "permessage-deflate"],
  ] as const) {
    const skip = existsSync(bin) ? undefined : `${bin} not installed`;
    test(`${name}: sizes 0..16 MiB text and binary, subprotocol, the server's close`, { skip }, async () => {
      const child = spawnChild(bin, [...args], { env: { ...process.env, NO_COLOR: "1" } });
      try {
        const port = (await child.waitLine(/^READY (\d+)$/, 15_000))[1]!;
        const peer = await connectPeer(`ws://127.0.0.1:${port}/lobby?x=1`, (p) => {
          p.supportedProtocols = ["lobby", "other"];
          p.inboundBufferSize = BIG;
          p.outboundBufferSize = BIG;
          if (extension !== "") p.perMessageDeflate = true;
        });
        assert.equal(peer.getSelectedProtocol(), "lobby");
        assert.equal(peer.getExtensions().split(";")[0]!, extension);
        for (const size of SIZES) {
          const bytes = binaryPayload(size, size);
          assert.equal(peer.send(bytes), 0);
          const back = await nextPacket(peer, 15_000);
          assert.ok(!back.isString && sameBytes(back.data, bytes), `${size} B binary echoed`);
          const text = "é€😀".repeat(Math.ceil(size / 9)).slice(0, Math.max(0, size - 8));
          assert.equal(peer.sendText(text), 0);
          const t = await nextPacket(peer, 15_000);
          assert.ok(t.isString && fromUtf8(t.data) === text, `${size} B text echoed`);
        }
        assert.equal(peer.sendText("close-me"), 0);
        await pollUntil([peer], () => peer.getReadyState() === WebSocketState.STATE_CLOSED, 5000, "the server's close");
        assert.equal(peer.getCloseCode(), 4321);
        assert.match(peer.getCloseReason(), /^bye from (deno|bun)$/);
        await child.waitLine(/^CLOSED 4321/, 5000);
      } finally {
        child.kill();
        await child.exited;
      }
    });
  }
});
