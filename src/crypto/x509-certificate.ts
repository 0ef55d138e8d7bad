/** Godot's X509Certificate: one or more PEM certificates (a chain, leaf first). */
import { NetError, GodotError } from "../errors.ts";
import { parseCertificateDer, type CertificateInfo } from "./certificate-info.ts";
import { decodePem, encodePem } from "./pem.ts";

/** Bound on certificates loaded from one string (a CA bundle has a few hundred). */
export const MAX_CERTIFICATES_PER_LOAD = 4096;

export class X509Certificate {
  /** @internal */ certificates: CertificateInfo[] = [];

  /** Load every CERTIFICATE block of a PEM text. Throws NetError(ERR_INVALID_DATA) when there is none or one is malformed. */
  loadFromString(text: string): void {
    if (typeof text !== "string") throw new TypeError("text must be a PEM string");
    const blocks = decodePem(text).filter((b) => b.label === "CERTIFICATE");
    if (blocks.length === 0) throw new NetError(GodotError.ERR_INVALID_DATA, "X509Certificate: no CERTIFICATE block found");
    if (blocks.length > MAX_CERTIFICATES_PER_LOAD) throw new NetError(GodotError.ERR_OUT_OF_MEMORY, `X509Certificate: more than ${MAX_CERTIFICATES_PER_LOAD} certificates`);
    try {
      this.certificates = blocks.map((b) => parseCertificateDer(b.der));
    } catch (e) {
      throw new NetError(GodotError.ERR_INVALID_DATA, `X509Certificate: ${(e as Error).message}`);
    }
  }

  /** Load PEM text, PEM bytes, or one DER certificate. */
  load(data: string | Uint8Array): void {
    if (typeof data === "string") return this.loadFromString(data);
    if (!(data instanceof Uint8Array)) throw new TypeError("data must be a string or Uint8Array");
    if (data[0] === 0x30) {
      try {
        this.certificates = [parseCertificateDer(data)];
      } catch (e) {
        throw new NetError(GodotError.ERR_INVALID_DATA, `X509Certificate: ${(e as Error).message}`);
      }
      return;
    }
    this.loadFromString(new TextDecoder().decode(data));
  }

  /** PEM text of every certificate held (Godot's `save_to_string`). */
  saveToString(): string {
    return this.certificates.map((c) => encodePem("CERTIFICATE", c.der)).join("");
  }

  /** @internal DER of every certificate, leaf first. */
  derChain(): Uint8Array[] {
    return this.certificates.map((c) => c.der);
  }
}
