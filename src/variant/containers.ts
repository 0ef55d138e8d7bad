/**
 * Container classes for the Godot types a plain JS array or object cannot say:
 * typed arrays and dictionaries, and the Packed*Array types whose elements are
 * not numbers (the numeric ones are JS typed arrays: Uint8Array, Int32Array,
 * BigInt64Array, Float32Array, Float64Array).
 */
import type { Color, Vector2, Vector3, Vector4 } from "./math.ts";
import { tag } from "./tag.ts";
import { VariantType } from "./type-ids.ts";

/**
 * The element type of a typed container, as Godot sends it: a builtin type
 * (`VariantType.INT`), an engine class name (`{ className: "Node" }`) or a
 * script path (`{ script: "res://player.gd" }`). `VariantType.NIL` means untyped.
 */
export type ContainerType = VariantType | { readonly className: string } | { readonly script: string };

/**
 * An Array subclass filled from an iterable. `Symbol.species` stays Array, so
 * `map`/`filter` on the subclasses return plain arrays (an untyped Array).
 */
class ArrayOf<T> extends Array<T> {
  static override get [Symbol.species](): ArrayConstructor {
    return Array;
  }
  constructor(items: Iterable<T> = []) {
    super();
    for (const item of items) this.push(item);
  }
}

/** Godot's `Array[T]`: an array that remembers its element type. */
export class TypedArray<T = unknown> extends ArrayOf<T> {
  readonly elementType: ContainerType;
  constructor(elementType: ContainerType, items: Iterable<T> = []) {
    super(items);
    this.elementType = elementType;
  }
}

/** Godot's `Dictionary[K, V]`; `VariantType.NIL` on one side leaves that side untyped. */
export class TypedDictionary<K = unknown, V = unknown> extends Map<K, V> {
  readonly keyType: ContainerType;
  readonly valueType: ContainerType;
  constructor(keyType: ContainerType, valueType: ContainerType, entries: Iterable<readonly [K, V]> = []) {
    super(entries);
    this.keyType = keyType;
    this.valueType = valueType;
  }
}

/** Godot's PackedStringArray (Godot 3: PoolStringArray); a plain `string[]` is an Array of Strings. */
export class PackedStringArray extends ArrayOf<string> {}
export class PackedVector2Array extends ArrayOf<Vector2> {}
export class PackedVector3Array extends ArrayOf<Vector3> {}
export class PackedColorArray extends ArrayOf<Color> {}
export class PackedVector4Array extends ArrayOf<Vector4> {}

tag(TypedArray, VariantType.ARRAY);
tag(TypedDictionary, VariantType.DICTIONARY);
tag(PackedStringArray, VariantType.PACKED_STRING_ARRAY);
tag(PackedVector2Array, VariantType.PACKED_VECTOR2_ARRAY);
tag(PackedVector3Array, VariantType.PACKED_VECTOR3_ARRAY);
tag(PackedColorArray, VariantType.PACKED_COLOR_ARRAY);
tag(PackedVector4Array, VariantType.PACKED_VECTOR4_ARRAY);
