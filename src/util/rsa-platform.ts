/**
 * Where RSA's private-key operation comes from. `bigint` arithmetic is not constant-time, so
 * packetpeer does not raise anything to a secret exponent itself: the entries for Node, Deno and
 * Bun install the platform's own implementation (node:crypto, which is OpenSSL, BoringSSL or
 * RustCrypto underneath, with blinding); `packetpeer/core` and the browser entry install none, and
 * there RSA private keys load and export but cannot sign, decrypt or be generated.
 */
import { GodotError, NetError } from "../errors.ts";

export interface RsaPlatform {
  /** A new two-prime key of `bits` bits with public exponent 65537, as PKCS#1 RSAPrivateKey DER. */
  generate(bits: number): Uint8Array;
  /**
   * `input`^d mod n for the key in `pkcs1` (RSAPrivateKey DER), where `input` is exactly the
   * modulus length in bytes and less than n; the result has the same length. No padding is added
   * or checked: the callers apply PKCS#1 v1.5 themselves (rsa.ts).
   */
  privateOperation(pkcs1: Uint8Array, input: Uint8Array): Uint8Array;
}

let installed: RsaPlatform | null = null;

export function installRsaPlatform(platform: RsaPlatform): void {
  installed = platform;
}

/** The installed platform, or NetError(ERR_UNAVAILABLE) naming `what` needed it. */
export function rsaPlatform(what: string): RsaPlatform {
  if (installed) return installed;
  throw new NetError(
    GodotError.ERR_UNAVAILABLE,
    `${what}: RSA private-key operations need the runtime's crypto (node:crypto on Node, Deno and Bun), which this entry (packetpeer/core or the browser) does not load; use an EC key (Crypto.generateEcdsa) here`,
  );
}
