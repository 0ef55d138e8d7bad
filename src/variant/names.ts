/** Godot's name types: StringName (distinct from String on the wire) and NodePath. */
import { tag } from "./tag.ts";
import { VariantType } from "./type-ids.ts";

/**
 * A Godot StringName. A plain JS string encodes as a Godot String; wrap it to
 * send a StringName (`new StringName("jump")`, GDScript's `&"jump"`).
 */
export class StringName {
  constructor(readonly value: string) {
    if (typeof value !== "string") throw new TypeError(`StringName: value must be a string, got ${typeof value}`);
  }
  toString(): string {
    return this.value;
  }
  valueOf(): string {
    return this.value;
  }
  /** `JSON.stringify` writes the name as a string, as Godot's JSON.stringify does. */
  toJSON(): string {
    return this.value;
  }
}

/**
 * A Godot NodePath: node names, then property subnames, absolute or relative.
 * `new NodePath("/root/Player:position:x")` parses like Godot's; `NodePath.fromParts`
 * builds one from its parts (what the wire holds).
 */
export class NodePath {
  readonly names: readonly string[];
  readonly subnames: readonly string[];
  readonly absolute: boolean;

  constructor(path = "") {
    if (typeof path !== "string") throw new TypeError(`NodePath: path must be a string, got ${typeof path}`);
    const absolute = path.startsWith("/");
    const colon = path.indexOf(":");
    const nodePart = colon === -1 ? path : path.slice(0, colon);
    const subnames: string[] = [];
    if (colon !== -1) {
      const parts = path.slice(colon + 1).split(":");
      // Godot allows one trailing ':' and refuses an empty subname elsewhere.
      if (parts.length > 0 && parts[parts.length - 1] === "") parts.pop();
      for (const part of parts) {
        if (part === "") throw new RangeError(`NodePath: invalid path ${JSON.stringify(path)} (empty subname)`);
        subnames.push(part);
      }
    }
    this.names = nodePart.split("/").filter((n) => n !== "");
    this.subnames = subnames;
    this.absolute = absolute;
  }

  static fromParts(names: readonly string[], subnames: readonly string[] = [], absolute = false): NodePath {
    const np = new NodePath();
    (np as { names: readonly string[] }).names = [...names];
    (np as { subnames: readonly string[] }).subnames = [...subnames];
    (np as { absolute: boolean }).absolute = absolute;
    return np;
  }

  isAbsolute(): boolean {
    return this.absolute;
  }
  isEmpty(): boolean {
    return this.names.length === 0 && this.subnames.length === 0;
  }
  getNameCount(): number {
    return this.names.length;
  }
  getName(idx: number): string {
    const n = this.names[idx];
    if (n === undefined) throw new RangeError(`getName: idx must be in 0..${this.names.length - 1}, got ${idx}`);
    return n;
  }
  getSubnameCount(): number {
    return this.subnames.length;
  }
  getSubname(idx: number): string {
    const n = this.subnames[idx];
    if (n === undefined) throw new RangeError(`getSubname: idx must be in 0..${this.subnames.length - 1}, got ${idx}`);
    return n;
  }
  /** Godot's String(NodePath). */
  toString(): string {
    let s = this.absolute ? "/" : "";
    s += this.names.join("/");
    for (const sub of this.subnames) s += ":" + sub;
    return s;
  }
  /** `JSON.stringify` writes the path as Godot prints it (`"/root/Player:position"`), as Godot's JSON.stringify does. */
  toJSON(): string {
    return this.toString();
  }
}

tag(StringName, VariantType.STRING_NAME);
tag(NodePath, VariantType.NODE_PATH);
