// Hostile input against the DTLS core: a slice of the fuzz (npm run fuzz:dtls runs >= 1,000,000),
// bad MACs dropped silently, and a ClientHello flood that leaves no per-address state.
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { fuzz, fuzzStream, recordHandshake, recordStreamHandshake, TEST_CERT_PEM, TEST_KEY_PEM } from "./fuzz-engine.ts";
import { DtlsDatagramTransport } from "../../src/dtls/dtls-datagram-transport.ts";
import { DtlsStatus } from "../../src/dtls/session.ts";
import { TLSOptions } from "../../src/crypto/tls-options.ts";
import { CryptoKey } from "../../src/crypto/crypto-key.ts";
import { X509Certificate } from "../../src/crypto/x509-certificate.ts";
import type { BoundAddress, Clock, DatagramTransport } from "../../src/transport/types.ts";

/** A sink standing in for the UDP socket: records what is sent, lets the test inject datagrams. */
class SinkTransport implements DatagramTransport {
  sent = 0;
  receiver: ((d: Uint8Array, a: string, p: number) => void) | undefined;
  bind(): Promise<BoundAddress> {
    return Promise.resolve({ address: "127.0.0.1", port: 1 });
  }
  send(): void {
    this.sent++;
  }
  onDatagram(cb: (d: Uint8Array, a: string, p: number) => void): void {
    this.receiver = cb;
  }
  close(): void {}
}

const manualClock: Clock = { now: () => 0, setTimeout: () => 0, clearTimeout: () => {} };

describe("DTLS hostile input", () => {
  test("stream fuzz slice (TLS, StreamPeerTLS's core): 1,000 hostile writes in every state, cut into random pieces, never throw or fail inside", () => {
    for (const suites of [[0xc02b], [0xcca9]]) {
      const r = fuzzStream(recordStreamHandshake(77, suites), 500, 78);
      // A stream authenticates or hashes every byte, so most mutations end the session; some
      // (a cut at the end, bytes added after the last record) leave it waiting or connected.
      assert.ok(r.ended > 250 && r.ended < 500, `sessions ended by a mutation: ${r.ended} of 500`);
    }
  });

  test("fuzz slice: 20,000 mutated records never throw, never break the connected pair", () => {
    for (const suites of [[0xc02b], [0xcca9]]) {
      const trace = recordHandshake(1234, TEST_CERT_PEM, TEST_KEY_PEM, suites);
      const r = fuzz(trace, 10000, 99);
      assert.equal(r.connectedSurvived, true);
      assert.ok(r.badRecordMac > 100, `bad MACs counted (${r.badRecordMac})`);
    }
  });

  test("a record with a bad MAC is dropped silently and counted", () => {
    const trace = recordHandshake(5, TEST_CERT_PEM, TEST_KEY_PEM, [0xc02b]);
    const last = trace.datagrams.at(-2)!; // the client's application data record
    assert.equal(last.toServer, true);
    const bad = last.bytes.slice();
    bad[bad.length - 1]! ^= 1;
    trace.server.receive(0, bad);
    assert.equal(trace.server.pollApplicationData(), undefined);
    assert.equal(trace.server.pollTransmit(), undefined);
    assert.equal(trace.server.drops.badRecordMac, 1);
    assert.equal(trace.server.status, DtlsStatus.STATUS_CONNECTED);
    // The genuine record still arrives, once; a replay is dropped.
    trace.server.receive(0, last.bytes);
    assert.equal(new TextDecoder().decode(trace.server.pollApplicationData()!), "application data from the client");
    trace.server.receive(0, last.bytes);
    assert.equal(trace.server.pollApplicationData(), undefined);
    assert.equal(trace.server.drops.replayed, 1);
  });

  test("a flood of ClientHellos from 10,000 addresses costs no per-address state before the cookie", () => {
    const trace = recordHandshake(9, TEST_CERT_PEM, TEST_KEY_PEM);
    const hello = trace.datagrams[0]!.bytes;
    const cert = new X509Certificate();
    cert.loadFromString(TEST_CERT_PEM);
    const key = new CryptoKey();
    key.loadFromString(TEST_KEY_PEM);
    const sink = new SinkTransport();
    const t = DtlsDatagramTransport.server(sink, manualClock, TLSOptions.server(key, cert));
    for (let i = 0; i < 10000; i++) sink.receiver!(hello, `10.0.${i >> 8}.${i & 255}`, 1000 + i);
    assert.equal(t.sessionCount, 0);
    assert.equal(t.counters.helloVerifyRequestsSent, 10000);
    assert.equal(sink.sent, 10000);
    // Refusing new connections: not even a HelloVerifyRequest.
    t.refuseNewConnections = true;
    sink.receiver!(hello, "10.1.0.1", 1);
    assert.equal(sink.sent, 10000);
    assert.equal(t.counters.handshakesRefused, 1);
  });
});
