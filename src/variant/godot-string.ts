/**
 * Godot's text form of a single-precision real, `String::num_real(float, trailing)`: what `str()`
 * and `print()` show for the components of Vector2/3/4 (`trailing` true) and of Quaternion and a
 * Plane's distance (`trailing` false), in a Godot build with single-precision reals, as the
 * official ones are. A whole value prints as an integer (with ".0" when `trailing`); any other
 * goes through `godotNum` with 6 decimals, one less per digit before the point above 10.
 */
export function godotRealString(value: number, trailing = true): string {
  const x = Math.fround(value);
  if (!Number.isFinite(x)) return godotNum(x, 0);
  // Godot's test is a round trip through int64, so -0 prints as "0" and whole values from -2^63
  // to 2^63 take the integer form; the others go through printf with their ".0". The conversion
  // saturates (WebAssembly, ARM), so 2^63 passes the test as INT64_MAX; x86-64 desktop builds,
  // whose conversion gives INT64_MIN instead, print 2^63 as "9223372036854775808.0".
  if (Number.isInteger(x) && x >= -(2 ** 63) && x <= 2 ** 63) {
    const whole = x === 2 ** 63 ? 2n ** 63n - 1n : BigInt(x);
    return trailing ? `${whole}.0` : `${whole}`;
  }
  let decimals = 6;
  const abs = Math.abs(x);
  // Godot takes log10 of a float: rounding it to single precision decides the digit count near
  // powers of ten (99.99999 has 4 decimals there, not 5).
  if (abs > 10) decimals -= Math.floor(Math.fround(Math.log10(abs)));
  return godotNum(x, decimals);
}

/**
 * Godot's `String::num(double, decimals)`, also what Color prints for its channels (4 decimals):
 * printf's "%.<decimals>lf" rounded as C rounds (to nearest, ties to even on the exact binary
 * value, so -0 and tiny negatives keep their "-"), then trailing zeros dropped but the one after
 * the point ("100.0000" is "100.0"). A negative count is Godot's default: 14 decimals, one less
 * per digit before the point above 10, and printf's own 6 ("%lf") if that is still negative.
 */
export function godotNum(value: number, decimals: number): string {
  if (Number.isNaN(value)) return "nan";
  if (!Number.isFinite(value)) return value < 0 ? "-inf" : "inf";
  if (decimals < 0) {
    decimals = 14;
    const abs = Math.abs(value);
    if (abs > 10) decimals -= Math.floor(Math.log10(abs));
  }
  const text = printfFixed(value, decimals < 0 ? 6 : decimals);
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
