/**
 * AEAD protection of one DTLS record (RFC 5246 6.2.3.3 with RFC 6347's epoch and
 * sequence number): the additional data is epoch+seq (TLS: the 64-bit sequence number,
 * which is the same bytes with epoch 0), type, version, plaintext length.
 * GCM carries an 8-byte explicit nonce (we send epoch+seq, which is unique per key);
 * ChaCha20-Poly1305 XORs epoch+seq into its 12-byte IV (RFC 7905).
 * The cipher itself is aead.ts's: the runtime's node:crypto where it does the suite's cipher
 * exactly, else @noble/ciphers.
 */
import { createAead, type Aead, type AeadBackend } from "./aead.ts";
import { TAG_LENGTH, type CipherSuite } from "./cipher-suites.ts";
import { DTLS_1_2 } from "./constants.ts";

export class RecordProtection {
  private readonly nonce: Uint8Array;
  private readonly aad = new Uint8Array(13);
  private readonly cipher: Aead;
  /** Bytes a protected record adds to its plaintext. */
  readonly overhead: number;

  constructor(
    private readonly suite: CipherSuite,
    key: Uint8Array,
    private readonly iv: Uint8Array,
    /** The version in the additional data: DTLS 1.2 (0xfefd) or TLS 1.2 (0x0303). */
    private readonly version = DTLS_1_2,
    /** Which AEAD implementation seals and opens (default: aead.ts's choice for the suite's cipher). */
    backend?: AeadBackend,
  ) {
    this.nonce = new Uint8Array(12);
    this.overhead = suite.explicitNonceLength + TAG_LENGTH;
    this.cipher = createAead(suite.cipher, key, backend);
  }

  /** The AEAD implementation in use: "runtime" (node:crypto) or "noble". */
  get backend(): AeadBackend {
    return this.cipher.backend;
  }

  private setSequence(epoch: number, seq: number, type: number, length: number): void {
    const a = this.aad;
    a[0] = epoch >>> 8;
    a[1] = epoch;
    const hi = Math.floor(seq / 0x100000000);
    a[2] = hi >>> 8;
    a[3] = hi;
    const lo = seq >>> 0;
    a[4] = lo >>> 24;
    a[5] = lo >>> 16;
    a[6] = lo >>> 8;
    a[7] = lo;
    a[8] = type;
    a[9] = this.version >>> 8;
    a[10] = this.version & 0xff;
    a[11] = length >>> 8;
    a[12] = length;
    const n = this.nonce;
    if (this.suite.explicitNonceLength > 0) {
      n.set(this.iv.subarray(0, 4), 0);
      n.set(a.subarray(0, 8), 4);
    } else {
      n.set(this.iv);
      for (let i = 0; i < 8; i++) n[4 + i]! ^= a[i]!;
    }
  }

  /**
   * The record fragment (explicit nonce + ciphertext + tag) for `plaintext`, after `headerRoom`
   * bytes left for the caller's record header, in one buffer made by the AEAD (aead.ts).
   */
  seal(epoch: number, seq: number, type: number, plaintext: Uint8Array, headerRoom = 0): Uint8Array {
    this.setSequence(epoch, seq, type, plaintext.length);
    const explicit = this.suite.explicitNonceLength;
    const out = this.cipher.seal(this.nonce, this.aad, plaintext, headerRoom + explicit);
    if (explicit > 0) out.set(this.nonce.subarray(4, 12), headerRoom);
    return out;
  }

  /** The plaintext, or undefined when the record does not authenticate (RFC 6347: drop silently). */
  open(epoch: number, seq: number, type: number, fragment: Uint8Array): Uint8Array | undefined {
    const explicit = this.suite.explicitNonceLength;
    if (fragment.length < explicit + TAG_LENGTH) return undefined;
    const plainLength = fragment.length - explicit - TAG_LENGTH;
    this.setSequence(epoch, seq, type, plainLength);
    if (explicit > 0) this.nonce.set(fragment.subarray(0, 8), 4);
    return this.cipher.open(this.nonce, this.aad, fragment.subarray(explicit));
  }
}
