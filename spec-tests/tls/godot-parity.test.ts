// Behaviour of TLSOptions, Crypto, HashingContext and HMACContext where Godot 4.6's source
// (core/crypto, modules/mbedtls) decides something a ported program can observe. The live
// counterpart, where the web build can run it, is crypto-parity.godot4.test.ts.
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { Crypto } from "../../src/crypto/crypto.ts";
import { TLSOptions } from "../../src/crypto/tls-options.ts";
import { clientConfig } from "../../src/dtls/tls-config.ts";

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
