// Conformance against reference captures (spec-tests/captures/, see its README): every
// datagram recorded from real C ENet 1.3.17 and Godot 3.2.3 sessions is decoded field by
// field with our codecs, checked against what the session did, and re-encoded to the
// captured bytes. Needs no live peer, so it runs everywhere.
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { ProtocolCommand } from "../../src/enet/wire.ts";
import { createCompressor, type CompressionMode, type Compressor } from "../../src/compress/index.ts";
import { assertChecksums, assertPeerAndSessionIds, assertReencodes, assertSequencesAndAcks } from "./capture-checks.ts";
import {
  decodeDatagram,
  deliveredPackets,
  findCommands,
  loadCaptures,
  receivedFlags,
  type CaptureFile,
  type CompressionName,
  type DecodedDatagram,
  type Decompress,
  type DeliveredPacket,
} from "./capture-decode.ts";
import { fnv1a, type PeerEvent } from "./harness.ts";
import { toHex } from "../tools/udp-relay.ts";

const modeNumber: Record<CompressionName, CompressionMode> = { none: 0, "range-coder": 1, fastlz: 2, zlib: 3, zstd: 4 };

/** Our codec for a capture's compression mode (null for none). */
function ourCompressor(name: CompressionName): Compressor | null {
  return createCompressor(modeNumber[name]);
}

const isServer = (role: string) => role === "server";
const clientRoles = (cap: CaptureFile) => cap.peers.filter((p) => !isServer(p.role));
const isGodot = (program: string) => program.includes("Godot");

function decodeAll(cap: CaptureFile, decompress?: Decompress): DecodedDatagram[] {
  return cap.datagrams.map((rec, i) => decodeDatagram(rec, i, cap.checksum, decompress));
}

function u32le(b: Uint8Array, o: number): number {
  return (b[o]! | (b[o + 1]! << 8) | (b[o + 2]! << 16) | (b[o + 3]! << 24)) >>> 0;
}

function bswap32(v: number): number {
  return (((v & 0xff) << 24) | ((v & 0xff00) << 8) | ((v >>> 8) & 0xff00) | (v >>> 24)) >>> 0;
}

const captures = loadCaptures();

describe("reference captures", () => {
  test("the capture set covers C ENet and Godot 3.2.3 in every compression mode", () => {
    const names = captures.map((c) => c.name);
    for (const n of ["c-basic", "c-checksum", "c-range-coder", "c-mtu", "c-commands", "c-loss", "godot-server-c-clients"]) {
      assert.ok(names.includes(n), n);
    }
    for (const mode of ["none", "range-coder", "fastlz", "zlib", "zstd"]) {
      assert.ok(captures.some((c) => c.name.startsWith("godot-") && c.compression === mode), `godot capture with ${mode}`);
    }
  });
  test("together they hold every ENet command, retransmissions and dropped datagrams", () => {
    const seen = new Set<number>();
    let retransmitted = 0;
    let dropped = 0;
    for (const cap of captures) {
      const compressor = ourCompressor(cap.compression);
      const ds = decodeAll(cap, compressor ? (b, l) => compressor.decompress(b, l) : undefined);
      const reliable = new Set<string>();
      for (const d of ds) {
        if (d.dropped) dropped++;
        for (const { cmd } of d.commands) {
          seen.add(cmd.command);
          if (cmd.flags & 0x80) {
            const key = `${d.dir}/${d.client}/${cmd.channelID}/${cmd.reliableSequenceNumber}`;
            if (reliable.has(key)) retransmitted++;
            reliable.add(key);
          }
        }
      }
    }
    assert.deepEqual([...seen].sort((a, b) => a - b), [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12], "commands 1..12 all captured");
    assert.ok(retransmitted > 0, "some reliable commands were retransmitted");
    assert.ok(dropped > 0);
  });
});

for (const cap of captures) {
  const compressor = ourCompressor(cap.compression);
  const decompress: Decompress | undefined = compressor ? (body, limit) => compressor.decompress(body, limit) : undefined;

  describe(`capture ${cap.name}`, () => {
    const decoded = () => decodeAll(cap, decompress);

    test("every datagram decodes, and re-encodes to the captured bytes", () => {
      const ds = decoded();
      assert.ok(ds.length > 0);
      let compressedCount = 0;
      for (const d of ds) {
        assertReencodes(d, cap.checksum);
        if (d.trailingZeros) assert.equal(cap.compression, "fastlz", "only FastLZ's 16-byte padding leaves zero bytes after the commands");
        if (!d.compressed) continue;
        compressedCount++;
        const c = compressor!;
        const captured = d.bytes.subarray(d.headerSize);
        assert.ok(captured.length < d.body.length, `datagram ${d.index}: compressed only when strictly smaller`);
        if (cap.compression === "range-coder") {
          // ENet's range coder is deterministic and ours must be bit-exact with it.
          const again = c.compress(d.body, d.body.length);
          assert.ok(again, `datagram ${d.index}: our range coder reports no gain where libenet compressed`);
          assert.equal(toHex(again), toHex(captured), `datagram ${d.index}: range coder output`);
        } else {
          // Other encoders need not match Godot's bytes, only round-trip through ours.
          const again = c.compress(d.body, 4096);
          assert.ok(again);
          assert.equal(toHex(c.decompress(again, 4096)!), toHex(d.body));
        }
      }
      if (cap.compression !== "none") assert.ok(compressedCount > 0, "the session compressed some datagrams");
    });

    if (cap.checksum) {
      test("CRC32 checksums: seeded with 0 before the handshake and with the connectID after it", () => {
        assertChecksums(decoded());
      });
    }

    test("handshake: CONNECT and VERIFY_CONNECT carry the session's IDs, MTU, channels and data", () => {
      const ds = decoded();
      const server = cap.peers.find((p) => isServer(p.role))!;
      const clients = clientRoles(cap);
      clients.forEach((client, k) => {
        const [connect, ...moreConnects] = findCommands(ds, ProtocolCommand.CONNECT, (d) => d.dir === "c2s" && d.client === k);
        assert.ok(connect, `client ${k} sent CONNECT`);
        for (const again of moreConnects) assert.deepEqual(again.cmd, connect.cmd, "a repeated CONNECT is a retransmission");
        const [verify] = findCommands(ds, ProtocolCommand.VERIFY_CONNECT, (d) => d.dir === "s2c" && d.client === k);
        assert.ok(verify, `server answered client ${k} with VERIFY_CONNECT`);
        assert.equal(connect.d.peerID, 0xfff, "CONNECT goes to peer ID 0xFFF");
        assert.equal(connect.cmd.channelID, 0xff);
        assert.equal(connect.cmd.flags & 0x80, 0x80, "CONNECT asks for an acknowledgement");
        assert.equal(verify.cmd.connectID, connect.cmd.connectID);
        assert.equal(verify.d.peerID, connect.cmd.outgoingPeerID, "the server addresses the client by the ID it announced");

        const godotClient = isGodot(client.program);
        const clientArgs = client.args as string[] & Record<string, unknown>;
        const argOf = (name: string) => {
          const i = (clientArgs as string[]).indexOf(name);
          return i >= 0 ? Number((clientArgs as string[])[i + 1]) : undefined;
        };
        const clientMtu = godotClient ? 1400 : (argOf("--mtu") ?? 1400);
        const clientChannels = godotClient ? 3 : (argOf("--channels") ?? 4);
        assert.equal(connect.cmd.mtu, clientMtu);
        assert.equal(connect.cmd.channelCount, clientChannels);
        // C ENet 1.3.17 (and Godot 3.2.3 linked to it) adopts the client's MTU whatever its own host MTU is.
        assert.equal(verify.cmd.mtu, clientMtu, "a 1.3.17 server answers with the client's MTU");
        assert.equal(verify.cmd.channelCount, clientChannels);
        assert.equal(verify.cmd.windowSize, connect.cmd.windowSize);

        if (godotClient) {
          const ready = client.events.find((e) => e.ev === "ready")!;
          assert.equal(connect.cmd.data, ready.unique_id, "Godot 3 sends its unique ID as connect data");
        } else {
          assert.equal(connect.cmd.data, argOf("--data") ?? 0);
          const ev = client.events.find((e) => e.ev === "connect")!;
          assert.equal(ev.outgoingPeerID, verify.cmd.outgoingPeerID);
          assert.equal(ev.connectID, bswap32(connect.cmd.connectID), "connectID travels in host byte order");
          assert.equal(ev.mtu, verify.cmd.mtu);
        }
        if (isGodot(server.program)) {
          assert.ok(server.events.some((e) => e.ev === "peer_connected" && e.id === connect.cmd.data));
        } else {
          const ev = server.events.find((e) => e.ev === "connect" && e.peer === verify.cmd.outgoingPeerID)!;
          assert.equal(ev.data, connect.cmd.data);
        }

      });
      assert.equal(assertPeerAndSessionIds(ds), clients.length, "one connection per client");
    });

    test("sequence numbers per channel, unsequenced groups and acknowledgements with echoed sent times", () => {
      const acks = assertSequencesAndAcks(decoded());
      assert.ok(acks > 0);
    });

    test("the packets on the wire are the packets each peer received, per channel and in order", () => {
      const ds = decoded();
      const packets = deliveredPackets(ds);
      const clients = clientRoles(cap);
      const server = cap.peers.find((p) => isServer(p.role))!;
      const verifyOf = (k: number) => findCommands(ds, ProtocolCommand.VERIFY_CONNECT, (d) => d.client === k)[0]!.cmd;
      const connectOf = (k: number) => findCommands(ds, ProtocolCommand.CONNECT, (d) => d.client === k)[0]!.cmd;

      const check = (receiver: { program: string; events: PeerEvent[] }, wire: DeliveredPacket[], evFilter: (e: PeerEvent) => boolean, what: string) => {
        const events = receiver.events.filter((e) => e.ev === "receive" && evFilter(e));
        if (isGodot(receiver.program)) {
          // Godot consumes channel 0 (its system messages) itself and strips the 8-byte header.
          const data = wire.filter((p) => p.channel !== 0);
          assert.equal(events.length, data.length, `${what}: packet count`);
          data.forEach((p, i) => {
            const e = events[i]!;
            assert.equal(e.ch, p.channel, `${what} #${i} channel`);
            assert.equal(e.from, u32le(p.data, 0), `${what} #${i}: source ID from the 8-byte header`);
            assert.equal(e.len, p.data.length - 8, `${what} #${i} length`);
            if (e.hex !== undefined) assert.equal(e.hex, toHex(p.data.subarray(8)));
          });
        } else {
          assert.equal(events.length, wire.length, `${what}: packet count`);
          wire.forEach((p, i) => {
            const e = events[i]!;
            assert.equal(e.ch, p.channel, `${what} #${i} channel`);
            assert.equal(e.flags, receivedFlags[p.kind], `${what} #${i} flags`);
            assert.equal(e.len, p.data.length, `${what} #${i} length`);
            assert.equal(e.fnv, fnv1a(p.data), `${what} #${i} payload`);
          });
        }
      };

      let total = 0;
      clients.forEach((client, k) => {
        const up = packets.filter((p) => p.dir === "c2s" && p.client === k);
        const down = packets.filter((p) => p.dir === "s2c" && p.client === k);
        total += up.length + down.length;
        const serverFilter = isGodot(server.program)
          ? (e: PeerEvent) => e.from === connectOf(k).data
          : (e: PeerEvent) => e.peer === verifyOf(k).outgoingPeerID;
        check(server, up, serverFilter, `${cap.name} client ${k} -> server`);
        check(client, down, () => true, `${cap.name} server -> client ${k}`);
      });
      assert.ok(total > 0);
    });

    test("disconnect: DISCONNECT carries the data the other side reported", () => {
      const ds = decoded();
      const disconnects = findCommands(ds, ProtocolCommand.DISCONNECT);
      assert.ok(disconnects.length > 0, "the session ended with a DISCONNECT");
      for (const { d, cmd } of disconnects) {
        assert.equal(cmd.channelID, 0xff);
        const receiver = d.dir === "c2s" ? cap.peers.find((p) => isServer(p.role))! : clientRoles(cap)[d.client]!;
        if (isGodot(receiver.program)) continue; // Godot does not report disconnect data
        const ev = receiver.events.find((e) => e.ev === "disconnect");
        assert.ok(ev, `${receiver.role} reported the disconnect`);
        assert.equal(ev.data, cmd.data, `${receiver.role} disconnect data`);
      }
      const godotClosers = clientRoles(cap).filter((c) => isGodot(c.program));
      for (const c of godotClosers) {
        const id = c.events.find((e) => e.ev === "ready")!.unique_id;
        const mine = disconnects.filter((x) => x.d.dir === "c2s");
        assert.ok(mine.length > 0 && mine.every((x) => x.cmd.data === id), "Godot 3's close_connection() sends its unique ID as disconnect data");
        assert.ok(mine.every((x) => (x.cmd.flags & 0x80) === 0 && (x.cmd.flags & 0x40) !== 0), "...as disconnect_now: unacknowledged, unsequenced");
      }
    });

    if (cap.name.startsWith("godot-")) {
      test("Godot 3 framing: 8-byte [u32 source][i32 target] header on data packets, system messages on channel 0", () => {
        const ds = decoded();
        const packets = deliveredPackets(ds);
        const clients = clientRoles(cap);
        for (const p of packets) {
          const k = p.client;
          const clientId = findCommands(ds, ProtocolCommand.CONNECT, (d) => d.client === k)[0]!.cmd.data;
          assert.ok(p.data.length >= 8, "every Godot 3 packet has at least the 8-byte header");
          if (p.dir === "s2c" && p.channel === 0) {
            // SYSMSG_ADD_PEER (0) / SYSMSG_REMOVE_PEER (1) naming another client's ID.
            assert.equal(p.data.length, 8);
            assert.ok([0, 1].includes(u32le(p.data, 0)));
            assert.equal(p.kind, "reliable");
            continue;
          }
          const source = u32le(p.data, 0);
          const target = u32le(p.data, 4) | 0;
          if (p.dir === "c2s") {
            assert.equal(source, clientId);
            assert.equal(target, 1, "client packets target the server (ID 1)");
          } else {
            assert.equal(source, 1);
            assert.equal(target, clientId);
          }
          // Default channels: reliable on 1, unreliable on 2 (unsequenced unless ordered).
          if (p.kind === "unsequenced" || p.kind === "unreliable") assert.equal(p.channel, 2);
        }
        if (cap.name === "godot-server-c-clients") {
          const sys = packets.filter((p) => p.dir === "s2c" && p.channel === 0).map((p) => [p.client, u32le(p.data, 0), u32le(p.data, 4)]);
          const ids = clients.map((_, k) => findCommands(ds, ProtocolCommand.CONNECT, (d) => d.client === k)[0]!.cmd.data);
          assert.deepEqual(sys, [
            [0, 0, ids[1]], // A learns B joined
            [1, 0, ids[0]], // B learns A is there
            [0, 1, ids[1]], // A learns B left
          ]);
        }
      });
    }
  });
}
