/**
 * Private and public key material in the forms the TLS code signs and verifies with:
 * EC keys on P-256/P-384 (noble) and RSA public keys (PKCS#1 v1.5 verification).
 * Parsing of the DER containers (PKCS#8, SEC1, SubjectPublicKeyInfo) is done by
 * @peculiar's ASN.1 schemas; no hand-written ASN.1 parser.
 */
import { AsnConvert } from "@peculiar/asn1-schema";
import { ECParameters, ECPrivateKey, id_ecPublicKey } from "@peculiar/asn1-ecc";
import { PrivateKeyInfo } from "@peculiar/asn1-pkcs8";
import { RSAPublicKey, id_rsaEncryption } from "@peculiar/asn1-rsa";
import { AlgorithmIdentifier, SubjectPublicKeyInfo } from "@peculiar/asn1-x509";
import { p256, p384 } from "@noble/curves/nist.js";
import { sha256, sha384, sha512 } from "@noble/hashes/sha2.js";

export type EcCurve = "P-256" | "P-384";

export const CURVE_OIDS: Record<string, EcCurve> = { "1.2.840.10045.3.1.7": "P-256", "1.3.132.0.34": "P-384" };
const OID_OF_CURVE: Record<EcCurve, string> = { "P-256": "1.2.840.10045.3.1.7", "P-384": "1.3.132.0.34" };

export type PublicKeyMaterial = { kind: "ec"; curve: EcCurve; point: Uint8Array } | { kind: "rsa"; n: bigint; e: bigint; bits: number };
export type PrivateKeyMaterial = { kind: "ec"; curve: EcCurve; d: Uint8Array; publicKey: PublicKeyMaterial & { kind: "ec" } };

export class KeyFormatError extends Error {}

function curveOf(params: ArrayBuffer | undefined | ECParameters): EcCurve {
  let oid: string | undefined;
  if (params instanceof ECParameters) oid = params.namedCurve;
  else if (params) oid = AsnConvert.parse(params, ECParameters).namedCurve;
  const curve = oid ? CURVE_OIDS[oid] : undefined;
  if (!curve) throw new KeyFormatError(`unsupported elliptic curve ${oid ?? "(none)"}: P-256 and P-384 are supported`);
  return curve;
}

function bigFrom(bytes: Uint8Array): bigint {
  let v = 0n;
  for (const b of bytes) v = (v << 8n) | BigInt(b);
  return v;
}

export function ecCurveImpl(curve: EcCurve): typeof p256 {
  return curve === "P-384" ? p384 : p256;
}

function ecPrivate(curve: EcCurve, d: Uint8Array): PrivateKeyMaterial {
  const size = curve === "P-384" ? 48 : 32;
  const scalar = new Uint8Array(size);
  scalar.set(d.subarray(Math.max(0, d.length - size)), Math.max(0, size - d.length));
  const point = ecCurveImpl(curve).getPublicKey(scalar, false);
  return { kind: "ec", curve, d: scalar, publicKey: { kind: "ec", curve, point } };
}

/** A private key from PKCS#8 ("PRIVATE KEY") or SEC1 ("EC PRIVATE KEY") DER. */
export function parsePrivateKey(der: Uint8Array, label: string): PrivateKeyMaterial {
  try {
    if (label === "EC PRIVATE KEY") {
      const k = AsnConvert.parse(der, ECPrivateKey);
      return ecPrivate(curveOf(k.parameters), new Uint8Array(k.privateKey.buffer));
    }
    if (label === "RSA PRIVATE KEY") throw new KeyFormatError("RSA private keys are not supported (use an EC P-256/P-384 key)");
    const info = AsnConvert.parse(der, PrivateKeyInfo);
    const alg = info.privateKeyAlgorithm.algorithm;
    if (alg === id_rsaEncryption) throw new KeyFormatError("RSA private keys are not supported (use an EC P-256/P-384 key)");
    if (alg !== id_ecPublicKey) throw new KeyFormatError(`unsupported private key algorithm ${alg}`);
    const k = AsnConvert.parse(info.privateKey.buffer, ECPrivateKey);
    const params = info.privateKeyAlgorithm.parameters ?? undefined;
    return ecPrivate(curveOf(params ?? k.parameters), new Uint8Array(k.privateKey.buffer));
  } catch (e) {
    if (e instanceof KeyFormatError) throw e;
    throw new KeyFormatError(`malformed private key: ${(e as Error).message}`);
  }
}

/** A public key from SubjectPublicKeyInfo DER. */
export function parseSpki(der: Uint8Array | ArrayBuffer): PublicKeyMaterial {
  try {
    const spki = AsnConvert.parse(der, SubjectPublicKeyInfo);
    return publicFromSpki(spki);
  } catch (e) {
    if (e instanceof KeyFormatError) throw e;
    throw new KeyFormatError(`malformed public key: ${(e as Error).message}`);
  }
}

export function publicFromSpki(spki: SubjectPublicKeyInfo): PublicKeyMaterial {
  const alg = spki.algorithm.algorithm;
  const bits = new Uint8Array(spki.subjectPublicKey);
  if (alg === id_ecPublicKey) {
    const curve = curveOf(spki.algorithm.parameters ?? undefined);
    ecCurveImpl(curve).Point.fromBytes(bits); // validates the point
    return { kind: "ec", curve, point: bits };
  }
  if (alg === id_rsaEncryption) {
    const k = AsnConvert.parse(bits, RSAPublicKey);
    const n = bigFrom(new Uint8Array(k.modulus));
    return { kind: "rsa", n, e: bigFrom(new Uint8Array(k.publicExponent)), bits: n.toString(2).length };
  }
  throw new KeyFormatError(`unsupported public key algorithm ${alg}`);
}

/** SubjectPublicKeyInfo DER of an EC public key. */
export function encodeEcSpki(curve: EcCurve, point: Uint8Array): Uint8Array {
  const spki = new SubjectPublicKeyInfo({
    algorithm: new AlgorithmIdentifier({ algorithm: id_ecPublicKey, parameters: AsnConvert.serialize(new ECParameters({ namedCurve: OID_OF_CURVE[curve] })) }),
    subjectPublicKey: point.slice().buffer,
  });
  return new Uint8Array(AsnConvert.serialize(spki));
}

export type SignatureHash = "sha256" | "sha384" | "sha512";
const HASH_FNS = { sha256, sha384, sha512 } as const;

/** ECDSA signature (DER, as TLS and X.509 carry it) over hash(data). */
export function ecdsaSign(key: PrivateKeyMaterial, hash: SignatureHash, data: Uint8Array): Uint8Array {
  const digest = HASH_FNS[hash](data);
  return ecCurveImpl(key.curve).sign(digest, key.d, { prehash: false, format: "der", lowS: false });
}

/** DigestInfo DER prefixes (RFC 8017 9.2 note 1). */
const DIGEST_INFO: Record<SignatureHash, string> = {
  sha256: "3031300d060960864801650304020105000420",
  sha384: "3041300d060960864801650304020205000430",
  sha512: "3051300d060960864801650304020305000440",
};

function modPow(base: bigint, exp: bigint, mod: bigint): bigint {
  let r = 1n;
  let b = base % mod;
  let e = exp;
  while (e > 0n) {
    if (e & 1n) r = (r * b) % mod;
    b = (b * b) % mod;
    e >>= 1n;
  }
  return r;
}

/** Verifies an ECDSA (DER) or RSASSA-PKCS1-v1_5 signature over hash(data). */
export function verifySignature(key: PublicKeyMaterial, hash: SignatureHash, data: Uint8Array, signature: Uint8Array): boolean {
  const digest = HASH_FNS[hash](data);
  try {
    if (key.kind === "ec") {
      return ecCurveImpl(key.curve).verify(signature, digest, key.point, { prehash: false, format: "der", lowS: false });
    }
    if (key.bits < 1024 || key.bits > 8192 || key.e > 0xffffffffn) return false;
    const k = Math.ceil(key.bits / 8);
    if (signature.length !== k) return false;
    const s = bigFrom(signature);
    if (s >= key.n) return false;
    const m = modPow(s, key.e, key.n);
    const info = DIGEST_INFO[hash];
    const t = info + Array.from(digest, (b) => b.toString(16).padStart(2, "0")).join("");
    const expected = "0001" + "ff".repeat(k - 3 - t.length / 2) + "00" + t;
    return m.toString(16).padStart(k * 2, "0") === expected;
  } catch {
    return false;
  }
}
