/**
 * Bytes -> Variant (Godot's decode_variant, core/io/marshalls.cpp), Godot 4 and
 * Godot 3 layouts, for hostile input: every read is bounds-checked, failures are
 * a NetError with the code Godot returns for the same input (ERR_INVALID_DATA,
 * ERR_FILE_EOF for a string running past the end, ERR_UNAUTHORIZED for a whole
 * object without allowObjects, ERR_OUT_OF_MEMORY past the recursion limit).
 *
 * Memory stays proportional to the input: counts are never used to preallocate,
 * every element consumes at least 4 input bytes, and packed arrays are checked
 * against the remaining bytes before they are built.
 */
import { GodotError, NetError } from "../errors.ts";
import { PackedColorArray, PackedStringArray, PackedVector2Array, PackedVector3Array, PackedVector4Array, TypedArray, TypedDictionary } from "./containers.ts";
import type { ContainerType } from "./containers.ts";
import { Float } from "./float.ts";
import {
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
import { NodePath, StringName } from "./names.ts";
import type { ResolvedVariantOptions } from "./options.ts";
import { Callable, EncodedObjectAsID, GodotObject, RID, Signal } from "./references.ts";
import {
  CONTAINER_TYPE_KIND_MASK,
  ContainerTypeKind,
  GODOT3_TO_GODOT4,
  HEADER_DATA_FIELD_TYPED_ARRAY_SHIFT,
  HEADER_DATA_FIELD_TYPED_DICTIONARY_KEY_SHIFT,
  HEADER_DATA_FIELD_TYPED_DICTIONARY_VALUE_SHIFT,
  HEADER_DATA_FLAG_64,
  HEADER_DATA_FLAG_OBJECT_AS_ID,
  HEADER_TYPE_MASK,
  MAX_RECURSION_DEPTH,
  VariantType,
} from "./type-ids.ts";
import { copyBytes } from "../util/copy-bytes.ts";

const INT_MAX = 0x7fffffff;
const NODE_PATH_NEW_FORMAT = 0x80000000;
const NODE_PATH_FLAG_ABSOLUTE = 1;
/** An obsolete NodePath layout kept the property apart from the subnames: one more subname follows. */
const NODE_PATH_FLAG_OBSOLETE_PROPERTY = 2;

const LITTLE_ENDIAN_PLATFORM = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;
const utf8Decoder = new TextDecoder("utf-8", { fatal: true });
/** An array-index-like key ("0", "17"): a JS object would move it ahead of the other keys. */
const ARRAY_INDEX_KEY = /^(?:0|[1-9]\d{0,9})$/;

/** Dictionary keys remembered across decodes (ASCII, up to this many bytes), in a direct-mapped table. */
const KEY_CACHE_SIZE = 1024;
const KEY_CACHE_MAX_LENGTH = 32;
const keyCache: (string | undefined)[] = new Array<string | undefined>(KEY_CACHE_SIZE).fill(undefined);

function isArrayIndexLike(key: string): boolean {
  const c = key.charCodeAt(0);
  return c >= 0x30 && c <= 0x39 && ARRAY_INDEX_KEY.test(key);
}

/** The element type Godot gives an Object-typed container decoded without objects. */
const OBJECT_AS_ID_ELEMENT: ContainerType = Object.freeze({ className: "EncodedObjectAsID" });

function invalid(message: string): NetError {
  return new NetError(GodotError.ERR_INVALID_DATA, `bytesToVar: ${message}`);
}

export class VariantDecoder {
  private readonly view: DataView;
  /** Read position; may pass `end` after a packed byte array whose padding was cut off, as in Godot. */
  pos: number;
  private readonly godot3: boolean;
  private readonly allowObjects: boolean;

  constructor(
    private readonly bytes: Uint8Array,
    start: number,
    private readonly end: number,
    options: ResolvedVariantOptions,
  ) {
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    this.pos = start;
    this.godot3 = options.godot3;
    this.allowObjects = options.allowObjects;
  }

  private need(n: number, what: string): void {
    if (this.end - this.pos < n) throw invalid(`${what} needs ${n} bytes, ${Math.max(0, this.end - this.pos)} left`);
  }

  private u32(): number {
    const v = this.view.getUint32(this.pos, true);
    this.pos += 4;
    return v;
  }
  private i32(): number {
    const v = this.view.getInt32(this.pos, true);
    this.pos += 4;
    return v;
  }
  private f32(): number {
    const v = this.view.getFloat32(this.pos, true);
    this.pos += 4;
    return v;
  }
  private f64(): number {
    const v = this.view.getFloat64(this.pos, true);
    this.pos += 8;
    return v;
  }
  private u64(): bigint {
    const v = this.view.getBigUint64(this.pos, true);
    this.pos += 8;
    return v;
  }
  /** int64 as a number when it is a safe integer, else a bigint. */
  private i64(): number | bigint {
    const low = this.view.getUint32(this.pos, true);
    const high = this.view.getInt32(this.pos + 4, true);
    const n = high * 0x100000000 + low;
    if (Number.isSafeInteger(n)) {
      this.pos += 8;
      return n;
    }
    const v = this.view.getBigInt64(this.pos, true);
    this.pos += 8;
    return v;
  }

  /**
   * Godot's _decode_string: u32 length, UTF-8 bytes, zero padding to 4 (the
   * padding must be there). Godot's UTF-8 parser stops at a NUL and refuses
   * invalid UTF-8; a leading byte order mark is dropped by both.
   */
  private string(): string {
    this.need(4, "a string length");
    const length = this.i32();
    if (length < 0) throw new NetError(GodotError.ERR_FILE_EOF, `bytesToVar: negative string length ${length}`);
    const padded = length + ((4 - (length & 3)) & 3);
    if (padded > this.end - this.pos) {
      throw new NetError(GodotError.ERR_FILE_EOF, `bytesToVar: a string of ${length} bytes runs past the end`);
    }
    const start = this.pos;
    this.pos += padded;
    return this.text(start, length);
  }

  private text(start: number, length: number): string {
    const bytes = this.bytes;
    if (length <= 32) {
      // Short ASCII: built by hand, cheaper than a TextDecoder call.
      let s = "";
      let i = start;
      const stop = start + length;
      for (; i < stop; i++) {
        const c = bytes[i]!;
        if (c === 0) return s;
        if (c >= 0x80) break;
        s += String.fromCharCode(c);
      }
      if (i === stop) return s;
    }
    let stop = bytes.indexOf(0, start);
    if (stop === -1 || stop > start + length) stop = start + length;
    try {
      return utf8Decoder.decode(bytes.subarray(start, stop));
    } catch {
      throw invalid("a string is not valid UTF-8");
    }
  }

  /** One Variant at the current position; `depth` counts enclosing containers. */
  read(depth: number): unknown {
    if (depth > MAX_RECURSION_DEPTH) {
      throw new NetError(GodotError.ERR_OUT_OF_MEMORY, `bytesToVar: nested deeper than ${MAX_RECURSION_DEPTH} levels`);
    }
    this.need(4, "a Variant header");
    const header = this.u32();
    let type = header & HEADER_TYPE_MASK;
    if (this.godot3) {
      const mapped = GODOT3_TO_GODOT4[type];
      if (mapped === undefined) throw invalid(`unknown Godot 3 Variant type ${type}`);
      type = mapped;
    } else if (type >= VariantType.VARIANT_MAX) {
      throw invalid(`unknown Variant type ${type}`);
    }
    // Godot 3.2.3 reads every math type as 32-bit floats whatever the flags say.
    const wide = !this.godot3 && (header & HEADER_DATA_FLAG_64) !== 0;

    switch (type as VariantType) {
      case VariantType.NIL:
        return null;
      case VariantType.BOOL:
        this.need(4, "a bool");
        return this.u32() !== 0;
      case VariantType.INT:
        if (header & HEADER_DATA_FLAG_64) {
          this.need(8, "a 64-bit int");
          return this.i64();
        }
        this.need(4, "an int");
        return this.i32();
      case VariantType.FLOAT: {
        let v: number;
        if (header & HEADER_DATA_FLAG_64) {
          this.need(8, "a 64-bit float");
          v = this.f64();
        } else {
          this.need(4, "a float");
          v = this.f32();
        }
        return Number.isInteger(v) ? new Float(v) : v;
      }
      case VariantType.STRING:
        return this.string();
      case VariantType.VECTOR2: {
        this.reals(2, wide, "a Vector2");
        return new Vector2(this.real(wide), this.real(wide));
      }
      case VariantType.VECTOR2I:
        this.need(8, "a Vector2i");
        return new Vector2i(this.i32(), this.i32());
      case VariantType.RECT2:
        this.reals(4, wide, "a Rect2");
        return new Rect2(new Vector2(this.real(wide), this.real(wide)), new Vector2(this.real(wide), this.real(wide)));
      case VariantType.RECT2I:
        this.need(16, "a Rect2i");
        return new Rect2i(new Vector2i(this.i32(), this.i32()), new Vector2i(this.i32(), this.i32()));
      case VariantType.VECTOR3:
        this.reals(3, wide, "a Vector3");
        return this.vector3(wide);
      case VariantType.VECTOR3I:
        this.need(12, "a Vector3i");
        return new Vector3i(this.i32(), this.i32(), this.i32());
      case VariantType.TRANSFORM2D:
        this.reals(6, wide, "a Transform2D");
        return new Transform2D(
          new Vector2(this.real(wide), this.real(wide)),
          new Vector2(this.real(wide), this.real(wide)),
          new Vector2(this.real(wide), this.real(wide)),
        );
      case VariantType.VECTOR4:
        this.reals(4, wide, "a Vector4");
        return this.vector4(wide);
      case VariantType.VECTOR4I:
        this.need(16, "a Vector4i");
        return new Vector4i(this.i32(), this.i32(), this.i32(), this.i32());
      case VariantType.PLANE:
        this.reals(4, wide, "a Plane");
        return new Plane(this.vector3(wide), this.real(wide));
      case VariantType.QUATERNION:
        this.reals(4, wide, "a Quaternion");
        return new Quaternion(this.real(wide), this.real(wide), this.real(wide), this.real(wide));
      case VariantType.AABB:
        this.reals(6, wide, "an AABB");
        return new AABB(this.vector3(wide), this.vector3(wide));
      case VariantType.BASIS:
        this.reals(9, wide, "a Basis");
        return this.basis(wide);
      case VariantType.TRANSFORM3D: {
        this.reals(12, wide, "a Transform3D");
        const basis = this.basis(wide);
        return new Transform3D(basis, this.vector3(wide));
      }
      case VariantType.PROJECTION:
        this.reals(16, wide, "a Projection");
        return new Projection(this.vector4(wide), this.vector4(wide), this.vector4(wide), this.vector4(wide));
      case VariantType.COLOR:
        this.need(16, "a Color");
        return new Color(this.f32(), this.f32(), this.f32(), this.f32());
      case VariantType.STRING_NAME:
        return new StringName(this.string());
      case VariantType.NODE_PATH:
        return this.nodePath();
      case VariantType.RID:
        if (this.godot3) return new RID(0n);
        this.need(8, "a RID");
        return new RID(this.u64());
      case VariantType.OBJECT:
        return this.object(header, depth);
      case VariantType.CALLABLE:
        return new Callable();
      case VariantType.SIGNAL: {
        const name = this.string();
        this.need(8, "a Signal's object id");
        return new Signal(name, this.u64());
      }
      case VariantType.DICTIONARY:
        return this.dictionary(header, depth);
      case VariantType.ARRAY:
        return this.array(header, depth);
      case VariantType.PACKED_BYTE_ARRAY: {
        this.need(4, "a PackedByteArray length");
        const count = this.i32();
        if (count < 0 || count > this.end - this.pos) throw invalid(`PackedByteArray of ${count} bytes runs past the end`);
        const data = copyBytes(this.bytes, this.pos, this.pos + count);
        // Godot does not check that the padding is there; it counts it as read.
        this.pos += count + ((4 - (count & 3)) & 3);
        return data;
      }
      case VariantType.PACKED_INT32_ARRAY:
        return new Int32Array(this.packedNumbers(4, "PackedInt32Array"));
      case VariantType.PACKED_INT64_ARRAY:
        return new BigInt64Array(this.packedNumbers(8, "PackedInt64Array"));
      case VariantType.PACKED_FLOAT32_ARRAY:
        return new Float32Array(this.packedNumbers(4, "PackedFloat32Array"));
      case VariantType.PACKED_FLOAT64_ARRAY:
        return new Float64Array(this.packedNumbers(8, "PackedFloat64Array"));
      case VariantType.PACKED_STRING_ARRAY: {
        this.need(4, "a PackedStringArray count");
        const count = this.i32(); // Godot's loop runs no times for a negative count
        const out = new PackedStringArray();
        for (let i = 0; i < count; i++) out.push(this.string());
        return out;
      }
      case VariantType.PACKED_VECTOR2_ARRAY: {
        const count = this.packedCount(wide ? 16 : 8, "PackedVector2Array");
        const out = new PackedVector2Array();
        for (let i = 0; i < count; i++) out.push(new Vector2(this.real(wide), this.real(wide)));
        return out;
      }
      case VariantType.PACKED_VECTOR3_ARRAY: {
        const count = this.packedCount(wide ? 24 : 12, "PackedVector3Array");
        const out = new PackedVector3Array();
        for (let i = 0; i < count; i++) out.push(this.vector3(wide));
        return out;
      }
      case VariantType.PACKED_COLOR_ARRAY: {
        const count = this.packedCount(16, "PackedColorArray");
        const out = new PackedColorArray();
        for (let i = 0; i < count; i++) out.push(new Color(this.f32(), this.f32(), this.f32(), this.f32()));
        return out;
      }
      case VariantType.PACKED_VECTOR4_ARRAY: {
        const count = this.packedCount(wide ? 32 : 16, "PackedVector4Array");
        const out = new PackedVector4Array();
        for (let i = 0; i < count; i++) out.push(this.vector4(wide));
        return out;
      }
      default:
        throw invalid(`unknown Variant type ${type}`);
    }
  }

  private reals(count: number, wide: boolean, what: string): void {
    this.need(count * (wide ? 8 : 4), what);
  }
  private real(wide: boolean): number {
    return wide ? this.f64() : this.f32();
  }
  private vector3(wide: boolean): Vector3 {
    return new Vector3(this.real(wide), this.real(wide), this.real(wide));
  }
  private vector4(wide: boolean): Vector4 {
    return new Vector4(this.real(wide), this.real(wide), this.real(wide), this.real(wide));
  }
  /** Rows on the wire, columns in the class. */
  private basis(wide: boolean): Basis {
    const m: number[] = [];
    for (let i = 0; i < 9; i++) m.push(this.real(wide));
    const [xx, yx, zx, xy, yy, zy, xz, yz, zz] = m as [number, number, number, number, number, number, number, number, number];
    return new Basis(new Vector3(xx, xy, xz), new Vector3(yx, yy, yz), new Vector3(zx, zy, zz));
  }

  /** A packed array's count, checked as Godot does (non-negative, no int overflow, fits the input). */
  private packedCount(elementSize: number, what: string): number {
    this.need(4, `a ${what} count`);
    const count = this.i32();
    if (count < 0 || count > Math.floor(INT_MAX / elementSize) || count * elementSize > this.end - this.pos) {
      throw invalid(`${what} of ${count} elements runs past the end`);
    }
    return count;
  }

  /** The little-endian payload of a numeric packed array, copied into a fresh aligned buffer. */
  private packedNumbers(elementSize: 4 | 8, what: string): ArrayBuffer {
    const count = this.packedCount(elementSize, what);
    const byteLength = count * elementSize;
    const copy = copyBytes(this.bytes, this.pos, this.pos + byteLength);
    this.pos += byteLength;
    if (!LITTLE_ENDIAN_PLATFORM) {
      const dv = new DataView(copy.buffer);
      for (let i = 0; i < byteLength; i += elementSize) {
        if (elementSize === 8) dv.setBigUint64(i, dv.getBigUint64(i, true));
        else dv.setUint32(i, dv.getUint32(i, true));
      }
    }
    return copy.buffer;
  }

  private nodePath(): NodePath {
    this.need(4, "a NodePath");
    const first = this.u32();
    // Godot 2's layout (a plain string) is refused by Godot 3 and 4 too.
    if ((first & NODE_PATH_NEW_FORMAT) === 0) throw invalid("NodePath in the obsolete string layout");
    this.need(8, "a NodePath");
    const nameCount = first & 0x7fffffff;
    let subnameCount = this.u32();
    const flags = this.u32();
    if (flags & NODE_PATH_FLAG_OBSOLETE_PROPERTY) subnameCount++;
    const names: string[] = [];
    const subnames: string[] = [];
    // Each name consumes at least 4 bytes, so a huge count fails at the end of the input.
    const total = nameCount + subnameCount;
    for (let i = 0; i < total; i++) (i < nameCount ? names : subnames).push(this.string());
    // Godot 3 makes a path with neither names nor subnames an empty one, so "/" loses its
    // absolute flag there (Godot 4.6 keeps it; both checked live).
    const absolute = (flags & NODE_PATH_FLAG_ABSOLUTE) !== 0 && (!this.godot3 || total > 0);
    return NodePath.fromParts(names, subnames, absolute);
  }

  private object(header: number, depth: number): GodotObject | EncodedObjectAsID | null {
    if (header & HEADER_DATA_FLAG_OBJECT_AS_ID) {
      this.need(8, "an object id");
      const id = this.u64();
      // A null Object: Godot 4 re-sends it as nil, Godot 3 as id 0, so Godot 3 keeps the id form.
      if (id === 0n) return this.godot3 ? new EncodedObjectAsID(0n) : null;
      return new EncodedObjectAsID(id);
    }
    if (!this.allowObjects) {
      throw new NetError(GodotError.ERR_UNAUTHORIZED, "bytesToVar: the input holds a whole object; pass allowObjects: true to accept it");
    }
    const className = this.string();
    if (className === "") return null;
    this.need(4, "an object's property count");
    const count = this.i32();
    const object = new GodotObject(className);
    for (let i = 0; i < count; i++) {
      const name = this.string();
      const value = this.read(depth + 1);
      // Godot 4 loads the "script" property from a path, and refuses anything else.
      if (!this.godot3 && name === "script" && value !== null && typeof value !== "string") {
        throw invalid('an object\'s "script" property is not a script path');
      }
      object.properties.set(name, value);
    }
    return object;
  }

  /**
   * A dictionary key. String keys (header exactly STRING, id 4 in both
   * protocols) go through the key cache: the same few keys repeat in every
   * dictionary of a snapshot, and a cached string is one V8 has already
   * internalized, which makes the property store that follows much cheaper.
   */
  private dictionaryKey(depth: number): unknown {
    if (this.end - this.pos < 8 || this.view.getUint32(this.pos, true) !== VariantType.STRING) return this.read(depth);
    const length = this.view.getInt32(this.pos + 4, true);
    if (length < 1 || length > KEY_CACHE_MAX_LENGTH || length + ((4 - (length & 3)) & 3) > this.end - this.pos - 8) return this.read(depth);
    const start = this.pos + 8;
    const bytes = this.bytes;
    let hash = length;
    for (let i = start; i < start + length; i++) {
      const c = bytes[i]!;
      if (c === 0 || c >= 0x80) return this.read(depth);
      hash = Math.imul(hash ^ c, 0x01000193);
    }
    const slot = (hash >>> 0) & (KEY_CACHE_SIZE - 1);
    const cached = keyCache[slot];
    this.pos = start + length + ((4 - (length & 3)) & 3);
    if (cached !== undefined && cached.length === length) {
      let same = true;
      for (let i = 0; i < length; i++) {
        if (cached.charCodeAt(i) !== bytes[start + i]) {
          same = false;
          break;
        }
      }
      if (same) return cached;
    }
    const key = this.text(start, length);
    keyCache[slot] = key;
    return key;
  }

  /**
   * A typed container's element type, as Godot 4.6's bytes_to_var reads it (checked against the
   * live engine): without allowObjects, every Object element type (the builtin OBJECT, a class
   * name or a script path, whatever it says) is the class "EncodedObjectAsID"; with it, a class
   * name is kept (an empty one is the builtin OBJECT, Godot's Array[Object]) and a script path must
   * be a res:// path (Godot also loads it and fails when it cannot; we keep the path).
   */
  private containerType(kind: number, what: string): ContainerType {
    switch (kind as ContainerTypeKind) {
      case ContainerTypeKind.NONE:
        return VariantType.NIL;
      case ContainerTypeKind.BUILTIN: {
        this.need(4, `${what} element type`);
        const type = this.i32();
        if (type < 0 || type >= VariantType.VARIANT_MAX) throw invalid(`${what} element type ${type} is not a Variant type`);
        if (type === VariantType.OBJECT && !this.allowObjects) return OBJECT_AS_ID_ELEMENT;
        return type as VariantType;
      }
      case ContainerTypeKind.CLASS_NAME: {
        const className = this.string();
        if (!this.allowObjects) return OBJECT_AS_ID_ELEMENT;
        return className === "" ? VariantType.OBJECT : { className };
      }
      default: {
        const script = this.string();
        if (!this.allowObjects) return OBJECT_AS_ID_ELEMENT;
        if (!script.startsWith("res://")) throw invalid(`${what} element type: script path ${JSON.stringify(script.slice(0, 64))} is not a res:// path`);
        return { script };
      }
    }
  }

  private array(header: number, depth: number): unknown[] {
    let elementType: ContainerType = VariantType.NIL;
    if (!this.godot3) {
      elementType = this.containerType((header >>> HEADER_DATA_FIELD_TYPED_ARRAY_SHIFT) & CONTAINER_TYPE_KIND_MASK, "an Array");
    }
    this.need(4, "an Array count");
    const count = this.u32() & 0x7fffffff; // the top bit once meant "shared"
    const out: unknown[] = elementType === VariantType.NIL ? [] : new TypedArray(elementType);
    for (let i = 0; i < count; i++) out.push(this.read(depth + 1));
    return out;
  }

  private dictionary(header: number, depth: number): Record<string, unknown> | Map<unknown, unknown> {
    let keyType: ContainerType = VariantType.NIL;
    let valueType: ContainerType = VariantType.NIL;
    if (!this.godot3) {
      keyType = this.containerType((header >>> HEADER_DATA_FIELD_TYPED_DICTIONARY_KEY_SHIFT) & CONTAINER_TYPE_KIND_MASK, "a Dictionary key");
      valueType = this.containerType(
        (header >>> HEADER_DATA_FIELD_TYPED_DICTIONARY_VALUE_SHIFT) & CONTAINER_TYPE_KIND_MASK,
        "a Dictionary value",
      );
    }
    this.need(4, "a Dictionary count");
    const count = this.u32() & 0x7fffffff;
    if (keyType !== VariantType.NIL || valueType !== VariantType.NIL) {
      const typed = new TypedDictionary(keyType, valueType);
      for (let i = 0; i < count; i++) {
        const key = this.read(depth + 1);
        typed.set(key, this.read(depth + 1));
      }
      return typed;
    }
    // A plain object while every key is a String that keeps its place in a JS
    // object; a Map from the first key that would not.
    let object: Record<string, unknown> | null = {};
    let map: Map<unknown, unknown> | null = null;
    for (let i = 0; i < count; i++) {
      const key = this.dictionaryKey(depth + 1);
      const value = this.read(depth + 1);
      if (object !== null) {
        if (typeof key === "string" && !isArrayIndexLike(key)) {
          if (key === "__proto__") Object.defineProperty(object, key, { value, enumerable: true, writable: true, configurable: true });
          else object[key] = value;
          continue;
        }
        map = new Map(Object.entries(object));
        object = null;
      }
      map!.set(key, value);
    }
    return object ?? map!;
  }
}
