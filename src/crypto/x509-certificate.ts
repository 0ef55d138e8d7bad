/** Godot's X509Certificate: one or more PEM certificates (a chain, leaf first). */
import { NetError, GodotError } from "../errors.ts";
import { parseCertificateDer, type CertificateInfo } from "./certificate-info.ts";
import { decodePem, encodePem } from "./pem.ts";

/** Bound on certificates one X509Certificate holds (a CA bundle has a few hundred). */
export const MAX_CERTIFICATES_PER_LOAD = 4096;

export class X509Certificate {
  /** @internal */ certificates: CertificateInfo[] = [];

  /** Loads add to the certificates held: `adding` more must stay within MAX_CERTIFICATES_PER_LOAD. */
  private checkRoomFor(adding: number): void {
    if (this.certificates.length + adding > MAX_CERTIFICATES_PER_LOAD) {
      throw new NetError(GodotError.ERR_OUT_OF_MEMORY, `X509Certificate: more than ${MAX_CERTIFICATES_PER_LOAD} certificates`);
    }
  }

  /**
   * Add every CERTIFICATE block of a PEM text to the certificates held, as Godot 4.6's
   * load_from_string does (mbedTLS appends to the chain: two loads hold both). Blocks that do not
   * parse are skipped when another one does, as Godot's; NetError(ERR_INVALID_DATA) when none does.
   */
  loadFromString(text: string): void {
    if (typeof text !== "string") throw new TypeError("text must be a PEM string");
    const blocks = decodePem(text).filter((b) => b.label === "CERTIFICATE");
    if (blocks.length === 0) throw new NetError(GodotError.ERR_INVALID_DATA, "X509Certificate: no CERTIFICATE block found");
    this.checkRoomFor(blocks.length);
    const parsed: CertificateInfo[] = [];
    let firstError = "";
    for (const b of blocks) {
      try {
        parsed.push(parseCertificateDer(b.der));
      } catch (e) {
        firstError ||= (e as Error).message;
      }
    }
    if (parsed.length === 0) throw new NetError(GodotError.ERR_INVALID_DATA, `X509Certificate: ${firstError}`);
    this.certificates.push(...parsed);
  }

  /** Add PEM text, PEM bytes, or one DER certificate (appending, as loadFromString). */
  load(data: string | Uint8Array): void {
    if (typeof data === "string") return this.loadFromString(data);
    if (!(data instanceof Uint8Array)) throw new TypeError("data must be a string or Uint8Array");
    if (data[0] === 0x30) {
      this.checkRoomFor(1);
      let cert: CertificateInfo;
      try {
        cert = parseCertificateDer(data);
      } catch (e) {
        throw new NetError(GodotError.ERR_INVALID_DATA, `X509Certificate: ${(e as Error).message}`);
      }
      this.certificates.push(cert);
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
