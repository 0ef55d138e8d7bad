// The DTLS server's handshake limits under attack: clients that pass the cookie exchange (so they
// are real addresses) and then stall must not lock honest clients out, and no address (nor all of
// them together) may start handshakes, each costing the server a signature, faster than its rate.
// Our client cores talk to a DtlsDatagramTransport server in memory, on a manual clock.
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { TEST_CERT_PEM, TEST_KEY_PEM, seededConfigRandom } from "./fuzz-engine.ts";
import { DtlsDatagramTransport, SESSION_IDLE_MS } from "../../src/dtls/dtls-datagram-transport.ts";
import type { DtlsServerLimits } from "../../src/dtls/server-limits.ts";
import { GodotError } from "../../src/errors.ts";
import { DtlsSession, DtlsStatus } from "../../src/dtls/session.ts";
import { clientConfig } from "../../src/dtls/tls-config.ts";
import { TLSOptions } from "../../src/crypto/tls-options.ts";
import { CryptoKey } from "../../src/crypto/crypto-key.ts";
import { X509Certificate } from "../../src/crypto/x509-certificate.ts";
import type { BoundAddress, Clock, DatagramTransport } from "../../src/transport/types.ts";

/** The server's socket: what it sends waits in `outbox` until the test delivers it. */
class Switchboard implements DatagramTransport {
  outbox: { data: Uint8Array; address: string; port: number }[] = [];
  receiver: ((d: Uint8Array, a: string, p: number) => void) | undefined;
  bind(): Promise<BoundAddress> {
    return Promise.resolve({ address: "10.0.0.1", port: 7000 });
  }
  send(data: Uint8Array, address: string, port: number): void {
    this.outbox.push({ data: data.slice(), address, port });
  }
  onDatagram(cb: (d: Uint8Array, a: string, p: number) => void): void {
    this.receiver = cb;
  }
  close(): void {}
}

function setUp(limits: DtlsServerLimits) {
  const cert = new X509Certificate();
  cert.loadFromString(TEST_CERT_PEM);
  const key = new CryptoKey();
  key.loadFromString(TEST_KEY_PEM);
  let now = 0;
  const clock: Clock = { now: () => now, setTimeout: () => 0, clearTimeout: () => {} };
  const wire = new Switchboard();
  const server = DtlsDatagramTransport.server(wire, clock, TLSOptions.server(key, cert), { ...limits, random: seededConfigRandom(1) });
  const clients = new Map<string, DtlsSession>();
  let seed = 100;
  /** A client core at `address:port` (its handshake starts at once). */
  const client = (address: string, port: number): DtlsSession => {
    const config = clientConfig(TLSOptions.client(cert), "localhost", seededConfigRandom(seed++), () => Date.UTC(2027, 0, 1));
    const s = DtlsSession.client(config, now);
    clients.set(`${address}:${port}`, s);
    return s;
  };
  /** One round trip for `key`: what its client has to send goes to the server, the server's answer back. */
  const roundTrip = (key: string): boolean => {
    const [address, port] = key.split(":") as [string, string];
    const c = clients.get(key)!;
    let moved = false;
    for (let d = c.pollTransmit(); d; d = c.pollTransmit()) {
      wire.receiver!(d, address, Number(port));
      moved = true;
    }
    const out = wire.outbox;
    wire.outbox = [];
    for (const m of out) if (`${m.address}:${m.port}` === key) c.receive(now, m.data);
    return moved;
  };
  /** Run `key`'s handshake to its end. */
  const finish = (key: string): void => {
    while (roundTrip(key));
  };
  /**
   * A client that passes the cookie exchange and gets the server's flight (two round trips) and
   * then goes quiet: an attacker, or a slow client whose next flight is still on its way.
   */
  const attempt = (address: string, port: number): DtlsStatus => {
    const key = `${address}:${port}`;
    client(address, port);
    roundTrip(key); // ClientHello, HelloVerifyRequest
    roundTrip(key); // ClientHello with the cookie, the server's flight
    return server.getSessionStatus(address, port);
  };
  const stall = (address: string, port: number): string => {
    assert.equal(attempt(address, port), DtlsStatus.STATUS_HANDSHAKING, `${address}:${port} holds a handshake slot`);
    return `${address}:${port}`;
  };
  return {
    server,
    wire,
    client,
    finish,
    attempt,
    stall,
    advance: (ms: number) => {
      now += ms;
    },
  };
}

describe("DTLS server: handshake slots and rates under attack", () => {
  test("one machine stalling in every handshake slot from many ports: an honest client still connects", () => {
    const { server, client, finish, stall, advance } = setUp({ maxHandshaking: 4 });
    for (let port = 1; port <= 4; port++) {
      stall("10.9.9.9", port);
      advance(10);
    }
    assert.equal(server.sessionCount, 4);
    const honest = client("10.0.0.2", 5000);
    finish("10.0.0.2:5000");
    assert.equal(honest.status, DtlsStatus.STATUS_CONNECTED);
    assert.equal(server.getSessionStatus("10.0.0.2", 5000), DtlsStatus.STATUS_CONNECTED);
    assert.equal(server.counters.handshakesEvicted, 1);
    assert.equal(server.counters.handshakesRefused, 0);
    // The stalest of the attacker's handshakes went; the other three still wait.
    assert.equal(server.getSessionStatus("10.9.9.9", 1), DtlsStatus.STATUS_DISCONNECTED);
    for (const port of [2, 3, 4]) assert.equal(server.getSessionStatus("10.9.9.9", port), DtlsStatus.STATUS_HANDSHAKING);
  });

  test("a slow honest handshake survives a stream of stalled ones from another address; a completed session is never evicted", () => {
    // The attacker's handshakes come faster than one address may start them by default (10 a second).
    const { server, client, finish, stall, advance } = setUp({ maxHandshaking: 4, handshakesPerSecondPerAddress: 1000 });
    client("10.0.0.2", 5000);
    finish("10.0.0.2:5000");
    const slow = stall("10.0.0.3", 6000);
    for (let port = 1; port <= 20; port++) {
      advance(1);
      stall("10.9.9.9", port);
    }
    // Four handshake slots: the slow client's and three of the attacker's; each later attacker handshake evicted its oldest.
    assert.equal(server.counters.handshakesEvicted, 17);
    assert.equal(server.getSessionStatus("10.0.0.2", 5000), DtlsStatus.STATUS_CONNECTED);
    assert.equal(server.getSessionStatus("10.0.0.3", 6000), DtlsStatus.STATUS_HANDSHAKING);
    for (const port of [18, 19, 20]) assert.equal(server.getSessionStatus("10.9.9.9", port), DtlsStatus.STATUS_HANDSHAKING);
    // Its next flight arrives at last, after the server heard from every attacker socket more recently.
    finish(slow);
    assert.equal(server.getSessionStatus("10.0.0.3", 6000), DtlsStatus.STATUS_CONNECTED);
    assert.equal(server.sessionCount, 5);
  });

  test("at the session limit, a session idle for over a minute is closed for a new client: close_notify to its peer, onSessionEnded with ERR_TIMEOUT", () => {
    const { server, wire, client, finish, advance } = setUp({ maxSessions: 2 });
    const ended: [string, number, GodotError][] = [];
    let lastWords: Uint8Array[] = [];
    server.onSessionEnded = (address, port, code) => {
      ended.push([address, port, code]);
      lastWords = wire.outbox.filter((m) => m.address === address && m.port === port).map((m) => m.data);
    };
    const quiet = client("10.0.0.2", 5000);
    finish("10.0.0.2:5000");
    advance(30_000);
    client("10.0.0.3", 5000);
    finish("10.0.0.3:5000");
    advance(SESSION_IDLE_MS - 30_000 + 1);
    // Full; the first session is past the idle limit, the second is not.
    client("10.0.0.4", 5000);
    finish("10.0.0.4:5000");
    assert.equal(server.getSessionStatus("10.0.0.4", 5000), DtlsStatus.STATUS_CONNECTED);
    assert.equal(server.getSessionStatus("10.0.0.3", 5000), DtlsStatus.STATUS_CONNECTED);
    assert.equal(server.getSessionStatus("10.0.0.2", 5000), DtlsStatus.STATUS_DISCONNECTED);
    assert.deepEqual(ended, [["10.0.0.2", 5000, GodotError.ERR_TIMEOUT]]);
    assert.equal(server.counters.sessionsIdleClosed, 1);
    // Its client, had it still been there, is told: a close_notify.
    assert.equal(lastWords.length, 1);
    assert.equal(quiet.status, DtlsStatus.STATUS_CONNECTED);
    quiet.receive(0, lastWords[0]!);
    assert.equal(quiet.status, DtlsStatus.STATUS_DISCONNECTED);
  });

  test("an onSessionEnded that closes the server while an idle session is closed: no session is started on the closed server", () => {
    const { server, client, finish, advance } = setUp({ maxSessions: 1 });
    client("10.0.0.2", 5000);
    finish("10.0.0.2:5000");
    advance(SESSION_IDLE_MS + 1);
    let ended = 0;
    server.onSessionEnded = () => {
      ended++;
      server.close();
    };
    client("10.0.0.3", 5000);
    finish("10.0.0.3:5000");
    assert.equal(ended, 1);
    assert.equal(server.sessionCount, 0);
    assert.equal(server.getSessionStatus("10.0.0.3", 5000), DtlsStatus.STATUS_DISCONNECTED);
  });

  test("with one handshake per address, the one that heard from its client least recently goes", () => {
    const { server, stall, advance } = setUp({ maxHandshaking: 3 });
    for (const address of ["10.0.0.11", "10.0.0.12", "10.0.0.13", "10.0.0.14"]) {
      stall(address, 1);
      advance(100);
    }
    assert.equal(server.getSessionStatus("10.0.0.11", 1), DtlsStatus.STATUS_DISCONNECTED);
    for (const a of ["10.0.0.12", "10.0.0.13", "10.0.0.14"]) assert.equal(server.getSessionStatus(a, 1), DtlsStatus.STATUS_HANDSHAKING);
    assert.equal(server.counters.handshakesEvicted, 1);
  });

  test("one address may start 10 handshakes a second: the 11th ClientHello with a valid cookie is dropped until its bucket refills; other addresses go on", () => {
    const { server, client, finish, attempt, advance } = setUp({});
    for (let port = 1; port <= 10; port++) assert.equal(attempt("10.9.9.9", port), DtlsStatus.STATUS_HANDSHAKING);
    assert.equal(attempt("10.9.9.9", 11), DtlsStatus.STATUS_DISCONNECTED);
    assert.equal(server.counters.handshakesRateLimited, 1);
    // The cookie exchange itself is never limited: it costs the server one HMAC and no state.
    assert.equal(server.counters.helloVerifyRequestsSent, 11);
    const honest = client("10.0.0.2", 5000);
    finish("10.0.0.2:5000");
    assert.equal(honest.status, DtlsStatus.STATUS_CONNECTED);
    advance(100); // a tenth of a second refills one start
    assert.equal(attempt("10.9.9.9", 12), DtlsStatus.STATUS_HANDSHAKING);
    assert.equal(attempt("10.9.9.9", 13), DtlsStatus.STATUS_DISCONNECTED);
    assert.equal(server.counters.handshakesRateLimited, 2);
  });

  test("all addresses together may start handshakesPerSecond a second", () => {
    const { server, attempt, advance } = setUp({ handshakesPerSecond: 5 });
    const statuses = Array.from({ length: 8 }, (_, i) => attempt(`10.0.1.${i + 1}`, 1000));
    assert.equal(statuses.filter((s) => s === DtlsStatus.STATUS_HANDSHAKING).length, 5);
    assert.equal(server.counters.handshakesRateLimited, 3);
    advance(1000);
    assert.equal(attempt("10.0.2.1", 1000), DtlsStatus.STATUS_HANDSHAKING);
  });

  test("limits are checked: positive integers for the session limits, positive rates", () => {
    for (const bad of [{ maxSessions: 0 }, { maxHandshaking: 1.5 }, { handshakesPerSecond: 0 }, { handshakesPerSecondPerAddress: Number.NaN }, { handshakesPerSecond: Infinity }]) {
      assert.throws(() => setUp(bad as DtlsServerLimits), RangeError, JSON.stringify(bad));
    }
  });

  test("this machine (loopback) is exempt from the per-address rate, not from the total", () => {
    const { server, attempt } = setUp({ handshakesPerSecond: 30 });
    const statuses = Array.from({ length: 35 }, (_, i) => attempt("127.0.0.1", 1000 + i));
    assert.equal(statuses.filter((s) => s === DtlsStatus.STATUS_HANDSHAKING).length, 30);
    assert.equal(server.counters.handshakesRateLimited, 5);
  });
});
