/**
 * Turns Godot's TLSOptions into the DTLS core's configuration: the server's chain and
 * key, or the client's certificate verifier (trusted chain, host name or
 * common_name_override; clientUnsafe: the chain alone when one is given, else nothing).
 */
import { AlertDescription } from "./constants.ts";
import type { DtlsConfig, PeerVerdict } from "./session.ts";
import { verifyChain } from "../crypto/chain-verify.ts";
import { parseCertificateDer } from "../crypto/certificate-info.ts";
import type { TLSOptions } from "../crypto/tls-options.ts";
import { secureRandomBytes, wallClockNow } from "../util/platform-sources.ts";
import { rsaPlatform } from "../util/rsa-platform.ts";

export type RandomSource = (length: number) => Uint8Array;

export const defaultRandom: RandomSource = secureRandomBytes;

export function serverConfig(options: TLSOptions, random: RandomSource = defaultRandom): DtlsConfig {
  const key = options.getPrivateKey()?.privateKey;
  const chain = options.getOwnCertificate()?.derChain() ?? [];
  if (!options.isServer() || !key || chain.length === 0) throw new TypeError("server options must come from TLSOptions.server(key, certificate)");
  // Refuse now rather than fail every handshake later where the runtime cannot sign with RSA.
  if (key.kind === "rsa") rsaPlatform("a TLS server with an RSA key");
  return { random, certificateChain: chain, privateKey: key };
}

/** `hostname`: the name the server must prove and the server_name sent (commonNameOverride replaces it; clientUnsafe sends none). `wallClock`: for validity checks. */
export function clientConfig(options: TLSOptions, hostname: string, random: RandomSource = defaultRandom, wallClock: () => number = wallClockNow): DtlsConfig {
  if (options.isServer()) throw new TypeError("client options must come from TLSOptions.client() or clientUnsafe()");
  const unsafe = options.isUnsafeClient();
  // A copy: loading more into the X509Certificate later (loads append) must not change what this configuration trusts.
  const trusted = [...(options.getTrustedCaChain()?.certificates ?? [])];
  const expectedName = options.getCommonNameOverride() || hostname;
  const verifyPeer = (chain: Uint8Array[]): PeerVerdict => {
    // As Godot 4.6's TLS context: clientUnsafe(trustedChain) still requires the chain to lead to
    // trustedChain and skips only the name check; only clientUnsafe() without one checks nothing.
    if (unsafe && options.getTrustedCaChain() === null) {
      try {
        const leaf = chain[0];
        if (!leaf) return { ok: false, reason: "the server sent no certificate", alert: AlertDescription.bad_certificate };
        return { ok: true, publicKey: parseCertificateDer(leaf).publicKey };
      } catch (e) {
        return { ok: false, reason: (e as Error).message, alert: AlertDescription.bad_certificate };
      }
    }
    if (trusted.length === 0) return { ok: false, reason: "no trusted certificates given (TLSOptions.client(trustedChain)); there is no system store", alert: AlertDescription.unknown_ca };
    const result = verifyChain(chain, trusted, unsafe ? undefined : expectedName, wallClock());
    if (result.ok) return { ok: true, publicKey: result.leaf.publicKey };
    const hostnameMismatch = result.reason.startsWith("certificate does not name");
    return { ok: false, reason: result.reason, alert: result.badCertificate ? AlertDescription.bad_certificate : AlertDescription.unknown_ca, hostnameMismatch };
  };
  // server_name as Godot 4.6's mbedtls_ssl_set_hostname call sends it: the name verified
  // (commonNameOverride when given), and none at all for clientUnsafe.
  return { random, verifyPeer, serverName: unsafe ? undefined : expectedName };
}
