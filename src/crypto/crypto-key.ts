/**
 * Godot's CryptoKey: a private key (or a public key alone) loaded from PEM.
 * RSA keys (1024 to 8192 bits) and EC keys on P-256 and P-384; see docs/dtls.md.
 */
import { NetError, GodotError } from "../errors.ts";
import { decodePem, encodePem } from "./pem.ts";
import { encodeRsaSpki, rsaPublicFromBits } from "./rsa.ts";
import { KeyFormatError, encodeEcSpki, parsePrivateKey, samePublicKey, parseSpki, type PrivateKeyMaterial, type PublicKeyMaterial } from "./key-material.ts";

export class CryptoKey {
  /** @internal */ privateKey: PrivateKeyMaterial | undefined;
  /** @internal */ publicKey: PublicKeyMaterial | undefined;
  private privateDer: Uint8Array | undefined;
  private privateLabel = "PRIVATE KEY";

  /** Load a PEM key from text (Godot's `load_from_string`). Throws NetError(ERR_INVALID_DATA) when it is not a supported key. */
  loadFromString(text: string, publicOnly = false): void {
    if (typeof text !== "string") throw new TypeError("text must be a PEM string");
    if (typeof publicOnly !== "boolean") throw new TypeError("publicOnly must be a boolean");
    const blocks = decodePem(text).filter((b) => /PRIVATE KEY$|^(RSA )?PUBLIC KEY$/.test(b.label));
    const block = blocks[0];
    if (!block) throw new NetError(GodotError.ERR_INVALID_DATA, "CryptoKey: no PEM key block found");
    try {
      if (publicOnly || block.label.endsWith("PUBLIC KEY")) {
        if (!block.label.endsWith("PUBLIC KEY")) throw new KeyFormatError("expected a PUBLIC KEY block");
        this.publicKey = block.label === "RSA PUBLIC KEY" ? rsaPublicFromBits(block.der) : parseSpki(block.der);
        this.privateKey = undefined;
        this.privateDer = undefined;
      } else {
        this.privateKey = parsePrivateKey(block.der, block.label);
        this.publicKey = this.privateKey.publicKey;
        this.privateDer = block.der.slice();
        this.privateLabel = block.label;
      }
    } catch (e) {
      throw new NetError(GodotError.ERR_INVALID_DATA, `CryptoKey: ${(e as Error).message}`);
    }
  }

  /** Load PEM text or its UTF-8 bytes. */
  load(data: string | Uint8Array, publicOnly = false): void {
    this.loadFromString(typeof data === "string" ? data : new TextDecoder().decode(data), publicOnly);
  }

  /**
   * @internal Whether this is the key `publicKey` belongs to. A method here, so that TLSOptions
   * (which ENet imports) can check a server's key without loading the key code itself.
   */
  isKeyOf(publicKey: PublicKeyMaterial): boolean {
    return this.publicKey !== undefined && samePublicKey(this.publicKey, publicKey);
  }

  isPublicOnly(): boolean {
    return this.privateKey === undefined;
  }

  /**
   * PEM text of the key (Godot's `save_to_string`); the public half when `publicOnly`. Empty when
   * nothing is loaded, and for the private form of a public-only key (as Godot 4.6 returns).
   */
  saveToString(publicOnly = false): string {
    if (!publicOnly) return this.privateDer ? encodePem(this.privateLabel, this.privateDer) : "";
    const pub = this.publicKey;
    if (!pub) return "";
    return encodePem("PUBLIC KEY", pub.kind === "rsa" ? encodeRsaSpki(pub) : encodeEcSpki(pub.curve, pub.point));
  }
}
