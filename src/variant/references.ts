/**
 * Types that refer to things living inside a Godot process: they travel as ids
 * (RID, an object's instance id, a Signal's owner) or, for whole objects, only
 * with the explicit `allowObjects` opt-in.
 */
import { tag } from "./tag.ts";
import { VariantType } from "./type-ids.ts";

/** A server resource id. Godot 4 sends its 64-bit id; Godot 3 sends nothing (decodes as id 0). */
export class RID {
  constructor(readonly id: bigint = 0n) {
    if (typeof id !== "bigint") throw new TypeError(`RID: id must be a bigint, got ${typeof id}`);
  }
}

/**
 * An Object sent without `full_objects`: only its instance id (Godot's
 * EncodedObjectAsID). A null Object decodes as `null`, as in Godot.
 */
export class EncodedObjectAsID {
  constructor(readonly objectId: bigint) {
    if (typeof objectId !== "bigint") throw new TypeError(`EncodedObjectAsID: objectId must be a bigint, got ${typeof objectId}`);
  }
  getObjectId(): bigint {
    return this.objectId;
  }
}

/**
 * A whole Object (`var_to_bytes_with_objects`): its class name and its stored
 * properties in the order they were sent. Only encoded or decoded with
 * `allowObjects: true`: a peer that decodes one instantiates the class and sets
 * the properties, which is why Godot makes it opt-in.
 */
export class GodotObject {
  readonly properties: Map<string, unknown>;
  constructor(
    readonly className: string,
    properties: Iterable<readonly [string, unknown]> | Record<string, unknown> = [],
  ) {
    if (typeof className !== "string" || className === "") {
      throw new TypeError("GodotObject: className must be a non-empty string");
    }
    this.properties = new Map(
      Symbol.iterator in (properties as object)
        ? (properties as Iterable<readonly [string, unknown]>)
        : Object.entries(properties as Record<string, unknown>),
    );
  }
}

/** Godot encodes every Callable as its header alone; it decodes as an empty Callable. */
export class Callable {}

/** A Signal: its name and the instance id of the object that owns it. */
export class Signal {
  constructor(
    readonly name: string,
    readonly objectId: bigint = 0n,
  ) {
    if (typeof name !== "string") throw new TypeError(`Signal: name must be a string, got ${typeof name}`);
    if (typeof objectId !== "bigint") throw new TypeError(`Signal: objectId must be a bigint, got ${typeof objectId}`);
  }
}

tag(RID, VariantType.RID);
tag(EncodedObjectAsID, VariantType.OBJECT);
tag(GodotObject, VariantType.OBJECT);
tag(Callable, VariantType.CALLABLE);
tag(Signal, VariantType.SIGNAL);
