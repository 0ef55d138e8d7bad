// HelloVerifyRequest cookies expire (src/dtls/cookie.ts): a ClientHello proves its sender
// receives at its address only with a cookie made in the last COOKIE_LIFETIME_SECONDS, as
// mbedTLS's cookies do (60 s). Without a lifetime, one cookie hello seen on the wire, or kept by a
// client that once received there, would pass the gate of both our DTLS servers (ServerAdmission
// serves DtlsDatagramTransport and DTLSServer alike) from a spoofed source for ever.
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { seededConfigRandom, TEST_CERT_PEM } from "./fuzz-engine.ts";
import { COOKIE_LENGTH, COOKIE_LIFETIME_SECONDS } from "../../src/dtls/cookie.ts";
import { ServerAdmission } from "../../src/dtls/server-admission.ts";
import { DtlsSession } from "../../src/dtls/session.ts";
import { clientConfig } from "../../src/dtls/tls-config.ts";
import { TLSOptions } from "../../src/crypto/tls-options.ts";
import { X509Certificate } from "../../src/crypto/x509-certificate.ts";

const ADDRESS = "192.0.2.7";
const PORT = 4433;
const LIMITS = { handshakesPerSecondPerAddress: 10, handshakesPerSecond: 100 };
const SECOND = 1000;

/**
 * A client's first ClientHello at `start` (ms), the server's HelloVerifyRequest for it, and the
 * datagram the client sends back with the cookie: what a listener on the path would keep.
 */
function cookieHelloAt(admission: ServerAdmission, start: number): Uint8Array {
  const cert = new X509Certificate();
  cert.loadFromString(TEST_CERT_PEM);
  const client = DtlsSession.client(clientConfig(TLSOptions.client(cert), "localhost", seededConfigRandom(3), () => Date.UTC(2027, 0, 1)), start);
  const first = client.pollTransmit();
  assert.ok(first, "the client sent no ClientHello");
  const verdict = admission.judge(first, ADDRESS, PORT, start);
  assert.equal(verdict.action, "verify", "a ClientHello without a cookie must get a HelloVerifyRequest");
  if (verdict.action !== "verify") throw new Error("unreachable");
  client.receive(start, verdict.reply);
  const second = client.pollTransmit();
  assert.ok(second, "the client did not answer the HelloVerifyRequest");
  return second;
}

/** The cookie hello with its cookie's bytes changed by `edit` (the cookie found by its length byte before it). */
function withCookieEdited(hello: Uint8Array, edit: (cookie: Uint8Array) => void): Uint8Array {
  const copy = hello.slice();
  // The cookie follows the session id: record header 13, handshake header 12, version 2, random 32.
  const sessionIdAt = 13 + 12 + 2 + 32;
  const cookieLengthAt = sessionIdAt + 1 + copy[sessionIdAt]!;
  assert.equal(copy[cookieLengthAt], COOKIE_LENGTH);
  edit(copy.subarray(cookieLengthAt + 1, cookieLengthAt + 1 + COOKIE_LENGTH));
  return copy;
}

describe("DTLS cookies expire", () => {
  const start = 5_000_000;

  test(`a cookie hello passes the gate until ${COOKIE_LIFETIME_SECONDS} s after its cookie was made, and only gets a new HelloVerifyRequest after`, () => {
    const admission = new ServerAdmission(seededConfigRandom(1), LIMITS);
    const hello = cookieHelloAt(admission, start);
    assert.equal(admission.judge(hello, ADDRESS, PORT, start).action, "proven");
    assert.equal(admission.judge(hello, ADDRESS, PORT, start + COOKIE_LIFETIME_SECONDS * SECOND).action, "proven");
    const late = admission.judge(hello, ADDRESS, PORT, start + (COOKIE_LIFETIME_SECONDS + 1) * SECOND);
    assert.equal(late.action, "verify", "a cookie older than its lifetime must not prove the address");
    // Another address or port never passes, even at once.
    assert.equal(admission.judge(hello, "192.0.2.8", PORT, start).action, "verify");
    assert.equal(admission.judge(hello, ADDRESS, PORT + 1, start).action, "verify");
  });

  test("the time in the cookie is covered by its MAC: a replayed cookie re-dated to now is refused", () => {
    const admission = new ServerAdmission(seededConfigRandom(1), LIMITS);
    const hello = cookieHelloAt(admission, start);
    const later = start + 10 * 60 * SECOND;
    const redated = withCookieEdited(hello, (cookie) => new DataView(cookie.buffer, cookie.byteOffset).setUint32(0, Math.floor(later / SECOND)));
    assert.equal(admission.judge(redated, ADDRESS, PORT, later).action, "verify");
    // A flipped MAC byte is refused within the lifetime too.
    assert.equal(admission.judge(withCookieEdited(hello, (cookie) => (cookie[COOKIE_LENGTH - 1]! ^= 1)), ADDRESS, PORT, start).action, "verify");
  });

  test("a cookie dated after the server's clock is refused, and the lifetime holds across the 32-bit second wrap", () => {
    const admission = new ServerAdmission(seededConfigRandom(1), LIMITS);
    const hello = cookieHelloAt(admission, start);
    assert.equal(admission.judge(hello, ADDRESS, PORT, start - SECOND).action, "verify");
    const nearWrap = (2 ** 32 - 10) * SECOND;
    const wrapping = cookieHelloAt(admission, nearWrap);
    assert.equal(admission.judge(wrapping, ADDRESS, PORT, nearWrap + 20 * SECOND).action, "proven");
    assert.equal(admission.judge(wrapping, ADDRESS, PORT, nearWrap + (COOKIE_LIFETIME_SECONDS + 1) * SECOND).action, "verify");
  });

  test("a connected session's client starting over with an expired cookie is asked again, and the session stays", () => {
    const admission = new ServerAdmission(seededConfigRandom(1), LIMITS);
    const hello = cookieHelloAt(admission, start);
    const someoneElsesRandom = new Uint8Array(32).fill(9);
    assert.equal(admission.judgeOnExistingSession(hello, someoneElsesRandom, ADDRESS, PORT, start + SECOND).action, "restart");
    assert.equal(admission.judgeOnExistingSession(hello, someoneElsesRandom, ADDRESS, PORT, start + (COOKIE_LIFETIME_SECONDS + 1) * SECOND).action, "verify");
  });
});
