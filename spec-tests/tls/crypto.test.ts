// Crypto / CryptoKey / X509Certificate / TLSOptions: generated keys and self-signed certificates
// accepted by openssl (`openssl verify`, and a DTLS handshake verified by s_client), PEM round
// trips, and the errors for what is not supported or malformed.
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import { scratchDir } from "../support/temp-dir.ts";
import { join } from "node:path";
import { Crypto } from "../../src/crypto/crypto.ts";
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
    assert.equal(pub.saveToString(), key.saveToString(true));
    assert.throws(() => new CryptoKey().loadFromString("not a key"), (e: unknown) => e instanceof NetError && e.code === GodotError.ERR_INVALID_DATA);
    assert.throws(() => new X509Certificate().loadFromString("-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n"), (e: unknown) => e instanceof NetError && e.code === GodotError.ERR_INVALID_DATA);
    assert.throws(() => crypto.generateRsa(2048), (e: unknown) => e instanceof NetError && e.code === GodotError.ERR_UNAVAILABLE);
    assert.throws(() => TLSOptions.server(pub, new X509Certificate()), RangeError);
    assert.throws(() => TLSOptions.server({} as never, new X509Certificate()), TypeError);
  });

  test("an RSA private key is refused with ERR_INVALID_DATA naming the supported keys", { skip }, () => {
    const dir = scratchDir("rsa-key");
    const path = join(dir, "k.pem");
    spawnSync("openssl", ["genpkey", "-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:1024", "-out", path]);
    assert.throws(() => new CryptoKey().loadFromString(readFileSync(path, "utf8")), (e: unknown) => e instanceof NetError && e.code === GodotError.ERR_INVALID_DATA && /EC P-256\/P-384/.test(e.message));
  });
});
