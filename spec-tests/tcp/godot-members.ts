// Godot 4.6 class-reference member lists (methods, properties, constants) for the classes of
// src/tcp, src/websocket and src/multiplayer, and the check that each is present on our class
// under its camelCase name. Transcribed from the Godot 4.6 class reference (doc/classes/*.xml,
// modules/*/doc_classes/*.xml); inherited members are checked on the base's own list.
import assert from "node:assert/strict";

export interface GodotClassMembers {
  methods: string[];
  properties?: string[];
  constants?: string[];
}

export function camel(snake: string): string {
  return snake.replace(/_([a-z0-9])/g, (_m, c: string) => c.toUpperCase());
}

/** Every member of `godot` present on `instance` (methods, properties) or `cls` (constants); returns the rows checked. */
export function checkMembers(name: string, cls: object, instance: object, godot: GodotClassMembers): string[] {
  const missing: string[] = [];
  const rows: string[] = [];
  for (const m of godot.methods) {
    const js = camel(m);
    const ok = typeof (instance as Record<string, unknown>)[js] === "function";
    rows.push(`${name}.${m} -> ${js}() ${ok ? "present" : "MISSING"}`);
    if (!ok) missing.push(`${m}()`);
  }
  for (const p of godot.properties ?? []) {
    const js = camel(p);
    const ok = js in instance;
    rows.push(`${name}.${p} -> ${js} ${ok ? "present" : "MISSING"}`);
    if (!ok) missing.push(p);
  }
  for (const c of godot.constants ?? []) {
    const ok = c in cls;
    rows.push(`${name}.${c} ${ok ? "present" : "MISSING"}`);
    if (!ok) missing.push(c);
  }
  assert.deepEqual(missing, [], `${name}: Godot 4 members missing`);
  return rows;
}
