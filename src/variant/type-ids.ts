/**
 * Variant type ids on the wire. Godot 4 (core/variant/variant.h, 4.6: 39 types)
 * and Godot 3.x (27 types) number their types differently; the codec works in
 * Godot 4 ids and maps Godot 3 ids at the edges through the two tables below.
 */

/** Godot 4's `Variant.Type`, same names and values. */
export enum VariantType {
  NIL = 0,
  BOOL = 1,
  INT = 2,
  FLOAT = 3,
  STRING = 4,
  VECTOR2 = 5,
  VECTOR2I = 6,
  RECT2 = 7,
  RECT2I = 8,
  VECTOR3 = 9,
  VECTOR3I = 10,
  TRANSFORM2D = 11,
  VECTOR4 = 12,
  VECTOR4I = 13,
  PLANE = 14,
  QUATERNION = 15,
  AABB = 16,
  BASIS = 17,
  TRANSFORM3D = 18,
  PROJECTION = 19,
  COLOR = 20,
  STRING_NAME = 21,
  NODE_PATH = 22,
  RID = 23,
  OBJECT = 24,
  CALLABLE = 25,
  SIGNAL = 26,
  DICTIONARY = 27,
  ARRAY = 28,
  PACKED_BYTE_ARRAY = 29,
  PACKED_INT32_ARRAY = 30,
  PACKED_INT64_ARRAY = 31,
  PACKED_FLOAT32_ARRAY = 32,
  PACKED_FLOAT64_ARRAY = 33,
  PACKED_STRING_ARRAY = 34,
  PACKED_VECTOR2_ARRAY = 35,
  PACKED_VECTOR3_ARRAY = 36,
  PACKED_COLOR_ARRAY = 37,
  PACKED_VECTOR4_ARRAY = 38,
  VARIANT_MAX = 39,
}

/** Godot 3.x's `Variant.Type` (3.2.3), same names and values. */
export enum Godot3VariantType {
  NIL = 0,
  BOOL = 1,
  INT = 2,
  REAL = 3,
  STRING = 4,
  VECTOR2 = 5,
  RECT2 = 6,
  VECTOR3 = 7,
  TRANSFORM2D = 8,
  PLANE = 9,
  QUAT = 10,
  AABB = 11,
  BASIS = 12,
  TRANSFORM = 13,
  COLOR = 14,
  NODE_PATH = 15,
  _RID = 16,
  OBJECT = 17,
  DICTIONARY = 18,
  ARRAY = 19,
  POOL_BYTE_ARRAY = 20,
  POOL_INT_ARRAY = 21,
  POOL_REAL_ARRAY = 22,
  POOL_STRING_ARRAY = 23,
  POOL_VECTOR2_ARRAY = 24,
  POOL_VECTOR3_ARRAY = 25,
  POOL_COLOR_ARRAY = 26,
  VARIANT_MAX = 27,
}

/** Godot 3 id -> the Godot 4 type with the same wire layout. */
export const GODOT3_TO_GODOT4: readonly VariantType[] = [
  VariantType.NIL,
  VariantType.BOOL,
  VariantType.INT,
  VariantType.FLOAT,
  VariantType.STRING,
  VariantType.VECTOR2,
  VariantType.RECT2,
  VariantType.VECTOR3,
  VariantType.TRANSFORM2D,
  VariantType.PLANE,
  VariantType.QUATERNION,
  VariantType.AABB,
  VariantType.BASIS,
  VariantType.TRANSFORM3D,
  VariantType.COLOR,
  VariantType.NODE_PATH,
  VariantType.RID,
  VariantType.OBJECT,
  VariantType.DICTIONARY,
  VariantType.ARRAY,
  VariantType.PACKED_BYTE_ARRAY,
  VariantType.PACKED_INT32_ARRAY,
  VariantType.PACKED_FLOAT32_ARRAY,
  VariantType.PACKED_STRING_ARRAY,
  VariantType.PACKED_VECTOR2_ARRAY,
  VariantType.PACKED_VECTOR3_ARRAY,
  VariantType.PACKED_COLOR_ARRAY,
];

/** Godot 4 id -> Godot 3 id, or -1 where Godot 3 has no such type. */
export const GODOT4_TO_GODOT3: readonly number[] = (() => {
  const table = new Array<number>(VariantType.VARIANT_MAX).fill(-1);
  GODOT3_TO_GODOT4.forEach((g4, g3) => {
    table[g4] = g3;
  });
  return table;
})();

/** Header layout (marshalls.cpp): byte 0 the type, bits 16.. flags that depend on it. */
export const HEADER_TYPE_MASK = 0xff;
/** INT/FLOAT (and math types of double-precision builds): 64-bit payload. */
export const HEADER_DATA_FLAG_64 = 1 << 16;
/** OBJECT: only the 64-bit instance id follows. */
export const HEADER_DATA_FLAG_OBJECT_AS_ID = 1 << 16;
/** ARRAY: element type kind in bits 16-17. */
export const HEADER_DATA_FIELD_TYPED_ARRAY_SHIFT = 16;
/** DICTIONARY: key type kind in bits 16-17, value type kind in bits 18-19. */
export const HEADER_DATA_FIELD_TYPED_DICTIONARY_KEY_SHIFT = 16;
export const HEADER_DATA_FIELD_TYPED_DICTIONARY_VALUE_SHIFT = 18;
export const CONTAINER_TYPE_KIND_MASK = 0b11;

/** How a typed container names its element type on the wire. */
export enum ContainerTypeKind {
  NONE = 0b00,
  BUILTIN = 0b01,
  CLASS_NAME = 0b10,
  SCRIPT = 0b11,
}

/** Godot 4's Variant::MAX_RECURSION_DEPTH: deeper nesting fails to encode and decode. */
export const MAX_RECURSION_DEPTH = 1024;
