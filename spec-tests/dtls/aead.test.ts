// Record encryption's two backends (src/dtls/aead.ts): the runtime's node:crypto and
// @noble/ciphers. Both must give the published vectors (RFC 8439 2.8.2 for ChaCha20-Poly1305,
// McGrew-Viega GCM test cases 4 and 16), byte-identical records for the same random inputs, open
// each other's records, and refuse a record with one bit flipped in its ciphertext, tag, explicit
// nonce or additional data (without throwing). The chooser takes the runtime's cipher where it
// exists and agrees with noble (Node and Deno: all three; Bun: the GCMs, it has no
// ChaCha20-Poly1305), and noble when forced (PACKETPEER_PURE_JS_CRYPTO) or when node:crypto is
// missing, throws or is wrong. Where ChaCha20-Poly1305 runs on noble and AES-GCM natively (Bun),
// AES-GCM is preferred in the handshake.
import { describe, test } from "node:test";
// The package entry's environment reader (util/environment.ts), which the switch is read through.
import "../../src/transport/runtimes.ts";
import assert from "node:assert/strict";
import {
  aeadBackend,
  chooseAeadBackend,
  createAead,
  pureJsCryptoRequested,
  runtimeAgreesWithNoble,
  runtimeCipherModule,
  type AeadBackend,
  type RuntimeCipherModule,
} from "../../src/dtls/aead.ts";
import { CIPHER_SUITES, preferredSuiteIds, suiteById, suiteOrder, type SuiteCipher } from "../../src/dtls/cipher-suites.ts";
import { RecordProtection } from "../../src/dtls/record-protection.ts";
import { recordHandshake, TEST_CERT_PEM, TEST_KEY_PEM } from "./fuzz-engine.ts";

const hex = (s: string): Uint8Array => Uint8Array.from((s.replace(/[^0-9a-f]/gi, "").match(/../g) ?? []).map((b) => parseInt(b, 16)));
const toHex = (b: Uint8Array): string => Array.from(b, (x) => x.toString(16).padStart(2, "0")).join("");

const CIPHERS: readonly SuiteCipher[] = ["chacha20-poly1305", "aes-128-gcm", "aes-256-gcm"];
const isBun = "Bun" in globalThis;
const runtimeName = isBun ? "Bun" : "Deno" in globalThis ? "Deno" : "Node";
/** The suite run with PACKETPEER_PURE_JS_CRYPTO=1: noble everywhere, the runtime's backend unused. */
const forced = pureJsCryptoRequested();

/** The backends to check for `cipher` here: noble always, the runtime's where it was chosen. */
function backendsFor(cipher: SuiteCipher): AeadBackend[] {
  return aeadBackend(cipher) === "runtime" ? ["noble", "runtime"] : ["noble"];
}

/** A small deterministic generator (xorshift32), so a failure repeats. */
function generator(seed: number): (n: number) => number {
  let x = seed >>> 0 || 1;
  return (n) => {
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    return x % n;
  };
}

interface Vector {
  cipher: SuiteCipher;
  name: string;
  key: string;
  nonce: string;
  aad: string;
  plaintext: Uint8Array;
  ciphertext: string;
  tag: string;
}

const GCM_PLAINTEXT = hex(
  "d9313225f88406e5a55909c5aff5269a86a7a9531534f7da2e4c303d8a318a721c3c0c95956809532fcf0e2449a6b525b16aedf5aa0de657ba637b39",
);
const VECTORS: Vector[] = [
  {
    cipher: "chacha20-poly1305",
    name: "RFC 8439 2.8.2",
    key: "808182838485868788898a8b8c8d8e8f909192939495969798999a9b9c9d9e9f",
    nonce: "070000004041424344454647",
    aad: "50515253c0c1c2c3c4c5c6c7",
    plaintext: new TextEncoder().encode(
      "Ladies and Gentlemen of the class of '99: If I could offer you only one tip for the future, sunscreen would be it.",
    ),
    ciphertext:
      "d31a8d34648e60db7b86afbc53ef7ec2a4aded51296e08fea9e2b5a736ee62d63dbea45e8ca9671282fafb69da92728b1a71de0a9e060b2905d6a5b67ecd3b3692ddbd7f2d778b8c9803aee328091b58fab324e4fad675945585808b4831d7bc3ff4def08e4b7a9de576d26586cec64b6116",
    tag: "1ae10b594f09e26a7e902ecbd0600691",
  },
  {
    cipher: "aes-128-gcm",
    name: "GCM test case 4 (McGrew-Viega)",
    key: "feffe9928665731c6d6a8f9467308308",
    nonce: "cafebabefacedbaddecaf888",
    aad: "feedfacedeadbeeffeedfacedeadbeefabaddad2",
    plaintext: GCM_PLAINTEXT,
    ciphertext: "42831ec2217774244b7221b784d0d49ce3aa212f2c02a4e035c17e2329aca12e21d514b25466931c7d8f6a5aac84aa051ba30b396a0aac973d58e091",
    tag: "5bc94fbc3221a5db94fae95ae7121a47",
  },
  {
    cipher: "aes-256-gcm",
    name: "GCM test case 16 (McGrew-Viega)",
    key: "feffe9928665731c6d6a8f9467308308feffe9928665731c6d6a8f9467308308",
    nonce: "cafebabefacedbaddecaf888",
    aad: "feedfacedeadbeeffeedfacedeadbeefabaddad2",
    plaintext: GCM_PLAINTEXT,
    ciphertext: "522dc1f099567d07f47f37a32a84427d643a8cdcbfe5c0c97598a2bd2555d1aa8cb08e48590dbb3da7b08b1056828838c5f61e6393ba7a0abcc9f662",
    tag: "76fc6ece0f4e1768cddf8853bb2d551b",
  },
];

describe(`record AEAD backends (${runtimeName})`, () => {
  test("the chooser picks the runtime's cipher where this runtime has it, noble elsewhere", () => {
    const crypto = runtimeCipherModule();
    assert.ok(crypto, `${runtimeName} has node:crypto through process.getBuiltinModule`);
    for (const cipher of CIPHERS) {
      let expected: AeadBackend = "runtime";
      if (isBun && cipher === "chacha20-poly1305") {
        // Bun 1.x: createCipheriv throws "Unknown cipher". Should a later Bun have it, it is taken.
        let has = true;
        try {
          crypto.createCipheriv(cipher, new Uint8Array(32), new Uint8Array(12), { authTagLength: 16 });
        } catch {
          has = false;
        }
        expected = has ? "runtime" : "noble";
      }
      assert.equal(chooseAeadBackend(cipher, { pureJs: false }), expected, `${cipher} on ${runtimeName}`);
      if (!forced) assert.equal(aeadBackend(cipher), expected, `${cipher}: the cached choice`);
      const suite = CIPHER_SUITES.find((s) => s.cipher === cipher)!;
      const protection = new RecordProtection(suite, new Uint8Array(suite.keyLength), new Uint8Array(suite.fixedIvLength));
      assert.equal(protection.backend, aeadBackend(cipher), `${cipher}: RecordProtection uses the chosen backend`);
    }
  });

  test("noble when forced, when there is no node:crypto, and when the runtime's cipher throws or is wrong", () => {
    const real = runtimeCipherModule()!;
    const unknown: RuntimeCipherModule = {
      createCipheriv: () => {
        throw new Error("Unknown cipher");
      },
      createDecipheriv: () => {
        throw new Error("Unknown cipher");
      },
    };
    // Seals with the last ciphertext byte flipped (a tag that still verifies would need the key).
    const wrongOutput: RuntimeCipherModule = {
      createCipheriv: (a, k, n, o) => {
        const c = real.createCipheriv(a, k, n, o);
        return {
          setAAD: (x) => c.setAAD(x),
          update: (d) => {
            const out = new Uint8Array(c.update(d));
            if (out.length > 0) out[out.length - 1]! ^= 1;
            return out;
          },
          final: () => c.final(),
          getAuthTag: () => c.getAuthTag(),
        };
      },
      createDecipheriv: (a, k, n, o) => real.createDecipheriv(a, k, n, o),
    };
    // Decrypts but never checks the tag: must not be taken, or forged records would be accepted.
    const noTagCheck: RuntimeCipherModule = {
      createCipheriv: (a, k, n, o) => real.createCipheriv(a, k, n, o),
      createDecipheriv: (a, k, n, o) => {
        const d = real.createDecipheriv(a, k, n, o);
        return {
          setAAD: (x) => d.setAAD(x),
          setAuthTag: (t) => d.setAuthTag(t),
          update: (x) => d.update(x),
          final: () => {
            try {
              return d.final();
            } catch {
              return new Uint8Array(0);
            }
          },
        };
      },
    };
    for (const cipher of CIPHERS) {
      assert.equal(chooseAeadBackend(cipher, { pureJs: true }), "noble", `${cipher}: forced`);
      assert.equal(chooseAeadBackend(cipher, { pureJs: false, crypto: undefined }), "noble", `${cipher}: no node:crypto`);
      assert.equal(chooseAeadBackend(cipher, { pureJs: false, crypto: unknown }), "noble", `${cipher}: unknown cipher`);
      if (aeadBackend(cipher) !== "runtime") continue; // the stand-ins below wrap the real cipher
      assert.equal(runtimeAgreesWithNoble(real, cipher), true, `${cipher}: the real one agrees`);
      assert.equal(chooseAeadBackend(cipher, { pureJs: false, crypto: wrongOutput }), "noble", `${cipher}: wrong output`);
      assert.equal(chooseAeadBackend(cipher, { pureJs: false, crypto: noTagCheck }), "noble", `${cipher}: no tag check`);
    }
  });

  test("PACKETPEER_PURE_JS_CRYPTO=1 in the environment forces noble", () => {
    const env = (globalThis as { process?: { env: Record<string, string | undefined> } }).process!.env;
    const before = env.PACKETPEER_PURE_JS_CRYPTO;
    try {
      for (const on of ["1", "true"]) {
        env.PACKETPEER_PURE_JS_CRYPTO = on;
        assert.equal(pureJsCryptoRequested(), true);
        for (const cipher of CIPHERS) assert.equal(chooseAeadBackend(cipher), "noble", `${cipher} with ${on}`);
      }
      env.PACKETPEER_PURE_JS_CRYPTO = "0";
      assert.equal(pureJsCryptoRequested(), false);
      delete env.PACKETPEER_PURE_JS_CRYPTO;
      assert.equal(pureJsCryptoRequested(), false);
      assert.equal(chooseAeadBackend("aes-128-gcm"), "runtime", "unset: the runtime's AES-GCM again");
    } finally {
      if (before === undefined) delete env.PACKETPEER_PURE_JS_CRYPTO;
      else env.PACKETPEER_PURE_JS_CRYPTO = before;
    }
  });

  test("on Deno the variable is read only when the env permission is already granted (a read otherwise prompts on a terminal)", () => {
    const g = globalThis as { Deno?: unknown; process?: { env: Record<string, string | undefined> } };
    const env = g.process!.env;
    const before = { deno: g.Deno, value: env.PACKETPEER_PURE_JS_CRYPTO };
    const asked: unknown[] = [];
    const denoWith = (state: string): unknown => ({ ...(before.deno as object), permissions: { querySync: (d: unknown) => (asked.push(d), { state }) } });
    try {
      env.PACKETPEER_PURE_JS_CRYPTO = "1";
      Object.defineProperty(globalThis, "Deno", { value: denoWith("prompt"), configurable: true, writable: true });
      assert.equal(pureJsCryptoRequested(), false, "permission not granted: not read");
      assert.deepEqual(asked, [{ name: "env", variable: "PACKETPEER_PURE_JS_CRYPTO" }]);
      Object.defineProperty(globalThis, "Deno", { value: denoWith("granted"), configurable: true, writable: true });
      assert.equal(pureJsCryptoRequested(), true, "granted: read");
    } finally {
      if (before.deno === undefined) delete g.Deno;
      else Object.defineProperty(globalThis, "Deno", { value: before.deno, configurable: true, writable: true });
      if (before.value === undefined) delete env.PACKETPEER_PURE_JS_CRYPTO;
      else env.PACKETPEER_PURE_JS_CRYPTO = before.value;
    }
  });

  for (const v of VECTORS) {
    test(`${v.name} (${v.cipher}) on every backend; one flipped bit anywhere is refused`, () => {
      const key = hex(v.key);
      const nonce = hex(v.nonce);
      const aad = hex(v.aad);
      const sealedHex = v.ciphertext + v.tag;
      for (const backend of backendsFor(v.cipher)) {
        const aead = createAead(v.cipher, key, backend);
        assert.equal(aead.backend, backend);
        const out = aead.seal(nonce, aad, v.plaintext, 3);
        assert.deepEqual(Array.from(out.subarray(0, 3)), [0, 0, 0], `${backend}: room left zero`);
        assert.equal(toHex(out.subarray(3)), sealedHex, `${backend} seals the published bytes`);
        const sealed = hex(sealedHex);
        assert.deepEqual(aead.open(nonce, aad, sealed), v.plaintext, `${backend} opens the published bytes`);
        for (let bit = 0; bit < sealed.length * 8; bit += 7) {
          const bad = sealed.slice();
          bad[bit >> 3]! ^= 1 << (bit & 7);
          assert.equal(aead.open(nonce, aad, bad), undefined, `${backend}: bit ${bit} of ciphertext+tag flipped`);
        }
        for (let bit = 0; bit < aad.length * 8; bit++) {
          const bad = aad.slice();
          bad[bit >> 3]! ^= 1 << (bit & 7);
          assert.equal(aead.open(nonce, bad, sealed), undefined, `${backend}: bit ${bit} of the additional data flipped`);
        }
        const badNonce = nonce.slice();
        badNonce[11]! ^= 0x40;
        assert.equal(aead.open(badNonce, aad, sealed), undefined, `${backend}: nonce changed`);
        for (const length of [0, 1, 15, 16]) {
          assert.equal(aead.open(nonce, aad, sealed.subarray(0, length)), undefined, `${backend}: ${length} bytes`);
        }
      }
    });
  }

  for (const suite of CIPHER_SUITES.filter((s) => s.auth === "ecdsa")) {
    test(`${suite.cipher}: random DTLS and TLS records are byte-identical across backends and open on both`, () => {
      const next = generator(0x5eed + suite.id);
      const bytes = (n: number): Uint8Array => Uint8Array.from({ length: n }, () => next(256));
      const backends = backendsFor(suite.cipher);
      if (!forced && (!isBun || suite.cipher !== "chacha20-poly1305")) assert.deepEqual(backends, ["noble", "runtime"], `${runtimeName} runs ${suite.cipher} natively`);
      for (let round = 0; round < 60; round++) {
        const key = bytes(suite.keyLength);
        const iv = bytes(suite.fixedIvLength);
        const version = round % 2 === 0 ? 0xfefd : 0x0303;
        const sides = backends.map((b) => new RecordProtection(suite, key, iv, version, b));
        const length = round < 4 ? [0, 1, 16, 16384][round]! : next(1500);
        const plaintext = bytes(length);
        const epoch = version === 0x0303 ? 0 : 1 + next(0xffff);
        const seq = next(0x10000) * 0x10000 * 0x10000 + next(0x10000) * 0x10000 + next(0x10000); // up to 2^48 - 1
        const type = 20 + next(4);
        const room = next(16);
        const sealed = sides.map((p) => p.seal(epoch, seq, type, plaintext, room));
        const fragment = sealed[0]!.subarray(room);
        assert.equal(fragment.length, plaintext.length + sides[0]!.overhead);
        for (const s of sealed) {
          assert.equal(toHex(s), toHex(sealed[0]!), `round ${round}: same record from every backend`);
          assert.ok(s.subarray(0, room).every((b) => b === 0), "header room left zero");
        }
        for (const [i, p] of sides.entries()) {
          const opened = p.open(epoch, seq, type, fragment);
          assert.ok(opened, `round ${round}: ${backends[i]} opens it`);
          assert.equal(toHex(opened), toHex(plaintext));
          assert.equal(opened.byteOffset, 0, "the plaintext owns its memory");
          assert.equal(opened.buffer.byteLength, opened.length, "the plaintext owns its memory");
          // A flipped bit in ciphertext, tag and (GCM) explicit nonce; a different header (the AAD).
          for (const at of [0, fragment.length - 1, next(fragment.length)]) {
            const bad = fragment.slice();
            bad[at]! ^= 1 << next(8);
            assert.equal(p.open(epoch, seq, type, bad), undefined, `${backends[i]}: byte ${at} of ${fragment.length} flipped`);
          }
          assert.equal(p.open(epoch, seq + 1, type, fragment), undefined, `${backends[i]}: other sequence number`);
          assert.equal(p.open(epoch ^ 1, seq, type, fragment), undefined, `${backends[i]}: other epoch`);
          assert.equal(p.open(epoch, seq, type ^ 1, fragment), undefined, `${backends[i]}: other content type`);
          assert.equal(p.open(epoch, seq, type, fragment.subarray(0, fragment.length - 1)), undefined, `${backends[i]}: truncated`);
        }
      }
    });
  }

  test("suite preference: AES-GCM first only where ChaCha20-Poly1305 is noble's and AES-GCM the runtime's", () => {
    const names = (ids: readonly number[]): string[] => ids.map((id) => suiteById(id)!.name.replace("TLS_ECDHE_", ""));
    assert.deepEqual(names(suiteOrder(false)), names(CIPHER_SUITES.map((s) => s.id)), "the table's order");
    assert.deepEqual(names(suiteOrder(true)), [
      "ECDSA_WITH_AES_128_GCM_SHA256",
      "ECDSA_WITH_AES_256_GCM_SHA384",
      "ECDSA_WITH_CHACHA20_POLY1305_SHA256",
      "RSA_WITH_AES_128_GCM_SHA256",
      "RSA_WITH_AES_256_GCM_SHA384",
      "RSA_WITH_CHACHA20_POLY1305_SHA256",
    ]);
    const gcmFirst = aeadBackend("chacha20-poly1305") === "noble" && aeadBackend("aes-128-gcm") === "runtime";
    if (!forced) assert.equal(gcmFirst, isBun && aeadBackend("chacha20-poly1305") === "noble", `${runtimeName}`);
    assert.deepEqual(names(preferredSuiteIds()), names(suiteOrder(gcmFirst)));
    // Two sessions with the default suite lists agree on our first ECDSA preference.
    const t = recordHandshake(5, TEST_CERT_PEM, TEST_KEY_PEM);
    assert.equal(t.client.suite?.id, preferredSuiteIds()[0]);
    assert.equal(t.server.suite?.id, preferredSuiteIds()[0]);
  });

  test("open never throws on garbage, whatever its length, on every backend", () => {
    const next = generator(77);
    for (const suite of CIPHER_SUITES.filter((s) => s.auth === "ecdsa")) {
      for (const backend of backendsFor(suite.cipher)) {
        const p = new RecordProtection(suite, new Uint8Array(suite.keyLength).fill(3), new Uint8Array(suite.fixedIvLength), 0xfefd, backend);
        for (let length = 0; length < 80; length++) {
          const junk = Uint8Array.from({ length }, () => next(256));
          assert.equal(p.open(1, length, 23, junk), undefined, `${suite.cipher} ${backend}: ${length} junk bytes`);
        }
      }
    }
  });
});
