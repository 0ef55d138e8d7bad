// wss:// on each runtime's own TLS: our client and server with a certificate made at test time
// (openssl), TLSOptions (trusted CA, hostname check, unsafe), and python3-websockets over TLS both ways.
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { WebSocketPeer } from "../../src/websocket/peer.ts";
import { WebSocketState } from "../../src/websocket/connection-core.ts";
import { type EchoServer, startEchoServer } from "./echo-server.ts";
import { PYTHON, binaryPayload, connectPeer, fromUtf8, nextPacket, pollUntil, sameBytes, spawnChild, waitExit } from "./support.ts";
import { type TestCertificate, makeTestCertificate } from "../transport/support/tls-cert.ts";
import { localhostAddress } from "../support/localhost.ts";

const here = join(import.meta.dirname ?? new URL(".", import.meta.url).pathname, "peers");
const made = makeTestCertificate();
const skip = "unavailable" in made ? made.unavailable : undefined;
const cert = made as TestCertificate;

describe("wss:// (TLS)", { skip }, () => {
  let echo: EchoServer;
  let dir: string;
  before(async () => {
    // Clients below connect to wss://localhost, the name in the certificate.
    echo = await startEchoServer({ inboundBufferSize: 4 << 20, outboundBufferSize: 4 << 20, supportedProtocols: ["p2"] }, { cert: cert.cert, key: cert.key }, await localhostAddress());
    dir = mkdtempSync(join(tmpdir(), "packetpeer-wss-"));
    writeFileSync(join(dir, "ca.pem"), cert.ca);
    writeFileSync(join(dir, "cert.pem"), cert.cert);
    writeFileSync(join(dir, "key.pem"), cert.key);
  });
  after(async () => {
    await echo.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  test("our client trusts the test CA: text and 100 KiB binary over wss://localhost", async () => {
    const client = new WebSocketPeer();
    client.outboundBufferSize = 1 << 20;
    client.inboundBufferSize = 1 << 20;
    client.connectToUrl(`wss://localhost:${echo.port}/secure`, { ca: cert.ca });
    try {
      await pollUntil([client], () => client.getReadyState() !== WebSocketState.STATE_CONNECTING, 5000, "wss open");
      assert.equal(client.getReadyState(), WebSocketState.STATE_OPEN);
      client.sendText("over tls");
      assert.equal(fromUtf8((await nextPacket(client)).data), "over tls");
      const big = binaryPayload(100 * 1024, 3);
      client.send(big);
      assert.ok(sameBytes((await nextPacket(client)).data, big));
      client.close(1000, "tls done");
      await pollUntil([client], () => client.getReadyState() === WebSocketState.STATE_CLOSED, 3000, "close");
      assert.equal(client.getCloseCode(), 1000);
    } finally {
      client.close(-1);
    }
  });

  test("an untrusted certificate fails the connection; unsafe accepts it", async () => {
    const refused = new WebSocketPeer();
    refused.connectToUrl(`wss://localhost:${echo.port}/`);
    await pollUntil([refused], () => refused.getReadyState() === WebSocketState.STATE_CLOSED, 5000, "refusal");
    assert.equal(refused.getCloseCode(), -1);
    const unsafe = await connectPeer(`wss://localhost:${echo.port}/`, undefined, 5000).catch(() => null);
    assert.equal(unsafe, null, "connectPeer without TLS options must fail");
    const p = new WebSocketPeer();
    p.connectToUrl(`wss://localhost:${echo.port}/`, { unsafe: true });
    try {
      await pollUntil([p], () => p.getReadyState() !== WebSocketState.STATE_CONNECTING, 5000, "unsafe open");
      assert.equal(p.getReadyState(), WebSocketState.STATE_OPEN);
    } finally {
      p.close(-1);
    }
  });

  test("hostname check: a name not in the certificate fails unless verifyHostname is false", async () => {
    const wrong = new WebSocketPeer();
    wrong.connectToUrl(`wss://localhost:${echo.port}/`, { ca: cert.ca, serverName: "other.example" });
    await pollUntil([wrong], () => wrong.getReadyState() !== WebSocketState.STATE_CONNECTING, 5000, "hostname refusal");
    assert.equal(wrong.getReadyState(), WebSocketState.STATE_CLOSED);
    const relaxed = new WebSocketPeer();
    relaxed.connectToUrl(`wss://localhost:${echo.port}/`, { ca: cert.ca, serverName: "other.example", verifyHostname: false });
    try {
      await pollUntil([relaxed], () => relaxed.getReadyState() !== WebSocketState.STATE_CONNECTING, 5000, "relaxed open");
      assert.equal(relaxed.getReadyState(), WebSocketState.STATE_OPEN);
    } finally {
      relaxed.close(-1);
    }
  });

  test("python3-websockets client over TLS -> our wss server", { skip: existsSync(PYTHON) ? undefined : "no python" }, async () => {
    const py = spawnChild(PYTHON, [join(here, "py_client.py"), `wss://localhost:${echo.port}/py`, join(dir, "ca.pem")]);
    try {
      const code = await waitExit(py, 20000);
      assert.equal(code, 0, py.stderr());
      assert.match(py.lines.join("\n"), /^OK size 1048576$/m);
      assert.match(py.lines.join("\n"), /^OK server-close 4002 server bye$/m);
    } finally {
      py.kill();
    }
  });

  test("our client -> python3-websockets wss server", { skip: existsSync(PYTHON) ? undefined : "no python" }, async () => {
    const py = spawnChild(PYTHON, [join(here, "py_server.py"), String(4 << 20), join(dir, "cert.pem"), join(dir, "key.pem"), await localhostAddress()]);
    try {
      const port = Number((await py.waitLine(/^READY (\d+)$/, 10000))[1]);
      const client = new WebSocketPeer();
      client.connectToUrl(`wss://localhost:${port}/x`, { ca: cert.ca });
      try {
        await pollUntil([client], () => client.getReadyState() !== WebSocketState.STATE_CONNECTING, 5000, "wss open");
        assert.equal(client.getReadyState(), WebSocketState.STATE_OPEN);
        client.sendText("cmd:path");
        assert.equal(fromUtf8((await nextPacket(client)).data), "/x");
        client.close(4100, "tls bye");
        await pollUntil([client], () => client.getReadyState() === WebSocketState.STATE_CLOSED, 3000, "close");
        assert.equal(client.getCloseCode(), 4100);
      } finally {
        client.close(-1);
      }
    } finally {
      py.kill();
    }
  });
});
