/**
 * toString() of the math types, on every runtime (the exact decimal rounding uses BigInt and
 * DataView): strings Godot 4.6's str() printed for these values in math-string.godot4.test.ts.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
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
} from "../../src/variant/index.ts";

test("vectors print as Godot 4.6's str() prints them", () => {
  assert.equal(String(new Vector2(1, 2)), "(1.0, 2.0)");
  assert.equal(`${new Vector2(0.1, -20.25)}`, "(0.1, -20.25)");
  // 2^-7 is a tie at 6 decimals (printf: to even); 99.99999 in single precision has 4 decimals.
  assert.equal(String(new Vector3(2 ** -7, 3 * 2 ** -8, 99.99999)), "(0.007812, 0.011719, 100.0)");
  assert.equal(String(new Vector3(-0, NaN, -Infinity)), "(0.0, nan, -inf)");
  assert.equal(String(new Vector4(12345.678, 1e-7, 1e20, 10000000.5)), "(12345.68, 0.0, 100000002004087734272.0, 10000000.0)");
  assert.equal(String(new Vector2(1234567.4, 1 / 3)), "(1234567, 0.333333)");
  assert.equal(String(new Vector2i(-3, 4)), "(-3, 4)");
  assert.equal(String(new Vector3i(0, -1, -2147483648)), "(0, -1, -2147483648)");
  assert.equal(String(new Vector4i(1, 2, 3, 4)), "(1, 2, 3, 4)");
});

test("rects, AABB and Plane print as Godot 4.6's str() prints them", () => {
  assert.equal(String(new Rect2(new Vector2(1, 2), new Vector2(0.1, -20.25))), "[P: (1.0, 2.0), S: (0.1, -20.25)]");
  assert.equal(String(new Rect2i(new Vector2i(-3, 4), new Vector2i(2147483647, -2147483648))), "[P: (-3, 4), S: (2147483647, -2147483648)]");
  assert.equal(
    String(new AABB(new Vector3(-0, 1 / 3, 1e20), new Vector3(NaN, Infinity, 12345.678))),
    "[P: (0.0, 0.333333, 100000002004087734272.0), S: (nan, inf, 12345.68)]",
  );
  // The distance has no ".0" when whole.
  assert.equal(String(new Plane(new Vector3(0, 1, 0), -5)), "[N: (0.0, 1.0, 0.0), D: -5]");
  assert.equal(String(new Plane(new Vector3(0.6, -0.8, 0), 2.5)), "[N: (0.6, -0.8, 0.0), D: 2.5]");
});

test("Quaternion and Color print as Godot 4.6's str() prints them", () => {
  assert.equal(String(new Quaternion()), "(0, 0, 0, 1)");
  // -0 is "0" but 1e-7 is "0.0" (6 decimals, the zero after the point kept); 2^63 is INT64_MAX
  // in the web build, whose float to int64 conversion saturates.
  assert.equal(String(new Quaternion(-0, 0.5, 1e-7, 2 ** 63)), "(0, 0.5, 0.0, 9223372036854775807)");
  assert.equal(String(new Quaternion(1 / 3, -2, Infinity, NaN)), "(0.333333, -2, inf, nan)");
  assert.equal(String(new Color(1, 0.5, 0, 1)), "(1.0, 0.5, 0.0, 1.0)");
  // 4 decimals: 2^-5 and 3 * 2^-5 are ties (to even); a tiny negative keeps its sign.
  assert.equal(String(new Color(2 ** -5, 3 * 2 ** -5, -1e-5, 0.99995)), "(0.0312, 0.0938, -0.0, 0.9999)");
  assert.equal(String(new Color(1 / 3, 255, NaN, -Infinity)), "(0.3333, 255.0, nan, -inf)");
});

test("Basis, transforms and Projection print their columns as Godot 4.6's str() does", () => {
  assert.equal(String(new Basis()), "[X: (1.0, 0.0, 0.0), Y: (0.0, 1.0, 0.0), Z: (0.0, 0.0, 1.0)]");
  assert.equal(
    String(new Basis(new Vector3(1, 2, 3), new Vector3(0.1, -0, 7.5), new Vector3(99.99999, 1e-7, -1))),
    "[X: (1.0, 2.0, 3.0), Y: (0.1, 0.0, 7.5), Z: (100.0, 0.0, -1.0)]",
  );
  assert.equal(String(new Transform2D()), "[X: (1.0, 0.0), Y: (0.0, 1.0), O: (0.0, 0.0)]");
  assert.equal(
    String(new Transform2D(new Vector2(0.5, 1 / 3), new Vector2(-1, 2), new Vector2(100.5, -20.25))),
    "[X: (0.5, 0.333333), Y: (-1.0, 2.0), O: (100.5, -20.25)]",
  );
  assert.equal(String(new Transform3D()), "[X: (1.0, 0.0, 0.0), Y: (0.0, 1.0, 0.0), Z: (0.0, 0.0, 1.0), O: (0.0, 0.0, 0.0)]");
  assert.equal(
    String(new Transform3D(new Basis(new Vector3(1, 0, 0), new Vector3(0, 0.5, 0), new Vector3(0, 0, -2)), new Vector3(10.000001, 0.1, -3))),
    "[X: (1.0, 0.0, 0.0), Y: (0.0, 0.5, 0.0), Z: (0.0, 0.0, -2.0), O: (10.0, 0.1, -3.0)]",
  );
  assert.equal(
    String(new Projection()),
    "[X: (1.0, 0.0, 0.0, 0.0), Y: (0.0, 1.0, 0.0, 0.0), Z: (0.0, 0.0, 1.0, 0.0), W: (0.0, 0.0, 0.0, 1.0)]",
  );
  assert.equal(
    String(new Projection(new Vector4(1.5, 0, 0, 0), new Vector4(0, 2, 0, 0), new Vector4(0, 0, -1.0002, -1), new Vector4(0, 0, -0.20002, 0))),
    "[X: (1.5, 0.0, 0.0, 0.0), Y: (0.0, 2.0, 0.0, 0.0), Z: (0.0, 0.0, -1.0002, -1.0), W: (0.0, 0.0, -0.20002, 0.0)]",
  );
});
