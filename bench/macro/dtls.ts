// DTLS macro-benchmarks.
// usage: dtls.ts handshakes COUNT                       -> in-memory handshakes per second (sans-IO cores, P-256 ECDSA, X25519, AES-128-GCM)
//        dtls.ts enet plain|dtls SIZE COUNT [window]    -> ENet reliable loopback throughput, with or without DTLS
// DTLS_BENCH_SUITE=0xc02b (a suite id of src/dtls/cipher-suites.ts) makes the server pick that suite
// (default: our preference, ChaCha20-Poly1305); PACKETPEER_PURE_JS_CRYPTO=1 keeps records on noble.
import { ENetConnection, PacketFlags } from "../../src/index.ts";
import { CryptoKey } from "../../src/crypto/crypto-key.ts";
import { TLSOptions } from "../../src/crypto/tls-options.ts";
import { overrideSuitePreference } from "../../src/dtls/cipher-suites.ts";
import { X509Certificate } from "../../src/crypto/x509-certificate.ts";
import { windowTurn } from "../lib/enet-window.ts";
import { recordHandshake, TEST_CERT_PEM, TEST_KEY_PEM } from "../../spec-tests/dtls/fuzz-engine.ts";
import { macrotask } from "../lib/macrotask.ts";
import { bothConnected } from "../lib/enet-connect.ts";

const [what, ...rest] = process.argv.slice(2);

if (what === "handshakes") {
  const count = Number(rest[0] ?? 200);
  recordHandshake(0, TEST_CERT_PEM, TEST_KEY_PEM, [0xc02b]); // warm-up
  const start = performance.now();
  for (let i = 1; i <= count; i++) recordHandshake(i, TEST_CERT_PEM, TEST_KEY_PEM, [0xc02b]);
  const seconds = (performance.now() - start) / 1000;
  console.log(JSON.stringify({ handshakes: count, seconds, handshakesPerSecond: count / seconds }));
} else {
  const [kind, sizeArg, countArg, windowArg] = rest;
  const useDtls = kind === "dtls";
  const size = Number(sizeArg);
  const count = Number(countArg);
  const window = Number(windowArg ?? 512);
  const payload = new Uint8Array(size);
  for (let i = 0; i < size; i++) payload[i] = (i * 31 + 7) & 0xff;
  const cert = new X509Certificate();
  cert.loadFromString(TEST_CERT_PEM);
  const key = new CryptoKey();
  key.loadFromString(TEST_KEY_PEM);

  const server = new ENetConnection();
  await server.createHostBound("127.0.0.1", 0, { maxPeers: 4, maxChannels: 2 });
  const client = new ENetConnection();
  await client.createHost({ maxPeers: 1, maxChannels: 2 });
  if (useDtls) {
    // DTLS_BENCH_SUITE=0xc02b measures one suite: both hosts offer only it (an internal lever, not package API).
    const suite = process.env.DTLS_BENCH_SUITE;
    if (suite) overrideSuitePreference([Number(suite)]);
    await server.dtlsServerSetup(TLSOptions.server(key, cert));
    await client.dtlsClientSetup("localhost", TLSOptions.client(cert));
  }
  const peer = await client.connectToHost("127.0.0.1", server.getLocalPort(), { channels: 2 });
  await bothConnected(server, client, 10000);
  const counts = { sent: 0, received: 0 };
  const start = performance.now();
  for (;;) {
    windowTurn(counts, peer, client, server, payload, PacketFlags.RELIABLE, count, window);
    if (counts.received >= count) break;
    if (performance.now() - start > 120_000) throw new Error(`timed out at ${counts.received}/${count}`);
    await macrotask();
  }
  const received = counts.received;
  const seconds = (performance.now() - start) / 1000;
  const suite = client.getDtlsTransport()?.getCipherSuite(peer.getRemoteAddress(), peer.getRemotePort()) || undefined;
  console.log(JSON.stringify({ received, seconds, packetsPerSecond: received / seconds, megabytesPerSecond: (received * size) / seconds / 1e6, suite }));
  client.destroy();
  server.destroy();
}
