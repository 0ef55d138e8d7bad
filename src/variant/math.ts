/**
 * Godot's math types as small value classes with Godot's field names. Fields are
 * plain mutable numbers; the codec writes the float types as 32-bit floats (or
 * 64-bit with `precision: "double"`) and the `...i` types as 32-bit integers.
 */
import { godotNum, godotRealString } from "./godot-string.ts";
import { tag } from "./tag.ts";
import { VariantType } from "./type-ids.ts";

// toString() gives what Godot's str() prints for the value as it travels (single precision), so
// that a template string of a received Vector2 reads as in Godot instead of "[object Object]".
// The composite types read their vectors' components rather than calling their toString(), so a
// plain { x, y } given where a Vector2 is expected prints the same.
// (The lambda keeps map's index out of godotRealString's trailing parameter.)
const reals = (...v: number[]): string => `(${v.map((c) => godotRealString(c)).join(", ")})`;
const ints = (...v: number[]): string => `(${v.join(", ")})`;
const vec2 = (v: Vector2): string => reals(v.x, v.y);
const vec2i = (v: Vector2i): string => ints(v.x, v.y);
const vec3 = (v: Vector3): string => reals(v.x, v.y, v.z);
const vec4 = (v: Vector4): string => reals(v.x, v.y, v.z, v.w);
// Godot prints Quaternion and a Plane's d without the ".0" of whole values, unlike the vectors.
const bare = (c: number): string => godotRealString(c, false);

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
  toString(): string {
    return `[P: ${vec2(this.position)}, S: ${vec2(this.size)}]`;
  }
}
export class Rect2i {
  constructor(
    public position = new Vector2i(),
    public size = new Vector2i(),
  ) {}
  toString(): string {
    return `[P: ${vec2i(this.position)}, S: ${vec2i(this.size)}]`;
  }
}
/** Columns `x`, `y` and `origin`, as Godot's properties. */
export class Transform2D {
  constructor(
    public x = new Vector2(1, 0),
    public y = new Vector2(0, 1),
    public origin = new Vector2(),
  ) {}
  toString(): string {
    return `[X: ${vec2(this.x)}, Y: ${vec2(this.y)}, O: ${vec2(this.origin)}]`;
  }
}
export class Plane {
  constructor(
    public normal = new Vector3(),
    public d = 0,
  ) {}
  toString(): string {
    return `[N: ${vec3(this.normal)}, D: ${bare(this.d)}]`;
  }
}
export class Quaternion {
  constructor(
    public x = 0,
    public y = 0,
    public z = 0,
    public w = 1,
  ) {}
  toString(): string {
    return `(${bare(this.x)}, ${bare(this.y)}, ${bare(this.z)}, ${bare(this.w)})`;
  }
}
export class AABB {
  constructor(
    public position = new Vector3(),
    public size = new Vector3(),
  ) {}
  toString(): string {
    return `[P: ${vec3(this.position)}, S: ${vec3(this.size)}]`;
  }
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
  /** Godot prints the columns, the same vectors as `x`, `y`, `z` here. */
  toString(): string {
    return `[X: ${vec3(this.x)}, Y: ${vec3(this.y)}, Z: ${vec3(this.z)}]`;
  }
}
export class Transform3D {
  constructor(
    public basis = new Basis(),
    public origin = new Vector3(),
  ) {}
  toString(): string {
    const b = this.basis;
    return `[X: ${vec3(b.x)}, Y: ${vec3(b.y)}, Z: ${vec3(b.z)}, O: ${vec3(this.origin)}]`;
  }
}
/** Columns `x`, `y`, `z`, `w`, as Godot's properties. */
export class Projection {
  constructor(
    public x = new Vector4(1, 0, 0, 0),
    public y = new Vector4(0, 1, 0, 0),
    public z = new Vector4(0, 0, 1, 0),
    public w = new Vector4(0, 0, 0, 1),
  ) {}
  toString(): string {
    return `[X: ${vec4(this.x)}, Y: ${vec4(this.y)}, Z: ${vec4(this.z)}, W: ${vec4(this.w)}]`;
  }
}
/** Always 32-bit floats on the wire, also in double-precision builds. */
export class Color {
  constructor(
    public r = 0,
    public g = 0,
    public b = 0,
    public a = 1,
  ) {}
  /** Godot prints the channels with `String::num(c, 4)`: 4 decimals, unlike the other types. */
  toString(): string {
    const c = (v: number): string => godotNum(Math.fround(v), 4);
    return `(${c(this.r)}, ${c(this.g)}, ${c(this.b)}, ${c(this.a)})`;
  }
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
