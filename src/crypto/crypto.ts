/**
 * Godot's Crypto, the part a TLS user needs: key generation and self-signed certificates
 * (for tests, examples and private deployments). EC keys only (see docs/dtls.md), so
 * `generateEcdsa` stands in for Godot's `generate_rsa`. Certificates are assembled with the
 * @peculiar/asn1-x509 schemas and signed with noble's ECDSA, synchronously as in Godot.
 */
import { AsnConvert, OctetString } from "@peculiar/asn1-schema";
import { ECParameters, ECPrivateKey, id_ecPublicKey } from "@peculiar/asn1-ecc";
import { PrivateKeyInfo } from "@peculiar/asn1-pkcs8";
import { AlgorithmIdentifier, AttributeTypeAndValue, AttributeValue, Certificate, Name, RelativeDistinguishedName, SubjectPublicKeyInfo, TBSCertificate, Validity, Version } from "@peculiar/asn1-x509";
import { p256, p384 } from "@noble/curves/nist.js";
import { GodotError, NetError } from "../errors.ts";
import { CryptoKey } from "./crypto-key.ts";
import { ecdsaSign, encodeEcSpki, type EcCurve } from "./key-material.ts";
import { encodePem } from "./pem.ts";
import { X509Certificate } from "./x509-certificate.ts";
import { secureRandomBytes } from "../util/platform-sources.ts";

const CURVE_OID: Record<EcCurve, string> = { "P-256": "1.2.840.10045.3.1.7", "P-384": "1.3.132.0.34" };

/** Godot's date form "YYYYMMDDhhmmss" (UTC). */
function parseGodotDate(text: string, name: string): Date {
  const m = /^(\d{4})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})$/.exec(text);
  if (!m) throw new RangeError(`${name} must be "YYYYMMDDhhmmss", got ${JSON.stringify(text)}`);
  return new Date(Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]), Number(m[4]), Number(m[5]), Number(m[6])));
}

function pkcs8(curve: EcCurve, d: Uint8Array): Uint8Array<ArrayBuffer> {
  const params = AsnConvert.serialize(new ECParameters({ namedCurve: CURVE_OID[curve] }));
  const inner = new ECPrivateKey({ version: 1, privateKey: new OctetString(d) });
  const info = new PrivateKeyInfo({
    version: 0,
    privateKeyAlgorithm: new AlgorithmIdentifier({ algorithm: id_ecPublicKey, parameters: params }),
    privateKey: new OctetString(AsnConvert.serialize(inner)),
  });
  return new Uint8Array(AsnConvert.serialize(info));
}

export class Crypto {
  /** `size` cryptographically random bytes (Godot's generate_random_bytes). */
  generateRandomBytes(size: number): Uint8Array {
    if (!Number.isInteger(size) || size < 0 || size > 65536) throw new RangeError(`size must be an integer in 0..65536, got ${size}`);
    return secureRandomBytes(size);
  }

  /** A new EC private key on `curve` (P-256 or P-384). */
  generateEcdsa(curve: EcCurve = "P-256"): CryptoKey {
    if (curve !== "P-256" && curve !== "P-384") throw new RangeError(`curve must be "P-256" or "P-384", got ${String(curve)}`);
    const impl = curve === "P-384" ? p384 : p256;
    const d = impl.utils.randomSecretKey();
    const key = new CryptoKey();
    key.loadFromString(encodePem("PRIVATE KEY", pkcs8(curve, d)));
    return key;
  }

  /** Godot's generate_rsa: RSA keys are not supported here (use generateEcdsa). */
  generateRsa(_size: number): CryptoKey {
    throw new NetError(GodotError.ERR_UNAVAILABLE, "Crypto.generateRsa: RSA private keys are not supported by packetpeer; use generateEcdsa()");
  }

  /**
   * A self-signed certificate for `key` (Godot's generate_self_signed_certificate). `issuerName`
   * is an X.500 name ("CN=...,O=...,C=..."); dates are "YYYYMMDDhhmmss" UTC. As in Godot there
   * is no subjectAltName, so host names are checked against the CN. Signed with ECDSA-SHA256
   * (P-256) or ECDSA-SHA384 (P-384).
   */
  generateSelfSignedCertificate(key: CryptoKey, issuerName = "CN=myserver,O=myorganisation,C=IT", notBefore = "20140101000000", notAfter = "20340101000000"): X509Certificate {
    if (!(key instanceof CryptoKey) || key.isPublicOnly() || !key.privateKey) throw new TypeError("key must be a CryptoKey holding a private key");
    if (typeof issuerName !== "string" || issuerName.length === 0) throw new TypeError("issuerName must be a non-empty string");
    const material = key.privateKey;
    const name = parseName(issuerName);
    const hash = material.curve === "P-384" ? "sha384" : "sha256";
    const signature = new AlgorithmIdentifier({ algorithm: hash === "sha384" ? "1.2.840.10045.4.3.3" : "1.2.840.10045.4.3.2" });
    const serial = secureRandomBytes(9);
    serial[0] = (serial[0]! & 0x7f) | 0x01; // positive, no leading zero
    const tbs = new TBSCertificate({
      version: Version.v3,
      serialNumber: serial.buffer,
      signature,
      issuer: name,
      validity: new Validity({ notBefore: parseGodotDate(notBefore, "notBefore"), notAfter: parseGodotDate(notAfter, "notAfter") }),
      subject: name,
      subjectPublicKeyInfo: AsnConvert.parse(encodeEcSpki(material.curve, material.publicKey.point), SubjectPublicKeyInfo),
    });
    const tbsDer = new Uint8Array(AsnConvert.serialize(tbs));
    const sig = ecdsaSign(material, hash, tbsDer);
    const cert = new Certificate({ tbsCertificate: tbs, signatureAlgorithm: signature, signatureValue: sig.slice().buffer });
    const out = new X509Certificate();
    out.load(new Uint8Array(AsnConvert.serialize(cert)));
    return out;
  }
}

const NAME_OIDS: Record<string, string> = { CN: "2.5.4.3", O: "2.5.4.10", OU: "2.5.4.11", C: "2.5.4.6", L: "2.5.4.7", ST: "2.5.4.8" };

/** "CN=a,O=b,C=IT" -> an X.500 Name (one attribute per RDN, in the given order). */
function parseName(text: string): Name {
  const rdns: RelativeDistinguishedName[] = [];
  for (const part of text.split(",")) {
    const eq = part.indexOf("=");
    const type = NAME_OIDS[part.slice(0, eq).trim().toUpperCase()];
    const value = part.slice(eq + 1).trim();
    if (eq <= 0 || !type || value.length === 0) throw new RangeError(`issuerName must be "KEY=value,..." with keys ${Object.keys(NAME_OIDS).join("/")}, got ${JSON.stringify(text)}`);
    const v = type === "2.5.4.6" ? new AttributeValue({ printableString: value }) : new AttributeValue({ utf8String: value });
    rdns.push(new RelativeDistinguishedName([new AttributeTypeAndValue({ type, value: v })]));
  }
  return new Name(rdns);
}
