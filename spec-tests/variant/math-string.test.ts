/**
 * toString() of the vector types, on every runtime (the exact decimal rounding uses BigInt and
 * DataView): strings Godot 4.6's str() printed for these values in math-string.godot4.test.ts.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { Vector2, Vector2i, Vector3, Vector3i, Vector4, Vector4i } from "../../src/variant/index.ts";

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
