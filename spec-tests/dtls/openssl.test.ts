// Live: our DTLS 1.2 (DtlsDatagramTransport over the runtime's UDP socket) against
// `openssl s_server -dtls1_2` and `openssl s_client -dtls1_2`, once per cipher suite
// delivered; application data both ways; certificate verification passing and refusing.
import { after, describe, test } from "node:test";
import assert from "node:assert/strict";
import { detectRuntime } from "../../src/transport/registry.ts";
import { DtlsDatagramTransport } from "../../src/dtls/dtls-datagram-transport.ts";
import { DtlsStatus } from "../../src/dtls/session.ts";
import { TLSOptions } from "../../src/crypto/tls-options.ts";
import { Crypto } from "../../src/index.ts";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { dec, enc, freeUdpPort, makeIdentity, opensslAvailable, Proc, until } from "./support.ts";

const available = opensslAvailable();
const skip = available === true ? false : available.skip;
if (skip) console.log(`dtls openssl: skipped: ${skip}`);

const SUITES = [
  { ours: "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256", openssl: "ECDHE-ECDSA-AES128-GCM-SHA256" },
  { ours: "TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384", openssl: "ECDHE-ECDSA-AES256-GCM-SHA384" },
  { ours: "TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256", openssl: "ECDHE-ECDSA-CHACHA20-POLY1305" },
];

const procs: Proc[] = [];
const transports: DtlsDatagramTransport[] = [];
function proc(cmd: string, args: string[]): Proc {
  const p = new Proc(cmd, args, 15000);
  procs.push(p);
  return p;
}

async function ourClient(port: number, options: TLSOptions, hostname = "localhost"): Promise<{ t: DtlsDatagramTransport; got: string[] }> {
  const rt = detectRuntime();
  const inner = rt.createDatagramTransport();
  await inner.bind("127.0.0.1", 0);
  const t = DtlsDatagramTransport.client(inner, rt.clock, hostname, options, { session: { retransmitMinMs: 200 } });
  transports.push(t);
  const got: string[] = [];
  t.onDatagram((d) => got.push(dec(d)));
  return { t, got };
}

/** openssl s_client (verifying `caPath` and the name localhost) -> our server: ping, pong, one HelloVerifyRequest. */
async function sClientToOurServer(options: TLSOptions, caPath: string, cipher: string): Promise<DtlsDatagramTransport> {
  const rt = detectRuntime();
  const inner = rt.createDatagramTransport();
  const { port } = await inner.bind("127.0.0.1", 0);
  const t = DtlsDatagramTransport.server(inner, rt.clock, options);
  transports.push(t);
  const got: string[] = [];
  t.onDatagram((d, address, p) => {
    got.push(dec(d));
    t.send(enc("pong\n"), address, p);
  });
  const client = proc("openssl", ["s_client", "-dtls1_2", "-connect", `127.0.0.1:${port}`, "-cipher", cipher, "-CAfile", caPath, "-verify_hostname", "localhost", "-verify_return_error", "-quiet"]);
  client.write("ping\n");
  await until(() => got.join("").includes("ping"), "data from s_client");
  await client.waitOutput("pong");
  assert.match(client.out, /verify return:1/);
  // The first ClientHello came back as a HelloVerifyRequest: no state before the cookie.
  assert.equal(t.counters.helloVerifyRequestsSent, 1);
  client.stop();
  t.close();
  return t;
}

describe("live: DTLS 1.2 vs openssl 3", { skip }, () => {
  const id = skip ? undefined : makeIdentity("localhost");
  const other = skip ? undefined : makeIdentity("localhost");
  after(() => {
    for (const p of procs) p.stop();
    for (const t of transports) t.close();
  });

  for (const suite of SUITES) {
    test(`our client -> openssl s_server, ${suite.openssl}`, async () => {
      const port = await freeUdpPort();
      const server = proc("openssl", ["s_server", "-dtls1_2", "-accept", String(port), "-cert", id!.certPath, "-key", id!.keyPath, "-cipher", suite.openssl, "-quiet"]);
      await server.waitOutput(/ACCEPT|^$/m, 3000).catch(() => undefined);
      const { t, got } = await ourClient(port, TLSOptions.client(id!.cert));
      // The first datagram starts the handshake and is delivered once it completes.
      t.send(enc("hello openssl\n"), "127.0.0.1", port);
      await until(() => t.getSessionStatus("127.0.0.1", port) === DtlsStatus.STATUS_CONNECTED, "handshake with s_server");
      assert.equal(t.getCipherSuite("127.0.0.1", port), suite.ours);
      await server.waitOutput("hello openssl");
      server.write("reply from openssl\n");
      await until(() => got.join("").includes("reply from openssl"), "data from s_server");
      server.stop();
    });

    test(`openssl s_client -> our server, ${suite.openssl}`, async () => {
      await sClientToOurServer(TLSOptions.server(id!.key, id!.cert), id!.certPath, suite.openssl);
    });
  }

  test("ECDHE-RSA (AES-128-GCM, AES-256-GCM, ChaCha20-Poly1305) as a client, against s_server with an RSA certificate", async () => {
    const rsa = makeIdentity("localhost", "rsa:2048");
    for (const cipher of ["ECDHE-RSA-AES128-GCM-SHA256", "ECDHE-RSA-AES256-GCM-SHA384", "ECDHE-RSA-CHACHA20-POLY1305"]) {
      const port = await freeUdpPort();
      const server = proc("openssl", ["s_server", "-dtls1_2", "-accept", String(port), "-cert", rsa.certPath, "-key", rsa.keyPath, "-cipher", cipher, "-quiet"]);
      const { t } = await ourClient(port, TLSOptions.client(rsa.cert));
      t.send(enc(`rsa ${cipher}\n`), "127.0.0.1", port);
      await server.waitOutput(`rsa ${cipher}`);
      assert.match(t.getCipherSuite("127.0.0.1", port), /^TLS_ECDHE_RSA_WITH_/);
      server.stop();
    }
  });

  test("ECDHE-RSA as a server: openssl s_client -> our server with openssl's RSA key (PKCS#8), every RSA suite", async () => {
    const rsa = makeIdentity("localhost", "rsa:2048");
    for (const cipher of ["ECDHE-RSA-AES128-GCM-SHA256", "ECDHE-RSA-AES256-GCM-SHA384", "ECDHE-RSA-CHACHA20-POLY1305"]) {
      const t = await sClientToOurServer(TLSOptions.server(rsa.key, rsa.cert), rsa.certPath, cipher);
      assert.equal(t.counters.handshakesFailed, 0);
    }
  });

  test("ECDHE-RSA as a server with a key from Crypto.generateRsa (PKCS#1) and its generateSelfSignedCertificate", async () => {
    const crypto = new Crypto();
    const key = crypto.generateRsa(2048);
    assert.match(key.saveToString(), /^-----BEGIN RSA PRIVATE KEY-----/);
    const cert = crypto.generateSelfSignedCertificate(key, "CN=localhost,O=packetpeer,C=IT");
    const certPath = join(makeIdentity("localhost").dir, "generated-rsa.pem");
    writeFileSync(certPath, cert.saveToString());
    await sClientToOurServer(TLSOptions.server(key, cert), certPath, "ECDHE-RSA-AES128-GCM-SHA256");
  });

  test("an openssl s_client killed and started again from the same local port gets a new session from our server (RFC 6347 4.2.8)", async () => {
    const rt = detectRuntime();
    const inner = rt.createDatagramTransport();
    const { port } = await inner.bind("127.0.0.1", 0);
    const t = DtlsDatagramTransport.server(inner, rt.clock, TLSOptions.server(id!.key, id!.cert));
    transports.push(t);
    const got: string[] = [];
    t.onDatagram((d, address, p) => {
      got.push(dec(d));
      t.send(enc(`pong ${dec(d).trim()}\n`), address, p);
    });
    const local = await freeUdpPort();
    for (const round of ["first", "second"]) {
      const client = proc("openssl", ["s_client", "-dtls1_2", "-connect", `127.0.0.1:${port}`, "-bind", `127.0.0.1:${local}`, "-CAfile", id!.certPath, "-verify_hostname", "localhost", "-verify_return_error", "-quiet"]);
      client.write(`${round}\n`);
      await until(() => got.join("").includes(round), `data from the ${round} s_client`);
      await client.waitOutput(`pong ${round}`);
      // Killed: no close_notify reaches us, so the first session is still connected when the second client says hello.
      client.stop();
      await until(() => client.exited, `the ${round} s_client to exit`);
    }
    assert.equal(t.counters.sessionsReplaced, 1);
    assert.equal(t.sessionCount, 1);
    t.close();
  });

  test("X25519 and P-384 key exchange against s_server", async () => {
    for (const group of ["X25519", "P-384"]) {
      const port = await freeUdpPort();
      const server = proc("openssl", ["s_server", "-dtls1_2", "-accept", String(port), "-cert", id!.certPath, "-key", id!.keyPath, "-groups", group, "-quiet"]);
      const { t } = await ourClient(port, TLSOptions.client(id!.cert));
      t.send(enc(`over ${group}\n`), "127.0.0.1", port);
      await server.waitOutput(`over ${group}`);
      server.stop();
    }
  });

  test("our client refuses a server whose certificate it does not trust, and a wrong host name", async () => {
    const port = await freeUdpPort();
    const server = proc("openssl", ["s_server", "-dtls1_2", "-accept", String(port), "-cert", id!.certPath, "-key", id!.keyPath, "-quiet"]);
    const untrusted = await ourClient(port, TLSOptions.client(other!.cert));
    const ended: string[] = [];
    untrusted.t.onSessionEnded = (_a, _p, _code, message) => ended.push(message);
    untrusted.t.send(enc("x"), "127.0.0.1", port);
    await until(() => ended.length > 0, "verification failure");
    assert.match(ended[0]!, /not signed by a trusted certificate/);
    await server.waitOutput(/alert|error/i);
    server.stop();

    const port2 = await freeUdpPort();
    const server2 = proc("openssl", ["s_server", "-dtls1_2", "-accept", String(port2), "-cert", id!.certPath, "-key", id!.keyPath, "-quiet"]);
    const wrongName = await ourClient(port2, TLSOptions.client(id!.cert), "example.org");
    const ended2: string[] = [];
    wrongName.t.onSessionEnded = (_a, _p, _code, message) => ended2.push(message);
    wrongName.t.send(enc("x"), "127.0.0.1", port2);
    await until(() => ended2.length > 0, "host name failure");
    assert.match(ended2[0]!, /does not name "example.org"/);
    server2.stop();
    // clientUnsafe accepts the untrusted certificate.
    const port3 = await freeUdpPort();
    const server3 = proc("openssl", ["s_server", "-dtls1_2", "-accept", String(port3), "-cert", id!.certPath, "-key", id!.keyPath, "-quiet"]);
    const unsafe = await ourClient(port3, TLSOptions.clientUnsafe());
    unsafe.t.send(enc("unsafe ok\n"), "127.0.0.1", port3);
    await server3.waitOutput("unsafe ok");
    server3.stop();
  });

  test("openssl s_client refuses our server when it does not trust our certificate", async () => {
    const rt = detectRuntime();
    const inner = rt.createDatagramTransport();
    const { port } = await inner.bind("127.0.0.1", 0);
    const t = DtlsDatagramTransport.server(inner, rt.clock, TLSOptions.server(id!.key, id!.cert));
    transports.push(t);
    const client = proc("openssl", ["s_client", "-dtls1_2", "-connect", `127.0.0.1:${port}`, "-CAfile", other!.certPath, "-verify_return_error"]);
    client.write("ping\n");
    await client.waitOutput(/verify error|certificate verify failed/);
    await until(() => t.counters.handshakesFailed === 1 || t.sessionCount === 0, "our server sees the alert");
    client.stop();
    t.close();
  });
});
