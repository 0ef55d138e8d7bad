// A Huffman tree description whose FSE-coded weights sit on states that read no bits
// would make fzstd decode weights forever; the pre-check must refuse it first.
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { CompressionMode, FileCompressionMode, createCompressor, decompress } from "../../src/index.ts";
import { GodotError, NetError } from "../../src/errors.ts";
import { zstdCompress } from "../../src/compress/zstd/encoder.ts";

/** Found by the ENet hostile-input test: a mutated 44-byte zstd frame from our own encoder. */
const SPINNING_FRAME = "28b52ffd20301d010002c30710f1cf1aff0bb85c723979332d2955ad023f8801f5ba89ffebd312be9bde0900";

describe("zstd Huffman tree descriptions", () => {
  test("a frame whose FSE-coded weights never run out of bits is rejected, not decoded forever", () => {
    const frame = Uint8Array.from(Buffer.from(SPINNING_FRAME, "hex"));
    assert.equal(createCompressor(CompressionMode.ZSTD)!.decompress(frame, 4092), null);
    assert.throws(() => decompress(frame, 48, FileCompressionMode.COMPRESSION_ZSTD), (e: unknown) => e instanceof NetError && e.code === GodotError.ERR_INVALID_DATA);
  });

  test("frames with FSE-coded Huffman weights from our encoder still decode", () => {
    // Text with a wide alphabet makes the encoder describe its Huffman tree with FSE-coded weights.
    const text = new TextEncoder().encode(
      Array.from({ length: 400 }, (_, i) => `entity ${i} pos=(${(i * 37) % 1000},${(i * 91) % 777}) hp=${i % 100} name="Player_${i % 23}";`).join("\n"),
    );
    const frame = zstdCompress(text, 3);
    assert.ok(frame.length < text.length / 2, "really compressed");
    const back = decompress(frame, text.length, FileCompressionMode.COMPRESSION_ZSTD);
    assert.deepEqual(back, text);
  });
});
