/**
 * toString() of Godot's math types against Godot 4.6's str() of the same values (live, web build).
 * Vectors: whole values with ".0", 6 decimals shrinking above 10, printf's ties to even on the
 * exact single-precision value, trailing zeros dropped, the log10 rounding near powers of ten, -0,
 * inf and nan. The composite types print their vectors in brackets (Rect2 "[P: .., S: ..]", Basis
 * and the transforms by columns); Quaternion and Plane's d drop the ".0" of whole values; Color
 * has 4 decimals per channel. Before, a template string of a received value read "[object Object]".
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { godot4SkipReason, runGodot4 } from "../godot4/harness.ts";
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
  varToBytes,
} from "../../src/variant/index.ts";

const reals = [
  0, -0, 1, -2, 0.1, 0.2, 1 / 3, -2 / 3, 0.5, 100.5, -20.25, 12345.678, 1e-7, 5e-7, 4.9e-7, 2 ** -7, 3 * 2 ** -8, 0.0000005,
  1.0000001, 3.0000002, 9.999999, 10.000001, 99.99999, 99.999992, 100.00001, 999.99994, 1234567.4, 9999999.5, 10000000.5,
  16777215.5, 16777216, 1e20, -1e20, 3.4028234e38, 1.17549435e-38, 1e-45, Infinity, -Infinity, NaN, Math.PI, -Math.E,
  0.3, 0.7, 2.675, 1.005, 123.4567, 0.000123, 65504.3,
];
const ints = [0, 1, -1, 7, -300, 65536, 2147483647, -2147483648, 123456789, -42];
// Color's 4 decimals: exact ties (2^-5, 3 * 2^-5: to even), values that round to 0 or 1, -0 and
// tiny negatives (printf keeps the sign: "-0.0"), whole and huge values.
const channels = [
  0, -0, 1, 0.5, 1 / 3, 2 / 3, 2 ** -5, 3 * 2 ** -5, 0.00005, 0.00004, 0.99995, 0.99994, -1e-5, 2 ** -14, 0.12345, 255, 100.5,
  12345.678, 1e20, Infinity, -Infinity, NaN, 1.5, -0.25,
];
// Quaternion and Plane's d print whole values as integers: -0, 2^63 and beyond, where the integer
// form ends.
const bareReals = [0, -0, 1, -1, 2, 0.5, 1 / 3, 1e-7, 100.5, 2 ** 62, 2 ** 63, -(2 ** 63), 2 ** 64, 1e20, Infinity, -Infinity, NaN, 16777216];

/** The i-th value onwards of a list, cyclically, so each type sees every edge case somewhere. */
const from =
  (list: number[]) =>
  (i: number, n: number): number[] =>
    Array.from({ length: n }, (_, k) => list[(i * n + k) % list.length]!);
const real = from(reals);
const int = from(ints);
const channel = from(channels);
const bareReal = from(bareReals);

type MathValue =
  | Vector2
  | Vector2i
  | Vector3
  | Vector3i
  | Vector4
  | Vector4i
  | Rect2
  | Rect2i
  | AABB
  | Plane
  | Quaternion
  | Color
  | Basis
  | Transform2D
  | Transform3D
  | Projection;

const v2 = (c: number[], at = 0): Vector2 => new Vector2(c[at]!, c[at + 1]!);
const v3 = (c: number[], at = 0): Vector3 => new Vector3(c[at]!, c[at + 1]!, c[at + 2]!);
const v4 = (c: number[], at = 0): Vector4 => new Vector4(c[at]!, c[at + 1]!, c[at + 2]!, c[at + 3]!);
/** Each type built from a list of components (as many as it has). */
const makers: [number, (c: number[]) => MathValue][] = [
  [4, (c) => new Rect2(v2(c), v2(c, 2))],
  [6, (c) => new AABB(v3(c), v3(c, 3))],
  [4, (c) => new Plane(v3(c), c[3]!)],
  [9, (c) => new Basis(v3(c), v3(c, 3), v3(c, 6))],
  [6, (c) => new Transform2D(v2(c), v2(c, 2), v2(c, 4))],
  [12, (c) => new Transform3D(new Basis(v3(c), v3(c, 3), v3(c, 6)), v3(c, 9))],
  [16, (c) => new Projection(v4(c), v4(c, 4), v4(c, 8), v4(c, 12))],
];

const values: MathValue[] = [];
for (let i = 0; i < reals.length; i += 2) values.push(new Vector2(reals[i]!, reals[(i + 1) % reals.length]!));
for (let i = 0; i < reals.length; i += 3) values.push(new Vector3(reals[i]!, reals[(i + 1) % reals.length]!, reals[(i + 2) % reals.length]!));
values.push(new Vector4(0.25, -1, 1e-6, 7.5), new Vector2i(-3, 2147483647), new Vector3i(0, -1, -2147483648), new Vector4i(1, 2, 3, 4));
// Defaults: identity transforms, whole values.
values.push(new Rect2(), new Rect2i(), new AABB(), new Plane(), new Quaternion(), new Color(), new Basis(), new Transform2D());
values.push(new Transform3D(), new Projection(), new Color(1, 1, 1, 1), new Plane(new Vector3(0, 1, 0), 5));
for (const [n, make] of makers) {
  for (let i = 0; i * n < reals.length + n; i++) values.push(make(real(i, n)));
  for (let i = 0; i * n < bareReals.length + n; i++) values.push(make(bareReal(i, n)));
}
for (let i = 0; i * 4 < ints.length + 4; i++) {
  const c = int(i, 4);
  values.push(new Rect2i(new Vector2i(c[0], c[1]), new Vector2i(c[2], c[3])));
}
for (let i = 0; i * 4 < channels.length + 4; i++) values.push(new Color(...(channel(i, 4) as [number, number, number, number])));
for (let i = 0; i * 4 < bareReals.length + 4; i++) values.push(new Quaternion(...(bareReal(i, 4) as [number, number, number, number])));
for (let i = 0; i * 4 < reals.length + 4; i++) values.push(new Quaternion(...(real(i, 4) as [number, number, number, number])));

// Seeded random single-precision values across magnitudes.
let seed = 20261206;
const next = (): number => ((seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) / 2 ** 32);
const r = (): number => (next() - 0.5) * 10 ** Math.floor(next() * 14 - 7);
const rs = (n: number): number[] => Array.from({ length: n }, r);
for (let i = 0; i < 200; i++) values.push(new Vector3(r(), r(), r()));
for (let i = 0; i < 20; i++) {
  for (const [n, make] of makers) values.push(make(rs(n)));
  values.push(new Quaternion(r(), r(), r(), r()));
  // Colors mostly in 0..1, where 4 decimals matter, some beyond.
  const ch = (): number => (next() < 0.8 ? next() : r());
  values.push(new Color(ch(), ch(), ch(), ch()));
  const ri = (): number => Math.trunc((next() - 0.5) * 2 ** 32);
  values.push(new Rect2i(new Vector2i(ri(), ri()), new Vector2i(ri(), ri())));
}

const SCRIPT = `extends SceneTree
var frames := 0
func _process(_delta: float) -> bool:
	frames += 1
	if frames == 2:
		var list: Array = bytes_to_var(Marshalls.base64_to_raw(OS.get_cmdline_user_args()[0]))
		for v in list:
			print("S ", str(v))
		quit(0)
	return false
`;

test("toString() of every math type is Godot 4.6's str() of the value", { skip: godot4SkipReason(), timeout: 120_000 }, async (t) => {
  const arg = Buffer.from(varToBytes(values)).toString("base64");
  const r = await runGodot4({ script: SCRIPT, args: [arg], timeoutMs: 60_000 });
  assert.equal(r.exitCode, 0, r.lines.join("\\n") + r.errors.join("\\n"));
  const godot = r.lines.filter((l) => l.startsWith("S ")).map((l) => l.slice(2));
  assert.equal(godot.length, values.length);
  const ours = values.map((v) => String(v));
  const differ = ours.map((s, i) => (s === godot[i] ? null : `${i}: ours ${s} godot ${godot[i]}`)).filter((d) => d !== null);
  assert.deepEqual(differ, []);
  t.diagnostic(`${values.length} values compared`);
});
