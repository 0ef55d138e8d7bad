/**
 * Certificate chain verification for TLS/DTLS clients: the peer's chain must lead,
 * by issuer name and signature, to one of the trusted certificates (or contain one),
 * every certificate must be inside its validity period, and the leaf must name the
 * expected host (subjectAltName dNSName/iPAddress, else the common name; RFC 6125
 * left-most label wildcards).
 */
import { parseCertificateDer, type CertificateInfo } from "./certificate-info.ts";
import { verifySignature } from "./key-material.ts";
import { sameBytes } from "../util/same-bytes.ts";

export const MAX_CHAIN_LENGTH = 8;

export type ChainResult = { ok: true; leaf: CertificateInfo } | { ok: false; reason: string; badCertificate: boolean };

function signedBy(cert: CertificateInfo, issuer: CertificateInfo): boolean {
  const alg = cert.signatureAlgorithm;
  if (!alg || alg.kind !== issuer.publicKey.kind) return false;
  if (!sameBytes(cert.issuerDer, issuer.subjectDer)) return false;
  return verifySignature(issuer.publicKey, alg.hash, cert.tbs, cert.signature);
}

export function hostMatches(leaf: CertificateInfo, host: string): boolean {
  const h = host.toLowerCase().replace(/\.$/, "");
  if (/^[0-9.]+$/.test(h) || h.includes(":")) return leaf.ipAddresses.includes(h) || (leaf.dnsNames.length === 0 && leaf.commonNames.includes(h));
  const names = leaf.dnsNames.length > 0 ? leaf.dnsNames : leaf.commonNames;
  return names.some((n) => {
    const pattern = n.toLowerCase().replace(/\.$/, "");
    if (pattern === h) return true;
    if (pattern.startsWith("*.")) {
      const dot = h.indexOf(".");
      return dot > 0 && h.slice(dot) === pattern.slice(1);
    }
    return false;
  });
}

/**
 * `chainDer`: the peer's certificates, leaf first. `trusted`: the anchors. `host`:
 * the name to check, or undefined to skip the name check. `now`: ms since the epoch.
 */
export function verifyChain(chainDer: readonly Uint8Array[], trusted: readonly CertificateInfo[], host: string | undefined, now: number): ChainResult {
  if (chainDer.length === 0) return { ok: false, reason: "the peer sent no certificate", badCertificate: true };
  if (chainDer.length > MAX_CHAIN_LENGTH) return { ok: false, reason: `chain longer than ${MAX_CHAIN_LENGTH}`, badCertificate: true };
  let chain: CertificateInfo[];
  try {
    chain = chainDer.map((d) => parseCertificateDer(d));
  } catch (e) {
    return { ok: false, reason: (e as Error).message, badCertificate: true };
  }
  const leaf = chain[0]!;
  for (const c of chain) {
    if (now < c.notBefore || now > c.notAfter) return { ok: false, reason: "certificate outside its validity period", badCertificate: true };
  }
  let anchored = false;
  for (let i = 0; i < chain.length && !anchored; i++) {
    const c = chain[i]!;
    if (trusted.some((t) => sameBytes(t.der, c.der) || signedBy(c, t))) {
      anchored = true;
      break;
    }
    const next = chain[i + 1];
    if (!next || !signedBy(c, next) || next.isCa === false) break;
  }
  if (!anchored) return { ok: false, reason: "certificate chain not signed by a trusted certificate", badCertificate: false };
  if (host !== undefined && !hostMatches(leaf, host)) return { ok: false, reason: `certificate does not name "${host}"`, badCertificate: true };
  return { ok: true, leaf };
}
