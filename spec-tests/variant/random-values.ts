// Seeded random Variant values of every type, for the live round trips against
// Godot and the fuzz corpus. Values are ones Godot keeps as they are (no NaN in
// math types, no NUL in strings, distinct dictionary keys, typed containers
// holding their element type), so "decode and re-encode gives the same bytes"
// holds on both sides.
import { SeededRandom } from "../../src/util/prng.ts";
import {
  AABB,
  Basis,
  Callable,
  Color,
  Float,
  NodePath,
  PackedColorArray,
  PackedStringArray,
  PackedVector2Array,
  PackedVector3Array,
  PackedVector4Array,
  Plane,
  Projection,
  Quaternion,
  Rect2,
  Rect2i,
  RID,
  Signal,
  StringName,
  Transform2D,
  Transform3D,
  TypedArray,
  TypedDictionary,
  VariantType,
  Vector2,
  Vector2i,
  Vector3,
  Vector3i,
  Vector4,
  Vector4i,
  type ContainerType,
  type VariantProtocol,
} from "../../src/variant/index.ts";

/** The Godot 4 types whose values survive a decode/re-encode inside Godot (OBJECT does not: ids change). */
export const GODOT4_ROUND_TRIP_TYPES: readonly VariantType[] = Object.values(VariantType).filter(
  (t): t is VariantType => typeof t === "number" && t !== VariantType.VARIANT_MAX && t !== VariantType.OBJECT,
);

/** The same for Godot 3: the Godot 4 ids of the 26 non-object Godot 3 types. */
export const GODOT3_ROUND_TRIP_TYPES: readonly VariantType[] = [
  VariantType.NIL, VariantType.BOOL, VariantType.INT, VariantType.FLOAT, VariantType.STRING, VariantType.VECTOR2,
  VariantType.RECT2, VariantType.VECTOR3, VariantType.TRANSFORM2D, VariantType.PLANE, VariantType.QUATERNION,
  VariantType.AABB, VariantType.BASIS, VariantType.TRANSFORM3D, VariantType.COLOR, VariantType.NODE_PATH,
  VariantType.RID, VariantType.DICTIONARY, VariantType.ARRAY, VariantType.PACKED_BYTE_ARRAY,
  VariantType.PACKED_INT32_ARRAY, VariantType.PACKED_FLOAT32_ARRAY, VariantType.PACKED_STRING_ARRAY,
  VariantType.PACKED_VECTOR2_ARRAY, VariantType.PACKED_VECTOR3_ARRAY, VariantType.PACKED_COLOR_ARRAY,
];

/** Builtin element types used for typed containers (Godot 4). */
const TYPED_ELEMENT_TYPES: readonly VariantType[] = [
  VariantType.BOOL, VariantType.INT, VariantType.FLOAT, VariantType.STRING, VariantType.VECTOR2, VariantType.VECTOR3I,
  VariantType.COLOR, VariantType.STRING_NAME, VariantType.NODE_PATH, VariantType.DICTIONARY, VariantType.ARRAY,
  VariantType.PACKED_BYTE_ARRAY, VariantType.PACKED_VECTOR2_ARRAY,
];

export class RandomVariants {
  readonly rng: SeededRandom;
  private keySerial = 0;
  constructor(
    seed: number,
    readonly protocol: VariantProtocol = "godot4",
  ) {
    this.rng = new SeededRandom(seed);
  }

  private pick<T>(items: readonly T[]): T {
    return items[this.rng.nextInt(items.length)]!;
  }
  private int(min: number, max: number): number {
    return min + this.rng.nextInt(max - min + 1);
  }
  private i32(): number {
    return this.rng.nextU32() | 0;
  }

  /** A whole number or bigint spread over 8-, 32- and 64-bit magnitudes. */
  integer(): number | bigint {
    switch (this.rng.nextInt(4)) {
      case 0:
        return this.int(-300, 300);
      case 1:
        return this.i32();
      case 2:
        return (this.rng.nextU32() - 0x80000000) * 0x1000 + this.rng.nextInt(0x1000); // around 2^43
      default: {
        const v = BigInt.asIntN(64, (BigInt(this.rng.nextU32()) << 32n) | BigInt(this.rng.nextU32()));
        return Number.isSafeInteger(Number(v)) && BigInt(Number(v)) === v ? Number(v) : v;
      }
    }
  }

  /** A float: exact in 32 bits or not, whole (as Float) or not, infinities. */
  float(): number | Float {
    let v: number;
    switch (this.rng.nextInt(6)) {
      case 0:
        v = this.int(-4000, 4000) / 8; // exact in 32 bits, often whole
        break;
      case 1:
        v = Math.fround((this.rng.nextFloat() - 0.5) * 2 ** this.int(-20, 40));
        break;
      case 2:
        v = (this.rng.nextFloat() - 0.5) * 10 ** this.int(-5, 12) + this.rng.nextFloat() * 1e-7; // needs 64 bits
        break;
      case 3:
        v = this.pick([0, -0, Infinity, -Infinity, 1e20, 2 ** 60]);
        break;
      default:
        v = this.rng.nextFloat() * 1000 - 500;
    }
    return Number.isInteger(v) ? new Float(v) : v;
  }

  /** A 32-bit float component of a math type (never NaN). */
  real(): number {
    return this.rng.chance(0.3) ? this.int(-64, 64) / 4 : Math.fround((this.rng.nextFloat() - 0.5) * 2 ** this.int(-8, 24));
  }

  string(maxLength = 12): string {
    const n = this.rng.nextInt(maxLength + 1);
    let s = "";
    for (let i = 0; i < n; i++) {
      const kind = this.rng.nextInt(8);
      let cp: number;
      if (kind < 5) cp = this.int(0x20, 0x7e);
      else if (kind < 7) cp = this.int(0xa0, 0xd7ff);
      else cp = this.int(0x10000, 0x10ffff);
      s += String.fromCodePoint(cp);
    }
    // A leading byte order mark would be dropped by both decoders.
    return s.replace(/^\uFEFF/, "x");
  }

  private name(): string {
    const letters = "abcdefghijklmnopqrstuvwxyz_";
    let s = "";
    const n = this.int(1, 8);
    for (let i = 0; i < n; i++) s += letters[this.rng.nextInt(letters.length)];
    return s;
  }

  private vector2(): Vector2 {
    return new Vector2(this.real(), this.real());
  }
  private vector3(): Vector3 {
    return new Vector3(this.real(), this.real(), this.real());
  }
  private vector4(): Vector4 {
    return new Vector4(this.real(), this.real(), this.real(), this.real());
  }
  private color(): Color {
    return new Color(this.real(), this.real(), this.real(), this.real());
  }
  private u64(): bigint {
    return (BigInt(this.rng.nextU32()) << 32n) | BigInt(this.rng.nextU32());
  }
  private count(max = 6): number {
    return this.rng.nextInt(max + 1);
  }

  /** A random type among the round-trippable ones of this protocol. */
  anyType(): VariantType {
    return this.pick(this.protocol === "godot3" ? GODOT3_ROUND_TRIP_TYPES : GODOT4_ROUND_TRIP_TYPES);
  }

  /** A random value of `type` (Godot 4 id); containers nest up to `depth` more levels. */
  value(type: VariantType, depth = 2): unknown {
    const godot4 = this.protocol === "godot4";
    switch (type) {
      case VariantType.NIL:
        return null;
      case VariantType.BOOL:
        return this.rng.chance(0.5);
      case VariantType.INT:
        return this.integer();
      case VariantType.FLOAT:
        return this.float();
      case VariantType.STRING:
        return this.string();
      case VariantType.VECTOR2:
        return this.vector2();
      case VariantType.VECTOR2I:
        return new Vector2i(this.i32(), this.i32());
      case VariantType.RECT2:
        return new Rect2(this.vector2(), this.vector2());
      case VariantType.RECT2I:
        return new Rect2i(new Vector2i(this.i32(), this.i32()), new Vector2i(this.i32(), this.i32()));
      case VariantType.VECTOR3:
        return this.vector3();
      case VariantType.VECTOR3I:
        return new Vector3i(this.i32(), this.i32(), this.i32());
      case VariantType.TRANSFORM2D:
        return new Transform2D(this.vector2(), this.vector2(), this.vector2());
      case VariantType.VECTOR4:
        return this.vector4();
      case VariantType.VECTOR4I:
        return new Vector4i(this.i32(), this.i32(), this.i32(), this.i32());
      case VariantType.PLANE:
        return new Plane(this.vector3(), this.real());
      case VariantType.QUATERNION:
        return new Quaternion(this.real(), this.real(), this.real(), this.real());
      case VariantType.AABB:
        return new AABB(this.vector3(), this.vector3());
      case VariantType.BASIS:
        return new Basis(this.vector3(), this.vector3(), this.vector3());
      case VariantType.TRANSFORM3D:
        return new Transform3D(new Basis(this.vector3(), this.vector3(), this.vector3()), this.vector3());
      case VariantType.PROJECTION:
        return new Projection(this.vector4(), this.vector4(), this.vector4(), this.vector4());
      case VariantType.COLOR:
        return this.color();
      case VariantType.STRING_NAME:
        return new StringName(this.string());
      case VariantType.NODE_PATH: {
        if (this.rng.chance(0.1)) return new NodePath("");
        const names = Array.from({ length: this.int(1, 4) }, () => this.name());
        const subnames = Array.from({ length: this.count(2) }, () => this.name());
        return NodePath.fromParts(names, subnames, this.rng.chance(0.5));
      }
      case VariantType.RID:
        return new RID(godot4 ? this.u64() : 0n);
      case VariantType.CALLABLE:
        return new Callable();
      case VariantType.SIGNAL:
        return new Signal(this.name(), this.u64());
      case VariantType.DICTIONARY:
        return this.dictionary(depth);
      case VariantType.ARRAY:
        return this.array(depth);
      case VariantType.PACKED_BYTE_ARRAY:
        return Uint8Array.from({ length: this.count(13) }, () => this.rng.nextInt(256));
      case VariantType.PACKED_INT32_ARRAY:
        return Int32Array.from({ length: this.count() }, () => this.i32());
      case VariantType.PACKED_INT64_ARRAY:
        return BigInt64Array.from({ length: this.count() }, () => BigInt.asIntN(64, this.u64()));
      case VariantType.PACKED_FLOAT32_ARRAY:
        return Float32Array.from({ length: this.count() }, () => this.real());
      case VariantType.PACKED_FLOAT64_ARRAY:
        return Float64Array.from({ length: this.count() }, () => Number(this.float()));
      case VariantType.PACKED_STRING_ARRAY:
        return new PackedStringArray(Array.from({ length: this.count() }, () => this.string()));
      case VariantType.PACKED_VECTOR2_ARRAY:
        return new PackedVector2Array(Array.from({ length: this.count() }, () => this.vector2()));
      case VariantType.PACKED_VECTOR3_ARRAY:
        return new PackedVector3Array(Array.from({ length: this.count() }, () => this.vector3()));
      case VariantType.PACKED_COLOR_ARRAY:
        return new PackedColorArray(Array.from({ length: this.count() }, () => this.color()));
      case VariantType.PACKED_VECTOR4_ARRAY:
        return new PackedVector4Array(Array.from({ length: this.count() }, () => this.vector4()));
      default:
        throw new RangeError(`no random values for type ${type}`);
    }
  }

  /** Any value, containers down to `depth`. */
  any(depth = 2): unknown {
    let type = this.anyType();
    while (depth <= 0 && (type === VariantType.ARRAY || type === VariantType.DICTIONARY)) type = this.anyType();
    return this.value(type, depth - 1);
  }

  private array(depth: number): unknown[] {
    const n = depth <= 0 ? 0 : this.count(5);
    if (this.protocol === "godot4" && this.rng.chance(0.3)) {
      const elementType = this.pick(TYPED_ELEMENT_TYPES);
      return new TypedArray(elementType, Array.from({ length: n }, () => this.value(elementType, depth - 1)));
    }
    return Array.from({ length: n }, () => this.any(depth));
  }

  /** A distinct key: Godot merges equal keys (and String/StringName with the same text). */
  private key(type: VariantType): unknown {
    const serial = this.keySerial++;
    switch (type) {
      case VariantType.STRING:
        return `${this.name()}${serial}`;
      case VariantType.STRING_NAME:
        return new StringName(`n${this.name()}${serial}`);
      case VariantType.INT:
        return serial * 7919 + this.rng.nextInt(7919);
      default:
        return new Vector2i(serial, this.i32());
    }
  }

  private dictionary(depth: number): unknown {
    const n = depth <= 0 ? 0 : this.count(4);
    const godot4 = this.protocol === "godot4";
    const keyTypes = godot4
      ? [VariantType.STRING, VariantType.STRING_NAME, VariantType.INT, VariantType.VECTOR2I]
      : [VariantType.STRING, VariantType.INT];
    if (godot4 && this.rng.chance(0.3)) {
      const keyType = this.pick(keyTypes);
      const valueType: ContainerType = this.rng.chance(0.3) ? VariantType.NIL : this.pick(TYPED_ELEMENT_TYPES);
      const entries: [unknown, unknown][] = [];
      for (let i = 0; i < n; i++) {
        entries.push([this.key(keyType), valueType === VariantType.NIL ? this.any(depth) : this.value(valueType, depth - 1)]);
      }
      return new TypedDictionary(keyType, valueType, entries);
    }
    if (this.rng.chance(0.5)) {
      const object: Record<string, unknown> = {};
      for (let i = 0; i < n; i++) object[this.key(VariantType.STRING) as string] = this.any(depth);
      return object;
    }
    const map = new Map<unknown, unknown>();
    for (let i = 0; i < n; i++) map.set(this.key(this.pick(keyTypes)), this.any(depth));
    return map;
  }
}
