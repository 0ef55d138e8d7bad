/**
 * Container classes for the Godot types a plain JS array or object cannot say:
 * typed arrays and dictionaries, and the Packed*Array types whose elements are
 * not numbers (the numeric ones are JS typed arrays: Uint8Array, Int32Array,
 * BigInt64Array, Float32Array, Float64Array).
 *
 * The Array subclasses keep `Symbol.species` = Array, so `map`/`filter` on them
 * return plain arrays (which encode as an untyped Array).
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

/** Godot's `Array[T]`: an array that remembers its element type. */
export class TypedArray<T = unknown> extends Array<T> {
  static override get [Symbol.species](): ArrayConstructor {
    return Array;
  }
  readonly elementType: ContainerType;
  constructor(elementType: ContainerType, items: Iterable<T> = []) {
    super();
    this.elementType = elementType;
    for (const item of items) this.push(item);
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
export class PackedStringArray extends Array<string> {
  static override get [Symbol.species](): ArrayConstructor {
    return Array;
  }
  constructor(items: Iterable<string> = []) {
    super();
    for (const item of items) this.push(item);
  }
}

export class PackedVector2Array extends Array<Vector2> {
  static override get [Symbol.species](): ArrayConstructor {
    return Array;
  }
  constructor(items: Iterable<Vector2> = []) {
    super();
    for (const item of items) this.push(item);
  }
}

export class PackedVector3Array extends Array<Vector3> {
  static override get [Symbol.species](): ArrayConstructor {
    return Array;
  }
  constructor(items: Iterable<Vector3> = []) {
    super();
    for (const item of items) this.push(item);
  }
}

export class PackedColorArray extends Array<Color> {
  static override get [Symbol.species](): ArrayConstructor {
    return Array;
  }
  constructor(items: Iterable<Color> = []) {
    super();
    for (const item of items) this.push(item);
  }
}

export class PackedVector4Array extends Array<Vector4> {
  static override get [Symbol.species](): ArrayConstructor {
    return Array;
  }
  constructor(items: Iterable<Vector4> = []) {
    super();
    for (const item of items) this.push(item);
  }
}

tag(TypedArray, VariantType.ARRAY);
tag(TypedDictionary, VariantType.DICTIONARY);
tag(PackedStringArray, VariantType.PACKED_STRING_ARRAY);
tag(PackedVector2Array, VariantType.PACKED_VECTOR2_ARRAY);
tag(PackedVector3Array, VariantType.PACKED_VECTOR3_ARRAY);
tag(PackedColorArray, VariantType.PACKED_COLOR_ARRAY);
tag(PackedVector4Array, VariantType.PACKED_VECTOR4_ARRAY);
