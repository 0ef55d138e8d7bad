// Interop with Godot 3.2.3 (godot3-server): its WebSocketClient against our server, and our
// client against its WebSocketServer, exchanging text and binary and closing with codes.
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import * as net from "node:net";
import { join } from "node:path";
import { WebSocketState } from "../../src/websocket/connection-core.ts";
import { startEchoServer } from "./echo-server.ts";
import { connectPeer, fromUtf8, nextPacket, pollUntil, sameBytes, spawnChild, utf8, waitExit } from "./support.ts";

const projectDir = join(import.meta.dirname ?? new URL(".", import.meta.url).pathname, "..", "godot", "websocket");

function godotSkip(): string | undefined {
  const r = spawnSync("godot3-server", ["--version"], { encoding: "utf8", timeout: 10000 });
  // `--version` prints the version but exits with 255 on 3.2.3, so only the output is checked.
  if (r.error) return `godot3-server is not installed (${r.error.message})`;
  return /^3\./m.test(r.stdout) ? undefined : `godot3-server did not report a 3.x version: ${r.stdout.trim()} ${r.stderr.trim()}`;
}

/** A TCP port that was free a moment ago (Godot 3's WebSocketServer cannot report the port it bound). */
function freeTcpPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once("error", reject);
    s.listen(0, "127.0.0.1", () => {
      const port = (s.address() as net.AddressInfo).port;
      s.close(() => resolve(port));
    });
  });
}

const skip = godotSkip();

describe("Godot 3.2.3", { skip }, () => {
  test("Godot's WebSocketClient -> our server: text, binary, server close 4002", async () => {
    const echo = await startEchoServer({ supportedProtocols: ["godot"] });
    const godot = spawnChild("godot3-server", ["--path", projectDir, "-s", "ws_client.gd", "--", `url=ws://127.0.0.1:${echo.port}/`], { cwd: projectDir });
    try {
      await waitExit(godot, 20000);
      const out = godot.lines.join("\n");
      assert.doesNotMatch(out, /^FAIL/m, out);
      assert.match(out, /^OK connected godot$/m, out);
      assert.match(out, /^OK text echo$/m);
      assert.match(out, /^OK binary echo$/m);
      assert.match(out, /^OK close request 4002 server bye$/m);
      assert.match(out, /^OK closed True$/m);
      const peer = echo.peers[0];
      await pollUntil([peer], () => peer.getReadyState() === WebSocketState.STATE_CLOSED, 3000, "our side closed");
      assert.equal(peer.getCloseCode(), 4002);
    } finally {
      godot.kill();
      await echo.stop();
    }
  });

  test("our client -> Godot's WebSocketServer: text, binary, client close 4011, server close 4010", async () => {
    const port = await freeTcpPort();
    const godot = spawnChild("godot3-server", ["--path", projectDir, "-s", "ws_server.gd", "--", `port=${port}`], { cwd: projectDir });
    try {
      const ready = await godot.waitLine(/^READY (\d+)$/, 15000);
      assert.equal(ready[1], "0", "Godot's listen() returned an error");
      const client = await connectPeer(`ws://127.0.0.1:${port}/`, (p) => (p.supportedProtocols = ["godot"]));
      try {
        assert.equal(client.getSelectedProtocol(), "godot");
        client.sendText("héllo godot");
        let r = await nextPacket(client);
        assert.deepEqual([fromUtf8(r.data), r.isString], ["héllo godot", true]);
        const bin = new Uint8Array(3000).map((_, i) => (i * 13) & 0xff);
        client.send(bin);
        r = await nextPacket(client);
        assert.ok(!r.isString && sameBytes(r.data, bin));
        client.close(4011, "bye godot");
        await pollUntil([client], () => client.getReadyState() === WebSocketState.STATE_CLOSED, 3000, "close");
        assert.equal(client.getCloseCode(), 4011);
        await godot.waitLine(/^CLOSE_REQUEST 4011 bye godot$/, 3000);
        await godot.waitLine(/^DISCONNECTED True$/, 3000);
      } finally {
        client.close(-1);
      }
      const second = await connectPeer(`ws://127.0.0.1:${port}/`, (p) => (p.supportedProtocols = ["godot"]));
      try {
        second.send(utf8("cmd:close"), 0);
        await pollUntil([second], () => second.getReadyState() === WebSocketState.STATE_CLOSED, 3000, "Godot's close");
        assert.equal(second.getCloseCode(), 4010);
        assert.equal(second.getCloseReason(), "godot bye");
      } finally {
        second.close(-1);
      }
    } finally {
      godot.kill();
    }
  });
});
