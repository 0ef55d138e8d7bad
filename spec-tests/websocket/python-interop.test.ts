// Interop with python3-websockets 10.4 (a strict RFC 6455 implementation), both directions.
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { WebSocketState } from "../../src/websocket/connection-core.ts";
import { WriteMode } from "../../src/websocket/peer.ts";
import { startEchoServer } from "./echo-server.ts";
import { PYTHON, asciiPayload, binaryPayload, connectPeer, fromUtf8, nextPacket, pollUntil, sameBytes, spawnChild, utf8, waitExit } from "./support.ts";

const here = join(import.meta.dirname ?? new URL(".", import.meta.url).pathname, "peers");
const SIZES = [0, 125, 126, 65535, 65536, 1024 * 1024];
const BIG = 4 * 1024 * 1024;
const missing = existsSync(PYTHON) ? undefined : `${PYTHON} not found`;

describe("python3-websockets 10.4", { skip: missing }, () => {
  test("python client -> our server: sizes 0..1 MiB text and binary, fragments, ping, closes both ways", async () => {
    const echo = await startEchoServer({ inboundBufferSize: BIG, outboundBufferSize: BIG, supportedProtocols: ["p2"] });
    const py = spawnChild(PYTHON, [join(here, "py_client.py"), `ws://127.0.0.1:${echo.port}/py`]);
    try {
      const code = await waitExit(py, 20000);
      assert.equal(code, 0, `python client failed: ${py.stderr()}`);
      const out = py.lines.join("\n");
      for (const n of SIZES) assert.match(out, new RegExp(`^OK size ${n}$`, "m"));
      assert.match(out, /^OK subprotocol p2$/m);
      assert.match(out, /^OK fragmented$/m);
      assert.match(out, /^OK ping$/m);
      // We echo the close code and the reason, as wslay (Godot 4's native WebSocketPeer) does.
      assert.match(out, /^OK client-close 4001 done$/m);
      assert.match(out, /^OK server-close 4002 server bye$/m);
      const first = echo.peers[0];
      await pollUntil([first], () => first.getReadyState() === WebSocketState.STATE_CLOSED, 2000, "server peer closed");
      assert.equal(first.getCloseCode(), 4001);
      assert.equal(first.getCloseReason(), "done");
      // Python's ping reached us and was answered (python's side checks the pong).
      assert.ok(first.getStats().pingsReceived >= 1);
    } finally {
      py.kill();
      await echo.stop();
    }
  });

  test("our client -> python server: sizes 0..1 MiB text and binary, fragments, ping, closes both ways", async () => {
    const py = spawnChild(PYTHON, [join(here, "py_server.py"), String(BIG)]);
    try {
      const port = Number((await py.waitLine(/^READY (\d+)$/, 10000))[1]);
      const url = `ws://127.0.0.1:${port}/some/path?q=1`;
      const client = await connectPeer(url, (p) => {
        p.inboundBufferSize = BIG;
        p.outboundBufferSize = BIG;
        p.supportedProtocols = ["p1"];
        // Generous: under CI load python, busy echoing a MiB, can take a while to answer a ping, and
        // a ping still unanswered when the next is due closes the connection. One per second (the
        // pong is waited for below, long enough for the first ping to go out).
        p.heartbeatInterval = 1;
      });
      try {
        assert.equal(client.getSelectedProtocol(), "p1");
        client.sendText("cmd:path");
        assert.equal(fromUtf8((await nextPacket(client)).data), "/some/path?q=1");
        for (const n of SIZES) {
          const t = asciiPayload(n, n);
          client.send(t, WriteMode.WRITE_MODE_TEXT);
          let r = await nextPacket(client);
          assert.equal(r.isString, true);
          assert.ok(sameBytes(r.data, t), `text ${n}`);
          const b = binaryPayload(n, n);
          client.send(b);
          r = await nextPacket(client);
          assert.equal(r.isString, false);
          assert.ok(sameBytes(r.data, b), `binary ${n}`);
        }
        client.sendText("cmd:frag");
        let r = await nextPacket(client);
        assert.deepEqual([fromUtf8(r.data), r.isString], ["fragmented", true]);
        r = await nextPacket(client);
        assert.deepEqual([[...r.data], r.isString], [[1, 2, 3], false]);
        client.sendText("cmd:ping");
        assert.equal(fromUtf8((await nextPacket(client)).data), "pong-ok");
        assert.ok(client.getStats().pingsReceived >= 1);
        await pollUntil([client], () => client.getStats().pongsReceived >= 1, 5000, "a heartbeat pong from python");
        client.close(4003, "client bye");
        await pollUntil([client], () => client.getReadyState() === WebSocketState.STATE_CLOSED, 3000, "close");
        assert.equal(client.getCloseCode(), 4003);
        await py.waitLine(/^CLOSED 4003 client bye$/, 3000);
      } finally {
        client.close(-1);
      }
      const second = await connectPeer(`ws://127.0.0.1:${port}/`);
      try {
        second.send(utf8("cmd:close:4004:server bye"), WriteMode.WRITE_MODE_TEXT);
        await pollUntil([second], () => second.getReadyState() === WebSocketState.STATE_CLOSED, 3000, "server close");
        assert.equal(second.getCloseCode(), 4004);
        assert.equal(second.getCloseReason(), "server bye");
      } finally {
        second.close(-1);
      }
    } finally {
      py.kill();
    }
  });
});
