/**
 * The DTLS fuzz engine, shared by the npm-test slice and `npm run fuzz:dtls`: a real
 * handshake between our client and server cores in memory (seeded randomness), then
 * mutated copies of every record seen fed to sessions in each state. Checks after each
 * input: nothing threw, a connected session stays connected and silent on records that
 * fail authentication, queues stay bounded.
 */
import { SeededRandom } from "../../src/util/prng.ts";
import { screenClientHello } from "../../src/dtls/server-gate.ts";
import { DtlsSession, DtlsStatus, type DtlsConfig } from "../../src/dtls/session.ts";
import { clientConfig, serverConfig } from "../../src/dtls/tls-config.ts";
import { TLSOptions } from "../../src/crypto/tls-options.ts";
import { CryptoKey } from "../../src/crypto/crypto-key.ts";
import { X509Certificate } from "../../src/crypto/x509-certificate.ts";

// A fixed P-256 test identity (self-signed, CN=localhost, valid 2026-2036), so the fuzz needs no openssl.
export const TEST_KEY_PEM = `-----BEGIN PRIVATE KEY-----
MIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQgmnZahA43pCI25nJ+
6DvgnRC3yLuFVmvD1HgHnqRwQqehRANCAATgWU4gv8duh4dQgNSUstqFN3EINpr/
Fo3lirFjKZUTqG9FktSYAFOTjKtBwYOqFI13kBuF5QV8uZMCUlaPJtdM
-----END PRIVATE KEY-----
`;
export const TEST_CERT_PEM = `-----BEGIN CERTIFICATE-----
MIIBmTCCAT+gAwIBAgIUMzl+XsHKF6b7kjg3AMB+e3a0AdowCgYIKoZIzj0EAwIw
FDESMBAGA1UEAwwJbG9jYWxob3N0MB4XDTI2MTIwMzEwNDY0OVoXDTM2MTEzMDEw
NDY0OVowFDESMBAGA1UEAwwJbG9jYWxob3N0MFkwEwYHKoZIzj0CAQYIKoZIzj0D
AQcDQgAE4FlOIL/HboeHUIDUlLLahTdxCDaa/xaN5YqxYymVE6hvRZLUmABTk4yr
QcGDqhSNd5AbheUFfLmTAlJWjybXTKNvMG0wHQYDVR0OBBYEFNJDxYY8USgqFH/p
FWujQHVBxEM7MB8GA1UdIwQYMBaAFNJDxYY8USgqFH/pFWujQHVBxEM7MA8GA1Ud
EwEB/wQFMAMBAf8wGgYDVR0RBBMwEYIJbG9jYWxob3N0hwR/AAABMAoGCCqGSM49
BAMCA0gAMEUCIQDFt0fM8D9PwXoFcp78BnkeI1hGrSmRDmz2zy0aMxB2ZgIgcLrb
NzVuiJxu5VTGa1cDUmwSFyAxutP1XdaN+ASA7Rk=
-----END CERTIFICATE-----
`;

export function seededConfigRandom(seed: number): (n: number) => Uint8Array {
  const rng = new SeededRandom(seed);
  return (n) => {
    const out = new Uint8Array(n);
    for (let i = 0; i < n; i++) out[i] = rng.nextU32() & 0xff;
    return out;
  };
}

export interface Trace {
  /** Datagrams as sent, with the direction. */
  datagrams: { toServer: boolean; bytes: Uint8Array }[];
  client: DtlsSession;
  server: DtlsSession;
  clientConfig: DtlsConfig;
  serverConfig: DtlsConfig;
}

const ADDRESS = "127.0.0.1:5000";

/** A key and certificate loaded from PEM (the fixed test pair by default). */
export function testCredentials(certPem = TEST_CERT_PEM, keyPem = TEST_KEY_PEM): { key: CryptoKey; cert: X509Certificate } {
  const cert = new X509Certificate();
  cert.loadFromString(certPem);
  const key = new CryptoKey();
  key.loadFromString(keyPem);
  return { key, cert };
}

/** Run one full handshake plus a little application data; returns every datagram exchanged. */
export function recordHandshake(seed: number, certPem: string, keyPem: string, suites?: number[]): Trace {
  const { key, cert } = testCredentials(certPem, keyPem);
  const random = seededConfigRandom(seed);
  const sc: DtlsConfig = { ...serverConfig(TLSOptions.server(key, cert), random), cipherSuites: suites };
  const cc: DtlsConfig = { ...clientConfig(TLSOptions.client(cert), "localhost", random, () => Date.UTC(2027, 0, 1)), cipherSuites: suites };
  const secret = random(32);
  const datagrams: Trace["datagrams"] = [];
  const client = DtlsSession.client(cc, 0);
  let server: DtlsSession | undefined;
  for (let round = 0; round < 20; round++) {
    for (let d = client.pollTransmit(); d; d = client.pollTransmit()) {
      datagrams.push({ toServer: true, bytes: d });
      if (!server) {
        const v = screenClientHello(d, secret, ADDRESS, 0);
        if (v.action === "verify") {
          datagrams.push({ toServer: false, bytes: v.reply });
          client.receive(0, v.reply);
          continue;
        }
        if (v.action === "drop") throw new Error("gate dropped our own ClientHello");
        server = DtlsSession.server(sc, 0);
      }
      server.receive(0, d);
    }
    if (server) {
      for (let d = server.pollTransmit(); d; d = server.pollTransmit()) {
        datagrams.push({ toServer: false, bytes: d });
        client.receive(0, d);
      }
    }
    if (process.env.DTLS_FUZZ_DEBUG) console.log(round, datagrams.length, client.status, server?.status, client.errorMessage, server?.errorMessage, server?.drops, client.drops);
    if (client.status === DtlsStatus.STATUS_CONNECTED && server?.status === DtlsStatus.STATUS_CONNECTED) break;
  }
  if (!server || client.status !== DtlsStatus.STATUS_CONNECTED || server.status !== DtlsStatus.STATUS_CONNECTED) {
    throw new Error(`in-memory handshake failed: client ${client.status} ${client.errorMessage}, server ${server?.status} ${server?.errorMessage}`);
  }
  client.send(new TextEncoder().encode("application data from the client"));
  server.send(new TextEncoder().encode("application data from the server"));
  for (let d = client.pollTransmit(); d; d = client.pollTransmit()) datagrams.push({ toServer: true, bytes: d });
  for (let d = server.pollTransmit(); d; d = server.pollTransmit()) datagrams.push({ toServer: false, bytes: d });
  return { datagrams, client, server, clientConfig: cc, serverConfig: sc };
}

/** A mutated copy of `input`: bit flips, byte sets, truncation, extension, or a spliced length field. */
export function mutate(input: Uint8Array, rng: SeededRandom): Uint8Array {
  const kind = rng.nextU32() % 6;
  let out = input.slice();
  const at = () => (out.length === 0 ? 0 : rng.nextU32() % out.length);
  switch (kind) {
    case 0: {
      const flips = 1 + (rng.nextU32() % 4);
      for (let i = 0; i < flips && out.length > 0; i++) out[at()]! ^= 1 << (rng.nextU32() % 8);
      break;
    }
    case 1:
      if (out.length > 0) out[at()] = rng.nextU32() & 0xff;
      break;
    case 2:
      out = out.subarray(0, at());
      break;
    case 3: {
      const extra = new Uint8Array(1 + (rng.nextU32() % 64));
      for (let i = 0; i < extra.length; i++) extra[i] = rng.nextU32() & 0xff;
      const joined = new Uint8Array(out.length + extra.length);
      joined.set(out);
      joined.set(extra, out.length);
      out = joined;
      break;
    }
    case 4: {
      // Record length (bytes 11-12) or handshake length fields (13.., 22..).
      const fields = [11, 14, 22];
      const f = fields[rng.nextU32() % fields.length]!;
      if (out.length > f + 1) {
        out[f] = rng.nextU32() & 0xff;
        out[f + 1] = rng.nextU32() & 0xff;
      }
      break;
    }
    default: {
      // Epoch / sequence number bytes.
      if (out.length > 10) out[3 + (rng.nextU32() % 8)] = rng.nextU32() & 0xff;
    }
  }
  return out;
}

export interface FuzzResult {
  inputs: number;
  badRecordMac: number;
  connectedSurvived: boolean;
}

/**
 * Feed `count` mutated records: to the stateless gate, to fresh server sessions, to a
 * client mid-handshake, and to the connected pair. Throws on the first broken invariant.
 */
export function fuzz(trace: Trace, count: number, seed: number): FuzzResult {
  const rng = new SeededRandom(seed);
  const { client, server } = trace;
  const secret = new Uint8Array(32).fill(7);
  let handshakeSessions: DtlsSession[] = [];
  for (let i = 0; i < count; i++) {
    const pick = trace.datagrams[rng.nextU32() % trace.datagrams.length]!;
    const input = mutate(pick.bytes, rng);
    const target = rng.nextU32() % 4;
    if (target === 0) {
      const v = screenClientHello(input, secret, ADDRESS, 0);
      if (v.action === "verify" && v.reply.length > 400) throw new Error("HelloVerifyRequest larger than a cookie needs");
    } else if (target === 1) {
      // Sessions in the middle of a handshake; replaced every 64 inputs to reach fresh states.
      if (handshakeSessions.length === 0 || i % 64 === 0) {
        handshakeSessions = [DtlsSession.server(trace.serverConfig, 0), DtlsSession.client(trace.clientConfig, 0)];
      }
      for (const s of handshakeSessions) {
        s.receive(i, input);
        s.handleTimeout(i * 10);
        while (s.pollTransmit()) {}
        while (s.pollApplicationData()) {}
      }
    } else {
      // The connected pair: a mutated record must never break it (RFC 6347: drop silently).
      const s = pick.toServer ? server : client;
      s.receive(0, input);
      while (s.pollApplicationData()) {}
      const sent = s.pollTransmit();
      if (sent && s.status === DtlsStatus.STATUS_CONNECTED && sent[0] === 21) throw new Error(`a mutated record made the connected ${s.role} send an alert (input ${i})`);
      while (s.pollTransmit()) {}
      if (s.status !== DtlsStatus.STATUS_CONNECTED) throw new Error(`a mutated record broke the connected ${s.role}: ${s.errorMessage} (input ${i})`);
    }
  }
  // The pair still talks after all that.
  client.send(new TextEncoder().encode("still here"));
  const d = client.pollTransmit()!;
  server.receive(0, d);
  const back = server.pollApplicationData();
  const ok = back !== undefined && new TextDecoder().decode(back) === "still here";
  return { inputs: count, badRecordMac: client.drops.badRecordMac + server.drops.badRecordMac, connectedSurvived: ok };
}

/** A TLS-over-a-stream conversation: each side's writes in order, and sessions that replay it exactly. */
export interface StreamTrace {
  /** What the client wrote (its flights, then application data), one array per pollTransmit. */
  toServer: Uint8Array[];
  /** What the server wrote, the same way. */
  toClient: Uint8Array[];
  /** A fresh client or server that, fed the other side's writes, says and does exactly what the trace's did. */
  newSession(role: "client" | "server"): DtlsSession;
}

/** A whole TLS 1.2 handshake over a stream plus application data both ways (each side's randomness seeded on its own). */
export function recordStreamHandshake(seed: number, suites?: number[]): StreamTrace {
  const { key, cert } = testCredentials();
  const newSession = (role: "client" | "server"): DtlsSession =>
    role === "client"
      ? DtlsSession.client({ ...clientConfig(TLSOptions.client(cert), "localhost", seededConfigRandom(seed), () => Date.UTC(2027, 0, 1)), cipherSuites: suites, stream: true }, 0)
      : DtlsSession.server({ ...serverConfig(TLSOptions.server(key, cert), seededConfigRandom(seed + 1)), cipherSuites: suites, stream: true }, 0);
  const client = newSession("client");
  const server = newSession("server");
  const toServer: Uint8Array[] = [];
  const toClient: Uint8Array[] = [];
  const exchange = (): void => {
    for (let round = 0; round < 10; round++) {
      for (let d = client.pollTransmit(); d; d = client.pollTransmit()) {
        toServer.push(d);
        server.receive(0, d);
      }
      for (let d = server.pollTransmit(); d; d = server.pollTransmit()) {
        toClient.push(d);
        client.receive(0, d);
      }
    }
  };
  exchange();
  if (client.status !== DtlsStatus.STATUS_CONNECTED || server.status !== DtlsStatus.STATUS_CONNECTED) {
    throw new Error(`in-memory TLS handshake failed: client ${client.errorMessage}, server ${server.errorMessage}`);
  }
  client.send(new TextEncoder().encode("application data from the client"));
  server.send(new Uint8Array(3000).fill(7));
  exchange();
  return { toServer, toClient, newSession };
}

export interface StreamFuzzResult {
  inputs: number;
  /** Inputs after which the attacked session had ended with an error (a stream cannot drop a record). */
  ended: number;
}

/**
 * Feed `count` hostile writes to stream sessions in every state: a fresh client or server replays
 * the genuine writes up to a point, then gets one of them mutated, cut into random pieces, then the
 * genuine rest. Throws on the first broken invariant: an exception out of receive(), or an internal
 * error (a bug caught inside the session). Pieces as small as one byte also check that framing
 * costs no more than the bytes fed (see receiveStream).
 */
export function fuzzStream(trace: StreamTrace, count: number, seed: number): StreamFuzzResult {
  const rng = new SeededRandom(seed);
  let ended = 0;
  for (let i = 0; i < count; i++) {
    const role = rng.nextU32() % 2 === 0 ? "server" : "client";
    const writes = role === "server" ? trace.toServer : trace.toClient;
    const s = trace.newSession(role);
    const at = rng.nextU32() % writes.length;
    const feed = (bytes: Uint8Array): void => {
      for (let o = 0; o < bytes.length; ) {
        const piece = 1 + (rng.nextU32() % (rng.nextU32() % 4 === 0 ? 8 : 2048));
        s.receive(0, bytes.subarray(o, o + piece));
        o += piece;
      }
      while (s.pollTransmit()) {}
      while (s.pollApplicationData()) {}
    };
    for (let k = 0; k < at; k++) feed(writes[k]!);
    feed(mutate(writes[at]!, rng));
    for (let k = at + 1; k < writes.length; k++) feed(writes[k]!);
    if (s.errorMessage.startsWith("DTLS internal error")) throw new Error(`input ${i} (${role}, write ${at}): ${s.errorMessage}`);
    if (s.status === DtlsStatus.STATUS_ERROR || s.status === DtlsStatus.STATUS_ERROR_HOSTNAME_MISMATCH) ended++;
  }
  return { inputs: count, ended };
}
