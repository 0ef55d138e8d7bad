// dissectDatagram against the reference captures: every datagram of every capture decodes to the
// same header and commands as the capture decoder, checksums verify with the session's connect ID,
// and hostile bytes never throw.
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { dissectDatagram } from "../../src/enet/dissect.ts";
import { ProtocolCommand } from "../../src/enet/wire.ts";
import { createCompressor } from "../../src/compress/compressors.ts";
import { CompressionMode } from "../../src/compress/types.ts";
import { decodeDatagram, loadCaptures } from "../enet-interop/capture-decode.ts";
import { fromHex } from "../tools/udp-relay.ts";
import { SeededRandom } from "../../src/util/prng.ts";

const MODES = { none: CompressionMode.NONE, "range-coder": CompressionMode.RANGE_CODER, fastlz: CompressionMode.FASTLZ, zlib: CompressionMode.ZLIB, zstd: CompressionMode.ZSTD } as const;

describe("ENet datagram dissection", () => {
  for (const cap of loadCaptures()) {
    test(`${cap.name}: same commands as the capture decoder, checksums verified`, () => {
      const compressor = createCompressor(MODES[cap.compression]);
      let connectID: number | undefined;
      let verified = 0;
      cap.datagrams.forEach((rec, i) => {
        const bytes = fromHex(rec.hex);
        const d = dissectDatagram(bytes, { checksum: cap.checksum, decompress: compressor ? (b, l) => compressor.decompress(b, l) : null, checksumSeed: connectID });
        const ref = decodeDatagram(rec, i, cap.checksum, compressor ? (b, l) => compressor.decompress(b, l) : undefined);
        assert.equal(d.error, undefined, `datagram ${i}`);
        assert.equal(d.peerID, ref.peerID);
        assert.equal(d.sentTime, ref.sentTime);
        assert.deepEqual(d.commands.map((c) => c.command), ref.commands.map((c) => c.cmd));
        assert.deepEqual(d.commands.map((c) => c.payload?.length), ref.commands.map((c) => c.payload?.length));
        const connect = d.commands.find((c) => c.command.command === ProtocolCommand.CONNECT);
        if (connect && connect.command.command === ProtocolCommand.CONNECT && cap.datagrams.every((r) => r.client === rec.client)) connectID ??= connect.command.connectID;
        if (cap.checksum && d.checksumValid !== undefined) {
          assert.equal(d.checksumValid, true, `datagram ${i} checksum`);
          verified++;
        }
      });
      if (cap.checksum) assert.ok(verified > 2, `${verified} checksums verified`);
    });
  }

  test("a flipped byte fails the checksum; hostile bytes never throw", () => {
    const cap = loadCaptures().find((c) => c.checksum)!;
    const first = fromHex(cap.datagrams[0]!.hex);
    assert.equal(dissectDatagram(first, { checksum: true }).checksumValid, true);
    const bad = first.slice();
    bad[bad.length - 1]! ^= 0x40;
    assert.equal(dissectDatagram(bad, { checksum: true }).checksumValid, false);
    const rng = new SeededRandom(7);
    for (let i = 0; i < 20_000; i++) {
      const junk = new Uint8Array(rng.nextInt(40));
      for (let j = 0; j < junk.length; j++) junk[j] = rng.nextInt(256);
      const c = createCompressor(i % 5);
      const d = dissectDatagram(junk, { checksum: i % 2 === 0, decompress: c ? (b, l) => c.decompress(b, l) : null });
      assert.ok(d.commands.length <= junk.length);
    }
    assert.match(dissectDatagram(new Uint8Array([1])).error ?? "", /too short/);
  });
});
