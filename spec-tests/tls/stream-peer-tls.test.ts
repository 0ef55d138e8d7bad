// Live: StreamPeerTLS over StreamPeerTCP against `openssl s_server -tls1_2` / `openssl s_client -tls1_2`,
// each ECDSA suite, data both ways, verification passing and refusing.
import { after, describe, test } from "node:test";
import assert from "node:assert/strict";
import { StreamPeerTCP } from "../../src/tcp/tcp.ts";
import { TCPServer } from "../../src/tcp/server.ts";
import { StreamPeerTLS, StreamPeerTLSStatus } from "../../src/tls/stream-peer-tls.ts";
import { TLSOptions } from "../../src/crypto/tls-options.ts";
import { GodotError } from "../../src/errors.ts";
import { dec, enc, freeTcpPort, makeIdentity, opensslAvailable, Proc, sleep, until } from "../dtls/support.ts";

const available = opensslAvailable();
const skip = available === true ? false : available.skip;

const SUITES = ["ECDHE-ECDSA-AES128-GCM-SHA256", "ECDHE-ECDSA-AES256-GCM-SHA384", "ECDHE-ECDSA-CHACHA20-POLY1305"];

describe("live: StreamPeerTLS vs openssl 3 (TLS 1.2)", { skip }, () => {
  const id = skip ? undefined : makeIdentity("localhost");
  const other = skip ? undefined : makeIdentity("localhost");
  const procs: Proc[] = [];
  const closers: (() => void)[] = [];
  after(() => {
    for (const p of procs) p.stop();
    for (const c of closers) c();
  });

  /**
   * Connect once openssl listens (it gives no sign on stdout with -quiet, so retry). Its start-up
   * can take seconds on a loaded machine (a clean-clone CI run once saw more than 2 s), hence the
   * 15 s bound.
   */
  async function connectTcp(port: number, server: Proc): Promise<StreamPeerTCP> {
    const deadline = Date.now() + 15_000;
    for (;;) {
      const tcp = new StreamPeerTCP();
      closers.push(() => tcp.disconnectFromHost());
      try {
        await tcp.connectToHost("127.0.0.1", port);
        return tcp;
      } catch (e) {
        tcp.disconnectFromHost();
        if (server.exited) throw new Error(`openssl s_server exited before listening on ${port}:\n${server.out}`);
        if (Date.now() > deadline) throw e;
        await sleep(20);
      }
    }
  }

  for (const cipher of SUITES) {
    test(`StreamPeerTLS client -> openssl s_server, ${cipher}`, async () => {
      const port = await freeTcpPort();
      const server = new Proc("openssl", ["s_server", "-tls1_2", "-accept", String(port), "-cert", id!.certPath, "-key", id!.keyPath, "-cipher", cipher, "-quiet"]);
      procs.push(server);
      const tcp = await connectTcp(port, server);
      const tls = new StreamPeerTLS();
      assert.equal(tls.connectToStream(tcp, "localhost", TLSOptions.client(id!.cert)), GodotError.OK);
      await until(() => {
        tls.poll();
        return tls.getStatus() !== StreamPeerTLSStatus.STATUS_HANDSHAKING;
      }, "TLS handshake");
      assert.equal(tls.getStatus(), StreamPeerTLSStatus.STATUS_CONNECTED, tls.getErrorMessage());
      assert.equal(tls.getStream(), tcp);
      assert.equal(tls.putData(enc("hello s_server\n")), GodotError.OK);
      await server.waitOutput("hello s_server");
      server.write("reply over tls\n");
      const got = await tls.getData(15);
      assert.equal(dec(got), "reply over tls\n");
      tls.disconnectFromStream();
      server.stop();
    });
  }

  for (const keyType of ["P-256", "rsa:2048"]) {
    test(`openssl s_client -> StreamPeerTLS.acceptStream on a TCPServer connection, data both ways (${keyType} server key)`, async () => {
      const identity = keyType === "P-256" ? id! : makeIdentity("localhost", keyType);
      const srv = new TCPServer();
      await srv.listen(0, "127.0.0.1");
      closers.push(() => srv.stop());
      const client = new Proc("openssl", ["s_client", "-tls1_2", "-connect", `127.0.0.1:${srv.getLocalPort()}`, "-CAfile", identity.certPath, "-verify_hostname", "localhost", "-verify_return_error", "-quiet"]);
      procs.push(client);
      client.write("ping over tls\n");
      await until(() => srv.isConnectionAvailable(), "incoming TCP connection");
      const tcp = srv.takeConnection()!;
      const tls = new StreamPeerTLS();
      assert.equal(tls.acceptStream(tcp, TLSOptions.server(identity.key, identity.cert)), GodotError.OK);
      const got = await tls.getData(14);
      assert.equal(dec(got), "ping over tls\n");
      tls.putData(enc("pong over tls\n"));
      await client.waitOutput("pong over tls");
      assert.match(client.out, /verify return:1/);
      client.stop();
    });
  }

  test("an untrusted server certificate ends in STATUS_ERROR; a wrong name in STATUS_ERROR_HOSTNAME_MISMATCH", async () => {
    for (const [trust, name, expected] of [
      [other!, "localhost", StreamPeerTLSStatus.STATUS_ERROR],
      [id!, "example.org", StreamPeerTLSStatus.STATUS_ERROR_HOSTNAME_MISMATCH],
    ] as const) {
      const port = await freeTcpPort();
      const server = new Proc("openssl", ["s_server", "-tls1_2", "-accept", String(port), "-cert", id!.certPath, "-key", id!.keyPath, "-quiet"]);
      procs.push(server);
      const tcp = await connectTcp(port, server);
      const tls = new StreamPeerTLS();
      tls.connectToStream(tcp, name, TLSOptions.client(trust.cert));
      await until(() => {
        tls.poll();
        return tls.getStatus() !== StreamPeerTLSStatus.STATUS_HANDSHAKING;
      }, "TLS failure");
      assert.equal(tls.getStatus(), expected, tls.getErrorMessage());
      server.stop();
    }
  });
});
