/**
 * Godot's TLSOptions: what a TLS/DTLS client trusts and checks, or what a server
 * presents. Built only through the static factories, as in Godot.
 */
import type { CryptoKey } from "./crypto-key.ts";
import type { X509Certificate } from "./x509-certificate.ts";

export class TLSOptions {
  private constructor(
    private readonly mode: "client" | "client_unsafe" | "server",
    private readonly trusted: X509Certificate | null,
    private readonly commonNameOverride: string,
    private readonly keyObject: CryptoKey | null,
    private readonly certificate: X509Certificate | null,
  ) {}

  /** Verify the peer against `trustedChain` (no system store here: pass the CA), checking `commonNameOverride` or the host name. */
  static client(trustedChain: X509Certificate | null = null, commonNameOverride = ""): TLSOptions {
    if (typeof commonNameOverride !== "string") throw new TypeError("commonNameOverride must be a string");
    return new TLSOptions("client", trustedChain, commonNameOverride, null, null);
  }

  /**
   * Do not check the peer's name; with `trustedChain`, its certificate must still lead to it
   * (as in Godot 4.6); without, nothing is verified (testing only, as Godot warns).
   */
  static clientUnsafe(trustedChain: X509Certificate | null = null): TLSOptions {
    return new TLSOptions("client_unsafe", trustedChain, "", null, null);
  }

  /** Present `certificate` (chain, leaf first) proven by `key`. */
  static server(key: CryptoKey, certificate: X509Certificate): TLSOptions {
    if (!key || typeof key !== "object" || !("isPublicOnly" in key)) throw new TypeError("key must be a CryptoKey");
    if (!certificate || typeof certificate !== "object" || !("derChain" in certificate)) throw new TypeError("certificate must be an X509Certificate");
    if (key.isPublicOnly()) throw new RangeError("key must hold a private key");
    const leaf = certificate.certificates[0];
    if (!leaf) throw new RangeError("certificate holds no certificate (load one first)");
    // A mismatch would only show as handshakes every client rejects; say so here.
    if (!key.isKeyOf(leaf.publicKey)) throw new RangeError("key is not the private key of the certificate (its first, the leaf)");
    return new TLSOptions("server", null, "", key, certificate);
  }

  isServer(): boolean {
    return this.mode === "server";
  }

  isUnsafeClient(): boolean {
    return this.mode === "client_unsafe";
  }

  getCommonNameOverride(): string {
    return this.commonNameOverride;
  }

  getTrustedCaChain(): X509Certificate | null {
    return this.trusted;
  }

  getPrivateKey(): CryptoKey | null {
    return this.keyObject;
  }

  getOwnCertificate(): X509Certificate | null {
    return this.certificate;
  }

  // The stream-TLS view: these read-only fields make a TLSOptions usable wherever the runtime's
  // native TLS is given options (wss:// in WebSocketPeer/WebSocketServer, StreamConnectOptions.tls).

  /** Server: PEM certificate chain. */
  get cert(): string | undefined {
    return this.certificate?.saveToString();
  }

  /** Server: PEM private key. */
  get key(): string | undefined {
    return this.mode === "server" ? this.privateKeyPem() : undefined;
  }

  /** Client: PEM certificates trusted instead of the system store (none: the system store). */
  get ca(): string | undefined {
    const pem = this.trusted?.saveToString();
    return pem ? pem : undefined;
  }

  /** Client: the name checked instead of the connect host. */
  get serverName(): string | undefined {
    return this.commonNameOverride || undefined;
  }

  get verifyHostname(): boolean {
    return this.mode === "client";
  }

  /** No certificate check at all: clientUnsafe() without a trusted chain (with one, only the name is skipped). */
  get unsafe(): boolean {
    return this.mode === "client_unsafe" && this.trusted === null;
  }

  private privateKeyPem(): string | undefined {
    return this.keyObject?.saveToString() || undefined;
  }
}
