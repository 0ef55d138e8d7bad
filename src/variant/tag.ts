import type { VariantType } from "./type-ids.ts";

/**
 * Every class that stands for a Godot type carries its Godot 4 type id on its
 * prototype under this symbol, so the encoder finds the type of a value with one
 * property read instead of a chain of `instanceof` tests.
 */
export const VARIANT_TYPE: unique symbol = Symbol("packetpeer.variantType");

export interface Tagged {
  readonly [VARIANT_TYPE]?: VariantType;
}

export function tag(ctor: { prototype: object }, type: VariantType): void {
  Object.defineProperty(ctor.prototype, VARIANT_TYPE, { value: type, enumerable: false });
}
