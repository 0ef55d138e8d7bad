/**
 * RSA as Godot's Crypto and TLS 1.2 use it: the key containers (PKCS#1 RSAPrivateKey, the PKCS#8
 * and SubjectPublicKeyInfo wrappings) through @peculiar's ASN.1 schemas, and PKCS#1 v1.5 from
 * RFC 8017 — EMSA-PKCS1-v1_5 for signatures, RSAES-PKCS1-v1_5 for encryption. Public-key
 * operations (verify, encrypt) run here over `bigint`, on public data; the private-key operation
 * comes from the platform (util/rsa-platform.ts).
 */
import { AsnConvert } from "@peculiar/asn1-schema";
import { RSAPrivateKey, RSAPublicKey, id_rsaEncryption } from "@peculiar/asn1-rsa";
import { AlgorithmIdentifier, SubjectPublicKeyInfo } from "@peculiar/asn1-x509";
import { rsaPlatform } from "../util/rsa-platform.ts";

/** Smallest and largest moduli accepted, for keys loaded, generated and verified against. */
export const RSA_MIN_BITS = 1024;
export const RSA_MAX_BITS = 8192;

/** RFC 8017 7.2.1: the padding string is at least 8 bytes, plus the 00 02 ... 00 framing. */
const PKCS1_ENCRYPTION_OVERHEAD = 11;

/** The digests PKCS#1 v1.5 signatures name here: Godot's HashType ones and TLS 1.2's. */
export type RsaDigest = "md5" | "sha1" | "sha256" | "sha384" | "sha512";

/** DER DigestInfo prefixes, each followed by the digest (RFC 8017 9.2 note 1). */
const DIGEST_INFO_PREFIX: Record<RsaDigest, Uint8Array> = {
  md5: hex("3020300c06082a864886f70d020505000410"),
  sha1: hex("3021300906052b0e03021a05000414"),
  sha256: hex("3031300d060960864801650304020105000420"),
  sha384: hex("3041300d060960864801650304020205000430"),
  sha512: hex("3051300d060960864801650304020305000440"),
};

/** ASN.1 NULL: the parameters of rsaEncryption and of the sha*WithRSAEncryption signatures. */
export const ASN1_NULL = new Uint8Array([0x05, 0x00]);

export interface RsaPublicKeyMaterial {
  kind: "rsa";
  n: bigint;
  e: bigint;
  bits: number;
}

export interface RsaPrivateKeyMaterial {
  kind: "rsa";
  bits: number;
  /** The key as RSAPrivateKey DER: what the platform operation takes and what PEM export writes. */
  pkcs1: Uint8Array;
  publicKey: RsaPublicKeyMaterial;
}

export class RsaKeyError extends Error {}

function hex(text: string): Uint8Array {
  const out = new Uint8Array(text.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(text.slice(i * 2, i * 2 + 2), 16);
  return out;
}

export function bigFromBytes(bytes: Uint8Array): bigint {
  let v = 0n;
  for (const b of bytes) v = (v << 8n) | BigInt(b);
  return v;
}

/** `value` as exactly `length` big-endian bytes (RFC 8017's I2OSP); the caller knows it fits. */
function bytesFromBig(value: bigint, length: number): Uint8Array {
  const out = new Uint8Array(length);
  let v = value;
  for (let i = length - 1; i >= 0 && v > 0n; i--) {
    out[i] = Number(v & 0xffn);
    v >>= 8n;
  }
  return out;
}

/** Minimal big-endian bytes of a non-negative value (an ASN.1 INTEGER's content, sign byte included). */
function integerBytes(value: bigint): ArrayBuffer {
  let hexText = value.toString(16);
  if (hexText.length % 2) hexText = "0" + hexText;
  if (parseInt(hexText.slice(0, 2), 16) >= 0x80) hexText = "00" + hexText;
  return hex(hexText).buffer as ArrayBuffer;
}

function bitLength(n: bigint): number {
  return n.toString(2).length;
}

/** Square-and-multiply over public exponents only (verification and encryption). */
function modPowPublic(base: bigint, exp: bigint, mod: bigint): bigint {
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

function checkPublicNumbers(n: bigint, e: bigint): number {
  const bits = bitLength(n);
  if (bits < RSA_MIN_BITS || bits > RSA_MAX_BITS) throw new RsaKeyError(`RSA modulus of ${bits} bits: ${RSA_MIN_BITS} to ${RSA_MAX_BITS} bits are supported`);
  if ((n & 1n) === 0n || e < 3n || (e & 1n) === 0n || e > 0xffffffffn) throw new RsaKeyError("RSA key has an invalid modulus or public exponent");
  return bits;
}

/** The public key inside a SubjectPublicKeyInfo's bit string (an RSAPublicKey). */
export function rsaPublicFromBits(bits: Uint8Array): RsaPublicKeyMaterial {
  const k = AsnConvert.parse(bits, RSAPublicKey);
  const n = bigFromBytes(new Uint8Array(k.modulus));
  const e = bigFromBytes(new Uint8Array(k.publicExponent));
  // Certificates from the wild are checked when their signatures are, not refused on sight.
  return { kind: "rsa", n, e, bits: bitLength(n) };
}

/** A private key from RSAPrivateKey DER (PKCS#1, also the inside of a PKCS#8 rsaEncryption key). */
export function parseRsaPrivateKey(pkcs1: Uint8Array): RsaPrivateKeyMaterial {
  const k = AsnConvert.parse(pkcs1, RSAPrivateKey);
  if (k.version !== 0 || k.otherPrimeInfos) throw new RsaKeyError("multi-prime RSA keys are not supported");
  const n = bigFromBytes(new Uint8Array(k.modulus));
  const e = bigFromBytes(new Uint8Array(k.publicExponent));
  const bits = checkPublicNumbers(n, e);
  // A damaged key would sign garbage that every peer rejects; say so at load time instead.
  if (bigFromBytes(new Uint8Array(k.prime1)) * bigFromBytes(new Uint8Array(k.prime2)) !== n) throw new RsaKeyError("RSA key is inconsistent (p * q is not n)");
  return { kind: "rsa", bits, pkcs1: pkcs1.slice(), publicKey: { kind: "rsa", n, e, bits } };
}

/** SubjectPublicKeyInfo DER of an RSA public key. */
export function encodeRsaSpki(key: RsaPublicKeyMaterial): Uint8Array {
  const inner = new RSAPublicKey({ modulus: integerBytes(key.n), publicExponent: integerBytes(key.e) });
  const spki = new SubjectPublicKeyInfo({
    algorithm: new AlgorithmIdentifier({ algorithm: id_rsaEncryption, parameters: ASN1_NULL.slice().buffer }),
    subjectPublicKey: AsnConvert.serialize(inner),
  });
  return new Uint8Array(AsnConvert.serialize(spki));
}

function modulusBytes(key: RsaPublicKeyMaterial): number {
  return Math.ceil(key.bits / 8);
}

/** EMSA-PKCS1-v1_5: 00 01 FF..FF 00 DigestInfo, `length` bytes. */
function encodeSignatureBlock(digest: RsaDigest, hash: Uint8Array, length: number): Uint8Array {
  const prefix = DIGEST_INFO_PREFIX[digest];
  const t = prefix.length + hash.length;
  if (length < t + 11) throw new RangeError(`an RSA key of ${length * 8} bits is too small for a ${digest} signature`);
  const block = new Uint8Array(length);
  block[1] = 0x01;
  block.fill(0xff, 2, length - t - 1);
  block.set(prefix, length - t);
  block.set(hash, length - hash.length);
  return block;
}

/** RSASSA-PKCS1-v1_5 signature over an already computed `hash` (a `digest` digest). */
export function rsaSignHash(key: RsaPrivateKeyMaterial, digest: RsaDigest, hash: Uint8Array): Uint8Array {
  const block = encodeSignatureBlock(digest, hash, modulusBytes(key.publicKey));
  return rsaPlatform("RSA signing").privateOperation(key.pkcs1, block);
}

/** Checks an RSASSA-PKCS1-v1_5 signature over an already computed `hash`. */
export function rsaVerifyHash(key: RsaPublicKeyMaterial, digest: RsaDigest, hash: Uint8Array, signature: Uint8Array): boolean {
  if (key.bits < RSA_MIN_BITS || key.bits > RSA_MAX_BITS || key.e < 3n || key.e > 0xffffffffn) return false;
  const k = modulusBytes(key);
  if (signature.length !== k) return false;
  const s = bigFromBytes(signature);
  if (s >= key.n) return false;
  const recovered = bytesFromBig(modPowPublic(s, key.e, key.n), k);
  let expected: Uint8Array;
  try {
    expected = encodeSignatureBlock(digest, hash, k);
  } catch {
    return false;
  }
  let diff = 0;
  for (let i = 0; i < k; i++) diff |= recovered[i]! ^ expected[i]!;
  return diff === 0;
}

/** The most plaintext RSAES-PKCS1-v1_5 carries under `key`. */
export function rsaMaxPlaintext(key: RsaPublicKeyMaterial): number {
  return modulusBytes(key) - PKCS1_ENCRYPTION_OVERHEAD;
}

/** RSAES-PKCS1-v1_5 encryption; `random(n)` supplies the padding. Throws RangeError when `plaintext` is too long. */
export function rsaEncrypt(key: RsaPublicKeyMaterial, plaintext: Uint8Array, random: (length: number) => Uint8Array): Uint8Array {
  // The same bounds as verification: a public key from a PEM is not checked when loaded.
  if (key.bits < RSA_MIN_BITS || key.bits > RSA_MAX_BITS || key.e < 3n || key.e > 0xffffffffn) {
    throw new RangeError(`an RSA public key of ${key.bits} bits with exponent ${key.e}: ${RSA_MIN_BITS} to ${RSA_MAX_BITS} bits and an exponent of 3 to 2^32-1 are supported`);
  }
  const k = modulusBytes(key);
  const max = rsaMaxPlaintext(key);
  if (plaintext.length > max) throw new RangeError(`plaintext of ${plaintext.length} bytes: an RSA key of ${key.bits} bits encrypts at most ${max}`);
  const block = new Uint8Array(k);
  block[1] = 0x02;
  const padEnd = k - plaintext.length - 1;
  // The padding bytes must all be nonzero: redraw the zero ones.
  let at = 2;
  while (at < padEnd) {
    for (const b of random(padEnd - at)) {
      if (b !== 0 && at < padEnd) block[at++] = b;
    }
  }
  block.set(plaintext, padEnd + 1);
  return bytesFromBig(modPowPublic(bigFromBytes(block), key.e, key.n), k);
}

/**
 * RSAES-PKCS1-v1_5 decryption: the plaintext, or null when the ciphertext is not one (wrong
 * length, out of range, or bad padding). The padding is checked in one pass over every byte with no
 * early exit, so the time taken says little about where a forged block went wrong.
 */
export function rsaDecrypt(key: RsaPrivateKeyMaterial, ciphertext: Uint8Array): Uint8Array | null {
  const k = modulusBytes(key.publicKey);
  if (ciphertext.length !== k || bigFromBytes(ciphertext) >= key.publicKey.n) return null;
  const block = rsaPlatform("RSA decryption").privateOperation(key.pkcs1, ciphertext);
  let bad = block[0]! | (block[1]! ^ 0x02);
  let separator = 0;
  for (let i = 2; i < k; i++) {
    const isZero = ((block[i]! - 1) >> 8) & 1; // 1 when the byte is 0
    const first = isZero & (separator === 0 ? 1 : 0);
    separator |= first * i;
  }
  bad |= separator === 0 ? 1 : 0;
  bad |= separator < 2 + 8 ? 1 : 0;
  return bad === 0 ? block.slice(separator + 1) : null;
}
