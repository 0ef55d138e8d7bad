/** The options every Variant entry point takes, checked once per call. */
import { checkBool, checkOneOf } from "../util/args.ts";

export type VariantProtocol = "godot4" | "godot3";

export interface VariantOptions {
  /** Which Godot major version's encoding: `"godot4"` (default) or `"godot3"`. */
  protocol?: VariantProtocol;
  /**
   * Encode: send GodotObject values whole (Godot's `full_objects`).
   * Decode: accept whole objects (Godot's `allow_objects`); without it a whole
   * object in the input fails with ERR_UNAUTHORIZED, as in Godot.
   * Default false: a peer that decodes an object instantiates its class.
   */
  allowObjects?: boolean;
  /**
   * Encode only: `"single"` (default, Godot's standard builds) writes the math
   * types' components as 32-bit floats; `"double"` writes them as 64-bit with the
   * header's 64-bit flag, as a Godot 4 build with `precision=double` does.
   * Decoding reads either, from the header.
   */
  precision?: "single" | "double";
}

export interface ResolvedVariantOptions {
  godot3: boolean;
  allowObjects: boolean;
  double: boolean;
}

const DEFAULTS: ResolvedVariantOptions = { godot3: false, allowObjects: false, double: false };
const WITH_OBJECTS: ResolvedVariantOptions = { godot3: false, allowObjects: true, double: false };

export function resolveVariantOptions(options: VariantOptions | undefined, name: string, forceObjects = false): ResolvedVariantOptions {
  if (options === undefined) return forceObjects ? WITH_OBJECTS : DEFAULTS;
  if (options === null || typeof options !== "object") throw new TypeError(`${name}: options must be an object`);
  const { protocol = "godot4", allowObjects = false, precision = "single" } = options;
  checkOneOf(protocol, `${name}: options.protocol`, ["godot4", "godot3"] as const);
  checkBool(allowObjects, `${name}: options.allowObjects`);
  checkOneOf(precision, `${name}: options.precision`, ["single", "double"] as const);
  if (protocol === "godot3" && precision === "double") {
    throw new RangeError(`${name}: options.precision "double" is a Godot 4 encoding (Godot 3 always sends 32-bit floats)`);
  }
  return { godot3: protocol === "godot3", allowObjects: allowObjects || forceObjects, double: precision === "double" };
}
