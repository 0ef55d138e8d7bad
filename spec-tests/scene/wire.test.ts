import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { GodotError } from "../../src/errors.ts";
import { TransferMode } from "../../src/multiplayer/index.ts";
import { readCompressedVariant, writeCompressedVariants } from "../../src/scene/compressed-variant.ts";
import { RpcConfigTable, normalizeRpcConfig } from "../../src/scene/rpc-config.ts";
import { SceneSession, type SessionEvents } from "../../src/scene/session.ts";
import { SceneMultiplayer } from "../../src/scene/index.ts";
import { Vector2, VariantWriter } from "../../src/variant/index.ts";

const hex = (b: Uint8Array): string => Buffer.from(b).toString("hex");

describe("SceneMultiplayer wire details", () => {
  test("compressed Variants: bool in the meta byte, ints by size, everything else the plain encoding", () => {
    const w = new VariantWriter();
    writeCompressedVariants(w, [true, false, 5, -1, 300, -70000, 2 ** 40, 9007199254740993n, "hi", new Vector2(1.5, -2)], { allowObjects: false });
    assert.equal(
      hex(w.toBytes()),
      "81" + "01" + "0205" + "02ff" + "422c01" + "8290eefeff" + "c20000000000010000" + "c20100000000002000" + "04000000" + "0200000068690000" + "05000000" + "0000c03f000000c0",
    );
    // Decoding reads the same back, and refuses what Godot refuses.
    assert.deepEqual(readCompressedVariant(Uint8Array.of(0x42, 0x2c, 0x01), 0, 3, { allowObjects: false }), { value: 300, length: 3 });
    assert.throws(() => readCompressedVariant(Uint8Array.of(0x42, 0x2c), 0, 2, { allowObjects: false }));
    assert.throws(() => readCompressedVariant(Uint8Array.of(0x3f), 0, 1, { allowObjects: false }));
  });

  test("method ids are the indexes of the names sorted by code point; the path hash is the MD5 of the names in that order", () => {
    const names = ["pong", "ping", "Zeta", "émoji", "admin_only", "z"];
    const table = new RpcConfigTable(names.map((n) => normalizeRpcConfig(n, {})));
    const sorted = ["Zeta", "admin_only", "ping", "pong", "z", "émoji"];
    assert.deepEqual(table.byId.map((c) => c.name), sorted);
    assert.equal(table.ids.get("ping"), 2);
    assert.equal(table.md5, createHash("md5").update(sorted.join(""), "utf8").digest("hex"));
    assert.equal(new RpcConfigTable([]).md5, "d41d8cd98f00b204e9800998ecf8427e", "a node without RPCs hashes the empty string");
  });

  test("the first rpc_id to a peer: SIMPLIFY_PATH, then the call with a 32-bit path offset and the path appended; after CONFIRM_PATH an 8-bit id", () => {
    const sent: { to: number; hex: string; mode: number; channel: number | null }[] = [];
    const events: SessionEvents = {
      peerConnected: () => {},
      peerDisconnected: () => {},
      connectedToServer: () => {},
      peerAuthenticating: () => {},
      peerAuthenticationFailed: () => {},
      peerPacket: () => {},
      auth: () => null,
      handlerError: () => {},
      dropped: () => {},
    };
    const session: SceneSession = new SceneSession(
      {
        getUniqueId: () => 1,
        isServerRelaySupported: () => true,
        send: (to, packet, mode, channel) => {
          sent.push({ to, hex: hex(packet), mode, channel });
          return GodotError.OK;
        },
        disconnectPeer: () => {},
      },
      events,
      { rpcp: (n, p, m, a) => session.rpcp(n, p, m, a, true), rsetp: () => GodotError.ERR_UNAVAILABLE, getUniqueId: () => 1, getRootPath: () => "/root" },
    );
    session.addPeer(7, 0);
    const node = session.node("/root/Pinger");
    node.rpcConfig("ping", { rpcMode: "any_peer", transferMode: TransferMode.UNRELIABLE_ORDERED, channel: 3 });
    assert.equal(node.rpcId(7, "ping", 42, "hi"), GodotError.OK);
    const md5 = Buffer.from(createHash("md5").update("ping").digest("hex")).toString("hex");
    const path = Buffer.from("Pinger").toString("hex");
    assert.deepEqual(sent, [
      { to: 7, hex: "01" + md5 + "00" + "01000000" + path + "00", mode: TransferMode.RELIABLE, channel: 0 },
      // meta 0x20: 32-bit node id; id = 0x80000000 | offset 21 of the path; method 0; 2 args; int 42; String "hi"; the path.
      { to: 7, hex: "20" + "15000080" + "00" + "02" + "022a" + "040000000200000068690000" + path + "00", mode: TransferMode.UNRELIABLE_ORDERED, channel: 3 },
    ]);
    sent.length = 0;
    session.receive(7, Uint8Array.of(0x02, 0x01, 0x01, 0, 0, 0), TransferMode.RELIABLE, 0);
    node.rpcId(7, "ping");
    node.rpcId(7, "ping", new Uint8Array([9, 9]));
    assert.deepEqual(sent.map((s) => s.hex), ["800100", "8001000909"], "cached 8-bit id, no-argument and raw-bytes forms set bit 7");
    assert.equal(session.getDropCounters().rpcChecksumMismatch, 0);
  });

  test("node paths are relative to rootPath (Godot's root_path, /root by default); argument errors throw", () => {
    const mp = new SceneMultiplayer();
    assert.equal(mp.node("/root/Lobby/Chat"), mp.node("Lobby/Chat"));
    assert.equal(mp.node("./Lobby//Chat").getPath(), "/root/Lobby/Chat");
    assert.throws(() => mp.node("/elsewhere/X"), RangeError);
    mp.rootPath = "/root/Game";
    assert.equal(mp.node("/root/Game/Player").path, "Player");
    assert.equal(mp.node("Player").getPath(), "/root/Game/Player");
    assert.throws(() => mp.node("/root/Player"), RangeError);
    assert.throws(() => (mp.rootPath = "Game"), RangeError);
    assert.throws(() => mp.node("Player").rpcConfig("m", { rpcMode: "sometimes" as never }), RangeError);
    assert.throws(() => mp.node("Player").rpcConfig("m", { channel: 256 }), RangeError);
    assert.throws(() => mp.sendBytes("x" as never), TypeError);
    assert.equal(mp.sendBytes(new Uint8Array([1])), GodotError.OK, "the OfflineMultiplayerPeer takes it, as Godot's");
    mp.multiplayerPeer = null;
    assert.equal(mp.sendBytes(new Uint8Array([1])), GodotError.ERR_UNCONFIGURED, "no peer");
  });
});
