/**
 * Godot's binary Variant encoding (`var_to_bytes` / `bytes_to_var`, the body of
 * `put_var`, RPC arguments), Godot 4 (default) and Godot 3 (`protocol: "godot3"`).
 * The type table and the JS mapping are in docs/variant.md.
 */
import { checkBytes, checkInt } from "../util/args.ts";
import { VariantDecoder } from "./decode.ts";
import { VariantEncoder } from "./encode.ts";
import { resolveVariantOptions, type VariantOptions } from "./options.ts";
import type { Variant } from "./variant.ts";
import { VariantWriter } from "./writer.ts";

export { VariantType, Godot3VariantType, MAX_RECURSION_DEPTH } from "./type-ids.ts";
export { VariantWriter, MAX_ENCODED_SIZE } from "./writer.ts";
export type { VariantOptions, VariantProtocol } from "./options.ts";
export type { Variant, VariantDictionary } from "./variant.ts";
export {
  AABB,
  Basis,
  Color,
  Plane,
  Projection,
  Quaternion,
  Rect2,
  Rect2i,
  Transform2D,
  Transform3D,
  Vector2,
  Vector2i,
  Vector3,
  Vector3i,
  Vector4,
  Vector4i,
} from "./math.ts";
export { NodePath, StringName } from "./names.ts";
export { Callable, EncodedObjectAsID, GodotObject, RID, Signal } from "./references.ts";
export { Float } from "./float.ts";
export {
  PackedColorArray,
  PackedStringArray,
  PackedVector2Array,
  PackedVector3Array,
  PackedVector4Array,
  TypedArray,
  TypedDictionary,
  type ContainerType,
} from "./containers.ts";

// The next encoding most likely has the size of the last one: start a writer of
// that size, so the common case hands out the writer's own storage, uncopied.
// (Capped, so one huge value does not make every later call allocate as much.)
const SIZE_HINT_MAX = 1 << 20;
let lastEncodedSize = 256;

/**
 * Godot's `var_to_bytes`: the Variant encoding of `value`. Throws TypeError for
 * a value with no Variant type (undefined, a function, a class instance that is
 * not one of ours) and RangeError past Godot's limits (nesting deeper than 1024,
 * a bigint outside int64).
 */
export function varToBytes(value: unknown, options?: VariantOptions): Uint8Array {
  return encodeToBytes(value, options, false, "varToBytes");
}

/** Godot's `var_to_bytes_with_objects`: also sends GodotObject values whole. */
export function varToBytesWithObjects(value: unknown, options?: VariantOptions): Uint8Array {
  return encodeToBytes(value, options, true, "varToBytesWithObjects");
}

function encodeToBytes(value: unknown, options: VariantOptions | undefined, withObjects: boolean, name: string): Uint8Array {
  const resolved = resolveVariantOptions(options, name, withObjects);
  const writer = new VariantWriter(lastEncodedSize);
  new VariantEncoder(writer, resolved).encode(value);
  lastEncodedSize = Math.min(writer.length, SIZE_HINT_MAX);
  return writer.length === writer.bytes.length ? writer.bytes : writer.toBytes();
}

/**
 * Godot's `bytes_to_var`. Bytes after the first Variant are ignored, as in
 * Godot. Throws NetError with Godot's code for bad input: ERR_INVALID_DATA
 * (truncated, unknown type, bad UTF-8, ...), ERR_FILE_EOF (a string past the
 * end), ERR_UNAUTHORIZED (a whole object; use bytesToVarWithObjects),
 * ERR_OUT_OF_MEMORY (nested deeper than 1024).
 */
export function bytesToVar(bytes: Uint8Array, options?: VariantOptions): Variant {
  checkBytes(bytes, "bytesToVar: bytes");
  const resolved = resolveVariantOptions(options, "bytesToVar");
  return new VariantDecoder(bytes, 0, bytes.length, resolved).read(0) as Variant;
}

/** Godot's `bytes_to_var_with_objects`: also accepts whole objects (as GodotObject). */
export function bytesToVarWithObjects(bytes: Uint8Array, options?: VariantOptions): Variant {
  checkBytes(bytes, "bytesToVarWithObjects: bytes");
  const resolved = resolveVariantOptions(options, "bytesToVarWithObjects", true);
  return new VariantDecoder(bytes, 0, bytes.length, resolved).read(0) as Variant;
}

/**
 * Encode `value` at the end of `writer` (for messages that embed Variants, such
 * as RPC packets). Returns how many bytes were written. On a throw the writer
 * may hold a partial Variant: reset or truncate it (`writer.length = before`).
 */
export function encodeVariantInto(writer: VariantWriter, value: unknown, options?: VariantOptions): number {
  if (!(writer instanceof VariantWriter)) throw new TypeError("encodeVariantInto: writer must be a VariantWriter");
  const before = writer.length;
  try {
    new VariantEncoder(writer, resolveVariantOptions(options, "encodeVariantInto")).encode(value);
  } catch (error) {
    writer.length = before;
    throw error;
  }
  return writer.length - before;
}

/**
 * Decode one Variant starting at `offset` (Godot's decode_variant with r_len).
 * `length` is how many bytes it took, counted as Godot counts: a
 * PackedByteArray whose zero padding is cut off by the end of `bytes` still
 * counts its padding, so `offset + length` can pass `bytes.length` by up to 3;
 * the next decode from there then fails, as in Godot.
 */
export function decodeVariantAt(
  bytes: Uint8Array,
  offset: number,
  options?: VariantOptions,
): { value: Variant; length: number } {
  checkBytes(bytes, "decodeVariantAt: bytes");
  checkInt(offset, "decodeVariantAt: offset", 0, bytes.length);
  const decoder = new VariantDecoder(bytes, offset, bytes.length, resolveVariantOptions(options, "decodeVariantAt"));
  const value = decoder.read(0) as Variant;
  return { value, length: decoder.pos - offset };
}
