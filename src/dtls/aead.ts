/**
 * The AEAD behind DTLS/TLS record protection (record-protection.ts builds the nonce and the
 * additional data; this file only seals and opens), with two backends:
 *
 * - "runtime": the runtime's own node:crypto (OpenSSL on Node, its Rust crypto on Deno,
 *   BoringSSL on Bun), reached through `process.getBuiltinModule("node:crypto")` at run time, so
 *   no module imports it and the same code bundles for a browser (where there is none).
 * - "noble": @noble/ciphers, pure JavaScript, which runs everywhere.
 *
 * Which one a cipher uses is decided once per cipher, the first time a key for it is made: the
 * runtime backend is taken only if it seals a fixed record byte for byte as noble does, opens it
 * again and rejects it with one tag bit flipped; anything else (no node:crypto, an unknown cipher,
 * as Bun's "Unknown cipher" for ChaCha20-Poly1305, a throw, a different byte) leaves that cipher
 * on noble. PACKETPEER_PURE_JS_CRYPTO=1 in the environment (read at that first use through the
 * entry's reader, util/environment.ts: Node, Deno with the permission granted, Bun; never in
 * packetpeer/core or the browser) keeps every cipher on noble. docs/dtls.md (Record encryption) has the figures.
 */
import { gcm } from "@noble/ciphers/aes.js";
import { chacha20poly1305 } from "@noble/ciphers/chacha.js";
import type { SuiteCipher } from "./cipher-suites.ts";
import { sameBytes } from "../util/same-bytes.ts";
import { readEnvironment } from "../util/environment.ts";

/** Authentication tag bytes of every AEAD here. */
export const TAG_LENGTH = 16;

export type AeadBackend = "runtime" | "noble";

/** One key's seal and open. `nonce` is 12 bytes; `aad` the record's additional data. */
export interface Aead {
  readonly backend: AeadBackend;
  /**
   * A new buffer holding `room` zero bytes, then the ciphertext of `plaintext`, then its tag;
   * the returned view starts at the room (noble's ChaCha20 writes its output in place, which must
   * be 4-byte aligned, so there may be up to 3 bytes in the buffer in front of the view).
   */
  seal(nonce: Uint8Array, aad: Uint8Array, plaintext: Uint8Array, room: number): Uint8Array;
  /**
   * The plaintext of `sealed` (ciphertext then tag), in an array of its own, or undefined when it
   * does not authenticate or is shorter than a tag. Never throws.
   */
  open(nonce: Uint8Array, aad: Uint8Array, sealed: Uint8Array): Uint8Array | undefined;
}

// The part of node:crypto used here, typed locally: src/ compiles without Node's types.
interface AuthCipher {
  setAAD(aad: Uint8Array): unknown;
  update(data: Uint8Array): Uint8Array;
  final(): Uint8Array;
  getAuthTag(): Uint8Array;
}
interface AuthDecipher {
  setAAD(aad: Uint8Array): unknown;
  setAuthTag(tag: Uint8Array): unknown;
  update(data: Uint8Array): Uint8Array;
  final(): Uint8Array;
}
/** The two functions of node:crypto this file calls. */
export interface RuntimeCipherModule {
  createCipheriv(algorithm: string, key: Uint8Array, iv: Uint8Array, options: { authTagLength: number }): AuthCipher;
  createDecipheriv(algorithm: string, key: Uint8Array, iv: Uint8Array, options: { authTagLength: number }): AuthDecipher;
}

const TAG_OPTIONS = { authTagLength: TAG_LENGTH };

/** `bytes` as a plain Uint8Array that owns its memory (a view when it already does, else a copy). */
function owned(bytes: Uint8Array): Uint8Array {
  if (bytes.byteOffset === 0 && bytes.buffer.byteLength === bytes.length) return new Uint8Array(bytes.buffer, 0, bytes.length);
  return new Uint8Array(bytes);
}

class NobleAead implements Aead {
  readonly backend = "noble";
  private readonly chacha: boolean;
  constructor(
    cipher: SuiteCipher,
    private readonly key: Uint8Array,
  ) {
    this.chacha = cipher === "chacha20-poly1305";
  }

  seal(nonce: Uint8Array, aad: Uint8Array, plaintext: Uint8Array, room: number): Uint8Array {
    if (this.chacha) {
      const pad = (4 - (room % 4)) % 4;
      const buffer = new Uint8Array(pad + room + plaintext.length + TAG_LENGTH);
      chacha20poly1305(this.key, nonce, aad).encrypt(plaintext, buffer.subarray(pad + room));
      return buffer.subarray(pad);
    }
    // noble's GCM makes its own output array: one copy into the record's buffer.
    const out = new Uint8Array(room + plaintext.length + TAG_LENGTH);
    out.set(gcm(this.key, nonce, aad).encrypt(plaintext), room);
    return out;
  }

  open(nonce: Uint8Array, aad: Uint8Array, sealed: Uint8Array): Uint8Array | undefined {
    if (sealed.length < TAG_LENGTH) return undefined;
    try {
      return (this.chacha ? chacha20poly1305(this.key, nonce, aad) : gcm(this.key, nonce, aad)).decrypt(sealed);
    } catch {
      return undefined;
    }
  }
}

class RuntimeAead implements Aead {
  readonly backend = "runtime";
  constructor(
    private readonly crypto: RuntimeCipherModule,
    private readonly algorithm: SuiteCipher,
    private readonly key: Uint8Array,
  ) {}

  seal(nonce: Uint8Array, aad: Uint8Array, plaintext: Uint8Array, room: number): Uint8Array {
    // node:crypto has no "encrypt into this buffer": its output is copied in after the room.
    const out = new Uint8Array(room + plaintext.length + TAG_LENGTH);
    const cipher = this.crypto.createCipheriv(this.algorithm, this.key, nonce, TAG_OPTIONS);
    cipher.setAAD(aad);
    const body = cipher.update(plaintext);
    const rest = cipher.final(); // empty for these stream-like modes, kept in case a runtime defers output
    const tag = cipher.getAuthTag();
    if (body.length + rest.length !== plaintext.length || tag.length !== TAG_LENGTH) {
      throw new Error(`${this.algorithm}: the runtime's cipher returned ${body.length + rest.length}+${tag.length} bytes for ${plaintext.length}`);
    }
    out.set(body, room);
    if (rest.length > 0) out.set(rest, room + body.length);
    out.set(tag, room + plaintext.length);
    return out;
  }

  open(nonce: Uint8Array, aad: Uint8Array, sealed: Uint8Array): Uint8Array | undefined {
    const length = sealed.length - TAG_LENGTH;
    if (length < 0) return undefined;
    try {
      const decipher = this.crypto.createDecipheriv(this.algorithm, this.key, nonce, TAG_OPTIONS);
      decipher.setAuthTag(sealed.subarray(length));
      decipher.setAAD(aad);
      const body = decipher.update(sealed.subarray(0, length));
      const rest = decipher.final(); // throws when the tag does not verify
      if (body.length + rest.length !== length) return undefined;
      if (rest.length === 0) return owned(body);
      const plain = new Uint8Array(length);
      plain.set(body);
      plain.set(rest, body.length);
      return plain;
    } catch {
      return undefined;
    }
  }
}

/** node:crypto when the runtime has it (Node >= 20.16, Deno, Bun), else undefined. Never throws. */
export function runtimeCipherModule(): RuntimeCipherModule | undefined {
  try {
    const proc = (globalThis as { process?: { getBuiltinModule?: (id: string) => unknown } }).process;
    const mod = proc?.getBuiltinModule?.("node:crypto") as Partial<RuntimeCipherModule> | undefined;
    if (typeof mod?.createCipheriv !== "function" || typeof mod.createDecipheriv !== "function") return undefined;
    return mod as RuntimeCipherModule;
  } catch {
    return undefined;
  }
}

const PURE_JS_CRYPTO_VARIABLE = "PACKETPEER_PURE_JS_CRYPTO";

/** Whether PACKETPEER_PURE_JS_CRYPTO asks for noble everywhere ("1", "true", "yes"). Never throws. */
export function pureJsCryptoRequested(): boolean {
  // Read through the entry's installed reader (util/environment.ts): none in packetpeer/core and
  // the browser, and on Deno only with the permission already granted.
  const value = readEnvironment(PURE_JS_CRYPTO_VARIABLE)?.trim().toLowerCase();
  return value === "1" || value === "true" || value === "yes";
}

const KEY_LENGTHS: Record<SuiteCipher, number> = { "aes-128-gcm": 16, "aes-256-gcm": 32, "chacha20-poly1305": 32 };

/**
 * Whether `crypto` does `cipher` exactly as noble does: a fixed 45-byte record (not a whole
 * number of blocks) sealed byte for byte alike, opened back, an empty one too, and refused with a
 * flipped tag bit or a changed additional-data byte.
 */
export function runtimeAgreesWithNoble(crypto: RuntimeCipherModule, cipher: SuiteCipher): boolean {
  try {
    const key = new Uint8Array(KEY_LENGTHS[cipher]);
    for (let i = 0; i < key.length; i++) key[i] = (i * 29 + 7) & 0xff;
    const nonce = Uint8Array.from({ length: 12 }, (_, i) => 0xa0 + i);
    const aad = Uint8Array.from({ length: 13 }, (_, i) => (i * 17) & 0xff);
    const plaintext = Uint8Array.from({ length: 45 }, (_, i) => (i * 131 + 3) & 0xff);
    const runtime = new RuntimeAead(crypto, cipher, key);
    const noble = new NobleAead(cipher, key);
    for (const p of [plaintext, new Uint8Array(0)]) {
      const ours = runtime.seal(nonce, aad, p, 5);
      const theirs = noble.seal(nonce, aad, p, 5);
      if (!sameBytes(ours, theirs)) return false;
      const opened = runtime.open(nonce, aad, theirs.subarray(5));
      if (!opened || !sameBytes(opened, p)) return false;
      const badTag = theirs.slice(5);
      badTag[badTag.length - 1]! ^= 0x01;
      if (runtime.open(nonce, aad, badTag) !== undefined) return false;
      const badAad = aad.slice();
      badAad[12]! ^= 0x80;
      if (runtime.open(nonce, badAad, theirs.subarray(5)) !== undefined) return false;
    }
    return true;
  } catch {
    return false;
  }
}

export interface AeadChoiceOptions {
  /** node:crypto or a stand-in; undefined = none (noble). Default: the runtime's. */
  readonly crypto?: RuntimeCipherModule | undefined;
  /** Force noble. Default: PACKETPEER_PURE_JS_CRYPTO. */
  readonly pureJs?: boolean;
}

/** The backend for `cipher` under `options`, probing the runtime's (uncached; see aeadBackend). */
export function chooseAeadBackend(cipher: SuiteCipher, options: AeadChoiceOptions = {}): AeadBackend {
  if (options.pureJs ?? pureJsCryptoRequested()) return "noble";
  const crypto = "crypto" in options ? options.crypto : runtimeCipherModule();
  return crypto && runtimeAgreesWithNoble(crypto, cipher) ? "runtime" : "noble";
}

const chosen = new Map<SuiteCipher, AeadBackend>();

/** The backend this process uses for `cipher`: chooseAeadBackend's answer, made once and kept. */
export function aeadBackend(cipher: SuiteCipher): AeadBackend {
  let backend = chosen.get(cipher);
  if (backend === undefined) {
    backend = chooseAeadBackend(cipher);
    chosen.set(cipher, backend);
  }
  return backend;
}

/**
 * An AEAD for `key` on `backend` (default: aeadBackend's choice for `cipher`). Asking for
 * "runtime" where there is no node:crypto gives noble's.
 */
export function createAead(cipher: SuiteCipher, key: Uint8Array, backend: AeadBackend = aeadBackend(cipher)): Aead {
  const crypto = backend === "runtime" ? runtimeCipherModule() : undefined;
  return crypto ? new RuntimeAead(crypto, cipher, key) : new NobleAead(cipher, key);
}
