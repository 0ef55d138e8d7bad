/**
 * The one argument checker. A wrong argument is a programmer error, so every check
 * throws at once: `TypeError` when the kind is wrong, `RangeError` when the value is
 * outside what Godot accepts. Messages name the argument (prefixed with the method
 * when given as `"method: argument"`) and the allowed range, so the same mistake
 * reads the same on every class.
 */

export const U32_MAX = 0xffffffff;

export function checkInt(value: unknown, name: string, min: number, max: number): asserts value is number {
  if (typeof value !== "number" || !Number.isInteger(value)) {
    throw new TypeError(`${name} must be an integer in ${min}..${max}, got ${describe(value)}`);
  }
  if (value < min || value > max) throw new RangeError(`${name} must be in ${min}..${max}, got ${value}`);
}

/** A finite number in `min..max` (floats allowed). */
export function checkNumber(value: unknown, name: string, min = -Infinity, max = Infinity): asserts value is number {
  if (typeof value !== "number" || Number.isNaN(value)) throw new TypeError(`${name} must be a number, got ${describe(value)}`);
  if (value < min || value > max || !Number.isFinite(value)) {
    throw new RangeError(`${name} must be a finite number in ${min}..${max}, got ${value}`);
  }
}

/** An integer that may be a `bigint` (64-bit Godot ints); returns it as a bigint. */
export function checkInt64(value: unknown, name: string, min: bigint, max: bigint): bigint {
  let v: bigint;
  if (typeof value === "bigint") v = value;
  else if (typeof value === "number" && Number.isSafeInteger(value)) v = BigInt(value);
  else if (typeof value === "number" && Number.isInteger(value)) {
    throw new RangeError(`${name} must be a safe integer number or a bigint (pass a bigint for larger values), got ${value}`);
  } else throw new TypeError(`${name} must be an integer (number or bigint), got ${describe(value)}`);
  if (v < min || v > max) throw new RangeError(`${name} must be in ${min}..${max}, got ${v}`);
  return v;
}

/** Any number, NaN and the infinities included (a Godot float can carry them). */
export function checkFloat(value: unknown, name: string): asserts value is number {
  if (typeof value !== "number") throw new TypeError(`${name} must be a number, got ${describe(value)}`);
}

export function checkBool(value: unknown, name: string): asserts value is boolean {
  if (typeof value !== "boolean") throw new TypeError(`${name} must be a boolean, got ${describe(value)}`);
}

/** A callback; `undefined` passes too when it is an optional one. */
export function checkFunction(value: unknown, name: string, opts: { optional?: boolean } = {}): void {
  if (opts.optional && value === undefined) return;
  if (typeof value !== "function") throw new TypeError(`${name} must be a function, got ${describe(value)}`);
}

export function checkString(value: unknown, name: string, opts: { nonEmpty?: boolean } = {}): asserts value is string {
  if (typeof value !== "string") throw new TypeError(`${name} must be a string, got ${describe(value)}`);
  if (opts.nonEmpty && value.length === 0) throw new RangeError(`${name} must be a non-empty string`);
}

export function checkBytes(value: unknown, name: string, maxLength = Infinity): asserts value is Uint8Array {
  if (!(value instanceof Uint8Array)) throw new TypeError(`${name} must be a Uint8Array, got ${describe(value)}`);
  if (value.length > maxLength) throw new RangeError(`${name} must be at most ${maxLength} bytes, got ${value.length}`);
}

/** One of a fixed set of values (an enum's members, a protocol name). */
export function checkOneOf<T>(value: unknown, name: string, allowed: readonly T[]): asserts value is T {
  if (!allowed.includes(value as T)) {
    throw new RangeError(`${name} must be one of ${allowed.map((a) => JSON.stringify(a)).join(", ")}, got ${describe(value)}`);
  }
}

function describe(value: unknown): string {
  if (typeof value === "string") return JSON.stringify(value.length > 40 ? value.slice(0, 40) + "…" : value);
  if (typeof value === "bigint") return `${value}n`;
  if (value === null || typeof value !== "object") return String(value);
  return Array.isArray(value) ? "an array" : `a ${value.constructor?.name ?? "object"}`;
}
