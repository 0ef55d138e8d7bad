/**
 * MultiplayerAPI's "compressed" Variants (scene/main/multiplayer_api.cpp): RPC arguments,
 * spawn state and sync state are Variants whose first byte is the type in the low 6 bits;
 * a bool keeps its value in bit 7 (1 byte in all), an int uses bits 6-7 for its size
 * (8/16/32/64 bits after the meta byte); every other type is the ordinary Variant
 * encoding (whose first byte already is the type).
 */
import { NetError, GodotError } from "../errors.ts";
import { decodeVariantAt, encodeVariantInto, type Variant, VariantType, VariantWriter } from "../variant/index.ts";

const TYPE_MASK = 0x3f;
const BOOL_TRUE = 0x80;
const ENCODE_8 = 0 << 6;
const ENCODE_16 = 1 << 6;
const ENCODE_32 = 2 << 6;
const ENCODE_64 = 3 << 6;
const EMODE_MASK = 0xc0;

export interface CompressOptions {
  allowObjects: boolean;
}

/** Append one compressed Variant to `w`. Throws TypeError/RangeError for a value with no Variant form. */
export function writeCompressedVariant(w: VariantWriter, value: unknown, opts: CompressOptions): void {
  if (typeof value === "boolean") {
    w.u8(VariantType.BOOL | (value ? BOOL_TRUE : 0));
    return;
  }
  if (typeof value === "bigint" || (typeof value === "number" && Number.isInteger(value) && !Object.is(value, -0))) {
    writeInt(w, value);
    return;
  }
  encodeVariantInto(w, value, { allowObjects: opts.allowObjects });
}

function writeInt(w: VariantWriter, value: number | bigint): void {
  const n = typeof value === "bigint" ? value : BigInt(value);
  if (n >= -128n && n <= 127n) {
    w.u8(VariantType.INT | ENCODE_8);
    w.u8(Number(n) & 0xff);
  } else if (n >= -32768n && n <= 32767n) {
    w.u8(VariantType.INT | ENCODE_16);
    w.reserve(2);
    w.view.setInt16(w.length, Number(n), true);
    w.length += 2;
  } else if (n >= -2147483648n && n <= 2147483647n) {
    w.u8(VariantType.INT | ENCODE_32);
    w.i32(Number(n));
  } else {
    if (n < -(1n << 63n) || n >= 1n << 63n) throw new RangeError(`value: ${n} is outside int64`);
    w.u8(VariantType.INT | ENCODE_64);
    w.big64(n);
  }
}

/** Append `values` one after the other (Godot's encode_and_compress_variants, regular form). */
export function writeCompressedVariants(w: VariantWriter, values: readonly unknown[], opts: CompressOptions): void {
  for (const v of values) writeCompressedVariant(w, v, opts);
}

function bad(message: string): NetError {
  return new NetError(GodotError.ERR_INVALID_DATA, message);
}

/**
 * Decode one compressed Variant at `offset`, reading no further than `end`. Returns the value
 * and the bytes it took. Throws NetError (ERR_INVALID_DATA and the Variant decoder's codes) on bad input.
 */
export function readCompressedVariant(bytes: Uint8Array, offset: number, end: number, opts: CompressOptions): { value: Variant; length: number } {
  if (offset >= end) throw bad("compressed Variant: no bytes");
  const meta = bytes[offset] ?? 0;
  const type = meta & TYPE_MASK;
  if (type >= VariantType.VARIANT_MAX) throw bad(`compressed Variant: type ${type} out of range`);
  if (type === VariantType.BOOL) return { value: (meta & BOOL_TRUE) !== 0, length: 1 };
  if (type === VariantType.INT) {
    const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    const at = offset + 1;
    switch (meta & EMODE_MASK) {
      case ENCODE_8:
        if (end - at < 1) throw bad("compressed int8: truncated");
        return { value: view.getInt8(at), length: 2 };
      case ENCODE_16:
        if (end - at < 2) throw bad("compressed int16: truncated");
        return { value: view.getInt16(at, true), length: 3 };
      case ENCODE_32:
        if (end - at < 4) throw bad("compressed int32: truncated");
        return { value: view.getInt32(at, true), length: 5 };
      default: {
        if (end - at < 8) throw bad("compressed int64: truncated");
        const n = view.getBigInt64(at, true);
        const value = n >= BigInt(Number.MIN_SAFE_INTEGER) && n <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(n) : n;
        return { value, length: 9 };
      }
    }
  }
  const window = end === bytes.length ? bytes : bytes.subarray(0, end);
  const r = decodeVariantAt(window, offset, { allowObjects: opts.allowObjects });
  if (offset + r.length > end) throw bad("compressed Variant: runs past its field");
  return r;
}

/** Decode exactly `count` compressed Variants from `offset` (Godot's decode_and_decompress_variants). */
export function readCompressedVariants(bytes: Uint8Array, offset: number, end: number, count: number, opts: CompressOptions): { values: Variant[]; length: number } {
  const values: Variant[] = [];
  let pos = offset;
  for (let i = 0; i < count; i++) {
    if (pos >= end) throw bad("compressed Variants: fewer than announced");
    const r = readCompressedVariant(bytes, pos, end, opts);
    values.push(r.value);
    pos += r.length;
  }
  return { values, length: pos - offset };
}
