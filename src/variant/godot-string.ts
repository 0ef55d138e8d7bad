/**
 * Godot's text form of a single-precision real (`String::num_real(float, true)`, what `str()` and
 * `print()` show for the components of Vector2, Vector3 and Vector4 in a Godot build with
 * single-precision reals, as the official ones are): a whole value keeps ".0", any other value gets
 * 6 decimals (fewer above 10: one less per digit before the point) rounded as C's printf rounds
 * (to nearest, ties to even on the exact binary value), without trailing zeros but the one after
 * the point.
 */
export function godotRealString(value: number): string {
  const x = Math.fround(value);
  if (Number.isNaN(x)) return "nan";
  if (!Number.isFinite(x)) return x < 0 ? "-inf" : "inf";
  if (Number.isInteger(x) && Math.abs(x) < 2 ** 63) return `${BigInt(x)}.0`;
  let decimals = 6;
  const abs = Math.abs(x);
  // Godot takes log10 of a float: rounding it to single precision decides the digit count near
  // powers of ten (99.99999 has 4 decimals there, not 5).
  if (abs > 10) decimals -= Math.floor(Math.fround(Math.log10(abs)));
  // A negative count is printf's "%lf", whose precision is 6.
  const text = printfFixed(x, decimals < 0 ? 6 : decimals);
  // Trailing zeros go, but one stays after the point ("100.0000" is "100.0", as Godot prints).
  return text.includes(".") ? text.replace(/0+$/, "").replace(/\.$/, ".0") : text;
}

/** printf("%.<decimals>f", x) for a finite double: the exact binary value rounded to nearest, ties to even. */
function printfFixed(x: number, decimals: number): string {
  const bits = new DataView(new ArrayBuffer(8));
  bits.setFloat64(0, x);
  const negative = (bits.getUint8(0) & 0x80) !== 0;
  const hi = bits.getUint32(0);
  const biased = (hi >>> 20) & 0x7ff;
  let mantissa = (BigInt(hi & 0xfffff) << 32n) | BigInt(bits.getUint32(4));
  let exponent = -1074;
  if (biased !== 0) {
    mantissa |= 1n << 52n;
    exponent = biased - 1075;
  }
  const scale = 10n ** BigInt(decimals);
  let digits: bigint;
  if (exponent >= 0) {
    digits = (mantissa << BigInt(exponent)) * scale;
  } else {
    const denominator = 1n << BigInt(-exponent);
    const scaled = mantissa * scale;
    digits = scaled / denominator;
    const twice = (scaled % denominator) * 2n;
    if (twice > denominator || (twice === denominator && (digits & 1n) === 1n)) digits += 1n;
  }
  const s = digits.toString().padStart(decimals + 1, "0");
  const body = decimals > 0 ? `${s.slice(0, -decimals)}.${s.slice(-decimals)}` : s;
  return negative ? `-${body}` : body;
}
