/**
 * The TLS 1.2 pseudo-random function (RFC 5246 section 5): P_hash over HMAC with the
 * cipher suite's hash, and the derivations built on it (master secret, key block,
 * Finished verify_data).
 */
import { hmac } from "@noble/hashes/hmac.js";
import { sha256, sha384 } from "@noble/hashes/sha2.js";
import { concatBytes } from "../util/copy-bytes.ts";

export type PrfHash = "sha256" | "sha384";

const HASHES = { sha256, sha384 } as const;
const ENCODER = new TextEncoder();



/** PRF(secret, label, seed) truncated to `length` bytes. */
export function prf(hash: PrfHash, secret: Uint8Array, label: string, seed: Uint8Array, length: number): Uint8Array {
  const h = HASHES[hash];
  const labelSeed = concatBytes([ENCODER.encode(label), seed]);
  const out = new Uint8Array(length);
  let a = labelSeed; // A(0)
  let filled = 0;
  while (filled < length) {
    a = hmac(h, secret, a); // A(i)
    const block = hmac(h, secret, concatBytes([a, labelSeed]));
    const take = Math.min(block.length, length - filled);
    out.set(block.subarray(0, take), filled);
    filled += take;
  }
  return out;
}

export const MASTER_SECRET_LENGTH = 48;

/** RFC 5246 8.1 master secret from the premaster secret and both randoms. */
export function masterSecret(hash: PrfHash, premaster: Uint8Array, clientRandom: Uint8Array, serverRandom: Uint8Array): Uint8Array {
  return prf(hash, premaster, "master secret", concatBytes([clientRandom, serverRandom]), MASTER_SECRET_LENGTH);
}

/** RFC 7627 extended master secret: bound to the hash of the handshake through ClientKeyExchange. */
export function extendedMasterSecret(hash: PrfHash, premaster: Uint8Array, sessionHash: Uint8Array): Uint8Array {
  return prf(hash, premaster, "extended master secret", sessionHash, MASTER_SECRET_LENGTH);
}

/** RFC 5246 6.3: the key block (note: server_random first here). */
export function keyBlock(hash: PrfHash, master: Uint8Array, clientRandom: Uint8Array, serverRandom: Uint8Array, length: number): Uint8Array {
  return prf(hash, master, "key expansion", concatBytes([serverRandom, clientRandom]), length);
}

/** RFC 5246 7.4.9 Finished.verify_data. */
export function finishedVerifyData(hash: PrfHash, master: Uint8Array, fromClient: boolean, transcriptHash: Uint8Array): Uint8Array {
  return prf(hash, master, fromClient ? "client finished" : "server finished", transcriptHash, 12);
}
