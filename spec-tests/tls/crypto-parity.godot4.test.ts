// Godot 4.6 live (the web build): the return codes and results of HashingContext, HMACContext,
// Crypto, CryptoKey, X509Certificate and TLSOptions in the edge states a ported program meets, and
// of PacketPeerDTLS, StreamPeerTLS and DTLSServer before any connection (the web build has no UDP
// or listening sockets, so only these states run there), each compared with ours in the same state. Run once, on Node (docs/godot4-harness.md).
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { Crypto } from "../../src/crypto/crypto.ts";
import { CryptoKey } from "../../src/crypto/crypto-key.ts";
import { X509Certificate } from "../../src/crypto/x509-certificate.ts";
import { TLSOptions } from "../../src/crypto/tls-options.ts";
import { HashingContext, HMACContext, HashType } from "../../src/crypto/hashing.ts";
import { DTLSServer } from "../../src/dtls/dtls-server.ts";
import { PacketPeerDTLS } from "../../src/dtls/packet-peer-dtls.ts";
import { StreamPeerTLS } from "../../src/tls/stream-peer-tls.ts";
import { PacketPeerUDP } from "../../src/udp/packet-peer-udp.ts";
import { parseCertificateDer } from "../../src/crypto/certificate-info.ts";
import { godot4SkipReason, runGodot4, GD_QUIT_ON_FIRST_FRAME } from "../godot4/harness.ts";

const skip = godot4SkipReason();
const PEM_CERT = /-----BEGIN CERTIFICATE-----\n[A-Za-z0-9+/=\n]+?-----END CERTIFICATE-----\n/g;

describe("live: Crypto classes' edge states vs real Godot 4.6", { skip }, () => {
  test("HashingContext / HMACContext codes, generate_random_bytes, save_to_string of a public key, certificates appended, TLSOptions getters", async () => {
    const crypto = new Crypto();
    const ec = crypto.generateEcdsa("P-256");
    const a = crypto.generateSelfSignedCertificate(ec, "CN=a,O=x,C=IT", "20200101000000", "20400101000000");
    const b = crypto.generateSelfSignedCertificate(crypto.generateEcdsa("P-256"), "CN=b,O=x,C=IT", "20200101000000", "20400101000000");
    const script = `extends SceneTree
func _initialize() -> void:
	var out := {}
	var abc := "abc".to_utf8_buffer()
	var h := HashingContext.new()
	out["hUpdateBefore"] = h.update(abc)
	out["hStart"] = h.start(HashingContext.HASH_SHA256)
	out["hStartAgain"] = h.start(HashingContext.HASH_SHA256)
	out["hUpdateEmpty"] = h.update(PackedByteArray())
	out["hUpdate"] = h.update(abc)
	out["hDigest"] = h.finish().hex_encode()
	var m := HMACContext.new()
	out["mUpdateBefore"] = m.update(abc)
	out["mStart"] = m.start(HashingContext.HASH_SHA256, abc)
	out["mStartAgain"] = m.start(HashingContext.HASH_SHA256, abc)
	out["mUpdateEmpty"] = m.update(PackedByteArray())
	out["mUpdate"] = m.update(abc)
	out["mDigest"] = m.finish().hex_encode()
	var crypto := Crypto.new()
	out["random100k"] = crypto.generate_random_bytes(100000).size()
	out["hmacEmptyMsg"] = crypto.hmac_digest(HashingContext.HASH_SHA256, abc, PackedByteArray()).size()
	out["hmacEmptyKey"] = crypto.hmac_digest(HashingContext.HASH_SHA256, PackedByteArray(), abc).size()
	var pub := CryptoKey.new()
	out["pubLoad"] = pub.load_from_string(FileAccess.get_file_as_string("res://pub.pem"), true)
	out["pubIsPublicOnly"] = pub.is_public_only()
	out["pubSavePrivate"] = pub.save_to_string(false)
	out["pubSavePublic"] = pub.save_to_string(true)
	out["newKeyIsPublicOnly"] = CryptoKey.new().is_public_only()
	var x := X509Certificate.new()
	out["xLoadA"] = x.load_from_string(FileAccess.get_file_as_string("res://a.pem"))
	out["xLoadB"] = x.load_from_string(FileAccess.get_file_as_string("res://b.pem"))
	out["xSavedCount"] = x.save_to_string().count("-----BEGIN CERTIFICATE-----")
	var partial := X509Certificate.new()
	out["xPartial"] = partial.load_from_string(FileAccess.get_file_as_string("res://a.pem") + "-----BEGIN CERTIFICATE-----\\nAAAA\\n-----END CERTIFICATE-----\\n")
	var t := TLSOptions.client_unsafe(x)
	out["unsafe"] = [t.is_server(), t.is_unsafe_client(), t.get_common_name_override(), t.get_trusted_ca_chain() == x]
	var c := TLSOptions.client(null, "name")
	out["client"] = [c.is_server(), c.is_unsafe_client(), c.get_common_name_override(), c.get_trusted_ca_chain() == null, c.get_private_key() == null, c.get_own_certificate() == null]
	print(JSON.stringify(out))

${GD_QUIT_ON_FIRST_FRAME}`;
    const r = await runGodot4({ script, files: { "pub.pem": ec.saveToString(true), "a.pem": a.saveToString(), "b.pem": b.saveToString() }, timeoutMs: 60000 });
    assert.equal(r.exitCode, 0, r.errors.join("\n"));
    const g = r.json.find((o): o is Record<string, unknown> => typeof o === "object" && o !== null && "hDigest" in o);
    assert.ok(g, `no report from Godot: ${r.lines.join("\n")}`);

    const abc = new TextEncoder().encode("abc");
    const h = new HashingContext();
    const ours: Record<string, unknown> = {};
    ours.hUpdateBefore = h.update(abc);
    ours.hStart = h.start(HashType.HASH_SHA256);
    ours.hStartAgain = h.start(HashType.HASH_SHA256);
    ours.hUpdateEmpty = h.update(new Uint8Array(0));
    ours.hUpdate = h.update(abc);
    ours.hDigest = Buffer.from(h.finish()).toString("hex");
    const m = new HMACContext();
    ours.mUpdateBefore = m.update(abc);
    ours.mStart = m.start(HashType.HASH_SHA256, abc);
    ours.mStartAgain = m.start(HashType.HASH_SHA256, abc);
    ours.mUpdateEmpty = m.update(new Uint8Array(0));
    ours.mUpdate = m.update(abc);
    ours.mDigest = Buffer.from(m.finish()).toString("hex");
    for (const k of Object.keys(ours)) assert.equal(g[k], ours[k], k);

    assert.equal(g.random100k, crypto.generateRandomBytes(100_000).length);
    // Godot logs and returns an empty array; ours says so with a RangeError (docs/godot-api.md).
    assert.equal(g.hmacEmptyMsg, 0);
    assert.equal(g.hmacEmptyKey, 0);
    assert.throws(() => crypto.hmacDigest(HashType.HASH_SHA256, abc, new Uint8Array(0)), RangeError);
    assert.throws(() => crypto.hmacDigest(HashType.HASH_SHA256, new Uint8Array(0), abc), RangeError);

    const pub = new CryptoKey();
    pub.loadFromString(ec.saveToString(true), true);
    assert.equal(g.pubLoad, 0);
    assert.equal(g.pubIsPublicOnly, pub.isPublicOnly());
    assert.equal(g.pubSavePrivate, pub.saveToString(false));
    assert.equal(g.pubSavePublic, pub.saveToString(true));
    assert.equal(g.newKeyIsPublicOnly, new CryptoKey().isPublicOnly());

    const x = new X509Certificate();
    x.loadFromString(a.saveToString());
    x.loadFromString(b.saveToString());
    assert.equal(g.xLoadA, 0);
    assert.equal(g.xLoadB, 0);
    // Godot's save_to_string writes the first certificate once per certificate held (a bug of
    // its loop), so only the count is compared: two loads hold two certificates in both.
    assert.equal(g.xSavedCount, x.saveToString().match(PEM_CERT)?.length);
    assert.equal(g.xPartial, 0);
    const partial = new X509Certificate();
    partial.loadFromString(a.saveToString() + "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n");
    assert.equal(partial.saveToString(), a.saveToString());

    const t = TLSOptions.clientUnsafe(x);
    assert.deepEqual(g.unsafe, [t.isServer(), t.isUnsafeClient(), t.getCommonNameOverride(), t.getTrustedCaChain() === x]);
    const c = TLSOptions.client(null, "name");
    assert.deepEqual(g.client, [c.isServer(), c.isUnsafeClient(), c.getCommonNameOverride(), c.getTrustedCaChain() === null, c.getPrivateKey() === null, c.getOwnCertificate() === null]);
  });

  test("PacketPeerDTLS, StreamPeerTLS and DTLSServer before any connection; DTLSServer.setup twice", async () => {
    const crypto = new Crypto();
    const key = crypto.generateEcdsa("P-256");
    const cert = crypto.generateSelfSignedCertificate(key, "CN=a,O=x,C=IT", "20200101000000", "20400101000000");
    const script = `extends SceneTree
func _initialize() -> void:
	var out := {}
	var key := CryptoKey.new()
	key.load_from_string(FileAccess.get_file_as_string("res://key.pem"))
	var cert := X509Certificate.new()
	cert.load_from_string(FileAccess.get_file_as_string("res://cert.pem"))
	var ds := DTLSServer.new()
	out["setup"] = [ds.setup(TLSOptions.server(key, cert)), ds.setup(TLSOptions.server(key, cert))]
	var u := PacketPeerUDP.new()
	out["takeUnconnected"] = ds.take_connection(u).get_status()
	var d := PacketPeerDTLS.new()
	out["dtls"] = [d.get_status(), d.put_packet(PackedByteArray([1])), d.get_packet().size(), d.get_packet_error(), d.get_available_packet_count(), d.connect_to_peer(u, "x"), d.get_status()]
	d.disconnect_from_peer()
	out["dtlsAfterDisconnect"] = d.get_status()
	var s := StreamPeerTLS.new()
	var partial: Array = s.get_partial_data(1)
	out["tls"] = [s.get_status(), s.get_stream() == null, s.put_data(PackedByteArray([1])), partial[0], partial[1].size(), s.get_available_bytes()]
	print(JSON.stringify(out))

${GD_QUIT_ON_FIRST_FRAME}`;
    const r = await runGodot4({ script, files: { "key.pem": key.saveToString(), "cert.pem": cert.saveToString() }, timeoutMs: 60000 });
    assert.equal(r.exitCode, 0, r.errors.join("\n"));
    const g = r.json.find((o): o is Record<string, unknown> => typeof o === "object" && o !== null && "setup" in o);
    assert.ok(g, `no report from Godot: ${r.lines.join("\n")}`);

    const ds = new DTLSServer();
    assert.deepEqual(g.setup, [ds.setup(TLSOptions.server(key, cert)), ds.setup(TLSOptions.server(key, cert))]);
    const u = new PacketPeerUDP();
    assert.equal(g.takeUnconnected, ds.takeConnection(u).getStatus());
    const d = new PacketPeerDTLS();
    const status0 = d.getStatus();
    const put = d.putPacket(new Uint8Array([1]));
    const got = d.getPacket().length;
    assert.deepEqual(g.dtls, [status0, put, got, d.getPacketError(), d.getAvailablePacketCount(), d.connectToPeer(u, "x"), d.getStatus()]);
    d.disconnectFromPeer();
    assert.equal(g.dtlsAfterDisconnect, d.getStatus());
    const s = new StreamPeerTLS();
    const [err, data] = s.getPartialData(1);
    assert.deepEqual(g.tls, [s.getStatus(), s.getStream() === null, s.putData(new Uint8Array([1])), err, data.length, s.getAvailableBytes()]);
  });

  test("generate_self_signed_certificate: the subject Godot writes for each issuer-name form is ours byte for byte", async () => {
    const crypto = new Crypto();
    const key = crypto.generateEcdsa("P-256");
    const names = [
      "CN=myserver,O=myorganisation,C=IT",
      "commonName=host.example, emailAddress=a@b.c,DC=org,serialNumber=42,title=T,GN=G,SN=S,L=Paris,ST=IDF,OU=u,O=o,C=FR",
      "R=r@x.y,postalCode=75000,dnQualifier=q,initials=I,pseudonym=P,generationQualifier=III,surName=Sur,givenName=Giv,locality=L2,stateOrProvinceName=S2,organizationName=O2,organizationalUnitName=OU2,countryName=DE,domainComponent=com,postalAddress=PA",
      "CN= spaced ,O=x",
      "OU=a,OU=b,CN=c",
      "CN=a\\,b,O=x",
      "CN=a\\\\,b,O=x",
    ];
    const script = `extends SceneTree
func _initialize() -> void:
	var crypto := Crypto.new()
	var key := CryptoKey.new()
	key.load_from_string(FileAccess.get_file_as_string("res://key.pem"))
	var out := []
	for n in JSON.parse_string(FileAccess.get_file_as_string("res://names.json")):
		out.append(crypto.generate_self_signed_certificate(key, n, "20200101000000", "20400101000000").save_to_string())
	print(JSON.stringify({"certificates": out}))

${GD_QUIT_ON_FIRST_FRAME}`;
    const r = await runGodot4({ script, files: { "key.pem": key.saveToString(), "names.json": JSON.stringify(names) }, timeoutMs: 60000 });
    assert.equal(r.exitCode, 0, r.errors.join("\n"));
    const g = r.json.find((o): o is { certificates: string[] } => typeof o === "object" && o !== null && "certificates" in o);
    assert.ok(g, `no report from Godot: ${r.lines.join("\n")}`);
    names.forEach((name, i) => {
      const theirs = new X509Certificate();
      // Godot's save_to_string ends each certificate with a NUL (see the first test).
      theirs.loadFromString(g.certificates[i]!.replace(/\0|\uFFFD/g, ""));
      const ours = parseCertificateDer(crypto.generateSelfSignedCertificate(key, name).derChain()[0]!);
      assert.deepEqual(ours.subjectDer, parseCertificateDer(theirs.derChain()[0]!).subjectDer, name);
    });
  });
});
