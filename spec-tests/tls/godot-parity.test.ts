// Behaviour of TLSOptions, Crypto, HashingContext and HMACContext where Godot 4.6's source
// (core/crypto, modules/mbedtls) decides something a ported program can observe. The live
// counterpart, where the web build can run it, is crypto-parity.godot4.test.ts.
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { Crypto } from "../../src/crypto/crypto.ts";
import { TLSOptions } from "../../src/crypto/tls-options.ts";
import { clientConfig } from "../../src/dtls/tls-config.ts";
import { DtlsSession } from "../../src/dtls/session.ts";
import { parseCertificateDer } from "../../src/crypto/certificate-info.ts";
import { CryptoKey } from "../../src/crypto/crypto-key.ts";
import { X509Certificate } from "../../src/crypto/x509-certificate.ts";
import { HashingContext, HMACContext, HashType } from "../../src/crypto/hashing.ts";
import { GodotError, NetError } from "../../src/errors.ts";

const crypto = new Crypto();
function identity(cn: string) {
  const key = crypto.generateEcdsa("P-256");
  const cert = crypto.generateSelfSignedCertificate(key, `CN=${cn},O=packetpeer,C=IT`, "20200101000000", "20400101000000");
  return { key, cert };
}

describe("TLSOptions.clientUnsafe(trustedChain): Godot 4.6's init_client keeps verification on when a chain is given", () => {
  const server = identity("server.example");
  const other = identity("other.example");
  const chain = server.cert.derChain();

  test("with the server's own CA: accepted whatever the host name (only the name check is skipped)", () => {
    const verdict = clientConfig(TLSOptions.clientUnsafe(server.cert), "not-the-name").verifyPeer!(chain);
    assert.equal(verdict.ok, true);
  });

  test("with another CA: refused (was accepted: clientUnsafe ignored the chain)", () => {
    const verdict = clientConfig(TLSOptions.clientUnsafe(other.cert), "server.example").verifyPeer!(chain);
    assert.equal(verdict.ok, false);
  });

  test("without a chain: nothing is verified", () => {
    assert.equal(clientConfig(TLSOptions.clientUnsafe(), "x").verifyPeer!(chain).ok, true);
  });

  test("the native-TLS view: a chain means verify the chain, not the name", () => {
    const withChain = TLSOptions.clientUnsafe(server.cert);
    assert.equal(withChain.unsafe, false);
    assert.equal(withChain.verifyHostname, false);
    assert.ok(withChain.ca?.includes("BEGIN CERTIFICATE"));
    const bare = TLSOptions.clientUnsafe();
    assert.equal(bare.unsafe, true);
  });
});

describe("HashingContext, HMACContext, hmacDigest: Godot 4.6's return codes (hashing_context.cpp, crypto_mbedtls.cpp)", () => {
  const abc = new TextEncoder().encode("abc");
  const empty = new Uint8Array(0);

  test("HashingContext.update of an empty chunk returns FAILED and leaves the digest alone", () => {
    const ctx = new HashingContext();
    assert.equal(ctx.start(HashType.HASH_SHA256), GodotError.OK);
    assert.equal(ctx.update(empty), GodotError.FAILED);
    assert.equal(ctx.update(abc), GodotError.OK);
    assert.equal(Buffer.from(ctx.finish()).toString("hex"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  });

  test("HMACContext: update before start is ERR_INVALID_DATA, a second start ERR_FILE_ALREADY_IN_USE, empty data ERR_INVALID_PARAMETER", () => {
    const ctx = new HMACContext();
    assert.equal(ctx.update(abc), GodotError.ERR_INVALID_DATA);
    assert.equal(ctx.start(HashType.HASH_SHA256, abc), GodotError.OK);
    assert.equal(ctx.start(HashType.HASH_SHA256, abc), GodotError.ERR_FILE_ALREADY_IN_USE);
    assert.equal(ctx.update(empty), GodotError.ERR_INVALID_PARAMETER);
    assert.equal(ctx.update(abc), GodotError.OK);
    assert.deepEqual(ctx.finish(), crypto.hmacDigest(HashType.HASH_SHA256, abc, abc));
  });

  test("hmacDigest with an empty key or message: RangeError (Godot logs and returns an empty array)", () => {
    assert.throws(() => crypto.hmacDigest(HashType.HASH_SHA256, empty, abc), RangeError);
    assert.throws(() => crypto.hmacDigest(HashType.HASH_SHA256, abc, empty), RangeError);
  });
});

describe("Crypto, CryptoKey, X509Certificate: Godot 4.6's results", () => {
  test("generateRandomBytes has no 64 KiB cap (Godot draws it in chunks)", () => {
    assert.equal(crypto.generateRandomBytes(100_000).length, 100_000);
    assert.equal(crypto.generateRandomBytes(0).length, 0);
    assert.throws(() => crypto.generateRandomBytes(-1), RangeError);
  });

  test("CryptoKey.saveToString(false) of a public-only key is empty; saveToString(true) gives the public key", () => {
    const key = crypto.generateEcdsa();
    const pub = new CryptoKey();
    pub.loadFromString(key.saveToString(true), true);
    assert.equal(pub.saveToString(false), "");
    assert.equal(pub.saveToString(true), key.saveToString(true));
    assert.equal(new CryptoKey().saveToString(), "");
  });

  test("X509Certificate.loadFromString appends to the chain it holds, and skips blocks that do not parse when one does", () => {
    const a = identity("a.example").cert.saveToString();
    const b = identity("b.example").cert.saveToString();
    const x = new X509Certificate();
    x.loadFromString(a);
    x.loadFromString(b);
    assert.equal(x.saveToString(), a + b);
    const junk = "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n";
    const partial = new X509Certificate();
    partial.loadFromString(a + junk);
    assert.equal(partial.saveToString(), a);
    assert.throws(() => new X509Certificate().loadFromString(junk), (e: unknown) => e instanceof NetError && e.code === GodotError.ERR_INVALID_DATA);
    // Trusting two CAs loaded one after the other, as a Godot program does, trusts both.
    const server = identity("server.example");
    const trust = new X509Certificate();
    trust.loadFromString(a);
    trust.loadFromString(server.cert.saveToString());
    assert.equal(clientConfig(TLSOptions.client(trust), "server.example").verifyPeer!(server.cert.derChain()).ok, true);
  });
});

describe("server_name in the ClientHello, as Godot 4.6's init_client sets the mbedTLS host name", () => {
  const latin1 = (b: Uint8Array): string => Buffer.from(b).toString("latin1");
  function clientHello(options: TLSOptions, hostname: string): string {
    const session = DtlsSession.client(clientConfig(options, hostname), 0);
    return latin1(session.pollTransmit()!);
  }
  const ca = identity("ca.example").cert;

  test("commonNameOverride is the name sent (was the host name)", () => {
    const hello = clientHello(TLSOptions.client(ca, "vhost.example"), "game.example");
    assert.ok(hello.includes("vhost.example"));
    assert.ok(!hello.includes("game.example"));
  });

  test("without an override: the host name", () => {
    assert.ok(clientHello(TLSOptions.client(ca), "game.example").includes("game.example"));
  });

  test("clientUnsafe sends none (mbedtls_ssl_set_hostname(NULL)), with or without a chain", () => {
    assert.ok(!clientHello(TLSOptions.clientUnsafe(), "game.example").includes("game.example"));
    assert.ok(!clientHello(TLSOptions.clientUnsafe(ca), "game.example").includes("game.example"));
  });
});

describe("generateSelfSignedCertificate's issuer names read as Godot 4.6's mbedTLS reads them (mbedtls_x509_string_to_names)", () => {
  const key = crypto.generateEcdsa("P-256");
  const subject = (name: string) => parseCertificateDer(crypto.generateSelfSignedCertificate(key, name).derChain()[0]!);

  test("mbedTLS's long names and other attributes (was RangeError for all but CN/O/OU/C/L/ST)", () => {
    assert.deepEqual(subject("commonName=host.example, emailAddress=a@b.c,DC=org,serialNumber=42,title=T,GN=G,SN=S").commonNames, ["host.example"]);
  });

  test("spaces inside a value are kept (were trimmed); a repeated type keeps its first place with its last value", () => {
    assert.deepEqual(subject("CN= spaced ,O=x").commonNames, [" spaced "]);
    assert.deepEqual(subject("CN=a,CN=b,O=x").commonNames, ["b"]);
  });

  test("escaped commas", () => {
    assert.deepEqual(subject("CN=a\\,b,O=x").commonNames, ["a,b"]);
  });
});

describe("a client configuration keeps the trust it was made with", () => {
  test("certificates loaded into the trusted X509Certificate afterwards (loads append) do not change it", () => {
    const server = identity("server.example");
    const trust = new X509Certificate();
    trust.loadFromString(identity("other.example").cert.saveToString());
    const config = clientConfig(TLSOptions.client(trust), "server.example");
    trust.loadFromString(server.cert.saveToString());
    assert.equal(config.verifyPeer!(server.cert.derChain()).ok, false);
    assert.equal(clientConfig(TLSOptions.client(trust), "server.example").verifyPeer!(server.cert.derChain()).ok, true);
  });
});
