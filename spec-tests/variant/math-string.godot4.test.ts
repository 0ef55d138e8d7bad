/**
 * toString() of Vector2/3/4 and their integer forms against Godot 4.6's str() of the same values
 * (live, web build): whole values with ".0", 6 decimals shrinking above 10, printf's ties to even
 * on the exact single-precision value, trailing zeros dropped, the log10 rounding near powers of
 * ten, -0, inf and nan. Before, a template string of a received Vector2 read "[object Object]".
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { godot4SkipReason, runGodot4 } from "../godot4/harness.ts";
import { Vector2, Vector2i, Vector3, Vector3i, Vector4, Vector4i, varToBytes } from "../../src/variant/index.ts";

const reals = [
  0, -0, 1, -2, 0.1, 0.2, 1 / 3, -2 / 3, 0.5, 100.5, -20.25, 12345.678, 1e-7, 5e-7, 4.9e-7, 2 ** -7, 3 * 2 ** -8, 0.0000005,
  1.0000001, 3.0000002, 9.999999, 10.000001, 99.99999, 99.999992, 100.00001, 999.99994, 1234567.4, 9999999.5, 10000000.5,
  16777215.5, 16777216, 1e20, -1e20, 3.4028234e38, 1.17549435e-38, 1e-45, Infinity, -Infinity, NaN, Math.PI, -Math.E,
  0.3, 0.7, 2.675, 1.005, 123.4567, 0.000123, 65504.3,
];
const values: (Vector2 | Vector2i | Vector3 | Vector3i | Vector4 | Vector4i)[] = [];
for (let i = 0; i < reals.length; i += 2) values.push(new Vector2(reals[i]!, reals[(i + 1) % reals.length]!));
for (let i = 0; i < reals.length; i += 3) values.push(new Vector3(reals[i]!, reals[(i + 1) % reals.length]!, reals[(i + 2) % reals.length]!));
values.push(new Vector4(0.25, -1, 1e-6, 7.5), new Vector2i(-3, 2147483647), new Vector3i(0, -1, -2147483648), new Vector4i(1, 2, 3, 4));
// Seeded random single-precision values across magnitudes.
let seed = 20261206;
const next = (): number => ((seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) / 2 ** 32);
for (let i = 0; i < 200; i++) {
  const r = (): number => (next() - 0.5) * 10 ** Math.floor(next() * 14 - 7);
  values.push(new Vector3(r(), r(), r()));
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

test("Vector2/3/4(i).toString() is Godot 4.6's str() of the value", { skip: godot4SkipReason(), timeout: 120_000 }, async () => {
  const arg = Buffer.from(varToBytes(values)).toString("base64");
  const r = await runGodot4({ script: SCRIPT, args: [arg], timeoutMs: 60_000 });
  assert.equal(r.exitCode, 0, r.lines.join("\\n") + r.errors.join("\\n"));
  const godot = r.lines.filter((l) => l.startsWith("S ")).map((l) => l.slice(2));
  assert.equal(godot.length, values.length);
  const ours = values.map((v) => String(v));
  const differ = ours.map((s, i) => (s === godot[i] ? null : `${i}: ours ${s} godot ${godot[i]}`)).filter((d) => d !== null);
  assert.deepEqual(differ, []);
});
