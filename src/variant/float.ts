/**
 * A Godot float whose value is a whole number. A JS number cannot tell `1` from
 * `1.0`, and Godot's int and float are different types on the wire, so:
 * a whole-number JS number encodes as int, any other number as float, and a
 * float received with a whole value (1.0, -0.0, 1e20) decodes as `Float` so it
 * re-encodes as a float. `valueOf()` makes it usable in arithmetic.
 */
import { tag } from "./tag.ts";
import { VariantType } from "./type-ids.ts";

export class Float {
  constructor(readonly value: number) {
    if (typeof value !== "number") throw new TypeError(`Float: value must be a number, got ${typeof value}`);
  }
  valueOf(): number {
    return this.value;
  }
  toString(): string {
    return String(this.value);
  }
  /** `JSON.stringify` writes the number (`2`), as for any JS number, not `{"value":2}`. */
  toJSON(): number {
    return this.value;
  }
}

tag(Float, VariantType.FLOAT);
