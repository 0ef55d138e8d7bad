/** ENetConnection.CompressionMode: Godot's names and values. */
export enum CompressionMode {
  NONE = 0,
  RANGE_CODER = 1,
  FASTLZ = 2,
  ZLIB = 3,
  ZSTD = 4,
  // Godot's exact names (ENetConnection.CompressionMode); the short names above are aliases.
  COMPRESS_NONE = 0,
  COMPRESS_RANGE_CODER = 1,
  COMPRESS_FASTLZ = 2,
  COMPRESS_ZLIB = 3,
  COMPRESS_ZSTD = 4,
}

/**
 * ENet's compressor contract (ENetCompressor in enet.h), used per datagram on the
 * command bytes after the header.
 */
export interface Compressor {
  readonly mode: CompressionMode;
  /**
   * Compress the concatenation of `input` into at most `outLimit` bytes.
   * Returns null when the result would not fit, i.e. "no gain" when `outLimit`
   * is the input size. The result may be a view of the compressor's own scratch buffer,
   * valid until its next call: ENet copies it into the datagram at once, and an allocation
   * per datagram measured ~2 % of the range-coder loopback.
   */
  compress(input: Uint8Array | readonly Uint8Array[], outLimit: number): Uint8Array | null;
  /**
   * Decompress into at most `outLimit` bytes; null when corrupt or larger than `outLimit`. Never throws.
   * Like compress(), the result may be a view of scratch that the next call overwrites.
   */
  decompress(input: Uint8Array, outLimit: number): Uint8Array | null;
  /**
   * Inputs shorter than this decompress to exactly this many bytes, zero-padded (Godot's FastLZ
   * framing). A checksum taken over the original length cannot match the padded one, so ENet
   * sends such datagrams uncompressed when its checksums are on.
   */
  readonly paddedBelow?: number;
}
