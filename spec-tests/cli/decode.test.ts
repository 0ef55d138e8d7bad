// `packetpeer decode` on captures of real sessions (spec-tests/captures/pcap/, recorded with tcpdump by
// spec-tests/tools/record-pcaps.ts): C ENet 1.3.17, Godot 3.2.3 and ours. Fields checked one by one
// against what each session did. In-process, so it runs on every runtime.
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { decodeCapture, type CaptureReport, type DecodeSettings } from "../../src/cli/decode.ts";
import { readCapture, CaptureFormatError } from "../../src/cli/pcap.ts";
import { SeededRandom } from "../../src/util/prng.ts";

const dir = join(fileURLToPath(import.meta.url), "..", "..", "captures", "pcap");
const load = (name: string): Uint8Array => readFileSync(join(dir, name));
const AUTO: DecodeSettings = { ports: [], compress: "auto", checksum: "auto", godot: 0 };
const text = (b: Uint8Array): string => new TextDecoder().decode(b);
const commandsOf = (r: CaptureReport): string[] => r.datagrams.flatMap((d) => d.commands.map((c) => c.command as string));
const LONG = "fragmented ".repeat(300).trim();

describe("packetpeer decode on recorded captures", () => {
  test("C ENet 1.3.17 server <-> our client: handshake, acks, a fragmented packet reassembled, echoes", () => {
    const r = decodeCapture(load("c-server-ours-client.pcap"), AUTO);
    assert.equal(r.format, "pcap");
    assert.deepEqual(r.flows.map((f) => [f.checksum, f.compression]), [[false, "none"]]);
    assert.ok(r.datagrams.every((d) => d.error === undefined), "every datagram reads as ENet");
    const [connect, verify] = r.datagrams;
    assert.equal(connect!.peerID, 0xfff);
    assert.equal(connect!.commands[0]!.command, "CONNECT");
    assert.equal(connect!.commands[0]!.channelCount, 8);
    assert.equal(connect!.commands[0]!.mtu, 1392);
    assert.equal(verify!.commands[0]!.command, "VERIFY_CONNECT");
    assert.equal(verify!.commands[0]!.connectID, connect!.commands[0]!.connectID);
    assert.equal(verify!.dir, "s2c");
    const packets = r.datagrams.flatMap((d) => d.packets.map((p) => ({ dir: d.dir, channel: p.channel, kind: p.kind, text: text(p.payload) })));
    for (const dir of ["c2s", "s2c"]) {
      assert.ok(packets.some((p) => p.dir === dir && p.channel === 2 && p.kind === "reliable" && p.text === "hello C ENet"), `${dir} hello`);
      assert.ok(packets.some((p) => p.dir === dir && p.channel === 2 && p.text === LONG), `${dir} 3299 B packet from 3 fragments`);
    }
    const fragments = r.datagrams.flatMap((d) => d.commands).filter((c) => c.command === "SEND_FRAGMENT" && c.startSequenceNumber === 2);
    assert.deepEqual(fragments.slice(0, 3).map((c) => [c.fragmentNumber, c.fragmentCount, c.totalLength]), [[0, 3, 3299], [1, 3, 3299], [2, 3, 3299]]);
    assert.ok(commandsOf(r).includes("ACKNOWLEDGE"));
  });

  test("ours <-> ours with the range coder and CRC32 checksums: both found, every checksum verified", () => {
    const r = decodeCapture(load("ours-range-checksum.pcap"), AUTO);
    assert.deepEqual(r.flows.map((f) => [f.checksum, f.compression]), [[true, "range"]]);
    assert.ok(r.datagrams.some((d) => d.compressed), "some datagrams are compressed");
    assert.ok(r.datagrams.every((d) => d.checksumValid === true), "every checksum verifies");
    assert.equal(r.datagrams[0]!.commands[0]!.command, "CONNECT");
    const texts = r.datagrams.flatMap((d) => d.packets.map((p) => text(p.payload)));
    assert.equal(texts.filter((t) => t === "hello from packetpeer").length, 2, "sent and echoed");
    assert.equal(texts.filter((t) => t === LONG).length, 2, "compressed fragments reassembled both ways");
    // Told the wrong mode, the compressed datagrams say so instead of decoding garbage.
    const wrong = decodeCapture(load("ours-range-checksum.pcap"), { ...AUTO, compress: 4 });
    assert.ok(wrong.datagrams.filter((d) => d.compressed).every((d) => /does not decompress/.test(d.error ?? "")));
  });

  test("Godot 3.2.3 NetworkedMultiplayerENet server <-> our Godot 3 client: the 8-byte source/target framing", () => {
    const r = decodeCapture(load("godot3-server-ours-client.pcap"), { ...AUTO, godot: 3 });
    const connect = r.datagrams[0]!.commands[0]!;
    assert.equal(connect.command, "CONNECT");
    assert.equal(connect.channelCount, 3, "Godot 3's default channel_count");
    const id = connect.data as number; // Godot 3 clients send their unique id as the connect data
    const data = r.datagrams.flatMap((d) => d.packets.map((p) => ({ dir: d.dir, channel: p.channel, framing: p.godot?.framing, body: text(p.payload.subarray(8)) })));
    assert.deepEqual(data.find((p) => p.dir === "c2s"), { dir: "c2s", channel: 1, framing: { source: id, target: 0 }, body: "hello Godot 3" });
    assert.deepEqual(data.find((p) => p.dir === "s2c"), { dir: "s2c", channel: 1, framing: { source: 1, target: id }, body: "hello Godot 3" });
    assert.ok(commandsOf(r).includes("DISCONNECT"), "the session ends with a DISCONNECT");
  });

  test("SceneMultiplayer over ENet: path cache, RPCs with Variant arguments both ways", () => {
    const r = decodeCapture(load("scene-godot4.pcap"), { ...AUTO, godot: 4 });
    const cmds = r.datagrams.flatMap((d) => d.packets.map((p): Record<string, unknown> => ({ dir: d.dir, ...(p.godot?.command ?? {}) })));
    const simplify = cmds.find((c) => c.dir === "c2s" && c.command === "SIMPLIFY_PATH");
    assert.equal(simplify?.path, "Chat");
    assert.equal(simplify?.id, 1);
    assert.match(String(simplify?.rpcConfigMd5), /^[0-9a-f]{32}$/);
    assert.deepEqual(cmds.find((c) => c.dir === "s2c" && c.command === "CONFIRM_PATH"), { dir: "s2c", command: "CONFIRM_PATH", valid: true, id: 1 });
    assert.deepEqual(cmds.find((c) => c.dir === "c2s" && c.command === "REMOTE_CALL"), { dir: "c2s", command: "REMOTE_CALL", path: "Chat", methodId: 1, args: ['"hello scene"'] });
    assert.deepEqual(cmds.find((c) => c.dir === "s2c" && c.command === "REMOTE_CALL"), { dir: "s2c", command: "REMOTE_CALL", path: "Chat", methodId: 0, args: ['"bob"', '"hello scene"', '[1,2.5,"three"]'] });
  });

  test("pcapng from dumpcap: the same datagrams, ports, lengths and times as tshark reads; zstd found", () => {
    const r = decodeCapture(load("ours-zstd-dumpcap.pcapng"), AUTO);
    const tshark = JSON.parse(new TextDecoder().decode(load("ours-zstd-dumpcap.tshark.json"))) as { datagrams: { time: number; srcPort: number; dstPort: number; payloadLength: number }[] };
    assert.equal(r.format, "pcapng");
    assert.deepEqual(
      r.datagrams.map((d) => ({ srcPort: Number(d.from.split(":")[1]), dstPort: Number(d.to.split(":")[1]), payloadLength: d.size })),
      tshark.datagrams.map((d) => ({ srcPort: d.srcPort, dstPort: d.dstPort, payloadLength: d.payloadLength })),
    );
    r.datagrams.forEach((d, i) => assert.ok(Math.abs(d.time - tshark.datagrams[i]!.time) < 1e-6, `datagram ${i} time`));
    assert.deepEqual(r.flows.map((f) => f.compression), ["zstd"]);
    assert.ok(r.datagrams.every((d) => d.error === undefined));
    const texts = r.datagrams.flatMap((d) => d.packets.map((p) => text(p.payload)));
    assert.equal(texts.filter((t) => t === "hello pcapng").length, 2, "sent and echoed");
    assert.equal(texts.filter((t) => t === "z".repeat(4000)).length, 2, "a 4,000-byte packet from compressed fragments, both ways");
  });

  test("--port filters; files that are not captures are refused with a clear error; truncated files keep what they have", () => {
    const all = load("c-server-ours-client.pcap");
    assert.equal(decodeCapture(all, { ...AUTO, ports: [1] }).datagrams.length, 0);
    assert.throws(() => readCapture(new TextEncoder().encode("this is not a capture file")), CaptureFormatError);
    const cut = readCapture(all.subarray(0, all.length - 100));
    assert.ok(cut.datagrams.length > 0 && cut.datagrams.length < readCapture(all).datagrams.length);
    // The cut is said (the bytes after the last whole record), a whole file has none.
    assert.ok(cut.trailingBytes > 0 && cut.trailingBytes < 100 + 16, `${cut.trailingBytes} trailing bytes`);
    assert.equal(readCapture(all).trailingBytes, 0);
    const ng = load("ours-zstd-dumpcap.pcapng");
    assert.equal(readCapture(ng).trailingBytes, 0);
    assert.equal(readCapture(ng.subarray(0, ng.length - 10)).trailingBytes > 0, true);
    assert.equal(decodeCapture(ng.subarray(0, 40), AUTO).trailingBytes, 40); // inside the first block (180 B)
  });

  test("damaged captures (seeded: bytes overwritten anywhere, files cut short) decode or are refused with CaptureFormatError, in every --godot mode", () => {
    const captures = ["c-server-ours-client.pcap", "godot3-server-ours-client.pcap", "ours-range-checksum.pcap", "ours-zstd-dumpcap.pcapng", "scene-godot4.pcap"].map(load);
    const rng = new SeededRandom(2026);
    const unexpected: string[] = [];
    let decoded = 0;
    let refused = 0;
    for (let i = 0; i < 300; i++) {
      const damaged = Uint8Array.from(captures[rng.nextInt(captures.length)]!);
      for (let k = 1 + rng.nextInt(20); k > 0; k--) damaged[rng.nextInt(damaged.length)] = rng.chance(0.3) ? [0, 0x7f, 0x80, 0xff][rng.nextInt(4)]! : rng.nextInt(256);
      const input = rng.chance(0.2) ? damaged.subarray(0, rng.nextInt(damaged.length)) : damaged;
      for (const godot of [0, 3, 4] as const) {
        try {
          decodeCapture(input, { ...AUTO, godot });
          decoded++;
        } catch (err) {
          if (err instanceof CaptureFormatError) refused++;
          else unexpected.push(`case ${i}, --godot ${godot}: ${String(err)}`);
        }
      }
    }
    assert.deepEqual(unexpected, []);
    assert.ok(decoded > 600 && refused > 0, `${decoded} decoded, ${refused} refused`);
  });
});
