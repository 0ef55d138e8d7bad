/**
 * What the TLS code needs from an X.509 certificate: its DER, the signed TBS bytes,
 * the signature, names, validity and public key. Parsed by @peculiar/asn1-x509.
 */
import { AsnConvert } from "@peculiar/asn1-schema";
import { Certificate, Name, SubjectAlternativeName, id_ce_subjectAltName, BasicConstraints, id_ce_basicConstraints } from "@peculiar/asn1-x509";
import { KeyFormatError, publicFromSpki, type PublicKeyMaterial, type SignatureHash } from "./key-material.ts";

export interface CertificateInfo {
  der: Uint8Array;
  tbs: Uint8Array;
  subjectDer: Uint8Array;
  issuerDer: Uint8Array;
  commonNames: string[];
  dnsNames: string[];
  ipAddresses: string[];
  notBefore: number;
  notAfter: number;
  isCa: boolean | undefined;
  publicKey: PublicKeyMaterial;
  signature: Uint8Array;
  /** The issuer's signature algorithm, or undefined when we cannot check it. */
  signatureAlgorithm: { kind: "ec" | "rsa"; hash: SignatureHash } | undefined;
}

const SIG_ALGS: Record<string, { kind: "ec" | "rsa"; hash: SignatureHash }> = {
  "1.2.840.10045.4.3.2": { kind: "ec", hash: "sha256" },
  "1.2.840.10045.4.3.3": { kind: "ec", hash: "sha384" },
  "1.2.840.10045.4.3.4": { kind: "ec", hash: "sha512" },
  "1.2.840.113549.1.1.11": { kind: "rsa", hash: "sha256" },
  "1.2.840.113549.1.1.12": { kind: "rsa", hash: "sha384" },
  "1.2.840.113549.1.1.13": { kind: "rsa", hash: "sha512" },
};

const OID_COMMON_NAME = "2.5.4.3";

function commonNames(name: Name): string[] {
  const out: string[] = [];
  for (const rdn of name) {
    for (const atv of rdn) if (atv.type === OID_COMMON_NAME) out.push(atv.value.toString());
  }
  return out;
}

export function parseCertificateDer(der: Uint8Array): CertificateInfo {
  try {
    const cert = AsnConvert.parse(der, Certificate);
    const tbs = cert.tbsCertificate;
    const dnsNames: string[] = [];
    const ipAddresses: string[] = [];
    let isCa: boolean | undefined;
    for (const ext of tbs.extensions ?? []) {
      if (ext.extnID === id_ce_subjectAltName) {
        for (const gn of AsnConvert.parse(ext.extnValue, SubjectAlternativeName)) {
          if (gn.dNSName) dnsNames.push(gn.dNSName);
          if (gn.iPAddress) ipAddresses.push(gn.iPAddress);
        }
      } else if (ext.extnID === id_ce_basicConstraints) {
        isCa = AsnConvert.parse(ext.extnValue, BasicConstraints).cA;
      }
    }
    if (!cert.tbsCertificateRaw) throw new KeyFormatError("certificate without TBS bytes");
    return {
      der: der.slice(),
      tbs: new Uint8Array(cert.tbsCertificateRaw),
      subjectDer: new Uint8Array(AsnConvert.serialize(tbs.subject)),
      issuerDer: new Uint8Array(AsnConvert.serialize(tbs.issuer)),
      commonNames: commonNames(tbs.subject),
      dnsNames,
      ipAddresses,
      notBefore: tbs.validity.notBefore.getTime().getTime(),
      notAfter: tbs.validity.notAfter.getTime().getTime(),
      isCa,
      publicKey: publicFromSpki(tbs.subjectPublicKeyInfo),
      signature: new Uint8Array(cert.signatureValue),
      signatureAlgorithm: SIG_ALGS[cert.signatureAlgorithm.algorithm],
    };
  } catch (e) {
    if (e instanceof KeyFormatError) throw e;
    throw new KeyFormatError(`malformed certificate: ${(e as Error).message}`);
  }
}
