// Live: StreamPeerTLS against Godot 3.2.3's StreamPeerSSL (mbedTLS), both directions, with
// certificate verification passing and refusing (spec-tests/tls/godot3/tls_node.gd).
import { after, describe, test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { StreamPeerTCP } from "../../src/tcp/tcp.ts";
import { TCPServer } from "../../src/tcp/server.ts";
import { StreamPeerTLS, StreamPeerTLSStatus } from "../../src/tls/stream-peer-tls.ts";
import { TLSOptions } from "../../src/crypto/tls-options.ts";
import { dec, enc, freeTcpPort, makeIdentity, Proc, sleep, until } from "../dtls/support.ts";

const projectDir = join(fileURLToPath(import.meta.url), "..", "godot3");
const probe = spawnSync("godot3-server", ["--version"], { encoding: "utf8" });
const skip = probe.error ? "godot3-server is not installed" : false;
if (skip) console.log(`tls godot3: skipped: ${skip}`);

describe("live: StreamPeerTLS vs Godot 3.2.3 StreamPeerSSL", { skip }, () => {
  const id = skip ? undefined : makeIdentity("localhost");
  const other = skip ? undefined : makeIdentity("localhost");
  const procs: Proc[] = [];
  const closers: (() => void)[] = [];
  after(() => {
    for (const p of procs) p.stop();
    for (const c of closers) c();
  });
  function godot(args: Record<string, string | number>): Proc {
    const p = new Proc("godot3-server", ["--path", projectDir, "-s", "tls_node.gd", "--", ...Object.entries(args).map(([k, v]) => `${k}=${v}`)], 20000, projectDir);
    procs.push(p);
    return p;
  }

  test("Godot client (verifying) -> our acceptStream; Godot server -> our connectToStream (verifying)", async () => {
    const srv = new TCPServer();
    await srv.listen(0, "127.0.0.1");
    closers.push(() => srv.stop());
    const g = godot({ role: "client", port: srv.getLocalPort(), verify: 1, host: "localhost", trust: id!.certPath });
    await until(() => srv.isConnectionAvailable(), "Godot's TCP connection", 15000);
    const tls = new StreamPeerTLS();
    tls.acceptStream(srv.takeConnection()!, TLSOptions.server(id!.key, id!.cert));
    assert.equal(dec(await tls.getData(17)), "hello from godot\n");
    tls.putData(enc("bye from packetpeer"));
    await g.waitOutput('"why":"bye"', 10000);
    assert.match(g.out, /"ev":"connected"/);

    const port = await freeTcpPort();
    const gs = godot({ role: "server", port, key: id!.keyPath, cert: id!.certPath });
    await gs.waitOutput('"ev":"ready","err":0', 15000);
    const tcp = new StreamPeerTCP();
    closers.push(() => tcp.disconnectFromHost());
    await tcp.connectToHost("127.0.0.1", port);
    const client = new StreamPeerTLS();
    client.connectToStream(tcp, "localhost", TLSOptions.client(id!.cert));
    assert.equal(dec(await client.getData(17)), "hello from godot\n");
    assert.equal(client.getStatus(), StreamPeerTLSStatus.STATUS_CONNECTED);
    client.putData(enc("ping"));
    assert.equal(dec(await client.getData(9)), "echo:ping");
    client.putData(enc("bye"));
    await gs.waitOutput('"why":"bye"', 10000);
  });

  test("Godot client (verifying) -> our acceptStream with an RSA key (openssl's, PKCS#8)", async () => {
    const rsa = makeIdentity("localhost", "rsa:2048");
    const srv = new TCPServer();
    await srv.listen(0, "127.0.0.1");
    closers.push(() => srv.stop());
    const g = godot({ role: "client", port: srv.getLocalPort(), verify: 1, host: "localhost", trust: rsa.certPath });
    await until(() => srv.isConnectionAvailable(), "Godot's TCP connection", 15000);
    const tls = new StreamPeerTLS();
    tls.acceptStream(srv.takeConnection()!, TLSOptions.server(rsa.key, rsa.cert));
    assert.equal(dec(await tls.getData(17)), "hello from godot\n");
    tls.putData(enc("bye from packetpeer"));
    await g.waitOutput('"why":"bye"', 10000);
    assert.match(g.out, /"ev":"connected"/);
  });

  test("Godot refuses our certificate when it trusts another; we refuse Godot's the same way", async () => {
    const srv = new TCPServer();
    await srv.listen(0, "127.0.0.1");
    closers.push(() => srv.stop());
    const g = godot({ role: "client", port: srv.getLocalPort(), verify: 1, host: "localhost", trust: other!.certPath });
    await until(() => srv.isConnectionAvailable(), "Godot's TCP connection", 15000);
    const tls = new StreamPeerTLS();
    tls.acceptStream(srv.takeConnection()!, TLSOptions.server(id!.key, id!.cert));
    const end = Date.now() + 10000;
    while (!/"ev":"status"/.test(g.out) && Date.now() < end) {
      tls.poll();
      await sleep(10);
    }
    assert.match(g.out, /"ev":"status","status":[34]/);
    assert.notEqual(tls.getStatus(), StreamPeerTLSStatus.STATUS_CONNECTED);

    const port = await freeTcpPort();
    const gs = godot({ role: "server", port, key: id!.keyPath, cert: id!.certPath });
    await gs.waitOutput('"ev":"ready","err":0', 15000);
    const tcp = new StreamPeerTCP();
    closers.push(() => tcp.disconnectFromHost());
    await tcp.connectToHost("127.0.0.1", port);
    const client = new StreamPeerTLS();
    client.connectToStream(tcp, "localhost", TLSOptions.client(other!.cert));
    await until(() => {
      client.poll();
      return client.getStatus() !== StreamPeerTLSStatus.STATUS_HANDSHAKING;
    }, "our refusal", 10000);
    assert.equal(client.getStatus(), StreamPeerTLSStatus.STATUS_ERROR);
    assert.match(client.getErrorMessage(), /not signed by a trusted certificate/);
  });
});
