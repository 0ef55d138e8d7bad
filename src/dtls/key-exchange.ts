/**
 * Ephemeral ECDH for the ECDHE suites: P-256, P-384 (uncompressed points, RFC 8422 5.4)
 * and X25519 (RFC 7748 / RFC 8422 5.11). The premaster secret is the shared x-coordinate.
 */
import { x25519 } from "@noble/curves/ed25519.js";
import { p256, p384 } from "@noble/curves/nist.js";
import { NamedGroup } from "./constants.ts";

export const SUPPORTED_GROUPS: readonly NamedGroup[] = [NamedGroup.x25519, NamedGroup.secp256r1, NamedGroup.secp384r1];

export interface EphemeralKey {
  readonly group: NamedGroup;
  readonly publicKey: Uint8Array;
  /** The premaster secret with `peerPublic`; undefined when the peer's point is invalid. */
  agree(peerPublic: Uint8Array): Uint8Array | undefined;
}

/** A new ephemeral key for `group` from 96 bytes of injected randomness. */
export function generateEphemeral(group: NamedGroup, seed: Uint8Array): EphemeralKey {
  if (group === NamedGroup.x25519) {
    const secret = seed.slice(0, 32);
    const publicKey = x25519.getPublicKey(secret);
    return {
      group,
      publicKey,
      agree(peer) {
        if (peer.length !== 32) return undefined;
        try {
          const shared = x25519.getSharedSecret(secret, peer);
          // RFC 7748 6.1: an all-zero result means a small-order point; refuse it.
          if (shared.every((b) => b === 0)) return undefined;
          return shared;
        } catch {
          return undefined;
        }
      },
    };
  }
  const curve = group === NamedGroup.secp384r1 ? p384 : p256;
  const size = group === NamedGroup.secp384r1 ? 48 : 32;
  // Reduce the seed into a valid scalar (noble asks for 1.5x the scalar size: negligible bias).
  const secret = curve.utils.randomSecretKey(seed.slice(0, size + size / 2));
  const publicKey = curve.getPublicKey(secret, false);
  return {
    group,
    publicKey,
    agree(peer) {
      if (peer.length !== 1 + 2 * size || peer[0] !== 4) return undefined;
      try {
        return curve.getSharedSecret(secret, peer, true).slice(1);
      } catch {
        return undefined;
      }
    },
  };
}
