// Live: our DTLS 1.2 against Godot 3.2.3's mbedTLS DTLS (PacketPeerDTLS client, DTLSServer
// server; spec-tests/dtls/godot3/dtls_node.gd), both directions, certificate verification
// passing and refusing on both sides, a Godot client connecting while stalled handshakes fill our
// server's handshake slots, handshakes both ways over a path that drops datagrams over 508 bytes, and
// our client giving up mid-handshake and starting again from its port. (Debian's godot3-server links the system libenet, which
// compiles NetworkedMultiplayerENet's DTLS out — GODOT_ENET is undefined — so Godot's ENet
// DTLS cannot run here; PacketPeerDTLS/DTLSServer are the same mbedTLS DTLS stack it wraps.)
import { after, describe, test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { detectRuntime } from "../../src/transport/registry.ts";
import type { DatagramTransport } from "../../src/transport/types.ts";
import { DtlsDatagramTransport } from "../../src/dtls/dtls-datagram-transport.ts";
import { DtlsSession, DtlsStatus } from "../../src/dtls/session.ts";
import { clientConfig } from "../../src/dtls/tls-config.ts";
import { TLSOptions } from "../../src/crypto/tls-options.ts";
import { CryptoKey } from "../../src/crypto/crypto-key.ts";
import { X509Certificate } from "../../src/crypto/x509-certificate.ts";
import { readFileSync } from "node:fs";
import { dec, enc, freeUdpPort, makeIdentity, Proc, recordTypes, until } from "./support.ts";

const projectDir = join(fileURLToPath(import.meta.url), "..", "godot3");
const probe = spawnSync("godot3-server", ["--version"], { encoding: "utf8" });
const skip = probe.error ? "godot3-server is not installed" : false;
if (skip) console.log(`dtls godot3: skipped: ${skip}`);

const procs: Proc[] = [];
const transports: (DtlsDatagramTransport | DatagramTransport)[] = [];

/**
 * An attacker's socket: it passes the cookie exchange (it receives at its address), takes the
 * server's flight and never answers, holding a handshake slot until the handshake times out.
 */
async function stallingClient(serverPort: number): Promise<number> {
  const rt = detectRuntime();
  const socket = rt.createDatagramTransport();
  transports.push(socket);
  const { port } = await socket.bind("127.0.0.1", 0);
  const session = DtlsSession.client(clientConfig(TLSOptions.clientUnsafe(), "localhost"), rt.clock.now());
  let answered = 0;
  const transmit = (): void => {
    for (let d = session.pollTransmit(); d; d = session.pollTransmit()) socket.send(d, "127.0.0.1", serverPort);
  };
  socket.onDatagram((d) => {
    // The HelloVerifyRequest gets its ClientHello with the cookie; nothing after it is answered.
    if (answered++ > 0) return;
    session.receive(rt.clock.now(), d);
    transmit();
  });
  transmit();
  return port;
}

function godot(args: Record<string, string | number>): Proc {
  const p = new Proc("godot3-server", ["--path", projectDir, "-s", "dtls_node.gd", "--", ...Object.entries(args).map(([k, v]) => `${k}=${v}`)], 20000, projectDir);
  procs.push(p);
  return p;
}

/** A Godot PacketPeerDTLS client, verifying the name localhost against `trustPath`, greets our server and gets an answer. */
async function godotClientToOurServer(options: TLSOptions, trustPath: string): Promise<{ t: DtlsDatagramTransport; godotPort: number }> {
  const rt = detectRuntime();
  const inner = rt.createDatagramTransport();
  const { port } = await inner.bind("127.0.0.1", 0);
  const t = DtlsDatagramTransport.server(inner, rt.clock, options);
  transports.push(t);
  const got: string[] = [];
  let godotPort = 0;
  t.onDatagram((d, address, p) => {
    const text = dec(d);
    got.push(text);
    godotPort = p;
    if (text === "hello from godot") t.send(enc("hello from packetpeer"), address, p);
  });
  const g = godot({ role: "client", port, verify: 1, host: "localhost", trust: trustPath });
  await g.waitOutput('"ev":"connected"', 15000);
  await until(() => got.includes("hello from godot"), "Godot's greeting");
  await g.waitOutput('"text":"hello from packetpeer"');
  assert.equal(t.counters.helloVerifyRequestsSent, 1);
  g.stop();
  return { t, godotPort };
}

/** Handshake records (content type 22) of an epoch-0 datagram: each one's message length and fragment length. */
function handshakeFragments(d: Uint8Array): { length: number; fragmentLength: number }[] {
  const out: { length: number; fragmentLength: number }[] = [];
  for (let at = 0; at + 25 <= d.length; at += 13 + ((d[at + 11]! << 8) | d[at + 12]!)) {
    if (d[at] !== 22 || d[at + 3] !== 0 || d[at + 4] !== 0) continue;
    out.push({ length: (d[at + 14]! << 16) | (d[at + 15]! << 8) | d[at + 16]!, fragmentLength: (d[at + 22]! << 16) | (d[at + 23]! << 8) | d[at + 24]! });
  }
  return out;
}

/**
 * A path that silently drops every datagram over 508 bytes (a PMTU black hole): a flight sent whole at
 * the usual MTU never arrives, so the handshake completes only if the sender cuts its datagrams.
 * Keeps what it passed.
 */
function blackHoleAbove508(): { drop(d: Uint8Array): boolean; dropped: number; passed: Uint8Array[] } {
  const state = {
    dropped: 0,
    passed: [] as Uint8Array[],
    drop(d: Uint8Array): boolean {
      if (d.length > 508) {
        state.dropped++;
        return true;
      }
      state.passed.push(d.slice());
      return false;
    },
  };
  return state;
}

describe("live: DTLS 1.2 vs Godot 3.2.3 (mbedTLS) PacketPeerDTLS / DTLSServer", { skip }, () => {
  const id = skip ? undefined : makeIdentity("localhost");
  const other = skip ? undefined : makeIdentity("localhost");
  after(() => {
    for (const p of procs) p.stop();
    for (const t of transports) t.close();
  });

  test("Godot client (verifying our certificate) -> our server", async () => {
    await godotClientToOurServer(TLSOptions.server(id!.key, id!.cert), id!.certPath);
  });

  test("an RSA key and certificate made by Godot (Crypto.generate_rsa, generate_self_signed_certificate) serve a verifying Godot client", async () => {
    const dir = makeIdentity("localhost").dir;
    const keyPath = join(dir, "godot-rsa.key");
    const certPath = join(dir, "godot-rsa.crt");
    const keygen = godot({ role: "keygen", key: keyPath, cert: certPath });
    await keygen.waitOutput('"ev":"generated","err":0', 15000);
    const key = new CryptoKey();
    key.loadFromString(readFileSync(keyPath, "utf8"));
    const cert = new X509Certificate();
    cert.loadFromString(readFileSync(certPath, "utf8"));
    assert.equal(key.publicKey?.kind, "rsa");
    const { t, godotPort } = await godotClientToOurServer(TLSOptions.server(key, cert), certPath);
    assert.match(t.getCipherSuite("127.0.0.1", godotPort), /^TLS_ECDHE_RSA_WITH_/);
  });

  test("our client (verifying Godot's certificate) -> Godot server, data both ways", async () => {
    const port = await freeUdpPort();
    const g = godot({ role: "server", port, key: id!.keyPath, cert: id!.certPath });
    await g.waitOutput('"ev":"ready","err":0', 15000);
    const rt = detectRuntime();
    const inner = rt.createDatagramTransport();
    await inner.bind("127.0.0.1", 0);
    const t = DtlsDatagramTransport.client(inner, rt.clock, "localhost", TLSOptions.client(id!.cert), { session: { retransmitMinMs: 200 } });
    transports.push(t);
    const got: string[] = [];
    t.onDatagram((d) => got.push(dec(d)));
    t.send(enc("hi godot"), "127.0.0.1", port);
    await until(() => t.getSessionStatus("127.0.0.1", port) === DtlsStatus.STATUS_CONNECTED, "handshake with Godot", 10000);
    await until(() => got.includes("hello from godot") && got.includes("echo:hi godot"), "Godot's greeting and echo");
    t.send(enc("bye"), "127.0.0.1", port);
    await g.waitOutput('"why":"bye"');
    assert.ok(t.getCipherSuite("127.0.0.1", port).startsWith("TLS_ECDHE_ECDSA_WITH_"));
  });

  test("Godot refuses our server's certificate when it trusts another; our client refuses Godot's the same way", async () => {
    const rt = detectRuntime();
    const inner = rt.createDatagramTransport();
    const { port } = await inner.bind("127.0.0.1", 0);
    const t = DtlsDatagramTransport.server(inner, rt.clock, TLSOptions.server(id!.key, id!.cert));
    transports.push(t);
    const g = godot({ role: "client", port, verify: 1, host: "localhost", trust: other!.certPath });
    await g.waitOutput(/"ev":"status","status":[34]/, 15000);
    assert.doesNotMatch(g.out, /"ev":"connected"/);
    g.stop();

    const port2 = await freeUdpPort();
    const gs = godot({ role: "server", port: port2, key: id!.keyPath, cert: id!.certPath });
    await gs.waitOutput('"ev":"ready","err":0', 15000);
    const inner2 = rt.createDatagramTransport();
    await inner2.bind("127.0.0.1", 0);
    const c = DtlsDatagramTransport.client(inner2, rt.clock, "localhost", TLSOptions.client(other!.cert), { session: { retransmitMinMs: 200 } });
    transports.push(c);
    const ended: string[] = [];
    c.onSessionEnded = (_a, _p, _code, message) => ended.push(message);
    c.send(enc("x"), "127.0.0.1", port2);
    await until(() => ended.length > 0, "our verification failure", 10000);
    assert.match(ended[0]!, /not signed by a trusted certificate/);
    gs.stop();
  });

  test("Godot client connects while an attacker's sockets stall in every handshake slot of our server", async () => {
    const rt = detectRuntime();
    const inner = rt.createDatagramTransport();
    const { port } = await inner.bind("127.0.0.1", 0);
    const t = DtlsDatagramTransport.server(inner, rt.clock, TLSOptions.server(id!.key, id!.cert), { maxHandshaking: 4 });
    transports.push(t);
    const got: string[] = [];
    t.onDatagram((d, address, p) => {
      got.push(dec(d));
      t.send(enc("hello from packetpeer"), address, p);
    });
    const attackers: number[] = [];
    for (let i = 0; i < 4; i++) attackers.push(await stallingClient(port));
    await until(() => attackers.every((p) => t.getSessionStatus("127.0.0.1", p) === DtlsStatus.STATUS_HANDSHAKING), "stalled handshakes in every slot");
    const g = godot({ role: "client", port, verify: 1, host: "localhost", trust: id!.certPath });
    await g.waitOutput('"ev":"connected"', 15000);
    await until(() => got.includes("hello from godot"), "Godot's greeting");
    await g.waitOutput('"text":"hello from packetpeer"');
    // Every handshake came from 127.0.0.1: the attacker's stalest went, Godot's finished.
    assert.equal(t.counters.handshakesEvicted, 1);
    assert.equal(t.counters.handshakesRefused, 0);
    assert.equal(attackers.filter((p) => t.getSessionStatus("127.0.0.1", p) === DtlsStatus.STATUS_HANDSHAKING).length, 3);
    g.stop();
  });

  test("a path that drops datagrams over 508 bytes: our server's flight, unanswered twice, is cut to fit, and a verifying Godot client reassembles it", async () => {
    const rsa = makeIdentity("localhost", "rsa:2048");
    const rt = detectRuntime();
    const inner = rt.createDatagramTransport();
    const { port } = await inner.bind("127.0.0.1", 0);
    const path = blackHoleAbove508();
    const send = inner.send.bind(inner);
    inner.send = (d, address, p) => {
      if (!path.drop(d)) send(d, address, p);
    };
    const t = DtlsDatagramTransport.server(inner, rt.clock, TLSOptions.server(rsa.key, rsa.cert));
    transports.push(t);
    const got: string[] = [];
    t.onDatagram((d, address, p) => {
      got.push(dec(d));
      t.send(enc("hello from packetpeer"), address, p);
    });
    const g = godot({ role: "client", port, verify: 1, host: "localhost", trust: rsa.certPath, max_frames: 3000 });
    await g.waitOutput('"ev":"connected"', 20000);
    await until(() => got.includes("hello from godot"), "Godot's greeting");
    await g.waitOutput('"text":"hello from packetpeer"');
    g.stop();
    // The flight went out whole (and was lost) at least twice before it was cut.
    assert.ok(path.dropped >= 2, `dropped ${path.dropped}`);
    // The RSA certificate does not fit one: Godot put it together from fragments.
    assert.ok(path.passed.some((d) => handshakeFragments(d).some((f) => f.fragmentLength < f.length)), "a handshake message went in fragments");
  });

  test("a path that drops datagrams over 508 bytes: mbedTLS cuts its flight the same way, and our verifying client reassembles it", async () => {
    const rsa = makeIdentity("localhost", "rsa:2048");
    const port = await freeUdpPort();
    const g = godot({ role: "server", port, key: rsa.keyPath, cert: rsa.certPath, max_frames: 3000 });
    await g.waitOutput('"ev":"ready","err":0', 15000);
    const rt = detectRuntime();
    const inner = rt.createDatagramTransport();
    await inner.bind("127.0.0.1", 0);
    const path = blackHoleAbove508();
    const onDatagram = inner.onDatagram.bind(inner);
    inner.onDatagram = (cb) => onDatagram((d, address, p, owned) => {
      if (!path.drop(d)) cb(d, address, p, owned);
    });
    const t = DtlsDatagramTransport.client(inner, rt.clock, "localhost", TLSOptions.client(rsa.cert));
    transports.push(t);
    const got: string[] = [];
    t.onDatagram((d) => got.push(dec(d)));
    t.send(enc("hi godot"), "127.0.0.1", port);
    await until(() => t.getSessionStatus("127.0.0.1", port) === DtlsStatus.STATUS_CONNECTED, "handshake with Godot", 20000);
    await until(() => got.includes("echo:hi godot"), "Godot's echo");
    g.stop();
    assert.ok(path.dropped >= 2, `dropped ${path.dropped}`);
    assert.ok(path.passed.some((d) => handshakeFragments(d).some((f) => f.fragmentLength < f.length)), "a handshake message came in fragments");
  });

  test("our client giving up mid-handshake tells Godot's server (close_notify), which lets the address go: the next handshake from the same port connects", async () => {
    // Two points to give up at: waiting for Godot's flight (it never arrives), and waiting for Godot's
    // Finished after our own (our flight with the ChangeCipherSpec never arrives, so the alert must go
    // at epoch 0: Godot cannot read our epoch 1). Our client gives up after 2 s (30 s by default).
    const stages: { name: string; lostIncoming(d: Uint8Array): boolean; lostOutgoing(d: Uint8Array): boolean }[] = [
      { name: "before Godot's flight", lostIncoming: (d) => d[0] === 22 && d[13] !== 3, lostOutgoing: () => false },
      { name: "after our Finished", lostIncoming: () => false, lostOutgoing: (d) => recordTypes(d).includes(20) },
    ];
    for (const stage of stages) {
      const port = await freeUdpPort();
      const g = godot({ role: "server", port, key: id!.keyPath, cert: id!.certPath, max_frames: 3000, drop_ended: 1 });
      await g.waitOutput('"ev":"ready","err":0', 15000);
      const rt = detectRuntime();
      const inner = rt.createDatagramTransport();
      await inner.bind("127.0.0.1", 0);
      let losing = true;
      const onDatagram = inner.onDatagram.bind(inner);
      inner.onDatagram = (cb) => onDatagram((d, address, p, owned) => {
        if (!(losing && stage.lostIncoming(d))) cb(d, address, p, owned);
      });
      const send = inner.send.bind(inner);
      inner.send = (d, address, p) => {
        if (!(losing && stage.lostOutgoing(d))) send(d, address, p);
      };
      const t = DtlsDatagramTransport.client(inner, rt.clock, "localhost", TLSOptions.client(id!.cert), { session: { handshakeTimeoutMs: 2000 } });
      transports.push(t);
      const ended: string[] = [];
      t.onSessionEnded = (_a, _p, _code, message) => ended.push(message);
      const got: string[] = [];
      t.onDatagram((d) => got.push(dec(d)));
      t.send(enc("first"), "127.0.0.1", port);
      await until(() => ended.length === 1, `${stage.name}: the first handshake given up`, 10000);
      assert.match(ended[0]!, /timed out/);
      // Godot's server, mid-handshake, takes every new ClientHello from this port for a stray copy and
      // drops it for as long as its own schedule lasts (123 s), unless told the client gave up.
      await g.waitOutput('"ev":"status"', 5000);
      losing = false;
      const restartedAt = rt.clock.now();
      t.send(enc("second"), "127.0.0.1", port);
      await until(() => t.getSessionStatus("127.0.0.1", port) === DtlsStatus.STATUS_CONNECTED, `${stage.name}: the second handshake`, 10000);
      await until(() => got.includes("echo:second"), `${stage.name}: Godot's echo`);
      assert.ok(rt.clock.now() - restartedAt < 5000, stage.name);
      g.stop();
    }
  });
});
