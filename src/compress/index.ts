// Public surface of src/compress: re-exports only.
export { CompressionMode, type Compressor } from "./types.ts";
export { createCompressor, GODOT_ZSTD_DEFAULT_LEVEL } from "./compressors.ts";
export {
  FileCompressionMode,
  compress,
  decompress,
  decompressDynamic,
  DECOMPRESS_DYNAMIC_HARD_CAP,
  type CompressOptions,
} from "./standalone.ts";
