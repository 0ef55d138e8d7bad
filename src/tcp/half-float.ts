/**
 * IEEE 754 binary16 conversion exactly as Godot's StreamPeer.put_half/get_half
 * (Math::make_half_float / half_to_float) behave, because peers compare bytes:
 * - the value is first narrowed to a 32-bit float (GDScript floats are doubles,
 *   put_half takes a C++ float), rounding to nearest;
 * - the float -> half step truncates the mantissa (no rounding);
 * - magnitudes below the smallest normal half (2^-14) become +0 (sign dropped,
 *   Godot does not produce subnormals);
 * - magnitudes of 65536 and above become +-Infinity; NaN becomes 0x7FFF / 0xFFFF.
 * Decoding is exact, subnormals included.
 */

const f32 = new Float32Array(1);
const u32 = new Uint32Array(f32.buffer);

/** Float32 exponent field of 2^16 (0x8F << 23): from here on a half overflows. */
const F32_EXP_HALF_OVERFLOW = 0x47800000;
/** Float32 exponent field of 2^-15 (0x70 << 23): at or below this a half would be subnormal. */
const F32_EXP_HALF_UNDERFLOW = 0x38000000;
const F32_EXP_MASK = 0x7f800000;
const F32_MANTISSA_MASK = 0x007fffff;

export function halfBitsFromNumber(value: number): number {
  f32[0] = value;
  const x = u32[0] ?? 0;
  const sign = x >>> 31;
  let mantissa = x & F32_MANTISSA_MASK;
  const exponent = x & F32_EXP_MASK;
  if (exponent >= F32_EXP_HALF_OVERFLOW) {
    // NaN keeps an all-ones payload, everything else saturates to infinity.
    mantissa = mantissa !== 0 && exponent === F32_EXP_MASK ? F32_MANTISSA_MASK : 0;
    return ((sign << 15) | (0x1f << 10) | (mantissa >>> 13)) & 0xffff;
  }
  if (exponent <= F32_EXP_HALF_UNDERFLOW) return 0;
  return ((sign << 15) | ((exponent - F32_EXP_HALF_UNDERFLOW) >>> 13) | (mantissa >>> 13)) & 0xffff;
}

export function numberFromHalfBits(bits: number): number {
  const sign = bits & 0x8000 ? -1 : 1;
  const exponent = (bits >>> 10) & 0x1f;
  const mantissa = bits & 0x3ff;
  if (exponent === 0) return sign * mantissa * 2 ** -24;
  if (exponent === 0x1f) return mantissa === 0 ? sign * Infinity : NaN;
  return sign * (1 + mantissa / 1024) * 2 ** (exponent - 15);
}
