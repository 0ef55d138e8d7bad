/**
 * JSON.stringify of the Variant wrappers whose natural JSON is a primitive: a server logging a
 * decoded Variant, or relaying it to a web front end as JSON, gets the number or the string, as
 * Godot's own JSON.stringify writes a float, a StringName and a NodePath.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { bytesToVar, Float, NodePath, StringName, varToBytes, Vector2 } from "../../src/variant/index.ts";

test("Float, StringName and NodePath stringify to JSON as their number or string", () => {
  assert.equal(JSON.stringify(new Float(2)), "2");
  assert.equal(JSON.stringify(new Float(-0.5)), "-0.5");
  assert.equal(JSON.stringify(new StringName("jump")), '"jump"');
  assert.equal(JSON.stringify(new NodePath("/root/Player:position:x")), '"/root/Player:position:x"');
  assert.equal(JSON.stringify(new NodePath("")), '""');
  // Inside decoded containers too: what a relay would forward.
  const decoded = bytesToVar(varToBytes({ hp: new Float(100), name: new StringName("p1"), at: new NodePath("Enemy:hp"), pos: new Vector2(1, 2) }));
  assert.deepEqual(JSON.parse(JSON.stringify(decoded)), { hp: 100, name: "p1", at: "Enemy:hp", pos: { x: 1, y: 2 } });
});
