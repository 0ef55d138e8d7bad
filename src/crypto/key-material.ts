/**
 * Private and public key material in the forms the TLS code signs and verifies with:
 * EC keys on P-256/P-384 (noble) and RSA keys (rsa.ts).
 * Parsing of the DER containers (PKCS#8, SEC1, SubjectPublicKeyInfo) is done by
 * @peculiar's ASN.1 schemas; no hand-written ASN.1 parser.
 */
import { AsnConvert } from "@peculiar/asn1-schema";
import { ECParameters, ECPrivateKey, id_ecPublicKey } from "@peculiar/asn1-ecc";
import { PrivateKeyInfo } from "@peculiar/asn1-pkcs8";
import { id_rsaEncryption } from "@peculiar/asn1-rsa";
import { AlgorithmIdentifier, SubjectPublicKeyInfo } from "@peculiar/asn1-x509";
import { p256, p384 } from "@noble/curves/nist.js";
import { sha256, sha384, sha512 } from "@noble/hashes/sha2.js";
import { RsaKeyError, parseRsaPrivateKey, rsaPublicFromBits, rsaSignHash, rsaVerifyHash, type RsaPrivateKeyMaterial, type RsaPublicKeyMaterial } from "./rsa.ts";

export type EcCurve = "P-256" | "P-384";

export const CURVE_OIDS: Record<string, EcCurve> = { "1.2.840.10045.3.1.7": "P-256", "1.3.132.0.34": "P-384" };
const OID_OF_CURVE: Record<EcCurve, string> = { "P-256": "1.2.840.10045.3.1.7", "P-384": "1.3.132.0.34" };

export interface EcPublicKeyMaterial {
  kind: "ec";
  curve: EcCurve;
  point: Uint8Array;
}
export interface EcPrivateKeyMaterial {
  kind: "ec";
  curve: EcCurve;
  d: Uint8Array;
  publicKey: EcPublicKeyMaterial;
}
export type PublicKeyMaterial = EcPublicKeyMaterial | RsaPublicKeyMaterial;
export type PrivateKeyMaterial = EcPrivateKeyMaterial | RsaPrivateKeyMaterial;

export class KeyFormatError extends Error {}

function curveOf(params: ArrayBuffer | undefined | ECParameters): EcCurve {
  let oid: string | undefined;
  if (params instanceof ECParameters) oid = params.namedCurve;
  else if (params) oid = AsnConvert.parse(params, ECParameters).namedCurve;
  const curve = oid ? CURVE_OIDS[oid] : undefined;
  if (!curve) throw new KeyFormatError(`unsupported elliptic curve ${oid ?? "(none)"}: P-256 and P-384 are supported`);
  return curve;
}

export function ecCurveImpl(curve: EcCurve): typeof p256 {
  return curve === "P-384" ? p384 : p256;
}

function ecPrivate(curve: EcCurve, d: Uint8Array): EcPrivateKeyMaterial {
  const size = curve === "P-384" ? 48 : 32;
  const scalar = new Uint8Array(size);
  scalar.set(d.subarray(Math.max(0, d.length - size)), Math.max(0, size - d.length));
  const point = ecCurveImpl(curve).getPublicKey(scalar, false);
  return { kind: "ec", curve, d: scalar, publicKey: { kind: "ec", curve, point } };
}

/** A private key from PKCS#8 ("PRIVATE KEY"), SEC1 ("EC PRIVATE KEY") or PKCS#1 ("RSA PRIVATE KEY") DER. */
export function parsePrivateKey(der: Uint8Array, label: string): PrivateKeyMaterial {
  try {
    if (label === "EC PRIVATE KEY") {
      const k = AsnConvert.parse(der, ECPrivateKey);
      return ecPrivate(curveOf(k.parameters), new Uint8Array(k.privateKey.buffer));
    }
    if (label === "RSA PRIVATE KEY") return parseRsaPrivateKey(der);
    const info = AsnConvert.parse(der, PrivateKeyInfo);
    const alg = info.privateKeyAlgorithm.algorithm;
    if (alg === id_rsaEncryption) return parseRsaPrivateKey(new Uint8Array(info.privateKey.buffer));
    if (alg !== id_ecPublicKey) throw new KeyFormatError(`unsupported private key algorithm ${alg}`);
    const k = AsnConvert.parse(info.privateKey.buffer, ECPrivateKey);
    const params = info.privateKeyAlgorithm.parameters ?? undefined;
    return ecPrivate(curveOf(params ?? k.parameters), new Uint8Array(k.privateKey.buffer));
  } catch (e) {
    if (e instanceof KeyFormatError) throw e;
    if (e instanceof RsaKeyError) throw new KeyFormatError(e.message);
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
  if (alg === id_rsaEncryption) return rsaPublicFromBits(bits);
  throw new KeyFormatError(`unsupported public key algorithm ${alg}`);
}

/** Whether two public keys are the same key (EC points compared uncompressed). */
export function samePublicKey(a: PublicKeyMaterial, b: PublicKeyMaterial): boolean {
  if (a.kind === "rsa") return b.kind === "rsa" && a.n === b.n && a.e === b.e;
  if (b.kind !== "ec" || a.curve !== b.curve) return false;
  const impl = ecCurveImpl(a.curve);
  const pa = impl.Point.fromBytes(a.point).toBytes(false);
  const pb = impl.Point.fromBytes(b.point).toBytes(false);
  return pa.length === pb.length && pa.every((x, i) => x === pb[i]);
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
export function ecdsaSign(key: EcPrivateKeyMaterial, hash: SignatureHash, data: Uint8Array): Uint8Array {
  return ecdsaSignDigest(key, HASH_FNS[hash](data));
}

/** ECDSA signature (DER) over a digest already computed. */
export function ecdsaSignDigest(key: EcPrivateKeyMaterial, digest: Uint8Array): Uint8Array {
  return ecCurveImpl(key.curve).sign(digest, key.d, { prehash: false, format: "der", lowS: false });
}

/** Whether `signature` (DER) is `key`'s ECDSA signature over a digest already computed; false for anything malformed. */
export function ecdsaVerifyDigest(key: EcPublicKeyMaterial, digest: Uint8Array, signature: Uint8Array): boolean {
  try {
    return ecCurveImpl(key.curve).verify(signature, digest, key.point, { prehash: false, format: "der", lowS: false });
  } catch {
    return false;
  }
}

/** A signature over hash(data) as TLS and X.509 carry it: ECDSA (DER) or RSASSA-PKCS1-v1_5. */
export function signWithKey(key: PrivateKeyMaterial, hash: SignatureHash, data: Uint8Array): Uint8Array {
  if (key.kind === "ec") return ecdsaSign(key, hash, data);
  return rsaSignHash(key, hash, HASH_FNS[hash](data));
}

/** Verifies an ECDSA (DER) or RSASSA-PKCS1-v1_5 signature over hash(data). */
export function verifySignature(key: PublicKeyMaterial, hash: SignatureHash, data: Uint8Array, signature: Uint8Array): boolean {
  const digest = HASH_FNS[hash](data);
  try {
    if (key.kind === "ec") return ecdsaVerifyDigest(key, digest, signature);
    return rsaVerifyHash(key, hash, digest, signature);
  } catch {
    return false;
  }
}
