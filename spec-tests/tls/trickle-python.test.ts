// Live: Python's ssl (OpenSSL) as a TLS 1.2 client that sends every byte in a TCP segment of its own,
// the handshake and 300 one-record writes, against our StreamPeerTLS server, which echoes what it
// reads. Checks the stream framing (records and handshake messages arriving in pieces down to one
// byte) against a third-party stack, not only our own client.
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { TCPServer } from "../../src/tcp/server.ts";
import { StreamPeerTLS, StreamPeerTLSStatus } from "../../src/tls/stream-peer-tls.ts";
import { TLSOptions } from "../../src/crypto/tls-options.ts";
import { GodotError } from "../../src/errors.ts";
import { makeIdentity, opensslAvailable, sleep } from "../dtls/support.ts";
import { PYTHON, ROOT, spawnPeer } from "../tcp/spawn-peer.ts";

const available = opensslAvailable();
const skip = !existsSync(PYTHON) ? "python3 is not installed" : available === true ? false : available.skip;

describe("live: StreamPeerTLS server vs a Python (OpenSSL) client trickling one byte per TCP segment", { skip }, () => {
  test("the handshake completes and 300 records come back whole and in order", async () => {
    const id = makeIdentity("localhost");
    const srv = new TCPServer();
    await srv.listen(0, "127.0.0.1");
    const records = 300;
    const client = spawnPeer(PYTHON, [join(ROOT, "spec-tests", "tls", "python", "trickle_client.py"), String(srv.getLocalPort()), id.certPath, String(records)], 60_000);
    const tls = new StreamPeerTLS();
    let accepted = false;
    let echoed = 0;
    let done: { code: number | null; stdout: string; stderr: string } | undefined;
    void client.exited.then((r) => (done = r));
    try {
      const deadline = Date.now() + 60_000;
      while (done === undefined && Date.now() < deadline) {
        if (!accepted && srv.isConnectionAvailable()) {
          assert.equal(tls.acceptStream(srv.takeConnection()!, TLSOptions.server(id.key, id.cert)), GodotError.OK);
          accepted = true;
        }
        if (accepted) {
          tls.poll();
          const [err, data] = tls.getPartialData(tls.getAvailableBytes());
          if (err === GodotError.OK && data.length > 0) {
            assert.equal(tls.putData(data), GodotError.OK);
            echoed += data.length;
          }
        }
        await sleep(1);
      }
      assert.ok(done !== undefined, "the Python client did not finish within 60 s");
      assert.equal(done.code, 0, `python: ${done.stdout}${done.stderr}; ours: status ${tls.getStatus()} ${tls.getErrorMessage()}`);
      console.log(`python: ${done.stdout.trim()}`);
      const m = /echoed (\d+) bytes, (\d+) bytes trickled/.exec(done.stdout);
      assert.ok(m, done.stdout);
      assert.equal(Number(m[1]), echoed);
      assert.ok(Number(m[2]) > records * 20, `every record was trickled (${m[2]} bytes)`);
      // Python closes its socket without a close_notify: our side ends DISCONNECTED, not in an error.
      assert.ok([StreamPeerTLSStatus.STATUS_CONNECTED, StreamPeerTLSStatus.STATUS_DISCONNECTED].includes(tls.getStatus()), tls.getErrorMessage());
    } finally {
      client.kill();
      srv.stop();
    }
  });
});
