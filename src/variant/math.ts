/**
 * Godot's math types as small value classes with Godot's field names. Fields are
 * plain mutable numbers; the codec writes the float types as 32-bit floats (or
 * 64-bit with `precision: "double"`) and the `...i` types as 32-bit integers.
 */
import { godotRealString } from "./godot-string.ts";
import { tag } from "./tag.ts";
import { VariantType } from "./type-ids.ts";

// toString() gives what Godot's str() prints for the value as it travels (single precision), so
// that a template string of a received Vector2 reads as in Godot instead of "[object Object]".
const reals = (...v: number[]): string => `(${v.map(godotRealString).join(", ")})`;
const ints = (...v: number[]): string => `(${v.join(", ")})`;

export class Vector2 {
  constructor(
    public x = 0,
    public y = 0,
  ) {}
  toString(): string {
    return reals(this.x, this.y);
  }
}
export class Vector2i {
  constructor(
    public x = 0,
    public y = 0,
  ) {}
  toString(): string {
    return ints(this.x, this.y);
  }
}
export class Vector3 {
  constructor(
    public x = 0,
    public y = 0,
    public z = 0,
  ) {}
  toString(): string {
    return reals(this.x, this.y, this.z);
  }
}
export class Vector3i {
  constructor(
    public x = 0,
    public y = 0,
    public z = 0,
  ) {}
  toString(): string {
    return ints(this.x, this.y, this.z);
  }
}
export class Vector4 {
  constructor(
    public x = 0,
    public y = 0,
    public z = 0,
    public w = 0,
  ) {}
  toString(): string {
    return reals(this.x, this.y, this.z, this.w);
  }
}
export class Vector4i {
  constructor(
    public x = 0,
    public y = 0,
    public z = 0,
    public w = 0,
  ) {}
  toString(): string {
    return ints(this.x, this.y, this.z, this.w);
  }
}
export class Rect2 {
  constructor(
    public position = new Vector2(),
    public size = new Vector2(),
  ) {}
}
export class Rect2i {
  constructor(
    public position = new Vector2i(),
    public size = new Vector2i(),
  ) {}
}
/** Columns `x`, `y` and `origin`, as Godot's properties. */
export class Transform2D {
  constructor(
    public x = new Vector2(1, 0),
    public y = new Vector2(0, 1),
    public origin = new Vector2(),
  ) {}
}
export class Plane {
  constructor(
    public normal = new Vector3(),
    public d = 0,
  ) {}
}
export class Quaternion {
  constructor(
    public x = 0,
    public y = 0,
    public z = 0,
    public w = 1,
  ) {}
}
export class AABB {
  constructor(
    public position = new Vector3(),
    public size = new Vector3(),
  ) {}
}
/**
 * Columns `x`, `y`, `z`, as Godot's properties (`basis.x` is the first column).
 * The wire holds the rows, so the codec transposes.
 */
export class Basis {
  constructor(
    public x = new Vector3(1, 0, 0),
    public y = new Vector3(0, 1, 0),
    public z = new Vector3(0, 0, 1),
  ) {}
}
export class Transform3D {
  constructor(
    public basis = new Basis(),
    public origin = new Vector3(),
  ) {}
}
/** Columns `x`, `y`, `z`, `w`, as Godot's properties. */
export class Projection {
  constructor(
    public x = new Vector4(1, 0, 0, 0),
    public y = new Vector4(0, 1, 0, 0),
    public z = new Vector4(0, 0, 1, 0),
    public w = new Vector4(0, 0, 0, 1),
  ) {}
}
/** Always 32-bit floats on the wire, also in double-precision builds. */
export class Color {
  constructor(
    public r = 0,
    public g = 0,
    public b = 0,
    public a = 1,
  ) {}
}

tag(Vector2, VariantType.VECTOR2);
tag(Vector2i, VariantType.VECTOR2I);
tag(Rect2, VariantType.RECT2);
tag(Rect2i, VariantType.RECT2I);
tag(Vector3, VariantType.VECTOR3);
tag(Vector3i, VariantType.VECTOR3I);
tag(Transform2D, VariantType.TRANSFORM2D);
tag(Vector4, VariantType.VECTOR4);
tag(Vector4i, VariantType.VECTOR4I);
tag(Plane, VariantType.PLANE);
tag(Quaternion, VariantType.QUATERNION);
tag(AABB, VariantType.AABB);
tag(Basis, VariantType.BASIS);
tag(Transform3D, VariantType.TRANSFORM3D);
tag(Projection, VariantType.PROJECTION);
tag(Color, VariantType.COLOR);
