/**
 * Compress a file the way Godot's PackedByteArray.compress() does, and back: the output is
 * what Godot's decompress(buffer_size, mode) / decompress_dynamic(-1, mode) read.
 * Run: npx tsx examples/compress-file.ts FILE [fastlz|deflate|zstd|gzip]
 * Writes FILE.<mode>, decompresses it again and checks it matches.
 */
import { readFileSync, writeFileSync } from "node:fs";
import { compress, decompress, decompressDynamic, FileCompressionMode } from "../src/index.ts";

const MODES: Record<string, FileCompressionMode> = {
  fastlz: FileCompressionMode.COMPRESSION_FASTLZ,
  deflate: FileCompressionMode.COMPRESSION_DEFLATE,
  zstd: FileCompressionMode.COMPRESSION_ZSTD,
  gzip: FileCompressionMode.COMPRESSION_GZIP,
};
const [file, modeName = "zstd"] = process.argv.slice(2);
const mode = MODES[modeName];
if (!file || mode === undefined) {
  console.error("usage: npx tsx examples/compress-file.ts FILE [fastlz|deflate|zstd|gzip]");
  process.exit(2);
}
const input = readFileSync(file);
const packed = compress(input, mode);
writeFileSync(`${file}.${modeName}`, packed);
// Godot needs the original size for decompress(); decompress_dynamic finds it by itself.
const back = input.length > 0 ? decompress(packed, input.length, mode) : new Uint8Array(0);
const backDynamic = input.length > 0 ? decompressDynamic(packed, -1, mode) : new Uint8Array(0);
const same = (a: Uint8Array): boolean => a.length === input.length && a.every((b, i) => b === input[i]);
console.log(`${file}: ${input.length} B -> ${file}.${modeName}: ${packed.length} B (${modeName}, ${((100 * packed.length) / Math.max(1, input.length)).toFixed(1)} %)`);
console.log(`decompress: ${same(back) ? "identical" : "DIFFERENT"}, decompressDynamic: ${same(backDynamic) ? "identical" : "DIFFERENT"}`);
process.exit(same(back) && same(backDynamic) ? 0 : 1);
