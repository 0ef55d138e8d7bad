/**
 * RSA's private-key operation and key generation from node:crypto, which Node, Deno and Bun all
 * provide (OpenSSL, RustCrypto and BoringSSL underneath, each with blinding). runtimes.ts installs
 * it; see src/util/rsa-platform.ts for why this is not done over bigint.
 */
import { constants, createPrivateKey, generateKeyPairSync, privateDecrypt, type KeyObject } from "node:crypto";
import type { RsaPlatform } from "../util/rsa-platform.ts";

// Parsing a key is most of a 2048-bit signature's cost: keep one KeyObject per loaded key.
const keyObjects = new WeakMap<Uint8Array, KeyObject>();

function keyObject(pkcs1: Uint8Array): KeyObject {
  let key = keyObjects.get(pkcs1);
  if (!key) {
    key = createPrivateKey({ key: Buffer.from(pkcs1), format: "der", type: "pkcs1" });
    keyObjects.set(pkcs1, key);
  }
  return key;
}

export const nodeRsaPlatform: RsaPlatform = {
  generate(bits) {
    const { privateKey } = generateKeyPairSync("rsa", { modulusLength: bits, publicExponent: 65537 });
    return new Uint8Array(privateKey.export({ format: "der", type: "pkcs1" }));
  },
  privateOperation(pkcs1, input) {
    // Decryption without padding is the bare m = c^d mod n, the one private operation every
    // runtime's node:crypto offers (Node and Bun refuse PKCS#1 v1.5 decryption outright, and
    // Deno's privateEncrypt takes no raw mode); rsa.ts pads and unpads.
    return new Uint8Array(privateDecrypt({ key: keyObject(pkcs1), padding: constants.RSA_NO_PADDING }, input));
  },
};
