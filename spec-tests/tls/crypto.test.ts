// Crypto / CryptoKey / X509Certificate / TLSOptions: generated keys and self-signed certificates
// accepted by openssl (`openssl verify`, and a DTLS handshake verified by s_client), PEM round
// trips, RSA keys against openssl (signatures and encryption both ways), hashing and HMAC
// vectors, and the errors for what is not supported or malformed.
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import { scratchDir } from "../support/temp-dir.ts";
import { join } from "node:path";
import { Crypto } from "../../src/crypto/crypto.ts";
import { HashingContext, HMACContext, HashType } from "../../src/crypto/hashing.ts";
import { createHash } from "node:crypto";
import { AsnConvert } from "@peculiar/asn1-schema";
import { RSAPrivateKey } from "@peculiar/asn1-rsa";
import { CryptoKey } from "../../src/crypto/crypto-key.ts";
import { X509Certificate } from "../../src/crypto/x509-certificate.ts";
import { TLSOptions } from "../../src/crypto/tls-options.ts";
import { GodotError, NetError } from "../../src/errors.ts";
import { detectRuntime } from "../../src/transport/registry.ts";
import { DtlsDatagramTransport } from "../../src/dtls/dtls-datagram-transport.ts";
import { dec, opensslAvailable, Proc, until } from "../dtls/support.ts";

const available = opensslAvailable();
const skip = available === true ? false : available.skip;

describe("Crypto, CryptoKey, X509Certificate, TLSOptions", () => {
  test("generated P-256 / P-384 keys and self-signed certificates: openssl verifies them, and s_client accepts our DTLS server using them", { skip }, async () => {
    const crypto = new Crypto();
    const dir = scratchDir("gen");
    for (const curve of ["P-256", "P-384"] as const) {
      const key = crypto.generateEcdsa(curve);
      const cert = crypto.generateSelfSignedCertificate(key, "CN=localhost,O=packetpeer,C=IT", "20200101000000", "20400101000000");
      const certPath = join(dir, `${curve}.pem`);
      writeFileSync(certPath, cert.saveToString());
      writeFileSync(join(dir, `${curve}-key.pem`), key.saveToString());
      const v = spawnSync("openssl", ["verify", "-CAfile", certPath, certPath], { encoding: "utf8" });
      assert.match(v.stdout, /: OK/, v.stderr);
      const k = spawnSync("openssl", ["pkey", "-in", join(dir, `${curve}-key.pem`), "-noout", "-text"], { encoding: "utf8" });
      assert.match(k.stdout, curve === "P-256" ? /prime256v1|P-256/ : /secp384r1|P-384/);

      const rt = detectRuntime();
      const inner = rt.createDatagramTransport();
      const { port } = await inner.bind("127.0.0.1", 0);
      const t = DtlsDatagramTransport.server(inner, rt.clock, TLSOptions.server(key, cert));
      const got: string[] = [];
      t.onDatagram((d) => got.push(dec(d)));
      const client = new Proc("openssl", ["s_client", "-dtls1_2", "-connect", `127.0.0.1:${port}`, "-CAfile", certPath, "-verify_hostname", "localhost", "-verify_return_error", "-quiet"]);
      try {
        client.write("generated\n");
        await until(() => got.join("").includes("generated"), "data over a generated certificate");
      } finally {
        client.stop();
        t.close();
      }
    }
  });

  test("PEM round trips; public-only keys; loading errors are NetError(ERR_INVALID_DATA)", () => {
    const crypto = new Crypto();
    const key = crypto.generateEcdsa();
    const again = new CryptoKey();
    again.loadFromString(key.saveToString());
    assert.equal(again.saveToString(), key.saveToString());
    const pub = new CryptoKey();
    pub.loadFromString(key.saveToString(true), true);
    assert.equal(pub.isPublicOnly(), true);
    assert.equal(pub.saveToString(true), key.saveToString(true));
    // Godot 4.6's save_to_string(false) of a public-only key fails and returns "".
    assert.equal(pub.saveToString(), "");
    assert.throws(() => new CryptoKey().loadFromString("not a key"), (e: unknown) => e instanceof NetError && e.code === GodotError.ERR_INVALID_DATA);
    assert.throws(() => new X509Certificate().loadFromString("-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n"), (e: unknown) => e instanceof NetError && e.code === GodotError.ERR_INVALID_DATA);
    assert.throws(() => TLSOptions.server(pub, new X509Certificate()), RangeError);
    assert.throws(() => TLSOptions.server(key, new X509Certificate()), /holds no certificate/);
    // A key that is not the certificate's: refused at once, EC and RSA alike.
    const cert = crypto.generateSelfSignedCertificate(key);
    assert.throws(() => TLSOptions.server(crypto.generateEcdsa(), cert), /not the private key of the certificate/);
    assert.throws(() => TLSOptions.server(crypto.generateRsa(1024), cert), /not the private key of the certificate/);
    const rsa = crypto.generateRsa(1024);
    assert.throws(() => TLSOptions.server(crypto.generateRsa(1024), crypto.generateSelfSignedCertificate(rsa)), /not the private key/);
    assert.equal(TLSOptions.server(rsa, crypto.generateSelfSignedCertificate(rsa)).isServer(), true);
    assert.equal(TLSOptions.server(key, cert).isServer(), true);
    assert.throws(() => TLSOptions.server({} as never, new X509Certificate()), TypeError);
  });

  test("RSA keys from openssl (PKCS#8 and PKCS#1): signatures and PKCS#1 v1.5 encryption both ways with openssl", { skip }, () => {
    const crypto = new Crypto();
    const dir = scratchDir("rsa-key");
    const data = join(dir, "data.txt");
    writeFileSync(data, "signed by both");
    const digest = new Uint8Array(createHash("sha256").update("signed by both").digest());
    for (const [bits, format] of [[1024, "pkcs8"], [2048, "pkcs1"], [4096, "pkcs8"]] as const) {
      const keyPath = join(dir, `k${bits}.pem`);
      const pubPath = join(dir, `k${bits}.pub.pem`);
      openssl(["genpkey", "-algorithm", "RSA", "-pkeyopt", `rsa_keygen_bits:${bits}`, "-out", keyPath]);
      if (format === "pkcs1") openssl(["rsa", "-in", keyPath, "-out", keyPath, "-traditional"]);
      openssl(["pkey", "-in", keyPath, "-pubout", "-out", pubPath]);
      const key = new CryptoKey();
      key.loadFromString(readFileSync(keyPath, "utf8"));
      assert.match(key.saveToString(), format === "pkcs1" ? /^-----BEGIN RSA PRIVATE KEY-----/ : /^-----BEGIN PRIVATE KEY-----/);
      assert.equal(key.saveToString(true), readFileSync(pubPath, "utf8"), "our public PEM is openssl's");

      const theirs = join(dir, `theirs${bits}.sig`);
      openssl(["dgst", "-sha256", "-sign", keyPath, "-out", theirs, data]);
      const theirSignature = new Uint8Array(readFileSync(theirs));
      assert.equal(crypto.verify(HashType.HASH_SHA256, digest, theirSignature, key), true);
      assert.deepEqual(crypto.sign(HashType.HASH_SHA256, digest, key), theirSignature, "PKCS#1 v1.5 signatures are deterministic");
      theirSignature[10]! ^= 1;
      assert.equal(crypto.verify(HashType.HASH_SHA256, digest, theirSignature, key), false);
      const ours = join(dir, `ours${bits}.sig`);
      writeFileSync(ours, crypto.sign(HashType.HASH_SHA256, digest, key));
      assert.match(openssl(["dgst", "-sha256", "-verify", pubPath, "-signature", ours, data]), /Verified OK/);

      const plain = join(dir, "plain.bin");
      writeFileSync(plain, "a secret for RSA");
      const cipherPath = join(dir, `c${bits}.bin`);
      openssl(["pkeyutl", "-encrypt", "-pubin", "-inkey", pubPath, "-pkeyopt", "rsa_padding_mode:pkcs1", "-in", plain, "-out", cipherPath]);
      assert.equal(dec(crypto.decrypt(key, new Uint8Array(readFileSync(cipherPath)))), "a secret for RSA");
      const pubOnly = new CryptoKey();
      pubOnly.loadFromString(readFileSync(pubPath, "utf8"), true);
      writeFileSync(cipherPath, crypto.encrypt(pubOnly, new TextEncoder().encode("from packetpeer")));
      assert.equal(openssl(["pkeyutl", "-decrypt", "-inkey", keyPath, "-pkeyopt", "rsa_padding_mode:pkcs1", "-in", cipherPath]), "from packetpeer");
      const max = bits / 8 - 11;
      assert.equal(crypto.decrypt(key, crypto.encrypt(pubOnly, new Uint8Array(max).fill(7))).length, max);
      assert.throws(() => crypto.encrypt(pubOnly, new Uint8Array(max + 1)), RangeError);
      const tampered = crypto.encrypt(pubOnly, new Uint8Array(4));
      tampered[tampered.length - 1]! ^= 1;
      assert.equal(crypto.decrypt(key, tampered).length, 0, "an invalid ciphertext decrypts to nothing, as in Godot");
      assert.equal(crypto.decrypt(key, new Uint8Array(5)).length, 0);
    }
  });

  test("RSA errors: sizes, public-only keys, EC keys, malformed and inconsistent RSA keys", { skip }, () => {
    const crypto = new Crypto();
    assert.throws(() => crypto.generateRsa(512), RangeError);
    assert.throws(() => crypto.generateRsa(2048.5), RangeError);
    const rsa = crypto.generateRsa(1024);
    const pub = new CryptoKey();
    pub.loadFromString(rsa.saveToString(true), true);
    const digest = new Uint8Array(32);
    assert.throws(() => crypto.sign(HashType.HASH_SHA256, new Uint8Array(20), rsa), /sha256 hash is 32 bytes/);
    assert.throws(() => crypto.sign(7 as HashType, digest, rsa), RangeError);
    assert.throws(() => crypto.sign(HashType.HASH_SHA256, digest, pub), (e: unknown) => e instanceof NetError && e.code === GodotError.ERR_INVALID_PARAMETER);
    assert.throws(() => crypto.decrypt(pub, new Uint8Array(128)), (e: unknown) => e instanceof NetError && e.code === GodotError.ERR_INVALID_PARAMETER);
    assert.throws(() => crypto.encrypt(crypto.generateEcdsa(), new Uint8Array(1)), (e: unknown) => e instanceof NetError && e.code === GodotError.ERR_INVALID_PARAMETER);
    // MD5 and SHA-1 digests sign too (Godot's HashType), and ECDSA signs a digest as mbedTLS does.
    for (const [type, length] of [[HashType.HASH_MD5, 16], [HashType.HASH_SHA1, 20]] as const) {
      const h = new Uint8Array(length).fill(3);
      assert.equal(crypto.verify(type, h, crypto.sign(type, h, rsa), pub), true);
      assert.equal(crypto.verify(HashType.HASH_SHA256, digest, crypto.sign(type, h, rsa), pub), false);
    }
    const ec = crypto.generateEcdsa("P-384");
    assert.equal(crypto.verify(HashType.HASH_SHA256, digest, crypto.sign(HashType.HASH_SHA256, digest, ec), ec), true);
    assert.equal(crypto.verify(HashType.HASH_SHA256, digest, new Uint8Array(8), ec), false);

    const dir = scratchDir("rsa-bad");
    const small = join(dir, "small.pem");
    openssl(["genpkey", "-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:512", "-out", small]);
    assert.throws(() => new CryptoKey().loadFromString(readFileSync(small, "utf8")), (e: unknown) => e instanceof NetError && e.code === GodotError.ERR_INVALID_DATA && /1024 to 8192 bits/.test(e.message));
    // Its public half loads (public keys are checked when used), and encrypting with it is refused.
    const smallPub = new CryptoKey();
    smallPub.loadFromString(openssl(["pkey", "-in", small, "-pubout"]), true);
    assert.throws(() => crypto.encrypt(smallPub, new Uint8Array(4)), /1024 to 8192 bits/);
    assert.equal(crypto.verify(HashType.HASH_SHA256, digest, new Uint8Array(64), smallPub), false);
    // The same key with its first prime changed: p * q no longer gives n.
    const parsed = AsnConvert.parse(rsaDer(rsa), RSAPrivateKey);
    const prime = new Uint8Array(parsed.prime1);
    prime[prime.length - 1]! ^= 0x02;
    parsed.prime1 = prime.buffer;
    const der = new Uint8Array(AsnConvert.serialize(parsed));
    assert.throws(() => new CryptoKey().loadFromString(pem("RSA PRIVATE KEY", der)), (e: unknown) => e instanceof NetError && e.code === GodotError.ERR_INVALID_DATA && /p \* q is not n/.test(e.message));
    // PKCS#1 public keys ("RSA PUBLIC KEY") load as public-only keys.
    const pkcs1Public = join(dir, "pkcs1-pub.pem");
    writeFileSync(join(dir, "k.pem"), rsa.saveToString());
    openssl(["rsa", "-in", join(dir, "k.pem"), "-RSAPublicKey_out", "-out", pkcs1Public]);
    const fromPkcs1 = new CryptoKey();
    fromPkcs1.loadFromString(readFileSync(pkcs1Public, "utf8"));
    assert.equal(fromPkcs1.isPublicOnly(), true);
    assert.equal(fromPkcs1.saveToString(true), rsa.saveToString(true));
  });

  test("HashingContext, HMACContext, hmacDigest and constantTimeCompare (FIPS 180 / RFC 1321 / RFC 2202 / RFC 4231 vectors)", () => {
    const abc = new TextEncoder().encode("abc");
    const vectors: [HashType, string][] = [
      [HashType.HASH_MD5, "900150983cd24fb0d6963f7d28e17f72"],
      [HashType.HASH_SHA1, "a9993e364706816aba3e25717850c26c9cd0d89d"],
      [HashType.HASH_SHA256, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"],
    ];
    for (const [type, expected] of vectors) {
      const ctx = new HashingContext();
      assert.equal(ctx.update(abc), GodotError.ERR_UNCONFIGURED);
      assert.equal(ctx.start(type), GodotError.OK);
      assert.equal(ctx.start(type), GodotError.ERR_ALREADY_IN_USE);
      ctx.update(abc.subarray(0, 1));
      ctx.update(abc.subarray(1));
      assert.equal(hex(ctx.finish()), expected);
      assert.throws(() => ctx.finish(), (e: unknown) => e instanceof NetError && e.code === GodotError.ERR_UNCONFIGURED);
    }
    const key = new TextEncoder().encode("Jefe");
    const msg = new TextEncoder().encode("what do ya want for nothing?");
    const crypto = new Crypto();
    assert.equal(hex(crypto.hmacDigest(HashType.HASH_SHA1, key, msg)), "effcdf6ae5eb2fa2d27416d5f184df9c259a7c79");
    assert.equal(hex(crypto.hmacDigest(HashType.HASH_SHA256, key, msg)), "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
    assert.throws(() => crypto.hmacDigest(HashType.HASH_MD5, key, msg), RangeError);
    const hmac = new HMACContext();
    assert.equal(hmac.start(HashType.HASH_SHA256, key), GodotError.OK);
    hmac.update(msg.subarray(0, 10));
    hmac.update(msg.subarray(10));
    assert.equal(hex(hmac.finish()), "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
    assert.throws(() => hmac.start(HashType.HASH_SHA256, new Uint8Array(0)), RangeError);
    assert.equal(crypto.constantTimeCompare(msg, msg.slice()), true);
    assert.equal(crypto.constantTimeCompare(msg, msg.subarray(1)), false);
    const changed = msg.slice();
    changed[27]! ^= 1;
    assert.equal(crypto.constantTimeCompare(msg, changed), false);
  });
});

function openssl(args: string[]): string {
  const r = spawnSync("openssl", args, { encoding: "utf8" });
  if (r.status !== 0) throw new Error(`openssl ${args.join(" ")}: ${r.stderr}`);
  return r.stdout;
}

function hex(bytes: Uint8Array): string {
  return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
}

/** The DER inside a key's PEM. */
function rsaDer(key: CryptoKey): Uint8Array {
  const body = key.saveToString().replace(/-----[A-Z ]+-----/g, "").replace(/\s/g, "");
  return Uint8Array.from(atob(body), (c) => c.charCodeAt(0));
}

function pem(label: string, der: Uint8Array): string {
  return `-----BEGIN ${label}-----\n${btoa(String.fromCharCode(...der))}\n-----END ${label}-----\n`;
}
