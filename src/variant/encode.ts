/**
 * Variant -> bytes (Godot's encode_variant, core/io/marshalls.cpp), Godot 4 and
 * Godot 3 layouts. Everything is little-endian; every value's encoding is a
 * multiple of 4 bytes.
 *
 * Which Godot type a JS value becomes (docs/variant.md has the table):
 * null -> NIL, boolean -> BOOL, whole number in int64 range (not -0) -> INT,
 * other number -> FLOAT, bigint -> INT, string -> STRING, Uint8Array ->
 * PACKED_BYTE_ARRAY, Int32Array/BigInt64Array/Float32Array/Float64Array -> the
 * packed numeric arrays, plain array -> ARRAY, plain object or Map -> DICTIONARY,
 * and the classes of this folder -> their type.
 */
import type { Color, Vector2, Vector3, Vector4 } from "./math.ts";
import type { AABB, Basis, Plane, Projection, Quaternion, Rect2, Rect2i, Transform2D, Transform3D, Vector2i, Vector3i, Vector4i } from "./math.ts";
import type { ContainerType, TypedArray, TypedDictionary } from "./containers.ts";
import type { NodePath, StringName } from "./names.ts";
import type { EncodedObjectAsID, GodotObject, RID, Signal } from "./references.ts";
import type { Float } from "./float.ts";
import type { ResolvedVariantOptions } from "./options.ts";
import { VARIANT_TYPE, type Tagged } from "./tag.ts";
import {
  ContainerTypeKind,
  GODOT4_TO_GODOT3,
  HEADER_DATA_FIELD_TYPED_ARRAY_SHIFT,
  HEADER_DATA_FIELD_TYPED_DICTIONARY_KEY_SHIFT,
  HEADER_DATA_FIELD_TYPED_DICTIONARY_VALUE_SHIFT,
  HEADER_DATA_FLAG_64,
  HEADER_DATA_FLAG_OBJECT_AS_ID,
  MAX_RECURSION_DEPTH,
  VariantType,
} from "./type-ids.ts";
import type { VariantWriter } from "./writer.ts";

const INT32_MIN = -0x80000000;
const INT32_MAX = 0x7fffffff;
const INT64_LIMIT = 2 ** 63; // numbers in [-2^63, 2^63) fit an int64
const BIG_INT64_MIN = -(2n ** 63n);
const BIG_INT64_MAX = 2n ** 63n - 1n;
const BIG_UINT64_MAX = 2n ** 64n - 1n;

/** What Godot writes for an object-typed container element type when objects are not sent whole. */
const ENCODED_OBJECT_AS_ID_CLASS = "EncodedObjectAsID";

const LITTLE_ENDIAN_PLATFORM = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

function describe(value: unknown): string {
  if (value === undefined) return "undefined";
  if (typeof value === "function") return "a function";
  if (typeof value === "symbol") return "a symbol";
  if (typeof value === "object" && value !== null) return `a ${value.constructor?.name ?? "null-prototype object"}`;
  return typeof value;
}

/**
 * Writes Variants into a VariantWriter. One instance per options set; it holds
 * no state between calls except the options.
 */
export class VariantEncoder {
  private readonly godot3: boolean;
  private readonly fullObjects: boolean;
  private readonly double: boolean;

  constructor(
    private readonly out: VariantWriter,
    options: ResolvedVariantOptions,
  ) {
    this.godot3 = options.godot3;
    this.fullObjects = options.allowObjects;
    this.double = options.double;
  }

  encode(value: unknown): void {
    this.write(value, 0);
  }

  private header(type: VariantType, flags = 0): void {
    let id: number = type;
    if (this.godot3) {
      id = GODOT4_TO_GODOT3[type] ?? -1;
      if (id < 0) throw new TypeError(`value: ${VariantType[type]} has no Godot 3 type (protocol "godot3")`);
    }
    this.out.u32(id | flags);
  }

  private write(value: unknown, depth: number): void {
    if (depth > MAX_RECURSION_DEPTH) {
      throw new RangeError(`value: nests deeper than ${MAX_RECURSION_DEPTH} levels (Godot's limit; a cycle?)`);
    }
    switch (typeof value) {
      case "number":
        return this.number(value);
      case "string":
        this.header(VariantType.STRING);
        return this.out.utf8String(value);
      case "boolean":
        this.header(VariantType.BOOL);
        return this.out.u32(value ? 1 : 0);
      case "bigint":
        return this.bigint(value);
      case "object":
        if (value === null) return this.header(VariantType.NIL);
        return this.object(value, depth);
      default:
        throw new TypeError(`value: ${describe(value)} has no Variant type (use null for nil)`);
    }
  }

  private number(value: number): void {
    if (Number.isInteger(value) && !Object.is(value, -0)) {
      if (value >= INT32_MIN && value <= INT32_MAX) {
        this.header(VariantType.INT);
        return this.out.i32(value);
      }
      if (value >= -INT64_LIMIT && value < INT64_LIMIT) {
        this.header(VariantType.INT, HEADER_DATA_FLAG_64);
        return this.out.i64(value);
      }
    }
    this.float(value);
  }

  /** 32-bit when the value survives the round trip through float32 (NaN does not), as Godot decides. */
  private float(value: number): void {
    if (Math.fround(value) === value) {
      this.header(VariantType.FLOAT);
      this.out.f32(value);
    } else {
      this.header(VariantType.FLOAT, HEADER_DATA_FLAG_64);
      this.out.f64(value);
    }
  }

  private bigint(value: bigint): void {
    if (value < BIG_INT64_MIN || value > BIG_INT64_MAX) {
      throw new RangeError(`value: ${value}n is outside Godot's int range ${BIG_INT64_MIN}..${BIG_INT64_MAX}`);
    }
    if (value >= -0x80000000n && value <= 0x7fffffffn) {
      this.header(VariantType.INT);
      return this.out.i32(Number(value));
    }
    this.header(VariantType.INT, HEADER_DATA_FLAG_64);
    this.out.big64(value);
  }

  private object(value: object, depth: number): void {
    const type = (value as Tagged)[VARIANT_TYPE];
    if (type !== undefined) return this.tagged(type, value, depth);
    if (Array.isArray(value)) return this.array(value, VariantType.NIL, depth);
    if (ArrayBuffer.isView(value)) return this.typedArray(value);
    if (value instanceof Map) return this.map(value, VariantType.NIL, VariantType.NIL, depth);
    const proto = Object.getPrototypeOf(value);
    if (proto === Object.prototype || proto === null) return this.plainObject(value as Record<string, unknown>, depth);
    throw new TypeError(`value: ${describe(value)} has no Variant type`);
  }

  private tagged(type: VariantType, value: object, depth: number): void {
    const out = this.out;
    switch (type) {
      case VariantType.FLOAT:
        return this.float((value as Float).value);
      case VariantType.VECTOR2: {
        const v = value as Vector2;
        this.realHeader(type);
        this.real(v.x);
        return this.real(v.y);
      }
      case VariantType.VECTOR2I: {
        const v = value as Vector2i;
        this.header(type);
        return this.ints(v.x, v.y);
      }
      case VariantType.RECT2: {
        const r = value as Rect2;
        return this.reals(type, r.position.x, r.position.y, r.size.x, r.size.y);
      }
      case VariantType.RECT2I: {
        const r = value as Rect2i;
        this.header(type);
        return this.ints(r.position.x, r.position.y, r.size.x, r.size.y);
      }
      case VariantType.VECTOR3: {
        const v = value as Vector3;
        this.realHeader(type);
        this.real(v.x);
        this.real(v.y);
        return this.real(v.z);
      }
      case VariantType.VECTOR3I: {
        const v = value as Vector3i;
        this.header(type);
        return this.ints(v.x, v.y, v.z);
      }
      case VariantType.TRANSFORM2D: {
        const t = value as Transform2D;
        return this.reals(type, t.x.x, t.x.y, t.y.x, t.y.y, t.origin.x, t.origin.y);
      }
      case VariantType.VECTOR4: {
        const v = value as Vector4;
        return this.reals(type, v.x, v.y, v.z, v.w);
      }
      case VariantType.VECTOR4I: {
        const v = value as Vector4i;
        this.header(type);
        return this.ints(v.x, v.y, v.z, v.w);
      }
      case VariantType.PLANE: {
        const p = value as Plane;
        return this.reals(type, p.normal.x, p.normal.y, p.normal.z, p.d);
      }
      case VariantType.QUATERNION: {
        const q = value as Quaternion;
        return this.reals(type, q.x, q.y, q.z, q.w);
      }
      case VariantType.AABB: {
        const b = value as AABB;
        return this.reals(type, b.position.x, b.position.y, b.position.z, b.size.x, b.size.y, b.size.z);
      }
      case VariantType.BASIS: {
        const { x, y, z } = value as Basis;
        // The wire holds rows; Godot's x/y/z properties are columns.
        return this.reals(type, x.x, y.x, z.x, x.y, y.y, z.y, x.z, y.z, z.z);
      }
      case VariantType.TRANSFORM3D: {
        const { basis, origin } = value as Transform3D;
        const { x, y, z } = basis;
        return this.reals(type, x.x, y.x, z.x, x.y, y.y, z.y, x.z, y.z, z.z, origin.x, origin.y, origin.z);
      }
      case VariantType.PROJECTION: {
        const { x, y, z, w } = value as Projection;
        return this.reals(type, x.x, x.y, x.z, x.w, y.x, y.y, y.z, y.w, z.x, z.y, z.z, z.w, w.x, w.y, w.z, w.w);
      }
      case VariantType.COLOR: {
        const c = value as Color;
        this.header(type);
        return this.f32s(c.r, c.g, c.b, c.a);
      }
      case VariantType.STRING_NAME:
        // Godot 3 has no StringName Variant: Variant(StringName) is a String there.
        this.header(this.godot3 ? VariantType.STRING : VariantType.STRING_NAME);
        return out.utf8String((value as StringName).value);
      case VariantType.NODE_PATH:
        return this.nodePath(value as NodePath);
      case VariantType.RID:
        this.header(type);
        if (!this.godot3) out.big64(checkU64((value as RID).id, "RID id"));
        return;
      case VariantType.OBJECT:
        return this.godotObject(value as GodotObject | EncodedObjectAsID, depth);
      case VariantType.CALLABLE:
        return this.header(type);
      case VariantType.SIGNAL: {
        const s = value as Signal;
        this.header(type);
        out.utf8String(s.name);
        return out.big64(checkU64(s.objectId, "Signal objectId"));
      }
      case VariantType.DICTIONARY: {
        const d = value as TypedDictionary;
        return this.map(d, d.keyType, d.valueType, depth);
      }
      case VariantType.ARRAY: {
        const a = value as TypedArray;
        return this.array(a, a.elementType, depth);
      }
      case VariantType.PACKED_STRING_ARRAY: {
        const strings = value as string[];
        this.header(type);
        out.u32(strings.length);
        for (const s of strings) {
          if (typeof s !== "string") throw new TypeError(`value: PackedStringArray element is ${describe(s)}, not a string`);
          out.utf8String(s, true);
        }
        return;
      }
      case VariantType.PACKED_VECTOR2_ARRAY: {
        const items = value as Vector2[];
        this.header(type, this.double ? HEADER_DATA_FLAG_64 : 0);
        out.u32(items.length);
        for (const v of items) this.realComponents(v.x, v.y);
        return;
      }
      case VariantType.PACKED_VECTOR3_ARRAY: {
        const items = value as Vector3[];
        this.header(type, this.double ? HEADER_DATA_FLAG_64 : 0);
        out.u32(items.length);
        for (const v of items) this.realComponents(v.x, v.y, v.z);
        return;
      }
      case VariantType.PACKED_VECTOR4_ARRAY: {
        const items = value as Vector4[];
        this.header(type, this.double ? HEADER_DATA_FLAG_64 : 0);
        out.u32(items.length);
        for (const v of items) this.realComponents(v.x, v.y, v.z, v.w);
        return;
      }
      case VariantType.PACKED_COLOR_ARRAY: {
        const items = value as Color[];
        this.header(type);
        out.u32(items.length);
        for (const c of items) this.f32s(c.r, c.g, c.b, c.a);
        return;
      }
      default:
        throw new TypeError(`value: ${describe(value)} has no Variant type`);
    }
  }

  /** A math type: real_t components, 64-bit (and flagged) with `precision: "double"`. */
  private reals(type: VariantType, ...components: number[]): void {
    this.realHeader(type);
    this.realComponents(...components);
  }

  private realHeader(type: VariantType): void {
    this.header(type, this.double ? HEADER_DATA_FLAG_64 : 0);
  }

  private real(c: number): void {
    if (typeof c !== "number") throw new TypeError(`value: a math type component is ${describe(c)}, not a number`);
    if (this.double) this.out.f64(c);
    else this.out.f32(c);
  }

  private realComponents(...components: number[]): void {
    for (const c of components) this.real(c);
  }

  private f32s(...components: number[]): void {
    for (const c of components) {
      if (typeof c !== "number") throw new TypeError(`value: a Color component is ${describe(c)}, not a number`);
      this.out.f32(c);
    }
  }

  private ints(...components: number[]): void {
    for (const c of components) {
      if (!Number.isInteger(c) || c < INT32_MIN || c > INT32_MAX) {
        throw new RangeError(`value: an integer vector component must be an integer in ${INT32_MIN}..${INT32_MAX}, got ${String(c)}`);
      }
      this.out.i32(c);
    }
  }

  private nodePath(np: NodePath): void {
    const out = this.out;
    this.header(VariantType.NODE_PATH);
    out.u32((np.names.length | 0x80000000) >>> 0);
    out.u32(np.subnames.length);
    out.u32(np.absolute ? 1 : 0);
    for (const name of np.names) out.utf8String(name);
    for (const name of np.subnames) out.utf8String(name);
  }

  private godotObject(value: GodotObject | EncodedObjectAsID, depth: number): void {
    const out = this.out;
    if (!("className" in value)) {
      // Always the id form: a whole EncodedObjectAsID is never what a caller means.
      const id = checkU64(value.objectId, "EncodedObjectAsID objectId");
      if (id === 0n && !this.godot3) return this.header(VariantType.NIL); // Godot 4 sends a null Object as nil
      this.header(VariantType.OBJECT, HEADER_DATA_FLAG_OBJECT_AS_ID);
      return out.big64(id);
    }
    if (!this.fullObjects) {
      throw new TypeError("value: a GodotObject is only sent whole; pass allowObjects: true (varToBytesWithObjects / putVar(value, true))");
    }
    this.header(VariantType.OBJECT);
    out.utf8String(value.className);
    out.u32(value.properties.size);
    for (const [name, property] of value.properties) {
      out.utf8String(name);
      this.write(property, depth + 1);
    }
  }

  private array(items: readonly unknown[], elementType: ContainerType, depth: number): void {
    const typed = !this.godot3 && elementType !== VariantType.NIL;
    if (typed) {
      this.header(VariantType.ARRAY, this.containerKind(elementType) << HEADER_DATA_FIELD_TYPED_ARRAY_SHIFT);
      this.containerType(elementType);
    } else {
      this.header(VariantType.ARRAY);
    }
    this.out.u32(items.length);
    for (let i = 0; i < items.length; i++) this.write(items[i], depth + 1);
  }

  private map(entries: Map<unknown, unknown>, keyType: ContainerType, valueType: ContainerType, depth: number): void {
    let flags = 0;
    const typed = !this.godot3 && (keyType !== VariantType.NIL || valueType !== VariantType.NIL);
    if (typed) {
      flags =
        (this.containerKind(keyType) << HEADER_DATA_FIELD_TYPED_DICTIONARY_KEY_SHIFT) |
        (this.containerKind(valueType) << HEADER_DATA_FIELD_TYPED_DICTIONARY_VALUE_SHIFT);
    }
    this.header(VariantType.DICTIONARY, flags);
    if (typed) {
      this.containerType(keyType);
      this.containerType(valueType);
    }
    this.out.u32(entries.size);
    for (const [key, item] of entries) {
      this.write(key, depth + 1);
      this.write(item, depth + 1);
    }
  }

  private plainObject(object: Record<string, unknown>, depth: number): void {
    const keys = Object.keys(object);
    this.header(VariantType.DICTIONARY);
    this.out.u32(keys.length);
    for (const key of keys) {
      this.header(VariantType.STRING);
      this.out.utf8String(key);
      this.write(object[key], depth + 1);
    }
  }

  private containerKind(type: ContainerType): ContainerTypeKind {
    if (typeof type === "number") {
      if (!Number.isInteger(type) || type < 0 || type >= VariantType.VARIANT_MAX) {
        throw new RangeError(`value: a container element type must be a VariantType in 0..${VariantType.VARIANT_MAX - 1}, got ${type}`);
      }
      return type === VariantType.NIL ? ContainerTypeKind.NONE : ContainerTypeKind.BUILTIN;
    }
    if (type !== null && typeof type === "object") {
      if ("script" in type && typeof type.script === "string") {
        return this.fullObjects ? ContainerTypeKind.SCRIPT : ContainerTypeKind.CLASS_NAME;
      }
      if ("className" in type && typeof type.className === "string" && type.className !== "") return ContainerTypeKind.CLASS_NAME;
    }
    throw new TypeError("value: a container element type must be a VariantType, { className } or { script }");
  }

  /** As Godot: without full objects, a class or script element type is sent as EncodedObjectAsID. */
  private containerType(type: ContainerType): void {
    if (typeof type === "number") {
      if (type !== VariantType.NIL) this.out.u32(type);
      return;
    }
    if ("script" in type) this.out.utf8String(this.fullObjects ? type.script : ENCODED_OBJECT_AS_ID_CLASS);
    else this.out.utf8String(this.fullObjects ? type.className : ENCODED_OBJECT_AS_ID_CLASS);
  }

  private typedArray(view: ArrayBufferView): void {
    const out = this.out;
    let type: VariantType;
    let elementSize: number;
    if (view instanceof Uint8Array) {
      this.header(VariantType.PACKED_BYTE_ARRAY);
      out.u32(view.length);
      out.raw(view);
      out.pad(view.length);
      return;
    } else if (view instanceof Int32Array) {
      type = VariantType.PACKED_INT32_ARRAY;
      elementSize = 4;
    } else if (view instanceof Float32Array) {
      type = VariantType.PACKED_FLOAT32_ARRAY;
      elementSize = 4;
    } else if (view instanceof BigInt64Array) {
      type = VariantType.PACKED_INT64_ARRAY;
      elementSize = 8;
    } else if (view instanceof Float64Array) {
      type = VariantType.PACKED_FLOAT64_ARRAY;
      elementSize = 8;
    } else {
      throw new TypeError(
        `value: ${describe(view)} has no Variant type (Uint8Array, Int32Array, BigInt64Array, Float32Array and Float64Array do)`,
      );
    }
    const count = view.byteLength / elementSize;
    this.header(type);
    out.u32(count);
    out.reserve(view.byteLength);
    if (LITTLE_ENDIAN_PLATFORM) {
      out.raw(new Uint8Array(view.buffer, view.byteOffset, view.byteLength));
      return;
    }
    const source = new DataView(view.buffer, view.byteOffset, view.byteLength);
    for (let i = 0; i < view.byteLength; i += elementSize) {
      if (elementSize === 8) out.view.setBigUint64(out.length, source.getBigUint64(i, false), true);
      else out.view.setUint32(out.length, source.getUint32(i, false), true);
      out.length += elementSize;
    }
  }
}

function checkU64(value: bigint, name: string): bigint {
  if (typeof value !== "bigint" || value < 0n || value > BIG_UINT64_MAX) {
    throw new RangeError(`value: ${name} must be a bigint in 0..${BIG_UINT64_MAX}, got ${String(value)}`);
  }
  return value;
}
