/**
 * Frame and block headers of RFC 8878 (section 3.1.1). Pure writers into a
 * caller-provided buffer; every function returns the new write position.
 */

/** Magic_Number 0xFD2FB528, stored little-endian. */
export const ZSTD_MAGIC_NUMBER = 0xfd2fb528;
/** Block_Maximum_Size upper bound: 128 KiB. */
export const ZSTD_BLOCKSIZE_MAX = 128 * 1024;
/** Largest frame header: magic 4 + descriptor 1 + window 1 + dictionary 4 + content size 8. */
export const ZSTD_FRAME_HEADER_MAX = 18;
export const ZSTD_BLOCK_HEADER_SIZE = 3;

export const enum BlockType {
  Raw = 0,
  RLE = 1,
  Compressed = 2,
}

/**
 * Writes magic, Frame_Header_Descriptor, optional Window_Descriptor and
 * Frame_Content_Size. No dictionary, no checksum (Godot's default).
 * With `singleSegment` the window is the whole content, so decoders size one
 * buffer to Frame_Content_Size; otherwise `windowLog` (10..31) is declared.
 */
export function writeFrameHeader(
  out: Uint8Array,
  pos: number,
  contentSize: number,
  singleSegment: boolean,
  windowLog: number,
): number {
  out[pos++] = ZSTD_MAGIC_NUMBER & 0xff;
  out[pos++] = (ZSTD_MAGIC_NUMBER >>> 8) & 0xff;
  out[pos++] = (ZSTD_MAGIC_NUMBER >>> 16) & 0xff;
  out[pos++] = ZSTD_MAGIC_NUMBER >>> 24;

  // Frame_Content_Size_flag: 0 = 1 byte (single segment only), 1 = 2 bytes (value - 256),
  // 2 = 4 bytes, 3 = 8 bytes.
  let fcsFlag: number;
  if (singleSegment && contentSize < 256) fcsFlag = 0;
  else if (contentSize >= 256 && contentSize < 65536 + 256) fcsFlag = 1;
  else if (contentSize <= 0xffffffff) fcsFlag = 2;
  else fcsFlag = 3;
  out[pos++] = (fcsFlag << 6) | (singleSegment ? 0x20 : 0);

  if (!singleSegment) {
    // Window_Descriptor: Exponent in the top 5 bits (windowLog - 10), Mantissa 0.
    out[pos++] = (windowLog - 10) << 3;
  }

  switch (fcsFlag) {
    case 0:
      out[pos++] = contentSize;
      break;
    case 1: {
      const v = contentSize - 256;
      out[pos++] = v & 0xff;
      out[pos++] = v >>> 8;
      break;
    }
    case 2:
      out[pos++] = contentSize & 0xff;
      out[pos++] = (contentSize >>> 8) & 0xff;
      out[pos++] = (contentSize >>> 16) & 0xff;
      out[pos++] = contentSize >>> 24;
      break;
    default: {
      const low = contentSize % 0x100000000;
      const high = Math.floor(contentSize / 0x100000000);
      for (let i = 0; i < 4; i++) out[pos++] = (low >>> (8 * i)) & 0xff;
      for (let i = 0; i < 4; i++) out[pos++] = (high >>> (8 * i)) & 0xff;
    }
  }
  return pos;
}

/** Block_Header: Last_Block (bit 0), Block_Type (bits 1-2), Block_Size (bits 3-23), little-endian. */
export function writeBlockHeader(out: Uint8Array, pos: number, last: boolean, type: BlockType, size: number): number {
  const header = (size << 3) | (type << 1) | (last ? 1 : 0);
  out[pos] = header & 0xff;
  out[pos + 1] = (header >>> 8) & 0xff;
  out[pos + 2] = (header >>> 16) & 0xff;
  return pos + 3;
}

/** A Raw_Block: header then the bytes verbatim. */
export function writeRawBlock(out: Uint8Array, pos: number, src: Uint8Array, start: number, end: number, last: boolean): number {
  pos = writeBlockHeader(out, pos, last, BlockType.Raw, end - start);
  out.set(src.subarray(start, end), pos);
  return pos + (end - start);
}

/** An RLE_Block: header (Block_Size = regenerated size) then the single repeated byte. */
export function writeRleBlock(out: Uint8Array, pos: number, value: number, size: number, last: boolean): number {
  pos = writeBlockHeader(out, pos, last, BlockType.RLE, size);
  out[pos] = value;
  return pos + 1;
}

/** True when src[start..end) is one byte repeated (and non-empty). */
export function isSingleByteRun(src: Uint8Array, start: number, end: number): boolean {
  if (end <= start) return false;
  const b = src[start];
  for (let i = start + 1; i < end; i++) if (src[i] !== b) return false;
  return true;
}

/** Worst-case frame size: header plus every block stored raw. */
export function zstdCompressBound(inputSize: number): number {
  const blocks = Math.max(1, Math.ceil(inputSize / ZSTD_BLOCKSIZE_MAX));
  return ZSTD_FRAME_HEADER_MAX + blocks * ZSTD_BLOCK_HEADER_SIZE + inputSize;
}
