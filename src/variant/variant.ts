/** The TypeScript type of every value the codec produces or accepts. */
import type { PackedColorArray, PackedStringArray, PackedVector2Array, PackedVector3Array, PackedVector4Array, TypedArray, TypedDictionary } from "./containers.ts";
import type { Float } from "./float.ts";
import type {
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
import type { NodePath, StringName } from "./names.ts";
import type { Callable, EncodedObjectAsID, GodotObject, RID, Signal } from "./references.ts";

export type Variant =
  | null
  | boolean
  | number
  | bigint
  | Float
  | string
  | Vector2
  | Vector2i
  | Rect2
  | Rect2i
  | Vector3
  | Vector3i
  | Transform2D
  | Vector4
  | Vector4i
  | Plane
  | Quaternion
  | AABB
  | Basis
  | Transform3D
  | Projection
  | Color
  | StringName
  | NodePath
  | RID
  | EncodedObjectAsID
  | GodotObject
  | Callable
  | Signal
  | VariantDictionary
  | Variant[]
  | TypedArray<Variant>
  | Uint8Array
  | Int32Array
  | BigInt64Array
  | Float32Array
  | Float64Array
  | PackedStringArray
  | PackedVector2Array
  | PackedVector3Array
  | PackedColorArray
  | PackedVector4Array;

/** A Dictionary: a plain object (String keys) or a Map (any keys), typed or not. */
export type VariantDictionary = { [key: string]: Variant } | Map<Variant, Variant> | TypedDictionary<Variant, Variant>;
