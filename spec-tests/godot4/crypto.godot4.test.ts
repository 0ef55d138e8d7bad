// Crypto on real Godot 4.6 (its mbedTLS, in the web build) against ours, both ways: Godot loads
// our RSA and EC keys, verifies our signatures, signs with our RSA key (PKCS#1 v1.5 is
// deterministic, so its signature must equal ours byte for byte) and decrypts what we encrypted;
// we load the key Godot's generate_rsa made, verify its signature, decrypt what it encrypted, and
// check its self-signed certificate. HMAC and the digests must agree too.
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { Crypto, CryptoKey, HashingContext, HashType, X509Certificate } from "../../src/index.ts";
import { verifyChain } from "../../src/crypto/chain-verify.ts";
import { godot4SkipReason, runGodot4, GD_QUIT_ON_FIRST_FRAME } from "./harness.ts";

const skip = godot4SkipReason();
const hex = (b: Uint8Array): string => Buffer.from(b).toString("hex");
const utf8 = (s: string): Uint8Array => new TextEncoder().encode(s);

function sha256(data: Uint8Array): Uint8Array {
  const ctx = new HashingContext();
  ctx.start(HashType.HASH_SHA256);
  ctx.update(data);
  return ctx.finish();
}

interface GodotReport {
  rsaLoad: number;
  rsaSavedPublic: string;
  verifyOurRsa: boolean;
  signWithOurRsa: string;
  decryptOurs: string;
  ecLoad: number;
  verifyOurEc: boolean;
  digest: string;
  hmac: string;
  godotKey: string;
  godotSignature: string;
  godotCiphertext: string;
  godotCertificate: string;
}

describe("live: Crypto vs real Godot 4.6 (mbedTLS)", { skip }, () => {
  test("RSA and EC keys, signatures, PKCS#1 v1.5 encryption, HMAC and self-signed certificates agree both ways", async () => {
    const crypto = new Crypto();
    const rsa = crypto.generateRsa(2048);
    const ec = crypto.generateEcdsa("P-256");
    const digest = sha256(utf8("from packetpeer"));
    const rsaSignature = crypto.sign(HashType.HASH_SHA256, digest, rsa);
    const ecSignature = crypto.sign(HashType.HASH_SHA256, digest, ec);
    const ciphertext = crypto.encrypt(rsa, utf8("secret from packetpeer"));
    const script = `extends SceneTree
func digest_of(text: String) -> PackedByteArray:
	var ctx := HashingContext.new()
	ctx.start(HashingContext.HASH_SHA256)
	ctx.update(text.to_utf8_buffer())
	return ctx.finish()

func _initialize() -> void:
	var crypto := Crypto.new()
	var out := {}
	var rsa := CryptoKey.new()
	out["rsaLoad"] = rsa.load_from_string(FileAccess.get_file_as_string("res://rsa.pem"))
	out["rsaSavedPublic"] = rsa.save_to_string(true)
	var digest := digest_of("from packetpeer")
	out["digest"] = digest.hex_encode()
	out["verifyOurRsa"] = crypto.verify(HashingContext.HASH_SHA256, digest, "${hex(rsaSignature)}".hex_decode(), rsa)
	out["signWithOurRsa"] = crypto.sign(HashingContext.HASH_SHA256, digest, rsa).hex_encode()
	out["decryptOurs"] = crypto.decrypt(rsa, "${hex(ciphertext)}".hex_decode()).get_string_from_utf8()
	var ec := CryptoKey.new()
	out["ecLoad"] = ec.load_from_string(FileAccess.get_file_as_string("res://ec.pem"))
	out["verifyOurEc"] = crypto.verify(HashingContext.HASH_SHA256, digest, "${hex(ecSignature)}".hex_decode(), ec)
	out["hmac"] = crypto.hmac_digest(HashingContext.HASH_SHA256, "key".to_utf8_buffer(), "message".to_utf8_buffer()).hex_encode()
	var mine := crypto.generate_rsa(2048)
	out["godotKey"] = mine.save_to_string()
	out["godotSignature"] = crypto.sign(HashingContext.HASH_SHA256, digest_of("from godot"), mine).hex_encode()
	out["godotCiphertext"] = crypto.encrypt(mine, "secret from godot".to_utf8_buffer()).hex_encode()
	out["godotCertificate"] = crypto.generate_self_signed_certificate(mine, "CN=localhost,O=godot,C=IT", "20200101000000", "20400101000000").save_to_string()
	print(JSON.stringify(out))

${GD_QUIT_ON_FIRST_FRAME}`;
    const r = await runGodot4({ script, files: { "rsa.pem": rsa.saveToString(), "ec.pem": ec.saveToString() }, timeoutMs: 60000 });
    assert.equal(r.exitCode, 0, r.errors.join("\n"));
    const g = r.json.find((x): x is GodotReport => typeof x === "object" && x !== null && "godotKey" in x);
    assert.ok(g, `Godot's report: ${r.lines.join("\n")}`);

    // Godot reading ours.
    assert.equal(g.rsaLoad, 0);
    assert.equal(g.ecLoad, 0);
    assert.equal(g.rsaSavedPublic.trim(), rsa.saveToString(true).trim());
    assert.equal(g.digest, hex(digest));
    assert.equal(g.verifyOurRsa, true);
    assert.equal(g.verifyOurEc, true);
    assert.equal(g.signWithOurRsa, hex(rsaSignature), "Godot's PKCS#1 v1.5 signature with our key is ours");
    assert.equal(g.decryptOurs, "secret from packetpeer");
    assert.equal(g.hmac, hex(crypto.hmacDigest(HashType.HASH_SHA256, utf8("key"), utf8("message"))));

    // Us reading Godot's.
    const mine = new CryptoKey();
    mine.loadFromString(g.godotKey);
    assert.equal(mine.publicKey?.kind, "rsa");
    assert.equal(crypto.verify(HashType.HASH_SHA256, sha256(utf8("from godot")), Buffer.from(g.godotSignature, "hex"), mine), true);
    assert.equal(new TextDecoder().decode(crypto.decrypt(mine, Buffer.from(g.godotCiphertext, "hex"))), "secret from godot");
    const cert = new X509Certificate();
    cert.loadFromString(g.godotCertificate);
    const verdict = verifyChain(cert.derChain(), cert.certificates, "localhost", Date.UTC(2030, 0, 1));
    assert.equal(verdict.ok, true, verdict.ok ? "" : verdict.reason);
  });
});
