// Public surface of src/compress: re-exports only.
export { CompressionMode, type Compressor } from "./types.ts";
export { createCompressor, FastlzCompressor, ZlibCompressor, ZstdCompressor, GODOT_ZSTD_DEFAULT_LEVEL } from "./compressors.ts";
export { RangeCoderCompressor } from "./range-coder-compressor.ts";
export { RangeCoder, ENET_RANGE_CODER_SYMBOL_POOL } from "./range-coder.ts";
export {
  FileCompressionMode,
  compress,
  decompress,
  decompressDynamic,
  DECOMPRESS_DYNAMIC_HARD_CAP,
  type CompressOptions,
} from "./standalone.ts";
export { fastlzCompressInto, fastlzDecompressInto, fastlzCompressBound, fastlzDecodedLength } from "./fastlz.ts";
export { godotFastlzCompress, godotFastlzCompressInto, godotFastlzDecompressInto } from "./fastlz-godot.ts";
export {
  zlibCompress,
  deflateRawCompress,
  gzipCompress,
  zlibDecompressBounded,
  inflateRawBounded,
  gzipDecompressBounded,
  zlibDecompressInto,
} from "./deflate.ts";
export { BoundedInflater, INFLATE_CORRUPT, INFLATE_TOO_LARGE } from "./inflate-bounded.ts";
export { zstdDecompressBounded } from "./zstd/decoder.ts";
export { xxh64Low32 } from "./zstd/xxh64.ts";
export { zstdCompress } from "./zstd/encoder.ts";
