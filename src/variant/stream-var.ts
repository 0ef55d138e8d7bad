/**
 * The Variant side of `put_var`/`get_var` on streams and packet peers, shared by
 * every class that has them so each one only delegates.
 *
 * StreamPeer (Godot 4.6 and 3.x alike): a 4-byte length in the stream's
 * endianness (`big_endian`), then the Variant, whose own encoding is always
 * little-endian. PacketPeer: one Variant per packet, at most
 * `encode_buffer_max_size` bytes.
 */
import { NetError } from "../errors.ts";
import { checkBool } from "../util/args.ts";
import { VariantDecoder } from "./decode.ts";
import { VariantEncoder } from "./encode.ts";
import { resolveVariantOptions, type VariantOptions } from "./options.ts";
import type { Variant } from "./variant.ts";
import { VariantWriter } from "./writer.ts";

/** The length prefix and body `StreamPeer.put_var(value, fullObjects)` writes. */
export function encodeStreamVar(value: unknown, fullObjects: boolean, bigEndian: boolean, options: VariantOptions | undefined): Uint8Array {
  checkBool(fullObjects, "putVar: fullObjects");
  const resolved = resolveVariantOptions(options, "putVar", fullObjects);
  const writer = new VariantWriter();
  writer.u32(0); // the length, patched below
  new VariantEncoder(writer, resolved).encode(value);
  writer.view.setUint32(0, writer.length - 4, !bigEndian);
  return writer.toBytes();
}

/** The Variant encoding `PacketPeer.put_var` sends as one packet. */
export function encodePacketVar(value: unknown, fullObjects: boolean, options: VariantOptions | undefined): Uint8Array {
  checkBool(fullObjects, "putVar: fullObjects");
  const writer = new VariantWriter();
  new VariantEncoder(writer, resolveVariantOptions(options, "putVar", fullObjects)).encode(value);
  return writer.toBytes();
}

/**
 * `get_var`'s decode: Godot returns nil (and logs) when the bytes are not a
 * valid Variant, so this returns null for any NetError from the decoder.
 */
export function decodeVarOrNull(body: Uint8Array, allowObjects: boolean, options: VariantOptions | undefined): Variant {
  checkBool(allowObjects, "getVar: allowObjects");
  const resolved = resolveVariantOptions(options, "getVar", allowObjects);
  try {
    return new VariantDecoder(body, 0, body.length, resolved).read(0) as Variant;
  } catch (error) {
    if (error instanceof NetError) return null;
    throw error;
  }
}

/** Godot's default `encode_buffer_max_size` (8 MiB) and the range its setter accepts. */
export const DEFAULT_ENCODE_BUFFER_MAX_SIZE = 8 * 1024 * 1024;
export const MIN_ENCODE_BUFFER_MAX_SIZE = 1024;
export const MAX_ENCODE_BUFFER_MAX_SIZE = 256 * 1024 * 1024;

/** Godot's `set_encode_buffer_max_size`: 1 KiB..256 MiB, rounded up to a power of two. */
export function checkEncodeBufferMaxSize(size: unknown): number {
  if (typeof size !== "number" || !Number.isInteger(size)) {
    throw new TypeError(`encodeBufferMaxSize must be an integer in ${MIN_ENCODE_BUFFER_MAX_SIZE}..${MAX_ENCODE_BUFFER_MAX_SIZE}, got ${String(size)}`);
  }
  if (size < MIN_ENCODE_BUFFER_MAX_SIZE || size > MAX_ENCODE_BUFFER_MAX_SIZE) {
    throw new RangeError(`encodeBufferMaxSize must be in ${MIN_ENCODE_BUFFER_MAX_SIZE}..${MAX_ENCODE_BUFFER_MAX_SIZE}, got ${size}`);
  }
  let p = MIN_ENCODE_BUFFER_MAX_SIZE;
  while (p < size) p *= 2;
  return p;
}
