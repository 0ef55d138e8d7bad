/**
 * The cipher suites this DTLS implementation negotiates: ECDHE key exchange with
 * AEAD record protection (AES-GCM, RFC 5288/5289; ChaCha20-Poly1305, RFC 7905).
 * These are the suites mbedTLS (Godot) and OpenSSL prefer for DTLS 1.2.
 *
 * Order = our preference (as a server we pick the first the client offers; as a client we
 * offer them in this order). ChaCha20-Poly1305 comes first: in pure JavaScript it seals a
 * record 2-3x faster than AES-GCM (measured: 30 vs 57 us per 64-byte seal+open), since
 * AES-GCM pays its key schedule and GHASH tables per record with @noble/ciphers; with the
 * runtime's own ciphers (aead.ts) the two cost about the same on Node and ChaCha20 is faster on
 * Deno. Where ChaCha20-Poly1305 would run on noble while AES-GCM runs natively (Bun), the AES-GCM
 * suites come first instead: preferredSuiteIds().
 */
import { aeadBackend } from "./aead.ts";
import type { PrfHash } from "./prf.ts";

export type SuiteCipher = "aes-128-gcm" | "aes-256-gcm" | "chacha20-poly1305";
export type SuiteAuth = "ecdsa" | "rsa";

export interface CipherSuite {
  readonly id: number;
  readonly name: string;
  readonly auth: SuiteAuth;
  readonly cipher: SuiteCipher;
  readonly hash: PrfHash;
  readonly keyLength: number;
  /** Implicit IV bytes from the key block: 4 for GCM (salt), 12 for ChaCha20-Poly1305. */
  readonly fixedIvLength: number;
  /** Explicit nonce carried in each record: 8 for GCM, 0 for ChaCha20-Poly1305. */
  readonly explicitNonceLength: number;
}

/** Tag bytes of every suite's AEAD (defined with the AEAD, aead.ts). */
export { TAG_LENGTH } from "./aead.ts";

export const CIPHER_SUITES: readonly CipherSuite[] = [
  { id: 0xcca9, name: "TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256", auth: "ecdsa", cipher: "chacha20-poly1305", hash: "sha256", keyLength: 32, fixedIvLength: 12, explicitNonceLength: 0 },
  { id: 0xc02b, name: "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256", auth: "ecdsa", cipher: "aes-128-gcm", hash: "sha256", keyLength: 16, fixedIvLength: 4, explicitNonceLength: 8 },
  { id: 0xc02c, name: "TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384", auth: "ecdsa", cipher: "aes-256-gcm", hash: "sha384", keyLength: 32, fixedIvLength: 4, explicitNonceLength: 8 },
  { id: 0xcca8, name: "TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256", auth: "rsa", cipher: "chacha20-poly1305", hash: "sha256", keyLength: 32, fixedIvLength: 12, explicitNonceLength: 0 },
  { id: 0xc02f, name: "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256", auth: "rsa", cipher: "aes-128-gcm", hash: "sha256", keyLength: 16, fixedIvLength: 4, explicitNonceLength: 8 },
  { id: 0xc030, name: "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384", auth: "rsa", cipher: "aes-256-gcm", hash: "sha384", keyLength: 32, fixedIvLength: 4, explicitNonceLength: 8 },
];

export function suiteById(id: number): CipherSuite | undefined {
  return CIPHER_SUITES.find((s) => s.id === id);
}

export function suiteByName(name: string): CipherSuite | undefined {
  return CIPHER_SUITES.find((s) => s.name === name);
}

/**
 * Our suite ids in preference order: CIPHER_SUITES' (ECDSA suites, then RSA ones), with the
 * ChaCha20-Poly1305 suite of each group moved after its AES-GCM ones when `gcmFirst`.
 */
export function suiteOrder(gcmFirst: boolean): number[] {
  const rank = (s: CipherSuite): number => (s.auth === "rsa" ? 2 : 0) + (gcmFirst && s.cipher === "chacha20-poly1305" ? 1 : 0);
  // Array.prototype.sort is stable: within a rank the table's order stays.
  return [...CIPHER_SUITES].sort((a, b) => rank(a) - rank(b)).map((s) => s.id);
}

let preferred: readonly number[] | undefined;
let preferenceOverride: readonly number[] | undefined;

/**
 * Internal (not exported by the package): every session of this process made after the call
 * offers and picks only `ids` (undefined: the runtime's order again). The benchmark's lever for
 * measuring one suite.
 */
export function overrideSuitePreference(ids: readonly number[] | undefined): void {
  if (ids !== undefined && (ids.length === 0 || !ids.every((id) => suiteById(id) !== undefined))) throw new RangeError(`overrideSuitePreference: unknown suite in ${JSON.stringify(ids)}`);
  preferenceOverride = ids === undefined ? undefined : [...ids];
}

/**
 * Our suite ids in preference order on this runtime (decided once): AES-GCM before
 * ChaCha20-Poly1305 when this runtime seals AES-GCM natively and ChaCha20-Poly1305 only with
 * noble (Bun: AES-128-GCM ~5 us per 1200-byte seal+open against ~30 us), else the table's order.
 */
export function preferredSuiteIds(): readonly number[] {
  if (preferenceOverride !== undefined) return preferenceOverride;
  preferred ??= suiteOrder(aeadBackend("chacha20-poly1305") === "noble" && aeadBackend("aes-128-gcm") === "runtime");
  return preferred;
}
